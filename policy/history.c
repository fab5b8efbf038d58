#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "policy/history.h"
#include "policy/internal.h"

struct policy_history *policy_history_new(void)
{
	return xcalloc(1, sizeof(struct policy_history));
}

static void free_values(struct history_values *v)
{
	free(v->text);
	free(v->offsets);
	free(v->lengths);
	free(v->hashes);
	free(v->slots);
}

void policy_history_free(struct policy_history *history)
{
	if (!history)
		return;
	for (size_t i = 0; i < history->column_count; i++) {
		free(history->columns[i].attribute);
		free(history->columns[i].cells);
		free_values(&history->columns[i].values);
	}
	free(history->columns);
	free(history->lines);
	free(history->decisions);
	free(history->requests);
	free(history->several);
	free(history);
}

/* ---- Values ---- */

static void grow_slots(struct history_values *v)
{
	size_t size = v->slot_mask ? (v->slot_mask + 1) * 2 : 256;

	free(v->slots);
	v->slots = xcalloc(size, sizeof *v->slots);
	v->slot_mask = size - 1;
	for (uint32_t id = 1; id < v->count; id++) {
		size_t slot = v->hashes[id] & v->slot_mask;

		while (v->slots[slot])
			slot = (slot + 1) & v->slot_mask;
		v->slots[slot] = id;
	}
}

static uint32_t add_value(struct history_values *v, const char *text, size_t length, uint32_t hash,
			  size_t slot)
{
	if (v->count == 0)
		v->count = 1; /* id 0 is "no value" */
	if (v->count >= v->capacity) {
		v->capacity = v->capacity ? v->capacity * 2 : 256;
		v->offsets = xreallocarray(v->offsets, v->capacity, sizeof *v->offsets);
		v->lengths = xreallocarray(v->lengths, v->capacity, sizeof *v->lengths);
		v->hashes = xreallocarray(v->hashes, v->capacity, sizeof *v->hashes);
	}
	if (v->text_length + length + 1 > v->text_capacity) {
		while (v->text_length + length + 1 > v->text_capacity)
			v->text_capacity = v->text_capacity ? v->text_capacity * 2 : 4096;
		v->text = xrealloc(v->text, v->text_capacity);
	}
	uint32_t id = (uint32_t)v->count++;

	memcpy(v->text + v->text_length, text, length);
	v->text[v->text_length + length] = '\0';
	v->offsets[id] = v->text_length;
	v->lengths[id] = length;
	v->hashes[id] = hash;
	v->text_length += length + 1;
	v->slots[slot] = id;
	if (v->count * 2 > v->slot_mask + 1)
		grow_slots(v);
	return id;
}

uint32_t history_intern(struct history_values *v, const char *text, size_t length)
{
	if (length == 0)
		return 0;
	if (!v->slots)
		grow_slots(v);

	uint32_t hash = policy_string_hash(text, length);
	size_t slot = hash & v->slot_mask;

	for (;;) {
		uint32_t id = v->slots[slot];

		if (id == 0)
			return add_value(v, text, length, hash, slot);
		if (v->hashes[id] == hash && v->lengths[id] == length &&
		    memcmp(v->text + v->offsets[id], text, length) == 0)
			return id;
		slot = (slot + 1) & v->slot_mask;
	}
}

/* ---- Rows and columns ---- */

size_t history_find_column(const struct policy_history *h, const char *attribute)
{
	for (size_t i = 0; i < h->column_count; i++)
		if (strcmp(h->columns[i].attribute, attribute) == 0)
			return i;
	return SIZE_MAX;
}

size_t history_column(struct policy_history *h, const char *attribute)
{
	size_t found = history_find_column(h, attribute);

	if (found != SIZE_MAX)
		return found;
	h->columns = xreallocarray(h->columns, h->column_count + 1, sizeof *h->columns);

	struct history_column *column = &h->columns[h->column_count];

	memset(column, 0, sizeof *column);
	column->attribute = xstrdup(attribute);
	column->cells = xcalloc(h->row_capacity + 1, sizeof *column->cells);
	return h->column_count++;
}

static void *grow_array(void *array, size_t old_count, size_t new_count, size_t size)
{
	array = xreallocarray(array, new_count, size);
	memset((char *)array + old_count * size, 0, (new_count - old_count) * size);
	return array;
}

void history_reserve_rows(struct policy_history *h, size_t rows)
{
	size_t old = h->row_capacity;
	size_t capacity = old ? old : 1024;

	if (h->row_count + rows <= old)
		return;
	while (capacity < h->row_count + rows)
		capacity *= 2;
	h->lines = grow_array(h->lines, old, capacity, sizeof *h->lines);
	h->decisions = grow_array(h->decisions, old, capacity, sizeof *h->decisions);
	if (h->requests)
		h->requests = grow_array(h->requests, old, capacity, sizeof *h->requests);
	for (size_t i = 0; i < h->column_count; i++)
		h->columns[i].cells = grow_array(h->columns[i].cells, old + 1, capacity + 1,
						 sizeof *h->columns[i].cells);
	h->row_capacity = capacity;
}

/* Start a new row with no values; returns its index. */
size_t history_add_row(struct policy_history *h, size_t line, enum policy_history_decision decision)
{
	history_reserve_rows(h, 1);

	size_t row = h->row_count++;

	h->lines[row] = line;
	h->decisions[row] = (uint8_t)decision;
	return row;
}

/* Add a value to a cell; a second value turns the cell into a list in several. */
void history_add_value(struct policy_history *h, size_t column, size_t row, uint32_t id)
{
	uint32_t *cell = &h->columns[column].cells[row];
	uint32_t count = 1, first = *cell;

	if (id == 0)
		return;
	if (*cell == 0) {
		*cell = id;
		return;
	}
	if (*cell & HISTORY_SEVERAL) {
		first = *cell & ~HISTORY_SEVERAL;
		count = h->several[first];
	}
	/* The list is copied whole, so a cell costs its number of values squared: a few at most. */
	size_t start = h->several_count;

	if (h->several_count + count + 2 > h->several_capacity) {
		while (h->several_count + count + 2 > h->several_capacity)
			h->several_capacity = h->several_capacity ? h->several_capacity * 2 : 256;
		h->several = xreallocarray(h->several, h->several_capacity, sizeof *h->several);
	}
	h->several[start] = count + 1;
	if (*cell & HISTORY_SEVERAL)
		memcpy(h->several + start + 1, h->several + first + 1, count * sizeof *h->several);
	else
		h->several[start + 1] = *cell;
	h->several[start + 1 + count] = id;
	h->several_count += count + 2;
	*cell = HISTORY_SEVERAL | (uint32_t)start;
}

void history_remove_last_row(struct policy_history *h)
{
	size_t row = --h->row_count;

	for (size_t i = 0; i < h->column_count; i++)
		h->columns[i].cells[row] = 0;
	h->lines[row] = 0;
	h->decisions[row] = 0;
	if (h->requests)
		memset(&h->requests[row], 0, sizeof h->requests[row]);
}

size_t policy_history_count(const struct policy_history *history)
{
	return history->row_count;
}

bool policy_history_has_times(const struct policy_history *history)
{
	return history->has_times;
}

bool policy_history_has_attribute(const struct policy_history *history, const char *name)
{
	return history_find_column(history, name) != SIZE_MAX;
}

void policy_history_row(const struct policy_history *history, size_t row,
			struct policy_history_row *out)
{
	out->line = history->lines[row];
	out->decision = (enum policy_history_decision)history->decisions[row];
	out->id = 0;
	out->created_at = 0;
	out->wait_seconds = -1;
	out->needed_approval = false;
	if (history->requests) {
		const struct history_request *request = &history->requests[row];

		out->id = request->id;
		out->created_at = request->created_at;
		out->wait_seconds = request->wait_known ? request->wait_seconds : -1;
		out->needed_approval = request->needed_approval;
	}
}

void policy_history_row_values(const struct policy_history *history, size_t row,
			       void (*visit)(const char *attribute, const char *value, size_t length,
					     void *context),
			       void *context)
{
	for (size_t c = 0; c < history->column_count; c++) {
		uint32_t cell = history->columns[c].cells[row];
		const uint32_t *ids = &cell;
		uint32_t count = cell ? 1 : 0;

		if (cell & HISTORY_SEVERAL) {
			ids = history->several + (cell & ~HISTORY_SEVERAL) + 1;
			count = ids[-1];
		}
		const struct history_values *v = &history->columns[c].values;

		for (uint32_t i = 0; i < count; i++)
			visit(history->columns[c].attribute, v->text + v->offsets[ids[i]], v->lengths[ids[i]],
			      context);
	}
}
