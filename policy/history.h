#ifndef GATEHOUSE_POLICY_HISTORY_H
#define GATEHOUSE_POLICY_HISTORY_H

/*
 * The layout of a struct policy_history, shared by the files that fill it
 * (history.c, history_csv.c and history_requests.c) and simulate.c, which
 * reads it. Callers use policy/simulate.h.
 */

#include <stddef.h>
#include <stdint.h>

#include "policy/simulate.h"

/* A cell with this bit set lists several values: the rest of it indexes several. */
#define HISTORY_SEVERAL (UINT32_C(1) << 31)

/*
 * The distinct values of one column, each stored once: value id i is
 * lengths[i] bytes at text + offsets[i], with the hash hashes[i]; id 0 is
 * unused. slots hashes to ids. A column of its own keeps the ids small and
 * dense, so that tables indexed by them stay in the cache.
 */
struct history_values {
	char *text;
	size_t text_length;
	size_t text_capacity;
	size_t *offsets;
	size_t *lengths;
	uint32_t *hashes;
	size_t count;
	size_t capacity;
	uint32_t *slots;
	size_t slot_mask;
};

struct history_column {
	char *attribute;
	/* Per row: a value id (0 for none), or HISTORY_SEVERAL | where its list starts. */
	uint32_t *cells;
	struct history_values values;
};

/* The fields that a past request adds to a row. */
struct history_request {
	int64_t id;
	int64_t created_at;         /* 0 when unknown */
	int64_t wait_seconds;       /* valid when wait_known */
	bool wait_known;
	bool needed_approval;
};

struct policy_history {
	struct history_column *columns;
	size_t column_count;
	size_t row_count;
	size_t row_capacity;
	/* Per row. */
	size_t *lines;
	uint8_t *decisions;         /* enum policy_history_decision */
	/* Per row, allocated once a request is added: CSV rows have none of this. */
	struct history_request *requests;
	bool has_times;
	/* Lists of a cell's values: a count, then that many ids. */
	uint32_t *several;
	size_t several_count;
	size_t several_capacity;
};

/* The id of a value in a column's values, added when new; 0 for an empty value. */
uint32_t history_intern(struct history_values *values, const char *text, size_t length);
/* The column of an attribute, added (with no values) when new. */
size_t history_column(struct policy_history *history, const char *attribute);
/* The column of an attribute, or SIZE_MAX when the history has none. */
size_t history_find_column(const struct policy_history *history, const char *attribute);
/* Make room for at least rows more rows. */
void history_reserve_rows(struct policy_history *history, size_t rows);
size_t history_add_row(struct policy_history *history, size_t line,
		       enum policy_history_decision decision);
void history_add_value(struct policy_history *history, size_t column, size_t row, uint32_t id);
/* The time of a row, 0 when unknown. */
static inline int64_t history_created_at(const struct policy_history *history, size_t row)
{
	return history->requests ? history->requests[row].created_at : 0;
}

void history_remove_last_row(struct policy_history *history);

#endif
