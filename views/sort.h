#ifndef GATEHOUSE_SORT_H
#define GATEHOUSE_SORT_H

/*
 * Sorting a list pane by one of its columns. A pane describes how each
 * column compares (struct sort_key, by the offsets of its row's fields) and
 * sorts the rows it loaded from the cache in place. Equal keys fall back to
 * the id, in ascending order in both directions, so the order is stable
 * across reloads.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "views/columns.h"

/* How a row field compares. */
enum sort_kind {
	SORT_NONE,      /* the column cannot sort (the mark column) */
	SORT_NUMBER,    /* an int64_t */
	SORT_ENUM,      /* an enum the size of an int, by its value */
	SORT_TEXT,      /* a const char *, compared ignoring ASCII case; NULL compares as "" */
	SORT_AGE,       /* an int64_t past time, shown as the time since: the newest is smallest */
	SORT_EXPIRY,    /* an int64_t time in the future, 0 for never: never is the largest */
};

/* How one column compares: its field, and a second field that decides when the first is equal. */
struct sort_key {
	enum sort_kind kind;
	size_t offset;
	enum sort_kind then_kind;   /* SORT_NONE for no second field */
	size_t then_offset;
};

/* The column a pane is sorted by. */
struct sort_order {
	bool by_column;     /* false: the cache's order */
	size_t column;      /* index into the pane's columns when by_column */
	bool descending;
};

/* The rows of a pane as sort_rows() reads them. */
struct sort_rows {
	void *rows;
	size_t count;
	size_t row_size;
	size_t id_offset;   /* of the row's int64_t id */
};

/* Compare two fields of one kind; a and b point at the fields (at the pointer for SORT_TEXT). */
int sort_compare_field(enum sort_kind kind, const void *a, const void *b);

/* Sort rows in place by key, breaking ties by ascending id. */
void sort_rows(const struct sort_rows *rows, const struct sort_key *key, bool descending);

/*
 * Write a column's name as :sort takes it: the first word of its heading in
 * lowercase ("expires" for "EXPIRES IN"), "" for a column without a heading.
 */
void sort_column_name(const struct column *column, char *out, size_t size);

/*
 * Find the sortable column (keys[i].kind is not SORT_NONE) whose name
 * matches name, ignoring ASCII case. Returns false for NULL, "" or no match.
 */
bool sort_find_column(const struct column *columns, const struct sort_key *keys, size_t count,
		      const char *name, size_t *found);

/*
 * Choose the order that ":sort COLUMN [asc|desc]" asks of the pane named
 * pane: column NULL, "" or "default" is the cache's order. On failure writes
 * a message that lists the sortable columns to err and leaves order as it was.
 */
bool sort_choose(const char *pane, const struct column *columns, const struct sort_key *keys,
		 size_t count, const char *column, bool descending, struct sort_order *order,
		 char *err, size_t errlen);

/*
 * Write the name of the index-th sortable column, for Tab completion.
 * Returns false past the last one.
 */
bool sort_nth_column_name(const struct column *columns, const struct sort_key *keys, size_t count,
			  size_t index, char *out, size_t size);

#endif
