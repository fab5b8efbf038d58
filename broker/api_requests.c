/* Handlers for /v1/requests. */

#include <stdio.h>
#include <stdlib.h>

#include "api/json.h"
#include "broker/authz.h"
#include "broker/list_pages.h"
#include "broker/policy_engine.h"
#include "broker/requests.h"
#include "broker/routes.h"
#include "common/strbuf.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 500

static bool parse_status_filter(struct http_exchange *x, int *status)
{
	const char *v = exchange_query(x, "status");
	enum request_status parsed;

	*status = -1;
	if (!v)
		return true;
	if (request_status_parse(v, &parsed)) {
		*status = (int)parsed;
		return true;
	}
	exchange_fail_field(x, "status", "status must be pending, approved, denied, canceled or expired");
	return false;
}

/* Read a page of requests and serialize the listing's body; a list_pages_loader. */
static enum store_status load_request_page(struct store *s, const void *query, int64_t last_seq,
					   char **body)
{
	const struct request_query *q = query;
	struct access_request *items;
	size_t count;
	enum store_status status = store_list_requests(s, q, &items, &count);

	if (status != STORE_OK)
		return status;
	int64_t last_id = count ? items[count - 1].id : 0;
	json_t *list = json_array();
	for (size_t i = 0; i < count; i++) {
		/* NOTE: one indexed lookup of the policy record per item; the page cache serves repeats. */
		json_t *item = status == STORE_OK ? policy_engine_request_json(s, &items[i]) : NULL;
		if (item)
			json_array_append_new(list, item);
		else
			status = STORE_ERROR;
		access_request_free(&items[i]);
	}
	free(items);
	if (status != STORE_OK) {
		json_decref(list);
		return status;
	}
	json_t *page = json_pack("{s:o, s:o, s:I}", "items", list, "next_cursor",
				 exchange_next_cursor(count, q->limit, last_id),
				 "last_seq", (json_int_t)last_seq);
	*body = json_dumps(page, JSON_COMPACT);
	json_decref(page);
	return *body ? STORE_OK : STORE_ERROR;
}

void api_list_requests(struct http_exchange *x)
{
	static const char *const allowed[] = { "status", "requester", "resource", "limit", "cursor", NULL };
	struct request_query q = { 0 };
	const char *scope = NULL; /* NULL: everything; else the only requester the caller may see */
	int64_t limit;

	if (!exchange_check_query(x, allowed) || !parse_status_filter(x, &q.status) ||
	    !exchange_query_int(x, "limit", 1, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT, &limit) ||
	    !exchange_cursor(x, &q.before_id))
		return;
	q.limit = (int)limit;
	q.requester = exchange_query(x, "requester");
	q.resource = exchange_query(x, "resource");
	if (!authz_sees_everything(&x->principal))
		q.requester = scope = x->principal.id; /* requesters see only their own */

	struct strbuf key = STRBUF_INIT;
	strbuf_printf(&key, "requests %d %lld %d ", q.status, (long long)q.before_id, q.limit);
	list_pages_key_text(&key, scope);
	list_pages_key_text(&key, q.requester);
	list_pages_key_text(&key, q.resource);
	list_pages_respond(x, strbuf_str(&key), load_request_page, &q, "listing requests");
	strbuf_free(&key);
}

/* Respond with a request and its policy record, its ETag and the given status. */
static void respond_request(struct http_exchange *x, int status, const struct access_request *r)
{
	json_t *body = policy_engine_request_json(x->store, r);

	if (!body) {
		exchange_fail(x, 500, "internal", "loading the policy decision of request %lld failed",
			      (long long)r->id);
		return;
	}
	exchange_set_etag(x, r->version);
	exchange_respond_json(x, status, body);
}

void api_get_request(struct http_exchange *x)
{
	static const char *const allowed[] = { NULL };
	struct access_request r;
	enum store_status status;

	if (!exchange_check_query(x, allowed))
		return;
	status = store_get_request(x->store, x->path_id, &r);
	if (status == STORE_OK && authz_can_see_request(&x->principal, &r))
		respond_request(x, 200, &r);
	else if (status == STORE_OK || status == STORE_NOT_FOUND)
		exchange_fail(x, 404, "not_found", "request %lld not found", (long long)x->path_id);
	else
		exchange_fail(x, 500, "internal", "loading request %lld failed", (long long)x->path_id);
	if (status == STORE_OK)
		access_request_free(&r);
}

void api_create_request(struct http_exchange *x)
{
	static const char *const fields[] = { "resource", "role", "reason", "duration_seconds", NULL };
	struct new_request in = { 0 };
	struct access_request r;
	struct outcome o;
	json_t *body = exchange_body_object(x, fields);

	if (!body)
		return;
	if (exchange_body_string(x, body, "resource", true, &in.resource) &&
	    exchange_body_string(x, body, "role", true, &in.role) &&
	    exchange_body_string(x, body, "reason", false, &in.reason) &&
	    exchange_body_int(x, body, "duration_seconds", true, &in.duration_seconds)) {
		requests_create(x->store, &x->principal, &in, x->broker->config.pending_ttl, x->now,
				&r, &o);
		if (outcome_ok(&o)) {
			snprintf(x->location, sizeof x->location, "/v1/requests/%lld", (long long)r.id);
			respond_request(x, 201, &r);
		} else {
			exchange_respond_problem(x, &o);
		}
		access_request_free(&r);
	}
	json_decref(body);
}

static void decide(struct http_exchange *x, enum decision decision)
{
	static const char *const fields[] = { "reason", NULL };
	const char *reason;
	int64_t if_match;
	struct access_request r;
	struct outcome o;
	json_t *body;

	if (!exchange_if_match(x, &if_match))
		return;
	body = exchange_body_object(x, fields);
	if (!body)
		return;
	if (exchange_body_string(x, body, "reason", false, &reason)) {
		requests_decide(x->store, &x->principal, x->path_id, decision, reason, if_match,
				x->now, &r, &o);
		if (outcome_ok(&o))
			respond_request(x, 200, &r);
		else
			exchange_respond_problem(x, &o);
		access_request_free(&r);
	}
	json_decref(body);
}

void api_approve_request(struct http_exchange *x)
{
	decide(x, DECISION_APPROVE);
}

void api_deny_request(struct http_exchange *x)
{
	decide(x, DECISION_DENY);
}

void api_cancel_request(struct http_exchange *x)
{
	decide(x, DECISION_CANCEL);
}
