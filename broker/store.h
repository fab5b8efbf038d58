#ifndef GATEHOUSE_STORE_H
#define GATEHOUSE_STORE_H

/*
 * The broker's storage interface. Everything the HTTP handlers and the request
 * state machine persist goes through these functions, so that a PostgreSQL store
 * can sit behind the same header later. Only broker/store_sqlite*.c speak SQL.
 *
 * A struct store is one database connection and is used by one thread at a time
 * (see store_pool). Writes happen between store_begin_write() and store_commit(),
 * or between store_pool_begin_write() and store_pool_end_write(), which serialize
 * writers: the SQLite store takes the database's write lock at the start (BEGIN
 * IMMEDIATE), so checks made inside the transaction still hold when it commits.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/model.h"

enum store_status {
	STORE_OK = 0,
	STORE_NOT_FOUND,
	STORE_BUSY,       /* the database stayed locked past the busy timeout */
	STORE_DUPLICATE,  /* a unique key already exists */
	STORE_ERROR,
};

struct store;

/* A routing rule: who approves requests for a resource, and how long grants may last. */
struct resource_route {
	char *id;
	char *owner_group;
	int approvals_needed;
	int64_t max_duration_seconds;
};

/* A token as the CLI lists it: never the token, only the start of its hash as an id. */
struct token_info {
	char id[13];             /* the first 12 hex digits of the token's SHA-256 */
	char *principal_id;
	char *label;
	int64_t created_at;
};

/* One entry of the change feed. */
struct feed_event {
	int64_t seq;
	int64_t at;
	char *type;
	char *actor;
	char *object_kind;
	int64_t object_id;
	char *data_json;
};

/* The stored answer to a write sent with an Idempotency-Key. */
struct idempotent_record {
	char *fingerprint;
	int status;
	char *body;
	char *etag;
	char *location;
};

/*
 * Filters for listing requests and grants. NULL or -1 means "any". Lists are
 * newest first; before_id is the keyset cursor (list ids below it), 0 for the start.
 */
struct request_query {
	int status;              /* enum request_status or -1 */
	const char *requester;
	const char *resource;
	int64_t before_id;
	int limit;
};

struct grant_query {
	int status;              /* enum grant_status or -1 */
	int kind;                /* enum grant_kind or -1 */
	const char *principal;
	const char *resource;
	int64_t before_id;
	int limit;
};

struct audit_query {
	const char *object_kind;
	int64_t object_id;       /* 0: any */
	const char *actor;
	int64_t after_seq;
	int limit;
};

/* Lifecycle. store_open creates and migrates the schema when needed. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *s);
const char *store_last_error(struct store *s);
/* The random id given to this database when it was created. */
const char *store_broker_id(struct store *s);

/* Small settings kept with the data (the demo's bookkeeping, for one). */
enum store_status store_meta_get(struct store *s, const char *key, char **value);
enum store_status store_meta_set(struct store *s, const char *key, const char *value);

/* Transactions. */
enum store_status store_begin_write(struct store *s);
enum store_status store_begin_read(struct store *s);
enum store_status store_commit(struct store *s);
void store_rollback(struct store *s);

/* Principals, groups and tokens. */
enum store_status store_principal_by_token_hash(struct store *s, const char *token_hash,
						struct principal *out);
enum store_status store_get_principal(struct store *s, const char *id, struct principal *out);
/* Insert or replace a principal with its roles, groups and attributes. */
enum store_status store_put_principal(struct store *s, const struct principal *p);
enum store_status store_add_token(struct store *s, const char *principal_id,
				  const char *token_hash, const char *label, int64_t created_at);
/*
 * The tokens of principal whose hash starts with hash_prefix (lowercase hex), each
 * filter NULL for any, ordered by principal and age.
 */
enum store_status store_list_tokens(struct store *s, const char *principal, const char *hash_prefix,
				    struct token_info **out, size_t *count);
/* Delete the tokens that store_list_tokens would list; *deleted receives how many. */
enum store_status store_delete_tokens(struct store *s, const char *principal,
				      const char *hash_prefix, int64_t *deleted);
void token_info_free(struct token_info *t);
/* Every principal with its groups, ordered by id. */
enum store_status store_list_principals(struct store *s, struct principal **out, size_t *count);
/* How many members of group hold the approver role. */
enum store_status store_count_group_approvers(struct store *s, const char *group, int64_t *count);

/* Routes. */
enum store_status store_get_route(struct store *s, const char *resource, struct resource_route *out);
enum store_status store_put_route(struct store *s, const struct resource_route *route);
enum store_status store_list_routes(struct store *s, const char *after_id, int limit,
				    struct resource_route **out, size_t *count);
void resource_route_free(struct resource_route *route);

/* Requests. store_insert_request assigns r->id. */
enum store_status store_insert_request(struct store *s, struct access_request *r);
enum store_status store_get_request(struct store *s, int64_t id, struct access_request *out);
/* Write status, decision fields, grant_id and version of an existing request. */
enum store_status store_update_request(struct store *s, const struct access_request *r);
enum store_status store_add_approval(struct store *s, int64_t request_id, const struct approval *a);
enum store_status store_list_requests(struct store *s, const struct request_query *q,
				      struct access_request **out, size_t *count);
/* Ids of pending requests whose expires_at is at or before now. */
enum store_status store_due_requests(struct store *s, int64_t now, int64_t **ids, size_t *count);
enum store_status store_count_requests(struct store *s, int status, int64_t *count);

/* Grants. store_insert_grant assigns g->id. */
enum store_status store_insert_grant(struct store *s, struct grant *g);
enum store_status store_get_grant(struct store *s, int64_t id, struct grant *out);
enum store_status store_update_grant(struct store *s, const struct grant *g);
enum store_status store_list_grants(struct store *s, const struct grant_query *q,
				    struct grant **out, size_t *count);
/* Ids of active grants of a principal and/or on a resource (NULL: any). */
enum store_status store_active_grant_ids(struct store *s, const char *principal,
					 const char *resource, int64_t **ids, size_t *count);
/* Ids of active grants whose expires_at is at or before now. */
enum store_status store_due_grants(struct store *s, int64_t now, int64_t **ids, size_t *count);

/* The earliest time at which a pending request or an active grant falls due, 0 if none. */
enum store_status store_next_deadline(struct store *s, int64_t *at);

/* Change feed. */
enum store_status store_append_event(struct store *s, struct feed_event *e);
/* Events after a sequence number, oldest first, with the feed's bounds. */
enum store_status store_list_events(struct store *s, int64_t after, int limit,
				    struct feed_event **out, size_t *count,
				    int64_t *oldest_seq, int64_t *last_seq);
enum store_status store_prune_events(struct store *s, int64_t keep);
/* The seq of the newest event appended so far, 0 when there is none. */
enum store_status store_feed_position(struct store *s, int64_t *last_seq);
void feed_event_free(struct feed_event *e);

/* Audit trail. The caller computes the hash chain; the store only appends and reads. */
enum store_status store_last_audit_hash(struct store *s, int64_t *seq, char **hash);
enum store_status store_append_audit(struct store *s, const struct audit_entry *e);
enum store_status store_list_audit(struct store *s, const struct audit_query *q,
				   struct audit_entry **out, size_t *count);

/*
 * Metrics: the hourly rollups that the store keeps as requests and grants change
 * (see store_sqlite_metrics_schema.c). An hour is a Unix time divided by 3600.
 */
struct metrics_hour {
	int64_t hour;
	int64_t created;
	int64_t allowed;          /* approved without a person's approval */
	int64_t approved;         /* approved by people */
	int64_t denied;
	int64_t expired;
	int64_t canceled;
	int64_t access_seconds;   /* time to access summed over the hour's approvals */
	int64_t revoked;
	int64_t jit_change;       /* change of the active JIT grants at the hour's end */
	int64_t standing_change;  /* change of the active standing grants */
	int64_t holders_change;   /* change of the principals holding any active grant */
};

/*
 * Approvals of one hour with a time to access in the histogram bin that starts at
 * lower. Values below STORE_METRICS_EXACT_BELOW seconds have a bin each. Above, a
 * bin starting at L is 2^(floor(log2(L)) - 4) seconds wide, 16 bins to each
 * doubling, so no bin is wider than 1/16 of its start.
 */
#define STORE_METRICS_EXACT_BELOW 32
struct metrics_access_bin {
	int64_t hour;
	int64_t lower;
	int64_t count;
};

/* What GET /v1/metrics reads, all from one snapshot of the database. */
struct metrics_rollup {
	struct metrics_hour before;        /* every hour before the window, summed */
	struct metrics_hour *hours;        /* the window's hours that have a row, in order */
	size_t hour_count;
	struct metrics_access_bin *bins;   /* the window's histogram, by hour, then bin */
	size_t bin_count;
	/* The live counts, for a step that ends after now. */
	int64_t pending_now;
	int64_t jit_now;
	int64_t standing_now;
	int64_t holders_now;
};

/* Read the rollups of the hours in [from_hour, to_hour) in one read transaction. */
enum store_status store_read_metrics(struct store *s, int64_t from_hour, int64_t to_hour,
				     struct metrics_rollup *out);
void metrics_rollup_free(struct metrics_rollup *r);

/*
 * Policies. Each publish adds the next version; the newest is the active one, and
 * none is ever changed or removed.
 */
struct stored_policy {
	int64_t version;
	char *source;
	int64_t published_at;
	char *published_by;
	char *sha256;             /* of the source, lowercase hex */
};

/* What the active policy decided on a request, and the attributes it decided on. */
struct request_policy {
	char *decision;           /* "allow", "require" or "deny"; NULL when no policy decided */
	char *rule;               /* the deciding rule; NULL for the default, or when no policy decided */
	char *explanation_json;   /* policy_decision_to_json() as text; NULL when no policy decided */
	int64_t version;          /* the deciding policy's version; 0 when no policy decided */
	char *attributes_json;    /* the attributes as a JSON object; NULL when none were recorded */
};

/* The newest policy; STORE_NOT_FOUND when none was ever published. */
enum store_status store_active_policy(struct store *s, struct stored_policy *out);
/* Add p as the next version; STORE_DUPLICATE when p->version exists already. */
enum store_status store_insert_policy(struct store *s, const struct stored_policy *p);
void stored_policy_free(struct stored_policy *p);

/* The policy record of a request; fields stay NULL and 0 when it has none. */
enum store_status store_get_request_policy(struct store *s, int64_t request_id,
					   struct request_policy *out);
enum store_status store_set_request_policy(struct store *s, int64_t request_id,
					   const struct request_policy *p);
void request_policy_free(struct request_policy *p);

/*
 * Call visit for every approved or denied request, oldest first, with the attributes
 * recorded on it (NULL when none were). Stops early when visit returns false.
 */
typedef bool (*store_request_visitor)(const struct access_request *r, const char *attributes_json,
				      void *context);
enum store_status store_each_decided_request(struct store *s, store_request_visitor visit,
					     void *context);
/* The distinct keys of all principals' attributes, sorted; the caller frees each and the array. */
enum store_status store_principal_attribute_keys(struct store *s, char ***keys, size_t *count);

/* Idempotency keys, scoped to a principal. */
enum store_status store_get_idempotent(struct store *s, const char *principal, const char *key,
				       struct idempotent_record *out);
enum store_status store_put_idempotent(struct store *s, const char *principal, const char *key,
				       const struct idempotent_record *rec, int64_t created_at);
enum store_status store_prune_idempotent(struct store *s, int64_t before);
void idempotent_record_free(struct idempotent_record *rec);

/*
 * A fixed set of connections shared by the HTTP threads, the reaper and the demo,
 * and one more connection for the pool's write groups. store_begin_write on a pooled
 * connection works as on any other, after committing the open write group.
 */
struct store_pool;
struct store_pool *store_pool_open(const char *path, int size, char *err, size_t errlen);
/* Borrow a connection, waiting until one is free. */
struct store *store_pool_acquire(struct store_pool *pool);
/* Borrow a connection, waiting at most timeout_ms for one; NULL when none was freed in time. */
struct store *store_pool_acquire_within(struct store_pool *pool, int64_t timeout_ms);
/*
 * Open a connection that is never lent out but takes the pool's writer lock for its
 * writes like the lent ones, for a thread that must not wait behind the pool's
 * borrowers (the reaper). Close it with store_close before store_pool_close.
 */
struct store *store_pool_open_private(struct store_pool *pool, char *err, size_t errlen);
void store_pool_release(struct store_pool *pool, struct store *s);
void store_pool_close(struct store_pool *pool);

/*
 * Start a write that shares its transaction and commit with other writes of this
 * process (a write group). Returns the connection to write with, or NULL with
 * *status set. Until store_pool_end_write the caller is the only thread that
 * writes, and reads on that connection see the group's earlier writes.
 */
struct store *store_pool_begin_write(struct store_pool *pool, enum store_status *status);
/*
 * End the write: keep its changes or undo them, then wait until the group has
 * committed. Returns STORE_OK once it has. Any other status means that nothing of
 * the group was kept, so whatever the write read may come from changes now gone.
 */
enum store_status store_pool_end_write(struct store_pool *pool, struct store *writer, bool keep);

#endif
