#include "broker/policy_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "policy/simulate.h"

/* The attributes the broker supplies besides requester.KEY for the principals' attribute keys. */
static const char *const engine_fixed_attributes[] = {
	"requester.id", "requester.roles", "requester.groups",
	"resource.id", "resource.owner_group", "resource.approvals_needed",
	"request.role", "request.reason", "request.duration_seconds",
};
#define ENGINE_FIXED_COUNT (sizeof engine_fixed_attributes / sizeof engine_fixed_attributes[0])

static const enum role engine_roles[] = { ROLE_REQUESTER, ROLE_APPROVER, ROLE_ADMIN, ROLE_AUDITOR };

/* Whether a principal's attribute key can follow "requester." in the language: names joined by dots. */
static bool engine_key_valid(const char *key)
{
	bool at_start = true;

	if (!*key)
		return false;
	for (const char *p = key; *p; p++) {
		bool letter = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_';
		bool digit = *p >= '0' && *p <= '9';

		if (*p == '.' && !at_start && p[1]) {
			at_start = true;
			continue;
		}
		if (!letter && !(digit && !at_start))
			return false;
		at_start = false;
	}
	return true;
}

/* A scalar attribute value as the text a policy compares; NULL for one it cannot compare. */
static json_t *engine_value_text(const json_t *value)
{
	char number[64];

	if (json_is_string(value))
		return json_string_or_null(json_string_value(value));
	if (json_is_integer(value)) {
		snprintf(number, sizeof number, "%lld", (long long)json_integer_value(value));
		return json_string(number);
	}
	if (json_is_real(value)) {
		snprintf(number, sizeof number, "%.17g", json_real_value(value));
		return json_string(number);
	}
	if (json_is_boolean(value))
		return json_string(json_is_true(value) ? "true" : "false");
	return NULL;
}

/* A value as a string or an array of strings; NULL for an object or an empty array. */
static json_t *engine_value(const json_t *value)
{
	size_t i;
	json_t *item;

	if (!json_is_array(value))
		return engine_value_text(value);

	json_t *texts = json_array();
	json_array_foreach(value, i, item) {
		json_t *text = engine_value_text(item);
		if (text)
			json_array_append_new(texts, text);
	}
	if (json_array_size(texts) == 0) {
		json_decref(texts);
		return NULL;
	}
	return texts;
}

static void engine_add_principal_attributes(json_t *out, const struct principal *p)
{
	json_t *given = p->attributes_json ? json_loads(p->attributes_json, 0, NULL) : NULL;
	const char *key;
	json_t *value;

	if (!json_is_object(given)) {
		json_decref(given);
		return;
	}
	json_object_foreach(given, key, value) {
		json_t *converted = engine_value(value);
		char name[256];

		if (!converted)
			continue;
		if (!engine_key_valid(key) || (size_t)snprintf(name, sizeof name, "requester.%s", key) >= sizeof name) {
			json_decref(converted);
			continue;
		}
		json_object_set_new(out, name, converted);
	}
	json_decref(given);
}

json_t *policy_engine_attributes(const struct principal *requester,
				 const struct resource_route *route, const char *role,
				 const char *reason, int64_t duration_seconds)
{
	json_t *out = json_object();
	json_t *roles = json_array(), *groups = json_array();
	char number[32];

	/* The principal's own attributes first, so that the broker's names below win. */
	engine_add_principal_attributes(out, requester);
	json_object_set_new(out, "requester.id", json_string_or_null(requester->id));
	for (size_t i = 0; i < sizeof engine_roles / sizeof engine_roles[0]; i++)
		if (requester->roles & engine_roles[i])
			json_array_append_new(roles, json_string(role_name(engine_roles[i])));
	json_object_set_new(out, "requester.roles", roles);
	for (size_t i = 0; i < requester->group_count; i++)
		json_array_append_new(groups, json_string_or_null(requester->groups[i]));
	json_object_set_new(out, "requester.groups", groups);
	json_object_set_new(out, "resource.id", json_string_or_null(route->id));
	json_object_set_new(out, "resource.owner_group", json_string_or_null(route->owner_group));
	snprintf(number, sizeof number, "%d", route->approvals_needed);
	json_object_set_new(out, "resource.approvals_needed", json_string(number));
	json_object_set_new(out, "request.role", json_string_or_null(role));
	json_object_set_new(out, "request.reason", json_string_or_null(reason ? reason : ""));
	snprintf(number, sizeof number, "%lld", (long long)duration_seconds);
	json_object_set_new(out, "request.duration_seconds", json_string(number));
	return out;
}

/* Cut a list to its first POLICY_ENGINE_MATCHING_MAX rules, and return whether it was longer. */
static bool engine_cap_list(size_t *count)
{
	if (*count <= POLICY_ENGINE_MATCHING_MAX)
		return false;
	*count = POLICY_ENGINE_MATCHING_MAX;
	return true;
}

/*
 * Explain a decision from capped lists. The deciding rule comes after every kept
 * match when it was not among them, so it takes the last place and the list stays
 * in source order.
 */
static json_t *engine_explain(const struct policy *policy, const struct policy_decision *full)
{
	struct policy_decision shown = *full;
	uint32_t kept[POLICY_ENGINE_MATCHING_MAX];
	uint32_t *last = &kept[POLICY_ENGINE_MATCHING_MAX - 1];
	bool matches_cut = engine_cap_list(&shown.match_count);

	if (matches_cut) {
		memcpy(kept, full->matches, sizeof kept);
		if (full->rule != POLICY_DEFAULT_RULE && *last < (uint32_t)full->rule)
			*last = (uint32_t)full->rule;
		shown.matches = kept;
	}
	bool misses_cut = engine_cap_list(&shown.window_miss_count);
	bool untimed_cut = engine_cap_list(&shown.untimed_count);

	json_t *j = policy_decision_to_json(policy, &shown);
	json_object_set_new(j, "matching_count", json_integer((json_int_t)full->match_count));
	json_object_set_new(j, "matching_truncated", json_boolean(matches_cut));
	if (matches_cut || misses_cut || untimed_cut) {
		char *text = NULL;
		if (asprintf(&text, "%sonly the first %d rules of each list above are shown; %zu matched\n",
			     json_string_value(json_object_get(j, "explanation")),
			     POLICY_ENGINE_MATCHING_MAX, full->match_count) >= 0)
			json_object_set_new(j, "explanation", json_string_or_null(text));
		free(text);
	}
	return j;
}

void policy_engine_decide(const struct policy *policy, const json_t *attributes, int64_t at,
			  struct policy_decision *out, json_t **explanation)
{
	struct policy_request *request = policy_request_new(policy);
	const char *name;
	json_t *value;

	json_object_foreach((json_t *)attributes, name, value) {
		size_t i;
		json_t *item;

		if (json_is_string(value)) {
			policy_request_add_named(request, name, json_string_value(value));
			continue;
		}
		json_array_foreach(value, i, item)
			if (json_is_string(item))
				policy_request_add_named(request, name, json_string_value(item));
	}
	policy_request_set_time(request, at);
	policy_decide(request, out);
	*explanation = engine_explain(policy, out);
	out->matches = out->window_misses = out->untimed = NULL;
	out->match_count = out->window_miss_count = out->untimed_count = 0;
	policy_request_free(request);
}

/* Insert an error at the start of a line, keeping the diagnostics in order of position. */
static void engine_add_error(struct policy_diagnostics *d, unsigned line, const char *message)
{
	size_t at = d->count;

	if (d->count == d->capacity) {
		d->capacity = d->capacity ? d->capacity * 2 : 8;
		d->items = xreallocarray(d->items, d->capacity, sizeof *d->items);
	}
	while (at > 0 && d->items[at - 1].line > line)
		at--;
	memmove(&d->items[at + 1], &d->items[at], (d->count - at) * sizeof *d->items);
	d->items[at] = (struct policy_diagnostic){
		.severity = POLICY_ERROR, .line = line, .column = 1, .message = xstrdup(message),
	};
	d->count++;
	d->error_count++;
}

/* A rule that routes requests to a group without enough approvers would leave them to expire. */
static enum store_status engine_check_groups(struct store *s, const struct policy *policy,
					     struct policy_diagnostics *d)
{
	int count = (int)policy_rule_count(policy);

	for (int rule = POLICY_DEFAULT_RULE; rule < count; rule++) {
		struct policy_rule_info info;
		int64_t approvers = 0;
		char message[512];

		policy_rule_describe(policy, rule, &info);
		if (info.outcome != POLICY_REQUIRE)
			continue;
		enum store_status status = store_count_group_approvers(s, info.group, &approvers);
		if (status != STORE_OK)
			return status;
		if (approvers >= info.approvals)
			continue;
		snprintf(message, sizeof message,
			 "group \"%.200s\" has %lld approver%s, fewer than the %d approval%s required, "
			 "so requests routed to it could never be approved", info.group,
			 (long long)approvers, approvers == 1 ? "" : "s", info.approvals,
			 info.approvals == 1 ? "" : "s");
		engine_add_error(d, info.line, message);
	}
	return STORE_OK;
}

/* Lint against the fixed attributes and requester.KEY for every key some principal has. */
static enum store_status engine_lint(struct store *s, const struct policy *policy,
				     struct policy_diagnostics *d)
{
	char **keys;
	size_t key_count;
	enum store_status status = store_principal_attribute_keys(s, &keys, &key_count);

	if (status != STORE_OK)
		return status;

	const char **names = xcalloc(ENGINE_FIXED_COUNT + key_count, sizeof *names);
	size_t count = 0;
	for (size_t i = 0; i < ENGINE_FIXED_COUNT; i++)
		names[count++] = engine_fixed_attributes[i];
	for (size_t i = 0; i < key_count; i++) {
		char *name = NULL;
		if (engine_key_valid(keys[i]) && asprintf(&name, "requester.%s", keys[i]) >= 0)
			names[count++] = name;
	}
	struct policy_schema known = { names, count };
	policy_lint(policy, &known, d);
	for (size_t i = ENGINE_FIXED_COUNT; i < count; i++)
		free((char *)names[i]);
	free(names);
	for (size_t i = 0; i < key_count; i++)
		free(keys[i]);
	free(keys);
	return engine_check_groups(s, policy, d);
}

struct policy *policy_engine_check(struct store *s, const char *source, size_t length,
				   struct policy_diagnostics *diagnostics, enum store_status *status)
{
	struct policy *policy = policy_parse(source, length, diagnostics);

	*status = STORE_OK;
	if (!policy)
		return NULL;
	*status = engine_lint(s, policy, diagnostics);
	if (*status != STORE_OK || diagnostics->error_count > 0) {
		policy_free(policy);
		return NULL;
	}
	return policy;
}

struct policy *policy_engine_load_active(struct store *s, struct stored_policy *meta,
					 enum store_status *status)
{
	struct policy_diagnostics diagnostics;
	struct policy *policy;

	*status = store_active_policy(s, meta);
	if (*status != STORE_OK)
		return NULL;
	policy_diagnostics_init(&diagnostics, "policy");
	policy = policy_parse(meta->source, strlen(meta->source), &diagnostics);
	policy_diagnostics_free(&diagnostics);
	/* Only a policy that parsed was stored; failing now means the database was edited. */
	if (!policy) {
		*status = STORE_ERROR;
		stored_policy_free(meta);
	}
	return policy;
}

json_t *policy_engine_diagnostics_json(const struct policy_diagnostics *diagnostics, size_t limit)
{
	json_t *list = json_array();

	for (size_t i = 0; i < diagnostics->count && i < limit; i++) {
		const struct policy_diagnostic *d = &diagnostics->items[i];

		json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:o}",
						      "line", (json_int_t)d->line,
						      "column", (json_int_t)d->column,
						      "severity", d->severity == POLICY_ERROR ? "error" : "warning",
						      "message", json_string_or_null(d->message)));
	}
	return list;
}

/* Parse stored JSON text, or null when there is none. */
static json_t *engine_stored_json(const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;

	return j ? j : json_null();
}

/*
 * The maximum number of bytes of explanation text served for a request stored before
 * the cap on matching rules, because its text still lists every one of them.
 */
#define ENGINE_OLD_TEXT_MAX 4096

/* Cut text after its last whole line within ENGINE_OLD_TEXT_MAX bytes. */
static void engine_cut_old_text(json_t *explanation)
{
	const char *text = json_string_value(json_object_get(explanation, "explanation"));
	size_t length = 0;

	if (!text || strlen(text) <= ENGINE_OLD_TEXT_MAX)
		return;
	for (size_t i = 0; i < ENGINE_OLD_TEXT_MAX; i++)
		if (text[i] == '\n')
			length = i + 1;
	json_object_set_new(explanation, "explanation", json_stringn(text, length));
}

/*
 * A stored explanation as served: one stored before the cap gets it now, so that
 * every request's matching list is at most POLICY_ENGINE_MATCHING_MAX long.
 */
static json_t *engine_served_explanation(const char *text)
{
	json_t *j = engine_stored_json(text);
	json_t *matching = json_object_get(j, "matching");
	size_t count = json_array_size(matching);

	if (!json_is_array(matching) || json_object_get(j, "matching_count"))
		return j;
	json_object_set_new(j, "matching_count", json_integer((json_int_t)count));
	json_object_set_new(j, "matching_truncated", json_boolean(count > POLICY_ENGINE_MATCHING_MAX));
	if (count > POLICY_ENGINE_MATCHING_MAX) {
		while (json_array_size(matching) > POLICY_ENGINE_MATCHING_MAX)
			json_array_remove(matching, json_array_size(matching) - 1);
		engine_cut_old_text(j);
	}
	return j;
}

json_t *policy_engine_request_json(struct store *s, const struct access_request *r)
{
	struct request_policy p;
	json_t *j;

	if (store_get_request_policy(s, r->id, &p) != STORE_OK)
		return NULL;
	j = request_to_json(r);
	if (!p.decision && !p.attributes_json) {
		json_object_set_new(j, "policy", json_null());
	} else {
		json_object_set_new(j, "policy", json_pack("{s:o, s:o, s:o, s:o, s:o}",
			"decision", json_string_or_null(p.decision),
			"rule", json_string_or_null(p.rule),
			"version", p.version > 0 ? json_integer(p.version) : json_null(),
			"explanation", engine_served_explanation(p.explanation_json),
			"attributes", engine_stored_json(p.attributes_json)));
	}
	request_policy_free(&p);
	return j;
}
