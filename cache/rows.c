/*
 * Row arrays for the list loads. A load of 100,000 rows with five strings
 * each would otherwise make half a million malloc calls. Here the rows grow in
 * one array, by doubling, and the strings are copied into blocks of
 * STRING_BLOCK_SIZE bytes, so the same load makes a few dozen.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cache/internal.h"
#include "common/alloc.h"

#define STRING_BLOCK_SIZE (256 * 1024)
#define FIRST_CAPACITY 64

struct string_block {
	struct string_block *next;
	size_t used;
	size_t size;
	char bytes[];
};

struct row_array {
	struct string_block *strings;
	size_t row_size;
	size_t count;
	size_t capacity;
	max_align_t rows[];         /* count rows of row_size bytes, aligned for any type */
};

static struct row_array *array_of_rows(void *rows)
{
	return (struct row_array *)((char *)rows - offsetof(struct row_array, rows));
}

struct row_array *row_array_new(size_t row_size)
{
	struct row_array *array = xmalloc(offsetof(struct row_array, rows) +
					  FIRST_CAPACITY * row_size);

	array->strings = NULL;
	array->row_size = row_size;
	array->count = 0;
	array->capacity = FIRST_CAPACITY;
	return array;
}

void *row_array_append(struct row_array **array)
{
	struct row_array *current = *array;

	if (current->count == current->capacity) {
		size_t capacity = current->capacity * 2;
		current = xrealloc(current, offsetof(struct row_array, rows) +
				   capacity * current->row_size);
		current->capacity = capacity;
		*array = current;
	}
	char *row = (char *)current->rows + current->count * current->row_size;
	memset(row, 0, current->row_size);
	current->count++;
	return row;
}

/* Reserve n bytes in the newest block, starting a new block when it is full. */
static char *reserve_string(struct row_array *array, size_t n)
{
	struct string_block *block = array->strings;

	if (!block || block->size - block->used < n) {
		size_t size = n > STRING_BLOCK_SIZE ? n : STRING_BLOCK_SIZE;
		block = xmalloc(offsetof(struct string_block, bytes) + size);
		block->next = array->strings;
		block->used = 0;
		block->size = size;
		array->strings = block;
	}
	char *bytes = block->bytes + block->used;
	block->used += n;
	return bytes;
}

const char *row_array_copy_text(struct row_array *array, sqlite3_stmt *statement, int column)
{
	const unsigned char *text = sqlite3_column_text(statement, column);
	size_t length = (size_t)sqlite3_column_bytes(statement, column);

	if (!text || length == 0)
		return "";
	char *copy = reserve_string(array, length + 1);
	memcpy(copy, text, length);
	copy[length] = '\0';
	return copy;
}

bool row_array_load(struct cache *cache, sqlite3_stmt *statement, struct row_array **array,
		    row_reader *read_row, const char *operation)
{
	int rc;

	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		/* Append first: it may move the array that read_row copies strings into. */
		void *row = row_array_append(array);
		read_row(statement, row, *array);
	}
	bool ok = rc == SQLITE_DONE || cache_fail(cache, "%s", operation);
	cache_statement_done(statement);
	return ok;
}

size_t row_array_count(const struct row_array *array)
{
	return array->count;
}

void *row_array_finish(struct row_array *array)
{
	return array->rows;
}

void row_array_free(void *rows)
{
	if (!rows)
		return;
	struct row_array *array = array_of_rows(rows);
	struct string_block *block = array->strings;
	while (block) {
		struct string_block *next = block->next;
		free(block);
		block = next;
	}
	free(array);
}
