/* Lint: what is wrong with a policy that parses, with errors and warnings at their positions. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "tests/support/check_main.h"

static const char *const broker_attributes[] = {
	"requester.department", "requester.title", "resource.id", "resource.env", "request.role",
};
static const struct policy_schema broker_schema = { broker_attributes, 5 };

struct lint_result {
	bool clean;                 /* policy_lint's result: no error */
	char *lines;                /* the formatted diagnostics */
};

static struct lint_result lint_text(const char *text, const struct policy_schema *known)
{
	struct policy_diagnostics diagnostics;
	struct strbuf lines = STRBUF_INIT;
	struct lint_result result;
	struct policy *policy;

	policy_diagnostics_init(&diagnostics, "t.policy");
	policy = policy_parse(text, strlen(text), &diagnostics);
	ck_assert_msg(policy != NULL, "does not parse:\n%s", text);
	result.clean = policy_lint(policy, known, &diagnostics);
	policy_diagnostics_format(&diagnostics, &lines);
	result.lines = strbuf_detach(&lines);
	policy_diagnostics_free(&diagnostics);
	policy_free(policy);
	return result;
}

START_TEST(test_skeleton_is_clean)
{
	struct lint_result r = lint_text(
		"default require 1 approval from \"owners\"\n"
		"rule \"staging reads during work hours\" {\n"
		"  when resource.env == \"staging\" and request.role == \"read-only\"\n"
		"  during mon-fri 09:00-18:00 \"Europe/Berlin\"\n"
		"  allow\n"
		"  max 8h\n"
		"}\n"
		"rule \"no access to resource 4675\" {\n"
		"  when resource.id == \"4675\"\n"
		"  deny \"retired system\"\n"
		"}\n", &broker_schema);

	ck_assert(r.clean);
	ck_assert_str_eq(r.lines, "");
	free(r.lines);
}
END_TEST

START_TEST(test_unknown_attribute_with_suggestion)
{
	struct lint_result r = lint_text("default allow\n"
					 "rule \"a\" { when requester.departmnet == \"1\" deny \"x\" }\n",
					 &broker_schema);

	ck_assert(!r.clean);
	ck_assert_str_eq(r.lines, "t.policy:2:17: unknown attribute \"requester.departmnet\"; did you "
			 "mean requester.department?\n");
	free(r.lines);
}
END_TEST

START_TEST(test_unknown_attribute_lists_known)
{
	struct lint_result r = lint_text("default allow\n"
					 "rule \"a\" { when resource.owner == \"1\" deny \"x\" }\n",
					 &broker_schema);

	ck_assert(!r.clean);
	ck_assert_str_eq(r.lines, "t.policy:2:17: unknown attribute \"resource.owner\"; the known "
			 "attributes are requester.department, requester.title, resource.id, "
			 "resource.env, request.role\n");
	free(r.lines);
}
END_TEST

START_TEST(test_wildcard_and_no_schema)
{
	static const char *const wildcard[] = { "requester.*", "resource.id" };
	static const struct policy_schema schema = { wildcard, 2 };
	static const char text[] =
		"default allow\n"
		"rule \"a\" { when requester.anything.at_all == \"1\" or resource.id == \"2\" deny \"x\" }\n"
		"rule \"b\" { when request.role == \"1\" deny \"x\" }\n";
	struct lint_result r = lint_text(text, &schema);

	ck_assert(!r.clean);
	ck_assert_str_eq(r.lines, "t.policy:3:17: unknown attribute \"request.role\"; the known "
			 "attributes are requester.*, resource.id\n");
	free(r.lines);
	r = lint_text(text, NULL);
	ck_assert(r.clean);
	ck_assert_str_eq(r.lines, "");
	free(r.lines);
}
END_TEST

START_TEST(test_history_schema)
{
	struct lint_result r = lint_text(
		"default allow\n"
		"rule \"a\" { when resource.id == \"1\" and requester.manager == \"2\" and "
		"requester.rollup1 == \"3\" and requester.rollup2 == \"4\" and requester.department == \"5\" "
		"and requester.title == \"6\" and requester.family_desc == \"7\" and requester.family == \"8\" "
		"and requester.role_code == \"9\" and requester.id == \"10\" and request.role == \"11\" "
		"and request.reason ~ \"INC-*\" and resource.owner_group == \"12\" deny \"x\" }\n",
		&policy_history_schema);

	ck_assert(r.clean);
	ck_assert_str_eq(r.lines, "");
	free(r.lines);
}
END_TEST

START_TEST(test_duplicate_names)
{
	struct lint_result r = lint_text("default allow\n"
					 "rule \"a\" { deny \"1\" }\n"
					 "rule \"b\" { when resource.id == \"1\" deny \"2\" }\n"
					 "rule \"a\" { when resource.id == \"2\" deny \"3\" }\n"
					 "rule \"a\" { when resource.id == \"3\" deny \"4\" }\n",
					 NULL);

	ck_assert(!r.clean);
	ck_assert_ptr_nonnull(strstr(r.lines, "t.policy:4:6: the rule name \"a\" is already used at 2:1; "
					   "give each rule its own name\n"
					   "t.policy:5:1: warning: rule \"a\" can never decide"));
	ck_assert_ptr_nonnull(strstr(r.lines, "t.policy:5:6: the rule name \"a\" is already used at 2:1; "
					   "give each rule its own name\n"));
	free(r.lines);
}
END_TEST

START_TEST(test_empty_window_and_zero_cap)
{
	struct lint_result r = lint_text("default allow max 0\n"
					 "rule \"a\" { during mon 09:00-09:00 \"UTC\" allow max 0h }\n"
					 "rule \"b\" { during mon 00:00-24:00 \"UTC\" allow max 1s }\n",
					 NULL);

	ck_assert(!r.clean);
	ck_assert_str_eq(r.lines,
			 "t.policy:1:15: a cap of 0 would end access as soon as it starts; give a "
			 "positive duration or remove max\n"
			 "t.policy:2:23: this time window is empty because it starts when it ends; write "
			 "00:00-24:00 for a whole day\n"
			 "t.policy:2:47: a cap of 0 would end access as soon as it starts; give a "
			 "positive duration or remove max\n");
	free(r.lines);
}
END_TEST

START_TEST(test_unknown_zone)
{
	struct lint_result r = lint_text("default allow\n"
					 "rule \"a\" { during mon 09:00-10:00 \"Europe/Berlln\" deny \"x\" }\n",
					 NULL);

	ck_assert(!r.clean);
	ck_assert_str_eq(r.lines, "t.policy:2:35: unknown time zone \"Europe/Berlln\": give an IANA name "
			 "such as \"Europe/Berlin\" or \"UTC\" (the files under /usr/share/zoneinfo)\n");
	free(r.lines);
}
END_TEST

START_TEST(test_unreachable_after_unconditional_deny)
{
	struct lint_result r = lint_text("default allow\n"
					 "rule \"early deny\" { when resource.id == \"1\" deny \"1\" }\n"
					 "rule \"allow\" { when resource.id == \"2\" allow }\n"
					 "rule \"freeze\" { deny \"frozen\" }\n"
					 "rule \"late deny\" { when resource.id == \"3\" deny \"3\" }\n"
					 "rule \"require\" { when resource.id == \"4\" require 3 "
					 "approvals from \"g\" }\n",
					 NULL);

	/* Warnings only: the policy still lints. */
	ck_assert(r.clean);
	ck_assert_str_eq(r.lines,
			 "t.policy:1:1: warning: the default never applies: rule \"freeze\" (line 4) "
			 "matches every request\n"
			 "t.policy:3:1: warning: rule \"allow\" can never decide: rule \"freeze\" (line 4) "
			 "matches every request and always beats it\n"
			 "t.policy:5:1: warning: rule \"late deny\" can never decide: rule \"freeze\" (line 4) "
			 "matches every request and always beats it\n"
			 "t.policy:6:1: warning: rule \"require\" can never decide: rule \"freeze\" (line 4) "
			 "matches every request and always beats it\n");
	free(r.lines);
}
END_TEST

START_TEST(test_unreachable_after_unconditional_require)
{
	struct lint_result r = lint_text("default deny \"x\"\n"
					 "rule \"allow\" { when resource.id == \"1\" allow }\n"
					 "rule \"one\" { when resource.id == \"2\" require 1 approval from \"g\" }\n"
					 "rule \"two early\" { when resource.id == \"3\" require 2 "
					 "approvals from \"g\" }\n"
					 "rule \"everyone two\" { require 2 approvals from \"g\" }\n"
					 "rule \"two late\" { when resource.id == \"4\" require 2 "
					 "approvals from \"g\" }\n"
					 "rule \"three\" { when resource.id == \"5\" require 3 "
					 "approvals from \"g\" }\n"
					 "rule \"deny\" { when resource.id == \"6\" deny \"6\" }\n"
					 "rule \"windowed\" { during mon 09:00-10:00 \"UTC\" "
					 "require 5 approvals from \"g\" }\n",
					 NULL);

	ck_assert(r.clean);
	ck_assert_str_eq(r.lines,
			 "t.policy:1:1: warning: the default never applies: rule \"everyone two\" (line 5) "
			 "matches every request\n"
			 "t.policy:2:1: warning: rule \"allow\" can never decide: rule \"everyone two\" "
			 "(line 5) matches every request and always beats it\n"
			 "t.policy:3:1: warning: rule \"one\" can never decide: rule \"everyone two\" "
			 "(line 5) matches every request and always beats it\n"
			 "t.policy:6:1: warning: rule \"two late\" can never decide: rule \"everyone two\" "
			 "(line 5) matches every request and always beats it\n");
	free(r.lines);
}
END_TEST

START_TEST(test_unreachable_after_unconditional_allow)
{
	struct lint_result r = lint_text("default deny \"x\"\n"
					 "rule \"early\" { when resource.id == \"1\" allow max 1h }\n"
					 "rule \"everyone\" { allow }\n"
					 "rule \"late\" { when resource.id == \"2\" allow }\n"
					 "rule \"require\" { when resource.id == \"3\" require 1 "
					 "approval from \"g\" }\n",
					 NULL);

	ck_assert(r.clean);
	ck_assert_str_eq(r.lines,
			 "t.policy:1:1: warning: the default never applies: rule \"everyone\" (line 3) "
			 "matches every request\n"
			 "t.policy:4:1: warning: rule \"late\" can never decide: rule \"everyone\" (line 3) "
			 "matches every request and always beats it\n");
	free(r.lines);
}
END_TEST

START_TEST(test_useless_terms_and_plain_globs)
{
	struct lint_result r = lint_text("default allow\n"
					 "rule \"a\" { when resource.id == \"1\" deny \"x\" max 1h "
					 "reason required }\n"
					 "rule \"b\" { when resource.id ~ \"prod\" or resource.id "
					 "!~ \"a\\\\*\" allow }\n"
					 "rule \"c\" { when resource.id ~ \"prod*\" allow }\n",
					 NULL);

	ck_assert(r.clean);
	ck_assert_str_eq(r.lines,
			 "t.policy:2:36: warning: reason required has no effect on a rule that denies\n"
			 "t.policy:2:45: warning: max has no effect on a rule that denies\n"
			 "t.policy:3:31: warning: the pattern \"prod\" has no *, ? or [, so it matches only "
			 "that exact text; write == instead\n"
			 "t.policy:3:56: warning: the pattern \"a\\\\*\" has no *, ? or [, so it matches only "
			 "that exact text; write != instead\n");
	free(r.lines);
}
END_TEST

static Suite *policy_lint_suite(void)
{
	Suite *s = suite_create("policy_lint");
	TCase *tc = tcase_create("lint");

	tcase_add_test(tc, test_skeleton_is_clean);
	tcase_add_test(tc, test_unknown_attribute_with_suggestion);
	tcase_add_test(tc, test_unknown_attribute_lists_known);
	tcase_add_test(tc, test_wildcard_and_no_schema);
	tcase_add_test(tc, test_history_schema);
	tcase_add_test(tc, test_duplicate_names);
	tcase_add_test(tc, test_empty_window_and_zero_cap);
	tcase_add_test(tc, test_unknown_zone);
	tcase_add_test(tc, test_unreachable_after_unconditional_deny);
	tcase_add_test(tc, test_unreachable_after_unconditional_require);
	tcase_add_test(tc, test_unreachable_after_unconditional_allow);
	tcase_add_test(tc, test_useless_terms_and_plain_globs);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(policy_lint_suite)
