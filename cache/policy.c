/* The active policy, the user's draft and the decided requests, for the policy pane. */

#include "cache/policy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "api/model.h"
#include "cache/internal.h"
#include "common/alloc.h"
#include "common/timeutil.h"

#define KEY_POLICY "policy.active"
#define KEY_DRAFT "policy.draft"
#define KEY_DRAFT_BASED_ON "policy.draft_based_on"

void cached_policy_free(struct cached_policy *policy)
{
	free(policy->source);
	free(policy->published_by);
	memset(policy, 0, sizeof *policy);
}

/* Read published_at: an RFC 3339 string or seconds since the epoch; 0 when absent. */
static bool read_time(const json_t *value, int64_t *out)
{
	*out = 0;
	if (!value || json_is_null(value))
		return true;
	if (json_is_integer(value)) {
		*out = (int64_t)json_integer_value(value);
		return true;
	}
	return json_is_string(value) && time_parse_rfc3339(json_string_value(value), out);
}

bool cached_policy_from_json(const json_t *body, struct cached_policy *out, char *err,
			     size_t errlen)
{
	json_t *version = json_object_get(body, "version");
	json_t *source = json_object_get(body, "source");
	json_t *by = json_object_get(body, "published_by");

	memset(out, 0, sizeof *out);
	if (!json_is_integer(version) || json_integer_value(version) < 1) {
		snprintf(err, errlen, "field \"version\": expected a positive integer");
		return false;
	}
	if (!json_is_string(source)) {
		snprintf(err, errlen, "field \"source\": expected a string");
		return false;
	}
	if (!read_time(json_object_get(body, "published_at"), &out->published_at)) {
		snprintf(err, errlen, "field \"published_at\": expected an RFC 3339 time");
		return false;
	}
	out->version = (int64_t)json_integer_value(version);
	out->source = xstrndup(json_string_value(source), json_string_length(source));
	out->published_by = json_is_string(by) ? xstrdup(json_string_value(by)) : NULL;
	return true;
}

static char *encode_policy(const struct cached_policy *policy, int64_t fetched_at)
{
	json_t *object = json_pack("{sI ss% sI sI}", "version", (json_int_t)policy->version,
				   "source", policy->source, strlen(policy->source),
				   "published_at", (json_int_t)policy->published_at,
				   "fetched_at", (json_int_t)fetched_at);
	char *text;

	if (!object)
		return NULL;
	if (policy->published_by)
		json_object_set_new(object, "published_by", json_string(policy->published_by));
	text = json_dumps(object, JSON_COMPACT);
	json_decref(object);
	return text;
}

enum cache_result cache_policy_load(struct cache *cache, struct cached_policy *out)
{
	char *text = NULL;
	enum cache_result found = cache_meta_get(cache, KEY_POLICY, &text);
	json_t *object;
	char err[160];

	memset(out, 0, sizeof *out);
	if (found != CACHE_FOUND)
		return found;
	object = json_loads(text, 0, NULL);
	free(text);
	if (!cached_policy_from_json(object, out, err, sizeof err)) {
		json_decref(object);
		cache_fail_plain(cache, "decode the cached policy: %s", err);
		return CACHE_ERROR;
	}
	out->fetched_at = (int64_t)json_integer_value(json_object_get(object, "fetched_at"));
	json_decref(object);
	return CACHE_FOUND;
}

bool cache_policy_store(struct cache *cache, const struct cached_policy *policy,
			int64_t fetched_at)
{
	struct cached_policy kept;
	enum cache_result found = cache_policy_load(cache, &kept);
	char *text;
	bool ok;

	/* A copy that no longer decodes is replaced rather than kept forever. */
	if (found == CACHE_FOUND && kept.version > policy->version) {
		cached_policy_free(&kept);
		return true;
	}
	cached_policy_free(&kept);
	text = encode_policy(policy, fetched_at);
	if (!text)
		return cache_fail_plain(cache, "store the policy: the source is not valid UTF-8");
	ok = cache_meta_set(cache, KEY_POLICY, text);
	free(text);
	return ok;
}

bool cache_policy_forget(struct cache *cache)
{
	return cache_meta_set(cache, KEY_POLICY, NULL);
}

bool cache_policy_set_draft(struct cache *cache, const char *text, int64_t based_on)
{
	char number[24];
	bool ok;

	snprintf(number, sizeof number, "%" PRId64, based_on);
	if (!cache_begin(cache))
		return false;
	ok = cache_meta_set(cache, KEY_DRAFT, text) &&
	     cache_meta_set(cache, KEY_DRAFT_BASED_ON, number);
	if (ok)
		return cache_commit(cache);
	cache_rollback(cache);
	return false;
}

enum cache_result cache_policy_load_draft(struct cache *cache, char **text, int64_t *based_on)
{
	char *number = NULL;
	enum cache_result found = cache_meta_get(cache, KEY_DRAFT, text);

	*based_on = 0;
	if (found != CACHE_FOUND)
		return found;
	if (cache_meta_get(cache, KEY_DRAFT_BASED_ON, &number) == CACHE_FOUND)
		*based_on = strtoll(number, NULL, 10);
	free(number);
	return CACHE_FOUND;
}

bool cache_policy_discard_draft(struct cache *cache)
{
	return cache_meta_set(cache, KEY_DRAFT, NULL) && cache_meta_set(cache, KEY_DRAFT_BASED_ON, NULL);
}

bool cache_policy_published(struct cache *cache, const struct cached_policy *policy,
			    int64_t fetched_at)
{
	char *draft = NULL;
	int64_t based_on;
	enum cache_result found;

	if (!cache_policy_store(cache, policy, fetched_at))
		return false;
	found = cache_policy_load_draft(cache, &draft, &based_on);
	if (found == CACHE_ERROR)
		return false;
	bool same = found == CACHE_FOUND && strcmp(draft, policy->source) == 0;

	free(draft);
	return !same || cache_policy_discard_draft(cache);
}

/* Add one cached request's JSON to the history; false when it does not decode. */
static bool add_cached_request(struct policy_history *history, const char *text, size_t length)
{
	json_t *object = json_loadb(text, length, JSON_ALLOW_NUL, NULL);
	struct access_request request;
	char err[256];
	bool ok = false;

	if (object && request_from_json(object, &request, err, sizeof err)) {
		json_t *attributes = json_object_get(json_object_get(object, "policy"), "attributes");

		ok = policy_history_add_request(history, &request, attributes, err, sizeof err);
		access_request_free(&request);
	}
	json_decref(object);
	return ok;
}

struct policy_history *cache_policy_history(struct cache *cache, size_t *skipped)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"SELECT json FROM requests WHERE status IN ('approved', 'denied') ORDER BY id");
	struct policy_history *history;
	int rc;

	*skipped = 0;
	if (!statement)
		return NULL;
	history = policy_history_new();
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(statement, 0);

		if (!add_cached_request(history, text ? text : "",
					(size_t)sqlite3_column_bytes(statement, 0)))
			(*skipped)++;
	}
	if (rc != SQLITE_DONE) {
		cache_fail(cache, "read the decided requests");
		policy_history_free(history);
		history = NULL;
	}
	sqlite3_finalize(statement);
	return history;
}
