#include "broker/grants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/audit.h"
#include "broker/authz.h"
#include "broker/feed.h"
#include "broker/requests.h"
#include "common/alloc.h"

#define SYSTEM_ACTOR "system"

bool grants_issue(struct store *s, const struct access_request *r, const char *actor, int64_t now,
		  struct grant *out, struct outcome *o)
{
	enum store_status status;

	*out = (struct grant){
		.request_id = r->id,
		.principal = xstrdup(r->requester),
		.resource = xstrdup(r->resource),
		.role = xstrdup(r->role),
		.kind = GRANT_JIT,
		.status = GRANT_ACTIVE,
		.granted_at = now,
		.expires_at = now + r->duration_seconds,
		.reason = r->reason ? xstrdup(r->reason) : NULL,
		.request_reason = r->reason ? xstrdup(r->reason) : NULL,
		.version = 1,
	};
	status = store_insert_grant(s, out);
	if (status == STORE_OK)
		status = feed_publish_grant(s, "grant.created", actor, out, now);
	if (status == STORE_OK)
		status = audit_append(s, actor, "grant.create", "grant", out->id, r->reason, now);
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "issuing the grant");
		return false;
	}
	return true;
}

/* Move an active grant to its final status and record the change. */
static bool close_grant(struct store *s, struct grant *g, enum grant_status final,
			const char *actor, const char *reason, int64_t now, struct outcome *o)
{
	bool revoked = final == GRANT_REVOKED;
	enum store_status status;

	g->status = final;
	g->version++;
	if (revoked) {
		g->revoked_at = now;
		free(g->revoked_by);
		g->revoked_by = xstrdup(actor);
		free(g->reason);
		g->reason = reason ? xstrdup(reason) : NULL;
	}
	status = store_update_grant(s, g);
	if (status == STORE_OK)
		status = feed_publish_grant(s, revoked ? "grant.revoked" : "grant.expired", actor, g, now);
	if (status == STORE_OK)
		status = audit_append(s, actor, revoked ? "grant.revoke" : "grant.expire", "grant",
				      g->id, reason, now);
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "recording a grant change");
		return false;
	}
	return true;
}

static bool valid_reason(const char *reason, struct outcome *o)
{
	if (!requests_reason_given(reason)) {
		outcome_invalid(o, "reason", "a reason is required to revoke, and white space alone "
				"is none");
		return false;
	}
	if (requests_text_length(reason) > GRANT_REASON_MAX) {
		outcome_invalid(o, "reason", "reason must be at most %d characters", GRANT_REASON_MAX);
		return false;
	}
	return true;
}

static bool may_revoke(struct store *s, const struct principal *actor, const struct grant *g,
		       int64_t if_match, struct outcome *o)
{
	struct resource_route route;
	enum store_status status = store_get_route(s, g->resource, &route);
	bool allowed;

	if (status != STORE_OK && status != STORE_NOT_FOUND) {
		outcome_store_failure(o, status, "loading the resource's route");
		return false;
	}
	allowed = authz_can_revoke(actor, g, status == STORE_OK ? route.owner_group : NULL);
	if (status == STORE_OK)
		resource_route_free(&route);
	if (!allowed) {
		outcome_set(o, 403, "forbidden", "%s may not revoke grant %lld on %s", actor->id,
			    (long long)g->id, g->resource);
		return false;
	}
	if (g->status != GRANT_ACTIVE) {
		outcome_set(o, 409, "conflict", "grant %lld is already %s", (long long)g->id,
			    grant_status_name(g->status));
		return false;
	}
	if (!outcome_check_if_match(o, "grant", g->id, g->version, if_match))
		return false;
	return true;
}

void grants_revoke(struct store *s, const struct principal *actor, int64_t id, const char *reason,
		   int64_t if_match, int64_t now, struct grant *out, struct outcome *o)
{
	enum store_status status = store_get_grant(s, id, out);

	outcome_set(o, 200, NULL, "ok");
	if (status == STORE_NOT_FOUND || (status == STORE_OK && !authz_can_see_grant(actor, out))) {
		outcome_set(o, 404, "not_found", "grant %lld not found", (long long)id);
		return;
	}
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "loading the grant");
		return;
	}
	if (!valid_reason(reason, o) || !may_revoke(s, actor, out, if_match, o))
		return;
	close_grant(s, out, GRANT_REVOKED, actor->id, reason, now, o);
}

void grants_revoke_bulk(struct store *s, const struct principal *actor, const struct bulk_revoke *in,
			int64_t now, struct bulk_revoke_result *out, struct outcome *o)
{
	enum store_status status;

	memset(out, 0, sizeof *out);
	outcome_set(o, 200, NULL, "ok");
	if (!authz_is_admin(actor)) {
		outcome_set(o, 403, "forbidden", "bulk revoke is for admins; %s is not one", actor->id);
		return;
	}
	if ((!in->principal || !*in->principal) && (!in->resource || !*in->resource)) {
		outcome_invalid(o, "principal", "give a principal, a resource, or both");
		return;
	}
	if (!valid_reason(in->reason, o))
		return;
	status = store_active_grant_ids(s, in->principal, in->resource, &out->grant_ids, &out->matched);
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "finding the grants to revoke");
		return;
	}
	for (size_t i = 0; !in->dry_run && i < out->matched && outcome_ok(o); i++) {
		struct grant g;
		status = store_get_grant(s, out->grant_ids[i], &g);
		if (status != STORE_OK) {
			outcome_store_failure(o, status, "loading a grant to revoke");
			break;
		}
		if (close_grant(s, &g, GRANT_REVOKED, actor->id, in->reason, now, o))
			out->revoked++;
		grant_free(&g);
	}
}

void grants_expire_due(struct store *s, int64_t now, size_t *count, struct outcome *o)
{
	int64_t *ids;
	size_t n;
	enum store_status status = store_due_grants(s, now, &ids, &n);

	*count = 0;
	outcome_set(o, 200, NULL, "ok");
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "finding grants to expire");
		return;
	}
	for (size_t i = 0; i < n && outcome_ok(o); i++) {
		struct grant g;
		status = store_get_grant(s, ids[i], &g);
		if (status != STORE_OK) {
			outcome_store_failure(o, status, "loading a grant to expire");
			break;
		}
		if (close_grant(s, &g, GRANT_EXPIRED, SYSTEM_ACTOR, NULL, now, o))
			(*count)++;
		grant_free(&g);
	}
	free(ids);
}
