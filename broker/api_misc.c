/* Handlers for /healthz, /v1/me, /v1/resources and /v1/audit. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "broker/audit.h"
#include "broker/authz.h"
#include "broker/routes.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 500

void api_healthz(struct http_exchange *x)
{
	int64_t last_seq;

	if (store_feed_position(x->store, &last_seq) != STORE_OK) {
		exchange_fail(x, 503, "unavailable", "the database does not answer");
		return;
	}
	exchange_respond_json(x, 200, json_pack("{s:s}", "status", "ok"));
}

void api_me(struct http_exchange *x)
{
	static const char *const allowed[] = { NULL };
	json_t *me;

	if (!exchange_check_query(x, allowed))
		return;
	me = principal_to_json(&x->principal);
	json_object_set_new(me, "broker_id", json_string(x->broker->broker_id));
	exchange_respond_json(x, 200, me);
}

void api_list_resources(struct http_exchange *x)
{
	static const char *const allowed[] = { "limit", "cursor", NULL };
	struct resource_route *routes;
	size_t count;
	int64_t limit;
	const char *cursor = exchange_query(x, "cursor");

	if (!exchange_check_query(x, allowed) ||
	    !exchange_query_int(x, "limit", 1, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT, &limit))
		return;
	if (store_list_routes(x->store, cursor, (int)limit, &routes, &count) != STORE_OK) {
		exchange_fail(x, 500, "internal", "listing resources failed");
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < count; i++) {
		json_array_append_new(items, json_pack("{s:s, s:s, s:i, s:I}",
			"id", routes[i].id, "owner_group", routes[i].owner_group,
			"approvals_needed", routes[i].approvals_needed,
			"max_duration_seconds", (json_int_t)routes[i].max_duration_seconds));
	}
	json_t *next = count == (size_t)limit ? json_string(routes[count - 1].id) : json_null();
	for (size_t i = 0; i < count; i++)
		resource_route_free(&routes[i]);
	free(routes);
	exchange_respond_json(x, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

/* Whether the caller may read the audit entries of one object: those who may see the object. */
static bool may_read_object_audit(struct http_exchange *x, const char *kind, int64_t id)
{
	bool visible = false;

	if (kind && strcmp(kind, "request") == 0) {
		struct access_request r;
		if (store_get_request(x->store, id, &r) == STORE_OK) {
			visible = authz_can_see_request(&x->principal, &r);
			access_request_free(&r);
		}
	} else if (kind && strcmp(kind, "grant") == 0) {
		struct grant g;
		if (store_get_grant(x->store, id, &g) == STORE_OK) {
			visible = authz_can_see_grant(&x->principal, &g);
			grant_free(&g);
		}
	}
	return visible;
}

static bool parse_audit_query(struct http_exchange *x, struct audit_query *q)
{
	static const char *const allowed[] = {
		"object", "object_id", "actor", "after", "cursor", "limit", NULL
	};
	int64_t limit;

	/* next_cursor is the last seq of a page, so cursor and after mean the same here. */
	if (!exchange_check_query(x, allowed) ||
	    !exchange_query_int(x, "object_id", 1, INT64_MAX, 0, &q->object_id) ||
	    !exchange_query_int(x, "after", 0, INT64_MAX, 0, &q->after_seq) ||
	    !exchange_query_int(x, "cursor", 0, INT64_MAX, q->after_seq, &q->after_seq) ||
	    !exchange_query_int(x, "limit", 1, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT, &limit))
		return false;
	q->limit = (int)limit;
	q->object_kind = exchange_query(x, "object");
	q->actor = exchange_query(x, "actor");
	if (q->object_kind && strcmp(q->object_kind, "request") != 0 &&
	    strcmp(q->object_kind, "grant") != 0 && strcmp(q->object_kind, "policy") != 0) {
		exchange_fail_field(x, "object", "object must be request, grant or policy");
		return false;
	}
	if (q->object_id && !q->object_kind) {
		exchange_fail_field(x, "object", "object_id needs object=request, grant or policy");
		return false;
	}
	return true;
}

void api_list_audit(struct http_exchange *x)
{
	struct audit_query q = { 0 };
	struct audit_entry *items;
	size_t count;

	if (!parse_audit_query(x, &q))
		return;
	if (!authz_can_read_audit(&x->principal) &&
	    !(q.object_id && !q.actor && may_read_object_audit(x, q.object_kind, q.object_id))) {
		exchange_fail(x, 403, "forbidden",
			      "%s may read the audit trail only of objects it can see, "
			      "with object and object_id", x->principal.id);
		return;
	}
	if (store_list_audit(x->store, &q, &items, &count) != STORE_OK) {
		exchange_fail(x, 500, "internal", "reading the audit trail failed");
		return;
	}
	json_t *next = json_null();
	if (count == (size_t)q.limit) {
		char cursor[24];
		snprintf(cursor, sizeof cursor, "%lld", (long long)items[count - 1].seq);
		next = json_string(cursor);
	}
	json_t *list = json_array();
	for (size_t i = 0; i < count; i++) {
		json_array_append_new(list, audit_entry_to_json(&items[i]));
		audit_entry_free(&items[i]);
	}
	free(items);
	exchange_respond_json(x, 200, json_pack("{s:o, s:o}", "items", list, "next_cursor", next));
}

void api_verify_audit(struct http_exchange *x)
{
	static const char *const allowed[] = { NULL };
	struct audit_verdict verdict;
	bool read_ok;

	if (!exchange_check_query(x, allowed))
		return;
	if (!authz_can_read_audit(&x->principal)) {
		exchange_fail(x, 403, "forbidden", "only admins and auditors may verify the audit trail");
		return;
	}
	/*
	 * A verification reads the whole trail on a pooled connection, so only one runs
	 * at a time: parallel ones would take every connection from other requests.
	 */
	if (pthread_mutex_trylock(&x->broker->verify_lock) != 0) {
		exchange_fail(x, 503, "unavailable",
			      "an audit verification is already running; retry when it finishes");
		return;
	}
	read_ok = store_begin_read(x->store) == STORE_OK && audit_verify(x->store, &verdict) == STORE_OK;
	store_rollback(x->store);
	pthread_mutex_unlock(&x->broker->verify_lock);
	if (!read_ok) {
		exchange_fail(x, 500, "internal", "reading the audit trail failed");
		return;
	}
	json_t *body = json_pack("{s:b, s:I}", "ok", verdict.ok, "entries", (json_int_t)verdict.entries);
	if (!verdict.ok)
		json_object_set_new(body, "first_bad_seq", json_integer(verdict.first_bad_seq));
	exchange_respond_json(x, 200, body);
}
