/* Handlers for /v1/grants. */

#include <stdlib.h>

#include "api/json.h"
#include "broker/authz.h"
#include "broker/grants.h"
#include "broker/list_pages.h"
#include "broker/routes.h"
#include "common/strbuf.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 500

static bool parse_grant_filters(struct http_exchange *x, struct grant_query *q)
{
	const char *status = exchange_query(x, "status");
	const char *kind = exchange_query(x, "kind");
	enum grant_status s;
	enum grant_kind k;

	q->status = -1;
	q->kind = -1;
	if (status) {
		if (!grant_status_parse(status, &s)) {
			exchange_fail_field(x, "status", "status must be active, expired or revoked");
			return false;
		}
		q->status = (int)s;
	}
	if (kind) {
		if (!grant_kind_parse(kind, &k)) {
			exchange_fail_field(x, "kind", "kind must be jit or standing");
			return false;
		}
		q->kind = (int)k;
	}
	q->principal = exchange_query(x, "principal");
	q->resource = exchange_query(x, "resource");
	return true;
}

/* Read a page of grants and serialize the listing's body; a list_pages_loader. */
static enum store_status load_grant_page(struct store *s, const void *query, int64_t last_seq,
					 char **body)
{
	const struct grant_query *q = query;
	struct grant *items;
	size_t count;
	enum store_status status = store_list_grants(s, q, &items, &count);

	if (status != STORE_OK)
		return status;
	int64_t last_id = count ? items[count - 1].id : 0;
	json_t *list = json_array();
	for (size_t i = 0; i < count; i++) {
		json_array_append_new(list, grant_to_json(&items[i]));
		grant_free(&items[i]);
	}
	free(items);
	json_t *page = json_pack("{s:o, s:o, s:I}", "items", list, "next_cursor",
				 exchange_next_cursor(count, q->limit, last_id),
				 "last_seq", (json_int_t)last_seq);
	*body = json_dumps(page, JSON_COMPACT);
	json_decref(page);
	return *body ? STORE_OK : STORE_ERROR;
}

void api_list_grants(struct http_exchange *x)
{
	static const char *const allowed[] = {
		"status", "kind", "principal", "resource", "limit", "cursor", NULL
	};
	struct grant_query q = { 0 };
	const char *scope = NULL; /* NULL: everything; else the only holder the caller may see */
	int64_t limit;

	if (!exchange_check_query(x, allowed) || !parse_grant_filters(x, &q) ||
	    !exchange_query_int(x, "limit", 1, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT, &limit) ||
	    !exchange_cursor(x, &q.before_id))
		return;
	q.limit = (int)limit;
	if (!authz_sees_everything(&x->principal))
		q.principal = scope = x->principal.id;

	struct strbuf key = STRBUF_INIT;
	strbuf_printf(&key, "grants %d %d %lld %d ", q.status, q.kind, (long long)q.before_id,
		      q.limit);
	list_pages_key_text(&key, scope);
	list_pages_key_text(&key, q.principal);
	list_pages_key_text(&key, q.resource);
	list_pages_respond(x, strbuf_str(&key), load_grant_page, &q, "listing grants");
	strbuf_free(&key);
}

void api_get_grant(struct http_exchange *x)
{
	static const char *const allowed[] = { NULL };
	struct grant g;
	enum store_status status;

	if (!exchange_check_query(x, allowed))
		return;
	status = store_get_grant(x->store, x->path_id, &g);
	if (status == STORE_OK && authz_can_see_grant(&x->principal, &g)) {
		exchange_set_etag(x, g.version);
		exchange_respond_json(x, 200, grant_to_json(&g));
	} else if (status == STORE_OK || status == STORE_NOT_FOUND) {
		exchange_fail(x, 404, "not_found", "grant %lld not found", (long long)x->path_id);
	} else {
		exchange_fail(x, 500, "internal", "loading grant %lld failed", (long long)x->path_id);
	}
	if (status == STORE_OK)
		grant_free(&g);
}

void api_revoke_grant(struct http_exchange *x)
{
	static const char *const fields[] = { "reason", NULL };
	const char *reason;
	int64_t if_match;
	struct grant g;
	struct outcome o;
	json_t *body;

	if (!exchange_if_match(x, &if_match))
		return;
	body = exchange_body_object(x, fields);
	if (!body)
		return;
	if (exchange_body_string(x, body, "reason", true, &reason)) {
		grants_revoke(x->store, &x->principal, x->path_id, reason, if_match, x->now, &g, &o);
		if (outcome_ok(&o)) {
			exchange_set_etag(x, g.version);
			exchange_respond_json(x, 200, grant_to_json(&g));
		} else {
			exchange_respond_problem(x, &o);
		}
		grant_free(&g);
	}
	json_decref(body);
}

void api_bulk_revoke(struct http_exchange *x)
{
	static const char *const fields[] = { "principal", "resource", "reason", "dry_run", NULL };
	struct bulk_revoke in = { 0 };
	struct bulk_revoke_result result;
	struct outcome o;
	json_t *body = exchange_body_object(x, fields);

	if (!body)
		return;
	if (exchange_body_string(x, body, "principal", false, &in.principal) &&
	    exchange_body_string(x, body, "resource", false, &in.resource) &&
	    exchange_body_string(x, body, "reason", true, &in.reason) &&
	    exchange_body_bool(x, body, "dry_run", &in.dry_run)) {
		grants_revoke_bulk(x->store, &x->principal, &in, x->now, &result, &o);
		if (outcome_ok(&o)) {
			json_t *ids = json_array();
			for (size_t i = 0; i < result.matched; i++)
				json_array_append_new(ids, json_integer(result.grant_ids[i]));
			exchange_respond_json(x, 200, json_pack("{s:I, s:I, s:o, s:b}",
				"revoked", (json_int_t)result.revoked,
				"matched", (json_int_t)result.matched,
				"grant_ids", ids, "dry_run", in.dry_run));
		} else {
			exchange_respond_problem(x, &o);
		}
		free(result.grant_ids);
	}
	json_decref(body);
}
