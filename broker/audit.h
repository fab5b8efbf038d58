#ifndef GATEHOUSE_AUDIT_H
#define GATEHOUSE_AUDIT_H

/*
 * The hash-chained audit trail. Each entry's hash covers the previous entry's
 * hash and the entry's own fields, so that changing, removing or reordering an
 * entry breaks every hash after it. The exact input is documented in docs/API.md.
 */

#include <stdbool.h>
#include <stdint.h>

#include "api/model.h"
#include "broker/store.h"

#define AUDIT_GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* Append an entry inside the caller's write transaction. */
enum store_status audit_append(struct store *s, const char *actor, const char *action,
			       const char *object_kind, int64_t object_id, const char *reason,
			       int64_t at);

/* Compute an entry's hash from its fields and prev_hash into out (65 bytes). */
void audit_hash(const struct audit_entry *e, char *out);

struct audit_verdict {
	bool ok;
	int64_t entries;
	int64_t first_bad_seq;   /* 0 when ok */
};

/* Recompute the whole chain. */
enum store_status audit_verify(struct store *s, struct audit_verdict *verdict);

#endif
