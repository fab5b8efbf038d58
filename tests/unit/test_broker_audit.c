/*
 * The audit trail of gatehoused: an entry for every change, a hash chain as
 * docs/API.md describes it, and GET /v1/audit/verify finding an entry that was
 * changed or removed in the database file behind the broker's back.
 */

#include <pthread.h>

#include "tests/unit/test_broker.h"

#include "common/crypto.h"
#include "tests/support/check_main.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static struct test_world world;

static void build_world(void)
{
	world_build(&world);
}

static void destroy_world(void)
{
	world_destroy(&world);
}

/* A broker with a short history: five changes to requests and grants, eight entries. */
static void start_with_history(void)
{
	struct http_result r;
	char path[64];

	world_start(&world, NULL);
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);
	ck_assert_int_eq(world_decide(&world, BOB, id, "approve", "ok\nwith a line break", &r), 200);
	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)http_json_int(&r, "grant_id"));
	http_result_free(&r);
	ck_assert_int_eq(world_post(&world, ROOT, path, "{\"reason\": \"r\\u00e9voqu\\u00e9\"}", &r), 200);
	http_result_free(&r);
	int64_t denied = world_create_request(&world, ERIN, "db1", 3600);
	ck_assert_int_eq(world_decide_status(&world, DAVE, denied, "deny", "no"), 200);
	int64_t canceled = world_create_request(&world, ERIN, "svc", 3600);
	ck_assert_int_eq(world_decide_status(&world, ERIN, canceled, "cancel", NULL), 200);
}

static void stop_broker(void)
{
	world_stop(&world);
}

/* The whole trail as root reads it; the caller frees it. */
static json_t *read_trail(void)
{
	struct http_result r;
	json_t *items;

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit?limit=500", &r), 200);
	items = json_incref(result_items(&r));
	http_result_free(&r);
	return items;
}

static const char *entry_string(const json_t *entry, const char *field)
{
	const char *value = json_string_value(json_object_get(entry, field));

	return value ? value : "";
}

START_TEST(test_every_change_audited)
{
	static const struct {
		const char *actor;
		const char *action;
		const char *object;
		const char *reason;
	} expected[] = {
		{ "alice", "request.create", "request", "test access" },
		{ "bob", "grant.create", "grant", "test access" },
		{ "bob", "request.approve", "request", "ok\nwith a line break" },
		{ "root", "grant.revoke", "grant", "r\xc3\xa9voqu\xc3\xa9" },
		{ "erin", "request.create", "request", "test access" },
		{ "dave", "request.deny", "request", "no" },
		{ "erin", "request.create", "request", "test access" },
		{ "erin", "request.cancel", "request", "" },
	};
	json_t *trail = read_trail();
	size_t i;
	json_t *entry;

	ck_assert_int_eq(json_array_size(trail), sizeof expected / sizeof expected[0]);
	json_array_foreach(trail, i, entry) {
		ck_assert_int_eq(json_integer_value(json_object_get(entry, "seq")), (json_int_t)i + 1);
		ck_assert_str_eq(entry_string(entry, "actor"), expected[i].actor);
		ck_assert_str_eq(entry_string(entry, "action"), expected[i].action);
		ck_assert_str_eq(entry_string(entry, "object"), expected[i].object);
		ck_assert_str_eq(entry_string(entry, "reason"), expected[i].reason);
		ck_assert_int_gt(json_integer_value(json_object_get(entry, "object_id")), 0);
		json_time_field(entry, "at");
	}
	json_decref(trail);
}
END_TEST

/* Recompute an entry's hash from its fields, following docs/API.md. */
static void documented_hash(const json_t *entry, const char *prev_hash, char out[SHA256_HEX_LEN])
{
	json_t *fields = json_pack("[s, I, s, s, s, s, I, s]", prev_hash,
				   json_integer_value(json_object_get(entry, "seq")),
				   entry_string(entry, "at"), entry_string(entry, "actor"),
				   entry_string(entry, "action"), entry_string(entry, "object"),
				   json_integer_value(json_object_get(entry, "object_id")),
				   entry_string(entry, "reason"));
	char *text = json_dumps(fields, JSON_COMPACT | JSON_ENSURE_ASCII);

	ck_assert_ptr_nonnull(text);
	sha256_hex(text, strlen(text), out);
	free(text);
	json_decref(fields);
}

START_TEST(test_hash_chain_as_documented)
{
	json_t *trail = read_trail();
	char expected[SHA256_HEX_LEN], prev[SHA256_HEX_LEN] = GENESIS_HASH;
	size_t i;
	json_t *entry;

	ck_assert_int_gt(json_array_size(trail), 0);
	json_array_foreach(trail, i, entry) {
		ck_assert_str_eq(entry_string(entry, "prev_hash"), prev);
		documented_hash(entry, prev, expected);
		ck_assert_msg(strcmp(entry_string(entry, "hash"), expected) == 0,
			      "entry %zu: hash %s, recomputed %s", i + 1, entry_string(entry, "hash"),
			      expected);
		snprintf(prev, sizeof prev, "%s", entry_string(entry, "hash"));
	}
	json_decref(trail);
}
END_TEST

/* GET /v1/audit/verify as the auditor; first_bad receives first_bad_seq, or -1 without one. */
static bool verify(int64_t *entries, int64_t *first_bad)
{
	struct http_result r;
	bool ok;

	ck_assert_int_eq(world_get(&world, AUDREY, "/v1/audit/verify", &r), 200);
	ok = json_is_true(json_object_get(r.json, "ok"));
	ck_assert_msg(ok || json_is_false(json_object_get(r.json, "ok")), "%s", r.body);
	*entries = http_json_int(&r, "entries");
	*first_bad = http_json_int(&r, "first_bad_seq");
	http_result_free(&r);
	return ok;
}

START_TEST(test_verify_intact_trail)
{
	int64_t entries, first_bad;

	ck_assert(verify(&entries, &first_bad));
	ck_assert_int_eq(entries, 8);
	ck_assert_int_eq(first_bad, -1);
}
END_TEST

START_TEST(test_triggers_refuse_changes)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(world.bp.db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_ne(sqlite3_exec(db, "UPDATE audit SET reason = 'x' WHERE seq = 2", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(db, "DELETE FROM audit WHERE seq = 2", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(test_db_query_int(world.bp.db_path, "SELECT count(*) FROM audit"), 8);
}
END_TEST

/* An attacker with the file drops the trigger that guards the table, then changes an entry. */
static void tamper(const char *trigger, const char *change)
{
	char sql[1024];

	snprintf(sql, sizeof sql, "DROP TRIGGER %s; %s", trigger, change);
	test_db_exec(world.bp.db_path, sql);
}

START_TEST(test_verify_finds_changed_reason)
{
	int64_t entries, first_bad;

	tamper("audit_append_only_update", "UPDATE audit SET reason = 'approved' WHERE seq = 6");
	ck_assert(!verify(&entries, &first_bad));
	ck_assert_int_eq(entries, 8);
	ck_assert_int_eq(first_bad, 6);
}
END_TEST

START_TEST(test_verify_finds_changed_actor)
{
	int64_t entries, first_bad;

	tamper("audit_append_only_update", "UPDATE audit SET actor = 'carol' WHERE seq = 3");
	ck_assert(!verify(&entries, &first_bad));
	ck_assert_int_eq(first_bad, 3);
}
END_TEST

START_TEST(test_verify_finds_rehashed_entry)
{
	int64_t entries, first_bad;
	json_t *trail = read_trail();
	json_t *entry = json_deep_copy(json_array_get(trail, 1));
	char hash[SHA256_HEX_LEN], sql[256];

	/* Recompute the changed entry's own hash: the next entry's prev_hash still gives it away. */
	json_object_set_new(entry, "actor", json_string("mallory"));
	documented_hash(entry, entry_string(entry, "prev_hash"), hash);
	snprintf(sql, sizeof sql, "UPDATE audit SET actor = 'mallory', hash = '%s' WHERE seq = 2", hash);
	tamper("audit_append_only_update", sql);
	ck_assert(!verify(&entries, &first_bad));
	ck_assert_int_eq(first_bad, 3);
	json_decref(entry);
	json_decref(trail);
}
END_TEST

START_TEST(test_verify_finds_removed_entry)
{
	int64_t entries, first_bad;

	tamper("audit_append_only_delete", "DELETE FROM audit WHERE seq = 4");
	ck_assert(!verify(&entries, &first_bad));
	ck_assert_int_eq(entries, 7);
	ck_assert_int_eq(first_bad, 5);
}
END_TEST

START_TEST(test_verify_finds_changed_first)
{
	int64_t entries, first_bad;

	tamper("audit_append_only_update", "UPDATE audit SET object_id = 99 WHERE seq = 1");
	ck_assert(!verify(&entries, &first_bad));
	ck_assert_int_eq(first_bad, 1);
}
END_TEST

START_TEST(test_verify_finds_changed_last)
{
	int64_t entries, first_bad;

	tamper("audit_append_only_update", "UPDATE audit SET at = at + 1 WHERE seq = 8");
	ck_assert(!verify(&entries, &first_bad));
	ck_assert_int_eq(first_bad, 8);
}
END_TEST

START_TEST(test_audit_filters_and_pages)
{
	struct http_result r;
	size_t i;
	json_t *entry;

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit?actor=erin", &r), 200);
	ck_assert_int_eq(json_array_size(result_items(&r)), 3);
	json_array_foreach(result_items(&r), i, entry)
		ck_assert_str_eq(entry_string(entry, "actor"), "erin");
	http_result_free(&r);

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit?limit=3", &r), 200);
	ck_assert_int_eq(json_array_size(result_items(&r)), 3);
	ck_assert_str_eq(http_json_string(&r, "next_cursor"), "3");
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit?limit=3&cursor=6", &r), 200);
	ck_assert_int_eq(json_array_size(result_items(&r)), 2);
	ck_assert(json_is_null(json_object_get(r.json, "next_cursor")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(result_items(&r), 0), "seq")),
			 7);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit?after=7", &r), 200);
	ck_assert_int_eq(json_array_size(result_items(&r)), 1);
	http_result_free(&r);
}
END_TEST

struct verify_call {
	pthread_t thread;
	long status;
	volatile bool done;
};

static void *run_verify(void *arg)
{
	struct verify_call *call = arg;
	struct http_result r;

	call->status = world_get(&world, AUDREY, "/v1/audit/verify", &r);
	http_result_free(&r);
	call->done = true;
	return NULL;
}

/*
 * A verification reads the whole trail, so only one runs at a time: parallel ones
 * would hold every pooled connection. The rest of the API keeps answering.
 */
START_TEST(test_verify_one_at_a_time)
{
	struct verify_call first = { 0 };
	struct http_result r;
	int64_t started;

	/* Entries that do not chain, but make a trail long enough to take a while to check. */
	test_db_exec(world.bp.db_path,
		     "WITH RECURSIVE n(i) AS (SELECT max(seq) + 1 FROM audit UNION ALL"
		     " SELECT i + 1 FROM n WHERE i < (SELECT max(seq) FROM audit) + 150000)"
		     " INSERT INTO audit(seq, at, actor, action, object_kind, object_id, reason,"
		     " prev_hash, hash) SELECT i, 1700000000, 'filler', 'request.create', 'request', 1,"
		     " NULL, 'x', 'y' FROM n");
	ck_assert_int_eq(pthread_create(&first.thread, NULL, run_verify, &first), 0);
	test_sleep_ms(100);
	ck_assert_msg(world_get(&world, ROOT, "/v1/audit/verify", &r) == 503, "second verify: %ld %s",
		      r.status, r.body);
	ck_assert_str_eq(http_json_string(&r, "code"), "unavailable");
	ck_assert_str_eq(http_json_string(&r, "detail"),
			 "an audit verification is already running; retry when it finishes");
	http_result_free(&r);
	ck_assert_msg(!first.done, "the first verification ended before the second began");
	started = time_monotonic_ms();
	ck_assert_int_eq(world_get(&world, NOBODY, "/healthz", &r), 200);
	http_result_free(&r);
	ck_assert_int_lt(time_monotonic_ms() - started, 1000);
	pthread_join(first.thread, NULL);
	ck_assert_int_eq(first.status, 200);
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit/verify", &r), 200);
	http_result_free(&r);
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *suite = suite_create("broker_audit");
	TCase *trail = tcase_create("trail");

	tcase_set_timeout(trail, 60);
	tcase_add_unchecked_fixture(trail, build_world, destroy_world);
	tcase_add_checked_fixture(trail, start_with_history, stop_broker);
	tcase_add_test(trail, test_every_change_audited);
	tcase_add_test(trail, test_hash_chain_as_documented);
	tcase_add_test(trail, test_verify_intact_trail);
	tcase_add_test(trail, test_triggers_refuse_changes);
	tcase_add_test(trail, test_verify_finds_changed_reason);
	tcase_add_test(trail, test_verify_finds_changed_actor);
	tcase_add_test(trail, test_verify_finds_rehashed_entry);
	tcase_add_test(trail, test_verify_finds_removed_entry);
	tcase_add_test(trail, test_verify_finds_changed_first);
	tcase_add_test(trail, test_verify_finds_changed_last);
	tcase_add_test(trail, test_audit_filters_and_pages);
	tcase_add_test(trail, test_verify_one_at_a_time);
	suite_add_tcase(suite, trail);
	return suite;
}

CHECK_MAIN(audit_suite)
