#ifndef GATEHOUSE_GRANTS_H
#define GATEHOUSE_GRANTS_H

/*
 * Grants: active -> expired (the reaper, at expires_at) | revoked (by hand or in bulk).
 * Like requests.h, every function runs inside the caller's write transaction.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/model.h"
#include "broker/outcome.h"
#include "broker/store.h"

#define GRANT_REASON_MAX 1000

/* Issue the grant of an approved request r, with its event and audit entry. */
bool grants_issue(struct store *s, const struct access_request *r, const char *actor, int64_t now,
		  struct grant *out, struct outcome *o);

/*
 * Revoke grant id. if_match is the version the caller saw, IF_MATCH_ANY to skip
 * the check, or IF_MATCH_WEAK, which never matches (outcome.h).
 */
void grants_revoke(struct store *s, const struct principal *actor, int64_t id, const char *reason,
		   int64_t if_match, int64_t now, struct grant *out, struct outcome *o);

struct bulk_revoke {
	const char *principal;   /* NULL: any */
	const char *resource;    /* NULL: any; at least one of the two is set */
	const char *reason;
	bool dry_run;
};

struct bulk_revoke_result {
	int64_t *grant_ids;
	size_t matched;
	size_t revoked;
};

/* Revoke every active grant that matches, for admins only. */
void grants_revoke_bulk(struct store *s, const struct principal *actor, const struct bulk_revoke *in,
			int64_t now, struct bulk_revoke_result *out, struct outcome *o);

/* Expire every active grant whose expires_at has passed; count receives how many. */
void grants_expire_due(struct store *s, int64_t now, size_t *count, struct outcome *o);

#endif
