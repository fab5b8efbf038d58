/* Handlers for /v1/policy: read, publish, lint and simulate the policy that decides new requests. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "broker/authz.h"
#include "broker/broker.h"
#include "broker/policy_engine.h"
#include "broker/routes.h"
#include "common/alloc.h"
#include "policy/simulate.h"

/* The default maximum of changed rows a simulation lists, when the body has no changed_limit. */
#define SIMULATE_CHANGED_DEFAULT 1000

/* Add a member to the problem body that the exchange already holds. */
static void problem_add(struct http_exchange *x, const char *name, json_t *value)
{
	json_t *problem = json_loads(x->response_body, 0, NULL);
	int status = x->status;

	if (!problem) {
		json_decref(value);
		return;
	}
	json_object_set_new(problem, name, value);
	exchange_respond_json(x, status, problem);
	x->problem = true;
}

/* 400 invalid naming field, with the diagnostics of the policy text it holds. */
static void respond_diagnostics(struct http_exchange *x, const char *field,
				const struct policy_diagnostics *d)
{
	const struct policy_diagnostic *first = NULL;

	for (size_t i = 0; i < d->count && !first; i++)
		if (d->items[i].severity == POLICY_ERROR)
			first = &d->items[i];
	exchange_fail_field(x, field, "%s has %zu error%s; the first, at line %u, column %u: %s",
			    field, d->error_count, d->error_count == 1 ? "" : "s",
			    first ? first->line : 0, first ? first->column : 0,
			    first ? first->message : "");
	problem_add(x, "diagnostics", policy_engine_diagnostics_json(d, POLICY_ENGINE_DIAGNOSTICS_MAX));
	problem_add(x, "diagnostics_truncated", json_boolean(d->count > POLICY_ENGINE_DIAGNOSTICS_MAX));
}

static void respond_store_failure(struct http_exchange *x, enum store_status status,
				  const char *what)
{
	struct outcome o;

	outcome_store_failure(&o, status, what);
	exchange_respond_problem(x, &o);
}

void api_get_policy(struct http_exchange *x)
{
	static const char *const allowed[] = { NULL };
	struct stored_policy p;
	enum store_status status;

	if (!exchange_check_query(x, allowed))
		return;
	status = store_active_policy(x->store, &p);
	if (status == STORE_NOT_FOUND) {
		exchange_fail(x, 404, "not_found",
			      "no policy has been published; requests follow their resources' routes");
		return;
	}
	if (status != STORE_OK) {
		respond_store_failure(x, status, "loading the active policy");
		return;
	}
	exchange_set_etag(x, p.version);
	exchange_respond_json(x, 200, policy_engine_version_json(&p));
	stored_policy_free(&p);
}

/* Check If-Match against the active version (0 before the first publish); false sets the response. */
static bool publish_precondition(struct http_exchange *x, int64_t active)
{
	int64_t if_match;

	if (!exchange_header(x, "If-Match")) {
		exchange_fail(x, 428, "precondition_required",
			      "send If-Match with the active policy's version (\"%lld\"), so that a "
			      "publish never overwrites one made meanwhile", (long long)active);
		problem_add(x, "title", json_string("Precondition required"));
		return false;
	}
	if (!exchange_if_match(x, &if_match))
		return false;
	if (if_match == IF_MATCH_WEAK) {
		exchange_fail(x, 412, "stale_version",
			      "If-Match uses the strong comparison, so a weak tag (W/\"...\") never "
			      "matches; send the policy's ETag without W/");
		return false;
	}
	if (if_match != IF_MATCH_ANY && if_match != active) {
		exchange_fail(x, 412, "stale_version",
			      "the active policy is version %lld, not %lld; reload it, apply your "
			      "change to it and publish again", (long long)active, (long long)if_match);
		return false;
	}
	return true;
}

static void publish(struct http_exchange *x, const char *source, int64_t previous)
{
	struct policy_diagnostics diagnostics;
	struct stored_policy published;
	enum store_status status;

	policy_diagnostics_init(&diagnostics, "policy");
	if (policy_engine_publish(x->store, source, x->principal.id, previous, x->now, &diagnostics,
				  &published, &status)) {
		exchange_set_etag(x, published.version);
		exchange_respond_json(x, 200, policy_engine_version_json(&published));
		stored_policy_free(&published);
	} else if (status != STORE_OK) {
		respond_store_failure(x, status, "publishing the policy");
	} else {
		respond_diagnostics(x, "source", &diagnostics);
	}
	policy_diagnostics_free(&diagnostics);
}

void api_put_policy(struct http_exchange *x)
{
	static const char *const fields[] = { "source", NULL };
	struct stored_policy active;
	const char *source;
	int64_t version = 0;
	enum store_status status;

	if (!authz_is_admin(&x->principal)) {
		exchange_fail(x, 403, "forbidden", "only an admin may publish a policy, and %s is not one",
			      x->principal.id);
		return;
	}
	status = store_active_policy(x->store, &active);
	if (status == STORE_OK)
		version = active.version;
	stored_policy_free(&active);
	if (status != STORE_OK && status != STORE_NOT_FOUND) {
		respond_store_failure(x, status, "loading the active policy");
		return;
	}
	if (!publish_precondition(x, version))
		return;

	json_t *body = exchange_body_object(x, fields);
	if (!body)
		return;
	if (exchange_body_string(x, body, "source", true, &source))
		publish(x, source, version);
	json_decref(body);
}

/* The lint's answer: the counts of all diagnostics, and the first POLICY_ENGINE_DIAGNOSTICS_MAX. */
static json_t *lint_json(const struct policy_diagnostics *d)
{
	return json_pack("{s:b, s:I, s:I, s:o, s:b}", "ok", d->error_count == 0,
			 "errors", (json_int_t)d->error_count,
			 "warnings", (json_int_t)(d->count - d->error_count),
			 "diagnostics", policy_engine_diagnostics_json(d, POLICY_ENGINE_DIAGNOSTICS_MAX),
			 "truncated", d->count > POLICY_ENGINE_DIAGNOSTICS_MAX);
}

void api_lint_policy(struct http_exchange *x)
{
	static const char *const fields[] = { "source", NULL };
	struct policy_diagnostics diagnostics;
	enum store_status status;
	const char *source;

	/* Those who may publish or simulate; anyone else has no policy to check. */
	if (!authz_sees_everything(&x->principal)) {
		exchange_fail(x, 403, "forbidden", "only admins, approvers and auditors may lint a "
			      "policy, and %s is none of them", x->principal.id);
		return;
	}
	json_t *body = exchange_body_object(x, fields);
	if (!body)
		return;
	if (!exchange_body_string(x, body, "source", true, &source)) {
		json_decref(body);
		return;
	}
	policy_diagnostics_init(&diagnostics, "policy");
	policy_free(policy_engine_check(x->store, source, strlen(source), &diagnostics, &status));
	if (status != STORE_OK) {
		respond_store_failure(x, status, "linting the policy");
	} else {
		exchange_respond_json(x, 200, lint_json(&diagnostics));
	}
	policy_diagnostics_free(&diagnostics);
	json_decref(body);
}

/* ---- Simulation ---- */

/* Everything a replay reads, loaded once: principals by id and routes by resource. */
struct replay {
	struct policy_history *history;
	struct principal *principals;
	size_t principal_count;
	struct resource_route *routes;
	size_t route_count;
	char error[256];
};

static int compare_principal_id(const void *key, const void *item)
{
	return strcmp(key, ((const struct principal *)item)->id);
}

static int compare_route_id(const void *key, const void *item)
{
	return strcmp(key, ((const struct resource_route *)item)->id);
}

static enum store_status load_routes(struct store *s, struct replay *replay)
{
	const char *after = "";

	for (;;) {
		struct resource_route *page;
		size_t count;
		enum store_status status = store_list_routes(s, after, 500, &page, &count);

		if (status != STORE_OK)
			return status;
		replay->routes = xreallocarray(replay->routes, replay->route_count + count + 1,
					       sizeof *replay->routes);
		memcpy(replay->routes + replay->route_count, page, count * sizeof *page);
		replay->route_count += count;
		free(page);
		if (count < 500)
			return STORE_OK;
		after = replay->routes[replay->route_count - 1].id;
	}
}

/*
 * A request decided before the broker recorded attributes (one from before policies,
 * or seeded by the demo) is replayed with its requester's and resource's attributes
 * as they are now.
 */
static json_t *present_attributes(const struct replay *replay, const struct access_request *r)
{
	const struct principal *p = bsearch(r->requester, replay->principals,
					    replay->principal_count, sizeof *p, compare_principal_id);
	const struct resource_route *route = bsearch(r->resource, replay->routes, replay->route_count,
						     sizeof *route, compare_route_id);
	struct principal unknown = { .id = r->requester };
	struct resource_route gone = {
		.id = r->resource, .owner_group = r->approver_group,
		.approvals_needed = r->approvals_needed,
	};

	return policy_engine_attributes(p ? p : &unknown, route ? route : &gone, r->role, r->reason,
					r->duration_seconds);
}

static bool replay_add(const struct access_request *r, const char *attributes_json, void *context)
{
	struct replay *replay = context;
	json_t *attributes = attributes_json ? json_loads(attributes_json, 0, NULL) : NULL;

	if (!attributes)
		attributes = present_attributes(replay, r);
	bool ok = policy_history_add_request(replay->history, r, attributes, replay->error,
					     sizeof replay->error);
	json_decref(attributes);
	return ok;
}

static void replay_free(struct replay *replay)
{
	for (size_t i = 0; i < replay->principal_count; i++)
		principal_free(&replay->principals[i]);
	free(replay->principals);
	for (size_t i = 0; i < replay->route_count; i++)
		resource_route_free(&replay->routes[i]);
	free(replay->routes);
	policy_history_free(replay->history);
}

/* Read every decided request into replay->history; false sets the response. */
static bool load_history(struct http_exchange *x, struct replay *replay)
{
	enum store_status status = store_list_principals(x->store, &replay->principals,
							 &replay->principal_count);

	if (status == STORE_OK)
		status = load_routes(x->store, replay);
	replay->history = policy_history_new();
	if (status == STORE_OK)
		status = store_each_decided_request(x->store, replay_add, replay);
	if (status != STORE_OK) {
		respond_store_failure(x, status, "reading the request history");
		return false;
	}
	if (replay->error[0]) {
		exchange_fail(x, 500, "internal", "replaying the request history failed: %s",
			      replay->error);
		return false;
	}
	return true;
}

/* Parse and lint one policy of the body; NULL after setting the response. */
static struct policy *simulate_policy(struct http_exchange *x, const char *field, const char *source)
{
	struct policy_diagnostics diagnostics;
	enum store_status status;
	struct policy *policy;

	policy_diagnostics_init(&diagnostics, field);
	policy = policy_engine_check(x->store, source, strlen(source), &diagnostics, &status);
	if (status != STORE_OK)
		respond_store_failure(x, status, "linting the policy");
	else if (!policy)
		respond_diagnostics(x, field, &diagnostics);
	policy_diagnostics_free(&diagnostics);
	return policy;
}

/* The current policy: the body's, else the active one; NULL after setting the response. */
static struct policy *simulate_current(struct http_exchange *x, const char *source)
{
	struct stored_policy meta;
	enum store_status status;
	struct policy *policy;

	if (source)
		return simulate_policy(x, "current", source);
	policy = policy_engine_load_active(x->store, &meta, &status);
	if (status == STORE_NOT_FOUND)
		exchange_fail_field(x, "current", "no policy has been published; send the current "
				    "policy's text as current");
	else if (status != STORE_OK)
		respond_store_failure(x, status, "loading the active policy");
	stored_policy_free(&meta);
	return policy;
}

static void simulate(struct http_exchange *x, struct policy *current, struct policy *proposed,
		     size_t changed_limit)
{
	struct replay replay = { 0 };
	struct policy_simulation simulation;

	/*
	 * A simulation reads every decided request on a pooled connection for seconds,
	 * so only one runs at a time: parallel ones would take every connection.
	 */
	if (pthread_mutex_trylock(&x->broker->simulate_lock) != 0) {
		exchange_fail(x, 503, "unavailable", "a policy simulation is already running; retry "
			      "when it finishes");
		return;
	}
	if (load_history(x, &replay)) {
		policy_simulate(current, proposed, replay.history, &simulation);
		exchange_respond_json(x, 200, policy_simulation_to_json(&simulation, current, proposed,
									replay.history, changed_limit));
		policy_simulation_free(&simulation);
	}
	replay_free(&replay);
	pthread_mutex_unlock(&x->broker->simulate_lock);
}

void api_simulate_policy(struct http_exchange *x)
{
	static const char *const fields[] = { "proposed", "current", "changed_limit", NULL };
	const char *proposed_source, *current_source;
	int64_t changed_limit = SIMULATE_CHANGED_DEFAULT;
	struct policy *current = NULL, *proposed = NULL;

	if (!authz_sees_everything(&x->principal)) {
		exchange_fail(x, 403, "forbidden", "a simulation replays everyone's requests, which %s "
			      "may not see", x->principal.id);
		return;
	}
	json_t *body = exchange_body_object(x, fields);
	if (!body)
		return;
	if (exchange_body_string(x, body, "proposed", true, &proposed_source) &&
	    exchange_body_string(x, body, "current", false, &current_source) &&
	    (!json_object_get(body, "changed_limit") ||
	     exchange_body_int(x, body, "changed_limit", false, &changed_limit))) {
		if (changed_limit < 0)
			exchange_fail_field(x, "changed_limit", "changed_limit must be 0 or more");
		else if ((proposed = simulate_policy(x, "proposed", proposed_source)) &&
			 (current = simulate_current(x, current_source)))
			simulate(x, current, proposed, (size_t)changed_limit);
	}
	policy_free(current);
	policy_free(proposed);
	json_decref(body);
}
