#include "broker/audit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/timeutil.h"

void audit_hash(const struct audit_entry *e, char *out)
{
	char stamp[RFC3339_LEN];

	time_format_rfc3339(e->at, stamp);
	/* JSON escaping keeps field boundaries unambiguous whatever a reason contains. */
	json_t *fields = json_pack("[s, I, s, s, s, s, I, s]",
				   e->prev_hash, (json_int_t)e->seq, stamp, e->actor, e->action,
				   e->object_kind, (json_int_t)e->object_id, e->reason ? e->reason : "");
	char *text = fields ? json_dumps(fields, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	if (text) {
		sha256_hex(text, strlen(text), out);
	} else {
		/* Only invalid UTF-8 gets here, which the HTTP layer never lets through. */
		memset(out, 'f', 64);
		out[64] = '\0';
	}
	free(text);
	json_decref(fields);
}

enum store_status audit_append(struct store *s, const char *actor, const char *action,
			       const char *object_kind, int64_t object_id, const char *reason,
			       int64_t at)
{
	struct audit_entry e = {
		.at = at,
		.actor = (char *)actor,
		.action = (char *)action,
		.object_kind = (char *)object_kind,
		.object_id = object_id,
		.reason = (char *)reason,
	};
	char hash[SHA256_HEX_LEN];
	char *prev = NULL;
	enum store_status status = store_last_audit_hash(s, &e.seq, &prev);

	if (status != STORE_OK)
		return status;
	e.seq += 1;
	e.prev_hash = prev ? prev : (char *)AUDIT_GENESIS_HASH;
	audit_hash(&e, hash);
	e.hash = hash;
	status = store_append_audit(s, &e);
	free(prev);
	return status;
}

enum store_status audit_verify(struct store *s, struct audit_verdict *verdict)
{
	char expected_prev[SHA256_HEX_LEN] = AUDIT_GENESIS_HASH;
	struct audit_query q = { .after_seq = 0, .limit = 1000 };
	enum store_status status;

	memset(verdict, 0, sizeof *verdict);
	verdict->ok = true;
	for (;;) {
		struct audit_entry *items;
		size_t count;
		status = store_list_audit(s, &q, &items, &count);
		if (status != STORE_OK)
			return status;
		for (size_t i = 0; i < count; i++) {
			struct audit_entry *e = &items[i];
			char hash[SHA256_HEX_LEN];
			audit_hash(e, hash);
			bool linked = e->prev_hash && strcmp(e->prev_hash, expected_prev) == 0;
			bool intact = e->hash && strcmp(e->hash, hash) == 0;
			if (verdict->ok && (!linked || !intact || e->seq != verdict->entries + 1)) {
				verdict->ok = false;
				verdict->first_bad_seq = e->seq;
			}
			verdict->entries++;
			snprintf(expected_prev, sizeof expected_prev, "%s", e->hash ? e->hash : "");
			q.after_seq = e->seq;
			audit_entry_free(e);
		}
		free(items);
		if (count < (size_t)q.limit)
			return STORE_OK;
	}
}
