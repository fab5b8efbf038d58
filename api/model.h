#ifndef GATEHOUSE_MODEL_H
#define GATEHOUSE_MODEL_H

/*
 * The broker API's objects as both programs hold them in memory.
 * Strings are owned, heap-allocated UTF-8; a NULL string is JSON null.
 * Times are seconds since the epoch, 0 where the JSON has null.
 * docs/API.md is the contract these structs follow.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum request_status {
	REQUEST_PENDING,
	REQUEST_APPROVED,
	REQUEST_DENIED,
	REQUEST_CANCELED,
	REQUEST_EXPIRED,
};
#define REQUEST_STATUS_COUNT 5

enum grant_status {
	GRANT_ACTIVE,
	GRANT_EXPIRED,
	GRANT_REVOKED,
};
#define GRANT_STATUS_COUNT 3

enum grant_kind {
	GRANT_JIT,
	GRANT_STANDING,
};

/* Roles are a bit set: a principal may hold several. */
enum role {
	ROLE_REQUESTER = 1 << 0,
	ROLE_APPROVER = 1 << 1,
	ROLE_ADMIN = 1 << 2,
	ROLE_AUDITOR = 1 << 3,
};

struct approval {
	char *approver;
	char *reason;
	int64_t at;
};

struct access_request {
	int64_t id;
	enum request_status status;
	char *requester;
	char *resource;
	char *role;
	char *reason;
	int64_t duration_seconds;
	int64_t created_at;
	int64_t decided_at;         /* 0 while pending */
	int64_t expires_at;         /* when a pending request lapses */
	int approvals_needed;
	char *approver_group;       /* the group whose members may approve */
	struct approval *approvals;
	size_t approval_count;
	char *decided_by;           /* who denied or canceled; the last approver when approved */
	char *decision_reason;
	int64_t grant_id;           /* 0 until approved */
	int64_t version;
};

struct grant {
	int64_t id;
	int64_t request_id;         /* 0 for a standing grant made without a request */
	char *principal;
	char *resource;
	char *role;
	enum grant_kind kind;
	enum grant_status status;
	int64_t granted_at;
	int64_t expires_at;         /* 0 for a standing grant that never expires */
	int64_t revoked_at;
	char *revoked_by;
	char *reason;               /* why it exists; the revocation reason once revoked */
	char *request_reason;
	int64_t last_used_at;
	int64_t version;
};

struct principal {
	char *id;
	char *display_name;
	unsigned roles;             /* enum role bits */
	char **groups;
	size_t group_count;
	char *attributes_json;      /* a JSON object of free-form attributes, or NULL */
};

struct audit_entry {
	int64_t seq;
	int64_t at;
	char *actor;
	char *action;               /* "request.approve", "grant.revoke", ... */
	char *object_kind;          /* "request", "grant" or "policy" */
	int64_t object_id;
	char *reason;
	char *prev_hash;
	char *hash;
};

const char *request_status_name(enum request_status s);
bool request_status_parse(const char *s, enum request_status *out);
const char *grant_status_name(enum grant_status s);
bool grant_status_parse(const char *s, enum grant_status *out);
const char *grant_kind_name(enum grant_kind k);
bool grant_kind_parse(const char *s, enum grant_kind *out);

/* Parse a comma-separated role list ("approver,admin"); false on an unknown role. */
bool roles_parse(const char *s, unsigned *out);
/* Write the role names of a bit set, comma-separated, into out. */
void roles_format(unsigned roles, char *out, size_t size);
const char *role_name(enum role r);

void access_request_free(struct access_request *r);
void grant_free(struct grant *g);
void principal_free(struct principal *p);
void audit_entry_free(struct audit_entry *e);

bool principal_in_group(const struct principal *p, const char *group);

#endif
