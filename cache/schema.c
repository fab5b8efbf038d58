/*
 * The cache's schema as a list of migrations. PRAGMA user_version stores how
 * many have been applied. A change to the schema is a new entry at the end of
 * the list, never an edit of an old one, because files made by an older build
 * have already applied the old entries.
 */

#include <stdio.h>

#include "cache/internal.h"

/* "GTHS" in the file header marks a Gatehouse cache, so that another program's database is rejected. */
#define CACHE_APPLICATION_ID 0x47544853

static const char *const migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT"
	");"
	/*
	 * One column per field that a list shows or filters on, and json
	 * contains the whole object for the detail view. Times are seconds
	 * since the epoch, NULL where the API has null. sync_generation is the
	 * resync generation that last saw the row.
	 */
	"CREATE TABLE requests ("
	"  id INTEGER PRIMARY KEY,"
	"  status TEXT NOT NULL,"
	"  requester TEXT,"
	"  resource TEXT,"
	"  role TEXT,"
	"  reason TEXT,"
	"  duration_seconds INTEGER NOT NULL,"
	"  created_at INTEGER,"
	"  decided_at INTEGER,"
	"  expires_at INTEGER,"
	"  approval_count INTEGER NOT NULL,"
	"  approvals_needed INTEGER NOT NULL,"
	"  approver_group TEXT,"
	"  decided_by TEXT,"
	"  grant_id INTEGER,"
	"  version INTEGER NOT NULL,"
	"  sync_generation INTEGER NOT NULL,"
	"  json TEXT NOT NULL"
	");"
	/* The pending pane: WHERE status = 'pending' ORDER BY created_at, id. */
	"CREATE INDEX requests_by_status ON requests (status, created_at, id);"
	"CREATE TABLE grants ("
	"  id INTEGER PRIMARY KEY,"
	"  request_id INTEGER,"
	"  status TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  principal TEXT,"
	"  resource TEXT,"
	"  role TEXT,"
	"  reason TEXT,"
	"  granted_at INTEGER,"
	"  expires_at INTEGER,"
	"  revoked_at INTEGER,"
	"  revoked_by TEXT,"
	"  version INTEGER NOT NULL,"
	"  sync_generation INTEGER NOT NULL,"
	"  json TEXT NOT NULL"
	");"
	/* The grants pane: WHERE status = 'active' ORDER BY expires_at, id. */
	"CREATE INDEX grants_by_status ON grants (status, expires_at, id);"
	/* The counts that preview a bulk revoke by principal or by resource. */
	"CREATE INDEX grants_by_principal ON grants (principal, status);"
	"CREATE INDEX grants_by_resource ON grants (resource, status);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  object_kind TEXT NOT NULL,"
	"  object_id INTEGER NOT NULL,"
	"  at INTEGER,"
	"  actor TEXT,"
	"  action TEXT,"
	"  reason TEXT,"
	"  json TEXT NOT NULL"
	");"
	"CREATE INDEX audit_by_object ON audit (object_kind, object_id, seq);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  idempotency_key TEXT UNIQUE NOT NULL,"
	"  method TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  body TEXT,"
	"  if_match INTEGER,"
	"  object_kind TEXT,"
	"  object_id INTEGER,"
	"  label TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued'"
	"    CHECK (state IN ('queued', 'sending', 'done', 'failed', 'conflict')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  last_status INTEGER,"
	"  last_error TEXT"
	");"
	"CREATE INDEX outbox_by_state ON outbox (state, id);",

	/*
	 * 2: covering indexes for the two lists. Loading them then reads these
	 * indexes alone and never the table pages, where each row's JSON makes
	 * the table several times larger than the columns a list shows.
	 */
	"CREATE INDEX requests_pending_rows ON requests (status, created_at, id, requester,"
	"  resource, role, reason, approver_group, expires_at, duration_seconds, approval_count,"
	"  approvals_needed, version) WHERE status = 'pending';"
	"DROP INDEX requests_by_status;"
	"CREATE INDEX grants_active_rows ON grants (status, expires_at, id, kind, principal,"
	"  resource, role, granted_at, version) WHERE status = 'active';"
	"DROP INDEX grants_by_status;",

	/*
	 * 3: two more outbox states, dropped by the user and retried as a new
	 * item (replaced_by names it). SQLite cannot change a CHECK constraint in
	 * place, so the table is copied into a new one.
	 */
	"CREATE TABLE outbox_v3 ("
	"  id INTEGER PRIMARY KEY,"
	"  idempotency_key TEXT UNIQUE NOT NULL,"
	"  method TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  body TEXT,"
	"  if_match INTEGER,"
	"  object_kind TEXT,"
	"  object_id INTEGER,"
	"  label TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued'"
	"    CHECK (state IN ('queued', 'sending', 'done', 'failed', 'conflict', 'dropped',"
	"                     'retried')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  last_status INTEGER,"
	"  last_error TEXT,"
	"  replaced_by INTEGER"
	");"
	"INSERT INTO outbox_v3 (id, idempotency_key, method, path, body, if_match, object_kind,"
	"  object_id, label, state, attempts, created_at, updated_at, last_status, last_error)"
	" SELECT id, idempotency_key, method, path, body, if_match, object_kind, object_id, label,"
	"  state, attempts, created_at, updated_at, last_status, last_error FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_v3 RENAME TO outbox;"
	"CREATE INDEX outbox_by_state ON outbox (state, id);",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

static bool read_pragma(struct cache *cache, const char *sql, int *value)
{
	sqlite3_stmt *statement = cache_prepare(cache, sql);
	bool ok;

	if (!statement)
		return false;
	ok = sqlite3_step(statement) == SQLITE_ROW || cache_fail(cache, "read %s", sql);
	if (ok)
		*value = sqlite3_column_int(statement, 0);
	sqlite3_finalize(statement);
	return ok;
}

static bool check_file_owner(struct cache *cache, int application_id, int version)
{
	if (application_id != 0 && application_id != CACHE_APPLICATION_ID)
		return cache_fail_plain(cache,
					"open %s: the file is a SQLite database of another program"
					" (application_id 0x%08x): move it away or choose another cache path",
					cache->path, (unsigned)application_id);
	if (version > MIGRATION_COUNT)
		return cache_fail_plain(cache,
					"open %s: the cache has schema version %d but this gatehouse"
					" supports versions up to %d: upgrade gatehouse, or delete the file"
					" (writes still waiting in its outbox are lost)",
					cache->path, version, MIGRATION_COUNT);
	return true;
}

static bool apply_migrations(struct cache *cache, int from_version)
{
	char sql[128];

	for (int version = from_version; version < MIGRATION_COUNT; version++) {
		if (sqlite3_exec(cache->db, migrations[version], NULL, NULL, NULL) != SQLITE_OK)
			return cache_fail(cache, "migrate %s to schema version %d", cache->path,
					  version + 1);
	}
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
		 CACHE_APPLICATION_ID, MIGRATION_COUNT);
	return cache_exec(cache, sql, "record cache schema version");
}

bool cache_migrate(struct cache *cache)
{
	int application_id = 0;
	int version = 0;
	bool ok;

	/* IMMEDIATE, so that two consoles opening one new file do not both migrate it. */
	if (!cache_exec(cache, "BEGIN IMMEDIATE", "lock cache for migration"))
		return false;
	ok = read_pragma(cache, "PRAGMA application_id", &application_id) &&
	     read_pragma(cache, "PRAGMA user_version", &version) &&
	     check_file_owner(cache, application_id, version);
	if (ok && version < MIGRATION_COUNT)
		ok = apply_migrations(cache, version);
	if (ok)
		return cache_exec(cache, "COMMIT", "commit cache migration");
	sqlite3_exec(cache->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}
