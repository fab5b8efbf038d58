/*
 * Tests of the console's SQLite cache (cache/). Each test gets a new
 * directory under /tmp and removes it afterwards. The query-plan test reads
 * the handle's prepared statements through cache/internal.h.
 */

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/json.h"
#include "cache/cache.h"
#include "cache/internal.h"
#include "cache/objects.h"
#include "cache/outbox.h"
#include "common/alloc.h"
#include "tests/support/check_main.h"

#define HOSTILE_STRINGS_PATH "tests/fixtures/hostile-strings.json"
#define MANY_ROWS 100000

static char test_directory[64];
static char cache_path[512];
static char error[1024];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void make_test_directory(void)
{
	snprintf(test_directory, sizeof test_directory, "/tmp/test_cache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(test_directory));
	snprintf(cache_path, sizeof cache_path, "%s/cache.db", test_directory);
}

static void remove_test_directory(void)
{
	nftw(test_directory, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct cache *open_cache(void)
{
	struct cache *cache = cache_open(cache_path, error, sizeof error);

	ck_assert_msg(cache != NULL, "cache_open: %s", error);
	return cache;
}

static mode_t file_mode(const char *path)
{
	struct stat st;

	ck_assert_msg(stat(path, &st) == 0, "stat %s", path);
	return st.st_mode & 07777;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Run SQL on the file through a connection of the test's own, bypassing cache/. */
static void exec_raw(const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(cache_path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	sqlite3_close(db);
}

static int pragma_raw(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *statement;
	int value;

	ck_assert_int_eq(sqlite3_open(cache_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &statement, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(statement), SQLITE_ROW);
	value = sqlite3_column_int(statement, 0);
	sqlite3_finalize(statement);
	sqlite3_close(db);
	return value;
}

static struct access_request make_request(int64_t id, enum request_status status,
					  int64_t created_at, int64_t version)
{
	struct access_request r = { 0 };

	r.id = id;
	r.status = status;
	r.requester = xstrdup("emp-00017");
	r.resource = xstrdup("res-39353");
	r.role = xstrdup("read");
	r.reason = xstrdup("INC-2211: restore the billing export");
	r.duration_seconds = 14400;
	r.created_at = created_at;
	r.expires_at = created_at + 86400;
	r.approvals_needed = 2;
	r.approver_group = xstrdup("payments-owners");
	r.version = version;
	return r;
}

static void put_request(struct cache *cache, int64_t id, enum request_status status,
			int64_t created_at, int64_t version)
{
	struct access_request r = make_request(id, status, created_at, version);

	ck_assert_msg(cache_put_request(cache, &r, NULL), "%s", cache_last_error(cache));
	access_request_free(&r);
}

static struct grant make_grant(int64_t id, enum grant_status status, int64_t expires_at,
			       int64_t version)
{
	struct grant g = { 0 };

	g.id = id;
	g.request_id = id + 1000;
	g.principal = xstrdup("emp-00017");
	g.resource = xstrdup("res-39353");
	g.role = xstrdup("read");
	g.kind = expires_at ? GRANT_JIT : GRANT_STANDING;
	g.status = status;
	g.granted_at = 1796400000;
	g.expires_at = expires_at;
	g.reason = xstrdup("INC-2211");
	g.version = version;
	return g;
}

static void put_grant(struct cache *cache, int64_t id, enum grant_status status,
		      int64_t expires_at, int64_t version)
{
	struct grant g = make_grant(id, status, expires_at, version);

	ck_assert_msg(cache_put_grant(cache, &g, NULL), "%s", cache_last_error(cache));
	grant_free(&g);
}

static void put_audit(struct cache *cache, int64_t seq, const char *kind, int64_t object_id)
{
	struct audit_entry e = { 0 };

	e.seq = seq;
	e.at = 1796400000 + seq;
	e.actor = xstrdup("demo-approver");
	e.action = xstrdup("request.approve");
	e.object_kind = xstrdup(kind);
	e.object_id = object_id;
	e.reason = xstrdup("ok");
	e.prev_hash = xstrdup("00");
	e.hash = xstrdup("c1");
	ck_assert_msg(cache_put_audit_entry(cache, &e, NULL), "%s", cache_last_error(cache));
	audit_entry_free(&e);
}

static bool request_cached(struct cache *cache, int64_t id)
{
	struct access_request r;
	enum cache_result result = cache_get_request(cache, id, &r);

	ck_assert_int_ne(result, CACHE_ERROR);
	if (result == CACHE_FOUND)
		access_request_free(&r);
	return result == CACHE_FOUND;
}

START_TEST(test_open_private_modes)
{
	char directory[400], sibling[600];
	struct cache *cache;

	umask(0);
	snprintf(directory, sizeof directory, "%s/a/b", test_directory);
	snprintf(cache_path, sizeof cache_path, "%s/cache.db", directory);
	cache = open_cache();
	put_request(cache, 1, REQUEST_PENDING, 100, 1);

	ck_assert_int_eq(file_mode(directory), 0700);
	*strrchr(directory, '/') = '\0';
	ck_assert_int_eq(file_mode(directory), 0700);
	ck_assert_int_eq(file_mode(cache_path), 0600);
	snprintf(sibling, sizeof sibling, "%s-wal", cache_path);
	ck_assert_int_eq(file_mode(sibling), 0600);
	snprintf(sibling, sizeof sibling, "%s-shm", cache_path);
	ck_assert_int_eq(file_mode(sibling), 0600);
	ck_assert_int_eq(umask(0), 0);
	cache_close(cache);
}
END_TEST

START_TEST(test_open_tightens_loose_file)
{
	char wal[600];
	struct cache *cache;

	umask(0);
	cache = open_cache();
	cache_close(cache);
	chmod(cache_path, 0644);
	snprintf(wal, sizeof wal, "%s-wal", cache_path);
	write_file(wal, "", 0666);

	cache = open_cache();
	ck_assert_int_eq(file_mode(cache_path), 0600);
	put_request(cache, 1, REQUEST_PENDING, 100, 1);
	ck_assert_int_eq(file_mode(wal), 0600);
	cache_close(cache);
}
END_TEST

START_TEST(test_open_rejects_symlink)
{
	char target[600];

	snprintf(target, sizeof target, "%s/elsewhere.db", test_directory);
	write_file(target, "", 0600);
	ck_assert_int_eq(symlink(target, cache_path), 0);
	ck_assert_ptr_null(cache_open(cache_path, error, sizeof error));
	ck_assert_msg(strstr(error, cache_path) != NULL, "error: %s", error);
	ck_assert_msg(strstr(error, "symbolic link") != NULL, "error: %s", error);
}
END_TEST

START_TEST(test_reopen_keeps_data)
{
	struct cache *cache = open_cache();
	struct access_request r;
	int64_t seq = 0;

	put_request(cache, 42, REQUEST_PENDING, 100, 3);
	ck_assert(cache_set_last_seq(cache, 1031));
	cache_close(cache);

	cache = open_cache();
	ck_assert_int_eq(cache_get_request(cache, 42, &r), CACHE_FOUND);
	ck_assert_int_eq(r.version, 3);
	ck_assert_str_eq(r.reason, "INC-2211: restore the billing export");
	access_request_free(&r);
	ck_assert(cache_get_last_seq(cache, &seq));
	ck_assert_int_eq(seq, 1031);
	cache_close(cache);
}
END_TEST

START_TEST(test_migrate_empty_file)
{
	struct cache *cache;

	write_file(cache_path, "", 0600);
	cache = open_cache();
	cache_close(cache);

	ck_assert_int_eq(pragma_raw("PRAGMA user_version"), 3);
	ck_assert_int_eq(pragma_raw("PRAGMA application_id"), 0x47544853);
	ck_assert_int_eq(pragma_raw("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				    " AND name IN ('meta', 'requests', 'grants', 'audit', 'outbox')"),
			 5);
	ck_assert_int_eq(pragma_raw("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
			 1);
}
END_TEST

START_TEST(test_open_rejects_newer_schema)
{
	cache_close(open_cache());
	exec_raw("PRAGMA user_version = 99");

	ck_assert_ptr_null(cache_open(cache_path, error, sizeof error));
	ck_assert_msg(strstr(error, "schema version 99") != NULL, "error: %s", error);
	ck_assert_msg(strstr(error, "upgrade gatehouse") != NULL, "error: %s", error);
	ck_assert_msg(strstr(error, cache_path) != NULL, "error: %s", error);
}
END_TEST

START_TEST(test_open_rejects_other_database)
{
	exec_raw("PRAGMA application_id = 1234; CREATE TABLE notes (text TEXT)");

	ck_assert_ptr_null(cache_open(cache_path, error, sizeof error));
	ck_assert_msg(strstr(error, "another program") != NULL, "error: %s", error);
}
END_TEST

START_TEST(test_open_rejects_non_database)
{
	char text[4096];

	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	write_file(cache_path, text, 0600);

	ck_assert_ptr_null(cache_open(cache_path, error, sizeof error));
	ck_assert_msg(strstr(error, "not a SQLite database") != NULL, "error: %s", error);
	ck_assert_msg(strstr(error, "delete it") != NULL, "error: %s", error);
	ck_assert_msg(strstr(error, cache_path) != NULL, "error: %s", error);
}
END_TEST

START_TEST(test_put_request_version_rule)
{
	struct cache *cache = open_cache();
	struct access_request r = make_request(7, REQUEST_PENDING, 100, 2);
	struct access_request read;

	ck_assert(cache_put_request(cache, &r, NULL));
	r.version = 1;
	r.status = REQUEST_DENIED;
	ck_assert(cache_put_request(cache, &r, NULL));
	ck_assert_int_eq(cache_get_request(cache, 7, &read), CACHE_FOUND);
	ck_assert_int_eq(read.version, 2);
	ck_assert_int_eq(read.status, REQUEST_PENDING);
	access_request_free(&read);

	r.version = 3;
	r.status = REQUEST_APPROVED;
	r.grant_id = 9;
	ck_assert(cache_put_request(cache, &r, NULL));
	ck_assert_int_eq(cache_get_request(cache, 7, &read), CACHE_FOUND);
	ck_assert_int_eq(read.version, 3);
	ck_assert_int_eq(read.status, REQUEST_APPROVED);
	ck_assert_int_eq(read.grant_id, 9);
	access_request_free(&read);
	ck_assert_int_eq(cache_count_pending(cache), 0);

	access_request_free(&r);
	cache_close(cache);
}
END_TEST

START_TEST(test_put_grant_version_rule)
{
	struct cache *cache = open_cache();
	struct grant g = make_grant(5, GRANT_REVOKED, 1796500000, 2);
	struct grant read;

	ck_assert_int_eq(cache_get_grant(cache, 5, &read), CACHE_NOT_FOUND);
	ck_assert(cache_put_grant(cache, &g, NULL));
	g.version = 1;
	g.status = GRANT_ACTIVE;
	ck_assert(cache_put_grant(cache, &g, NULL));
	ck_assert_int_eq(cache_get_grant(cache, 5, &read), CACHE_FOUND);
	ck_assert_int_eq(read.status, GRANT_REVOKED);
	ck_assert_int_eq(read.version, 2);
	ck_assert_int_eq(read.request_id, 1005);
	ck_assert_int_eq(read.expires_at, 1796500000);
	ck_assert_str_eq(read.principal, "emp-00017");
	grant_free(&read);
	ck_assert_int_eq(cache_count_active_grants(cache), 0);

	g.version = 3;
	g.status = GRANT_EXPIRED;
	ck_assert(cache_put_grant(cache, &g, NULL));
	ck_assert_int_eq(cache_get_grant(cache, 5, &read), CACHE_FOUND);
	ck_assert_int_eq(read.status, GRANT_EXPIRED);
	grant_free(&read);

	grant_free(&g);
	cache_close(cache);
}
END_TEST

START_TEST(test_put_stores_broker_json)
{
	struct cache *cache = open_cache();
	struct access_request r = make_request(8, REQUEST_PENDING, 100, 1);
	struct access_request read;
	const char *json = "{\"id\": 8, \"status\": \"pending\", \"requester\": \"emp-00017\","
			   " \"reason\": \"from the broker\", \"version\": 1,"
			   " \"approvals\": [{\"approver\": \"demo-approver\", \"reason\": \"ok\","
			   " \"at\": \"2026-12-04T15:02:00Z\"}], \"field_from_the_future\": 1}";

	ck_assert(cache_put_request(cache, &r, json));
	ck_assert_int_eq(cache_get_request(cache, 8, &read), CACHE_FOUND);
	ck_assert_str_eq(read.reason, "from the broker");
	ck_assert_uint_eq(read.approval_count, 1);
	ck_assert_str_eq(read.approvals[0].approver, "demo-approver");
	access_request_free(&read);
	ck_assert_int_eq(cache_get_request(cache, 9, &read), CACHE_NOT_FOUND);

	access_request_free(&r);
	cache_close(cache);
}
END_TEST

START_TEST(test_get_request_bad_json)
{
	struct cache *cache = open_cache();
	struct access_request r = make_request(8, REQUEST_PENDING, 100, 1);
	struct access_request read;

	ck_assert(cache_put_request(cache, &r, "{\"id\": 8, \"status\": 12}"));
	ck_assert_int_eq(cache_get_request(cache, 8, &read), CACHE_ERROR);
	ck_assert_msg(strstr(cache_last_error(cache), "decode cached request 8") != NULL,
		      "error: %s", cache_last_error(cache));
	ck_assert_msg(strstr(cache_last_error(cache), "status") != NULL,
		      "error: %s", cache_last_error(cache));

	access_request_free(&r);
	cache_close(cache);
}
END_TEST

START_TEST(test_pending_order_and_counts)
{
	struct cache *cache = open_cache();
	struct request_row *rows;
	size_t count;

	put_request(cache, 1, REQUEST_PENDING, 300, 1);
	put_request(cache, 2, REQUEST_PENDING, 100, 1);
	put_request(cache, 3, REQUEST_APPROVED, 50, 2);
	put_request(cache, 4, REQUEST_PENDING, 100, 1);
	put_request(cache, 5, REQUEST_PENDING, 200, 1);

	ck_assert_int_eq(cache_count_pending(cache), 4);
	count = cache_load_pending(cache, &rows);
	ck_assert_ptr_nonnull(rows);
	ck_assert_uint_eq(count, 4);
	ck_assert_int_eq(rows[0].id, 2);
	ck_assert_int_eq(rows[1].id, 4);
	ck_assert_int_eq(rows[2].id, 5);
	ck_assert_int_eq(rows[3].id, 1);
	ck_assert_int_eq(rows[0].status, REQUEST_PENDING);
	ck_assert_str_eq(rows[0].requester, "emp-00017");
	ck_assert_str_eq(rows[0].approver_group, "payments-owners");
	ck_assert_int_eq(rows[0].created_at, 100);
	ck_assert_int_eq(rows[0].expires_at, 100 + 86400);
	ck_assert_int_eq(rows[0].duration_seconds, 14400);
	ck_assert_int_eq(rows[0].approvals_needed, 2);
	ck_assert_int_eq(rows[0].approval_count, 0);
	ck_assert_int_eq(rows[0].version, 1);
	request_rows_free(rows);

	count = cache_load_pending_page(cache, 2, &rows);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(rows[0].id, 2);
	ck_assert_int_eq(rows[1].id, 4);
	request_rows_free(rows);

	count = cache_load_pending_page(cache, 0, &rows);
	ck_assert_uint_eq(count, 0);
	ck_assert_ptr_nonnull(rows);
	request_rows_free(rows);
	cache_close(cache);
}
END_TEST

START_TEST(test_active_grants_order_and_counts)
{
	struct cache *cache = open_cache();
	struct grant g = make_grant(6, GRANT_ACTIVE, 500, 1);
	struct grant_row *rows;
	size_t count;

	put_grant(cache, 1, GRANT_ACTIVE, 0, 1);
	put_grant(cache, 2, GRANT_ACTIVE, 900, 1);
	put_grant(cache, 3, GRANT_REVOKED, 100, 2);
	put_grant(cache, 4, GRANT_ACTIVE, 300, 1);
	put_grant(cache, 5, GRANT_ACTIVE, 300, 1);
	free(g.principal);
	g.principal = xstrdup("emp-00099");
	ck_assert(cache_put_grant(cache, &g, NULL));

	count = cache_load_active_grants(cache, &rows);
	ck_assert_uint_eq(count, 5);
	ck_assert_int_eq(rows[0].id, 4);
	ck_assert_int_eq(rows[1].id, 5);
	ck_assert_int_eq(rows[2].id, 6);
	ck_assert_int_eq(rows[3].id, 2);
	ck_assert_int_eq(rows[4].id, 1);
	ck_assert_int_eq(rows[4].expires_at, 0);
	ck_assert_int_eq(rows[4].kind, GRANT_STANDING);
	ck_assert_int_eq(rows[0].kind, GRANT_JIT);
	ck_assert_int_eq(rows[0].status, GRANT_ACTIVE);
	ck_assert_int_eq(rows[0].granted_at, 1796400000);
	ck_assert_str_eq(rows[2].principal, "emp-00099");
	ck_assert_str_eq(rows[0].resource, "res-39353");
	ck_assert_str_eq(rows[0].role, "read");
	grant_rows_free(rows);

	count = cache_load_active_grants_page(cache, 2, &rows);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(rows[1].id, 5);
	grant_rows_free(rows);

	ck_assert_int_eq(cache_count_active_grants(cache), 5);
	ck_assert_int_eq(cache_count_active_grants_matching(cache, "emp-00017", NULL), 4);
	ck_assert_int_eq(cache_count_active_grants_matching(cache, NULL, "res-39353"), 5);
	ck_assert_int_eq(cache_count_active_grants_matching(cache, "emp-00099", "res-39353"), 1);
	ck_assert_int_eq(cache_count_active_grants_matching(cache, "emp-00099", "res-1"), 0);
	ck_assert_int_eq(cache_count_active_grants_matching(cache, NULL, NULL), 5);

	grant_free(&g);
	cache_close(cache);
}
END_TEST

/* Return the EXPLAIN QUERY PLAN details of a statement's SQL, joined by " | ". */
static char *query_plan(struct cache *cache, sqlite3_stmt *statement)
{
	char sql[2048];
	sqlite3_stmt *explain;
	char *plan = xstrdup("");

	ck_assert_ptr_nonnull(statement);
	snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", sqlite3_sql(statement));
	ck_assert_int_eq(sqlite3_prepare_v2(cache->db, sql, -1, &explain, NULL), SQLITE_OK);
	while (sqlite3_step(explain) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(explain, 3);
		size_t length = strlen(plan) + strlen(detail) + 4;
		char *joined = xmalloc(length);
		snprintf(joined, length, "%s | %s", plan, detail);
		free(plan);
		plan = joined;
	}
	sqlite3_finalize(explain);
	return plan;
}

static void assert_plan_uses(struct cache *cache, enum cache_statement id, const char *index)
{
	char *plan = query_plan(cache, cache->statements[id]);

	ck_assert_msg(strstr(plan, index) != NULL, "plan without %s: %s", index, plan);
	ck_assert_msg(strstr(plan, "TEMP B-TREE") == NULL, "plan sorts: %s", plan);
	free(plan);
}

START_TEST(test_list_queries_use_indexes)
{
	struct cache *cache = open_cache();
	struct request_row *requests;
	struct grant_row *grants;

	/* Load once so that the handle has prepared the statements. */
	cache_load_pending(cache, &requests);
	request_rows_free(requests);
	cache_load_active_grants(cache, &grants);
	grant_rows_free(grants);
	ck_assert_int_eq(cache_count_pending(cache), 0);
	ck_assert_int_eq(cache_count_active_grants(cache), 0);

	/* Covering: the loads never read the table's pages, where the JSON makes rows large. */
	assert_plan_uses(cache, STMT_PENDING_LOAD, "USING COVERING INDEX requests_pending_rows");
	assert_plan_uses(cache, STMT_PENDING_COUNT, "requests_pending_rows");
	assert_plan_uses(cache, STMT_ACTIVE_GRANTS_EXPIRING, "USING COVERING INDEX grants_active_rows");
	assert_plan_uses(cache, STMT_ACTIVE_GRANTS_STANDING, "USING COVERING INDEX grants_active_rows");
	assert_plan_uses(cache, STMT_ACTIVE_GRANTS_COUNT, "grants_active_rows");
	cache_close(cache);
}
END_TEST

START_TEST(test_resync_deletes_unseen)
{
	struct cache *cache = open_cache();

	put_request(cache, 1, REQUEST_PENDING, 100, 1);
	put_request(cache, 2, REQUEST_PENDING, 100, 1);
	put_request(cache, 3, REQUEST_PENDING, 100, 5);
	put_request(cache, 4, REQUEST_APPROVED, 100, 2);

	ck_assert(cache_resync_begin(cache, CACHE_REQUESTS));
	put_request(cache, 1, REQUEST_PENDING, 100, 1);
	/* An older version than the cache has: ignored, but still seen. */
	put_request(cache, 3, REQUEST_PENDING, 100, 4);
	ck_assert_int_eq(cache_resync_end(cache, CACHE_REQUESTS, NULL), 2);

	ck_assert(request_cached(cache, 1));
	ck_assert(!request_cached(cache, 2));
	ck_assert(request_cached(cache, 3));
	ck_assert(!request_cached(cache, 4));
	cache_close(cache);
}
END_TEST

START_TEST(test_resync_by_status)
{
	struct cache *cache = open_cache();

	put_request(cache, 1, REQUEST_PENDING, 100, 1);
	put_request(cache, 2, REQUEST_PENDING, 100, 1);
	put_request(cache, 3, REQUEST_DENIED, 100, 2);

	ck_assert(cache_resync_begin(cache, CACHE_REQUESTS));
	put_request(cache, 1, REQUEST_PENDING, 100, 1);
	ck_assert_int_eq(cache_resync_end(cache, CACHE_REQUESTS, "pending"), 1);
	ck_assert(request_cached(cache, 1));
	ck_assert(!request_cached(cache, 2));
	ck_assert(request_cached(cache, 3));

	/* A second resync starts a new generation: what the first saw counts for nothing. */
	ck_assert(cache_resync_begin(cache, CACHE_REQUESTS));
	ck_assert_int_eq(cache_resync_end(cache, CACHE_REQUESTS, NULL), 2);
	ck_assert_int_eq(cache_count_pending(cache), 0);
	cache_close(cache);
}
END_TEST

START_TEST(test_resync_grants)
{
	struct cache *cache = open_cache();
	struct grant read;

	put_grant(cache, 1, GRANT_ACTIVE, 900, 1);
	put_grant(cache, 2, GRANT_ACTIVE, 900, 3);
	put_grant(cache, 3, GRANT_ACTIVE, 900, 1);
	put_request(cache, 1, REQUEST_PENDING, 100, 1);

	ck_assert(cache_resync_begin(cache, CACHE_GRANTS));
	put_grant(cache, 2, GRANT_ACTIVE, 900, 2);
	put_grant(cache, 3, GRANT_ACTIVE, 900, 1);
	ck_assert_int_eq(cache_resync_end(cache, CACHE_GRANTS, NULL), 1);
	ck_assert_int_eq(cache_get_grant(cache, 1, &read), CACHE_NOT_FOUND);
	ck_assert_int_eq(cache_get_grant(cache, 2, &read), CACHE_FOUND);
	ck_assert_int_eq(read.version, 3);
	grant_free(&read);
	ck_assert_int_eq(cache_count_active_grants(cache), 2);
	/* A resync of grants leaves requests alone. */
	ck_assert(request_cached(cache, 1));
	cache_close(cache);
}
END_TEST

START_TEST(test_clear_objects_keeps_outbox)
{
	struct cache *cache = open_cache();
	char key[OUTBOX_KEY_SIZE];
	struct audit_entry *entries;
	struct outbox_item *items;
	int64_t seq = -1;
	int64_t sent_id;

	put_request(cache, 1, REQUEST_PENDING, 100, 1);
	put_grant(cache, 1, GRANT_ACTIVE, 900, 1);
	put_audit(cache, 1, "request", 1);
	ck_assert(cache_set_last_seq(cache, 88));
	ck_assert(cache_set_broker_id(cache, "4f3c9a0e1b2d7c65"));
	sent_id = cache_outbox_add(cache, "POST", "/v1/requests/1/approve", "{}", 1, "request", 1,
				   "approve request 1", key);
	ck_assert_int_gt(sent_id, 0);
	ck_assert_int_gt(cache_outbox_add(cache, "POST", "/v1/requests/1/cancel", "{}", 0,
					  "request", 1, "cancel request 1", key), 0);
	ck_assert(cache_outbox_mark(cache, sent_id, OUTBOX_DONE, 200, NULL));

	ck_assert_int_eq(cache_clear_objects(cache), 1);
	ck_assert(!request_cached(cache, 1));
	ck_assert_int_eq(cache_count_active_grants(cache), 0);
	ck_assert_uint_eq(cache_list_audit(cache, "request", 1, &entries), 0);
	audit_entries_free(entries, 0);
	ck_assert(cache_get_last_seq(cache, &seq));
	ck_assert_int_eq(seq, 0);
	ck_assert_uint_eq(cache_outbox_list_recent(cache, 10, &items), 2);
	outbox_items_free(items, 2);
	ck_assert_int_eq(cache_outbox_pending_count(cache), 1);
	cache_close(cache);
}
END_TEST

START_TEST(test_outbox_claim_and_mark)
{
	struct cache *cache = open_cache();
	char first_key[OUTBOX_KEY_SIZE], second_key[OUTBOX_KEY_SIZE];
	struct outbox_item item;
	int64_t first, second;

	first = cache_outbox_add(cache, "POST", "/v1/requests/42/approve", "{\"reason\":\"ok\"}", 2,
				 "request", 42, "approve request 42", first_key);
	second = cache_outbox_add(cache, "POST", "/v1/grants/revoke",
				  "{\"principal\":\"emp-00017\",\"reason\":\"incident\"}", 0, NULL, 0,
				  "revoke every grant of emp-00017", second_key);
	ck_assert_int_gt(first, 0);
	ck_assert_int_gt(second, first);
	ck_assert_str_ne(first_key, second_key);
	ck_assert_int_eq(cache_outbox_pending_count(cache), 2);

	ck_assert_int_eq(cache_outbox_claim_next(cache, 3600, &item), CACHE_FOUND);
	ck_assert_int_eq(item.id, first);
	ck_assert_str_eq(item.idempotency_key, first_key);
	ck_assert_str_eq(item.method, "POST");
	ck_assert_str_eq(item.path, "/v1/requests/42/approve");
	ck_assert_str_eq(item.body, "{\"reason\":\"ok\"}");
	ck_assert_int_eq(item.if_match, 2);
	ck_assert_str_eq(item.object_kind, "request");
	ck_assert_int_eq(item.object_id, 42);
	ck_assert_str_eq(item.label, "approve request 42");
	ck_assert_int_eq(item.state, OUTBOX_SENDING);
	ck_assert_int_eq(item.attempts, 1);
	ck_assert_int_eq(item.last_status, 0);
	ck_assert_ptr_null(item.last_error);
	outbox_item_free(&item);

	ck_assert_int_eq(cache_outbox_claim_next(cache, 3600, &item), CACHE_FOUND);
	ck_assert_int_eq(item.id, second);
	ck_assert_ptr_null(item.object_kind);
	ck_assert_int_eq(item.if_match, 0);
	outbox_item_free(&item);
	ck_assert_int_eq(cache_outbox_claim_next(cache, 3600, &item), CACHE_NOT_FOUND);
	ck_assert_int_eq(cache_outbox_pending_count(cache), 2);

	ck_assert(cache_outbox_mark(cache, first, OUTBOX_DONE, 200, NULL));
	ck_assert(cache_outbox_mark(cache, second, OUTBOX_CONFLICT, 409, "not_pending: decided"));
	ck_assert_int_eq(cache_outbox_pending_count(cache), 0);
	ck_assert(!cache_outbox_mark(cache, 999, OUTBOX_DONE, 200, NULL));
	ck_assert_msg(strstr(cache_last_error(cache), "999") != NULL, "error: %s",
		      cache_last_error(cache));
	cache_close(cache);
}
END_TEST

START_TEST(test_outbox_stale_sending_reclaimed)
{
	struct cache *cache = open_cache();
	char key[OUTBOX_KEY_SIZE];
	struct outbox_item item;
	int64_t id;

	id = cache_outbox_add(cache, "POST", "/v1/grants/7/revoke", "{\"reason\":\"done\"}", 1,
			      "grant", 7, "revoke grant 7", key);
	ck_assert_int_eq(cache_outbox_claim_next(cache, 3600, &item), CACHE_FOUND);
	outbox_item_free(&item);
	/* Still sending and not yet stale, so no other sender may claim it. */
	ck_assert_int_eq(cache_outbox_claim_next(cache, 3600, &item), CACHE_NOT_FOUND);

	/* With a cutoff of 0 seconds every sending item is stale, as after a crash mid-send. */
	ck_assert_int_eq(cache_outbox_claim_next(cache, 0, &item), CACHE_FOUND);
	ck_assert_int_eq(item.id, id);
	ck_assert_str_eq(item.idempotency_key, key);
	ck_assert_int_eq(item.attempts, 2);
	outbox_item_free(&item);
	cache_close(cache);
}
END_TEST

START_TEST(test_outbox_key_format)
{
	struct cache *cache = open_cache();
	char key[OUTBOX_KEY_SIZE];

	ck_assert_int_gt(cache_outbox_add(cache, "POST", "/v1/requests", "{}", 0, NULL, 0,
					  "create request", key), 0);
	ck_assert_uint_eq(strlen(key), 32);
	ck_assert_uint_eq(strspn(key, "0123456789abcdef"), 32);
	cache_close(cache);
}
END_TEST

static int synchronous_mode(struct cache *cache)
{
	sqlite3_stmt *statement;
	int mode;

	ck_assert_int_eq(sqlite3_prepare_v2(cache->db, "PRAGMA synchronous", -1, &statement, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(statement), SQLITE_ROW);
	mode = sqlite3_column_int(statement, 0);
	sqlite3_finalize(statement);
	return mode;
}

/* The outbox commit switches to FULL (2) for itself and back to NORMAL (1) afterwards. */
START_TEST(test_outbox_add_restores_synchronous)
{
	struct cache *cache = open_cache();
	char key[OUTBOX_KEY_SIZE];

	ck_assert_int_eq(synchronous_mode(cache), 1);
	ck_assert_int_gt(cache_outbox_add(cache, "POST", "/v1/requests", "{}", 0, NULL, 0,
					  "create request", key), 0);
	ck_assert_int_eq(synchronous_mode(cache), 1);
	ck_assert_int_lt(cache_outbox_add(cache, "POST", "/v1/requests", "{}", 0, NULL, 0,
					  NULL, key), 0);
	ck_assert_msg(strstr(cache_last_error(cache), "NOT NULL") != NULL, "error: %s",
		      cache_last_error(cache));
	ck_assert_int_eq(synchronous_mode(cache), 1);
	cache_close(cache);
}
END_TEST

START_TEST(test_outbox_list_and_delete_done)
{
	struct cache *cache = open_cache();
	char key[OUTBOX_KEY_SIZE];
	struct outbox_item *items;
	int64_t ids[3];
	size_t count;

	for (int i = 0; i < 3; i++)
		ids[i] = cache_outbox_add(cache, "POST", "/v1/requests", "{}", 0, NULL, 0,
					  "create request", key);
	ck_assert(cache_outbox_mark(cache, ids[0], OUTBOX_DONE, 201, NULL));
	ck_assert(cache_outbox_mark(cache, ids[1], OUTBOX_FAILED, 400, "invalid: reason"));

	count = cache_outbox_list_recent(cache, 2, &items);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(items[0].id, ids[2]);
	ck_assert_int_eq(items[0].state, OUTBOX_QUEUED);
	ck_assert_int_eq(items[1].id, ids[1]);
	ck_assert_int_eq(items[1].state, OUTBOX_FAILED);
	ck_assert_int_eq(items[1].last_status, 400);
	ck_assert_str_eq(items[1].last_error, "invalid: reason");
	outbox_items_free(items, count);

	ck_assert_int_eq(cache_outbox_delete_done(cache, 0), 0);
	ck_assert_int_eq(cache_outbox_delete_done(cache, INT64_MAX), 1);
	count = cache_outbox_list_recent(cache, 10, &items);
	ck_assert_uint_eq(count, 2);
	outbox_items_free(items, count);
	cache_close(cache);
}
END_TEST

START_TEST(test_outbox_state_names)
{
	ck_assert_str_eq(outbox_state_name(OUTBOX_QUEUED), "queued");
	ck_assert_str_eq(outbox_state_name(OUTBOX_SENDING), "sending");
	ck_assert_str_eq(outbox_state_name(OUTBOX_DONE), "done");
	ck_assert_str_eq(outbox_state_name(OUTBOX_FAILED), "failed");
	ck_assert_str_eq(outbox_state_name(OUTBOX_CONFLICT), "conflict");
	ck_assert_str_eq(outbox_state_name(OUTBOX_DROPPED), "dropped");
	ck_assert_str_eq(outbox_state_name(OUTBOX_RETRIED), "retried");
}
END_TEST

/* A cache file as schema version 2 left it: the outbox of the first schema, with one item. */
static void write_version_2_outbox(void)
{
	exec_raw("CREATE TABLE outbox ("
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
		 "CREATE INDEX outbox_by_state ON outbox (state, id);"
		 "INSERT INTO outbox (idempotency_key, method, path, body, if_match, object_kind,"
		 "  object_id, label, state, attempts, created_at, updated_at, last_status, last_error)"
		 "  VALUES ('0123456789abcdef0123456789abcdef', 'POST', '/v1/requests/42/approve',"
		 "  '{}', 3, 'request', 42, 'approve request 42', 'conflict', 2, 100, 200, 409,"
		 "  'request 42 was already approved by alice');"
		 "PRAGMA application_id = 1196705875; PRAGMA user_version = 2;");
}

START_TEST(test_migrate_outbox_keeps_items)
{
	struct cache *cache;
	struct outbox_item item;

	write_version_2_outbox();
	cache = open_cache();
	ck_assert_int_eq(cache_outbox_get(cache, 1, &item), CACHE_FOUND);
	ck_assert_str_eq(item.idempotency_key, "0123456789abcdef0123456789abcdef");
	ck_assert_str_eq(item.path, "/v1/requests/42/approve");
	ck_assert_int_eq(item.if_match, 3);
	ck_assert_int_eq(item.state, OUTBOX_CONFLICT);
	ck_assert_int_eq(item.attempts, 2);
	ck_assert_int_eq(item.created_at, 100);
	ck_assert_int_eq(item.last_status, 409);
	ck_assert_str_eq(item.last_error, "request 42 was already approved by alice");
	ck_assert_int_eq(item.replaced_by, 0);
	outbox_item_free(&item);
	/* The new states fit the new constraint. */
	ck_assert_msg(cache_outbox_drop(cache, 1), "%s", cache_last_error(cache));
	ck_assert_int_eq(cache_outbox_get(cache, 1, &item), CACHE_FOUND);
	ck_assert_int_eq(item.state, OUTBOX_DROPPED);
	outbox_item_free(&item);
	cache_close(cache);
	ck_assert_int_eq(pragma_raw("PRAGMA user_version"), 3);
	ck_assert_int_eq(pragma_raw("SELECT count(*) FROM sqlite_master WHERE name = 'outbox_by_state'"),
			 1);
}
END_TEST

static int64_t add_item(struct cache *cache, int64_t object_id, char key[OUTBOX_KEY_SIZE])
{
	char path[64], label[64];

	snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)object_id);
	snprintf(label, sizeof label, "approve request %lld", (long long)object_id);
	int64_t id = cache_outbox_add(cache, "POST", path, "{\"reason\":\"ok\"}", 1, "request",
				      object_id, label, key);
	ck_assert_int_gt(id, 0);
	return id;
}

static enum outbox_state item_state(struct cache *cache, int64_t id)
{
	struct outbox_item item;
	enum outbox_state state;

	ck_assert_int_eq(cache_outbox_get(cache, id, &item), CACHE_FOUND);
	state = item.state;
	outbox_item_free(&item);
	return state;
}

START_TEST(test_outbox_requeue_sending)
{
	struct cache *cache = open_cache();
	char key[OUTBOX_KEY_SIZE];
	struct outbox_item item;
	int64_t sent = add_item(cache, 1, key), waiting = add_item(cache, 2, key);

	ck_assert_int_eq(cache_outbox_claim_next(cache, 3600, &item), CACHE_FOUND);
	ck_assert_int_eq(item.id, sent);
	outbox_item_free(&item);
	ck_assert_int_eq(cache_outbox_requeue_sending(cache), 1);
	ck_assert_int_eq(item_state(cache, sent), OUTBOX_QUEUED);
	ck_assert_int_eq(item_state(cache, waiting), OUTBOX_QUEUED);
	ck_assert_int_eq(cache_outbox_pending_count(cache), 2);
	/* It goes first again, with its attempt counted. */
	ck_assert_int_eq(cache_outbox_claim_next(cache, 3600, &item), CACHE_FOUND);
	ck_assert_int_eq(item.id, sent);
	ck_assert_int_eq(item.attempts, 2);
	outbox_item_free(&item);
	ck_assert(cache_outbox_mark(cache, sent, OUTBOX_DONE, 200, NULL));
	ck_assert_int_eq(cache_outbox_requeue_sending(cache), 0);
	ck_assert_int_eq(item_state(cache, sent), OUTBOX_DONE);
	ck_assert_int_eq(cache_outbox_get(cache, 999, &item), CACHE_NOT_FOUND);
	cache_close(cache);
}
END_TEST

START_TEST(test_outbox_requeue_as_new)
{
	struct cache *cache = open_cache();
	char old_key[OUTBOX_KEY_SIZE], new_key[OUTBOX_KEY_SIZE];
	struct outbox_item old, fresh;
	int64_t id = add_item(cache, 42, old_key), queued = add_item(cache, 43, new_key);

	ck_assert(cache_outbox_mark(cache, id, OUTBOX_CONFLICT, 412, "request 42 changed"));
	int64_t new_id = cache_outbox_requeue_as_new(cache, id, 5, new_key);
	ck_assert_msg(new_id > queued, "%s", cache_last_error(cache));
	ck_assert_int_eq(cache_outbox_get(cache, id, &old), CACHE_FOUND);
	ck_assert_int_eq(cache_outbox_get(cache, new_id, &fresh), CACHE_FOUND);
	ck_assert_int_eq(old.state, OUTBOX_RETRIED);
	ck_assert_int_eq(old.replaced_by, new_id);
	ck_assert_str_eq(old.last_error, "request 42 changed");
	ck_assert_int_eq(fresh.state, OUTBOX_QUEUED);
	ck_assert_int_eq(fresh.if_match, 5);
	ck_assert_int_eq(fresh.attempts, 0);
	ck_assert_str_eq(fresh.idempotency_key, new_key);
	ck_assert_str_ne(fresh.idempotency_key, old_key);
	ck_assert_str_eq(fresh.path, old.path);
	ck_assert_str_eq(fresh.body, old.body);
	ck_assert_str_eq(fresh.label, old.label);
	ck_assert_str_eq(fresh.object_kind, "request");
	ck_assert_int_eq(fresh.object_id, 42);
	ck_assert_ptr_null(fresh.last_error);
	outbox_item_free(&old);
	outbox_item_free(&fresh);

	/* Only a failed or conflicting item, and nothing changes otherwise. */
	ck_assert_int_eq(cache_outbox_requeue_as_new(cache, id, 6, new_key), -1);
	ck_assert_msg(strstr(cache_last_error(cache), "it is retried") != NULL, "error: %s",
		      cache_last_error(cache));
	ck_assert_int_eq(cache_outbox_requeue_as_new(cache, queued, 6, new_key), -1);
	ck_assert_msg(strstr(cache_last_error(cache), "it is queued") != NULL, "error: %s",
		      cache_last_error(cache));
	ck_assert_int_eq(cache_outbox_requeue_as_new(cache, 999, 6, new_key), -1);
	ck_assert_msg(strstr(cache_last_error(cache), "not found") != NULL, "error: %s",
		      cache_last_error(cache));
	ck_assert_int_eq(cache_outbox_pending_count(cache), 2);
	ck_assert_int_eq(synchronous_mode(cache), 1);
	cache_close(cache);
}
END_TEST

START_TEST(test_outbox_drop)
{
	struct cache *cache = open_cache();
	char key[OUTBOX_KEY_SIZE];
	struct outbox_item item;
	int64_t queued = add_item(cache, 1, key);
	int64_t sending = add_item(cache, 2, key);
	int64_t failed = add_item(cache, 3, key);
	int64_t done = add_item(cache, 4, key);

	ck_assert(cache_outbox_mark(cache, failed, OUTBOX_FAILED, 403, "you may not"));
	ck_assert(cache_outbox_mark(cache, done, OUTBOX_DONE, 200, NULL));
	ck_assert(cache_outbox_mark(cache, sending, OUTBOX_SENDING, 0, NULL));
	ck_assert(cache_outbox_drop(cache, queued));
	ck_assert(cache_outbox_drop(cache, failed));
	ck_assert_int_eq(cache_outbox_get(cache, failed, &item), CACHE_FOUND);
	ck_assert_int_eq(item.state, OUTBOX_DROPPED);
	ck_assert_int_eq(item.last_status, 403);
	ck_assert_str_eq(item.last_error, "you may not");
	outbox_item_free(&item);
	ck_assert_int_eq(item_state(cache, queued), OUTBOX_DROPPED);

	ck_assert(!cache_outbox_drop(cache, sending));
	ck_assert_msg(strstr(cache_last_error(cache), "it is sending") != NULL, "error: %s",
		      cache_last_error(cache));
	ck_assert(!cache_outbox_drop(cache, done));
	ck_assert_msg(strstr(cache_last_error(cache), "it is done") != NULL, "error: %s",
		      cache_last_error(cache));
	ck_assert(!cache_outbox_drop(cache, 999));
	ck_assert_msg(strstr(cache_last_error(cache), "not found") != NULL, "error: %s",
		      cache_last_error(cache));
	/* A dropped item is never claimed: only the one still sending is left, and it is not stale. */
	ck_assert_int_eq(cache_outbox_claim_next(cache, 3600, &item), CACHE_NOT_FOUND);
	ck_assert_int_eq(cache_outbox_pending_count(cache), 1);
	cache_close(cache);
}
END_TEST

static void assert_same_bytes(const char *actual, const char *expected, const char *name)
{
	ck_assert_msg(strlen(actual) == strlen(expected), "%s: length %zu, expected %zu", name,
		      strlen(actual), strlen(expected));
	ck_assert_mem_eq(actual, expected, strlen(expected));
}

/* Put a request with text as requester and reason, both as a struct and as broker JSON. */
static void put_hostile_request(struct cache *cache, int64_t id, const json_t *text)
{
	struct access_request r = make_request(id, REQUEST_PENDING, id, 1);
	json_t *object;
	char *json;

	free(r.requester);
	free(r.reason);
	r.requester = xstrdup(json_string_value(text));
	r.reason = xstrdup(json_string_value(text));
	ck_assert(cache_put_request(cache, &r, NULL));

	/* The broker's JSON for the same request, with the text exactly as sent (NUL included). */
	r.id = id + 1000;
	object = request_to_json(&r);
	json_object_set(object, "requester", (json_t *)text);
	json_object_set(object, "reason", (json_t *)text);
	json = json_dumps(object, JSON_COMPACT);
	ck_assert(cache_put_request(cache, &r, json));
	free(json);
	json_decref(object);
	access_request_free(&r);
}

/*
 * The cache stores text as C strings, which end at the first NUL, so a
 * string containing "\u0000" reads back up to that point. The broker rejects
 * such strings anyway.
 */
START_TEST(test_hostile_strings_round_trip)
{
	struct cache *cache = open_cache();
	json_error_t parse_error;
	json_t *fixtures = json_load_file(HOSTILE_STRINGS_PATH, JSON_ALLOW_NUL, &parse_error);
	struct request_row *rows;
	size_t i, count;
	json_t *fixture;

	ck_assert_msg(fixtures != NULL, "%s (run from the repository root): %s",
		      HOSTILE_STRINGS_PATH, parse_error.text);
	ck_assert_uint_gt(json_array_size(fixtures), 0);
	json_array_foreach(fixtures, i, fixture)
		put_hostile_request(cache, (int64_t)i + 1, json_object_get(fixture, "text"));

	count = cache_load_pending(cache, &rows);
	ck_assert_uint_eq(count, 2 * json_array_size(fixtures));
	json_array_foreach(fixtures, i, fixture) {
		const char *name = json_string_value(json_object_get(fixture, "name"));
		const char *text = json_string_value(json_object_get(fixture, "text"));
		struct access_request read;

		/* Ordered by created_at, which is i + 1 for both puts of fixture i. */
		ck_assert_int_eq(rows[2 * i].id, (int64_t)i + 1);
		assert_same_bytes(rows[2 * i].requester, text, name);
		assert_same_bytes(rows[2 * i].reason, text, name);
		ck_assert_int_eq(rows[2 * i + 1].id, (int64_t)i + 1001);
		assert_same_bytes(rows[2 * i + 1].requester, text, name);
		ck_assert_int_eq(cache_get_request(cache, (int64_t)i + 1, &read), CACHE_FOUND);
		assert_same_bytes(read.requester, text, name);
		assert_same_bytes(read.reason, text, name);
		access_request_free(&read);
		ck_assert_int_eq(cache_get_request(cache, (int64_t)i + 1001, &read), CACHE_FOUND);
		assert_same_bytes(read.requester, text, name);
		assert_same_bytes(read.reason, text, name);
		access_request_free(&read);
	}
	request_rows_free(rows);
	json_decref(fixtures);
	cache_close(cache);
}
END_TEST

START_TEST(test_load_many_pending)
{
	struct cache *cache = open_cache();
	struct access_request r = make_request(1, REQUEST_PENDING, 0, 1);
	struct request_row *rows;
	size_t count;

	ck_assert(cache_begin(cache));
	for (int64_t id = 1; id <= MANY_ROWS; id++) {
		r.id = id;
		/* Creation times run backwards so that the load must reorder by index. */
		r.created_at = 2000000000 - id;
		ck_assert(cache_put_request(cache, &r, NULL));
	}
	ck_assert(cache_commit(cache));
	ck_assert_int_eq(cache_count_pending(cache), MANY_ROWS);

	count = cache_load_pending(cache, &rows);
	ck_assert_uint_eq(count, MANY_ROWS);
	for (size_t i = 0; i < count; i++)
		ck_assert_int_eq(rows[i].id, MANY_ROWS - (int64_t)i);
	ck_assert_str_eq(rows[count - 1].reason, "INC-2211: restore the billing export");
	request_rows_free(rows);

	count = cache_load_pending_page(cache, 50, &rows);
	ck_assert_uint_eq(count, 50);
	ck_assert_int_eq(rows[0].id, MANY_ROWS);
	request_rows_free(rows);

	access_request_free(&r);
	cache_close(cache);
}
END_TEST

START_TEST(test_transaction_rollback)
{
	struct cache *cache = open_cache();

	ck_assert(cache_begin(cache));
	for (int64_t id = 1; id <= 500; id++)
		put_request(cache, id, REQUEST_PENDING, id, 1);
	ck_assert(cache_rollback(cache));
	ck_assert_int_eq(cache_count_pending(cache), 0);

	ck_assert(cache_begin(cache));
	for (int64_t id = 1; id <= 500; id++)
		put_request(cache, id, REQUEST_PENDING, id, 1);
	ck_assert(cache_commit(cache));
	ck_assert_int_eq(cache_count_pending(cache), 500);

	ck_assert(!cache_commit(cache));
	ck_assert_msg(strstr(cache_last_error(cache), "commit transaction") != NULL, "error: %s",
		      cache_last_error(cache));
	cache_close(cache);
}
END_TEST

START_TEST(test_audit_list)
{
	struct cache *cache = open_cache();
	struct audit_entry *entries;
	size_t count;

	put_audit(cache, 3, "request", 42);
	put_audit(cache, 1, "request", 42);
	put_audit(cache, 2, "grant", 42);
	put_audit(cache, 4, "request", 43);
	put_audit(cache, 1, "request", 42);

	count = cache_list_audit(cache, "request", 42, &entries);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(entries[0].seq, 1);
	ck_assert_int_eq(entries[1].seq, 3);
	ck_assert_str_eq(entries[0].actor, "demo-approver");
	ck_assert_str_eq(entries[0].action, "request.approve");
	ck_assert_str_eq(entries[0].object_kind, "request");
	ck_assert_int_eq(entries[0].object_id, 42);
	ck_assert_str_eq(entries[0].hash, "c1");
	ck_assert_int_eq(entries[0].at, 1796400001);
	audit_entries_free(entries, count);

	count = cache_list_audit(cache, "grant", 7, &entries);
	ck_assert_uint_eq(count, 0);
	ck_assert_ptr_nonnull(entries);
	audit_entries_free(entries, count);
	cache_close(cache);
}
END_TEST

START_TEST(test_meta_values)
{
	struct cache *cache = open_cache();
	char *text = NULL;
	int64_t value = -1;

	ck_assert(cache_get_last_seq(cache, &value));
	ck_assert_int_eq(value, 0);
	ck_assert(cache_get_synced_at(cache, &value));
	ck_assert_int_eq(value, 0);
	ck_assert_int_eq(cache_get_broker_id(cache, &text), CACHE_NOT_FOUND);
	ck_assert_ptr_null(text);

	ck_assert(cache_set_last_seq(cache, INT64_MAX));
	ck_assert(cache_get_last_seq(cache, &value));
	ck_assert_int_eq(value, INT64_MAX);
	ck_assert(cache_set_synced_at(cache, 1796400000));
	ck_assert(cache_get_synced_at(cache, &value));
	ck_assert_int_eq(value, 1796400000);
	ck_assert(cache_set_broker_id(cache, "4f3c9a0e1b2d7c65"));
	ck_assert_int_eq(cache_get_broker_id(cache, &text), CACHE_FOUND);
	ck_assert_str_eq(text, "4f3c9a0e1b2d7c65");
	free(text);
	ck_assert(cache_set_me_json(cache, "{\"id\": \"demo-admin\"}"));
	ck_assert_int_eq(cache_get_me_json(cache, &text), CACHE_FOUND);
	ck_assert_str_eq(text, "{\"id\": \"demo-admin\"}");
	free(text);

	ck_assert(cache_meta_set(cache, "broker_id", NULL));
	ck_assert_int_eq(cache_get_broker_id(cache, &text), CACHE_NOT_FOUND);
	ck_assert(cache_meta_set(cache, "last_seq", "twelve"));
	ck_assert(!cache_get_last_seq(cache, &value));
	ck_assert_msg(strstr(cache_last_error(cache), "last_seq") != NULL, "error: %s",
		      cache_last_error(cache));
	cache_close(cache);
}
END_TEST

START_TEST(test_two_handles_share_file)
{
	struct cache *writer = open_cache();
	struct cache *reader = open_cache();
	struct request_row *rows;

	ck_assert(cache_begin(writer));
	put_request(writer, 1, REQUEST_PENDING, 100, 1);
	/* The reader does not see an uncommitted write, and is not blocked by it. */
	ck_assert_int_eq(cache_count_pending(reader), 0);
	ck_assert(cache_commit(writer));
	ck_assert_uint_eq(cache_load_pending(reader, &rows), 1);
	request_rows_free(rows);
	cache_close(writer);
	cache_close(reader);
}
END_TEST

START_TEST(test_default_path)
{
	char *first, *second, *path;

	setenv("XDG_CACHE_HOME", "/xdg", 1);
	setenv("HOME", "/home/alice", 1);
	first = cache_default_path("https://broker-a.example:8443", "token-1");
	second = cache_default_path("https://broker-b.example:8443", "token-1");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(second);
	ck_assert_str_ne(first, second);
	ck_assert_int_eq(strncmp(first, "/xdg/gatehouse/cache-", 21), 0);
	ck_assert_uint_eq(strlen(first), strlen("/xdg/gatehouse/cache-") + 16 + strlen(".db"));
	ck_assert_str_eq(first + strlen(first) - 3, ".db");

	/* Two people on one broker never share a file, and the name does not contain the token. */
	path = cache_default_path("https://broker-a.example:8443", "token-2");
	ck_assert_str_ne(path, first);
	ck_assert_ptr_null(strstr(path, "token"));
	free(path);

	setenv("XDG_CACHE_HOME", "relative", 1);
	path = cache_default_path("https://broker-a.example:8443", "token-1");
	ck_assert_int_eq(strncmp(path, "/home/alice/.cache/gatehouse/cache-", 35), 0);
	ck_assert_str_eq(path + 35, first + 21);
	free(path);

	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	ck_assert_ptr_null(cache_default_path("https://broker-a.example:8443", "token-1"));
	free(first);
	free(second);
}
END_TEST

static Suite *cache_suite(void)
{
	Suite *suite = suite_create("cache");
	TCase *files = tcase_create("files");
	TCase *objects = tcase_create("objects");
	TCase *outbox = tcase_create("outbox");
	TCase *load = tcase_create("load");

	tcase_add_checked_fixture(files, make_test_directory, remove_test_directory);
	tcase_add_test(files, test_open_private_modes);
	tcase_add_test(files, test_open_tightens_loose_file);
	tcase_add_test(files, test_open_rejects_symlink);
	tcase_add_test(files, test_reopen_keeps_data);
	tcase_add_test(files, test_migrate_empty_file);
	tcase_add_test(files, test_migrate_outbox_keeps_items);
	tcase_add_test(files, test_open_rejects_newer_schema);
	tcase_add_test(files, test_open_rejects_other_database);
	tcase_add_test(files, test_open_rejects_non_database);
	tcase_add_test(files, test_two_handles_share_file);
	tcase_add_test(files, test_default_path);
	suite_add_tcase(suite, files);

	tcase_add_checked_fixture(objects, make_test_directory, remove_test_directory);
	tcase_add_test(objects, test_put_request_version_rule);
	tcase_add_test(objects, test_put_grant_version_rule);
	tcase_add_test(objects, test_put_stores_broker_json);
	tcase_add_test(objects, test_get_request_bad_json);
	tcase_add_test(objects, test_pending_order_and_counts);
	tcase_add_test(objects, test_active_grants_order_and_counts);
	tcase_add_test(objects, test_list_queries_use_indexes);
	tcase_add_test(objects, test_resync_deletes_unseen);
	tcase_add_test(objects, test_resync_by_status);
	tcase_add_test(objects, test_resync_grants);
	tcase_add_test(objects, test_clear_objects_keeps_outbox);
	tcase_add_test(objects, test_hostile_strings_round_trip);
	tcase_add_test(objects, test_transaction_rollback);
	tcase_add_test(objects, test_audit_list);
	tcase_add_test(objects, test_meta_values);
	suite_add_tcase(suite, objects);

	tcase_add_checked_fixture(outbox, make_test_directory, remove_test_directory);
	tcase_add_test(outbox, test_outbox_claim_and_mark);
	tcase_add_test(outbox, test_outbox_stale_sending_reclaimed);
	tcase_add_test(outbox, test_outbox_key_format);
	tcase_add_test(outbox, test_outbox_add_restores_synchronous);
	tcase_add_test(outbox, test_outbox_list_and_delete_done);
	tcase_add_test(outbox, test_outbox_state_names);
	tcase_add_test(outbox, test_outbox_requeue_sending);
	tcase_add_test(outbox, test_outbox_requeue_as_new);
	tcase_add_test(outbox, test_outbox_drop);
	suite_add_tcase(suite, outbox);

	/* 100,000 puts under AddressSanitizer on a shared machine: allow minutes, not Check's 4 s. */
	tcase_set_timeout(load, 600);
	tcase_add_checked_fixture(load, make_test_directory, remove_test_directory);
	tcase_add_test(load, test_load_many_pending);
	suite_add_tcase(suite, load);
	return suite;
}

CHECK_MAIN(cache_suite)
