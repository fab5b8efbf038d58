#ifndef GATEHOUSE_REQUESTS_H
#define GATEHOUSE_REQUESTS_H

/*
 * The access request state machine:
 *   pending -> approved (enough approvals; a grant is made) | denied | canceled | expired.
 * Every function runs inside the caller's write transaction and, on success,
 * appends the matching events and audit entries in it. On failure nothing it
 * wrote may be kept: the caller rolls back.
 */

#include <stddef.h>
#include <stdint.h>

#include "api/model.h"
#include "broker/outcome.h"
#include "broker/store.h"

#define REQUEST_ROLE_MAX 64
#define REQUEST_REASON_MAX 1000
#define REQUEST_MIN_DURATION 60

struct new_request {
	const char *resource;
	const char *role;
	const char *reason;
	int64_t duration_seconds;
};

enum decision {
	DECISION_APPROVE,
	DECISION_DENY,
	DECISION_CANCEL,
};

/*
 * The number of characters (Unicode code points) in UTF-8 text, 0 for NULL.
 * The API's length limits count characters, not bytes.
 */
size_t requests_text_length(const char *text);
/* Whether a reason says something: NULL, "" and white space alone count as no reason. */
bool requests_reason_given(const char *reason);

/* Create a request; out receives it (approved at once when its route needs no approvals). */
void requests_create(struct store *s, const struct principal *actor, const struct new_request *in,
		     int64_t pending_ttl, int64_t now, struct access_request *out, struct outcome *o);

/*
 * Approve, deny or cancel request id. if_match is the version the caller saw,
 * IF_MATCH_ANY to skip the check, or IF_MATCH_WEAK, which never matches
 * (outcome.h). out receives the request after the change.
 */
void requests_decide(struct store *s, const struct principal *actor, int64_t id,
		     enum decision decision, const char *reason, int64_t if_match, int64_t now,
		     struct access_request *out, struct outcome *o);

/* Expire every pending request whose deadline has passed; count receives how many. */
void requests_expire_due(struct store *s, int64_t now, size_t *count, struct outcome *o);

#endif
