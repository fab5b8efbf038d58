#include "broker/exchange.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "common/alloc.h"

void exchange_respond_json(struct http_exchange *x, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	exchange_respond_serialized(x, status, text ? text : xstrdup("{}"));
	json_decref(body);
}

void exchange_respond_serialized(struct http_exchange *x, int status, char *body)
{
	free(x->response_body);
	x->response_body = body;
	x->status = status;
	x->problem = false;
}

void exchange_respond_problem(struct http_exchange *x, const struct outcome *o)
{
	char type[96];
	json_t *j = json_object();

	snprintf(type, sizeof type, "urn:gatehouse:problem:%s", o->code);
	json_object_set_new(j, "type", json_string(type));
	json_object_set_new(j, "title", json_string(problem_title(o->code)));
	json_object_set_new(j, "status", json_integer(o->status));
	json_object_set_new(j, "code", json_string(o->code));
	/* The detail may quote a caller's text cut mid-character: repair rather than drop it. */
	json_object_set_new(j, "detail", json_string_or_null(o->detail));
	if (o->field)
		json_object_set_new(j, "field", json_string_or_null(o->field));
	exchange_respond_json(x, o->status, j);
	x->problem = true;
}

void exchange_fail(struct http_exchange *x, int status, const char *code, const char *fmt, ...)
{
	struct outcome o = { .status = status, .code = code };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o.detail, sizeof o.detail, fmt, ap);
	va_end(ap);
	exchange_respond_problem(x, &o);
}

void exchange_fail_field(struct http_exchange *x, const char *field, const char *fmt, ...)
{
	struct outcome o = { .status = 400, .code = "invalid", .field = field };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o.detail, sizeof o.detail, fmt, ap);
	va_end(ap);
	exchange_respond_problem(x, &o);
}

static void exchange_fail_invalid(struct http_exchange *x, const char *field, const char *detail)
{
	exchange_fail_field(x, field, "%s", detail);
}

struct store *exchange_acquire_store(struct http_exchange *x)
{
	struct store *s = store_pool_acquire_within(x->broker->pool, EXCHANGE_STORE_WAIT_MS);

	if (!s)
		exchange_fail(x, 503, "unavailable",
			      "every database connection stayed busy for %d s; retry shortly",
			      EXCHANGE_STORE_WAIT_MS / 1000);
	return s;
}

void exchange_set_etag(struct http_exchange *x, int64_t version)
{
	snprintf(x->etag, sizeof x->etag, "\"%lld\"", (long long)version);
}

const char *exchange_header(struct http_exchange *x, const char *name)
{
	return MHD_lookup_connection_value(x->connection, MHD_HEADER_KIND, name);
}

struct query_check {
	const char *const *allowed;
	const char *unknown;
};

static enum MHD_Result check_query_key(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	struct query_check *check = cls;

	(void)kind;
	(void)value;
	for (const char *const *a = check->allowed; *a; a++)
		if (strcmp(*a, key) == 0)
			return MHD_YES;
	check->unknown = key;
	return MHD_NO;
}

bool exchange_check_query(struct http_exchange *x, const char *const *allowed)
{
	struct query_check check = { .allowed = allowed };
	char detail[160];

	MHD_get_connection_values(x->connection, MHD_GET_ARGUMENT_KIND, check_query_key, &check);
	if (!check.unknown)
		return true;
	snprintf(detail, sizeof detail, "unknown query parameter \"%.64s\"", check.unknown);
	exchange_fail_invalid(x, check.unknown, detail);
	return false;
}

const char *exchange_query(struct http_exchange *x, const char *name)
{
	const char *v = MHD_lookup_connection_value(x->connection, MHD_GET_ARGUMENT_KIND, name);

	return v && *v ? v : NULL;
}

static bool parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '-'))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool exchange_query_int(struct http_exchange *x, const char *name, int64_t min, int64_t max,
			int64_t fallback, int64_t *out)
{
	const char *v = exchange_query(x, name);
	char detail[160];

	if (!v) {
		*out = fallback;
		return true;
	}
	if (parse_int64(v, out) && *out >= min && *out <= max)
		return true;
	snprintf(detail, sizeof detail, "%s must be a whole number from %lld to %lld", name,
		 (long long)min, (long long)max);
	exchange_fail_invalid(x, name, detail);
	return false;
}

static bool field_allowed(const char *const *allowed, const char *key)
{
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(*a, key) == 0)
			return true;
	return false;
}

json_t *exchange_body_object(struct http_exchange *x, const char *const *allowed)
{
	json_error_t error;
	json_t *body;
	const char *key;
	json_t *value;
	char detail[300];

	if (x->body_length == 0)
		return json_object();
	body = json_loadb(x->body, x->body_length, JSON_REJECT_DUPLICATES, &error);
	if (!body && json_error_code(&error) == json_error_null_character) {
		exchange_fail_invalid(x, "body", "the body contains \\u0000 (NUL), which is not "
				      "allowed in any string");
		return NULL;
	}
	if (!body) {
		snprintf(detail, sizeof detail, "the body is not valid JSON: %s at line %d column %d",
			 error.text, error.line, error.column);
		exchange_fail_invalid(x, "body", detail);
		return NULL;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		exchange_fail_invalid(x, "body", "the body must be a JSON object");
		return NULL;
	}
	json_object_foreach(body, key, value) {
		if (!field_allowed(allowed, key)) {
			snprintf(detail, sizeof detail, "unknown field \"%.64s\"", key);
			/* key belongs to body: fail before freeing it */
			exchange_fail_invalid(x, key, detail);
			json_decref(body);
			return NULL;
		}
	}
	return body;
}

bool exchange_body_string(struct http_exchange *x, json_t *body, const char *field,
			  bool required, const char **out)
{
	json_t *v = json_object_get(body, field);
	char detail[160];

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return true;
		snprintf(detail, sizeof detail, "%s is required", field);
	} else if (!json_is_string(v)) {
		snprintf(detail, sizeof detail, "%s must be a string", field);
	} else {
		*out = json_string_value(v);
		return true;
	}
	exchange_fail_invalid(x, field, detail);
	return false;
}

bool exchange_body_int(struct http_exchange *x, json_t *body, const char *field, bool required,
		       int64_t *out)
{
	json_t *v = json_object_get(body, field);
	char detail[160];

	*out = 0;
	if (!v || json_is_null(v)) {
		if (!required)
			return true;
		snprintf(detail, sizeof detail, "%s is required", field);
	} else if (!json_is_integer(v)) {
		snprintf(detail, sizeof detail, "%s must be a whole number", field);
	} else {
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	exchange_fail_invalid(x, field, detail);
	return false;
}

bool exchange_body_bool(struct http_exchange *x, json_t *body, const char *field, bool *out)
{
	json_t *v = json_object_get(body, field);
	char detail[160];

	*out = false;
	if (!v || json_is_null(v))
		return true;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return true;
	}
	snprintf(detail, sizeof detail, "%s must be true or false", field);
	exchange_fail_invalid(x, field, detail);
	return false;
}

/*
 * Parse an entity tag's digits ("7" or 7), n bytes of v, as a version; false when
 * it is not one. Only the form the broker sends is a version: the strong comparison
 * compares characters, so "07" is another tag than "7", and matches none.
 */
static bool parse_version_tag(const char *v, size_t n, int64_t *version)
{
	char digits[24];

	if (n > 0 && *v == '"') {
		if (n < 2 || v[n - 1] != '"' || memchr(v + 1, '"', n - 2))
			return false; /* unbalanced quotes */
		v++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof digits || strspn(v, "0123456789") < n || (v[0] == '0' && n > 1))
		return false;
	memcpy(digits, v, n);
	digits[n] = '\0';
	return parse_int64(digits, version);
}

bool exchange_if_match(struct http_exchange *x, int64_t *version)
{
	const char *v = exchange_header(x, MHD_HTTP_HEADER_IF_MATCH);

	*version = IF_MATCH_ANY;
	if (!v)
		return true;
	/* A field value excludes the white space around it (RFC 9110 section 5.5). */
	v += strspn(v, " \t");
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 1 && *v == '*')
		return true;
	/* If-Match uses the strong comparison (RFC 9110 section 13.1.1): a weak tag never matches. */
	bool weak = n >= 2 && strncmp(v, "W/", 2) == 0;
	if (parse_version_tag(weak ? v + 2 : v, weak ? n - 2 : n, version)) {
		if (weak)
			*version = IF_MATCH_WEAK;
		return true;
	}
	*version = IF_MATCH_ANY;
	exchange_fail_invalid(x, "If-Match", "If-Match must be an ETag the broker sent, such as "
			      "\"3\" (digits without leading zeros), or *");
	return false;
}

bool exchange_cursor(struct http_exchange *x, int64_t *before_id)
{
	const char *v = exchange_query(x, "cursor");

	*before_id = 0;
	if (!v)
		return true;
	if (parse_int64(v, before_id) && *before_id > 0)
		return true;
	exchange_fail_invalid(x, "cursor", "cursor must be a next_cursor value from an earlier page");
	return false;
}

json_t *exchange_next_cursor(size_t count, int limit, int64_t last_id)
{
	char text[24];

	if (count < (size_t)limit || last_id <= 1)
		return json_null();
	snprintf(text, sizeof text, "%lld", (long long)last_id);
	return json_string(text);
}
