/* The SQLite store: connections, transactions and statements. */

#include "broker/store_sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker/store_sqlite_schema.h"
#include "common/alloc.h"
#include "common/crypto.h"

/*
 * The WAL pages after which a commit runs a checkpoint; SQLite's default is 1000.
 * A checkpoint copies each changed page once, however often it changed since the
 * last one, and every write rewrites the same tail pages of the feed, the audit
 * trail and their indexes. In the approvals benchmark (bench/run.sh), 4000 pages
 * (a WAL of up to about 16 MiB) halved the page writes per approval and cut the
 * fsyncs from about one per 20 approvals to one per 350.
 */
#define STORE_CHECKPOINT_PAGES "4000"

static pthread_once_t sqlite_configured = PTHREAD_ONCE_INIT;

/*
 * Settings that SQLite accepts only before its first connection opens. Memory statistics
 * take a global mutex on every allocation, which every HTTP thread contended for; nothing
 * in the broker reads them. When something else in the process started SQLite first, the
 * call fails with SQLITE_MISUSE and the statistics stay on, which is slower but correct.
 */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static bool exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *message = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &message) == SQLITE_OK)
		return true;
	snprintf(err, errlen, "%s: %s", sql, message ? message : sqlite3_errmsg(db));
	sqlite3_free(message);
	return false;
}

/*
 * Create the file with mode 0600 before SQLite does: it holds token hashes and the audit trail.
 * An existing file is left alone, because closing a descriptor of a file drops every POSIX
 * lock that this process has on it, the locks of the pool's open connections included. Without
 * its lock a connection looks absent to other processes, and the last of those to close
 * deletes the WAL file that the connection still reads.
 */
static bool create_private_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 && errno == EEXIST)
		return true;
	if (fd < 0) {
		snprintf(err, errlen, "cannot open database %s: %m", path);
		return false;
	}
	close(fd);
	return true;
}

static bool load_broker_id(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char random_token[64], id[SHA256_HEX_LEN];

	if (!token_generate(random_token, sizeof random_token)) {
		snprintf(err, errlen, "the system's random source failed");
		return false;
	}
	sha256_hex(random_token, strlen(random_token), id);
	id[32] = '\0';
	secret_wipe(random_token, sizeof random_token);

	/* The first connection to a new database stores an id; every later one reads it. */
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO meta(key, value) VALUES('broker_id', ?)",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'broker_id'", -1, &st,
			       NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(s->broker_id, sizeof s->broker_id, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return true;
fail:
	snprintf(err, errlen, "cannot record the broker id: %s", sqlite3_errmsg(s->db));
	return false;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = xcalloc(1, sizeof *s);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

	pthread_once(&sqlite_configured, configure_sqlite);
	if (strcmp(path, ":memory:") != 0 && !create_private_file(path, err, errlen))
		goto fail;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	if (!exec_sql(s->db, "PRAGMA journal_mode = WAL", err, errlen) ||
	    !exec_sql(s->db, "PRAGMA synchronous = NORMAL", err, errlen) ||
	    !exec_sql(s->db, "PRAGMA foreign_keys = ON", err, errlen) ||
	    !exec_sql(s->db, "PRAGMA wal_autocheckpoint = " STORE_CHECKPOINT_PAGES, err, errlen) ||
	    !store_migrate(s->db, err, errlen) ||
	    !load_broker_id(s, err, errlen))
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->statement_count; i++)
		sqlite3_finalize(s->statements[i].stmt);
	sqlite3_close(s->db);
	free(s);
}

const char *store_last_error(struct store *s)
{
	return s->error;
}

const char *store_broker_id(struct store *s)
{
	return s->broker_id;
}

sqlite3_stmt *store_statement(struct store *s, const char *sql)
{
	sqlite3_stmt *st;

	for (int i = 0; i < s->statement_count; i++) {
		if (s->statements[i].sql == sql) {
			st = s->statements[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		snprintf(s->error, sizeof s->error, "preparing a statement failed: %s",
			 sqlite3_errmsg(s->db));
		return NULL;
	}
	if (s->statement_count == STORE_STATEMENT_SLOTS) {
		/* More distinct statements than slots: a programming error, not a runtime one. */
		fprintf(stderr, "store: more than %d distinct statements\n", STORE_STATEMENT_SLOTS);
		abort();
	}
	s->statements[s->statement_count].sql = sql;
	s->statements[s->statement_count].stmt = st;
	s->statement_count++;
	return st;
}

enum store_status store_fail(struct store *s, const char *operation)
{
	int code = sqlite3_errcode(s->db);

	snprintf(s->error, sizeof s->error, "%s failed: %s", operation, sqlite3_errmsg(s->db));
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED ||
	    (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		return STORE_BUSY;
	if (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE)
		return STORE_DUPLICATE;
	return STORE_ERROR;
}

enum store_status store_step_done(struct store *s, sqlite3_stmt *st, const char *operation)
{
	int rc = sqlite3_step(st);
	enum store_status status = rc == SQLITE_DONE ? STORE_OK : store_fail(s, operation);

	sqlite3_reset(st);
	return status;
}

void store_bind_text(sqlite3_stmt *st, int index, const char *text)
{
	if (text)
		sqlite3_bind_text(st, index, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, index);
}

void store_bind_time(sqlite3_stmt *st, int index, int64_t t)
{
	if (t)
		sqlite3_bind_int64(st, index, t);
	else
		sqlite3_bind_null(st, index);
}

char *store_column_text(sqlite3_stmt *st, int index)
{
	const unsigned char *text = sqlite3_column_text(st, index);

	if (!text)
		return NULL;
	return xstrndup((const char *)text, (size_t)sqlite3_column_bytes(st, index));
}

enum store_status store_collect_ids(struct store *s, sqlite3_stmt *st, int64_t **ids, size_t *count)
{
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*count = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xreallocarray(*ids, cap, sizeof **ids);
		}
		(*ids)[(*count)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*ids);
		*ids = NULL;
		*count = 0;
		return store_fail(s, "listing ids");
	}
	return STORE_OK;
}

enum store_status store_exec(struct store *s, const char *sql)
{
	sqlite3_stmt *st = store_statement(s, sql);

	return st ? store_step_done(s, st, sql) : STORE_ERROR;
}

/*
 * A pooled connection first takes the pool's writer lock, which also ends the
 * pool's open write group (see store_sqlite_pool.c), and holds it until COMMIT or
 * ROLLBACK. The busy timeout covers writers in other processes.
 */
enum store_status store_begin_write(struct store *s)
{
	enum store_status status;

	if (s->holds_writer_lock) {
		snprintf(s->error, sizeof s->error, "starting a write failed: one is already open");
		return STORE_ERROR;
	}
	if (s->pool && (status = store_pool_lock_writer(s)) != STORE_OK)
		return status;
	status = store_exec(s, "BEGIN IMMEDIATE");
	if (status != STORE_OK)
		store_pool_unlock_writer(s);
	return status;
}

enum store_status store_begin_read(struct store *s)
{
	return store_exec(s, "BEGIN DEFERRED");
}

enum store_status store_commit(struct store *s)
{
	enum store_status status = store_exec(s, "COMMIT");

	if (status != STORE_OK)
		store_rollback(s);
	store_pool_unlock_writer(s);
	return status;
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	store_pool_unlock_writer(s);
}
