/*
 * Past requests as the broker's API writes them, added one by one or read as
 * JSON lines, and the reading of a history file in either format.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/json.h"
#include "common/alloc.h"
#include "policy/history.h"
#include "policy/internal.h"

/* A history file larger than this is rejected rather than read into memory. */
#define HISTORY_FILE_MAX (INT64_C(4) << 30)
#define HISTORY_COLUMNS_MAX 256

/* Clear a cell, so that the values of an attributes object replace a request's field. */
static void history_clear_value(struct policy_history *h, size_t column, size_t row)
{
	h->columns[column].cells[row] = 0;
}

static enum policy_history_decision request_decision(enum request_status status)
{
	switch (status) {
	case REQUEST_APPROVED:
		return POLICY_HISTORY_APPROVED;
	case REQUEST_DENIED:
		return POLICY_HISTORY_DENIED;
	default:
		return POLICY_HISTORY_UNDECIDED;
	}
}

static void add_text(struct policy_history *h, const char *attribute, size_t row, const char *value)
{
	if (!value)
		return;

	size_t column = history_column(h, attribute);

	history_add_value(h, column, row, history_intern(&h->columns[column].values, value,
							   strlen(value)));
}

/* Add one JSON value of an attributes object: a string, a number or a boolean. */
static bool add_json_value(struct policy_history *h, size_t column, size_t row, const json_t *value)
{
	struct history_values *values = &h->columns[column].values;
	char number[32];

	if (json_is_string(value)) {
		uint32_t id = history_intern(values, json_string_value(value), json_string_length(value));

		history_add_value(h, column, row, id);
	} else if (json_is_integer(value)) {
		snprintf(number, sizeof number, "%lld", (long long)json_integer_value(value));
		history_add_value(h, column, row, history_intern(values, number, strlen(number)));
	} else if (json_is_boolean(value)) {
		const char *text = json_is_true(value) ? "true" : "false";

		history_add_value(h, column, row, history_intern(values, text, strlen(text)));
	} else if (!json_is_null(value)) {
		return false;
	}
	return true;
}

static bool add_attributes(struct policy_history *h, size_t row, const json_t *attributes,
			   char *err, size_t errlen)
{
	const char *name;
	json_t *value;

	if (!json_is_object(attributes)) {
		snprintf(err, errlen, "\"attributes\" must be an object");
		return false;
	}
	json_object_foreach((json_t *)attributes, name, value) {
		if (!policy_attribute_name_valid(name)) {
			snprintf(err, errlen, "attribute \"%.80s\" is not requester.*, resource.* or "
				 "request.*", name);
			return false;
		}
		/* Each attribute is a column as long as the history, so their number is capped. */
		if (history_find_column(h, name) == SIZE_MAX && h->column_count >= HISTORY_COLUMNS_MAX) {
			snprintf(err, errlen, "attribute \"%.80s\" is one more than the %d that a history "
				 "may have", name, HISTORY_COLUMNS_MAX);
			return false;
		}
		size_t column = history_column(h, name);
		bool ok = true;

		history_clear_value(h, column, row);
		if (json_is_array(value)) {
			size_t i;
			json_t *item;

			json_array_foreach(value, i, item)
				ok = ok && !json_is_array(item) && add_json_value(h, column, row, item);
		} else {
			ok = add_json_value(h, column, row, value);
		}
		if (!ok) {
			snprintf(err, errlen, "attribute \"%.80s\" must be a string, a number, a boolean "
				 "or an array of those", name);
			return false;
		}
	}
	return true;
}

bool policy_history_add_request(struct policy_history *history, const struct access_request *request,
				const json_t *attributes, char *err, size_t errlen)
{
	size_t row = history_add_row(history, 0, request_decision(request->status));

	if (!history->requests)
		history->requests = xcalloc(history->row_capacity, sizeof *history->requests);

	struct history_request *fields = &history->requests[row];

	fields->id = request->id;
	fields->needed_approval = request->approvals_needed > 0;
	if (request->created_at != 0) {
		fields->created_at = request->created_at;
		history->has_times = true;
		if (request->status == REQUEST_APPROVED && request->decided_at >= request->created_at) {
			fields->wait_seconds = request->decided_at - request->created_at;
			fields->wait_known = true;
		}
	}
	add_text(history, "requester.id", row, request->requester);
	add_text(history, "resource.id", row, request->resource);
	add_text(history, "request.role", row, request->role);
	add_text(history, "request.reason", row, request->reason);
	add_text(history, "resource.owner_group", row, request->approver_group);
	if (attributes && !json_is_null(attributes) &&
	    !add_attributes(history, row, attributes, err, errlen)) {
		history_remove_last_row(history);
		return false;
	}
	return true;
}

/*
 * A line's attributes: its own "attributes", or, in the broker's export, those
 * its policy decision saw ("policy": {"attributes": ...}). NULL for neither.
 */
static const json_t *line_attributes(const json_t *line)
{
	const json_t *own = json_object_get(line, "attributes");
	const json_t *policy = json_object_get(line, "policy");

	if (own || !json_is_object(policy))
		return own;
	return json_object_get(policy, "attributes");
}

static bool read_json_line(struct policy_history *h, const char *text, size_t length, size_t line,
			   char *err, size_t errlen)
{
	json_error_t error;
	json_t *j = json_loadb(text, length, 0, &error);
	struct access_request request;
	char why[256];

	if (!j) {
		snprintf(err, errlen, "line %zu: invalid JSON: %s", line, error.text);
		return false;
	}
	bool ok = request_from_json(j, &request, why, sizeof why);

	if (!ok) {
		snprintf(err, errlen, "line %zu: not a request: %s", line, why);
	} else {
		ok = policy_history_add_request(h, &request, line_attributes(j), why, sizeof why);
		if (ok)
			h->lines[h->row_count - 1] = line;
		else
			snprintf(err, errlen, "line %zu: %s", line, why);
		access_request_free(&request);
	}
	json_decref(j);
	return ok;
}

bool policy_history_read_json_lines(struct policy_history *history, const char *text,
				    size_t length, char *err, size_t errlen)
{
	size_t at = 0, line = 0;

	while (at < length) {
		const char *start = text + at;
		const char *end = memchr(start, '\n', length - at);
		size_t n = end ? (size_t)(end - start) : length - at;
		bool blank = true;

		line++;
		at += n + 1;
		for (size_t i = 0; i < n && blank; i++)
			blank = start[i] == ' ' || start[i] == '\t' || start[i] == '\r';
		if (!blank && !read_json_line(history, start, n, line, err, errlen))
			return false;
	}
	return true;
}

/* Read a whole file into memory; NULL with err. */
static char *read_whole_file(const char *path, size_t *length, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *text;
	size_t done = 0;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_size > HISTORY_FILE_MAX) {
		snprintf(err, errlen, "%s is larger than %lld bytes", path, (long long)HISTORY_FILE_MAX);
		close(fd);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, text + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done != (size_t)st.st_size) {
		snprintf(err, errlen, "cannot read %s: %s", path, done ? "it changed while being read"
									   : strerror(errno));
		close(fd);
		free(text);
		return NULL;
	}
	close(fd);
	*length = done;
	return text;
}

bool policy_history_read_file(struct policy_history *history, const char *path, char *err,
			      size_t errlen)
{
	size_t length = 0, at = 0;
	char why[512];
	char *text = read_whole_file(path, &length, err, errlen);

	if (!text)
		return false;
	while (at < length && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' ||
			       text[at] == '\n'))
		at++;

	bool json_lines = at < length && text[at] == '{';
	bool ok = json_lines ? policy_history_read_json_lines(history, text, length, why, sizeof why)
			     : policy_history_read_csv(history, text, length, why, sizeof why);

	if (!ok)
		snprintf(err, errlen, "%s: %s", path, why);
	free(text);
	return ok;
}
