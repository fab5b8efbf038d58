/* The policy language's lexer and parser: every construct, and every error with its position. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "tests/support/check_main.h"

static const char skeleton[] =
	"# comment\n"
	"default require 1 approval from \"owners\"\n"
	"\n"
	"rule \"staging reads during work hours\" {\n"
	"  when resource.env == \"staging\" and request.role == \"read-only\"\n"
	"  during mon-fri 09:00-18:00 \"Europe/Berlin\"\n"
	"  allow\n"
	"  max 8h\n"
	"}\n"
	"\n"
	"rule \"no access to resource 4675\" {\n"
	"  when resource.id == \"4675\"\n"
	"  deny \"retired system\"\n"
	"}\n";

/* Parse text; return the formatted diagnostics (caller frees) and the policy through out. */
static char *parse_text(const char *text, struct policy **out)
{
	struct policy_diagnostics diagnostics;
	struct strbuf lines = STRBUF_INIT;
	struct policy *policy;

	policy_diagnostics_init(&diagnostics, "t.policy");
	policy = policy_parse(text, strlen(text), &diagnostics);
	policy_diagnostics_format(&diagnostics, &lines);
	policy_diagnostics_free(&diagnostics);
	if (out)
		*out = policy;
	else
		policy_free(policy);
	return strbuf_detach(&lines);
}

/* Parse text that must be valid; fail the test with its diagnostics otherwise. */
static struct policy *parse_valid(const char *text)
{
	struct policy *policy;
	char *diagnostics = parse_text(text, &policy);

	ck_assert_msg(policy != NULL, "rejected:\n%s\n%s", text, diagnostics);
	ck_assert_msg(diagnostics[0] == '\0', "diagnostics for valid text:\n%s", diagnostics);
	free(diagnostics);
	return policy;
}

START_TEST(test_skeleton_parses)
{
	struct policy *policy = parse_valid(skeleton);
	struct policy_rule_info info;

	ck_assert_uint_eq(policy_rule_count(policy), 2);
	policy_rule_describe(policy, POLICY_DEFAULT_RULE, &info);
	ck_assert_ptr_null(info.name);
	ck_assert_uint_eq(info.line, 2);
	ck_assert_int_eq(info.outcome, POLICY_REQUIRE);
	ck_assert_int_eq(info.approvals, 1);
	ck_assert_str_eq(info.group, "owners");

	policy_rule_describe(policy, 0, &info);
	ck_assert_str_eq(info.name, "staging reads during work hours");
	ck_assert_uint_eq(info.line, 4);
	ck_assert_int_eq(info.outcome, POLICY_ALLOW);
	ck_assert_int_eq(info.max_seconds, 8 * 3600);
	ck_assert(info.has_window);
	ck_assert(info.has_condition);
	ck_assert(!info.reason_required);

	policy_rule_describe(policy, 1, &info);
	ck_assert_str_eq(info.name, "no access to resource 4675");
	ck_assert_int_eq(info.outcome, POLICY_DENY);
	ck_assert_str_eq(info.message, "retired system");
	ck_assert_int_eq(info.max_seconds, 0);
	policy_free(policy);
}
END_TEST

START_TEST(test_attributes_in_order)
{
	struct policy *policy = parse_valid(skeleton);

	ck_assert_uint_eq(policy_attribute_count(policy), 3);
	ck_assert_str_eq(policy_attribute_name(policy, 0), "resource.env");
	ck_assert_str_eq(policy_attribute_name(policy, 1), "request.role");
	ck_assert_str_eq(policy_attribute_name(policy, 2), "resource.id");
	ck_assert_int_eq(policy_attribute_index(policy, "resource.id"), 2);
	ck_assert_int_eq(policy_attribute_index(policy, "requester.title"), -1);
	ck_assert_ptr_null(policy_attribute_name(policy, 3));
	policy_free(policy);
}
END_TEST

START_TEST(test_every_construct)
{
	static const char text[] =
		"default deny \"ask the owners\" # the default may come anywhere\n"
		"rule \"operators\" {\n"
		"  when (requester.department != \"117878\" or requester.title in [\"a\", \"b\",])\n"
		"       and not request.role ~ \"admin-*\" and resource.id not in [\"1\"]\n"
		"       and resource.path !~ \"prod/[a-z]?\\\\*\"\n"
		"  outside sat,sun,mon-tue 22:00-06:00 \"America/New_York\"\n"
		"  require 2 approvals from \"ops \\\"on call\\\"\\n\\t\"\n"
		"  max 1h30m\n"
		"  reason required\n"
		"}\n"
		"rule \"order of clauses is free\" {\n"
		"  reason required allow max 90 when request.role == \"read\"\n"
		"  during fri-mon 00:00-24:00 \"UTC\"\n"
		"}\n"
		"rule \"one approval\" { require 1 approvals from \"g\" }\n"
		"rule \"always\" { allow }\n";
	struct policy *policy = parse_valid(text);
	struct policy_rule_info info;

	ck_assert_uint_eq(policy_rule_count(policy), 4);
	policy_rule_describe(policy, 0, &info);
	ck_assert_int_eq(info.approvals, 2);
	ck_assert_str_eq(info.group, "ops \"on call\"\n\t");
	ck_assert_int_eq(info.max_seconds, 5400);
	ck_assert(info.reason_required);
	policy_rule_describe(policy, 1, &info);
	ck_assert_int_eq(info.outcome, POLICY_ALLOW);
	ck_assert_int_eq(info.max_seconds, 90);
	ck_assert(info.reason_required);
	policy_rule_describe(policy, 3, &info);
	ck_assert(!info.has_condition);
	ck_assert(!info.has_window);
	policy_rule_describe(policy, POLICY_DEFAULT_RULE, &info);
	ck_assert_int_eq(info.outcome, POLICY_DENY);
	ck_assert_str_eq(info.message, "ask the owners");
	ck_assert_uint_eq(policy_attribute_count(policy), 5);
	policy_free(policy);
}
END_TEST

START_TEST(test_default_options)
{
	struct policy *policy = parse_valid("default allow max 2d reason required\n");
	struct policy_rule_info info;

	policy_rule_describe(policy, POLICY_DEFAULT_RULE, &info);
	ck_assert_int_eq(info.max_seconds, 2 * 86400);
	ck_assert(info.reason_required);
	ck_assert_uint_eq(policy_rule_count(policy), 0);
	policy_free(policy);
}
END_TEST

START_TEST(test_text_without_terminator)
{
	/* The parser reads exactly length bytes: what follows must not matter. */
	static const char text[] = "default allow\nrule \"x\" { allow }GARBAGE";
	struct policy_diagnostics diagnostics;
	struct policy *policy;

	policy_diagnostics_init(&diagnostics, NULL);
	policy = policy_parse(text, strlen(text) - strlen("GARBAGE"), &diagnostics);
	ck_assert_ptr_nonnull(policy);
	ck_assert_uint_eq(diagnostics.count, 0);
	policy_free(policy);
	policy_diagnostics_free(&diagnostics);
}
END_TEST

/* One invalid text and a diagnostic line it must produce. */
struct error_case {
	const char *text;
	const char *expected;
};

static const struct error_case error_cases[] = {
	/* The lexer. */
	{ "default allow\nrule \"a\" { when resource.id = \"1\" allow }",
	  "t.policy:2:29: unexpected '=': compare with ==" },
	{ "default allow\nrule \"a\" { when ! resource.id == \"1\" allow }",
	  "t.policy:2:17: unexpected '!': write != or !~, or not before a condition" },
	{ "default allow\nrule 'a' { allow }",
	  "t.policy:2:6: unexpected '\\'': strings are written in double quotes" },
	{ "default allow @", "t.policy:1:15: unexpected character '@'" },
	{ "default allow\n\xc2\xa0rule \"a\" { allow }", "t.policy:2:1: unexpected character U+00A0" },
	{ "default allow \xff", "t.policy:1:15: unexpected character byte 0xFF, which is not UTF-8" },
	{ "default deny \"no\nrule \"a\" { allow }",
	  "t.policy:1:14: this string is not closed: add \" before the end of the line" },
	{ "default deny \"a\\qb\"",
	  "t.policy:1:16: unknown escape in a string: write \\\", \\\\, \\n or \\t" },
	{ "default deny \"a\x01\"",
	  "t.policy:1:16: control character U+0001 in a string; write \\n or \\t for a line break or a tab" },
	{ "default deny \"\xe2\x82\"", "t.policy:1:15: invalid UTF-8 in a string (byte 0xE2)" },
	{ "# caf\xe9\ndefault allow", "t.policy:1:6: invalid UTF-8 in a comment (byte 0xE9)" },
	/* Conditions. */
	{ "default allow\nrule \"a\" { when resource.id \"1\" allow }",
	  "t.policy:2:29: expected ==, !=, in, not in, ~ or !~ after the attribute, found the string \"1\"" },
	{ "default allow\nrule \"a\" { when resource.id == 1 allow }",
	  "t.policy:2:32: expected a string in double quotes, found the number 1" },
	{ "default allow\nrule \"a\" { when resource.id in \"1\" allow }",
	  "t.policy:2:32: expected [ to start a list of strings, as in [\"read\", \"write\"], "
	  "found the string \"1\"" },
	{ "default allow\nrule \"a\" { when resource.id in [] allow }",
	  "t.policy:2:32: this list is empty, so it matches nothing; give one or more strings" },
	{ "default allow\nrule \"a\" { when resource.id in [\"1\" \"2\"] allow }",
	  "t.policy:2:37: expected , or ] in the list, found the string \"2\"" },
	{ "default allow\nrule \"a\" { when resource.id in [\"1\", allow }",
	  "t.policy:2:38: expected a string in double quotes, found \"allow\"" },
	{ "default allow\nrule \"a\" { when resource.id not \"1\" allow }",
	  "t.policy:2:33: expected in after not, as in request.role not in [\"admin\"], found the string \"1\"" },
	{ "default allow\nrule \"a\" { when allow }",
	  "t.policy:2:17: expected a condition such as resource.env == \"staging\", found \"allow\"" },
	{ "default allow\nrule \"a\" { when user.name == \"x\" allow }",
	  "t.policy:2:17: unknown attribute \"user.name\": attributes start with requester., resource. or request." },
	{ "default allow\nrule \"a\" { when requester. == \"x\" allow }",
	  "t.policy:2:17: the attribute \"requester.\" is incomplete: name one after the dot" },
	{ "default allow\nrule \"a\" { when (resource.id == \"1\" allow }",
	  "t.policy:2:37: expected and, or, or ) to close the ( at 2:17, found \"allow\"" },
	{ "default allow\nrule \"a\" { when resource.id == \"1\" resource.env == \"x\" allow }",
	  "t.policy:2:36: expected when, during, outside, allow, require, deny, max, reason "
	  "required or }, found \"resource.env\"" },
	/* Globs: the column is that of the fault inside the string. */
	{ "default allow\nrule \"a\" { when resource.id ~ \"ab[c\" allow }",
	  "t.policy:2:34: invalid glob: [ is not closed by ]; write \\[ for a literal [" },
	{ "default allow\nrule \"a\" { when resource.id ~ \"a\\\\\" allow }",
	  "t.policy:2:33: invalid glob: a \\ at the end escapes nothing; write \\\\ for a backslash" },
	{ "default allow\nrule \"a\" { when resource.id ~ \"[z-a]\" allow }",
	  "t.policy:2:32: invalid glob: the range in [...] runs backwards" },
	/* Time windows. */
	{ "default allow\nrule \"a\" { during weekdays 09:00-18:00 \"UTC\" allow }",
	  "t.policy:2:19: expected a weekday: mon, tue, wed, thu, fri, sat or sun, found \"weekdays\"" },
	{ "default allow\nrule \"a\" { during mon-fry 09:00-18:00 \"UTC\" allow }",
	  "t.policy:2:23: expected the weekday that ends the range, as in mon-fri, found \"fry\"" },
	{ "default allow\nrule \"a\" { during mon \"UTC\" allow }",
	  "t.policy:2:23: expected a time range, as in 09:00-18:00, found the string \"UTC\"" },
	{ "default allow\nrule \"a\" { during mon 25:00-26:00 \"UTC\" allow }",
	  "t.policy:2:23: invalid time \"25:00\": write HH:MM from 00:00 to 23:59" },
	{ "default allow\nrule \"a\" { during mon 24:00-12:00 \"UTC\" allow }",
	  "t.policy:2:23: invalid time \"24:00\": write HH:MM from 00:00 to 23:59" },
	{ "default allow\nrule \"a\" { during mon 09:00-9:5 \"UTC\" allow }",
	  "t.policy:2:29: invalid time \"9:5\": write HH:MM from 00:00 to 24:00" },
	{ "default allow\nrule \"a\" { during mon 09:00 18:00 \"UTC\" allow }",
	  "t.policy:2:29: expected - between the start and end times, as in 09:00-18:00, found the time 18:00" },
	{ "default allow\nrule \"a\" { during mon 09:00- \"UTC\" allow }",
	  "t.policy:2:30: expected the end time, as in 09:00-18:00, found the string \"UTC\"" },
	{ "default allow\nrule \"a\" { during mon 09:00-18:00 allow }",
	  "t.policy:2:35: expected a time zone in double quotes, such as \"Europe/Berlin\", found \"allow\"" },
	/* Outcomes and options. */
	{ "default require approvals from \"g\"",
	  "t.policy:1:17: expected the number of approvals, as in require 2 approvals from "
	  "\"owners\", found \"approvals\"" },
	{ "default require 0 approvals from \"g\"",
	  "t.policy:1:17: the number of approvals must be from 1 to 100" },
	{ "default require 101 approvals from \"g\"",
	  "t.policy:1:17: the number of approvals must be from 1 to 100" },
	{ "default require 1 aproval from \"owners\"",
	  "t.policy:1:19: expected approval or approvals, found \"aproval\"" },
	{ "default require 1 approval \"owners\"",
	  "t.policy:1:28: expected from and the approvers' group, as in from \"owners\", found the "
	  "string \"owners\"" },
	{ "default require 1 approval from owners",
	  "t.policy:1:33: expected the approvers' group in double quotes, as in \"owners\", found \"owners\"" },
	{ "default require 1 approval from \"\"",
	  "t.policy:1:33: the approvers' group is empty; name a group" },
	{ "default deny",
	  "t.policy:1:13: expected the message for the requester in double quotes, as in deny "
	  "\"retired system\", found the end of the file" },
	{ "default allow "
	  "max", "t.policy:1:18: expected a duration, as in max 8h or max 1h30m, found the end of the file" },
	{ "default allow max 8x",
	  "t.policy:1:19: invalid duration \"8x\": write a number with s, m, h or d, as in 8h or 1h30m" },
	{ "default allow reason", "t.policy:1:21: expected required after reason, found the end of the file" },
	/* A clause given twice. */
	{ "default allow\nrule \"a\" { when resource.id == \"1\" when resource.id == \"2\" allow }",
	  "t.policy:2:36: this rule already has a when; join conditions with and or or" },
	{ "default allow\nrule \"a\" { during mon 09:00-10:00 \"UTC\" outside tue 09:00-10:00 \"UTC\" allow }",
	  "t.policy:2:41: this rule already has a time window at 2:12; a rule takes one" },
	{ "default allow\nrule \"a\" { allow deny \"x\" }",
	  "t.policy:2:18: this rule already has an outcome at 2:12; a rule takes one" },
	{ "default allow\nrule \"a\" { allow max 1h max 2h }",
	  "t.policy:2:25: this rule already has a max at 2:18" },
	/* Rules and the default. */
	{ "default allow\nrule a { allow }",
	  "t.policy:2:6: expected the rule's name in double quotes, as in rule \"staging reads\", found \"a\"" },
	{ "default allow\nrule \"\" { allow }", "t.policy:2:6: the rule's name is empty; give it one" },
	{ "default allow\nrule \"a\" allow }", "t.policy:2:10: expected { to open the rule, found \"allow\"" },
	{ "default allow\nrule \"a\" { allow", "t.policy:2:17: expected } to close rule \"a\", which starts at 2:1" },
	{ "default allow\nrule \"a\" { allow\nrule \"b\" { allow }",
	  "t.policy:3:1: expected } to close rule \"a\", which starts at 2:1" },
	{ "default allow\nrule \"a\" { when resource.id == \"1\" }",
	  "t.policy:2:1: rule \"a\" has no outcome: add allow, require N approvals from \"GROUP\" "
	  "or deny \"MESSAGE\"" },
	{ "default\nrule \"a\" { allow }",
	  "t.policy:2:1: expected an outcome after default: allow, require N approvals from "
	  "\"GROUP\" or deny \"MESSAGE\", found \"rule\"" },
	{ "default allow\ndefault allow",
	  "t.policy:2:1: the default is already set at 1:1; a policy has one default" },
	{ "default allow when",
	  "t.policy:1:15: expected rule, default, max or reason required after the default's "
	  "outcome, found \"when\"" },
	{ "default allow\nrule \"a\" { allow }\nrules \"b\" { allow }",
	  "t.policy:3:1: expected rule or default, found \"rules\"" },
	{ "rule \"a\" { allow }\n",
	  "t.policy:2:1: the policy has no default: add a line such as default require 1 approval from \"owners\"" },
	{ "", "t.policy:1:1: the policy has no default" },
};

START_TEST(test_error_cases)
{
	const struct error_case *c = &error_cases[_i];
	struct policy *policy;
	char *diagnostics = parse_text(c->text, &policy);

	ck_assert_msg(policy == NULL, "accepted: %s", c->text);
	ck_assert_msg(strstr(diagnostics, c->expected) != NULL,
		      "text:\n%s\nexpected the line:\n%s\ngot:\n%s", c->text, c->expected, diagnostics);
	free(diagnostics);
}
END_TEST

START_TEST(test_string_too_long)
{
	struct strbuf text = STRBUF_INIT;
	char *diagnostics;

	strbuf_puts(&text, "default deny \"");
	for (int i = 0; i < 4097; i++)
		strbuf_putc(&text, 'x');
	strbuf_puts(&text, "\"");
	diagnostics = parse_text(text.data, NULL);
	ck_assert_str_eq(diagnostics, "t.policy:1:14: this string is longer than 4096 bytes\n");
	free(diagnostics);
	strbuf_free(&text);
}
END_TEST

START_TEST(test_nesting_limit)
{
	struct strbuf text = STRBUF_INIT;
	char *diagnostics;
	struct policy *policy;

	strbuf_puts(&text, "default allow\nrule \"a\" { when ");
	for (int i = 0; i < 64; i++)
		strbuf_putc(&text, '(');
	strbuf_puts(&text, "resource.id == \"1\"");
	for (int i = 0; i < 64; i++)
		strbuf_putc(&text, ')');
	strbuf_puts(&text, " allow }");
	policy = parse_valid(text.data);
	policy_free(policy);

	strbuf_reset(&text);
	strbuf_puts(&text, "default allow\nrule \"a\" { when ");
	for (int i = 0; i < 65; i++)
		strbuf_puts(&text, "not ");
	strbuf_puts(&text, "resource.id == \"1\" allow }");
	diagnostics = parse_text(text.data, NULL);
	/* The 65th "not" starts at column 17 + 64 * 4. */
	ck_assert_str_eq(diagnostics, "t.policy:2:273: conditions are nested more than 64 deep here\n");
	free(diagnostics);
	strbuf_free(&text);
}
END_TEST

START_TEST(test_long_chains_are_flat)
{
	/* 10,000 terms joined by and: no recursion grows with the chain. */
	struct strbuf text = STRBUF_INIT;
	struct policy *policy;

	strbuf_puts(&text, "default allow\nrule \"a\" { when resource.id == \"0\"");
	for (int i = 1; i < 10000; i++)
		strbuf_printf(&text, " and resource.id != \"%d\"", i);
	strbuf_puts(&text, " deny \"x\" }");
	policy = parse_valid(text.data);
	policy_free(policy);
	strbuf_free(&text);
}
END_TEST

START_TEST(test_several_errors_in_order)
{
	static const char text[] =
		"default require 1 aproval from \"owners\"\n"
		"rule \"a\" {\n"
		"  when resource.id = \"1\"\n"
		"  allow\n"
		"}\n"
		"rule \"b\" {\n"
		"  during mon-fry 09:00-18:00 \"UTC\"\n"
		"  deny\n"
		"}\n"
		"rule \"c\" { when resource.id == \"1\" require 0 approvals from \"g\" max 8x }\n";
	static const char expected[] =
		"t.policy:1:19: expected approval or approvals, found \"aproval\"\n"
		"t.policy:3:20: unexpected '=': compare with ==\n"
		"t.policy:3:22: expected ==, !=, in, not in, ~ or !~ after the attribute, found the string \"1\"\n"
		"t.policy:7:14: expected the weekday that ends the range, as in mon-fri, found \"fry\"\n"
		"t.policy:9:1: expected the message for the requester in double quotes, as in deny "
		"\"retired system\", found \"}\"\n"
		"t.policy:10:44: the number of approvals must be from 1 to 100\n"
		"t.policy:10:69: invalid duration \"8x\": write a number with s, m, h or d, as in 8h or 1h30m\n";
	char *diagnostics = parse_text(text, NULL);

	ck_assert_str_eq(diagnostics, expected);
	free(diagnostics);
}
END_TEST

START_TEST(test_error_limit)
{
	struct strbuf text = STRBUF_INIT;
	struct policy_diagnostics diagnostics;

	strbuf_puts(&text, "default allow\n");
	for (int i = 0; i < 200; i++)
		strbuf_puts(&text, "rule \"a\" { max 8x allow }\n");
	policy_diagnostics_init(&diagnostics, NULL);
	ck_assert_ptr_null(policy_parse(text.data, text.len, &diagnostics));
	ck_assert_uint_eq(diagnostics.error_count, POLICY_DIAGNOSTICS_MAX + 1);
	ck_assert_str_eq(diagnostics.items[diagnostics.count - 1].message, "too many errors; stopped here");
	policy_diagnostics_free(&diagnostics);
	strbuf_free(&text);
}
END_TEST

START_TEST(test_columns_count_characters)
{
	/* "é" is two bytes and one column; a tab is one column. */
	char *diagnostics = parse_text("default deny \"\xc3\xa9\xc3\xa9\"\t@", NULL);

	ck_assert_str_eq(diagnostics, "t.policy:1:19: unexpected character '@'\n");
	free(diagnostics);
}
END_TEST

START_TEST(test_crlf_lines)
{
	struct policy *policy = parse_valid("default allow\r\nrule \"a\" {\r\n  deny \"x\"\r\n}\r\n");

	policy_free(policy);
}
END_TEST

struct highlight_record {
	struct strbuf out;
	const char *text;
};

static void record_token(enum policy_token_class token_class, size_t offset, size_t length,
			 void *context)
{
	static const char *const names[] = {
		"keyword", "attribute", "string", "number", "operator", "comment", "invalid",
	};
	struct highlight_record *record = context;

	strbuf_printf(&record->out, "%s:%.*s ", names[token_class], (int)length, record->text + offset);
}

START_TEST(test_highlight_classes)
{
	static const char text[] =
		"# hi\nrule \"r\" { when resource.id == \"4\" max 8h during mon 09:00-10:00 \"UTC\" alow @ }";
	struct highlight_record record = { STRBUF_INIT, text };

	policy_highlight(text, strlen(text), record_token, &record);
	ck_assert_str_eq(record.out.data,
			 "comment:# hi keyword:rule string:\"r\" operator:{ keyword:when "
			 "attribute:resource.id operator:== string:\"4\" keyword:max number:8h "
			 "keyword:during keyword:mon number:09:00 operator:- number:10:00 string:\"UTC\" "
			 "invalid:alow invalid:@ operator:} ");
	strbuf_free(&record.out);
}
END_TEST

static Suite *policy_parse_suite(void)
{
	Suite *s = suite_create("policy_parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_skeleton_parses);
	tcase_add_test(tc, test_attributes_in_order);
	tcase_add_test(tc, test_every_construct);
	tcase_add_test(tc, test_default_options);
	tcase_add_test(tc, test_text_without_terminator);
	tcase_add_loop_test(tc, test_error_cases, 0, sizeof error_cases / sizeof error_cases[0]);
	tcase_add_test(tc, test_string_too_long);
	tcase_add_test(tc, test_nesting_limit);
	tcase_add_test(tc, test_long_chains_are_flat);
	tcase_add_test(tc, test_several_errors_in_order);
	tcase_add_test(tc, test_error_limit);
	tcase_add_test(tc, test_columns_count_characters);
	tcase_add_test(tc, test_crlf_lines);
	tcase_add_test(tc, test_highlight_classes);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(policy_parse_suite)
