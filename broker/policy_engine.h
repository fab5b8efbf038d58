#ifndef GATEHOUSE_POLICY_ENGINE_H
#define GATEHOUSE_POLICY_ENGINE_H

/*
 * The broker's use of the policy library (policy/policy.h): the attributes a
 * decision on a new request sees, the lint that guards publishing, the active
 * policy, and the policy record shown on a request.
 *
 * Attributes are kept as a JSON object by full name ("requester.department"),
 * each value a string or an array of strings, which is also the form
 * policy_history_add_request() reads back for an exact replay.
 */

#include <jansson.h>
#include <stdint.h>

#include "api/model.h"
#include "broker/store.h"
#include "policy/policy.h"

/*
 * The attributes of a new request: requester.id, requester.roles,
 * requester.groups and requester.KEY for each KEY of the requester's
 * attributes; resource.id, resource.owner_group and resource.approvals_needed
 * from the resource's route; request.role, request.reason and
 * request.duration_seconds.
 */
json_t *policy_engine_attributes(const struct principal *requester,
				 const struct resource_route *route, const char *role,
				 const char *reason, int64_t duration_seconds);

/*
 * The maximum number of rules a stored explanation lists in `matching` and in each
 * list of its text. Without it, a policy of hundreds of overlapping rules adds about
 * 200 bytes per rule to every request it decides, so a page of such requests outgrows
 * the 16 MiB reply a console accepts. matching_count keeps the full number.
 */
#define POLICY_ENGINE_MATCHING_MAX 32

/* The maximum number of diagnostics a lint returns; errors and warnings keep the full counts. */
#define POLICY_ENGINE_DIAGNOSTICS_MAX 200

/*
 * Decide a request made at `at` with the given attributes. out's match lists
 * are not kept (NULL); *explanation receives policy_decision_to_json() of at
 * most POLICY_ENGINE_MATCHING_MAX matching rules (the deciding one always among
 * them), with matching_count and matching_truncated added.
 */
void policy_engine_decide(const struct policy *policy, const json_t *attributes, int64_t at,
			  struct policy_decision *out, json_t **explanation);

/*
 * Parse source and lint it against the attributes the broker supplies, and check
 * that every group a rule requires approvals from has an approver. Returns the
 * policy, or NULL when diagnostics has an error (or *status is not STORE_OK).
 */
struct policy *policy_engine_check(struct store *s, const char *source, size_t length,
				   struct policy_diagnostics *diagnostics, enum store_status *status);

/* Load and parse the active policy; NULL with *status STORE_NOT_FOUND when none was published. */
struct policy *policy_engine_load_active(struct store *s, struct stored_policy *meta,
					 enum store_status *status);

/*
 * Publish source as the version after previous (0 before the first), by actor,
 * inside the caller's write transaction: check it as policy_engine_check() does,
 * store it, and append its audit entry ("policy.publish", with the old and new
 * version) and its feed event ("policy.published"). Returns true with out set;
 * false with diagnostics holding the errors, or with *status not STORE_OK.
 */
bool policy_engine_publish(struct store *s, const char *source, const char *actor,
			   int64_t previous, int64_t now, struct policy_diagnostics *diagnostics,
			   struct stored_policy *out, enum store_status *status);

/* A stored policy as GET and PUT /v1/policy return it. */
json_t *policy_engine_version_json(const struct stored_policy *p);

/* Diagnostics as the API writes them: [{line, column, severity, message}], the first limit of them. */
json_t *policy_engine_diagnostics_json(const struct policy_diagnostics *diagnostics, size_t limit);

/* Build a request's JSON with its "policy" object (docs/API.md) read from s; NULL on a store failure. */
json_t *policy_engine_request_json(struct store *s, const struct access_request *r);

#endif
