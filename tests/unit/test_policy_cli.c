/*
 * gatehouse policy and gatehouse simulate, run as the built binary: exit
 * codes, diagnostics on stderr, and the shape and figures of --json.
 */

#include <check.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/strbuf.h"
#include "tests/support/broker_process.h"
#include "tests/support/check_main.h"

#define FIXTURES "tests/fixtures/policy/"

struct run_result {
	int status;
	char *out;
	char *err;
};

static void enter_source(void)
{
	const char *source = getenv("GATEHOUSE_SOURCE");

	if (source && *source)
		ck_assert_int_eq(chdir(source), 0);
}

/* The console binary: gatehouse next to the gatehoused under test. */
static const char *console_path(void)
{
	static char path[4096];
	char broker[4096];

	snprintf(broker, sizeof broker, "%s", gatehoused_path());
	snprintf(path, sizeof path, "%s/gatehouse", dirname(broker));
	ck_assert_msg(access(path, X_OK) == 0, "no console binary at %s", path);
	return path;
}

static char *read_all(int fd)
{
	struct strbuf text = STRBUF_INIT;
	char chunk[4096];
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		strbuf_append(&text, chunk, (size_t)n);
	close(fd);
	return strbuf_detach(&text);
}

/* Run gatehouse with the arguments (NULL-terminated), capturing stdout and stderr. */
static struct run_result run_console(const char *const *arguments)
{
	const char *argv[32] = { console_path() };
	char out_path[] = "/tmp/gatehouse-cli-out-XXXXXX", err_path[] = "/tmp/gatehouse-cli-err-XXXXXX";
	int out = mkstemp(out_path), err = mkstemp(err_path);
	struct run_result result;
	int status;
	size_t n = 1;

	ck_assert(out >= 0 && err >= 0);
	unlink(out_path);
	unlink(err_path);
	for (; arguments[n - 1] && n < 31; n++)
		argv[n] = arguments[n - 1];
	argv[n] = NULL;

	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	result.status = WEXITSTATUS(status);
	result.out = read_all(out);
	result.err = read_all(err);
	return result;
}

static void run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
}

/* Write text to a new temporary file whose path goes into path (at least 64 bytes). */
static void write_temporary(char *path, const char *text)
{
	strcpy(path, "/tmp/gatehouse-policy-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

START_TEST(test_lint_clean)
{
	enter_source();

	struct run_result r = run_console((const char *const[]){ "policy", "lint", FIXTURES "current.policy", NULL });

	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	run_result_free(&r);
}
END_TEST

START_TEST(test_lint_errors)
{
	char path[64], expected[512];

	write_temporary(path, "default require 1 aproval from \"owners\"\n"
			      "rule \"a\" { when resource.id = \"1\" allow }\n");

	struct run_result r = run_console((const char *const[]){ "policy", "lint", path, NULL });

	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	snprintf(expected, sizeof expected,
		 "%s:1:19: expected approval or approvals, found \"aproval\"\n"
		 "%s:2:29: unexpected '=': compare with ==\n"
		 "%s:2:31: expected ==, !=, in, not in, ~ or !~ after the attribute, found the string \"1\"\n",
		 path, path, path);
	ck_assert_str_eq(r.err, expected);
	run_result_free(&r);
	unlink(path);
}
END_TEST

START_TEST(test_lint_warnings_pass)
{
	char path[64];

	write_temporary(path, "default allow\nrule \"a\" { deny \"x\" max 1h }\n");

	struct run_result r = run_console((const char *const[]){ "policy", "lint", path, NULL });

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.err, ":2:21: warning: max has no effect on a rule that denies\n"));
	ck_assert_ptr_nonnull(strstr(r.err, ":1:1: warning: the default never applies"));
	run_result_free(&r);
	unlink(path);
}
END_TEST

START_TEST(test_lint_known_attributes)
{
	char path[64];

	write_temporary(path, "default allow\nrule \"a\" { when requester.title == \"x\" deny \"x\" }\n");

	struct run_result r = run_console((const char *const[]){
		"policy", "lint", "--attributes", "resource.*,requester.department", path, NULL });

	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, ":2:17: unknown attribute \"requester.title\"; the known "
				     "attributes are resource.*, requester.department\n"));
	run_result_free(&r);
	r = run_console((const char *const[]){ "policy", "lint", "--attributes", "requester.*", path, NULL });
	ck_assert_int_eq(r.status, 0);
	run_result_free(&r);
	unlink(path);
}
END_TEST

/* Arguments that are not a valid command, each with a fragment of what stderr must contain. */
struct usage_case {
	const char *arguments[8];
	int status;
	const char *message;
};

static const struct usage_case usage_cases[] = {
	{ { "policy", NULL }, 2, "usage: gatehouse policy lint" },
	{ { "policy", "check", NULL }, 2, "gatehouse policy: unknown command \"check\"; use lint or decide" },
	{ { "policy", "lint", NULL }, 2, "gatehouse policy lint: give one policy FILE; see --help" },
	{ { "policy", "lint", "a", "b", NULL }, 2, "give one policy FILE" },
	{ { "policy", "lint", "--attribute", "x", "a", NULL }, 2, "unknown option --attribute; see --help" },
	{ { "policy", "lint", "/nonexistent.policy", NULL }, 1,
	  "gatehouse policy lint: cannot open /nonexistent.policy: No such file or directory" },
	{ { "policy", "decide", NULL }, 2, "give a policy FILE" },
	{ { "policy", "decide", "--at", "yesterday", "x", NULL }, 2, "invalid --at \"yesterday\"" },
	{ { "simulate", NULL }, 2, "give --proposed FILE and --history FILE" },
	{ { "simulate", "--proposed", "p", "--history", "h", NULL }, 2,
	  "no current policy: give --current FILE, or the broker whose policy to use" },
	{ { "simulate", "--proposed", "p", "--history", "h", "--changed-limit", "-1", NULL }, 2,
	  "invalid --changed-limit \"-1\"" },
	{ { "simulate", "--proposed", "p", "--history", "h", "extra", NULL }, 2,
	  "unexpected argument \"extra\"" },
};

START_TEST(test_usage_errors)
{
	const struct usage_case *c = &usage_cases[_i];
	struct run_result r = run_console(c->arguments);

	ck_assert_int_eq(r.status, c->status);
	ck_assert_msg(strstr(r.err, c->message) != NULL, "stderr:\n%s\nlacks: %s", r.err, c->message);
	run_result_free(&r);
}
END_TEST

START_TEST(test_help)
{
	struct run_result r = run_console((const char *const[]){ "policy", "--help", NULL });

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: gatehouse policy lint [--attributes LIST] FILE\n"));
	run_result_free(&r);
	r = run_console((const char *const[]){ "policy", "lint", "--help", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: gatehouse policy lint"));
	run_result_free(&r);
	r = run_console((const char *const[]){ "simulate", "--help", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: gatehouse simulate --proposed FILE --current FILE "
				     "--history FILE [--json]\n"));
	run_result_free(&r);
	r = run_console((const char *const[]){ "--help", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "  policy "));
	ck_assert_ptr_nonnull(strstr(r.out, "  simulate "));
	run_result_free(&r);
}
END_TEST

START_TEST(test_decide_explains)
{
	enter_source();

	struct run_result r = run_console((const char *const[]){
		"policy", "decide", "--at", "2026-03-30T08:00:00Z", FIXTURES "requests-proposed.policy",
		"request.role=read", "requester.groups=staff", "requester.groups=contractors", NULL });

	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out,
			 "decision: deny \"contractors use the vendor portal\"\n"
			 "decided by rule \"contractors\" (line 16)\n"
			 "matching rules:\n"
			 "  rule \"office reads\" (line 5): allow: loses, because deny beats allow\n"
			 "  rule \"contractors\" (line 16): deny \"contractors use the vendor portal\": "
			 "decides, because deny beats allow\n");
	run_result_free(&r);
}
END_TEST

/* Read simulate.awk's figures into a JSON object shaped like the command's output. */
static json_t *awk_figures(void)
{
	json_t *j = json_pack("{s:{s:{},s:{},s:{}}, s:{}, s:[], s:[]}", "matrix", "allow", "require",
			      "deny", "rules", "rules_never_deciding", "rules_shadowed");
	FILE *awk = popen("awk -F, -f " FIXTURES "simulate.awk " FIXTURES "history.csv", "r");
	char line[256];

	ck_assert_ptr_nonnull(awk);
	while (fgets(line, sizeof line, awk)) {
		char *key, *a, *b, *c;

		line[strcspn(line, "\n")] = '\0';
		key = strtok(line, "\t");
		a = strtok(NULL, "\t");
		b = strtok(NULL, "\t");
		c = strtok(NULL, "\t");
		if (strcmp(key, "matrix") == 0)
			json_object_set_new(json_object_get(json_object_get(j, "matrix"), a), b,
					    json_integer(atoll(c)));
		else if (strcmp(key, "rule") == 0)
			json_object_set_new(json_object_get(j, "rules"), a, json_integer(atoll(b)));
		else if (strcmp(key, "never") == 0)
			json_array_append_new(json_object_get(j, "rules_never_deciding"), json_string(a));
		else if (strcmp(key, "shadowed") == 0)
			json_array_append_new(json_object_get(j, "rules_shadowed"), json_string(a));
		else if (strcmp(key, "without_time") == 0)
			json_object_set_new(j, "rows_without_time", json_integer(atoll(a)));
		else if (strcmp(key, "default") != 0)
			json_object_set_new(j, key, json_integer(atoll(a)));
	}
	ck_assert_int_eq(pclose(awk), 0);
	return j;
}

START_TEST(test_simulate_json_matches_awk)
{
	static const char *const keys[] = {
		"total", "matrix", "changed", "risk", "friction", "rules", "rules_never_deciding",
		"rules_shadowed", "rows_without_time", "mtta_seconds", "changed_rows",
	};

	enter_source();

	struct run_result r = run_console((const char *const[]){
		"simulate", "--current", FIXTURES "current.policy", "--proposed", FIXTURES "proposed.policy",
		"--history", FIXTURES "history.csv", "--json", NULL });
	json_error_t error;
	json_t *output, *expected = awk_figures();

	ck_assert_int_eq(r.status, 0);
	/* One object on one line. */
	ck_assert_ptr_eq(strchr(r.out, '\n'), r.out + strlen(r.out) - 1);
	output = json_loads(r.out, 0, &error);
	ck_assert_msg(output != NULL, "not JSON: %s", error.text);
	ck_assert_uint_eq(json_object_size(output), sizeof keys / sizeof keys[0]);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_msg(json_object_get(output, keys[i]) != NULL, "no \"%s\"", keys[i]);

	const char *key;
	json_t *value;

	json_object_foreach(expected, key, value)
		ck_assert_msg(json_equal(json_object_get(output, key), value), "\"%s\" differs from awk's: %s",
			      key, json_dumps(value, JSON_COMPACT));
	ck_assert_uint_eq(json_array_size(json_object_get(output, "changed_rows")),
			  (size_t)json_integer_value(json_object_get(output, "changed")));
	ck_assert(json_is_null(json_object_get(json_object_get(output, "mtta_seconds"), "current")));
	/* The warning about the time window goes to stderr, never into the JSON. */
	ck_assert_ptr_nonnull(strstr(r.err, "warning: no row of the history has a time"));
	json_decref(output);
	json_decref(expected);
	run_result_free(&r);
}
END_TEST

START_TEST(test_simulate_json_lines)
{
	enter_source();

	struct run_result r = run_console((const char *const[]){
		"simulate", "--current", FIXTURES "requests-current.policy", "--proposed",
		FIXTURES "requests-proposed.policy", "--history", FIXTURES "requests.jsonl", "--json",
		"--changed-limit", "1", NULL });
	json_t *output = json_loads(r.out, 0, NULL);
	json_t *mtta = json_object_get(output, "mtta_seconds");
	json_t *change = json_array_get(json_object_get(output, "changed_rows"), 0);

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(output);
	ck_assert_int_eq(json_integer_value(json_object_get(mtta, "current")), 1800);
	ck_assert_int_eq(json_integer_value(json_object_get(mtta, "proposed")), 771);
	ck_assert_uint_eq(json_array_size(json_object_get(output, "changed_rows")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(change, "id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(change, "history")), "approved");
	ck_assert_str_eq(json_string_value(json_object_get(change, "proposed_rule")), "office reads");
	ck_assert(json_is_null(json_object_get(change, "current_rule")));
	json_decref(output);
	run_result_free(&r);
}
END_TEST

START_TEST(test_simulate_text)
{
	enter_source();

	struct run_result r = run_console((const char *const[]){
		"simulate", "--current", FIXTURES "current.policy", "--proposed", FIXTURES "proposed.policy",
		"--history", FIXTURES "history.csv", NULL });

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "history: " FIXTURES "history.csv, 200 requests, none with a time\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "changed:   73 of 200 (36.5%)\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"shadowed\" (line 26): never decides; it matched 9 rows but "
				     "another rule always won\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "changed requests, the first 20 of 73:\n"));
	run_result_free(&r);
}
END_TEST

START_TEST(test_simulate_rejects_invalid_policy)
{
	char path[64];

	enter_source();
	write_temporary(path, "default allow\nrule \"a\" { deny }\n");

	struct run_result r = run_console((const char *const[]){
		"simulate", "--current", FIXTURES "current.policy", "--proposed", path,
		"--history", FIXTURES "history.csv", "--json", NULL });

	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_ptr_nonnull(strstr(r.err, ":2:17: expected the message for the requester"));
	run_result_free(&r);
	r = run_console((const char *const[]){
		"simulate", "--current", FIXTURES "current.policy", "--proposed", FIXTURES "proposed.policy",
		"--history", path, NULL });
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "line 1: the header has no ACTION column"));
	run_result_free(&r);
	unlink(path);
}
END_TEST

static Suite *policy_cli_suite(void)
{
	Suite *s = suite_create("policy_cli");
	TCase *tc = tcase_create("cli");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_lint_clean);
	tcase_add_test(tc, test_lint_errors);
	tcase_add_test(tc, test_lint_warnings_pass);
	tcase_add_test(tc, test_lint_known_attributes);
	tcase_add_loop_test(tc, test_usage_errors, 0, sizeof usage_cases / sizeof usage_cases[0]);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_decide_explains);
	tcase_add_test(tc, test_simulate_json_matches_awk);
	tcase_add_test(tc, test_simulate_json_lines);
	tcase_add_test(tc, test_simulate_text);
	tcase_add_test(tc, test_simulate_rejects_invalid_policy);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(policy_cli_suite)
