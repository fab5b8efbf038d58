/*
 * gatehouse report (console/cli_report*.c): its figures for the fixture histories
 * in each format, checked against report.awk, its JSON shape on data/, and its
 * exit codes and messages. The command runs in a child process with its output
 * caught in files, as it runs from the shell.
 */

#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/json.h"
#include "console/cli_report.h"
#include "tests/support/check_main.h"
#include "tests/unit/test_metrics_fixture.h"

#define ARGS_MAX 24
#define REQUESTS_MAP                                                             \
	"decision=status,resource=resource,requester=requester,approver=decided_by," \
	"requested_at=created_at,decided_at=decided_at,role=role"

struct run {
	int status;
	char *out;
	char *err;
	json_t *json;               /* stdout parsed, when it is one JSON value */
};

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct strbuf text = STRBUF_INIT;
	char chunk[8192];
	size_t n;

	ck_assert_ptr_nonnull(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		strbuf_append(&text, chunk, n);
	fclose(f);
	return strbuf_detach(&text);
}

/* Run "gatehouse report ARGS..." in a child process and keep its status and output. */
static void run_report(const char *const *args, struct run *out)
{
	char out_path[] = "/tmp/gatehouse-report-out-XXXXXX";
	char err_path[] = "/tmp/gatehouse-report-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	char *argv[ARGS_MAX + 2] = { "report" };
	int argc = 1, status;

	ck_assert_int_ge(out_fd, 0);
	ck_assert_int_ge(err_fd, 0);
	for (int i = 0; args[i]; i++) {
		ck_assert_int_lt(argc, ARGS_MAX);
		argv[argc++] = xstrdup(args[i]); /* writable, as a real argv is */
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		int code = cli_report_run(argc, argv);
		fflush(stdout);
		fflush(stderr);
		_exit(code);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	for (int i = 1; i < argc; i++)
		free(argv[i]);
	close(out_fd);
	close(err_fd);
	out->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out->out = read_all(out_path);
	out->err = read_all(err_path);
	out->json = json_loads(out->out, JSON_DECODE_ANY, NULL);
	unlink(out_path);
	unlink(err_path);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	json_decref(r->json);
}

/* What report.awk printed, one line each. */
struct awk_lines {
	char lines[256][160];
	size_t count;
};

static void run_awk(const char *format, const char *file, const char *extra, struct awk_lines *out)
{
	char times[512], script[512], data[512], command[2200], line[160];

	fixture_path("time.awk", times, sizeof times);
	fixture_path("report.awk", script, sizeof script);
	fixture_path(file, data, sizeof data);
	snprintf(command, sizeof command, "awk -v format=%s -v many=3 %s -f '%s' -f '%s' '%s'", format,
		 extra, times, script, data);
	FILE *p = popen(command, "r");
	ck_assert_ptr_nonnull(p);
	out->count = 0;
	while (fgets(line, sizeof line, p)) {
		ck_assert_uint_lt(out->count, 256);
		line[strcspn(line, "\n")] = '\0';
		snprintf(out->lines[out->count++], sizeof out->lines[0], "%s", line);
	}
	ck_assert_int_eq(pclose(p), 0);
}

/* The numbers after "KIND NAME" (or after "KIND" when name is NULL); false when absent. */
static bool awk_find(const struct awk_lines *a, const char *kind, const char *name, long long *v,
		     int count)
{
	for (size_t i = 0; i < a->count; i++) {
		char copy[160], *saveptr = NULL;
		snprintf(copy, sizeof copy, "%s", a->lines[i]);
		char *word = strtok_r(copy, " ", &saveptr);
		if (!word || strcmp(word, kind) != 0)
			continue;
		if (name) {
			word = strtok_r(NULL, " ", &saveptr);
			if (!word || strcmp(word, name) != 0)
				continue;
		}
		for (int k = 0; k < count; k++) {
			word = strtok_r(NULL, " ", &saveptr);
			ck_assert_ptr_nonnull(word);
			v[k] = strtoll(word, NULL, 10);
		}
		return true;
	}
	return false;
}

static size_t awk_count(const struct awk_lines *a, const char *kind)
{
	size_t n = 0;

	for (size_t i = 0; i < a->count; i++)
		n += strncmp(a->lines[i], kind, strlen(kind)) == 0 && a->lines[i][strlen(kind)] == ' ';
	return n;
}

static long long json_int_at(const json_t *object, const char *field)
{
	const json_t *v = json_object_get(object, field);

	ck_assert_msg(json_is_integer(v), "%s is not a whole number", field);
	return json_integer_value(v);
}

static void expect_totals(const json_t *report, const struct awk_lines *a)
{
	static const char *const fields[] = { "total", "approved", "denied", "other" };
	long long v;

	for (size_t i = 0; i < 4; i++) {
		ck_assert(awk_find(a, fields[i], NULL, &v, 1));
		ck_assert_msg(json_int_at(report, fields[i]) == v, "%s is %lld, expected %lld", fields[i],
			      json_int_at(report, fields[i]), v);
	}
}

/* Every listed resource matches report.awk, most requested first; the first ones are listed. */
static void expect_resources(const json_t *report, const struct awk_lines *a, size_t top)
{
	const json_t *list = json_object_get(report, "top_resources");
	size_t i;
	json_t *item;
	long long previous = -1, v[3];

	ck_assert(json_is_array(list));
	size_t resources = awk_count(a, "resource");
	ck_assert_uint_eq(json_array_size(list), resources < top ? resources : top);
	json_array_foreach(list, i, item) {
		const char *name = json_string_value(json_object_get(item, "resource"));
		ck_assert_msg(awk_find(a, "resource", name, v, 3), "no resource %s in report.awk", name);
		ck_assert_int_eq(json_int_at(item, "count"), v[0]);
		ck_assert_int_eq(json_int_at(item, "approved"), v[1]);
		ck_assert_int_eq(json_int_at(item, "denied"), v[2]);
		ck_assert(previous < 0 || v[0] <= previous);
		previous = v[0];
	}
	/* Nothing unlisted was requested more often than the last listed. */
	for (size_t l = 0; l < a->count && json_array_size(list) == top; l++) {
		long long requests = 0;
		if (sscanf(a->lines[l], "resource %*s %lld", &requests) == 1)
			ck_assert_int_le(requests, previous);
	}
}

static void expect_candidates(const json_t *report, const struct awk_lines *a)
{
	const json_t *c = json_object_get(report, "auto_approve_candidates");
	size_t i;
	json_t *item;
	long long v[3];

	ck_assert_int_eq(json_int_at(c, "min_approvals"), 3);
	ck_assert_int_eq(json_int_at(c, "count"), (long long)awk_count(a, "candidate"));
	json_array_foreach(json_object_get(c, "items"), i, item) {
		const char *name = json_string_value(json_object_get(item, "resource"));
		const char *role = json_string_value(json_object_get(item, "role"));
		char key[200];
		snprintf(key, sizeof key, "%s %s", name, role ? role : "-");
		bool found = false;
		for (size_t l = 0; l < a->count && !found; l++) {
			char expected[300];
			if (sscanf(a->lines[l], "candidate %*s %*s %lld %lld", &v[0], &v[1]) != 2)
				continue;
			snprintf(expected, sizeof expected, "candidate %s %lld %lld", key, v[0], v[1]);
			found = strcmp(expected, a->lines[l]) == 0;
		}
		ck_assert_msg(found, "candidate %s is not in report.awk", key);
		ck_assert_int_eq(json_int_at(item, "requests"), v[0]);
		ck_assert_int_eq(json_int_at(item, "approved"), v[1]);
	}
	ck_assert_int_eq(json_array_size(json_object_get(c, "items")), awk_count(a, "candidate"));
}

static void expect_one_offs(const json_t *report, const struct awk_lines *a)
{
	long long v;

	ck_assert(awk_find(a, "one_offs", NULL, &v, 1));
	ck_assert_int_eq(json_int_at(json_object_get(report, "one_off_approvals"), "resources"), v);
}

static void expect_access_times(const json_t *report, const struct awk_lines *a)
{
	const json_t *t = json_object_get(report, "time_to_access");
	long long v[4];

	ck_assert(awk_find(a, "access", NULL, v, 1));
	if (v[0] == 0) {
		ck_assert(json_is_null(t));
		return;
	}
	ck_assert(awk_find(a, "access", NULL, v, 4));
	ck_assert_int_eq(json_int_at(t, "samples"), v[0]);
	ck_assert_int_eq(json_int_at(t, "mean_seconds"), v[1]);
	ck_assert_int_eq(json_int_at(t, "median_seconds"), v[2]);
	ck_assert_int_eq(json_int_at(t, "p90_seconds"), v[3]);
}

static void expect_approvers(const json_t *report, const struct awk_lines *a)
{
	const json_t *list = json_object_get(report, "slowest_approvers");
	size_t i;
	json_t *item;
	long long v[4], previous = -1;

	if (awk_count(a, "approver") == 0) {
		ck_assert(json_is_null(list));
		return;
	}
	ck_assert_uint_eq(json_array_size(list), awk_count(a, "approver"));
	json_array_foreach(list, i, item) {
		const char *name = json_string_value(json_object_get(item, "approver"));
		ck_assert_msg(awk_find(a, "approver", name, v, 4), "no approver %s in report.awk", name);
		ck_assert_int_eq(json_int_at(item, "decisions"), v[0]);
		ck_assert_int_eq(json_int_at(item, "timed_decisions"), v[1]);
		ck_assert_int_eq(json_int_at(item, "median_seconds"), v[2]);
		ck_assert_int_eq(json_int_at(item, "mean_seconds"), v[3]);
		ck_assert(previous < 0 || v[2] <= previous);
		previous = v[2];
	}
}

static void expect_report(const struct run *r, const struct awk_lines *a, const char *format)
{
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status, r->err);
	ck_assert_msg(json_is_object(r->json), "stdout is not one JSON object: %s", r->out);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "source"), "format")),
			 format);
	expect_totals(r->json, a);
	expect_resources(r->json, a, 10);
	expect_candidates(r->json, a);
	expect_one_offs(r->json, a);
	expect_access_times(r->json, a);
	expect_approvers(r->json, a);
}

START_TEST(test_report_access_history)
{
	char path[512];
	struct awk_lines a;
	struct run r;

	fixture_path("access_history.csv", path, sizeof path);
	run_awk("access", "access_history.csv", "", &a);
	run_report((const char *const[]){ "--history", path, "--json", "--many", "3", NULL }, &r);
	expect_report(&r, &a, "access-history");
	/* Ties in requests go by resource number: 3000 before 4675, and 78 before 0078 later. */
	json_t *top = json_object_get(r.json, "top_resources");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(top, 0), "resource")), "3000");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(top, 1), "resource")), "4675");
	ck_assert_double_eq_tol(json_real_value(json_object_get(r.json, "approval_rate")), 19.0 / 24.0,
				0.0001);
	run_free(&r);
}
END_TEST

START_TEST(test_report_mapped_csv)
{
	char path[512];
	struct awk_lines a;
	struct run r;

	fixture_path("requests.csv", path, sizeof path);
	run_awk("requests", "requests.csv", "", &a);
	run_report((const char *const[]){ "--history", path, "--json", "--many", "3", "--map",
					 REQUESTS_MAP, "--denied-value", "denied", NULL }, &r);
	expect_report(&r, &a, "csv");
	run_free(&r);
}
END_TEST

/* Without --denied-value, every decision but the approved one and "" is a denial. */
START_TEST(test_report_mapped_csv_any_denial)
{
	char path[512];
	struct awk_lines a;
	struct run r;

	fixture_path("requests.csv", path, sizeof path);
	run_awk("requests", "requests.csv", "-v denied_any=1", &a);
	run_report((const char *const[]){ "--history", path, "--json", "--many=3", "--map",
					 REQUESTS_MAP, "--approved-value", "APPROVED", NULL }, &r);
	expect_totals(r.json, &a);
	ck_assert_int_eq(json_int_at(r.json, "other"), 0);
	run_free(&r);
}
END_TEST

START_TEST(test_report_json_lines)
{
	char dir[] = "/tmp/gatehouse-report-XXXXXX", path[128];
	struct fixture fx;
	struct awk_lines a;
	struct run r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/requests.jsonl", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fixture_load(&fx);
	for (size_t i = 0; i < fx.request_count; i++) {
		json_t *object = request_to_json(&fx.requests[i]);
		char *line = json_dumps(object, JSON_COMPACT);
		fprintf(f, "%s\n%s", line, i == 3 ? "\n" : "");
		free(line);
		json_decref(object);
	}
	fclose(f);
	fixture_free(&fx);
	run_awk("requests", "requests.csv", "", &a);
	run_report((const char *const[]){ "--history", path, "--json", "--many", "3", NULL }, &r);
	expect_report(&r, &a, "json-lines");
	run_free(&r);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* The interface the acceptance checks read, on the shipped history. */
START_TEST(test_report_shipped_history)
{
	char path[512], command[700];
	const char *source = getenv("GATEHOUSE_SOURCE");
	long long total, approved, denied;
	struct run r;

	snprintf(path, sizeof path, "%s/data/amazon_train.csv", source && *source ? source : ".");
	snprintf(command, sizeof command,
		 "awk -F, 'NR > 1 { n++; if ($1 == 1) a++; else d++ } END { print n, a, d }' '%s'", path);
	FILE *p = popen(command, "r");
	ck_assert_int_eq(fscanf(p, "%lld %lld %lld", &total, &approved, &denied), 3);
	ck_assert_int_eq(pclose(p), 0);
	run_report((const char *const[]){ "--history", path, "--json", NULL }, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert(json_is_object(r.json));
	ck_assert_int_eq(json_int_at(r.json, "total"), total);
	ck_assert_int_eq(json_int_at(r.json, "approved"), approved);
	ck_assert_int_eq(json_int_at(r.json, "denied"), denied);
	json_t *top = json_object_get(r.json, "top_resources");
	ck_assert_uint_eq(json_array_size(top), 10);
	ck_assert(json_is_string(json_object_get(json_array_get(top, 0), "resource")));
	ck_assert_int_eq(json_int_at(json_array_get(top, 0), "count"), 839);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(top, 0), "resource")), "4675");
	run_free(&r);
}
END_TEST

START_TEST(test_report_text)
{
	char path[512];
	struct run r;

	fixture_path("requests.csv", path, sizeof path);
	run_report((const char *const[]){ "--history", path, "--map", REQUESTS_MAP, "--denied-value",
					 "denied", "--top", "2", NULL }, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_ptr_null(r.json);
	ck_assert_ptr_nonnull(strstr(r.out, "Decisions: 17 approved (85.0%), 3 denied (15.0%), 6 other"));
	ck_assert_ptr_nonnull(strstr(r.out, "Time to access (17 approvals with times): mean 48m, median 32s, 90th percentile 3h00m"));
	ck_assert_ptr_nonnull(strstr(r.out, "Slowest approvers"));
	ck_assert_ptr_nonnull(strstr(r.out, "Auto-approve candidates: 1 resource and role pairs"));
	run_free(&r);
}
END_TEST

/* A CSV's own quoting: commas, doubled quotes and line breaks inside quotes. */
START_TEST(test_report_quoted_csv)
{
	char dir[] = "/tmp/gatehouse-report-XXXXXX", path[128];
	struct run r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/quoted.csv", dir);
	FILE *f = fopen(path, "w");
	fputs("\xEF\xBB\xBF\"Ticket\",Outcome,\"Asset name\"\r\n"
	      "1,Approved,\"db, \"\"prod\"\"\"\r\n"
	      "2,approved,\"db, \"\"prod\"\"\"\r\n"
	      "3,Rejected,\"multi\nline\"\r\n"
	      "4,,plain\r\n", f);
	fclose(f);
	run_report((const char *const[]){ "--history", path, "--json", "--map",
					 "decision=Outcome,resource=asset name", NULL }, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(json_int_at(r.json, "total"), 4);
	ck_assert_int_eq(json_int_at(r.json, "approved"), 2);
	ck_assert_int_eq(json_int_at(r.json, "denied"), 1);
	ck_assert_int_eq(json_int_at(r.json, "other"), 1);
	json_t *first = json_array_get(json_object_get(r.json, "top_resources"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "resource")), "db, \"prod\"");
	ck_assert_int_eq(json_int_at(first, "count"), 2);
	run_free(&r);
	/* The same columns by number. */
	run_report((const char *const[]){ "--history", path, "--json", "--map",
					 "decision=2,resource=3", "--format", "csv", NULL }, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(json_int_at(r.json, "approved"), 2);
	run_free(&r);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A file the test writes, with content; the caller removes path and dir. */
static void write_file(char *dir, char *path, size_t size, const char *content)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, size, "%s/history", dir);
	FILE *f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
}

static void expect_failure(const char *content, const char *const *extra, int status,
			   const char *fragment)
{
	char dir[] = "/tmp/gatehouse-report-XXXXXX", path[128];
	const char *args[ARGS_MAX] = { "--history", NULL };
	int n = 2;
	struct run r;

	write_file(dir, path, sizeof path, content);
	args[1] = path;
	for (int i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	run_report(args, &r);
	ck_assert_msg(r.status == status, "exit %d, expected %d: %s", r.status, status, r.err);
	ck_assert_msg(strstr(r.err, fragment) != NULL, "stderr \"%s\" lacks \"%s\"", r.err, fragment);
	ck_assert_str_eq(r.out, "");
	run_free(&r);
	unlink(path);
	rmdir(dir);
}

START_TEST(test_report_unreadable_histories)
{
	const char *const mapped[] = { "--map", "decision=d,resource=r,requested_at=t", NULL };

	expect_failure("ACTION,RESOURCE,MGR_ID,A\n1,5,7,0\n2,5,7,0\n", NULL, 1, "line 3");
	expect_failure("id,status\n1,approved\n", NULL, 1, "neither the access-history CSV");
	expect_failure("{\"status\": \"approved\"}\nnot json\n", NULL, 1, "line 2: not JSON");
	expect_failure("{\"resource\": \"x\"}\n", NULL, 1, "has no status");
	expect_failure("{\"status\": \"approved\", \"created_at\": 5}\n", NULL, 1, "created_at");
	expect_failure("d,r,t\napproved,x,yesterday\n", mapped, 1, "line 2: requested_at");
	expect_failure("d,r\napproved,x\n", mapped, 1, "no column of the header is named t");
	expect_failure("d,r,t\napproved,\"x,1\n", mapped, 1, "no closing quote");
	expect_failure("d,r,t\napproved,\"x\"y,1\n", mapped, 1, "text follows the closing quote");
}
END_TEST

START_TEST(test_report_bad_usage)
{
	const char *const no_columns[] = { "--format", "csv", NULL };
	const char *const unknown_field[] = { "--map", "decision=a,colour=b", NULL };
	const char *const bad_top[] = { "--top", "0", NULL };
	const char *const bad_many[] = { "--many", "ten", NULL };
	const char *const bad_format[] = { "--format", "xml", NULL };
	const char *const abbreviated[] = { "--hist", "x", NULL };
	struct run r;

	expect_failure("", no_columns, 2, "needs --map");
	expect_failure("", unknown_field, 2, "unknown field colour");
	expect_failure("", bad_top, 2, "--top must be a whole number from 1");
	expect_failure("", bad_many, 2, "--many must be");
	expect_failure("", bad_format, 2, "--format must be");
	expect_failure("", abbreviated, 2, "unknown option --hist");
	run_report((const char *const[]){ "--json", NULL }, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--history FILE"));
	run_free(&r);
	run_report((const char *const[]){ "--history", "/nonexistent/history.csv", NULL }, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot open /nonexistent/history.csv"));
	run_free(&r);
	run_report((const char *const[]){ "--help", NULL }, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: gatehouse report"));
	run_free(&r);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("metrics_report");
	TCase *figures = tcase_create("figures");
	TCase *errors = tcase_create("errors");

	tcase_set_timeout(figures, 60);
	tcase_add_test(figures, test_report_access_history);
	tcase_add_test(figures, test_report_mapped_csv);
	tcase_add_test(figures, test_report_mapped_csv_any_denial);
	tcase_add_test(figures, test_report_json_lines);
	tcase_add_test(figures, test_report_shipped_history);
	tcase_add_test(figures, test_report_text);
	tcase_add_test(figures, test_report_quoted_csv);
	suite_add_tcase(s, figures);
	tcase_add_test(errors, test_report_unreadable_histories);
	tcase_add_test(errors, test_report_bad_usage);
	suite_add_tcase(s, errors);
	return s;
}

CHECK_MAIN(report_suite)
