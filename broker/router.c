/*
 * Request routing: match the path, authenticate the caller, and run the handler,
 * wrapping writes in one transaction together with their idempotency record.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "broker/auth.h"
#include "broker/routes.h"
#include "common/alloc.h"
#include "common/crypto.h"

enum route_flags {
	ROUTE_PUBLIC = 1,  /* no token needed */
	ROUTE_WRITE = 2,   /* runs in a write transaction; honours Idempotency-Key */
	ROUTE_OWN_STORE = 4, /* the handler borrows and returns connections itself */
	ROUTE_READ_BODY = 8, /* takes a JSON body but changes nothing: no transaction, no Idempotency-Key */
};

struct route {
	const char *method;
	const char *pattern;  /* path segments; "{id}" matches a positive integer */
	unsigned flags;
	void (*handler)(struct http_exchange *x);
};

static const struct route routes[] = {
	{ "GET", "/healthz", ROUTE_PUBLIC, api_healthz },
	{ "GET", "/v1/me", 0, api_me },
	{ "GET", "/v1/resources", 0, api_list_resources },
	{ "GET", "/v1/requests", 0, api_list_requests },
	{ "POST", "/v1/requests", ROUTE_WRITE, api_create_request },
	{ "GET", "/v1/requests/{id}", 0, api_get_request },
	{ "POST", "/v1/requests/{id}/approve", ROUTE_WRITE, api_approve_request },
	{ "POST", "/v1/requests/{id}/deny", ROUTE_WRITE, api_deny_request },
	{ "POST", "/v1/requests/{id}/cancel", ROUTE_WRITE, api_cancel_request },
	{ "GET", "/v1/grants", 0, api_list_grants },
	{ "POST", "/v1/grants/revoke", ROUTE_WRITE, api_bulk_revoke },
	{ "GET", "/v1/grants/{id}", 0, api_get_grant },
	{ "POST", "/v1/grants/{id}/revoke", ROUTE_WRITE, api_revoke_grant },
	{ "GET", "/v1/events", ROUTE_OWN_STORE, api_events },
	{ "GET", "/v1/audit", 0, api_list_audit },
	{ "GET", "/v1/audit/verify", 0, api_verify_audit },
	{ "GET", "/v1/metrics", 0, api_metrics },
	{ "GET", "/v1/policy", 0, api_get_policy },
	{ "PUT", "/v1/policy", ROUTE_WRITE, api_put_policy },
	{ "POST", "/v1/policy/lint", ROUTE_READ_BODY, api_lint_policy },
	{ "POST", "/v1/policy/simulate", ROUTE_READ_BODY, api_simulate_policy },
};

#define ROUTE_COUNT (sizeof routes / sizeof routes[0])

/* Match one segment of a pattern; "{id}" takes a positive decimal integer. */
static bool match_segment(const char *pattern, size_t plen, const char *seg, size_t slen,
			  int64_t *id)
{
	if (plen == 4 && memcmp(pattern, "{id}", 4) == 0) {
		int64_t v = 0;
		if (slen == 0 || slen > 15 || seg[0] == '0')
			return false;
		for (size_t i = 0; i < slen; i++) {
			if (seg[i] < '0' || seg[i] > '9')
				return false;
			v = v * 10 + (seg[i] - '0');
		}
		*id = v;
		return true;
	}
	return plen == slen && memcmp(pattern, seg, slen) == 0;
}

static bool match_path(const char *pattern, const char *path, int64_t *id)
{
	while (*pattern == '/' && *path == '/') {
		pattern++;
		path++;
		size_t plen = strcspn(pattern, "/");
		size_t slen = strcspn(path, "/");
		if (!match_segment(pattern, plen, path, slen, id))
			return false;
		pattern += plen;
		path += slen;
	}
	return *pattern == '\0' && *path == '\0';
}

/* Find the route; NULL with *path_known set when only the method is wrong. */
static const struct route *find_route(struct http_exchange *x, bool *path_known, char *allow,
				      size_t allow_size)
{
	const struct route *found = NULL;

	*path_known = false;
	allow[0] = '\0';
	for (size_t i = 0; i < ROUTE_COUNT; i++) {
		int64_t id = 0;
		if (!match_path(routes[i].pattern, x->path, &id))
			continue;
		*path_known = true;
		size_t used = strlen(allow);
		snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "", routes[i].method);
		if (!found && strcmp(routes[i].method, x->method) == 0) {
			found = &routes[i];
			x->path_id = id;
		}
	}
	return found;
}

static bool valid_idempotency_key(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return false;
	return true;
}

/*
 * The body is always parsed as JSON. Besides application/json, a missing type and
 * curl's default for -d (application/x-www-form-urlencoded) are accepted, so that
 * a quick curl works; any other declared type is rejected rather than misread.
 */
static bool is_json_content_type(const char *value)
{
	static const char *const accepted[] = {
		"application/json", "application/x-www-form-urlencoded",
	};
	size_t n;

	if (!value)
		return true;
	n = strcspn(value, ";");
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
		if (n == strlen(accepted[i]) && strncasecmp(value, accepted[i], n) == 0)
			return true;
	return false;
}

/* What makes two writes "the same" for an idempotency key: method, path and body. */
static void write_fingerprint(struct http_exchange *x, char out[SHA256_HEX_LEN])
{
	size_t mlen = strlen(x->method), plen = strlen(x->path);
	size_t n = mlen + plen + x->body_length + 2;
	char *text = xmalloc(n);

	memcpy(text, x->method, mlen);
	text[mlen] = '\n';
	memcpy(text + mlen + 1, x->path, plen);
	text[mlen + 1 + plen] = '\n';
	if (x->body_length)
		memcpy(text + mlen + plen + 2, x->body, x->body_length);
	sha256_hex(text, n, out);
	free(text);
}

static void replay(struct http_exchange *x, struct idempotent_record *rec)
{
	free(x->response_body);
	x->response_body = rec->body;
	rec->body = NULL;
	x->status = rec->status;
	x->problem = false;
	x->replayed = true;
	snprintf(x->etag, sizeof x->etag, "%s", rec->etag ? rec->etag : "");
	snprintf(x->location, sizeof x->location, "%s", rec->location ? rec->location : "");
}

/* Look the key up inside the write transaction; true when the response is already set. */
static bool answer_from_key(struct http_exchange *x, const char *key, const char *fingerprint)
{
	struct idempotent_record rec;
	enum store_status status = store_get_idempotent(x->store, x->principal.id, key, &rec);

	if (status == STORE_NOT_FOUND)
		return false;
	if (status != STORE_OK) {
		struct outcome o;
		outcome_store_failure(&o, status, "checking the idempotency key");
		exchange_respond_problem(x, &o);
		return true;
	}
	if (strcmp(rec.fingerprint, fingerprint) == 0)
		replay(x, &rec);
	else
		exchange_fail(x, 422, "idempotency_key_reused",
			      "Idempotency-Key was first used for another request; use a new key");
	idempotent_record_free(&rec);
	return true;
}

static enum store_status remember_answer(struct http_exchange *x, const char *key,
					 const char *fingerprint)
{
	struct idempotent_record rec = {
		.fingerprint = (char *)fingerprint,
		.status = x->status,
		.body = x->response_body,
		.etag = x->etag[0] ? x->etag : NULL,
		.location = x->location[0] ? x->location : NULL,
	};

	return store_put_idempotent(x->store, x->principal.id, key, &rec, x->now);
}

/* Replace the response with a store failure; headers set for the object that was not saved go too. */
static void fail_write(struct http_exchange *x, enum store_status status, const char *operation)
{
	struct outcome o;

	x->etag[0] = '\0';
	x->location[0] = '\0';
	x->replayed = false;
	outcome_store_failure(&o, status, operation);
	exchange_respond_problem(x, &o);
}

/*
 * Run the handler inside the write and record its response for the idempotency key.
 * Returns whether to keep what the handler wrote.
 */
static bool write_and_remember(struct http_exchange *x, const struct route *route, const char *key)
{
	char fingerprint[SHA256_HEX_LEN];
	enum store_status status = STORE_OK;

	if (key) {
		write_fingerprint(x, fingerprint);
		if (answer_from_key(x, key, fingerprint))
			return false;
	}
	route->handler(x);
	if (x->status >= 400)
		return false; /* a failed write keeps nothing, key included */
	if (key)
		status = remember_answer(x, key, fingerprint);
	/*
	 * Trim the feed to --event-retention events in each API write, so that an expired cursor
	 * gets 410 at once. The reaper's own changes wait for its pruning once a minute.
	 */
	if (status == STORE_OK)
		status = store_prune_events(x->store, x->broker->config.event_retention);
	if (status != STORE_OK) {
		fail_write(x, status, "committing the change");
		return false;
	}
	return true;
}

/* The checks every route with a body makes before its handler; false sets the response. */
static bool check_body_request(struct http_exchange *x)
{
	static const char *const no_query[] = { NULL };

	if (!exchange_check_query(x, no_query))
		return false;
	if (x->body_length > 0 && !is_json_content_type(exchange_header(x, "Content-Type"))) {
		exchange_fail(x, 415, "unsupported_media_type", "send the body as application/json");
		return false;
	}
	return true;
}

/*
 * Run a write in the pool's write group (see store_sqlite_pool.c). The handler uses
 * the group's connection, and its response is final only once the group has committed.
 * The connection borrowed to authenticate goes back to the pool first, so that
 * other requests can use it, and join the group, while this one waits.
 */
static void run_write(struct http_exchange *x, const struct route *route)
{
	const char *key = exchange_header(x, "Idempotency-Key");
	struct store_pool *pool = x->broker->pool;
	enum store_status status;

	if (!check_body_request(x))
		return;
	if (key && !valid_idempotency_key(key)) {
		exchange_fail_field(x, "Idempotency-Key",
				    "Idempotency-Key must be 1 to 255 printable ASCII characters");
		return;
	}
	store_pool_release(pool, x->store);
	x->store = store_pool_begin_write(pool, &status);
	if (!x->store) {
		fail_write(x, status, "starting a write");
		return;
	}
	bool keep = write_and_remember(x, route, key);
	status = store_pool_end_write(pool, x->store, keep);
	x->store = NULL;
	if (status != STORE_OK)
		fail_write(x, status, "committing the change");
	else if (keep)
		broker_signal_change(x->broker);
}

void router_dispatch(struct http_exchange *x)
{
	char allow[64];
	bool path_known;
	const struct route *route = find_route(x, &path_known, allow, sizeof allow);

	if (!route) {
		if (path_known) {
			exchange_fail(x, 405, "method_not_allowed", "%s is not allowed here; use %s",
				      x->method, allow);
			snprintf(x->allow, sizeof x->allow, "%s", allow);
		} else {
			exchange_fail(x, 404, "not_found", "no such path");
		}
		return;
	}
	if (!(route->flags & ROUTE_OWN_STORE) && !(x->store = exchange_acquire_store(x)))
		return;
	if (!(route->flags & ROUTE_PUBLIC) && !auth_authenticate(x))
		goto done;
	if (route->flags & ROUTE_WRITE)
		run_write(x, route);
	else if (!(route->flags & ROUTE_READ_BODY) || check_body_request(x))
		route->handler(x);
done:
	if (x->store && !(route->flags & ROUTE_OWN_STORE)) {
		store_pool_release(x->broker->pool, x->store);
		x->store = NULL;
	}
}
