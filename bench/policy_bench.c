/*
 * policy_bench: the policy benchmark's tool (bench/policy.sh runs it).
 *
 *   policy_bench requests SOURCE.csv ROWS OUT.csv
 *       Write ROWS requests in the access-history CSV format: the rows of
 *       SOURCE.csv again and again, each pass in a new order drawn from a
 *       fixed seed, so that every run benchmarks the same requests.
 *   policy_bench decide POLICY REQUESTS.csv RUNS OUTCOMES COUNT
 *       Decide every request with the policy RUNS times, as the broker would
 *       for a new request: set its attributes from their text, then decide.
 *       Print the rate of each run, and write the outcome and deciding rule
 *       of the first COUNT requests to OUTCOMES, for comparing with Cedar.
 *   policy_bench cedar POLICY
 *       Print the policy as JSON for bench/policy_cedar.mjs: the default's
 *       outcome, and each rule's outcome, approvals and Cedar text.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/strbuf.h"
#include "policy/internal.h"

#define CSV_COLUMNS 10
#define SHUFFLE_SEED UINT64_C(0x9E3779B97F4A7C15)

/* The CSV's columns after ACTION, and the attributes they fill (as policy/history.c maps them). */
static const char *const column_attributes[CSV_COLUMNS - 1] = {
	"resource.id", "requester.manager", "requester.rollup1", "requester.rollup2",
	"requester.department", "requester.title", "requester.family_desc", "requester.family",
	"requester.role_code",
};

struct field {
	const char *text;
	size_t length;
};

/* The data lines of a CSV file, each split into CSV_COLUMNS fields. */
struct table {
	char *text;
	struct field *fields;       /* row r's fields start at fields[r * CSV_COLUMNS] */
	const char **lines;         /* each row's line, for writing it again */
	size_t *line_lengths;
	size_t rows;
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("policy_bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static char *read_file(const char *path, size_t *length)
{
	FILE *f = fopen(path, "rb");
	struct strbuf text = STRBUF_INIT;
	char chunk[1 << 16];
	size_t n;

	if (!f)
		fail("cannot open %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		strbuf_append(&text, chunk, n);
	fclose(f);
	*length = text.len;
	return strbuf_detach(&text);
}

/* Split the CSV's data lines (after the header) into fields; the values have no quotes. */
static void load_table(const char *path, struct table *t)
{
	size_t length, capacity = 1024;
	char *p, *end;

	t->text = read_file(path, &length);
	end = t->text + length;
	p = memchr(t->text, '\n', length);
	if (!p)
		fail("%s has no data lines", path);
	p++;
	t->rows = 0;
	t->fields = xcalloc(capacity * CSV_COLUMNS, sizeof *t->fields);
	t->lines = xcalloc(capacity, sizeof *t->lines);
	t->line_lengths = xcalloc(capacity, sizeof *t->line_lengths);
	while (p < end) {
		char *line_end = memchr(p, '\n', (size_t)(end - p));

		if (!line_end)
			line_end = end;
		if (t->rows == capacity) {
			capacity *= 2;
			t->fields = xreallocarray(t->fields, capacity * CSV_COLUMNS, sizeof *t->fields);
			t->lines = xreallocarray(t->lines, capacity, sizeof *t->lines);
			t->line_lengths = xreallocarray(t->line_lengths, capacity, sizeof *t->line_lengths);
		}
		struct field *fields = &t->fields[t->rows * CSV_COLUMNS];
		int count = 0;
		char *start = p;

		for (char *q = p; q <= line_end && count < CSV_COLUMNS; q++) {
			if (q == line_end || *q == ',') {
				fields[count].text = start;
				fields[count].length = (size_t)(q - start);
				count++;
				start = q + 1;
			}
		}
		if (count != CSV_COLUMNS)
			fail("%s: data line %zu has %d fields, not %d", path, t->rows + 1, count, CSV_COLUMNS);
		t->lines[t->rows] = p;
		t->line_lengths[t->rows] = (size_t)(line_end - p);
		t->rows++;
		p = line_end + 1;
	}
}

static void free_table(struct table *t)
{
	free(t->text);
	free(t->fields);
	free(t->lines);
	free(t->line_lengths);
}

/* xorshift64*: a fixed, portable sequence, so that every run shuffles alike. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * UINT64_C(2685821657736338717);
}

static int make_requests(const char *source, const char *rows_text, const char *out_path)
{
	struct table t;
	size_t rows = strtoull(rows_text, NULL, 10), written = 0;
	uint64_t state = SHUFFLE_SEED;
	FILE *out = fopen(out_path, "wb");

	if (!out)
		fail("cannot create %s: %s", out_path, strerror(errno));
	load_table(source, &t);

	size_t *order = xcalloc(t.rows, sizeof *order);

	for (size_t i = 0; i < t.rows; i++)
		order[i] = i;
	fputs("ACTION,RESOURCE,MGR_ID,ROLE_ROLLUP_1,ROLE_ROLLUP_2,ROLE_DEPTNAME,ROLE_TITLE,"
	      "ROLE_FAMILY_DESC,ROLE_FAMILY,ROLE_CODE\n", out);
	while (written < rows) {
		/* Fisher-Yates: each pass over the source rows comes in a new order. */
		for (size_t i = t.rows - 1; i > 0; i--) {
			size_t j = (size_t)(next_random(&state) % (i + 1)), swap = order[i];

			order[i] = order[j];
			order[j] = swap;
		}
		for (size_t i = 0; i < t.rows && written < rows; i++, written++) {
			fwrite(t.lines[order[i]], 1, t.line_lengths[order[i]], out);
			fputc('\n', out);
		}
	}
	if (fclose(out) != 0)
		fail("writing %s failed", out_path);
	free(order);
	free_table(&t);
	return 0;
}

static struct policy *load_policy(const char *path)
{
	size_t length;
	char *text = read_file(path, &length);
	struct policy_diagnostics diagnostics;
	struct strbuf lines = STRBUF_INIT;
	struct policy *policy;

	policy_diagnostics_init(&diagnostics, path);
	policy = policy_parse(text, length, &diagnostics);
	if (policy && !policy_lint(policy, &policy_history_schema, &diagnostics)) {
		policy_free(policy);
		policy = NULL;
	}
	policy_diagnostics_format(&diagnostics, &lines);
	if (!policy)
		fail("%s is not a valid policy:\n%s", path, strbuf_str(&lines));
	strbuf_free(&lines);
	policy_diagnostics_free(&diagnostics);
	free(text);
	return policy;
}

static double seconds_of(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Decide every request once; returns a sum of the outcomes so that no work is left out. */
static size_t decide_all(struct policy_request *request, const struct table *t,
			 const int *attributes)
{
	struct policy_decision d;
	size_t sum = 0;

	for (size_t r = 0; r < t->rows; r++) {
		const struct field *fields = &t->fields[r * CSV_COLUMNS];

		policy_request_reset(request);
		for (int c = 1; c < CSV_COLUMNS; c++)
			policy_request_add(request, attributes[c - 1], fields[c].text, fields[c].length);
		policy_decide(request, &d);
		sum += (size_t)d.outcome + (size_t)(d.rule + 1);
	}
	return sum;
}

static void write_outcomes(const struct policy *policy, const struct table *t, const int *attributes,
			   const char *path, size_t count)
{
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;
	FILE *out = fopen(path, "wb");

	if (!out)
		fail("cannot create %s: %s", path, strerror(errno));
	for (size_t r = 0; r < t->rows && r < count; r++) {
		const struct field *fields = &t->fields[r * CSV_COLUMNS];

		policy_request_reset(request);
		for (int c = 1; c < CSV_COLUMNS; c++)
			policy_request_add(request, attributes[c - 1], fields[c].text, fields[c].length);
		policy_decide(request, &d);
		fprintf(out, "%s %d\n", policy_outcome_name(d.outcome), d.rule);
	}
	if (fclose(out) != 0)
		fail("writing %s failed", path);
	policy_request_free(request);
}

static int decide(const char *policy_path, const char *requests_path, const char *runs_text,
		  const char *outcomes_path, const char *count_text)
{
	struct policy *policy = load_policy(policy_path);
	struct policy_request *request = policy_request_new(policy);
	struct table t;
	int attributes[CSV_COLUMNS - 1];
	int runs = atoi(runs_text);

	load_table(requests_path, &t);
	for (int c = 0; c < CSV_COLUMNS - 1; c++)
		attributes[c] = policy_attribute_index(policy, column_attributes[c]);
	printf("policy %s: %zu rules, %zu attributes, %zu tests, %zu globs; %zu requests\n",
	       policy_path, policy->rule_count, policy->attribute_count, policy->test_count,
	       policy->glob_count, t.rows);
	for (int run = 0; run < runs; run++) {
		double wall = seconds_of(CLOCK_MONOTONIC), cpu = seconds_of(CLOCK_PROCESS_CPUTIME_ID);
		size_t sum = decide_all(request, &t, attributes);

		wall = seconds_of(CLOCK_MONOTONIC) - wall;
		cpu = seconds_of(CLOCK_PROCESS_CPUTIME_ID) - cpu;
		printf("run %d: %zu decisions in %.3f s wall, %.3f s CPU: %.0f decisions/s (checksum %zu)\n",
		       run + 1, t.rows, wall, cpu, (double)t.rows / cpu, sum);
	}
	write_outcomes(policy, &t, attributes, outcomes_path, strtoull(count_text, NULL, 10));
	free_table(&t);
	policy_request_free(request);
	policy_free(policy);
	return 0;
}

/* ---- Cedar ---- */

static void cedar_string(struct strbuf *out, const char *text, size_t length)
{
	strbuf_putc(out, '"');
	for (size_t i = 0; i < length; i++) {
		if (text[i] == '"' || text[i] == '\\')
			strbuf_putc(out, '\\');
		strbuf_putc(out, text[i]);
	}
	strbuf_putc(out, '"');
}

/* context.requester_department for requester.department. */
static void cedar_attribute(struct strbuf *out, const char *attribute)
{
	strbuf_puts(out, "context.");
	for (const char *p = attribute; *p; p++)
		strbuf_putc(out, *p == '.' ? '_' : *p);
}

/* A glob as a Cedar like pattern: only * carries over, and Cedar writes a literal * as \*. */
static void cedar_pattern(struct strbuf *out, const struct policy_literal *pattern)
{
	strbuf_putc(out, '"');
	for (size_t i = 0; i < pattern->length; i++) {
		char c = pattern->text[i];

		if (c == '?' || c == '[' || c == '\\')
			fail("the glob \"%s\" has %c, which Cedar's like cannot say", pattern->text, c);
		if (c == '"')
			strbuf_putc(out, '\\');
		strbuf_putc(out, c);
	}
	strbuf_putc(out, '"');
}

static void cedar_compare(struct strbuf *out, const struct policy_expr *e)
{
	bool negated = e->op == COMPARE_NOT_EQUAL || e->op == COMPARE_NOT_IN || e->op == COMPARE_NOT_MATCH;

	if (e->op == COMPARE_EQUAL || e->op == COMPARE_NOT_EQUAL) {
		cedar_attribute(out, e->attribute);
		strbuf_puts(out, negated ? " != " : " == ");
		cedar_string(out, e->values[0].text, e->values[0].length);
		return;
	}
	strbuf_puts(out, negated ? "!(" : "(");
	if (e->op == COMPARE_IN || e->op == COMPARE_NOT_IN) {
		strbuf_putc(out, '[');
		for (size_t i = 0; i < e->value_count; i++) {
			if (i)
				strbuf_puts(out, ", ");
			cedar_string(out, e->values[i].text, e->values[i].length);
		}
		strbuf_puts(out, "].contains(");
		cedar_attribute(out, e->attribute);
		strbuf_putc(out, ')');
	} else {
		cedar_attribute(out, e->attribute);
		strbuf_puts(out, " like ");
		cedar_pattern(out, &e->values[0]);
	}
	strbuf_putc(out, ')');
}

static void cedar_expr(struct strbuf *out, const struct policy_expr *e)
{
	switch (e->kind) {
	case EXPR_COMPARE:
		cedar_compare(out, e);
		return;
	case EXPR_NOT:
		strbuf_puts(out, "!(");
		cedar_expr(out, e->children[0]);
		strbuf_putc(out, ')');
		return;
	case EXPR_AND:
	case EXPR_OR:
		break;
	}
	strbuf_putc(out, '(');
	for (size_t i = 0; i < e->child_count; i++) {
		if (i)
			strbuf_puts(out, e->kind == EXPR_AND ? " && " : " || ");
		cedar_expr(out, e->children[i]);
	}
	strbuf_putc(out, ')');
}

static int to_cedar(const char *policy_path)
{
	struct policy *policy = load_policy(policy_path);
	json_t *rules = json_array();

	for (size_t i = 0; i < policy->rule_count; i++) {
		const struct policy_rule *rule = &policy->rules[i];
		struct strbuf text = STRBUF_INIT;

		if (rule->window.present)
			fail("rule \"%s\" has a time window, which the benchmark's Cedar policy cannot say",
			     rule->name);
		strbuf_puts(&text, rule->outcome == POLICY_DENY ? "forbid" : "permit");
		strbuf_puts(&text, "(principal, action, resource)");
		if (rule->condition) {
			strbuf_puts(&text, " when { ");
			cedar_expr(&text, rule->condition);
			strbuf_puts(&text, " }");
		}
		strbuf_putc(&text, ';');
		json_array_append_new(rules, json_pack("{s:s, s:s, s:i, s:s}", "name", rule->name,
						       "outcome", policy_outcome_name(rule->outcome),
						       "approvals", rule->approvals, "cedar", text.data));
		strbuf_free(&text);
	}

	json_t *j = json_pack("{s:s, s:i, s:o}", "default",
			      policy_outcome_name(policy->default_rule.outcome), "default_approvals",
			      policy->default_rule.approvals, "rules", rules);

	json_dumpf(j, stdout, JSON_INDENT(1));
	fputc('\n', stdout);
	json_decref(j);
	policy_free(policy);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "requests") == 0)
		return make_requests(argv[2], argv[3], argv[4]);
	if (argc == 7 && strcmp(argv[1], "decide") == 0)
		return decide(argv[2], argv[3], argv[4], argv[5], argv[6]);
	if (argc == 3 && strcmp(argv[1], "cedar") == 0)
		return to_cedar(argv[2]);
	fputs("usage: policy_bench requests SOURCE.csv ROWS OUT.csv\n"
	      "       policy_bench decide POLICY REQUESTS.csv RUNS OUTCOMES COUNT\n"
	      "       policy_bench cedar POLICY\n", stderr);
	return 2;
}
