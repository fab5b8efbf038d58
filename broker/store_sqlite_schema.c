/* The broker database's schema and its migrations. */

#include "broker/store_sqlite_schema.h"

#include <stdio.h>

#include "broker/store_sqlite_metrics_schema.h"

/*
 * Each step moves the schema from version i to i + 1 (PRAGMA user_version).
 * Steps are only ever appended: a released step never changes.
 */
static const char *const migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE principals("
	"  id TEXT PRIMARY KEY, display_name TEXT, roles INTEGER NOT NULL, attributes TEXT);"
	"CREATE TABLE group_members("
	"  group_id TEXT NOT NULL,"
	"  principal_id TEXT NOT NULL REFERENCES principals(id) ON DELETE CASCADE,"
	"  PRIMARY KEY(group_id, principal_id));"
	"CREATE INDEX group_members_principal ON group_members(principal_id);"
	"CREATE TABLE tokens("
	"  hash TEXT PRIMARY KEY,"
	"  principal_id TEXT NOT NULL REFERENCES principals(id) ON DELETE CASCADE,"
	"  label TEXT, created_at INTEGER NOT NULL);"
	"CREATE TABLE routes("
	"  resource TEXT PRIMARY KEY, owner_group TEXT NOT NULL,"
	"  approvals_needed INTEGER NOT NULL CHECK(approvals_needed >= 0),"
	"  max_duration INTEGER NOT NULL CHECK(max_duration > 0));"
	"CREATE TABLE requests("
	"  id INTEGER PRIMARY KEY,"
	"  status TEXT NOT NULL CHECK(status IN ('pending','approved','denied','canceled','expired')),"
	"  requester TEXT NOT NULL REFERENCES principals(id),"
	"  resource TEXT NOT NULL, role TEXT NOT NULL, reason TEXT NOT NULL,"
	"  duration INTEGER NOT NULL, created_at INTEGER NOT NULL, decided_at INTEGER,"
	"  expires_at INTEGER NOT NULL, approvals_needed INTEGER NOT NULL, approver_group TEXT,"
	"  decided_by TEXT, decision_reason TEXT, grant_id INTEGER, version INTEGER NOT NULL);"
	"CREATE INDEX requests_status ON requests(status, id);"
	"CREATE INDEX requests_requester ON requests(requester, id);"
	"CREATE INDEX requests_resource ON requests(resource, id);"
	"CREATE INDEX requests_pending_expiry ON requests(expires_at) WHERE status = 'pending';"
	"CREATE TABLE approvals("
	"  request_id INTEGER NOT NULL REFERENCES requests(id),"
	"  approver TEXT NOT NULL, reason TEXT, at INTEGER NOT NULL,"
	"  PRIMARY KEY(request_id, approver));"
	"CREATE TABLE grants("
	"  id INTEGER PRIMARY KEY, request_id INTEGER REFERENCES requests(id),"
	"  principal TEXT NOT NULL, resource TEXT NOT NULL, role TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK(kind IN ('jit','standing')),"
	"  status TEXT NOT NULL CHECK(status IN ('active','expired','revoked')),"
	"  granted_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER, revoked_by TEXT,"
	"  reason TEXT, request_reason TEXT, last_used_at INTEGER, version INTEGER NOT NULL);"
	"CREATE INDEX grants_status ON grants(status, id);"
	"CREATE INDEX grants_principal ON grants(principal, status, id);"
	"CREATE INDEX grants_resource ON grants(resource, status, id);"
	"CREATE INDEX grants_active_expiry ON grants(expires_at)"
	"  WHERE status = 'active' AND expires_at IS NOT NULL;"
	"CREATE TABLE events("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL,"
	"  actor TEXT, object_kind TEXT NOT NULL, object_id INTEGER NOT NULL, data TEXT NOT NULL);"
	"CREATE TABLE audit("
	"  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
	"  object_kind TEXT NOT NULL, object_id INTEGER NOT NULL, reason TEXT,"
	"  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE INDEX audit_object ON audit(object_kind, object_id, seq);"
	"CREATE INDEX audit_actor ON audit(actor, seq);"
	"CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TABLE idempotency("
	"  principal TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,"
	"  status INTEGER NOT NULL, body TEXT NOT NULL, etag TEXT, location TEXT,"
	"  created_at INTEGER NOT NULL, PRIMARY KEY(principal, key));"
	"CREATE INDEX idempotency_created ON idempotency(created_at);",

	/* 2: the hourly rollups behind GET /v1/metrics, kept up to date by triggers. */
	store_metrics_schema,

	/*
	 * 3: published policies, and on each request what the policy decided and the
	 * attributes it saw. Requests made before keep NULL in the new columns.
	 */
	"CREATE TABLE policies("
	"  version INTEGER PRIMARY KEY, source TEXT NOT NULL, published_at INTEGER NOT NULL,"
	"  published_by TEXT NOT NULL, sha256 TEXT NOT NULL);"
	"CREATE TRIGGER policies_append_only_update BEFORE UPDATE ON policies"
	"  BEGIN SELECT RAISE(ABORT, 'a published policy never changes'); END;"
	"CREATE TRIGGER policies_append_only_delete BEFORE DELETE ON policies"
	"  BEGIN SELECT RAISE(ABORT, 'a published policy never changes'); END;"
	"ALTER TABLE requests ADD COLUMN policy_decision TEXT;"
	"ALTER TABLE requests ADD COLUMN policy_rule TEXT;"
	"ALTER TABLE requests ADD COLUMN policy_explanation TEXT;"
	"ALTER TABLE requests ADD COLUMN policy_version INTEGER;"
	"ALTER TABLE requests ADD COLUMN policy_attributes TEXT;",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

static int schema_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int version = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

static bool apply_step(sqlite3 *db, int step, char *err, size_t errlen)
{
	char *message = NULL;
	char sql[64];

	if (sqlite3_exec(db, migrations[step], NULL, NULL, &message) != SQLITE_OK) {
		snprintf(err, errlen, "schema migration %d failed: %s", step + 1,
			 message ? message : sqlite3_errmsg(db));
		sqlite3_free(message);
		return false;
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", step + 1);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "recording schema version %d failed: %s", step + 1,
			 sqlite3_errmsg(db));
		return false;
	}
	return true;
}

bool store_migrate(sqlite3 *db, char *err, size_t errlen)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot lock the database to check its schema: %s",
			 sqlite3_errmsg(db));
		return false;
	}
	int version = schema_version(db);
	if (version < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s (is it a SQLite database?)",
			 sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return false;
	}
	if (version > MIGRATION_COUNT) {
		snprintf(err, errlen,
			 "the database has schema version %d but this gatehoused knows only up to %d; "
			 "use a newer gatehoused", version, MIGRATION_COUNT);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return false;
	}
	for (int step = version; step < MIGRATION_COUNT; step++) {
		if (!apply_step(db, step, err, errlen)) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return false;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "committing the schema failed: %s", sqlite3_errmsg(db));
		return false;
	}
	return true;
}
