#include "broker/requests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/audit.h"
#include "broker/authz.h"
#include "broker/feed.h"
#include "broker/grants.h"
#include "broker/policy_engine.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* The principal recorded for changes the broker makes on its own (expiry, auto-approval). */
#define SYSTEM_ACTOR "system"

size_t requests_text_length(const char *text)
{
	size_t count = 0;

	for (const unsigned char *p = (const unsigned char *)text; p && *p; p++)
		if ((*p & 0xc0) != 0x80) /* not a continuation byte */
			count++;
	return count;
}

bool requests_reason_given(const char *reason)
{
	for (const char *p = reason; p && *p; p++)
		if (!strchr(" \t\n\v\f\r", *p))
			return true;
	return false;
}

static bool text_length_ok(const char *s, size_t max)
{
	size_t n = requests_text_length(s);

	return n >= 1 && n <= max;
}

/*
 * Check the fields of a new request. A reason is required unless a published
 * policy decides the request and does not ask for one.
 */
static bool validate_new_request(const struct new_request *in, const struct resource_route *route,
				 bool reason_optional, struct outcome *o)
{
	if (!text_length_ok(in->role, REQUEST_ROLE_MAX)) {
		outcome_invalid(o, "role", "role must be 1 to %d characters", REQUEST_ROLE_MAX);
		return false;
	}
	if (requests_text_length(in->reason) > REQUEST_REASON_MAX ||
	    (!reason_optional && !requests_reason_given(in->reason))) {
		outcome_invalid(o, "reason", "reason must be %d to %d characters%s",
				reason_optional ? 0 : 1, REQUEST_REASON_MAX,
				reason_optional ? "" : ", not all white space");
		return false;
	}
	if (in->duration_seconds < REQUEST_MIN_DURATION ||
	    in->duration_seconds > route->max_duration_seconds) {
		outcome_invalid(o, "duration_seconds",
				"duration_seconds must be from %d to %lld for resource %s",
				REQUEST_MIN_DURATION, (long long)route->max_duration_seconds,
				route->id);
		return false;
	}
	return true;
}

/* Write the request's changes, then publish the event and audit entry that describe them. */
static bool record_change(struct store *s, struct access_request *r, const char *event,
			  const char *action, const char *actor, const char *reason, int64_t now,
			  struct outcome *o)
{
	enum store_status status = store_update_request(s, r);

	if (status == STORE_OK)
		status = feed_publish_request(s, event, actor, r, now);
	if (status == STORE_OK)
		status = audit_append(s, actor, action, "request", r->id, reason, now);
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "recording a request change");
		return false;
	}
	return true;
}

/* Mark r approved and issue its grant. */
static bool complete_approval(struct store *s, struct access_request *r, const char *actor,
			      const char *reason, int64_t now, struct outcome *o)
{
	struct grant g;

	r->status = REQUEST_APPROVED;
	r->decided_at = now;
	free(r->decided_by);
	r->decided_by = xstrdup(actor);
	free(r->decision_reason);
	r->decision_reason = reason ? xstrdup(reason) : NULL;
	if (!grants_issue(s, r, actor, now, &g, o))
		return false;
	r->grant_id = g.id;
	grant_free(&g);
	return true;
}

static void apply_closing(struct store *s, struct access_request *r, enum request_status status,
			  const char *actor, const char *reason, int64_t now, struct outcome *o)
{
	static const char *const events[] = {
		[REQUEST_DENIED] = "request.denied",
		[REQUEST_CANCELED] = "request.canceled",
		[REQUEST_EXPIRED] = "request.expired",
	};
	static const char *const actions[] = {
		[REQUEST_DENIED] = "request.deny",
		[REQUEST_CANCELED] = "request.cancel",
		[REQUEST_EXPIRED] = "request.expire",
	};

	r->status = status;
	r->decided_at = now;
	free(r->decided_by);
	r->decided_by = xstrdup(actor);
	free(r->decision_reason);
	r->decision_reason = reason && *reason ? xstrdup(reason) : NULL;
	record_change(s, r, events[status], actions[status], actor, r->decision_reason, now, o);
}

/* The decision on a new request: the active policy's, or, with none published, its route's. */
struct routing {
	struct policy *policy;          /* NULL: no policy is published */
	struct stored_policy meta;
	json_t *attributes;
	struct policy_decision decision;
	json_t *explanation;
};

static void routing_free(struct routing *r)
{
	policy_free(r->policy);
	stored_policy_free(&r->meta);
	json_decref(r->attributes);
	json_decref(r->explanation);
}

/* The requester as stored, with attributes and groups; the actor itself when it is not stored. */
static bool load_requester(struct store *s, const struct principal *actor, struct principal *out,
			   struct outcome *o)
{
	enum store_status status = store_get_principal(s, actor->id, out);

	if (status == STORE_NOT_FOUND) {
		*out = (struct principal){ .id = xstrdup(actor->id), .roles = actor->roles };
		return true;
	}
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "loading the requester");
		return false;
	}
	return true;
}

static bool load_policy(struct store *s, struct routing *routing, struct outcome *o)
{
	enum store_status status;

	routing->policy = policy_engine_load_active(s, &routing->meta, &status);
	if (status == STORE_OK || status == STORE_NOT_FOUND)
		return true;
	outcome_store_failure(o, status, "loading the active policy");
	return false;
}

/* Decide with the policy, and enforce its "reason required". */
static bool decide_by_policy(struct routing *routing, const struct new_request *in, int64_t now,
			     struct outcome *o)
{
	policy_engine_decide(routing->policy, routing->attributes, now, &routing->decision,
			     &routing->explanation);
	if (routing->decision.reason_required && !requests_reason_given(in->reason)) {
		struct strbuf rule = STRBUF_INIT;
		policy_describe_outcome(routing->policy, routing->decision.rule, &rule);
		outcome_invalid(o, "reason", "reason is missing, and the policy requires one for "
				"this request (decision: %s)", strbuf_str(&rule));
		strbuf_free(&rule);
		return false;
	}
	return true;
}

/* Fill out from the request and its route, then let the policy's decision override the routing. */
static void make_request(const struct principal *actor, const struct new_request *in,
			 const struct resource_route *route, const struct routing *routing,
			 int64_t pending_ttl, int64_t now, struct access_request *out)
{
	const struct policy_decision *d = &routing->decision;

	*out = (struct access_request){
		.status = REQUEST_PENDING,
		.requester = xstrdup(actor->id),
		.resource = xstrdup(in->resource),
		.role = xstrdup(in->role),
		.reason = xstrdup(in->reason ? in->reason : ""),
		.duration_seconds = in->duration_seconds,
		.created_at = now,
		.expires_at = now + pending_ttl,
		.approvals_needed = route->approvals_needed,
		.approver_group = xstrdup(route->owner_group),
		.version = 1,
	};
	if (!routing->policy)
		return;
	if (d->max_seconds > 0 && out->duration_seconds > d->max_seconds)
		out->duration_seconds = d->max_seconds;
	if (d->outcome == POLICY_REQUIRE) {
		out->approvals_needed = d->approvals;
		free(out->approver_group);
		out->approver_group = xstrdup(d->group);
	} else {
		out->approvals_needed = 0;
	}
}

static enum store_status record_routing(struct store *s, int64_t request_id,
					const struct routing *routing)
{
	struct request_policy p = { 0 };
	struct policy_rule_info rule;
	enum store_status status;

	p.attributes_json = json_dumps(routing->attributes, JSON_COMPACT | JSON_SORT_KEYS);
	if (routing->policy) {
		policy_rule_describe(routing->policy, routing->decision.rule, &rule);
		p.decision = (char *)policy_outcome_name(routing->decision.outcome);
		p.rule = (char *)rule.name;
		p.explanation_json = json_dumps(routing->explanation, JSON_COMPACT);
		p.version = routing->meta.version;
	}
	status = p.attributes_json ? store_set_request_policy(s, request_id, &p) : STORE_ERROR;
	free(p.attributes_json);
	free(p.explanation_json);
	return status;
}

/* "rule \"NAME\"" or "the default", for the reasons the broker writes. */
static void deciding_rule_text(const struct routing *routing, char *out, size_t size)
{
	struct policy_rule_info rule;

	policy_rule_describe(routing->policy, routing->decision.rule, &rule);
	if (rule.name)
		snprintf(out, size, "rule \"%.200s\"", rule.name);
	else
		snprintf(out, size, "the default");
}

/* Apply an allow or a deny at once; a require (or a route) leaves the request pending. */
static void settle_new_request(struct store *s, struct access_request *r,
			       const struct routing *routing, int64_t now, struct outcome *o)
{
	char reason[320], rule[256];

	if (routing->policy && routing->decision.outcome == POLICY_DENY) {
		r->version++;
		apply_closing(s, r, REQUEST_DENIED, SYSTEM_ACTOR, routing->decision.message, now, o);
		return;
	}
	if (r->approvals_needed > 0)
		return;
	if (routing->policy) {
		deciding_rule_text(routing, rule, sizeof rule);
		snprintf(reason, sizeof reason, "allowed by policy version %lld, %s",
			 (long long)routing->meta.version, rule);
	} else {
		snprintf(reason, sizeof reason, "the route needs no approval");
	}
	r->version++;
	if (complete_approval(s, r, SYSTEM_ACTOR, reason, now, o))
		record_change(s, r, "request.approved", "request.approve", SYSTEM_ACTOR,
			      r->decision_reason, now, o);
}

static void create_routed(struct store *s, const struct principal *actor,
			  const struct new_request *in, const struct resource_route *route,
			  struct routing *routing, int64_t pending_ttl, int64_t now,
			  struct access_request *out, struct outcome *o)
{
	struct principal requester;
	enum store_status status;

	if (!load_requester(s, actor, &requester, o))
		return;
	routing->attributes = policy_engine_attributes(&requester, route, in->role, in->reason,
						       in->duration_seconds);
	principal_free(&requester);
	if (routing->policy && !decide_by_policy(routing, in, now, o))
		return;
	make_request(actor, in, route, routing, pending_ttl, now, out);
	status = store_insert_request(s, out);
	if (status == STORE_OK)
		status = record_routing(s, out->id, routing);
	if (status == STORE_OK)
		status = feed_publish_request(s, "request.created", actor->id, out, now);
	if (status == STORE_OK)
		status = audit_append(s, actor->id, "request.create", "request", out->id, out->reason, now);
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "saving the request");
		return;
	}
	settle_new_request(s, out, routing, now, o);
}

void requests_create(struct store *s, const struct principal *actor, const struct new_request *in,
		     int64_t pending_ttl, int64_t now, struct access_request *out, struct outcome *o)
{
	struct resource_route route;
	struct routing routing = { 0 };
	enum store_status status;

	memset(out, 0, sizeof *out);
	outcome_set(o, 201, NULL, "created");
	if (!authz_can_request(actor)) {
		outcome_set(o, 403, "forbidden", "principal %s may not request access", actor->id);
		return;
	}
	if (!in->resource || !*in->resource) {
		outcome_invalid(o, "resource", "resource is required");
		return;
	}
	status = store_get_route(s, in->resource, &route);
	if (status == STORE_NOT_FOUND) {
		outcome_invalid(o, "resource", "resource %s has no route: no group approves it",
				in->resource);
		return;
	}
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "loading the resource's route");
		return;
	}
	if (load_policy(s, &routing, o) &&
	    validate_new_request(in, &route, routing.policy != NULL, o))
		create_routed(s, actor, in, &route, &routing, pending_ttl, now, out, o);
	routing_free(&routing);
	resource_route_free(&route);
}

static bool has_approved(const struct access_request *r, const char *principal)
{
	for (size_t i = 0; i < r->approval_count; i++)
		if (strcmp(r->approvals[i].approver, principal) == 0)
			return true;
	return false;
}

/* Check everything that would stop actor from making this decision; false sets o. */
static bool may_decide(const struct principal *actor, const struct access_request *r,
		       enum decision decision, const char *reason, int64_t if_match,
		       struct outcome *o)
{
	char decided[RFC3339_LEN];

	if (decision == DECISION_CANCEL) {
		if (strcmp(actor->id, r->requester) != 0) {
			outcome_set(o, 403, "forbidden", "only the requester, %s, may cancel request %lld",
				    r->requester, (long long)r->id);
			return false;
		}
	} else if (strcmp(actor->id, r->requester) == 0) {
		outcome_set(o, 403, "self_approval", "%s cannot %s their own request %lld", actor->id,
			    decision == DECISION_APPROVE ? "approve" : "deny", (long long)r->id);
		return false;
	} else if (!authz_can_decide(actor, r)) {
		outcome_set(o, 403, "forbidden",
			    "request %lld is routed to group %s, and %s is not an approver in it",
			    (long long)r->id, r->approver_group ? r->approver_group : "(none)",
			    actor->id);
		return false;
	}
	if (r->status != REQUEST_PENDING) {
		time_format_rfc3339(r->decided_at, decided);
		outcome_set(o, 409, "not_pending", "request %lld was already %s by %s at %s",
			    (long long)r->id, request_status_name(r->status),
			    r->decided_by ? r->decided_by : SYSTEM_ACTOR, decided);
		return false;
	}
	if (!outcome_check_if_match(o, "request", r->id, r->version, if_match))
		return false;
	if (decision == DECISION_APPROVE && has_approved(r, actor->id)) {
		outcome_set(o, 409, "conflict", "%s has already approved request %lld", actor->id,
			    (long long)r->id);
		return false;
	}
	if (decision == DECISION_DENY && !requests_reason_given(reason)) {
		outcome_invalid(o, "reason", "a reason is required to deny a request, and white "
				"space alone is none");
		return false;
	}
	return true;
}

static bool add_approval(struct store *s, struct access_request *r, const char *actor,
			 const char *reason, int64_t now, struct outcome *o)
{
	struct approval a = { .approver = (char *)actor, .reason = (char *)reason, .at = now };
	enum store_status status = store_add_approval(s, r->id, &a);

	if (status != STORE_OK) {
		outcome_store_failure(o, status, "saving the approval");
		return false;
	}
	r->approvals = xreallocarray(r->approvals, r->approval_count + 1, sizeof *r->approvals);
	r->approvals[r->approval_count++] = (struct approval){
		.approver = xstrdup(actor),
		.reason = reason ? xstrdup(reason) : NULL,
		.at = now,
	};
	return true;
}

static void apply_approval(struct store *s, struct access_request *r, const char *actor,
			   const char *reason, int64_t now, struct outcome *o)
{
	if (!add_approval(s, r, actor, reason, now, o))
		return;
	if ((int)r->approval_count < r->approvals_needed) {
		record_change(s, r, "request.approval_added", "request.approve", actor, reason, now, o);
		return;
	}
	if (complete_approval(s, r, actor, reason, now, o))
		record_change(s, r, "request.approved", "request.approve", actor, reason, now, o);
}

void requests_decide(struct store *s, const struct principal *actor, int64_t id,
		     enum decision decision, const char *reason, int64_t if_match, int64_t now,
		     struct access_request *out, struct outcome *o)
{
	enum store_status status = store_get_request(s, id, out);

	outcome_set(o, 200, NULL, "ok");
	if (status == STORE_NOT_FOUND || (status == STORE_OK && !authz_can_see_request(actor, out))) {
		outcome_set(o, 404, "not_found", "request %lld not found", (long long)id);
		return;
	}
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "loading the request");
		return;
	}
	if (requests_text_length(reason) > REQUEST_REASON_MAX) {
		outcome_invalid(o, "reason", "reason must be at most %d characters", REQUEST_REASON_MAX);
		return;
	}
	if (!may_decide(actor, out, decision, reason, if_match, o))
		return;

	out->version++;
	switch (decision) {
	case DECISION_APPROVE:
		apply_approval(s, out, actor->id, reason, now, o);
		break;
	case DECISION_DENY:
		apply_closing(s, out, REQUEST_DENIED, actor->id, reason, now, o);
		break;
	case DECISION_CANCEL:
		apply_closing(s, out, REQUEST_CANCELED, actor->id, reason, now, o);
		break;
	}
}

void requests_expire_due(struct store *s, int64_t now, size_t *count, struct outcome *o)
{
	int64_t *ids;
	size_t n;
	enum store_status status = store_due_requests(s, now, &ids, &n);

	*count = 0;
	outcome_set(o, 200, NULL, "ok");
	if (status != STORE_OK) {
		outcome_store_failure(o, status, "finding requests to expire");
		return;
	}
	for (size_t i = 0; i < n && outcome_ok(o); i++) {
		struct access_request r;
		status = store_get_request(s, ids[i], &r);
		if (status != STORE_OK) {
			outcome_store_failure(o, status, "loading a request to expire");
			break;
		}
		r.version++;
		apply_closing(s, &r, REQUEST_EXPIRED, SYSTEM_ACTOR, "not decided in time", now, o);
		access_request_free(&r);
		if (outcome_ok(o))
			(*count)++;
	}
	free(ids);
}
