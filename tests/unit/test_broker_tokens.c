/*
 * Tokens and the log of gatehoused: "token create" issues working tokens, the
 * database keeps only their hashes, the demo's token file is private, and the
 * access log has one line per request and never a token.
 */

#include <sys/stat.h>

#include "tests/unit/test_broker.h"

#include "common/crypto.h"
#include "tests/support/check_main.h"

/* Fewer rows than the demo seed indexes directly (7 and 202), so that the seed must wrap around. */
#define SMALL_HISTORY_ROWS 5

static struct test_world world;

static void build_world(void)
{
	world_build(&world);
}

static void destroy_world(void)
{
	world_destroy(&world);
}

static void start_broker(void)
{
	world_start(&world, NULL);
}

static void stop_broker(void)
{
	world_stop(&world);
}

static long me_status(const char *token, char *id, size_t size)
{
	struct http_result r;
	long status;

	ck_assert_int_eq(http_call("GET", world.bp.url, "/v1/me", token, NULL, NULL, &r), 0);
	status = r.status;
	snprintf(id, size, "%s", http_json_string(&r, "id"));
	http_result_free(&r);
	return status;
}

/* Tokens made while the broker runs must work at once, the second and third as well as the first. */
START_TEST(test_token_create_while_running)
{
	char tokens[3][TEST_TOKEN_SIZE], id[64];

	for (int i = 0; i < 3; i++) {
		test_issue_token(world.bp.db_path, i == 1 ? "bob" : "alice", tokens[i], sizeof tokens[i]);
		ck_assert_int_eq(strlen(tokens[i]), 4 + 43);
		ck_assert_int_eq(strspn(tokens[i] + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					"0123456789-_"), 43);
		ck_assert_msg(me_status(tokens[i], id, sizeof id) == 200, "token %d of 3 rejected", i + 1);
		ck_assert_str_eq(id, i == 1 ? "bob" : "alice");
	}
	ck_assert_str_ne(tokens[0], tokens[2]);
	ck_assert_int_eq(me_status(world.tokens[ALICE], id, sizeof id), 200);
}
END_TEST

/* A principal added while the broker runs can act at once. */
START_TEST(test_principal_add_while_running)
{
	char token[TEST_TOKEN_SIZE], id[64];

	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof name, "late-%d", i);
		test_add_principal(world.bp.db_path, name, "requester", NULL);
		test_issue_token(world.bp.db_path, name, token, sizeof token);
		ck_assert_msg(me_status(token, id, sizeof id) == 200, "%s rejected", name);
		ck_assert_str_eq(id, name);
	}
	test_set_route(world.bp.db_path, "late-resource", "ops", "0", NULL);
	world_make_grant(&world, ALICE, "late-resource");
}
END_TEST

START_TEST(test_token_unknown_principal_fails)
{
	const char *argv[] = { gatehoused_path(), "token", "create", "--db", world.bp.db_path,
			       "--principal", "ghost", NULL };
	char out[256], err[1024];

	int status = test_run_program(argv, out, sizeof out, err, sizeof err);
	ck_assert_int_ne(status, 0);
	ck_assert_str_eq(out, "");
	ck_assert_msg(strstr(err, "\"ghost\" not found") != NULL, "stderr: %s", err);
	ck_assert_msg(strstr(err, "principal add") != NULL, "stderr: %s", err);
	ck_assert_int_eq(test_db_query_int(world.bp.db_path,
					   "SELECT count(*) FROM tokens WHERE principal_id = 'ghost'"), 0);
}
END_TEST

/* Whether a file (absent counts as not) contains the bytes of text. */
static bool file_contains(const char *path, const char *text)
{
	size_t length;
	char *data = test_read_file(path, &length);
	bool found = data && memmem(data, length, text, strlen(text)) != NULL;

	free(data);
	return found;
}

START_TEST(test_database_keeps_only_hash)
{
	char token[TEST_TOKEN_SIZE], hash[SHA256_HEX_LEN], id[64], wal[400];

	test_issue_token(world.bp.db_path, "carol", token, sizeof token);
	ck_assert_int_eq(me_status(token, id, sizeof id), 200);
	sha256_hex(token, strlen(token), hash);
	snprintf(wal, sizeof wal, "%s-wal", world.bp.db_path);

	ck_assert(!file_contains(world.bp.db_path, token));
	ck_assert(!file_contains(wal, token));
	ck_assert(file_contains(world.bp.db_path, hash) || file_contains(wal, hash));
	ck_assert_int_eq(broker_process_stop(&world.bp), 0);
	ck_assert(!file_contains(world.bp.db_path, token));
	ck_assert(!file_contains(wal, token));
	ck_assert(!file_contains(world.bp.db_path, token + 4));
}
END_TEST

/* A database the broker creates is private to its user, and so are SQLite's files beside it. */
START_TEST(test_database_file_private)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	struct broker_process bp = { 0 };
	struct stat st;
	char path[400];

	ck_assert(broker_process_start(&bp, false, NULL));
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(path, sizeof path, "%s%s", bp.db_path, suffixes[i]);
		ck_assert_msg(stat(path, &st) == 0, "%s is missing", path);
		ck_assert_msg((st.st_mode & 0777) == 0600, "%s has mode %o", path, st.st_mode & 0777);
	}
	int status = broker_process_stop(&bp);
	broker_process_cleanup(&bp);
	ck_assert_int_eq(status, 0);
}
END_TEST

/* Access lines are those with a peer address after the level. */
static size_t count_access_lines(const char *log)
{
	size_t count = 0;

	for (const char *p = log; (p = strstr(p, " info 127.0.0.1 ")) != NULL; p++)
		count++;
	return count;
}

/* Read the log once it has at least `expected` access lines (each is written after the response). */
static char *read_log(size_t expected, size_t *lines)
{
	char path[400];
	char *log = NULL;

	snprintf(path, sizeof path, "%s/broker.log", world.bp.dir);
	for (int waited = 0; waited <= 3000; waited += 50) {
		free(log);
		log = test_read_file(path, NULL);
		ck_assert_ptr_nonnull(log);
		*lines = count_access_lines(log);
		if (*lines >= expected)
			break;
		test_sleep_ms(50);
	}
	return log;
}

START_TEST(test_log_line_per_request)
{
	static const char bad_token[] = "ghs_this-token-was-never-issued-by-the-broker0";
	struct http_result r;
	char *body = request_body("svc", "read", "logged", 3600);
	size_t before, after;

	free(read_log(0, &before));
	ck_assert_int_eq(world_get(&world, NOBODY, "/healthz", &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, ALICE, "/v1/me", &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(world_post(&world, ALICE, "/v1/requests", body, &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, BOB, "/v1/no-such-path", &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(world_call(&world, ROOT, "DELETE", "/v1/requests", NULL, NULL, &r), 405);
	http_result_free(&r);
	ck_assert_int_eq(http_call("GET", world.bp.url, "/v1/me", bad_token, NULL, NULL, &r), 0);
	ck_assert_int_eq(r.status, 401);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/requests?limit=0", &r), 400);
	http_result_free(&r);

	char *log = read_log(before + 7, &after);
	ck_assert_int_eq(after - before, 7);
	ck_assert_ptr_nonnull(strstr(log, " info 127.0.0.1 GET /healthz 200 "));
	ck_assert_ptr_nonnull(strstr(log, " info 127.0.0.1 GET /v1/me 200 "));
	ck_assert_ptr_nonnull(strstr(log, " info 127.0.0.1 POST /v1/requests 201 "));
	ck_assert_ptr_nonnull(strstr(log, " info 127.0.0.1 GET /v1/me 401 "));
	ck_assert_ptr_nonnull(strstr(log, " info 127.0.0.1 DELETE /v1/requests 405 "));
	ck_assert_ptr_nonnull(strstr(log, "ms alice\n"));
	ck_assert_ptr_nonnull(strstr(log, "ms root\n"));
	ck_assert_ptr_null(strstr(log, bad_token));
	for (int i = 0; i < CAST_COUNT; i++)
		ck_assert_msg(strstr(log, world.tokens[i]) == NULL, "%s's token is in the log", cast[i].id);
	ck_assert_ptr_null(strstr(log, "ghs_"));
	free(log);
	free(body);
}
END_TEST

/* Write the header and the first rows of the demo history to path. */
static void write_small_history(const char *path)
{
	const char *source = getenv("GATEHOUSE_SOURCE");
	char full[512], line[512];
	FILE *in, *out;

	snprintf(full, sizeof full, "%s/data/amazon_train.csv", source && *source ? source : ".");
	in = fopen(full, "r");
	ck_assert_msg(in != NULL, "cannot read %s", full);
	out = fopen(path, "w");
	ck_assert_ptr_nonnull(out);
	for (int i = 0; i <= SMALL_HISTORY_ROWS && fgets(line, sizeof line, in); i++)
		fputs(line, out);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

/* A demo seeded from a short history: its token file is private and its tokens work. */
START_TEST(test_demo_tokens_private)
{
	struct broker_process bp = { 0 };
	struct http_result r;
	struct stat st;
	char history[400], tokens_path[400], log_path[400];

	test_make_dir(bp.dir, sizeof bp.dir);
	snprintf(bp.db_path, sizeof bp.db_path, "%s/broker.db", bp.dir);
	snprintf(history, sizeof history, "%s/history.csv", bp.dir);
	write_small_history(history);
	const char *args[] = { "--history", history, NULL };
	ck_assert_msg(broker_process_start(&bp, true, args), "the demo did not start; see %s/broker.log",
		      bp.dir);

	snprintf(tokens_path, sizeof tokens_path, "%s/demo-tokens.json", bp.dir);
	ck_assert_int_eq(stat(tokens_path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(bp.db_path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	const char *tokens[] = { bp.admin_token, bp.approver_token, bp.requester_token };
	const char *ids[] = { "demo-admin", "demo-approver", "demo-requester" };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(http_call("GET", bp.url, "/v1/me", tokens[i], NULL, NULL, &r), 0);
		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(http_json_string(&r, "id"), ids[i]);
		http_result_free(&r);
	}
	ck_assert_int_eq(http_call("GET", bp.url, "/v1/requests?requester=demo-requester",
				   bp.requester_token, NULL, NULL, &r), 0);
	ck_assert_int_gt(json_array_size(result_items(&r)), 0);
	http_result_free(&r);
	int status = broker_process_stop(&bp);

	snprintf(log_path, sizeof log_path, "%s/broker.log", bp.dir);
	for (int i = 0; i < 3; i++)
		ck_assert(!file_contains(log_path, tokens[i]));
	ck_assert(!file_contains(bp.db_path, bp.admin_token));
	broker_process_cleanup(&bp);
	ck_assert_int_eq(status, 0);
}
END_TEST

static Suite *tokens_suite(void)
{
	Suite *suite = suite_create("broker_tokens");
	TCase *tokens = tcase_create("tokens");
	TCase *demo = tcase_create("demo");

	tcase_set_timeout(tokens, 60);
	tcase_add_unchecked_fixture(tokens, build_world, destroy_world);
	tcase_add_checked_fixture(tokens, start_broker, stop_broker);
	tcase_add_test(tokens, test_token_create_while_running);
	tcase_add_test(tokens, test_principal_add_while_running);
	tcase_add_test(tokens, test_token_unknown_principal_fails);
	tcase_add_test(tokens, test_database_keeps_only_hash);
	tcase_add_test(tokens, test_database_file_private);
	tcase_add_test(tokens, test_log_line_per_request);
	suite_add_tcase(suite, tokens);

	tcase_set_timeout(demo, 60);
	tcase_add_test(demo, test_demo_tokens_private);
	suite_add_tcase(suite, demo);
	return suite;
}

CHECK_MAIN(tokens_suite)
