/*
 * The gatehoused admin commands against a running broker: listing and revoking
 * tokens, adding and changing principals and routes without losing what was not
 * named, help for every command, and output that cannot drive the terminal.
 */

#include "tests/unit/test_broker.h"

#include "common/crypto.h"
#include "tests/support/check_main.h"

#define OUTPUT_SIZE 16384

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

/* Run "gatehoused NOUN VERB --db DB ARGS..." (args NULL-terminated); returns the exit status. */
static int cli(const char *noun, const char *verb, const char *const *args, char *out, char *err)
{
	const char *argv[24] = { gatehoused_path(), noun, verb, "--db", world.bp.db_path };
	int n = 5;

	for (int i = 0; args && args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return test_run_program(argv, out, OUTPUT_SIZE, err, OUTPUT_SIZE);
}

static long me_status(const char *token, struct http_result *r)
{
	ck_assert_int_eq(http_call("GET", world.bp.url, "/v1/me", token, NULL, NULL, r), 0);
	return r->status;
}

static long me_status_only(const char *token)
{
	struct http_result r;
	long status = me_status(token, &r);

	http_result_free(&r);
	return status;
}

/* The id token list shows for a token: the first 12 hex digits of its SHA-256. */
static void token_id(const char *token, char id[13])
{
	char hash[SHA256_HEX_LEN];

	sha256_hex(token, strlen(token), hash);
	memcpy(id, hash, 12);
	id[12] = '\0';
}

START_TEST(test_token_list_shows_ids)
{
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];
	const char *alice_only[] = { "--principal", "alice", NULL };
	char id[13];

	ck_assert_int_eq(cli("token", "list", NULL, out, err), 0);
	ck_assert_msg(strncmp(out, "ID ", 3) == 0, "%s", out);
	for (int i = 0; i < CAST_COUNT; i++) {
		token_id(world.tokens[i], id);
		ck_assert_msg(strstr(out, id) != NULL, "no id %s for %s in:\n%s", id, cast[i].id, out);
		ck_assert_msg(strstr(out, world.tokens[i]) == NULL, "%s's token is listed", cast[i].id);
	}
	ck_assert_ptr_null(strstr(out, "ghs_"));
	ck_assert_ptr_nonnull(strstr(out, " cli\n"));

	ck_assert_int_eq(cli("token", "list", alice_only, out, err), 0);
	token_id(world.tokens[ALICE], id);
	ck_assert_ptr_nonnull(strstr(out, id));
	token_id(world.tokens[BOB], id);
	ck_assert_ptr_null(strstr(out, id));
	ck_assert_ptr_null(strstr(out, "bob"));
}
END_TEST

/* Nothing caches token lookups: a revoked token gets 401 from the next request on. */
START_TEST(test_token_revoke_takes_effect)
{
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];
	char second[TEST_TOKEN_SIZE], id[13];

	test_issue_token(world.bp.db_path, "alice", second, sizeof second);
	ck_assert_int_eq(me_status_only(world.tokens[ALICE]), 200);
	ck_assert_int_eq(me_status_only(second), 200);

	token_id(world.tokens[ALICE], id);
	const char *by_id[] = { "--id", id, NULL };
	ck_assert_msg(cli("token", "revoke", by_id, out, err) == 0, "stderr: %s", err);
	ck_assert_int_eq(me_status_only(world.tokens[ALICE]), 401);
	ck_assert_int_eq(me_status_only(second), 200);
	ck_assert_msg(cli("token", "revoke", by_id, out, err) == 1, "revoked twice");
	ck_assert_msg(strstr(err, "no token has an id that starts with") != NULL, "stderr: %s", err);

	const char *by_principal[] = { "--principal", "alice", NULL };
	ck_assert_msg(cli("token", "revoke", by_principal, out, err) == 0, "stderr: %s", err);
	ck_assert_str_eq(out, "revoked 1 tokens of alice\n");
	ck_assert_int_eq(me_status_only(second), 401);
	ck_assert_int_eq(me_status_only(world.tokens[BOB]), 200);

	const char *both[] = { "--id", id, "--principal", "bob", NULL };
	ck_assert_int_eq(cli("token", "revoke", both, out, err), 2);
	const char *short_id[] = { "--id", "abc", NULL };
	ck_assert_int_eq(cli("token", "revoke", short_id, out, err), 2);
	ck_assert_int_eq(me_status_only(world.tokens[BOB]), 200);
}
END_TEST

START_TEST(test_principal_add_existing_rejected)
{
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];
	const char *again[] = { "--id", "bob", "--roles", "requester", NULL };
	struct http_result r;

	ck_assert_int_eq(cli("principal", "add", again, out, err), 1);
	ck_assert_msg(strstr(err, "principal bob already exists; use principal set to change it") != NULL,
		      "stderr: %s", err);
	ck_assert_int_eq(me_status(world.tokens[BOB], &r), 200);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "roles"), 0)), "approver");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "groups"), 0)), "ops");
	http_result_free(&r);
}
END_TEST

/* principal set changes only what it is given. */
START_TEST(test_principal_set_keeps_rest)
{
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];
	const char *rename[] = { "--id", "bob", "--name", "Bob Builder", NULL };
	const char *no_groups[] = { "--id", "bob", "--groups", "", NULL };
	const char *ghost[] = { "--id", "ghost", "--name", "Ghost", NULL };
	struct http_result r;

	ck_assert_msg(cli("principal", "set", rename, out, err) == 0, "stderr: %s", err);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(me_status(world.tokens[BOB], &r), 200);
	ck_assert_str_eq(http_json_string(&r, "display_name"), "Bob Builder");
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "roles")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "roles"), 0)), "approver");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "groups"), 0)), "ops");
	http_result_free(&r);

	/* An approver in no group can decide nothing: that is allowed, with a warning. */
	ck_assert_msg(cli("principal", "set", no_groups, out, err) == 0, "stderr: %s", err);
	ck_assert_msg(strstr(err, "warning: bob is an approver in no group") != NULL, "stderr: %s", err);
	ck_assert_int_eq(me_status(world.tokens[BOB], &r), 200);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "groups")), 0);
	ck_assert_str_eq(http_json_string(&r, "display_name"), "Bob Builder");
	http_result_free(&r);

	ck_assert_int_eq(cli("principal", "set", ghost, out, err), 1);
	ck_assert_msg(strstr(err, "principal ghost not found") != NULL, "stderr: %s", err);
}
END_TEST

START_TEST(test_principal_list_shows_cast)
{
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];

	ck_assert_int_eq(cli("principal", "list", NULL, out, err), 0);
	ck_assert_msg(strncmp(out, "ID ", 3) == 0, "%s", out);
	for (int i = 0; i < CAST_COUNT; i++)
		ck_assert_msg(strstr(out, cast[i].id) != NULL, "%s not listed:\n%s", cast[i].id, out);
	const char *bob = strstr(out, "\nbob ");
	ck_assert_ptr_nonnull(bob);
	char line[128];
	snprintf(line, sizeof line, "%.*s", (int)strcspn(bob + 1, "\n"), bob + 1);
	ck_assert_msg(strstr(line, " approver ") != NULL && strstr(line, " ops ") != NULL, "%s", line);
}
END_TEST

/* The route of a resource, as GET /v1/resources shows it. */
static json_t *find_route(const char *id)
{
	struct http_result r;
	size_t i;
	json_t *item, *found = NULL;

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/resources?limit=500", &r), 200);
	json_array_foreach(result_items(&r), i, item) {
		if (strcmp(json_string_value(json_object_get(item, "id")), id) == 0)
			found = json_incref(item);
	}
	http_result_free(&r);
	ck_assert_msg(found != NULL, "no route for %s", id);
	return found;
}

/* resource set keeps the approvals and the maximum duration that it is not given. */
START_TEST(test_resource_set_keeps_route)
{
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];
	const char *longer[] = { "--id", "vault", "--max-duration", "2h", NULL };
	const char *regroup[] = { "--id", "vault", "--group", "db", NULL };
	const char *new_without_group[] = { "--id", "fresh", NULL };
	json_t *route;

	ck_assert_msg(cli("resource", "set", longer, out, err) == 0, "stderr: %s", err);
	ck_assert_msg(cli("resource", "set", regroup, out, err) == 0, "stderr: %s", err);
	ck_assert_str_eq(err, "");
	route = find_route("vault");
	ck_assert_str_eq(json_string_value(json_object_get(route, "owner_group")), "db");
	ck_assert_int_eq(json_integer_value(json_object_get(route, "approvals_needed")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(route, "max_duration_seconds")), 7200);
	json_decref(route);

	ck_assert_int_eq(cli("resource", "set", new_without_group, out, err), 1);
	ck_assert_msg(strstr(err, "needs --group") != NULL, "stderr: %s", err);

	ck_assert_int_eq(cli("resource", "list", NULL, out, err), 0);
	ck_assert_msg(strstr(out, "vault") != NULL && strstr(out, "2h") != NULL, "%s", out);
}
END_TEST

/* A route whose group has no approver can be decided only by admins: allowed, with a warning. */
START_TEST(test_route_without_approver_warned)
{
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];
	const char *lonely[] = { "--id", "island", "--group", "nobody-here", NULL };
	const char *staffed[] = { "--id", "island", "--group", "ops", NULL };

	ck_assert_msg(cli("resource", "set", lonely, out, err) == 0, "stderr: %s", err);
	ck_assert_msg(strstr(err, "warning: group nobody-here has no member with the approver role") != NULL,
		      "stderr: %s", err);
	ck_assert_msg(cli("resource", "set", staffed, out, err) == 0, "stderr: %s", err);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_help_on_every_command)
{
	static const char *const commands[][2] = {
		{ "token", "create" }, { "token", "list" }, { "token", "revoke" },
		{ "principal", "add" }, { "principal", "set" }, { "principal", "list" },
		{ "resource", "set" }, { "resource", "list" },
	};
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];
	char expected[64];

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		const char *argv[] = { gatehoused_path(), commands[i][0], commands[i][1], "--help", NULL };
		ck_assert_int_eq(test_run_program(argv, out, sizeof out, err, sizeof err), 0);
		snprintf(expected, sizeof expected, "usage: gatehoused %s %s --db FILE", commands[i][0],
			 commands[i][1]);
		ck_assert_msg(strncmp(out, expected, strlen(expected)) == 0, "%s %s --help: %s",
			      commands[i][0], commands[i][1], out);
	}
	const char *noun_help[] = { gatehoused_path(), "principal", "--help", NULL };
	ck_assert_int_eq(test_run_program(noun_help, out, sizeof out, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(out, "gatehoused principal set"));
}
END_TEST

START_TEST(test_unknown_command_named)
{
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];
	const char *noun_only[] = { gatehoused_path(), "principal", NULL };
	const char *wrong_verb[] = { gatehoused_path(), "token", "delete", NULL };
	const char *wrong_option[] = { gatehoused_path(), "token", "list", "--db", "x.db", "--roles",
				       "admin", NULL };

	ck_assert_int_eq(test_run_program(noun_only, out, sizeof out, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "unknown command \"principal\";") != NULL, "stderr: %s", err);
	ck_assert_int_eq(test_run_program(wrong_verb, out, sizeof out, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "unknown command \"token delete\";") != NULL, "stderr: %s", err);
	ck_assert_int_eq(test_run_program(wrong_option, out, sizeof out, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "token list does not take --roles") != NULL, "stderr: %s", err);
}
END_TEST

/* Ids are printed with control and bidirectional characters escaped, never raw. */
START_TEST(test_output_escaped)
{
	static char out[OUTPUT_SIZE], err[OUTPUT_SIZE];
	const char *hostile[] = { "--id", "evil\033[2Jx\xe2\x80\xae\xc2\x9b\x7f", "--roles", "requester",
				  "--name", "line\nbreak", NULL };

	ck_assert_msg(cli("principal", "add", hostile, out, err) == 0, "stderr: %s", err);
	ck_assert_str_eq(out, "principal evil\\x1b[2Jx<U+202E><U+009B>\\x7f added\n");
	ck_assert_int_eq(cli("principal", "list", NULL, out, err), 0);
	ck_assert_ptr_null(strchr(out, '\033'));
	ck_assert_ptr_null(strstr(out, "\xe2\x80\xae"));
	ck_assert_ptr_null(strstr(out, "\xc2\x9b"));
	ck_assert_ptr_nonnull(strstr(out, "line\\x0abreak"));
	ck_assert_int_eq(cli("principal", "add", hostile, out, err), 1);
	ck_assert_ptr_null(strchr(err, '\033'));
	ck_assert_ptr_nonnull(strstr(err, "evil\\x1b[2J"));
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *suite = suite_create("broker_cli");
	TCase *commands = tcase_create("commands");

	tcase_set_timeout(commands, 60);
	tcase_add_unchecked_fixture(commands, build_world, destroy_world);
	tcase_add_checked_fixture(commands, start_broker, stop_broker);
	tcase_add_test(commands, test_token_list_shows_ids);
	tcase_add_test(commands, test_token_revoke_takes_effect);
	tcase_add_test(commands, test_principal_add_existing_rejected);
	tcase_add_test(commands, test_principal_set_keeps_rest);
	tcase_add_test(commands, test_principal_list_shows_cast);
	tcase_add_test(commands, test_resource_set_keeps_route);
	tcase_add_test(commands, test_route_without_approver_warned);
	tcase_add_test(commands, test_help_on_every_command);
	tcase_add_test(commands, test_unknown_command_named);
	tcase_add_test(commands, test_output_escaped);
	suite_add_tcase(suite, commands);
	return suite;
}

CHECK_MAIN(cli_suite)
