#include "views/sort.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"

static int compare_numbers(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int64_t read_number(const void *field)
{
	int64_t value;

	memcpy(&value, field, sizeof value);
	return value;
}

static int read_enum(const void *field)
{
	int value;

	memcpy(&value, field, sizeof value);
	return value;
}

static const char *read_text(const void *field)
{
	const char *value;

	memcpy(&value, field, sizeof value);
	return value ? value : "";
}

int sort_compare_field(enum sort_kind kind, const void *a, const void *b)
{
	int64_t x, y;

	switch (kind) {
	case SORT_NUMBER:
		return compare_numbers(read_number(a), read_number(b));
	case SORT_ENUM:
		return compare_numbers(read_enum(a), read_enum(b));
	case SORT_TEXT:
		return strcasecmp(read_text(a), read_text(b));
	case SORT_AGE:
		return compare_numbers(read_number(b), read_number(a));
	case SORT_EXPIRY:
		x = read_number(a);
		y = read_number(b);
		if ((x == 0) != (y == 0))
			return x == 0 ? 1 : -1;
		return compare_numbers(x, y);
	case SORT_NONE:
		break;
	}
	return 0;
}

/* The state that qsort_r passes to compare_rows. */
struct sort_context {
	const struct sort_rows *rows;
	const struct sort_key *key;
	bool descending;
};

static int compare_rows(const void *a, const void *b, void *data)
{
	const struct sort_context *context = data;
	const struct sort_key *key = context->key;
	const char *x = a, *y = b;
	int result = sort_compare_field(key->kind, x + key->offset, y + key->offset);

	if (result == 0 && key->then_kind != SORT_NONE)
		result = sort_compare_field(key->then_kind, x + key->then_offset, y + key->then_offset);
	if (context->descending)
		result = -result;
	if (result == 0) {
		size_t id = context->rows->id_offset;
		result = sort_compare_field(SORT_NUMBER, x + id, y + id);
	}
	return result;
}

void sort_rows(const struct sort_rows *rows, const struct sort_key *key, bool descending)
{
	struct sort_context context = { rows, key, descending };

	if (rows->count > 1 && key->kind != SORT_NONE)
		qsort_r(rows->rows, rows->count, rows->row_size, compare_rows, &context);
}

void sort_column_name(const struct column *column, char *out, size_t size)
{
	const char *title = column->title ? column->title : "";
	size_t length = strcspn(title, " ");

	if (size == 0)
		return;
	if (length >= size)
		length = size - 1;
	for (size_t i = 0; i < length; i++)
		out[i] = (char)tolower((unsigned char)title[i]);
	out[length] = '\0';
}

bool sort_find_column(const struct column *columns, const struct sort_key *keys, size_t count,
		      const char *name, size_t *found)
{
	char candidate[64];

	if (!name || !*name)
		return false;
	for (size_t i = 0; i < count; i++) {
		if (keys[i].kind == SORT_NONE)
			continue;
		sort_column_name(&columns[i], candidate, sizeof candidate);
		if (*candidate && strcasecmp(candidate, name) == 0) {
			*found = i;
			return true;
		}
	}
	return false;
}

bool sort_nth_column_name(const struct column *columns, const struct sort_key *keys, size_t count,
			  size_t index, char *out, size_t size)
{
	for (size_t i = 0; i < count; i++) {
		if (keys[i].kind == SORT_NONE)
			continue;
		if (index-- == 0) {
			sort_column_name(&columns[i], out, size);
			return true;
		}
	}
	return false;
}

/* Write "no column "NAME" in PANE: id, age, ..." to err. */
static void describe_unknown_column(const char *pane, const struct column *columns,
				    const struct sort_key *keys, size_t count, const char *name,
				    char *err, size_t errlen)
{
	struct strbuf message = STRBUF_INIT;
	char column[64];

	/* The name is typed by the user: a long one is cut so that the list of columns still shows. */
	strbuf_printf(&message, "no column \"%.40s\" in %s:", name, pane);
	for (size_t i = 0; sort_nth_column_name(columns, keys, count, i, column, sizeof column); i++)
		strbuf_printf(&message, "%s %s", i ? "," : "", column);
	snprintf(err, errlen, "%s", strbuf_str(&message));
	strbuf_free(&message);
}

bool sort_choose(const char *pane, const struct column *columns, const struct sort_key *keys,
		 size_t count, const char *column, bool descending, struct sort_order *order,
		 char *err, size_t errlen)
{
	size_t found;

	if (!column || !*column || strcasecmp(column, "default") == 0) {
		if (descending) {
			snprintf(err, errlen, "the default order of %s has no direction: "
				 "type sort default, or name a column", pane);
			return false;
		}
		*order = (struct sort_order){ false, 0, false };
		return true;
	}
	if (!sort_find_column(columns, keys, count, column, &found)) {
		describe_unknown_column(pane, columns, keys, count, column, err, errlen);
		return false;
	}
	*order = (struct sort_order){ true, found, descending };
	return true;
}
