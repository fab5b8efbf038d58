/*
 * Simulations: the figures for a CSV history against an independent awk
 * computation (tests/fixtures/policy/simulate.awk), the figures for JSON lines
 * of requests against values worked out by hand, and the history readers.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"
#include "policy/simulate.h"
#include "tests/support/check_main.h"

#define FIXTURES "tests/fixtures/policy/"
#define LINE_MAX_BYTES 256

/* Run from the repository root, as tests/unit/run.sh does, or from GATEHOUSE_SOURCE. */
static void enter_source(void)
{
	const char *source = getenv("GATEHOUSE_SOURCE");

	if (source && *source)
		ck_assert_int_eq(chdir(source), 0);
}

/* The attributes of the CSV and of the broker's requests, and requests.jsonl's own. */
static const char *const history_attributes[] = {
	"resource.*", "requester.*", "request.role", "request.reason",
};
static const struct policy_schema history_schema = { history_attributes, 4 };

static char *read_text(const char *path, size_t *length)
{
	FILE *f = fopen(path, "rb");
	struct strbuf text = STRBUF_INIT;
	char chunk[4096];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		strbuf_append(&text, chunk, n);
	fclose(f);
	*length = text.len;
	return strbuf_detach(&text);
}

/* Parse and lint a fixture policy against the attributes that the history readers fill in. */
static struct policy *load_policy(const char *path)
{
	size_t length;
	char *text = read_text(path, &length);
	struct policy_diagnostics diagnostics;
	struct policy *policy;

	policy_diagnostics_init(&diagnostics, path);
	policy = policy_parse(text, length, &diagnostics);
	ck_assert_msg(policy != NULL, "%s does not parse", path);
	ck_assert(policy_lint(policy, &history_schema, &diagnostics));
	policy_diagnostics_free(&diagnostics);
	free(text);
	return policy;
}

static struct policy_history *load_history(const char *path)
{
	struct policy_history *history = policy_history_new();
	char err[256];

	ck_assert_msg(policy_history_read_file(history, path, err, sizeof err), "%s", err);
	return history;
}

static int outcome_index(const char *name)
{
	enum policy_outcome outcome;

	ck_assert_msg(policy_outcome_parse(name, &outcome), "no outcome \"%s\"", name);
	return (int)outcome;
}

static int rule_index(const struct policy *policy, const char *name)
{
	for (size_t i = 0; i < policy_rule_count(policy); i++) {
		struct policy_rule_info info;

		policy_rule_describe(policy, (int)i, &info);
		if (strcmp(info.name, name) == 0)
			return (int)i;
	}
	ck_abort_msg("no rule \"%s\"", name);
	return -1;
}

/* Compare one line of simulate.awk's output with the simulation. */
static void check_awk_line(char *line, const struct policy_simulation *s, const struct policy *proposed)
{
	char *fields[4] = { NULL };
	int count = 0;

	line[strcspn(line, "\n")] = '\0';
	for (char *field = strtok(line, "\t"); field && count < 4; field = strtok(NULL, "\t"))
		fields[count++] = field;
	ck_assert_int_ge(count, 2);
	if (strcmp(fields[0], "total") == 0) {
		ck_assert_uint_eq(s->total, strtoull(fields[1], NULL, 10));
	} else if (strcmp(fields[0], "matrix") == 0) {
		ck_assert_int_eq(count, 4);
		ck_assert_msg(s->matrix[outcome_index(fields[1])][outcome_index(fields[2])] ==
			      strtoull(fields[3], NULL, 10), "matrix %s -> %s: %zu, awk %s", fields[1],
			      fields[2], s->matrix[outcome_index(fields[1])][outcome_index(fields[2])], fields[3]);
	} else if (strcmp(fields[0], "changed") == 0) {
		ck_assert_uint_eq(s->changed, strtoull(fields[1], NULL, 10));
	} else if (strcmp(fields[0], "risk") == 0) {
		ck_assert_uint_eq(s->risk, strtoull(fields[1], NULL, 10));
	} else if (strcmp(fields[0], "friction") == 0) {
		ck_assert_uint_eq(s->friction, strtoull(fields[1], NULL, 10));
	} else if (strcmp(fields[0], "rule") == 0) {
		ck_assert_int_eq(count, 3);
		ck_assert_msg(s->rule_decided[rule_index(proposed, fields[1])] == strtoull(fields[2], NULL, 10),
			      "rule %s decided %zu, awk %s", fields[1],
			      s->rule_decided[rule_index(proposed, fields[1])], fields[2]);
	} else if (strcmp(fields[0], "default") == 0) {
		ck_assert_uint_eq(s->default_decided, strtoull(fields[1], NULL, 10));
	} else if (strcmp(fields[0], "never") == 0) {
		ck_assert(policy_simulation_rule_idle(s, (size_t)rule_index(proposed, fields[1])));
	} else if (strcmp(fields[0], "shadowed") == 0) {
		ck_assert(policy_simulation_rule_shadowed(s, (size_t)rule_index(proposed, fields[1])));
	} else if (strcmp(fields[0], "without_time") == 0) {
		ck_assert_uint_eq(s->without_time, strtoull(fields[1], NULL, 10));
	} else {
		ck_abort_msg("unknown line from simulate.awk: %s", fields[0]);
	}
}

START_TEST(test_csv_figures_match_awk)
{
	enter_source();

	struct policy *current = load_policy(FIXTURES "current.policy");
	struct policy *proposed = load_policy(FIXTURES "proposed.policy");
	struct policy_history *history = load_history(FIXTURES "history.csv");
	struct policy_simulation s;
	char line[LINE_MAX_BYTES];
	size_t idle = 0, shadowed = 0, lines = 0, never_lines = 0, shadowed_lines = 0;

	policy_simulate(current, proposed, history, &s);

	FILE *awk = popen("awk -F, -f " FIXTURES "simulate.awk " FIXTURES "history.csv", "r");

	ck_assert_ptr_nonnull(awk);
	while (fgets(line, sizeof line, awk)) {
		never_lines += strncmp(line, "never\t", 6) == 0;
		shadowed_lines += strncmp(line, "shadowed\t", 9) == 0;
		check_awk_line(line, &s, proposed);
		lines++;
	}
	ck_assert_int_eq(pclose(awk), 0);
	/* total, 9 matrix cells, changed, risk, friction, 7 rules, default, without_time and the flags. */
	ck_assert_uint_eq(lines, 22 + never_lines + shadowed_lines);
	for (size_t i = 0; i < s.rule_count; i++) {
		idle += policy_simulation_rule_idle(&s, i);
		shadowed += policy_simulation_rule_shadowed(&s, i);
	}
	ck_assert_uint_eq(idle, never_lines);
	ck_assert_uint_eq(shadowed, shadowed_lines);
	/* The fixture exercises every figure: none is zero by accident. */
	ck_assert_uint_gt(s.changed, 0);
	ck_assert_uint_gt(s.risk, 0);
	ck_assert_uint_gt(s.friction, 0);
	ck_assert_uint_gt(s.without_time, 0);
	ck_assert_uint_gt(shadowed, 0);
	ck_assert_uint_eq(s.change_count, s.changed);
	ck_assert(!s.mtta_current_known);
	ck_assert(!s.mtta_proposed_known);
	policy_simulation_free(&s);
	policy_history_free(history);
	policy_free(current);
	policy_free(proposed);
}
END_TEST

/*
 * requests.jsonl, by hand. Approved requests that needed approval waited
 * 600, 1200, 3600 and 1800 s (ids 1, 2, 4, 5): a mean of 1800 s. The current
 * policy requires approval of all 9: those people approved (1, 2, 4, 5, 8)
 * each wait 1800 s. The proposed one allows 1, 3, 6 and 9 (0 s each),
 * requires approval of 2, 4, 7 and 8 (2, 4 and 8 approved: 1800 s each) and
 * denies 5: 5400 s over 7 requests, 771.4 s.
 */
START_TEST(test_json_lines_by_hand)
{
	enter_source();

	struct policy *current = load_policy(FIXTURES "requests-current.policy");
	struct policy *proposed = load_policy(FIXTURES "requests-proposed.policy");
	struct policy_history *history = load_history(FIXTURES "requests.jsonl");
	struct policy_simulation s;
	static const size_t expected_rows[] = { 0, 2, 4, 5, 8 };

	policy_simulate(current, proposed, history, &s);
	ck_assert_uint_eq(s.total, 9);
	ck_assert_uint_eq(s.matrix[POLICY_REQUIRE][POLICY_ALLOW], 4);
	ck_assert_uint_eq(s.matrix[POLICY_REQUIRE][POLICY_REQUIRE], 4);
	ck_assert_uint_eq(s.matrix[POLICY_REQUIRE][POLICY_DENY], 1);
	ck_assert_uint_eq(s.matrix[POLICY_ALLOW][POLICY_ALLOW], 0);
	ck_assert_uint_eq(s.changed, 5);
	ck_assert_uint_eq(s.risk, 1);
	ck_assert_uint_eq(s.friction, 1);
	ck_assert_uint_eq(s.rule_decided[0], 4);
	ck_assert_uint_eq(s.rule_decided[1], 1);
	ck_assert_uint_eq(s.rule_decided[2], 1);
	ck_assert_uint_eq(s.default_decided, 3);
	ck_assert_uint_eq(s.without_time, 0);
	ck_assert(s.approval_wait_known);
	ck_assert_double_eq(s.approval_wait, 1800);
	ck_assert(s.mtta_current_known);
	ck_assert_double_eq(s.mtta_current, 1800);
	ck_assert(s.mtta_proposed_known);
	ck_assert_double_eq_tol(s.mtta_proposed, 5400.0 / 7, 1e-9);
	ck_assert_uint_eq(s.change_count, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_uint_eq(s.changes[i].row, expected_rows[i]);
	ck_assert_int_eq(s.changes[2].proposed, POLICY_DENY);
	ck_assert_int_eq(s.changes[2].proposed_rule, 2);
	ck_assert_int_eq(s.changes[2].current_rule, POLICY_DEFAULT_RULE);
	policy_simulation_free(&s);
	policy_history_free(history);
	policy_free(current);
	policy_free(proposed);
}
END_TEST

START_TEST(test_json_lines_rows)
{
	enter_source();

	struct policy_history *history = load_history(FIXTURES "requests.jsonl");
	struct policy_history_row row;

	ck_assert_uint_eq(policy_history_count(history), 9);
	ck_assert(policy_history_has_times(history));
	/* A blank line is skipped but counted: request 3 is on line 4. */
	policy_history_row(history, 2, &row);
	ck_assert_uint_eq(row.line, 4);
	ck_assert_int_eq(row.id, 3);
	ck_assert_int_eq(row.decision, POLICY_HISTORY_DENIED);
	ck_assert_int_eq(row.wait_seconds, -1);
	policy_history_row(history, 3, &row);
	ck_assert_int_eq(row.wait_seconds, 3600);
	ck_assert(row.needed_approval);
	policy_history_row(history, 5, &row);
	ck_assert_int_eq(row.decision, POLICY_HISTORY_UNDECIDED);
	policy_history_row(history, 7, &row);
	ck_assert(!row.needed_approval);
	ck_assert_int_eq(row.wait_seconds, 0);
	ck_assert(policy_history_has_attribute(history, "requester.groups"));
	ck_assert(policy_history_has_attribute(history, "request.reason"));
	ck_assert(!policy_history_has_attribute(history, "requester.department"));
	policy_history_free(history);
}
END_TEST

static void collect_value(const char *attribute, const char *value, size_t length, void *context)
{
	strbuf_printf(context, "%s=%.*s;", attribute, (int)length, value);
}

START_TEST(test_attributes_replace_fields)
{
	enter_source();

	struct policy_history *history = load_history(FIXTURES "requests.jsonl");
	struct strbuf values = STRBUF_INIT;

	policy_history_row_values(history, 4, collect_value, &values);
	ck_assert_str_eq(values.data, "requester.id=emp-5;resource.id=res-5;request.role=read;"
			 "request.reason=INC-5;resource.owner_group=ops;"
			 "requester.groups=staff;requester.groups=contractors;requester.level=3;");
	strbuf_reset(&values);
	/* Request 9's attributes set resource.owner_group to null: no value. */
	policy_history_row_values(history, 8, collect_value, &values);
	ck_assert_ptr_null(strstr(values.data, "owner_group"));
	strbuf_free(&values);
	policy_history_free(history);
}
END_TEST

/* The broker's export carries the attributes a decision saw under "policy". */
START_TEST(test_broker_export_attributes)
{
	char path[] = "/tmp/gatehouse-export-XXXXXX";
	int fd = mkstemp(path);
	const char *line =
		"{\"id\": 1, \"status\": \"approved\", \"requester\": \"emp-1\", "
		"\"resource\": \"res-1\", \"role\": \"read\", \"reason\": \"r\", "
		"\"duration_seconds\": 3600, \"created_at\": \"2026-03-31T10:00:00Z\", "
		"\"decided_at\": \"2026-03-31T10:05:00Z\", \"approvals_needed\": 1, "
		"\"approver_group\": \"ops\", \"policy\": {\"decision\": \"require\", "
		"\"attributes\": {\"requester.department\": \"117961\"}}}\n";
	struct strbuf values = STRBUF_INIT;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
	struct policy_history *history = load_history(path);
	unlink(path);
	policy_history_row_values(history, 0, collect_value, &values);
	ck_assert_ptr_nonnull(strstr(values.data, "requester.department=117961;"));
	strbuf_free(&values);
	policy_history_free(history);
}
END_TEST

START_TEST(test_add_request_api)
{
	struct policy_history *history = policy_history_new();
	struct access_request request = {
		.id = 42, .status = REQUEST_APPROVED, .requester = "emp-1", .resource = "res-1",
		.role = "read", .created_at = 1000, .decided_at = 1600, .approvals_needed = 1,
	};
	json_t *attributes = json_pack("{s:[s,s]}", "requester.groups", "a", "b");
	json_t *bad = json_pack("{s:s}", "user.name", "x");
	json_t *nested = json_pack("{s:{}}", "requester.x");
	struct policy_history_row row;
	char err[256];

	ck_assert(policy_history_add_request(history, &request, attributes, err, sizeof err));
	ck_assert(!policy_history_add_request(history, &request, bad, err, sizeof err));
	ck_assert_str_eq(err, "attribute \"user.name\" is not requester.*, resource.* or request.*");
	ck_assert(!policy_history_add_request(history, &request, nested, err, sizeof err));
	ck_assert_str_eq(err, "attribute \"requester.x\" must be a string, a number, a boolean or an "
			 "array of those");
	/* A rejected request leaves no row behind. */
	ck_assert_uint_eq(policy_history_count(history), 1);
	policy_history_row(history, 0, &row);
	ck_assert_int_eq(row.id, 42);
	ck_assert_int_eq(row.wait_seconds, 600);
	ck_assert_uint_eq(row.line, 0);
	json_decref(attributes);
	json_decref(bad);
	json_decref(nested);
	policy_history_free(history);
}
END_TEST

struct reader_case {
	const char *text;
	bool json_lines;
	const char *error;          /* NULL when the text is valid */
	size_t rows;
};

static const struct reader_case reader_cases[] = {
	{ "ACTION,RESOURCE\n1,10\n0,11\n", false, NULL, 2 },
	{ "ACTION,RESOURCE\r\n1,10\r\n\r\n0,11", false, NULL, 2 },
	{ "RESOURCE,ACTION,EXTRA\n\"1,0\",1,x\n\"a\"\"b\",0,y\n", false, NULL, 2 },
	{ "ACTION,RESOURCE\n1,\"multi\nline\"\n0,11\n", false, NULL, 2 },
	{ "", false, "line 1: the header has no ACTION column (1 = approved, 0 = denied)", 0 },
	{ "RESOURCE\n10\n", false, "line 1: the header has no ACTION column (1 = approved, 0 = denied)", 0 },
	{ "ACTION,RESOURCE\n1,10\n2,11\n", false, "line 3: ACTION must be 1 (approved) or 0 (denied)", 1 },
	{ "ACTION,RESOURCE\n1,10\n1\n", false, "line 3: 1 field where the header has 2", 1 },
	{ "ACTION,RESOURCE\n1,\"10\n", false, "line 2: a quoted field is not closed", 0 },
	{ "ACTION,RESOURCE\n1,\"10\"x\n", false, "line 2: unexpected text after a quoted field", 0 },
	{ "{\"id\": 1, \"status\": \"approved\"}\n\n{\"id\": 2, \"status\": \"denied\"}\n", true, NULL, 2 },
	{ "{\"id\": 1, \"status\": \"approved\"}\n{\"id\": 2,\n", true, "line 2: invalid JSON: ", 1 },
	{ "{\"id\": 1, \"status\": "
	  "\"maybe\"}\n", true, "line 1: not a request: field \"status\": expected a request status", 0 },
	{ "{\"id\": 1, \"status\": \"approved\", \"attributes\": []}\n", true,
	  "line 1: \"attributes\" must be an object", 0 },
};

START_TEST(test_readers)
{
	const struct reader_case *c = &reader_cases[_i];
	struct policy_history *history = policy_history_new();
	char err[256] = "";
	bool ok = c->json_lines ? policy_history_read_json_lines(history, c->text, strlen(c->text), err, sizeof err)
				: policy_history_read_csv(history, c->text, strlen(c->text), err, sizeof err);

	if (c->error) {
		ck_assert_msg(!ok, "accepted: %s", c->text);
		ck_assert_msg(strncmp(err, c->error, strlen(c->error)) == 0, "error \"%s\", expected \"%s\"",
			      err, c->error);
	} else {
		ck_assert_msg(ok, "%s: %s", c->text, err);
	}
	ck_assert_uint_eq(policy_history_count(history), c->rows);
	policy_history_free(history);
}
END_TEST

START_TEST(test_csv_quoted_values)
{
	static const char text[] = "RESOURCE,ACTION\n\"1,0\",1\n\"a\"\"b\",0\n";
	struct policy_history *history = policy_history_new();
	struct strbuf values = STRBUF_INIT;
	char err[256];

	ck_assert(policy_history_read_csv(history, text, strlen(text), err, sizeof err));
	policy_history_row_values(history, 0, collect_value, &values);
	policy_history_row_values(history, 1, collect_value, &values);
	ck_assert_str_eq(values.data, "resource.id=1,0;resource.id=a\"b;");
	strbuf_free(&values);
	policy_history_free(history);
}
END_TEST

START_TEST(test_missing_file)
{
	struct policy_history *history = policy_history_new();
	char err[256];

	ck_assert(!policy_history_read_file(history, "/nonexistent/history.csv", err, sizeof err));
	ck_assert_str_eq(err, "cannot open /nonexistent/history.csv: No such file or directory");
	policy_history_free(history);
}
END_TEST

START_TEST(test_lint_against_history)
{
	enter_source();

	struct policy *proposed = load_policy(FIXTURES "proposed.policy");
	struct policy_history *history = load_history(FIXTURES "history.csv");
	static const char text[] = "default allow\nrule \"a\" { when resource.env == \"x\" deny \"x\" }\n";
	struct policy *other = policy_parse(text, strlen(text), NULL);
	struct policy_diagnostics diagnostics;
	struct strbuf lines = STRBUF_INIT;

	policy_diagnostics_init(&diagnostics, "p");
	policy_lint_history(proposed, history, &diagnostics);
	policy_lint_history(other, history, &diagnostics);
	policy_diagnostics_format(&diagnostics, &lines);
	ck_assert_str_eq(lines.data,
			 "p:39:3: warning: no row of the history has a time, so this time window never "
			 "matches in the simulation\n"
			 "p:2:17: warning: no row of the history has the attribute \"resource.env\", so "
			 "this condition sees no value\n");
	strbuf_free(&lines);
	policy_diagnostics_free(&diagnostics);
	policy_free(other);
	policy_free(proposed);
	policy_history_free(history);
}
END_TEST

START_TEST(test_json_shape)
{
	enter_source();

	struct policy *current = load_policy(FIXTURES "current.policy");
	struct policy *proposed = load_policy(FIXTURES "proposed.policy");
	struct policy_history *history = load_history(FIXTURES "history.csv");
	struct policy_simulation s;
	static const char *const keys[] = {
		"total", "matrix", "changed", "risk", "friction", "rules", "rules_never_deciding",
		"rules_shadowed", "rows_without_time", "mtta_seconds", "changed_rows",
	};

	policy_simulate(current, proposed, history, &s);

	json_t *j = policy_simulation_to_json(&s, current, proposed, history, 2);
	json_t *first = json_array_get(json_object_get(j, "changed_rows"), 0);

	ck_assert_uint_eq(json_object_size(j), sizeof keys / sizeof keys[0]);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_msg(json_object_get(j, keys[i]) != NULL, "no \"%s\"", keys[i]);
	ck_assert_uint_eq(json_object_size(json_object_get(j, "rules")), 7);
	ck_assert(json_is_null(json_object_get(json_object_get(j, "mtta_seconds"), "current")));
	ck_assert(json_is_null(json_object_get(json_object_get(j, "mtta_seconds"), "proposed")));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "changed_rows")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(first, "row")), (json_int_t)s.changes[0].row + 1);
	ck_assert_int_eq(json_integer_value(json_object_get(first, "line")), (json_int_t)s.changes[0].row + 2);
	ck_assert(json_is_null(json_object_get(first, "id")));
	json_decref(j);
	policy_simulation_free(&s);
	policy_history_free(history);
	policy_free(current);
	policy_free(proposed);
}
END_TEST

static Suite *policy_simulate_suite(void)
{
	Suite *s = suite_create("policy_simulate");
	TCase *tc = tcase_create("simulate");

	tcase_add_test(tc, test_csv_figures_match_awk);
	tcase_add_test(tc, test_json_lines_by_hand);
	tcase_add_test(tc, test_json_lines_rows);
	tcase_add_test(tc, test_attributes_replace_fields);
	tcase_add_test(tc, test_broker_export_attributes);
	tcase_add_test(tc, test_add_request_api);
	tcase_add_loop_test(tc, test_readers, 0, sizeof reader_cases / sizeof reader_cases[0]);
	tcase_add_test(tc, test_csv_quoted_values);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_lint_against_history);
	tcase_add_test(tc, test_json_shape);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(policy_simulate_suite)
