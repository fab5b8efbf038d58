/* The access-history CSV reader: a header with ACTION, then one request a line. */

#include <stdio.h>
#include <string.h>

#include "policy/history.h"

#define CSV_FIELDS_MAX 64

/* The CSV columns with a meaning, and the attributes they fill. */
static const struct {
	const char *column;
	const char *attribute;
} csv_columns[] = {
	{ "RESOURCE", "resource.id" },
	{ "MGR_ID", "requester.manager" },
	{ "ROLE_ROLLUP_1", "requester.rollup1" },
	{ "ROLE_ROLLUP_2", "requester.rollup2" },
	{ "ROLE_DEPTNAME", "requester.department" },
	{ "ROLE_TITLE", "requester.title" },
	{ "ROLE_FAMILY_DESC", "requester.family_desc" },
	{ "ROLE_FAMILY", "requester.family" },
	{ "ROLE_CODE", "requester.role_code" },
};

/* The number of line ends in text: at least the rows it holds, less one. */
static size_t count_lines(const char *text, size_t length)
{
	size_t lines = 0;
	const char *p = text, *end = text + length;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p++;
	}
	return lines;
}

struct csv_reader {
	const char *text;
	size_t length;
	size_t at;
	size_t line;                /* of the record being read */
	size_t next_line;           /* where the next record starts; a quoted field may span lines */
	struct strbuf quoted;       /* the unescaped text of the record's quoted fields */
};

struct csv_field {
	const char *text;
	size_t length;
	bool quoted;
	size_t quoted_offset;       /* into the reader's quoted buffer */
};

/* Read one field that starts with a quote into the quoted buffer; "" inside is one quote. */
static bool read_quoted(struct csv_reader *r, struct csv_field *field, char *err, size_t errlen)
{
	field->quoted = true;
	field->quoted_offset = r->quoted.len;
	r->at++;
	for (;;) {
		if (r->at >= r->length) {
			snprintf(err, errlen, "line %zu: a quoted field is not closed", r->line);
			return false;
		}
		char c = r->text[r->at++];

		if (c == '"') {
			if (r->at < r->length && r->text[r->at] == '"') {
				strbuf_putc(&r->quoted, '"');
				r->at++;
				continue;
			}
			break;
		}
		if (c == '\n')
			r->next_line++;
		strbuf_putc(&r->quoted, c);
	}
	field->length = r->quoted.len - field->quoted_offset;
	if (r->at < r->length && r->text[r->at] != ',' && r->text[r->at] != '\n' &&
	    r->text[r->at] != '\r') {
		snprintf(err, errlen, "line %zu: unexpected text after a quoted field", r->line);
		return false;
	}
	return true;
}

static void read_plain(struct csv_reader *r, struct csv_field *field)
{
	const char *start = r->text + r->at;
	const char *p = start, *end = r->text + r->length;

	while (p < end && *p != ',' && *p != '\n')
		p++;
	field->text = start;
	field->length = (size_t)(p - start);
	field->quoted = false;
	r->at += field->length;
	/* A line that ends in CR LF: the CR is not part of the last field. */
	if ((p == end || *p == '\n') && field->length > 0 && start[field->length - 1] == '\r')
		field->length--;
}

/*
 * Read the fields of the next record. Returns the field count, 0 at the end
 * of the text, or -1 with err. The fields' text is valid until the next call.
 */
static int read_record(struct csv_reader *r, struct csv_field *fields, char *err, size_t errlen)
{
	int count = 0;

	if (r->at >= r->length)
		return 0;
	r->line = r->next_line++;
	strbuf_reset(&r->quoted);
	for (;;) {
		struct csv_field *field = &fields[count];

		if (count == CSV_FIELDS_MAX) {
			snprintf(err, errlen, "line %zu: more than %d fields", r->line, CSV_FIELDS_MAX);
			return -1;
		}
		if (r->at < r->length && r->text[r->at] == '"') {
			if (!read_quoted(r, field, err, errlen))
				return -1;
			if (r->at < r->length && r->text[r->at] == '\r')
				r->at++;
		} else {
			read_plain(r, field);
		}
		count++;
		if (r->at < r->length && r->text[r->at] == ',') {
			r->at++;
			continue;
		}
		r->at++; /* the line end */
		break;
	}
	for (int i = 0; i < count; i++)
		if (fields[i].quoted)
			fields[i].text = r->quoted.data + fields[i].quoted_offset;
	return count;
}

static bool is_blank_record(const struct csv_field *fields, int count)
{
	return count == 1 && fields[0].length == 0 && !fields[0].quoted;
}

struct csv_layout {
	int field_count;
	int action;                 /* the ACTION field's index */
	size_t columns[CSV_FIELDS_MAX]; /* per field: a history column, or SIZE_MAX for none */
};

static bool field_is(const struct csv_field *field, const char *name)
{
	return field->length == strlen(name) && memcmp(field->text, name, field->length) == 0;
}

static bool read_csv_header(struct policy_history *h, struct csv_reader *r, struct csv_layout *layout,
			    char *err, size_t errlen)
{
	struct csv_field fields[CSV_FIELDS_MAX];
	int count = read_record(r, fields, err, errlen);

	if (count < 0)
		return false;
	layout->field_count = count;
	layout->action = -1;
	for (int i = 0; i < count; i++) {
		layout->columns[i] = SIZE_MAX;
		if (field_is(&fields[i], "ACTION"))
			layout->action = i;
		for (size_t c = 0; c < sizeof csv_columns / sizeof csv_columns[0]; c++)
			if (field_is(&fields[i], csv_columns[c].column))
				layout->columns[i] = history_column(h, csv_columns[c].attribute);
	}
	if (layout->action < 0) {
		snprintf(err, errlen, "line 1: the header has no ACTION column (1 = approved, 0 = denied)");
		return false;
	}
	return true;
}

static bool read_csv_row(struct policy_history *h, const struct csv_reader *r,
			 const struct csv_layout *layout, const struct csv_field *fields, int count,
			 char *err, size_t errlen)
{
	enum policy_history_decision decision;

	if (count != layout->field_count) {
		snprintf(err, errlen, "line %zu: %d field%s where the header has %d", r->line, count,
			 count == 1 ? "" : "s", layout->field_count);
		return false;
	}

	const struct csv_field *action = &fields[layout->action];

	if (field_is(action, "1")) {
		decision = POLICY_HISTORY_APPROVED;
	} else if (field_is(action, "0")) {
		decision = POLICY_HISTORY_DENIED;
	} else {
		snprintf(err, errlen, "line %zu: ACTION must be 1 (approved) or 0 (denied)", r->line);
		return false;
	}
	size_t row = history_add_row(h, r->line, decision);

	for (int i = 0; i < count; i++)
		if (layout->columns[i] != SIZE_MAX)
			history_add_value(h, layout->columns[i], row,
					  history_intern(&h->columns[layout->columns[i]].values,
							 fields[i].text, fields[i].length));
	return true;
}

bool policy_history_read_csv(struct policy_history *history, const char *text, size_t length,
			     char *err, size_t errlen)
{
	struct csv_reader r = { .text = text, .length = length, .next_line = 1 };
	struct csv_layout layout = { 0 };
	struct csv_field fields[CSV_FIELDS_MAX];
	bool ok = read_csv_header(history, &r, &layout, err, errlen);

	if (ok)
		history_reserve_rows(history, count_lines(text, length) + 1);

	while (ok) {
		int count = read_record(&r, fields, err, errlen);

		if (count <= 0) {
			ok = count == 0;
			break;
		}
		if (!is_blank_record(fields, count))
			ok = read_csv_row(history, &r, &layout, fields, count, err, errlen);
	}
	strbuf_free(&r.quoted);
	return ok;
}
