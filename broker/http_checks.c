#include "broker/http_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"

static bool reject(struct http_rejection *rejection, const char *field, bool close,
		   const char *detail)
{
	snprintf(rejection->field, sizeof rejection->field, "%s", field);
	snprintf(rejection->detail, sizeof rejection->detail, "%s", detail);
	rejection->close = close;
	return false;
}

/* RFC 9110 section 5.6.2: token = 1*tchar. */
static bool is_token(const char *name)
{
	static const char punctuation[] = "!#$%&'*+-.^_`|~";

	if (!*name)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		bool alphanumeric = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9');
		if (!alphanumeric && !strchr(punctuation, *p))
			return false;
	}
	return true;
}

/* Whether name starts with prefix, ignoring case, and is longer. */
static bool extends(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strlen(name) > n && strncasecmp(name, prefix, n) == 0;
}

/* Headers whose first copy libmicrohttpd or the router would use, ignoring the others. */
static const char *const single_headers[] = {
	MHD_HTTP_HEADER_AUTHORIZATION, MHD_HTTP_HEADER_CONTENT_TYPE, MHD_HTTP_HEADER_HOST,
	MHD_HTTP_HEADER_IF_MATCH, "Idempotency-Key",
};
#define SINGLE_HEADER_COUNT (sizeof single_headers / sizeof single_headers[0])

struct header_scan {
	struct http_rejection *rejection;
	bool rejected;
	int content_lengths;
	int transfer_encodings;
	const char *transfer_encoding;
	int single_counts[SINGLE_HEADER_COUNT];
};

static enum MHD_Result stop_scan(struct header_scan *scan, const char *field, bool close,
				 const char *detail)
{
	scan->rejected = true;
	reject(scan->rejection, field, close, detail);
	return MHD_NO;
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *name,
				   const char *value)
{
	struct header_scan *scan = cls;
	char detail[200];

	(void)kind;
	if (!is_token(name))
		return stop_scan(scan, name, true,
				 "a header name is not a token: no spaces, separators or control "
				 "characters, and nothing between the name and the colon");
	/*
	 * libmicrohttpd 0.9.75 appends an obs-fold continuation line (one that starts
	 * with a space or tab) to the header's name, so "Content-Length:" folded onto
	 * the next line arrives as a longer name and its value is lost.
	 */
	if (extends(name, MHD_HTTP_HEADER_CONTENT_LENGTH) ||
	    extends(name, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return stop_scan(scan, name, true,
				 "a framing header is folded onto a second line or misspelled");
	if (strcasecmp(name, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		scan->content_lengths++;
	if (strcasecmp(name, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		scan->transfer_encodings++;
		scan->transfer_encoding = value;
	}
	for (size_t i = 0; i < SINGLE_HEADER_COUNT; i++) {
		if (strcasecmp(name, single_headers[i]) == 0 && ++scan->single_counts[i] == 2) {
			snprintf(detail, sizeof detail, "the %s header is given more than once",
				 single_headers[i]);
			return stop_scan(scan, single_headers[i], false, detail);
		}
	}
	return MHD_YES;
}

bool http_check_headers(struct MHD_Connection *connection, struct http_rejection *rejection)
{
	struct header_scan scan = { .rejection = rejection };

	MHD_get_connection_values(connection, MHD_HEADER_KIND, scan_header, &scan);
	if (scan.rejected)
		return false;
	if (scan.content_lengths > 1)
		return reject(rejection, MHD_HTTP_HEADER_CONTENT_LENGTH, true,
			      "the Content-Length header is given more than once");
	if (scan.transfer_encodings > 1)
		return reject(rejection, MHD_HTTP_HEADER_TRANSFER_ENCODING, true,
			      "the Transfer-Encoding header is given more than once");
	if (scan.transfer_encodings && scan.content_lengths)
		return reject(rejection, MHD_HTTP_HEADER_TRANSFER_ENCODING, true,
			      "send either Content-Length or Transfer-Encoding, not both");
	/* The same comparison libmicrohttpd makes: any other value leaves the body unframed. */
	if (scan.transfer_encoding && strcasecmp(scan.transfer_encoding, "chunked") != 0)
		return reject(rejection, MHD_HTTP_HEADER_TRANSFER_ENCODING, true,
			      "the only Transfer-Encoding accepted is chunked");
	return true;
}

bool http_check_path(const char *path, struct http_rejection *rejection)
{
	for (const char *segment = path; *segment;) {
		size_t length = strcspn(segment, "/");
		if ((length == 1 && segment[0] == '.') ||
		    (length == 2 && segment[0] == '.' && segment[1] == '.'))
			return reject(rejection, "path", false,
				      "the path must not contain . or .. segments");
		segment += length;
		segment += *segment == '/';
	}
	return true;
}

struct name_list {
	const char **names;
	size_t count;
	size_t capacity;
};

static enum MHD_Result collect_name(void *cls, enum MHD_ValueKind kind, const char *name,
				    const char *value)
{
	struct name_list *list = cls;

	(void)kind;
	(void)value;
	if (list->count == list->capacity) {
		list->capacity = list->capacity ? list->capacity * 2 : 16;
		list->names = xreallocarray(list->names, list->capacity, sizeof *list->names);
	}
	list->names[list->count++] = name;
	return MHD_YES;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool http_check_query(struct MHD_Connection *connection, struct http_rejection *rejection)
{
	struct name_list list = { 0 };
	char detail[160];
	bool unique = true;

	MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_name, &list);
	/* Sorted, so that a query with thousands of parameters still takes O(n log n). */
	if (list.count > 1)
		qsort(list.names, list.count, sizeof *list.names, compare_names);
	for (size_t i = 1; unique && i < list.count; i++) {
		if (strcmp(list.names[i - 1], list.names[i]) == 0) {
			snprintf(detail, sizeof detail,
				 "the query parameter \"%.64s\" is given more than once", list.names[i]);
			unique = reject(rejection, list.names[i], false, detail);
		}
	}
	free(list.names);
	return unique;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t http_unescape(void *cls, struct MHD_Connection *connection, char *text)
{
	char *out = text;

	(void)cls;
	(void)connection;
	for (const char *in = text; *in;) {
		int high = in[0] == '%' ? hex_value(in[1]) : -1;
		int low = high >= 0 ? hex_value(in[2]) : -1;
		int byte = low >= 0 ? high * 16 + low : -1;
		if (byte >= 0x20 && byte != 0x7f) {
			*out++ = (char)byte;
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return (size_t)(out - text);
}
