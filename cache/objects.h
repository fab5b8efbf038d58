#ifndef GATEHOUSE_CACHE_OBJECTS_H
#define GATEHOUSE_CACHE_OBJECTS_H

/*
 * Cached requests, grants and audit entries: the puts that the client makes
 * and the reads that the views make. See cache/cache.h for the error
 * conventions.
 */

#include <stddef.h>
#include <stdint.h>

#include "api/model.h"
#include "cache/cache.h"

/*
 * One line of the pending-requests pane. The strings are never NULL (a JSON
 * null reads as "") and belong to the array the row came in: they live until
 * request_rows_free, so a row kept longer must be copied.
 */
struct request_row {
	int64_t id;
	enum request_status status;
	const char *requester;
	const char *resource;
	const char *role;
	const char *reason;
	const char *approver_group;
	int64_t created_at;
	int64_t expires_at;
	int64_t duration_seconds;
	int64_t approval_count;
	int64_t approvals_needed;
	int64_t version;
};

/* One line of the active-grants pane, with strings owned as in struct request_row. */
struct grant_row {
	int64_t id;
	enum grant_status status;
	enum grant_kind kind;
	const char *principal;
	const char *resource;
	const char *role;
	int64_t granted_at;
	int64_t expires_at;         /* 0 for a standing grant that never expires */
	int64_t version;
};

/*
 * Insert or update a request. json is the object as the broker sent it, kept
 * for the detail view. With NULL the cache encodes r instead. A request
 * already cached at a newer version is left as it is, because an event may
 * arrive after a list page that already had the change.
 */
bool cache_put_request(struct cache *cache, const struct access_request *r, const char *json);
/* Insert or update a grant, with the same version rule as cache_put_request. */
bool cache_put_grant(struct cache *cache, const struct grant *g, const char *json);
/* Insert an audit entry. Entries never change, so one already cached is kept. */
bool cache_put_audit_entry(struct cache *cache, const struct audit_entry *e, const char *json);

/*
 * Load every pending request, oldest first (created_at, then id). Returns the
 * number of rows and sets *rows to an array that the caller releases with
 * request_rows_free, never free(). On failure returns 0 and sets *rows to NULL.
 */
size_t cache_load_pending(struct cache *cache, struct request_row **rows);
/* Load the oldest limit pending requests, as cache_load_pending does, for the first paint. */
size_t cache_load_pending_page(struct cache *cache, size_t limit, struct request_row **rows);
int64_t cache_count_pending(struct cache *cache);
void request_rows_free(struct request_row *rows);

/*
 * Load every active grant, the soonest to expire first (expires_at, then id),
 * and the standing grants that never expire last, ordered by id. Rows are
 * returned as cache_load_pending returns them and released with grant_rows_free.
 */
size_t cache_load_active_grants(struct cache *cache, struct grant_row **rows);
size_t cache_load_active_grants_page(struct cache *cache, size_t limit, struct grant_row **rows);
int64_t cache_count_active_grants(struct cache *cache);
/*
 * Count the active grants of a principal, on a resource, or both (NULL
 * matches any), which is what a bulk revoke with the same filter would hit
 * according to the cache.
 */
int64_t cache_count_active_grants_matching(struct cache *cache, const char *principal,
					   const char *resource);
void grant_rows_free(struct grant_row *rows);

/*
 * Decode the cached object with this id into *out, which the caller frees
 * with access_request_free or grant_free when the result is CACHE_FOUND.
 */
enum cache_result cache_get_request(struct cache *cache, int64_t id, struct access_request *out);
enum cache_result cache_get_grant(struct cache *cache, int64_t id, struct grant *out);

/*
 * Load the cached audit entries of one object ("request" or "grant"), in seq
 * order. Returns the count and sets *entries to an array that the caller
 * releases with audit_entries_free. On failure returns 0 and sets *entries to NULL.
 */
size_t cache_list_audit(struct cache *cache, const char *object_kind, int64_t object_id,
			struct audit_entry **entries);
void audit_entries_free(struct audit_entry *entries, size_t count);

#endif
