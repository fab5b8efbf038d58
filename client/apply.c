#include "client/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "cache/objects.h"

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

bool apply_request(struct cache *cache, const json_t *json, char *err, size_t errlen)
{
	struct access_request request;
	char decode_error[256];
	char *text;
	bool ok;

	if (!request_from_json(json, &request, decode_error, sizeof decode_error)) {
		snprintf(err, errlen, "invalid request from the broker: %s", decode_error);
		return false;
	}
	text = dump_json(json);
	ok = text && cache_put_request(cache, &request, text);
	if (!ok)
		snprintf(err, errlen, "storing request %lld failed: %s", (long long)request.id,
			 text ? cache_last_error(cache) : "out of memory");
	free(text);
	access_request_free(&request);
	return ok;
}

bool apply_grant(struct cache *cache, const json_t *json, char *err, size_t errlen)
{
	struct grant grant;
	char decode_error[256];
	char *text;
	bool ok;

	if (!grant_from_json(json, &grant, decode_error, sizeof decode_error)) {
		snprintf(err, errlen, "invalid grant from the broker: %s", decode_error);
		return false;
	}
	text = dump_json(json);
	ok = text && cache_put_grant(cache, &grant, text);
	if (!ok)
		snprintf(err, errlen, "storing grant %lld failed: %s", (long long)grant.id,
			 text ? cache_last_error(cache) : "out of memory");
	free(text);
	grant_free(&grant);
	return ok;
}

bool apply_object(struct cache *cache, enum cache_object_kind kind, const json_t *json,
		  char *err, size_t errlen)
{
	if (kind == CACHE_REQUESTS)
		return apply_request(cache, json, err, errlen);
	return apply_grant(cache, json, err, errlen);
}

bool apply_audit_entry(struct cache *cache, const json_t *json, char *err, size_t errlen)
{
	struct audit_entry entry;
	char decode_error[256];
	char *text;
	bool ok;

	if (!audit_entry_from_json(json, &entry, decode_error, sizeof decode_error)) {
		snprintf(err, errlen, "invalid audit entry from the broker: %s", decode_error);
		return false;
	}
	if (entry.seq <= 0 || apply_object_kind(entry.object_kind) < 0) {
		snprintf(err, errlen, "invalid audit entry from the broker: field \"%s\": %s",
			 entry.seq <= 0 ? "seq" : "object",
			 entry.seq <= 0 ? "expected a positive integer" : "expected request or grant");
		audit_entry_free(&entry);
		return false;
	}
	text = dump_json(json);
	ok = text && cache_put_audit_entry(cache, &entry, text);
	if (!ok)
		snprintf(err, errlen, "storing audit entry %lld failed: %s", (long long)entry.seq,
			 text ? cache_last_error(cache) : "out of memory");
	free(text);
	audit_entry_free(&entry);
	return ok;
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
