/* Turning a finished transfer into a struct http_response: plain-word errors, JSON, the trace. */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "client/http_internal.h"
#include "common/timeutil.h"

/* Write "1.5 s" or "15 s". */
static void format_seconds(long ms, char *out, size_t size)
{
	if (ms % 1000 == 0)
		snprintf(out, size, "%ld s", ms / 1000);
	else
		snprintf(out, size, "%.1f s", (double)ms / 1000.0);
}

static void describe_connect_failure(const struct http_request *request, struct strbuf *out)
{
	long os_errno = 0;
	char reason[CURL_ERROR_SIZE];

	curl_easy_getinfo(request->easy, CURLINFO_OS_ERRNO, &os_errno);
	if (os_errno)
		snprintf(reason, sizeof reason, "%s", strerror((int)os_errno));
	else
		snprintf(reason, sizeof reason, "%s", request->curl_error);
	if (reason[0])
		reason[0] = (char)tolower((unsigned char)reason[0]);
	strbuf_printf(out, "%s (could not connect to %s)", reason, request->client->base_url);
}

static void describe_timeout(const struct http_request *request, struct strbuf *out)
{
	curl_off_t connected_us = 0;
	char limit[32];

	curl_easy_getinfo(request->easy, CURLINFO_CONNECT_TIME_T, &connected_us);
	if (connected_us == 0) {
		format_seconds(request->client->connect_timeout_ms, limit, sizeof limit);
		strbuf_printf(out, "connecting to %s timed out after %s", request->client->base_url,
			      limit);
	} else {
		format_seconds(request->timeout_ms, limit, sizeof limit);
		strbuf_printf(out, "timed out after %s waiting for the broker", limit);
	}
}

/* Write "16 MiB", or a byte count when the size is not a whole number of MiB. */
static void format_size(size_t bytes, char *out, size_t size)
{
	const size_t mebibyte = 1024 * 1024;

	if (bytes >= mebibyte && bytes % mebibyte == 0)
		snprintf(out, size, "%zu MiB", bytes / mebibyte);
	else
		snprintf(out, size, "%zu bytes", bytes);
}

/* Write the failure of a transfer that got no complete response, in plain words. */
static void describe_transport_error(const struct http_request *request, CURLcode code,
				     struct strbuf *out)
{
	const char *detail = request->curl_error[0] ? request->curl_error : curl_easy_strerror(code);
	char limit[32];

	switch (code) {
	case CURLE_COULDNT_CONNECT:
		describe_connect_failure(request, out);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		describe_timeout(request, out);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		strbuf_printf(out, "TLS certificate not trusted: %s", detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		strbuf_printf(out, "TLS handshake failed: %s", detail);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		strbuf_printf(out, "cannot read the CA file: %s", detail);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		strbuf_printf(out, "host name not found: %s", detail);
		break;
	case CURLE_GOT_NOTHING:
		strbuf_puts(out, "the broker closed the connection without a response");
		break;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
		strbuf_printf(out, "the broker closed the connection mid-response, after %zu bytes",
			      request->body.len);
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		format_size(request->client->max_response_bytes, limit, sizeof limit);
		strbuf_printf(out, "the response is larger than %s; aborted", limit);
		break;
	case CURLE_WEIRD_SERVER_REPLY:
	/* The base URL's scheme was checked, so this is curl rejecting an HTTP/0.9 reply. */
	case CURLE_UNSUPPORTED_PROTOCOL:
		strbuf_printf(out, "the broker's reply is not valid HTTP: %s", detail);
		break;
	default:
		strbuf_printf(out, "%s", detail);
		break;
	}
}

/* Whether a transfer failed before any connection to the broker was made. */
static bool is_connect_failure(const struct http_request *request, CURLcode code)
{
	curl_off_t connected_us = 0;

	switch (code) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return true;
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(request->easy, CURLINFO_CONNECT_TIME_T, &connected_us);
		return connected_us == 0;
	default:
		return false;
	}
}

/* Whether a Content-Type is JSON: application/json or application/problem+json, any parameters. */
static bool is_json_type(const char *type)
{
	static const char *const names[] = { "application/json", "application/problem+json" };

	if (!type)
		return false;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i]);
		if (strncasecmp(type, names[i], n) == 0 &&
		    (type[n] == '\0' || type[n] == ';' || type[n] == ' '))
			return true;
	}
	return false;
}

struct response_parts {
	struct http_response response;
	struct strbuf error;
};

static void parse_json_body(struct http_request *request, struct response_parts *parts)
{
	struct http_response *r = &parts->response;
	json_error_t json_error;

	r->json = json_loadb(request->body.data, request->body.len, 0, &json_error);
	if (!r->json) {
		strbuf_printf(&parts->error, "the broker sent invalid JSON (HTTP %ld): %s at line %d "
			      "column %d", r->status, json_error.text, json_error.line,
			      json_error.column);
		return;
	}
	if (r->status >= 400 && json_is_object(r->json)) {
		r->problem_code = json_string_value(json_object_get(r->json, "code"));
		r->problem_detail = json_string_value(json_object_get(r->json, "detail"));
	}
}

static void describe_status(struct http_request *request, struct response_parts *parts,
			    const char *content_type)
{
	struct http_response *r = &parts->response;
	char *location = NULL;

	if (r->status >= 300 && r->status < 400) {
		curl_easy_getinfo(request->easy, CURLINFO_REDIRECT_URL, &location);
		strbuf_printf(&parts->error, "the broker responded HTTP %ld, a redirect to %.200s, "
			      "which is not followed; check the broker URL", r->status,
			      location ? location : "(no location)");
	} else if (r->status >= 400 && r->problem_detail) {
		strbuf_printf(&parts->error, "%s (HTTP %ld %s)", r->problem_detail, r->status,
			      r->problem_code ? r->problem_code : "error");
	} else if (r->status >= 400) {
		strbuf_printf(&parts->error, "the broker responded HTTP %ld%s%s", r->status,
			      content_type ? " with " : "", content_type ? content_type : "");
	} else if (r->status < 200) {
		strbuf_printf(&parts->error, "the broker responded HTTP %ld", r->status);
	}
}

/* The maximum Retry-After, in seconds: a larger value reads as this, which no caller waits out. */
#define RETRY_AFTER_MAX_SECONDS (365LL * 24 * 3600)

/*
 * Read a Retry-After value (RFC 9110, section 10.2.3): delay-seconds, or an
 * HTTP-date, which curl_getdate() parses in all three of its formats.
 * Returns seconds from now, or -1 when the value is neither.
 */
static int64_t parse_retry_after(const char *value)
{
	int64_t seconds = 0;
	time_t date;

	if (!value || !*value)
		return -1;
	if (value[strspn(value, "0123456789")] == '\0') {
		for (const char *p = value; *p && seconds < RETRY_AFTER_MAX_SECONDS; p++)
			seconds = seconds * 10 + (*p - '0');
		return seconds < RETRY_AFTER_MAX_SECONDS ? seconds : RETRY_AFTER_MAX_SECONDS;
	}
	date = curl_getdate(value, NULL);
	if (date == -1)
		return -1;
	seconds = (int64_t)date - time_now();
	if (seconds < 0)
		return 0;
	return seconds < RETRY_AFTER_MAX_SECONDS ? seconds : RETRY_AFTER_MAX_SECONDS;
}

/* Fill the response of a transfer that received a whole HTTP response. */
static void read_response(struct http_request *request, struct response_parts *parts)
{
	struct http_response *r = &parts->response;
	char *content_type = NULL;

	curl_easy_getinfo(request->easy, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(request->easy, CURLINFO_CONTENT_TYPE, &content_type);
	r->etag = request->etag;
	r->replayed = request->replayed;
	r->retry_after_seconds = parse_retry_after(request->retry_after);
	if (request->body.len > 0 && is_json_type(content_type))
		parse_json_body(request, parts);
	if (parts->error.len > 0)
		return;
	describe_status(request, parts, content_type);
	if (parts->error.len > 0 || r->status == 204)
		return;
	if (request->body.len == 0)
		strbuf_printf(&parts->error, "the broker responded HTTP %ld with an empty body, "
			      "not JSON", r->status);
	else if (!r->json)
		strbuf_printf(&parts->error, "the broker responded HTTP %ld with %.100s, not JSON",
			      r->status, content_type ? content_type : "no content type");
}

/*
 * Replace every copy of the token in text with "[token]": a proxy or a
 * faulty broker that echoes the request into its error would otherwise put
 * the token into an error message or the trace.
 */
static void redact_token(const struct http_client *client, struct strbuf *text)
{
	const char *token = client->auth_header + AUTH_HEADER_PREFIX_LENGTH;
	size_t token_length = strlen(token);
	char *found;

	while (text->len > 0 && (found = memmem(text->data, text->len, token, token_length))) {
		size_t offset = (size_t)(found - text->data);
		struct strbuf redacted = STRBUF_INIT;
		strbuf_append(&redacted, text->data, offset);
		strbuf_puts(&redacted, "[token]");
		strbuf_append(&redacted, found + token_length, text->len - offset - token_length);
		strbuf_free(text);
		*text = redacted;
	}
}

/*
 * Append text with every control byte, DEL and byte of 0x80 or more written
 * as \xNN, and a backslash too, so that \xNN reads one way. The error may
 * quote the broker, and a `tail -f` of the trace must not run its escape
 * sequences (OSC 52 writes the clipboard), C1 controls or bidirectional
 * overrides, nor split a line.
 */
static void append_escaped(struct strbuf *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			strbuf_printf(out, "\\x%02x", *p);
		else
			strbuf_putc(out, (char)*p);
	}
}

static void write_trace(const struct http_request *request, const struct http_response *r)
{
	char stamp[RFC3339_LEN];
	struct strbuf line = STRBUF_INIT;

	if (request->client->trace_fd < 0)
		return;
	time_format_rfc3339(time_now(), stamp);
	strbuf_printf(&line, "%s ", stamp);
	append_escaped(&line, request->method);
	strbuf_putc(&line, ' ');
	append_escaped(&line, request->path);
	strbuf_printf(&line, " %ld %lld ms", r->status, (long long)r->duration_ms);
	if (r->error) {
		strbuf_putc(&line, ' ');
		append_escaped(&line, r->error);
	}
	strbuf_putc(&line, '\n');
	/* Best effort: a full disk must not stop the console. */
	ssize_t written = write(request->client->trace_fd, line.data, line.len);
	(void)written;
	strbuf_free(&line);
}

void http_request_complete(struct http_request *request)
{
	struct response_parts parts = { .error = STRBUF_INIT };
	struct http_response *r = &parts.response;

	r->curl_code = request->result;
	r->retry_after_seconds = -1;
	r->duration_ms = time_monotonic_ms() - request->started_ms;
	if (request->result == CURLE_OK) {
		read_response(request, &parts);
	} else {
		describe_transport_error(request, request->too_large ? CURLE_WRITE_ERROR
								      : request->result, &parts.error);
		r->connect_failed = is_connect_failure(request, request->result);
	}
	redact_token(request->client, &parts.error);
	r->body = strbuf_str(&request->body);
	r->body_length = request->body.len;
	r->error = parts.error.len > 0 ? parts.error.data : NULL;
	write_trace(request, r);
	request->callback(request->ctx, r);
	json_decref(r->json);
	strbuf_free(&parts.error);
}
