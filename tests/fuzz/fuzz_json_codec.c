/*
 * Fuzz target for the API codec in api/json.h. The input is JSON text, loaded
 * with JSON_ALLOW_NUL as the console's cache loads it. A top-level object,
 * or each element of a top-level array, goes to all four decoders. Every
 * object that decodes takes the console cache's round trip (encode, dump
 * with JSON_COMPACT, load, decode), and the second decoding must equal the
 * first field for field.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "api/model.h"
#include "tests/fuzz/fuzz_support.h"

#define DECODE_ERROR_MAX 160

/* One decoder, its encoder and its comparison, for the same struct type. */
struct codec {
	const char *name;
	size_t size;
	bool (*decode)(const json_t *j, void *out, char *err, size_t errlen);
	json_t *(*encode)(const void *object);
	/* Return the name of the first field that differs, or NULL when none does. */
	const char *(*compare)(const void *a, const void *b);
	void (*free)(void *object);
};

static bool strings_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static const char *compare_approvals(const struct access_request *a,
				     const struct access_request *b)
{
	if (a->approval_count != b->approval_count)
		return "approvals";
	for (size_t i = 0; i < a->approval_count; i++) {
		const struct approval *x = &a->approvals[i];
		const struct approval *y = &b->approvals[i];

		if (!strings_equal(x->approver, y->approver))
			return "approvals[].approver";
		if (!strings_equal(x->reason, y->reason))
			return "approvals[].reason";
		if (x->at != y->at)
			return "approvals[].at";
	}
	return NULL;
}

static const char *compare_requests(const void *first, const void *second)
{
	const struct access_request *a = first;
	const struct access_request *b = second;

	if (a->id != b->id)
		return "id";
	if (a->status != b->status)
		return "status";
	if (!strings_equal(a->requester, b->requester))
		return "requester";
	if (!strings_equal(a->resource, b->resource))
		return "resource";
	if (!strings_equal(a->role, b->role))
		return "role";
	if (!strings_equal(a->reason, b->reason))
		return "reason";
	if (a->duration_seconds != b->duration_seconds)
		return "duration_seconds";
	if (a->created_at != b->created_at)
		return "created_at";
	if (a->decided_at != b->decided_at)
		return "decided_at";
	if (a->expires_at != b->expires_at)
		return "expires_at";
	if (a->approvals_needed != b->approvals_needed)
		return "approvals_needed";
	if (!strings_equal(a->approver_group, b->approver_group))
		return "approver_group";
	if (!strings_equal(a->decided_by, b->decided_by))
		return "decided_by";
	if (!strings_equal(a->decision_reason, b->decision_reason))
		return "decision_reason";
	if (a->grant_id != b->grant_id)
		return "grant_id";
	if (a->version != b->version)
		return "version";
	return compare_approvals(a, b);
}

static const char *compare_grants(const void *first, const void *second)
{
	const struct grant *a = first;
	const struct grant *b = second;

	if (a->id != b->id)
		return "id";
	if (a->request_id != b->request_id)
		return "request_id";
	if (!strings_equal(a->principal, b->principal))
		return "principal";
	if (!strings_equal(a->resource, b->resource))
		return "resource";
	if (!strings_equal(a->role, b->role))
		return "role";
	if (a->kind != b->kind)
		return "kind";
	if (a->status != b->status)
		return "status";
	if (a->granted_at != b->granted_at)
		return "granted_at";
	if (a->expires_at != b->expires_at)
		return "expires_at";
	if (a->revoked_at != b->revoked_at)
		return "revoked_at";
	if (!strings_equal(a->revoked_by, b->revoked_by))
		return "revoked_by";
	if (!strings_equal(a->reason, b->reason))
		return "reason";
	if (!strings_equal(a->request_reason, b->request_reason))
		return "request_reason";
	if (a->last_used_at != b->last_used_at)
		return "last_used_at";
	if (a->version != b->version)
		return "version";
	return NULL;
}

/* principal_to_json() writes absent attributes as {}, so NULL and "{}" are the same value. */
static bool attributes_equal(const char *a, const char *b)
{
	return strings_equal(a ? a : "{}", b ? b : "{}");
}

static const char *compare_principals(const void *first, const void *second)
{
	const struct principal *a = first;
	const struct principal *b = second;

	if (!strings_equal(a->id, b->id))
		return "id";
	if (!strings_equal(a->display_name, b->display_name))
		return "display_name";
	if (a->roles != b->roles)
		return "roles";
	if (a->group_count != b->group_count)
		return "groups";
	for (size_t i = 0; i < a->group_count; i++) {
		if (!strings_equal(a->groups[i], b->groups[i]))
			return "groups[]";
	}
	if (!attributes_equal(a->attributes_json, b->attributes_json))
		return "attributes";
	return NULL;
}

static const char *compare_audit_entries(const void *first, const void *second)
{
	const struct audit_entry *a = first;
	const struct audit_entry *b = second;

	if (a->seq != b->seq)
		return "seq";
	if (a->at != b->at)
		return "at";
	if (!strings_equal(a->actor, b->actor))
		return "actor";
	if (!strings_equal(a->action, b->action))
		return "action";
	if (!strings_equal(a->object_kind, b->object_kind))
		return "object";
	if (a->object_id != b->object_id)
		return "object_id";
	if (!strings_equal(a->reason, b->reason))
		return "reason";
	if (!strings_equal(a->prev_hash, b->prev_hash))
		return "prev_hash";
	if (!strings_equal(a->hash, b->hash))
		return "hash";
	return NULL;
}

/* Adapters from the typed codec functions to the struct codec signatures. */

static bool decode_request(const json_t *j, void *out, char *err, size_t errlen)
{
	return request_from_json(j, out, err, errlen);
}

static json_t *encode_request(const void *object)
{
	return request_to_json(object);
}

static void free_request(void *object)
{
	access_request_free(object);
}

static bool decode_grant(const json_t *j, void *out, char *err, size_t errlen)
{
	return grant_from_json(j, out, err, errlen);
}

static json_t *encode_grant(const void *object)
{
	return grant_to_json(object);
}

static void free_grant(void *object)
{
	grant_free(object);
}

static bool decode_principal(const json_t *j, void *out, char *err, size_t errlen)
{
	return principal_from_json(j, out, err, errlen);
}

static json_t *encode_principal(const void *object)
{
	return principal_to_json(object);
}

static void free_principal(void *object)
{
	principal_free(object);
}

static bool decode_audit_entry(const json_t *j, void *out, char *err, size_t errlen)
{
	return audit_entry_from_json(j, out, err, errlen);
}

static json_t *encode_audit_entry(const void *object)
{
	return audit_entry_to_json(object);
}

static void free_audit_entry(void *object)
{
	audit_entry_free(object);
}

static const struct codec codecs[] = {
	{ "request", sizeof(struct access_request), decode_request,
	  encode_request, compare_requests, free_request },
	{ "grant", sizeof(struct grant), decode_grant, encode_grant,
	  compare_grants, free_grant },
	{ "principal", sizeof(struct principal), decode_principal,
	  encode_principal, compare_principals, free_principal },
	{ "audit entry", sizeof(struct audit_entry), decode_audit_entry,
	  encode_audit_entry, compare_audit_entries, free_audit_entry },
};

/* Encode object and dump it as compact JSON text, as the cache stores it. */
static char *encode_text(const struct codec *codec, const void *object)
{
	json_t *encoded = codec->encode(object);

	if (!encoded)
		fuzz_fail("%s_to_json() returned NULL for a decoded %s",
			  codec->name, codec->name);
	char *text = json_dumps(encoded, JSON_COMPACT);

	json_decref(encoded);
	if (!text)
		fuzz_fail("json_dumps() failed on an encoded %s", codec->name);
	return text;
}

/* Load text and decode it into second; any failure breaks the round trip. */
static void decode_text(const struct codec *codec, const char *text, void *second)
{
	json_error_t parse_error;
	char err[DECODE_ERROR_MAX] = "";
	json_t *reloaded = json_loads(text, JSON_ALLOW_NUL, &parse_error);

	if (!reloaded) {
		fprintf(stderr, "encoded %s: %s\n", codec->name, text);
		fuzz_fail("the encoded %s does not load: %s", codec->name,
			  parse_error.text);
	}
	bool ok = codec->decode(reloaded, second, err, sizeof err);

	json_decref(reloaded);
	if (!ok) {
		fprintf(stderr, "encoded %s: %s\n", codec->name, text);
		fuzz_fail("the encoded %s does not decode: %s", codec->name, err);
	}
}

static void round_trip(const struct codec *codec, const json_t *value)
{
	char err[DECODE_ERROR_MAX] = "";
	void *first = calloc(1, codec->size);
	void *second = calloc(1, codec->size);

	if (!first || !second)
		fuzz_fail("out of memory");
	if (codec->decode(value, first, err, sizeof err)) {
		char *text = encode_text(codec, first);

		decode_text(codec, text, second);
		const char *field = codec->compare(first, second);

		if (field) {
			fprintf(stderr, "encoded %s: %s\n", codec->name, text);
			fuzz_fail("%s field \"%s\" changed in the round trip",
				  codec->name, field);
		}
		free(text);
		codec->free(first);
		codec->free(second);
	}
	free(first);
	free(second);
}

static void round_trip_all(const json_t *value)
{
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
		round_trip(&codecs[i], value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *value = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
	size_t i;
	json_t *item;

	if (!value)
		return 0;
	if (json_is_array(value)) {
		json_array_foreach(value, i, item)
			round_trip_all(item);
	} else {
		round_trip_all(value);
	}
	json_decref(value);
	return 0;
}
