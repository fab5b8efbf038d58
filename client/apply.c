#include "client/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "cache/objects.h"
#include "common/alloc.h"

int apply_object_kind(const char *name)
{
	if (name && strcmp(name, "request") == 0)
		return CACHE_REQUESTS;
	if (name && strcmp(name, "grant") == 0)
		return CACHE_GRANTS;
	return -1;
}

/* Encode json compactly for the cache's detail copy; NULL only when out of memory. */
static char *dump_json(const json_t *json)
{
	return json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
}

/*
 * Write why an object from the broker is invalid, naming it by the integer
 * in its id_field when it has one, so that the user can look it up.
 */
static void describe_invalid(const char *what, const json_t *json, const char *id_field,
			     const char *reason, char *err, size_t errlen)
{
	json_t *id = json_object_get(json, id_field);

	if (json_is_integer(id))
		snprintf(err, errlen, "invalid %s %lld from the broker: %s", what,
			 (long long)json_integer_value(id), reason);
	else
		snprintf(err, errlen, "invalid %s from the broker: %s", what, reason);
}

/* Decode a request and store it with text as its JSON, or json encoded again when text is NULL. */
static enum apply_result store_request(struct cache *cache, const json_t *json, const char *text,
				       char *err, size_t errlen)
{
	struct access_request request;
	char decode_error[256];
	char *encoded = NULL;
	bool ok;

	if (!request_from_json(json, &request, decode_error, sizeof decode_error)) {
		describe_invalid("request", json, "id", decode_error, err, errlen);
		return APPLY_INVALID;
	}
	if (!text)
		text = encoded = dump_json(json);
	ok = text && cache_put_request(cache, &request, text);
	if (!ok)
		snprintf(err, errlen, "storing request %lld failed: %s", (long long)request.id,
			 text ? cache_last_error(cache) : "out of memory");
	free(encoded);
	access_request_free(&request);
	return ok ? APPLY_STORED : APPLY_CACHE_ERROR;
}

static enum apply_result store_grant(struct cache *cache, const json_t *json, const char *text,
				     char *err, size_t errlen)
{
	struct grant grant;
	char decode_error[256];
	char *encoded = NULL;
	bool ok;

	if (!grant_from_json(json, &grant, decode_error, sizeof decode_error)) {
		describe_invalid("grant", json, "id", decode_error, err, errlen);
		return APPLY_INVALID;
	}
	if (!text)
		text = encoded = dump_json(json);
	ok = text && cache_put_grant(cache, &grant, text);
	if (!ok)
		snprintf(err, errlen, "storing grant %lld failed: %s", (long long)grant.id,
			 text ? cache_last_error(cache) : "out of memory");
	free(encoded);
	grant_free(&grant);
	return ok ? APPLY_STORED : APPLY_CACHE_ERROR;
}

enum apply_result apply_request(struct cache *cache, const json_t *json, char *err,
				size_t errlen)
{
	return store_request(cache, json, NULL, err, errlen);
}

enum apply_result apply_grant(struct cache *cache, const json_t *json, char *err, size_t errlen)
{
	return store_grant(cache, json, NULL, err, errlen);
}

enum apply_result apply_object(struct cache *cache, enum cache_object_kind kind,
			       const json_t *json, char *err, size_t errlen)
{
	if (kind == CACHE_REQUESTS)
		return apply_request(cache, json, err, errlen);
	return apply_grant(cache, json, err, errlen);
}

enum apply_result apply_object_as_sent(struct cache *cache, enum cache_object_kind kind,
				       const json_t *json, const char *text, size_t length,
				       char *err, size_t errlen)
{
	char *copy = xstrndup(text, length);
	enum apply_result result = kind == CACHE_REQUESTS ?
		store_request(cache, json, copy, err, errlen) :
		store_grant(cache, json, copy, err, errlen);

	free(copy);
	return result;
}

/* The objects an audit entry may be about: a request, a grant, or a published policy. */
static bool audit_object_known(const char *kind)
{
	return apply_object_kind(kind) >= 0 || (kind && strcmp(kind, "policy") == 0);
}

enum apply_result apply_audit_entry(struct cache *cache, const json_t *json, char *err,
				    size_t errlen)
{
	struct audit_entry entry;
	char decode_error[256];
	char *text;
	bool ok;

	if (!audit_entry_from_json(json, &entry, decode_error, sizeof decode_error)) {
		describe_invalid("audit entry", json, "seq", decode_error, err, errlen);
		return APPLY_INVALID;
	}
	if (entry.seq <= 0 || !audit_object_known(entry.object_kind)) {
		describe_invalid("audit entry", json, "seq",
				 entry.seq <= 0 ? "field \"seq\": expected a positive integer"
						: "field \"object\": expected request, grant or policy",
				 err, errlen);
		audit_entry_free(&entry);
		return APPLY_INVALID;
	}
	text = dump_json(json);
	ok = text && cache_put_audit_entry(cache, &entry, text);
	if (!ok)
		snprintf(err, errlen, "storing audit entry %lld failed: %s", (long long)entry.seq,
			 text ? cache_last_error(cache) : "out of memory");
	free(text);
	audit_entry_free(&entry);
	return ok ? APPLY_STORED : APPLY_CACHE_ERROR;
}

bool apply_read_seq(const json_t *object, const char *field, int64_t *out, char *err,
		    size_t errlen)
{
	json_t *value = json_object_get(object, field);

	if (!json_is_integer(value) || json_integer_value(value) < 0) {
		snprintf(err, errlen, "field \"%s\": expected a whole number", field);
		return false;
	}
	*out = (int64_t)json_integer_value(value);
	return true;
}
