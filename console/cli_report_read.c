/*
 * gatehouse report's readers: the access-history CSV of data/, any CSV with a
 * column mapping, and JSON lines of the broker's request objects. Each turns
 * every row into a struct report_row for report_add.
 */

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/cli_report_internal.h"

/* A history larger than this is refused rather than read into memory. */
#define HISTORY_BYTES_MAX (INT64_C(4) << 30)
#define ACCESS_HISTORY_HEADER "ACTION,RESOURCE,MGR_ID,"
#define CSV_COLUMNS_MAX 256

/* The whole file, NUL-terminated, and where reading is. */
struct input {
	const char *path;
	char *data;
	size_t length;
	size_t line;                /* the line the current record starts on, from 1 */
	char *err;
	size_t errlen;
};

static bool input_fail(struct input *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool input_fail(struct input *in, const char *fmt, ...)
{
	char message[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	snprintf(in->err, in->errlen, "%s line %zu: %s", in->path, in->line, message);
	return false;
}

static bool read_whole_file(struct input *in)
{
	FILE *f = fopen(in->path, "rb");
	struct stat st;

	if (!f) {
		snprintf(in->err, in->errlen, "cannot open %s: %s", in->path, strerror(errno));
		return false;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size > HISTORY_BYTES_MAX) {
		snprintf(in->err, in->errlen, "%s is larger than %lld bytes, or its size is unknown",
			 in->path, (long long)HISTORY_BYTES_MAX);
		fclose(f);
		return false;
	}
	in->data = xmalloc((size_t)st.st_size + 1);
	in->length = fread(in->data, 1, (size_t)st.st_size, f);
	bool failed = ferror(f);
	fclose(f);
	in->data[in->length] = '\0';
	if (failed) {
		snprintf(in->err, in->errlen, "cannot read %s", in->path);
		return false;
	}
	/* A UTF-8 byte order mark, as spreadsheet exports write, is not part of the first field. */
	if (in->length >= 3 && memcmp(in->data, "\xEF\xBB\xBF", 3) == 0) {
		memmove(in->data, in->data + 3, in->length - 2);
		in->length -= 3;
	}
	return true;
}

static struct report_text text_of(const char *text, size_t length)
{
	return (struct report_text){ .text = text, .length = length };
}

static struct report_text trimmed(struct report_text t)
{
	while (t.length && isspace((unsigned char)t.text[0])) {
		t.text++;
		t.length--;
	}
	while (t.length && isspace((unsigned char)t.text[t.length - 1]))
		t.length--;
	return t;
}

static bool same_text(struct report_text t, const char *value)
{
	return t.length == strlen(value) && strncasecmp(t.text, value, t.length) == 0;
}

/* ---- The access-history CSV ---- */

/* ACTION,RESOURCE,MGR_ID,... with ACTION 1 for approved and 0 for denied; no times. */
static bool read_access_history(struct input *in, struct report *r)
{
	char *p = in->data;
	char *end = in->data + in->length;

	p += strcspn(p, "\n");
	in->line = 1;
	while (p < end) {
		p++;
		in->line++;
		char *line_end = p + strcspn(p, "\n");
		if (line_end == p || (line_end == p + 1 && *p == '\r')) {
			p = line_end;
			continue;
		}
		char *resource = memchr(p, ',', (size_t)(line_end - p));
		char *manager = resource ? memchr(resource + 1, ',', (size_t)(line_end - resource - 1)) : NULL;
		char *manager_end = manager ? manager + 1 + strcspn(manager + 1, ",\r\n") : NULL;
		if (!manager || resource != p + 1 || (*p != '0' && *p != '1'))
			return input_fail(in, "expected ACTION (0 or 1), RESOURCE and MGR_ID, "
					  "separated by commas");
		struct report_row row = {
			.resource = text_of(resource + 1, (size_t)(manager - resource - 1)),
			.approver = text_of(manager + 1, (size_t)(manager_end - manager - 1)),
			.decision = *p == '1' ? REPORT_APPROVED : REPORT_DENIED,
		};
		report_add(r, &row);
		p = line_end;
	}
	return true;
}

/* ---- Any CSV, with --map ---- */

/* One field of a record: in the input, or unquoted into the scratch buffer. */
struct csv_field {
	size_t offset;
	size_t length;
	bool in_scratch;
};

struct csv_record {
	struct csv_field fields[CSV_COLUMNS_MAX];
	size_t count;
	struct strbuf scratch;
};

static struct report_text csv_text(const struct input *in, const struct csv_record *rec, size_t i)
{
	const struct csv_field *f = &rec->fields[i];
	const char *base = f->in_scratch ? strbuf_str(&rec->scratch) : in->data;

	return text_of(base + f->offset, f->length);
}

/* A quoted field from after its opening quote; "" stands for one quote. */
static bool csv_quoted(struct input *in, size_t *pos, struct csv_record *rec, struct csv_field *f)
{
	f->in_scratch = true;
	f->offset = rec->scratch.len;
	for (;;) {
		if (*pos >= in->length)
			return input_fail(in, "a quoted field has no closing quote");
		char c = in->data[(*pos)++];
		if (c == '"' && in->data[*pos] == '"') {
			(*pos)++;
		} else if (c == '"') {
			break;
		} else if (c == '\n') {
			in->line++;
		}
		strbuf_putc(&rec->scratch, c);
	}
	f->length = rec->scratch.len - f->offset;
	char next = in->data[*pos];
	if (next != ',' && next != '\n' && next != '\r' && next != '\0')
		return input_fail(in, "text follows the closing quote of field %zu", rec->count + 1);
	return true;
}

/*
 * Read one RFC 4180 record from *pos into rec. False with a message on a
 * malformed record; *pos at the end of the input means there was none.
 */
static bool csv_record(struct input *in, size_t *pos, struct csv_record *rec)
{
	rec->count = 0;
	strbuf_reset(&rec->scratch);
	for (;;) {
		if (rec->count == CSV_COLUMNS_MAX)
			return input_fail(in, "more than %d fields", CSV_COLUMNS_MAX);
		struct csv_field *f = &rec->fields[rec->count];
		if (in->data[*pos] == '"') {
			(*pos)++;
			if (!csv_quoted(in, pos, rec, f))
				return false;
		} else {
			f->in_scratch = false;
			f->offset = *pos;
			*pos += strcspn(in->data + *pos, ",\r\n");
			f->length = *pos - f->offset;
		}
		rec->count++;
		char c = in->data[*pos];
		if (c == ',') {
			(*pos)++;
			continue;
		}
		if (c == '\r')
			(*pos)++;
		if (in->data[*pos] == '\n')
			(*pos)++;
		return true;
	}
}

/* The index of a --map column: a header name (exact, else case-insensitive) or a number. */
static bool find_column(struct input *in, const struct csv_record *header, const char *column,
			enum report_field field, size_t *index)
{
	char *end;
	unsigned long number = strtoul(column, &end, 10);

	if (*column && !*end) {
		if (number < 1 || number > header->count)
			return input_fail(in, "--map %s=%s: the header has %zu columns",
					  report_field_name(field), column, header->count);
		*index = number - 1;
		return true;
	}
	for (int exact = 1; exact >= 0; exact--) {
		for (size_t i = 0; i < header->count; i++) {
			struct report_text name = trimmed(csv_text(in, header, i));
			bool match = exact ? name.length == strlen(column) &&
						     memcmp(name.text, column, name.length) == 0
					   : same_text(name, column);
			if (match) {
				*index = i;
				return true;
			}
		}
	}
	return input_fail(in, "--map %s=%s: no column of the header is named %s",
			  report_field_name(field), column, column);
}

/*
 * A time as exports write them: RFC 3339, "YYYY-MM-DD HH:MM:SS" or with a T and no
 * zone (both read as UTC), or whole seconds since 1970. Empty is "no time".
 */
static bool parse_time(struct report_text t, int64_t *out)
{
	char text[64];
	size_t n = t.length;

	*out = 0;
	if (n == 0)
		return true;
	if (n >= sizeof text - 1)
		return false;
	memcpy(text, t.text, n);
	text[n] = '\0';
	if (strspn(text, "0123456789") == n) {
		char *end;
		errno = 0;
		long long v = strtoll(text, &end, 10);
		*out = v;
		return errno == 0 && v > 0;
	}
	if (n == 19 && (text[10] == ' ' || text[10] == 'T')) {
		text[10] = 'T';
		text[19] = 'Z';
		text[20] = '\0';
	}
	return time_parse_rfc3339(text, out);
}

static enum report_decision csv_decision(const struct report_options *o, struct report_text value)
{
	value = trimmed(value);
	if (value.length == 0)
		return REPORT_OTHER;
	if (same_text(value, o->approved_value))
		return REPORT_APPROVED;
	if (o->denied_value_count == 0)
		return REPORT_DENIED;
	for (size_t i = 0; i < o->denied_value_count; i++)
		if (same_text(value, o->denied_values[i]))
			return REPORT_DENIED;
	return REPORT_OTHER;
}

/* The value of field in a record; empty when unmapped or when the record is short. */
static struct report_text csv_value(const struct input *in, const struct csv_record *rec,
				    const size_t *columns, enum report_field field)
{
	if (columns[field] == SIZE_MAX || columns[field] >= rec->count)
		return text_of("", 0);
	return trimmed(csv_text(in, rec, columns[field]));
}

static bool csv_row(struct input *in, const struct report_options *o, const struct csv_record *rec,
		    const size_t *columns, struct report *r)
{
	struct report_row row = {
		.resource = csv_value(in, rec, columns, REPORT_FIELD_RESOURCE),
		.requester = csv_value(in, rec, columns, REPORT_FIELD_REQUESTER),
		.approver = csv_value(in, rec, columns, REPORT_FIELD_APPROVER),
		.role = csv_value(in, rec, columns, REPORT_FIELD_ROLE),
		.decision = csv_decision(o, csv_value(in, rec, columns, REPORT_FIELD_DECISION)),
	};
	static const enum report_field times[] = { REPORT_FIELD_REQUESTED_AT, REPORT_FIELD_DECIDED_AT };
	int64_t *targets[] = { &row.requested_at, &row.decided_at };

	for (size_t i = 0; i < 2; i++) {
		struct report_text value = csv_value(in, rec, columns, times[i]);
		if (!parse_time(value, targets[i]))
			return input_fail(in, "%s \"%.*s\" is not a time: give RFC 3339, "
					  "YYYY-MM-DD HH:MM:SS (UTC) or seconds since 1970",
					  report_field_name(times[i]), (int)(value.length < 40 ? value.length : 40),
					  value.text);
	}
	report_add(r, &row);
	return true;
}

static bool read_csv(struct input *in, const struct report_options *o, struct report *r)
{
	struct csv_record *rec = xcalloc(1, sizeof *rec);
	size_t columns[REPORT_FIELD_COUNT], pos = 0;
	bool ok;

	in->line = 1;
	ok = csv_record(in, &pos, rec);
	for (int field = 0; ok && field < REPORT_FIELD_COUNT; field++) {
		columns[field] = SIZE_MAX;
		if (o->columns[field])
			ok = find_column(in, rec, o->columns[field], field, &columns[field]);
	}
	while (ok && pos < in->length) {
		in->line++;
		size_t start = pos;
		ok = csv_record(in, &pos, rec);
		bool blank = rec->count == 1 && rec->fields[0].length == 0 && !rec->fields[0].in_scratch;
		if (ok && !blank)
			ok = csv_row(in, o, rec, columns, r);
		if (ok && pos == start)
			ok = input_fail(in, "a NUL byte, which no CSV text contains");
	}
	strbuf_free(&rec->scratch);
	free(rec);
	return ok;
}

/* ---- JSON lines of request objects ---- */

static struct report_text json_text(const json_t *object, const char *field)
{
	const json_t *v = json_object_get(object, field);

	return json_is_string(v) ? text_of(json_string_value(v), json_string_length(v)) : text_of("", 0);
}

static bool json_time_field(struct input *in, const json_t *object, const char *field, int64_t *out)
{
	const json_t *v = json_object_get(object, field);

	*out = 0;
	if (!v || json_is_null(v))
		return true;
	if (json_is_string(v) && time_parse_rfc3339(json_string_value(v), out))
		return true;
	return input_fail(in, "%s is not an RFC 3339 time or null", field);
}

static bool json_row(struct input *in, const json_t *object, struct report *r)
{
	struct report_text status = json_text(object, "status");
	struct report_row row = {
		.resource = json_text(object, "resource"),
		.requester = json_text(object, "requester"),
		.role = json_text(object, "role"),
		.decision = same_text(status, "approved") ? REPORT_APPROVED
			  : same_text(status, "denied")   ? REPORT_DENIED
							  : REPORT_OTHER,
	};

	if (!json_is_object(object))
		return input_fail(in, "expected a request object");
	if (status.length == 0)
		return input_fail(in, "the request has no status");
	if (row.decision != REPORT_OTHER)
		row.approver = json_text(object, "decided_by");
	if (!json_time_field(in, object, "created_at", &row.requested_at) ||
	    !json_time_field(in, object, "decided_at", &row.decided_at))
		return false;
	report_add(r, &row);
	return true;
}

static bool read_json_lines(struct input *in, struct report *r)
{
	char *p = in->data, *end = in->data + in->length;

	for (in->line = 1; p < end; in->line++) {
		char *line_end = p + strcspn(p, "\n");
		size_t length = (size_t)(line_end - p);
		json_error_t error;
		json_t *object;

		if (strspn(p, " \t\r") < length) {
			object = json_loadb(p, length, 0, &error);
			if (!object)
				return input_fail(in, "not JSON: %s", error.text);
			bool ok = json_row(in, object, r);
			json_decref(object);
			if (!ok)
				return false;
		}
		p = line_end + (line_end < end);
	}
	return true;
}

/* ---- Choosing the format ---- */

static enum report_format detect_format(const struct input *in, const struct report_options *o)
{
	const char *p = in->data + strspn(in->data, " \t\r\n");

	if (o->format != REPORT_FORMAT_AUTO)
		return o->format;
	if (*p == '{')
		return REPORT_FORMAT_JSON_LINES;
	if (o->columns[REPORT_FIELD_DECISION] || o->columns[REPORT_FIELD_RESOURCE])
		return REPORT_FORMAT_CSV;
	if (strncmp(in->data, ACCESS_HISTORY_HEADER, strlen(ACCESS_HISTORY_HEADER)) == 0)
		return REPORT_FORMAT_ACCESS_HISTORY;
	return REPORT_FORMAT_AUTO;
}

bool report_read_history(const struct report_options *o, struct report *r,
			 enum report_format *format, char *err, size_t errlen)
{
	struct input in = { .path = o->path, .line = 1, .err = err, .errlen = errlen };
	bool ok = read_whole_file(&in);

	*format = ok ? detect_format(&in, o) : REPORT_FORMAT_AUTO;
	switch (ok ? *format : REPORT_FORMAT_AUTO) {
	case REPORT_FORMAT_ACCESS_HISTORY:
		ok = read_access_history(&in, r);
		break;
	case REPORT_FORMAT_CSV:
		ok = read_csv(&in, o, r);
		break;
	case REPORT_FORMAT_JSON_LINES:
		ok = read_json_lines(&in, r);
		break;
	case REPORT_FORMAT_AUTO:
		if (ok)
			snprintf(err, errlen,
				 "%s is neither the access-history CSV (a first line of ACTION,RESOURCE,"
				 "MGR_ID,...) nor JSON lines; for another CSV, map its columns with "
				 "--map decision=COLUMN,resource=COLUMN,...", o->path);
		ok = false;
		break;
	}
	free(in.data);
	return ok;
}
