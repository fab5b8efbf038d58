/* The SQLite store: published policies, and what the policy decided on each request. */

#include "broker/store_sqlite.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/timeutil.h"

static const char SQL_ACTIVE_POLICY[] =
	"SELECT version, source, published_at, published_by, sha256 FROM policies"
	" ORDER BY version DESC LIMIT 1";
static const char SQL_INSERT_POLICY[] =
	"INSERT INTO policies(version, source, published_at, published_by, sha256)"
	" VALUES(?, ?, ?, ?, ?)";
static const char SQL_GET_REQUEST_POLICY[] =
	"SELECT policy_decision, policy_rule, policy_explanation, policy_version, policy_attributes"
	" FROM requests WHERE id = ?";
static const char SQL_SET_REQUEST_POLICY[] =
	"UPDATE requests SET policy_decision = ?, policy_rule = ?, policy_explanation = ?,"
	" policy_version = ?, policy_attributes = ? WHERE id = ?";
/*
 * The columns a replay needs, for every decided request. Run once per simulation,
 * so it is prepared each time rather than kept in the connection's statement cache.
 */
static const char SQL_DECIDED_REQUESTS[] =
	"SELECT id, status, requester, resource, role, reason, duration, created_at, decided_at,"
	" approvals_needed, approver_group, policy_attributes FROM requests"
	" WHERE status IN ('approved', 'denied') ORDER BY id";
static const char SQL_ATTRIBUTE_KEYS[] =
	"SELECT DISTINCT a.key FROM principals p, json_each(p.attributes) a"
	" WHERE json_valid(p.attributes) AND json_type(p.attributes) = 'object' ORDER BY a.key";

enum store_status store_active_policy(struct store *s, struct stored_policy *out)
{
	sqlite3_stmt *st = store_statement(s, SQL_ACTIVE_POLICY);
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->version = sqlite3_column_int64(st, 0);
		out->source = store_column_text(st, 1);
		out->published_at = sqlite3_column_int64(st, 2);
		out->published_by = store_column_text(st, 3);
		out->sha256 = store_column_text(st, 4);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "loading the active policy");
}

enum store_status store_insert_policy(struct store *s, const struct stored_policy *p)
{
	sqlite3_stmt *st = store_statement(s, SQL_INSERT_POLICY);

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, p->version);
	store_bind_text(st, 2, p->source);
	sqlite3_bind_int64(st, 3, p->published_at);
	store_bind_text(st, 4, p->published_by);
	store_bind_text(st, 5, p->sha256);
	return store_step_done(s, st, "saving a policy");
}

void stored_policy_free(struct stored_policy *p)
{
	free(p->source);
	free(p->published_by);
	free(p->sha256);
	memset(p, 0, sizeof *p);
}

enum store_status store_get_request_policy(struct store *s, int64_t request_id,
					   struct request_policy *out)
{
	sqlite3_stmt *st = store_statement(s, SQL_GET_REQUEST_POLICY);
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, request_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->decision = store_column_text(st, 0);
		out->rule = store_column_text(st, 1);
		out->explanation_json = store_column_text(st, 2);
		out->version = sqlite3_column_int64(st, 3);
		out->attributes_json = store_column_text(st, 4);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "loading a request's policy decision");
}

enum store_status store_set_request_policy(struct store *s, int64_t request_id,
					   const struct request_policy *p)
{
	sqlite3_stmt *st = store_statement(s, SQL_SET_REQUEST_POLICY);
	enum store_status status;

	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, p->decision);
	store_bind_text(st, 2, p->rule);
	store_bind_text(st, 3, p->explanation_json);
	store_bind_time(st, 4, p->version);
	store_bind_text(st, 5, p->attributes_json);
	sqlite3_bind_int64(st, 6, request_id);
	status = store_step_done(s, st, "saving a request's policy decision");
	if (status == STORE_OK && sqlite3_changes(s->db) == 0)
		return STORE_NOT_FOUND;
	return status;
}

void request_policy_free(struct request_policy *p)
{
	free(p->decision);
	free(p->rule);
	free(p->explanation_json);
	free(p->attributes_json);
	memset(p, 0, sizeof *p);
}

/* Read the columns of SQL_DECIDED_REQUESTS that a replay needs; the strings stay owned by st. */
static void read_decided_row(sqlite3_stmt *st, struct access_request *r)
{
	const char *status = (const char *)sqlite3_column_text(st, 1);

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	if (!status || !request_status_parse(status, &r->status))
		r->status = REQUEST_PENDING; /* the WHERE clause makes this unreachable */
	r->requester = (char *)sqlite3_column_text(st, 2);
	r->resource = (char *)sqlite3_column_text(st, 3);
	r->role = (char *)sqlite3_column_text(st, 4);
	r->reason = (char *)sqlite3_column_text(st, 5);
	r->duration_seconds = sqlite3_column_int64(st, 6);
	r->created_at = sqlite3_column_int64(st, 7);
	r->decided_at = sqlite3_column_int64(st, 8);
	r->approvals_needed = sqlite3_column_int(st, 9);
	r->approver_group = (char *)sqlite3_column_text(st, 10);
}

enum store_status store_each_decided_request(struct store *s, store_request_visitor visit,
					     void *context)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, SQL_DECIDED_REQUESTS, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "preparing the decided requests");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct access_request r;

		read_decided_row(st, &r);
		if (!visit(&r, (const char *)sqlite3_column_text(st, 11), context)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	enum store_status status = rc == SQLITE_DONE ? STORE_OK : store_fail(s, "reading the decided requests");
	sqlite3_finalize(st);
	return status;
}

/* Counting the principals and their attributes' bytes parses no JSON, so it is a cheap sign of a change. */
static const char SQL_PRINCIPALS_SHAPE[] =
	"SELECT count(*), total(length(attributes)) FROM principals";

/*
 * How long cached attribute keys are trusted while the principals keep their
 * shape: a key renamed to one as long keeps it, and is seen this much later.
 */
#define KEYS_CACHE_MS 30000

/*
 * The attribute keys last read from one database file. Reading them parses every
 * principal's attributes (about 70 ms for the demo's 13,807 principals, measured),
 * and every lint, simulation and publish needs them. Principals change rarely, and
 * through `gatehoused principal` in another process, so the shape detects a change.
 */
static struct {
	pthread_mutex_t lock;
	char *path;
	int64_t principals;
	double bytes;
	int64_t read_at_ms;
	char **keys;
	size_t count;
} keys_cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void free_keys(char **keys, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(keys[i]);
	free(keys);
}

static char **copy_keys(char *const *keys, size_t count)
{
	char **copy = xcalloc(count + 1, sizeof *copy);

	for (size_t i = 0; i < count; i++)
		copy[i] = xstrdup(keys[i]);
	return copy;
}

static enum store_status read_principals_shape(struct store *s, int64_t *principals, double *bytes)
{
	sqlite3_stmt *st = store_statement(s, SQL_PRINCIPALS_SHAPE);
	int rc;

	if (!st)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*principals = sqlite3_column_int64(st, 0);
		*bytes = sqlite3_column_double(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "counting the principals");
}

static enum store_status read_attribute_keys(struct store *s, char ***keys, size_t *count)
{
	sqlite3_stmt *st;
	size_t capacity = 16;
	int rc;

	*keys = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(s->db, SQL_ATTRIBUTE_KEYS, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "preparing the attribute keys");
	*keys = xcalloc(capacity, sizeof **keys);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count == capacity) {
			capacity *= 2;
			*keys = xreallocarray(*keys, capacity, sizeof **keys);
		}
		(*keys)[(*count)++] = store_column_text(st, 0);
	}
	enum store_status status = rc == SQLITE_DONE ? STORE_OK : store_fail(s, "reading the attribute keys");
	sqlite3_finalize(st);
	if (status != STORE_OK) {
		free_keys(*keys, *count);
		*keys = NULL;
		*count = 0;
	}
	return status;
}

/* Copy the cached keys when they belong to path and still fit the principals' shape. */
static bool cached_keys(const char *path, int64_t principals, double bytes, char ***keys,
			size_t *count)
{
	bool hit = keys_cache.path && strcmp(keys_cache.path, path) == 0 &&
		   keys_cache.principals == principals && keys_cache.bytes == bytes &&
		   time_monotonic_ms() - keys_cache.read_at_ms < KEYS_CACHE_MS;

	if (hit) {
		*keys = copy_keys(keys_cache.keys, keys_cache.count);
		*count = keys_cache.count;
	}
	return hit;
}

static void cache_keys(const char *path, int64_t principals, double bytes, char **keys,
		       size_t count)
{
	free(keys_cache.path);
	free_keys(keys_cache.keys, keys_cache.count);
	keys_cache.path = xstrdup(path);
	keys_cache.principals = principals;
	keys_cache.bytes = bytes;
	keys_cache.read_at_ms = time_monotonic_ms();
	keys_cache.keys = copy_keys(keys, count);
	keys_cache.count = count;
}

enum store_status store_principal_attribute_keys(struct store *s, char ***keys, size_t *count)
{
	const char *path = sqlite3_db_filename(s->db, "main");
	int64_t principals = 0;
	double bytes = 0;
	enum store_status status;

	/* An in-memory database has no name to tell it from another. */
	if (!path || !*path)
		return read_attribute_keys(s, keys, count);
	status = read_principals_shape(s, &principals, &bytes);
	if (status != STORE_OK)
		return status;
	pthread_mutex_lock(&keys_cache.lock);
	if (!cached_keys(path, principals, bytes, keys, count)) {
		status = read_attribute_keys(s, keys, count);
		if (status == STORE_OK)
			cache_keys(path, principals, bytes, *keys, *count);
	}
	pthread_mutex_unlock(&keys_cache.lock);
	return status;
}
