/* Deciding with a policy: how matching rules combine, explanations, values and globs. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "policy/glob.h"
#include "policy/policy.h"
#include "policy/simulate.h"
#include "tests/support/check_main.h"

/*
 * Each rule matches when request.match has the rule's name among its values,
 * so a test case picks the matching rules by giving their names.
 */
static const char combination_policy[] =
	"default require 1 approval from \"owners\" max 12h\n"
	"rule \"allow-8h\" { when request.match == \"allow-8h\" allow max 8h }\n"
	"rule \"allow-2h\" { when request.match == \"allow-2h\" allow max 2h reason required }\n"
	"rule \"req1-a\" { when request.match == \"req1-a\" require 1 approval from \"a\" }\n"
	"rule \"req2-b\" { when request.match == \"req2-b\" require 2 approvals from \"b\" max 4h }\n"
	"rule \"req2-c\" { when request.match == \"req2-c\" require 2 approvals from \"c\" }\n"
	"rule \"req3-d\" { when request.match == \"req3-d\" require 3 approvals from \"d\" max 1d }\n"
	"rule \"deny-x\" { when request.match == \"deny-x\" deny \"x\" }\n"
	"rule \"deny-y\" { when request.match == \"deny-y\" deny \"y\" }\n";

static struct policy *parse_or_fail(const char *text)
{
	struct policy_diagnostics diagnostics;
	struct strbuf lines = STRBUF_INIT;
	struct policy *policy;

	policy_diagnostics_init(&diagnostics, "t.policy");
	policy = policy_parse(text, strlen(text), &diagnostics);
	policy_diagnostics_format(&diagnostics, &lines);
	ck_assert_msg(policy != NULL, "%s", strbuf_str(&lines));
	strbuf_free(&lines);
	policy_diagnostics_free(&diagnostics);
	return policy;
}

struct combination_case {
	const char *matching;       /* rule names, space-separated */
	enum policy_outcome outcome;
	const char *rule;           /* NULL for the default */
	int approvals;
	const char *group_or_message;
	int64_t max_seconds;
	bool reason_required;
};

static const struct combination_case combination_cases[] = {
	{ "", POLICY_REQUIRE, NULL, 1, "owners", 12 * 3600, false },
	{ "allow-8h", POLICY_ALLOW, "allow-8h", 0, NULL, 8 * 3600, false },
	/* The first allow decides; the shortest cap and any reason required apply. */
	{ "allow-2h allow-8h", POLICY_ALLOW, "allow-8h", 0, NULL, 2 * 3600, true },
	{ "allow-2h req1-a", POLICY_REQUIRE, "req1-a", 1, "a", 2 * 3600, true },
	{ "req1-a req2-b", POLICY_REQUIRE, "req2-b", 2, "b", 4 * 3600, false },
	/* Equal numbers of approvals: the rule earlier in the file decides. */
	{ "req2-c req2-b", POLICY_REQUIRE, "req2-b", 2, "b", 4 * 3600, false },
	{ "req2-c req3-d req1-a", POLICY_REQUIRE, "req3-d", 3, "d", 86400, false },
	{ "req2-c req2-b allow-2h", POLICY_REQUIRE, "req2-b", 2, "b", 2 * 3600, true },
	/* A deny carries no cap and no reason required. */
	{ "req2-b deny-y", POLICY_DENY, "deny-y", 0, "y", 0, false },
	{ "deny-y deny-x", POLICY_DENY, "deny-x", 0, "x", 0, false },
	{ "allow-8h deny-y", POLICY_DENY, "deny-y", 0, "y", 0, false },
	{ "allow-8h allow-2h req1-a req2-b req2-c req3-d deny-x deny-y", POLICY_DENY, "deny-x", 0, "x", 0,
	  false },
	/* A value that names no rule matches nothing. */
	{ "nothing", POLICY_REQUIRE, NULL, 1, "owners", 12 * 3600, false },
};

static void add_words(struct policy_request *request, const char *attribute, const char *words)
{
	char *copy = strdup(words);

	for (char *word = strtok(copy, " "); word; word = strtok(NULL, " "))
		policy_request_add_named(request, attribute, word);
	free(copy);
}

START_TEST(test_combination)
{
	const struct combination_case *c = &combination_cases[_i];
	struct policy *policy = parse_or_fail(combination_policy);
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;

	add_words(request, "request.match", c->matching);
	policy_decide(request, &d);
	ck_assert_msg(d.outcome == c->outcome, "%s: outcome %s", c->matching,
		      policy_outcome_name(d.outcome));
	if (c->rule) {
		struct policy_rule_info info;

		ck_assert_int_ne(d.rule, POLICY_DEFAULT_RULE);
		policy_rule_describe(policy, d.rule, &info);
		ck_assert_str_eq(info.name, c->rule);
	} else {
		ck_assert_int_eq(d.rule, POLICY_DEFAULT_RULE);
	}
	ck_assert_int_eq(d.approvals, c->approvals);
	if (c->outcome == POLICY_REQUIRE)
		ck_assert_str_eq(d.group, c->group_or_message);
	if (c->outcome == POLICY_DENY)
		ck_assert_str_eq(d.message, c->group_or_message);
	ck_assert_int_eq(d.max_seconds, c->max_seconds);
	ck_assert_int_eq(d.reason_required, c->reason_required);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

START_TEST(test_matches_listed_in_order)
{
	struct policy *policy = parse_or_fail(combination_policy);
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;

	add_words(request, "request.match", "deny-y req2-b allow-8h");
	policy_decide(request, &d);
	ck_assert_uint_eq(d.match_count, 3);
	ck_assert_uint_eq(d.matches[0], 0);
	ck_assert_uint_eq(d.matches[1], 3);
	ck_assert_uint_eq(d.matches[2], 7);
	ck_assert_uint_eq(d.window_miss_count, 0);
	ck_assert_uint_eq(d.untimed_count, 0);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

START_TEST(test_explanation_text)
{
	struct policy *policy = parse_or_fail(combination_policy);
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;
	struct strbuf text = STRBUF_INIT;

	add_words(request, "request.match", "allow-2h req1-a req2-b req2-c");
	policy_decide(request, &d);
	policy_explain(policy, &d, &text);
	ck_assert_str_eq(text.data,
			 "decision: require 2 approvals from \"b\"\n"
			 "decided by rule \"req2-b\" (line 5)\n"
			 "max 2h, from rule \"allow-2h\" (line 3), the shortest cap of the matching rules\n"
			 "a reason is required\n"
			 "matching rules:\n"
			 "  rule \"allow-2h\" (line 3): allow: loses, because require beats allow\n"
			 "  rule \"req1-a\" (line 4): require 1 approval from \"a\": loses, because it "
			 "requires 1 approval, fewer than the deciding rule's 2\n"
			 "  rule \"req2-b\" (line 5): require 2 approvals from \"b\": decides, because "
			 "require beats allow; it requires the most approvals (2); it comes first in the "
			 "file among the matching rules that require as many approvals\n"
			 "  rule \"req2-c\" (line 6): require 2 approvals from \"c\": loses, because the "
			 "deciding rule comes earlier in the file\n");
	strbuf_free(&text);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

START_TEST(test_explanation_deny_and_default)
{
	struct policy *policy = parse_or_fail(combination_policy);
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;
	struct strbuf text = STRBUF_INIT;

	add_words(request, "request.match", "deny-x req1-a allow-8h");
	policy_decide(request, &d);
	policy_explain(policy, &d, &text);
	ck_assert_str_eq(text.data,
			 "decision: deny \"x\"\n"
			 "decided by rule \"deny-x\" (line 8)\n"
			 "matching rules:\n"
			 "  rule \"allow-8h\" (line 2): allow: loses, because deny beats allow\n"
			 "  rule \"req1-a\" (line 4): require 1 approval from \"a\": loses, because deny "
			 "beats require\n"
			 "  rule \"deny-x\" (line 8): deny \"x\": decides, because deny beats require and "
			 "allow\n");

	strbuf_reset(&text);
	policy_request_reset(request);
	policy_decide(request, &d);
	policy_explain(policy, &d, &text);
	ck_assert_str_eq(text.data,
			 "decision: require 1 approval from \"owners\"\n"
			 "decided by the default (line 1), because no rule matched\n"
			 "max 12h, from the default (line 1)\n");
	strbuf_free(&text);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

START_TEST(test_decision_json)
{
	struct policy *policy = parse_or_fail(combination_policy);
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;

	add_words(request, "request.match", "req2-b allow-2h");
	policy_decide(request, &d);

	json_t *j = policy_decision_to_json(policy, &d);

	ck_assert_str_eq(json_string_value(json_object_get(j, "outcome")), "require");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "approvals")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(j, "group")), "b");
	ck_assert(json_is_null(json_object_get(j, "message")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "max_seconds")), 7200);
	ck_assert(json_is_true(json_object_get(j, "reason_required")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "rule")), "req2-b");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "rule_line")), 5);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "matching")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "matching"), 1),
							   "rule")), "req2-b");
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(j, "matching"), 1),
					      "decided")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j, "explanation")),
				     "decided by rule \"req2-b\""));
	json_decref(j);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

/* ---- Conditions ---- */

static const char condition_policy[] =
	"default allow\n"
	"rule \"eq\" { when requester.team == \"red\" deny \"eq\" }\n"
	"rule \"ne\" { when requester.team != \"red\" deny \"ne\" }\n"
	"rule \"in\" { when resource.id in [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", "
	"\"8\", \"9\", \"10\", \"11\"] deny \"in\" }\n"
	"rule \"not in\" { when resource.id not in [\"1\", \"2\"] deny \"not in\" }\n"
	"rule \"glob\" { when resource.path ~ \"prod/*\" deny \"glob\" }\n"
	"rule \"not glob\" { when resource.path !~ \"prod/*\" deny \"not glob\" }\n"
	"rule \"and or not\" { when (requester.team == \"blue\" or requester.team == \"green\") "
	"and not resource.id == \"1\" deny \"mix\" }\n";

struct condition_case {
	const char *values;         /* ATTRIBUTE=VALUE, space-separated */
	const char *matching;       /* rule names that match, comma-separated, in order */
};

static const struct condition_case condition_cases[] = {
	/* No value: ==, in and ~ do not hold, and their negations do. */
	{ "", "ne,not in,not glob" },
	{ "requester.team=red", "eq,not in,not glob" },
	{ "requester.team=blue", "ne,not in,not glob,and or not" },
	{ "requester.team=blue resource.id=1", "ne,in,not glob" },
	{ "resource.id=11", "ne,in,not in,not glob" },
	{ "resource.id=12", "ne,not in,not glob" },
	{ "resource.path=prod/db", "ne,not in,glob" },
	{ "resource.path=staging/db", "ne,not in,not glob" },
	/* Several values: a test holds when it holds for any value; its negation when for none. */
	{ "requester.team=red requester.team=green", "eq,not in,not glob,and or not" },
	{ "resource.path=staging/db resource.path=prod/db", "ne,not in,glob" },
	{ "resource.id=1 resource.id=5 resource.id=99", "ne,in,not glob" },
};

static void add_assignments(struct policy_request *request, const char *values)
{
	char *copy = strdup(values);

	for (char *word = strtok(copy, " "); word; word = strtok(NULL, " ")) {
		char *equals = strchr(word, '=');

		*equals = '\0';
		policy_request_add_named(request, word, equals + 1);
	}
	free(copy);
}

static void matching_names(const struct policy *policy, const struct policy_decision *d,
			   struct strbuf *out)
{
	for (size_t i = 0; i < d->match_count; i++) {
		struct policy_rule_info info;

		policy_rule_describe(policy, (int)d->matches[i], &info);
		strbuf_printf(out, "%s%s", i ? "," : "", info.name);
	}
}

START_TEST(test_conditions)
{
	const struct condition_case *c = &condition_cases[_i];
	struct policy *policy = parse_or_fail(condition_policy);
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;
	struct strbuf names = STRBUF_INIT;

	add_assignments(request, c->values);
	policy_decide(request, &d);
	matching_names(policy, &d, &names);
	ck_assert_msg(strcmp(strbuf_str(&names), c->matching) == 0, "values \"%s\": matched \"%s\", expected \"%s\"",
		      c->values, strbuf_str(&names), c->matching);
	strbuf_free(&names);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

START_TEST(test_request_reuse)
{
	struct policy *policy = parse_or_fail(condition_policy);
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;

	for (int round = 0; round < 3; round++) {
		policy_request_reset(request);
		add_assignments(request, "requester.team=red resource.path=prod/x");
		policy_decide(request, &d);
		ck_assert_uint_eq(d.match_count, 3);
		policy_request_reset(request);
		policy_decide(request, &d);
		ck_assert_uint_eq(d.match_count, 3);
		ck_assert_int_eq(d.matches[0], 1);
	}
	/* An attribute that no condition reads, and an index out of range, are ignored. */
	policy_request_add_named(request, "requester.unused", "x");
	policy_request_add(request, -1, "x", 1);
	policy_request_add(request, 1000, "x", 1);
	policy_decide(request, &d);
	ck_assert_uint_eq(d.match_count, 3);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

START_TEST(test_many_rules_and_tests)
{
	/*
	 * 200 rules and over 400 tests, so that the bit sets of tests and of
	 * candidate rules span several 64-bit words. Rule i matches resource.id
	 * "i" (or "i+1000" through an or), requires i % 7 + 1 approvals, and every
	 * 50th rule denies instead, but only for requesters outside team "blue".
	 */
	struct strbuf text = STRBUF_INIT;
	struct policy *policy;
	struct policy_request *request;
	struct policy_decision d;
	char value[32];

	strbuf_puts(&text, "default allow\n");
	for (int i = 0; i < 200; i++) {
		if (i % 50 == 49)
			strbuf_printf(&text, "rule \"r%d\" { when resource.id == \"%d\" and "
				      "requester.team != \"blue\" deny \"d%d\" }\n", i, i, i);
		else
			strbuf_printf(&text, "rule \"r%d\" { when resource.id == \"%d\" or resource.id == \"%d\" "
				      "require %d approvals from \"g%d\" }\n", i, i, i + 1000, i % 7 + 1, i);
	}
	policy = parse_or_fail(text.data);
	request = policy_request_new(policy);
	for (int i = 0; i < 200; i++) {
		for (int team = 0; team < 2; team++) {
			policy_request_reset(request);
			snprintf(value, sizeof value, "%d", i % 50 == 49 ? i : i + 1000 * team);
			policy_request_add_named(request, "resource.id", value);
			policy_request_add_named(request, "requester.team", team ? "blue" : "red");
			policy_decide(request, &d);
			if (i % 50 == 49 && team == 1) {
				ck_assert_int_eq(d.rule, POLICY_DEFAULT_RULE);
				continue;
			}
			ck_assert_msg(d.rule == i, "resource %s: rule %d decided, not %d", value, d.rule, i);
			ck_assert_uint_eq(d.match_count, 1);
			ck_assert_int_eq(d.outcome, i % 50 == 49 ? POLICY_DENY : POLICY_REQUIRE);
		}
	}
	/* Several values: rules 3, 150 and 199 (a deny) match; the deny decides. */
	policy_request_reset(request);
	policy_request_add_named(request, "resource.id", "3");
	policy_request_add_named(request, "resource.id", "1150");
	policy_request_add_named(request, "resource.id", "199");
	policy_decide(request, &d);
	ck_assert_uint_eq(d.match_count, 3);
	ck_assert_uint_eq(d.matches[0], 3);
	ck_assert_uint_eq(d.matches[1], 150);
	ck_assert_uint_eq(d.matches[2], 199);
	ck_assert_int_eq(d.rule, 199);
	policy_request_free(request);
	policy_free(policy);
	strbuf_free(&text);
}
END_TEST

/* ---- Time windows (zones without daylight saving; test_policy_zone covers DST) ---- */

static const char window_policy[] =
	"default require 1 approval from \"owners\"\n"
	"rule \"office\" { during mon-fri 09:00-18:00 \"UTC\" allow }\n"
	"rule \"night\" { during fri 22:00-06:00 \"UTC\" require 2 approvals from \"night\" }\n"
	"rule \"weekend\" { outside mon-fri 00:00-24:00 \"UTC\" deny \"weekend\" }\n"
	"rule \"kolkata\" { when request.role == \"read\" during mon 09:00-09:30 \"Asia/Kolkata\" allow max 1h }\n";

struct window_case {
	const char *at;
	const char *matching;
};

static const struct window_case window_cases[] = {
	{ "2026-12-07T08:59:59Z", "" },                    /* Monday */
	{ "2026-12-07T09:00:00Z", "office" },
	{ "2026-12-07T17:59:59Z", "office" },
	{ "2026-12-07T18:00:00Z", "" },
	{ "2026-12-11T23:00:00Z", "night" },               /* Friday night */
	{ "2026-12-12T05:59:00Z", "night,weekend" },       /* Saturday morning, still Friday's window */
	{ "2026-12-12T06:00:00Z", "weekend" },
	{ "2026-12-11T05:00:00Z", "" },                    /* Friday morning: Thursday has no window */
	{ "2026-12-13T23:59:59Z", "weekend" },             /* Sunday */
	{ "2026-12-14T00:00:00Z", "" },                    /* Monday */
	{ "2026-12-07T03:30:00Z", "kolkata" },             /* 09:00 in Kolkata (UTC+05:30) */
	{ "2026-12-07T03:59:59Z", "kolkata" },
	{ "2026-12-07T04:00:00Z", "" },
};

START_TEST(test_windows)
{
	const struct window_case *c = &window_cases[_i];
	struct policy *policy = parse_or_fail(window_policy);
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;
	struct strbuf names = STRBUF_INIT;
	int64_t at;

	ck_assert(time_parse_rfc3339(c->at, &at));
	policy_request_add_named(request, "request.role", "read");
	policy_request_set_time(request, at);
	policy_decide(request, &d);
	matching_names(policy, &d, &names);
	ck_assert_msg(strcmp(strbuf_str(&names), c->matching) == 0, "at %s: matched \"%s\", expected \"%s\"",
		      c->at, strbuf_str(&names), c->matching);
	strbuf_free(&names);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

START_TEST(test_window_miss_and_no_time)
{
	struct policy *policy = parse_or_fail(window_policy);
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;
	struct strbuf text = STRBUF_INIT;
	int64_t at;

	policy_request_add_named(request, "request.role", "read");
	policy_decide(request, &d);
	ck_assert_uint_eq(d.match_count, 0);
	ck_assert_uint_eq(d.untimed_count, 4);
	ck_assert_int_eq(d.rule, POLICY_DEFAULT_RULE);

	ck_assert(time_parse_rfc3339("2026-12-07T04:00:00Z", &at));
	policy_request_set_time(request, at);
	policy_decide(request, &d);
	ck_assert_uint_eq(d.untimed_count, 0);
	ck_assert_uint_eq(d.window_miss_count, 4);
	policy_explain(policy, &d, &text);
	ck_assert_ptr_nonnull(strstr(text.data,
				     "not matching because of the time:\n"
				     "  rule \"office\" (line 2): its condition holds, but not its time "
				     "window (during mon-fri 09:00-18:00 \"UTC\")\n"));
	ck_assert_ptr_nonnull(strstr(text.data, "(outside mon-fri 00:00-24:00 \"UTC\")"));
	strbuf_free(&text);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

START_TEST(test_unknown_zone_never_matches)
{
	struct policy *policy = parse_or_fail("default allow\n"
					      "rule \"a\" { outside mon 09:00-10:00 \"Mars/Olympus\" deny \"x\" }\n");
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision d;

	policy_request_set_time(request, 0);
	policy_decide(request, &d);
	ck_assert_int_eq(d.outcome, POLICY_ALLOW);
	ck_assert_uint_eq(d.window_miss_count, 1);
	policy_request_free(request);
	policy_free(policy);
}
END_TEST

/* ---- Globs ---- */

struct glob_case {
	const char *pattern;
	const char *text;
	bool matches;
};

static const struct glob_case glob_cases[] = {
	{ "prod/*", "prod/db", true },
	{ "prod/*", "prod/", true },
	{ "prod/*", "prod", false },
	{ "prod/*", "staging/prod/db", false },
	{ "*", "", true },
	{ "", "", true },
	{ "", "x", false },
	{ "*/db", "a/b/db", true },
	{ "a*b*c", "aXbYbZc", true },
	{ "a*b*c", "aXbYbZ", false },
	{ "?", "\xc3\xa9", true },                  /* one character, two bytes */
	{ "??", "\xc3\xa9", false },
	{ "[a-c]x", "bx", true },
	{ "[!a-c]x", "bx", false },
	{ "[!a-c]x", "dx", true },
	{ "[^a-c]x", "dx", true },
	{ "[]]", "]", true },
	{ "[\xc3\xa0-\xc3\xbf]", "\xc3\xa9", true }, /* à-ÿ contains é */
	{ "\\*", "*", true },
	{ "\\*", "x", false },
	{ "a\\?", "a?", true },
	{ "*.example.com", "db.example.com", true },
	{ "*.example.com", "example.com", false },
	{ "\xff*", "\xff\xfe", true },              /* bytes that are not UTF-8 still match themselves */
};

START_TEST(test_glob_match)
{
	const struct glob_case *c = &glob_cases[_i];
	char err[128];
	size_t offset;
	struct policy_glob *glob = glob_compile(c->pattern, strlen(c->pattern), err, sizeof err, &offset);

	ck_assert_msg(glob != NULL, "pattern \"%s\": %s", c->pattern, err);
	ck_assert_msg(glob_match(glob, c->text, strlen(c->text)) == c->matches,
		      "pattern \"%s\" on \"%s\": expected %s", c->pattern, c->text,
		      c->matches ? "a match" : "no match");
	glob_free(glob);
}
END_TEST

START_TEST(test_glob_worst_case_is_bounded)
{
	/* a*a*a*...b against a run of a's: the matcher backtracks to the last star only. */
	char pattern[201], text[4001];
	char err[128];
	size_t offset;

	for (int i = 0; i < 100; i++) {
		pattern[2 * i] = 'a';
		pattern[2 * i + 1] = '*';
	}
	pattern[199] = 'b';
	pattern[200] = '\0';
	memset(text, 'a', 4000);
	text[4000] = '\0';

	struct policy_glob *glob = glob_compile(pattern, 200, err, sizeof err, &offset);
	int64_t start = time_monotonic_ms();

	ck_assert(!glob_match(glob, text, 4000));
	ck_assert_int_lt(time_monotonic_ms() - start, 2000);
	glob_free(glob);
}
END_TEST

static Suite *policy_decide_suite(void)
{
	Suite *s = suite_create("policy_decide");
	TCase *tc = tcase_create("decide");

	tcase_add_loop_test(tc, test_combination, 0,
			    sizeof combination_cases / sizeof combination_cases[0]);
	tcase_add_test(tc, test_matches_listed_in_order);
	tcase_add_test(tc, test_explanation_text);
	tcase_add_test(tc, test_explanation_deny_and_default);
	tcase_add_test(tc, test_decision_json);
	tcase_add_loop_test(tc, test_conditions, 0, sizeof condition_cases / sizeof condition_cases[0]);
	tcase_add_test(tc, test_request_reuse);
	tcase_add_test(tc, test_many_rules_and_tests);
	tcase_add_loop_test(tc, test_windows, 0, sizeof window_cases / sizeof window_cases[0]);
	tcase_add_test(tc, test_window_miss_and_no_time);
	tcase_add_test(tc, test_unknown_zone_never_matches);
	tcase_add_loop_test(tc, test_glob_match, 0, sizeof glob_cases / sizeof glob_cases[0]);
	tcase_add_test(tc, test_glob_worst_case_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(policy_decide_suite)
