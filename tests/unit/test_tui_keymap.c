#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/check_main.h"
#include "tui/keymap.h"

static struct key_event key(int code)
{
	return key_event_make(code, false);
}

static struct key_event function_key(int code)
{
	return key_event_make(code, true);
}

static enum action lookup(enum key_context context, struct key_event ev)
{
	return keymap_lookup(context, &ev);
}

static void assert_action(enum key_context context, struct key_event ev,
			  enum action expected)
{
	char name[32];
	enum action got = keymap_lookup(context, &ev);

	keymap_key_name(&ev, name, sizeof name);
	ck_assert_msg(got == expected, "%s in %s: %s, expected %s", name,
		      key_context_name(context), action_name(got),
		      action_name(expected));
}

START_TEST(test_keymap_defaults_by_context)
{
	keymap_reset();
	assert_action(KEY_CONTEXT_PENDING, key('a'), ACTION_APPROVE);
	assert_action(KEY_CONTEXT_PENDING, key('d'), ACTION_DENY);
	assert_action(KEY_CONTEXT_GRANTS, key('a'), ACTION_NONE);
	assert_action(KEY_CONTEXT_GRANTS, key('r'), ACTION_REVOKE);
	assert_action(KEY_CONTEXT_GRANTS, key('R'), ACTION_BULK_REVOKE);
	assert_action(KEY_CONTEXT_PENDING, key('r'), ACTION_NONE);
	assert_action(KEY_CONTEXT_LIST, key('a'), ACTION_NONE);

	/* Pending and grants inherit list, which inherits global. */
	assert_action(KEY_CONTEXT_PENDING, key('j'), ACTION_DOWN);
	assert_action(KEY_CONTEXT_GRANTS, function_key(KEY_DOWN), ACTION_DOWN);
	assert_action(KEY_CONTEXT_PENDING, key('q'), ACTION_QUIT);
	assert_action(KEY_CONTEXT_GRANTS, key(' '), ACTION_MARK);
	assert_action(KEY_CONTEXT_LIST, key('\t'), ACTION_NEXT_PANE);
	assert_action(KEY_CONTEXT_LIST, function_key(KEY_BTAB), ACTION_PREVIOUS_PANE);
	assert_action(KEY_CONTEXT_GLOBAL, key('j'), ACTION_NONE);

	/* Esc: clear the filter in a list, go back in the detail view, cancel a dialog. */
	assert_action(KEY_CONTEXT_PENDING, key(27), ACTION_CLEAR_FILTER);
	assert_action(KEY_CONTEXT_DETAIL, key(27), ACTION_BACK);
	assert_action(KEY_CONTEXT_DETAIL, function_key(KEY_LEFT), ACTION_BACK);
	assert_action(KEY_CONTEXT_DETAIL, key('k'), ACTION_UP);
	assert_action(KEY_CONTEXT_DIALOG, key(27), ACTION_CANCEL);
	assert_action(KEY_CONTEXT_GLOBAL, key(27), ACTION_NONE);

	/* Dialogs are modal: global keys do nothing there. */
	assert_action(KEY_CONTEXT_DIALOG, key('q'), ACTION_NONE);
	assert_action(KEY_CONTEXT_DIALOG, key('j'), ACTION_NONE);
	assert_action(KEY_CONTEXT_DIALOG, key('y'), ACTION_YES);
	assert_action(KEY_CONTEXT_DIALOG, key('n'), ACTION_NO);
}
END_TEST

/* Keys as screen_read_key() delivers them, through key_event_make(). */
START_TEST(test_keymap_normalised_keys)
{
	keymap_reset();
	assert_action(KEY_CONTEXT_LIST, key('\r'), ACTION_OPEN);
	assert_action(KEY_CONTEXT_LIST, key('\n'), ACTION_OPEN);
	assert_action(KEY_CONTEXT_LIST, function_key(KEY_ENTER), ACTION_OPEN);
	assert_action(KEY_CONTEXT_DIALOG, key('\r'), ACTION_ACCEPT);
	assert_action(KEY_CONTEXT_GLOBAL, key(18), ACTION_REFRESH);
	assert_action(KEY_CONTEXT_GLOBAL, function_key(KEY_F(5)), ACTION_REFRESH);
	assert_action(KEY_CONTEXT_GLOBAL, key(12), ACTION_REDRAW);
	assert_action(KEY_CONTEXT_LIST, function_key(KEY_NPAGE), ACTION_PAGE_DOWN);
	assert_action(KEY_CONTEXT_LIST, key(6), ACTION_PAGE_DOWN);
	assert_action(KEY_CONTEXT_LIST, key(2), ACTION_PAGE_UP);
	/* A function key never matches the character with the same number. */
	assert_action(KEY_CONTEXT_LIST, function_key('j'), ACTION_NONE);
}
END_TEST

START_TEST(test_keymap_describe_keys)
{
	char keys[KEYMAP_KEYS_SIZE];

	keymap_reset();
	keymap_describe(ACTION_APPROVE, KEY_CONTEXT_PENDING, keys, sizeof keys);
	ck_assert_str_eq(keys, "a");
	keymap_describe(ACTION_DOWN, KEY_CONTEXT_LIST, keys, sizeof keys);
	ck_assert_str_eq(keys, "j, Down");
	keymap_describe(ACTION_DOWN, KEY_CONTEXT_GRANTS, keys, sizeof keys);
	ck_assert_str_eq(keys, "j, Down");
	keymap_describe(ACTION_REFRESH, KEY_CONTEXT_GLOBAL, keys, sizeof keys);
	ck_assert_str_eq(keys, "C-r, F5");
	keymap_describe(ACTION_PREVIOUS_PANE, KEY_CONTEXT_GLOBAL, keys, sizeof keys);
	ck_assert_str_eq(keys, "S-Tab");
	keymap_describe(ACTION_MARK, KEY_CONTEXT_LIST, keys, sizeof keys);
	ck_assert_str_eq(keys, "Space");
	keymap_describe(ACTION_APPROVE, KEY_CONTEXT_GRANTS, keys, sizeof keys);
	ck_assert_str_eq(keys, "");
	/* In the detail view Esc goes back, so it no longer clears the filter there. */
	keymap_describe(ACTION_CLEAR_FILTER, KEY_CONTEXT_DETAIL, keys, sizeof keys);
	ck_assert_str_eq(keys, "");
	keymap_describe(ACTION_CLEAR_FILTER, KEY_CONTEXT_LIST, keys, sizeof keys);
	ck_assert_str_eq(keys, "Esc");
	keymap_describe(ACTION_QUIT, KEY_CONTEXT_DIALOG, keys, sizeof keys);
	ck_assert_str_eq(keys, "");
}
END_TEST

START_TEST(test_keymap_describe_truncates)
{
	char keys[5];

	keymap_reset();
	keymap_describe(ACTION_DOWN, KEY_CONTEXT_LIST, keys, sizeof keys);
	ck_assert_str_eq(keys, "j, D");
}
END_TEST

/* The metrics pane's w and W change its window, while w in the policy pane still publishes. */
START_TEST(test_keymap_metrics_window_keys)
{
	char keys[KEYMAP_KEYS_SIZE];

	keymap_reset();
	assert_action(KEY_CONTEXT_METRICS, key('w'), ACTION_NEXT_WINDOW);
	assert_action(KEY_CONTEXT_METRICS, key('W'), ACTION_PREVIOUS_WINDOW);
	assert_action(KEY_CONTEXT_METRICS, key('j'), ACTION_DOWN);
	assert_action(KEY_CONTEXT_METRICS, key('q'), ACTION_QUIT);
	assert_action(KEY_CONTEXT_POLICY, key('w'), ACTION_PUBLISH_POLICY);
	assert_action(KEY_CONTEXT_DETAIL, key('w'), ACTION_NONE);
	keymap_describe(ACTION_NEXT_WINDOW, KEY_CONTEXT_METRICS, keys, sizeof keys);
	ck_assert_str_eq(keys, "w");
	ck_assert_str_eq(key_context_name(action_context(ACTION_NEXT_WINDOW)), "metrics");
}
END_TEST

START_TEST(test_keymap_help_lists_every_action_once)
{
	int seen[ACTION_COUNT] = { 0 };
	struct keymap_help entry;
	size_t cursor = 0;
	int entries = 0;
	enum key_context previous_context = KEY_CONTEXT_GLOBAL;

	keymap_reset();
	while (keymap_help_next(&cursor, &entry)) {
		char keys[KEYMAP_KEYS_SIZE];

		entries++;
		ck_assert_int_gt(entry.action, ACTION_NONE);
		ck_assert_int_lt(entry.action, ACTION_COUNT);
		seen[entry.action]++;
		ck_assert_int_eq(entry.context, action_context(entry.action));
		ck_assert_msg(entry.context >= previous_context,
			      "help is not grouped by context at %s", entry.name);
		previous_context = entry.context;
		ck_assert_str_eq(entry.name, action_name(entry.action));
		ck_assert_str_eq(entry.help, action_help(entry.action));
		ck_assert_msg(entry.help[0] != '\0', "%s has no help text", entry.name);
		ck_assert_msg(entry.keys[0] != '\0', "%s has no default key", entry.name);
		keymap_describe(entry.action, entry.context, keys, sizeof keys);
		ck_assert_str_eq(entry.keys, keys);
	}
	ck_assert_int_eq(entries, ACTION_COUNT - 1);
	for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++)
		ck_assert_msg(seen[a] == 1, "%s listed %d times",
			      action_name((enum action)a), seen[a]);
	ck_assert(!keymap_help_next(&cursor, &entry));
}
END_TEST

/* Every key the help shows for an action, looked up in that context, runs the action. */
START_TEST(test_keymap_help_keys_trigger_actions)
{
	struct keymap_help entry;
	size_t cursor = 0;

	keymap_reset();
	while (keymap_help_next(&cursor, &entry)) {
		char keys[KEYMAP_KEYS_SIZE];
		char *save = NULL;

		snprintf(keys, sizeof keys, "%s", entry.keys);
		for (char *name = strtok_r(keys, ", ", &save); name;
		     name = strtok_r(NULL, ", ", &save)) {
			struct key_event ev;

			ck_assert_msg(keymap_key_from_name(name, &ev), "help key \"%s\"", name);
			assert_action(entry.context, ev, entry.action);
		}
	}
}
END_TEST

START_TEST(test_keymap_override_replaces_default)
{
	char err[256] = "";

	keymap_reset();
	ck_assert_msg(keymap_parse("bind pending a deny\n"
				   "bind pending A approve\n",
				   err, sizeof err),
		      "%s", err);
	assert_action(KEY_CONTEXT_PENDING, key('a'), ACTION_DENY);
	assert_action(KEY_CONTEXT_PENDING, key('A'), ACTION_APPROVE);
	assert_action(KEY_CONTEXT_PENDING, key('d'), ACTION_DENY);

	char keys[KEYMAP_KEYS_SIZE];

	keymap_describe(ACTION_DENY, KEY_CONTEXT_PENDING, keys, sizeof keys);
	ck_assert_str_eq(keys, "a, d");
	keymap_describe(ACTION_APPROVE, KEY_CONTEXT_PENDING, keys, sizeof keys);
	ck_assert_str_eq(keys, "A");

	keymap_reset();
	assert_action(KEY_CONTEXT_PENDING, key('a'), ACTION_APPROVE);
	assert_action(KEY_CONTEXT_PENDING, key('A'), ACTION_NONE);
}
END_TEST

START_TEST(test_keymap_specific_context_shadows_inherited)
{
	char err[256] = "";
	char keys[KEYMAP_KEYS_SIZE];

	keymap_reset();
	ck_assert_msg(keymap_parse("bind grants j revoke\nbind pending C-d page-down\n",
				   err, sizeof err),
		      "%s", err);
	assert_action(KEY_CONTEXT_GRANTS, key('j'), ACTION_REVOKE);
	assert_action(KEY_CONTEXT_PENDING, key('j'), ACTION_DOWN);
	assert_action(KEY_CONTEXT_PENDING, key(4), ACTION_PAGE_DOWN);
	assert_action(KEY_CONTEXT_LIST, key(4), ACTION_NONE);
	keymap_describe(ACTION_DOWN, KEY_CONTEXT_GRANTS, keys, sizeof keys);
	ck_assert_str_eq(keys, "Down");
	keymap_describe(ACTION_PAGE_DOWN, KEY_CONTEXT_PENDING, keys, sizeof keys);
	ck_assert_str_eq(keys, "C-d, PgDn, C-f");
}
END_TEST

START_TEST(test_keymap_unbind_removes_key)
{
	char err[256] = "";

	keymap_reset();
	ck_assert_msg(keymap_parse("unbind list k\n", err, sizeof err), "%s", err);
	assert_action(KEY_CONTEXT_LIST, key('k'), ACTION_NONE);
	assert_action(KEY_CONTEXT_LIST, function_key(KEY_UP), ACTION_UP);
}
END_TEST

START_TEST(test_keymap_failed_parse_changes_nothing)
{
	char err[256] = "";

	keymap_reset();
	ck_assert(!keymap_parse("bind pending a deny\nbind pending x nonsense\n", err,
				sizeof err));
	assert_action(KEY_CONTEXT_PENDING, key('a'), ACTION_APPROVE);
	assert_action(KEY_CONTEXT_PENDING, key('x'), ACTION_NONE);
}
END_TEST

START_TEST(test_keymap_default_text_parses_alone)
{
	char err[256] = "";

	keymap_reset();
	/* Applying the defaults over themselves changes nothing and fails nowhere. */
	ck_assert_msg(keymap_parse(keymap_default_text, err, sizeof err), "%s", err);
	assert_action(KEY_CONTEXT_PENDING, key('a'), ACTION_APPROVE);
}
END_TEST

struct parse_error_case {
	const char *text;
	const char *expected;
};

static const struct parse_error_case parse_error_cases[] = {
	{ "bnd global q quit", "1:1: unknown command \"bnd\" (expected bind or unbind)" },
	{ "# comment\n\nbind", "3:5: missing context" },
	{ "bind everywhere q quit",
	  "1:6: unknown context \"everywhere\" (expected global, list, pending, grants, "
	  "detail, policy, metrics or dialog)" },
	{ "bind global", "1:12: missing key" },
	{ "bind global Ctrl-r refresh",
	  "1:13: unknown key \"Ctrl-r\" (expected a printable ASCII character or a name "
	  "such as Enter, Esc, C-r, PgDn or F5)" },
	{ "bind global F25 refresh",
	  "1:13: unknown key \"F25\" (expected a printable ASCII character or a name "
	  "such as Enter, Esc, C-r, PgDn or F5)" },
	{ "bind global q", "1:14: missing action" },
	{ "bind global q qiut", "1:15: unknown action \"qiut\"" },
	{ "bind global q quit now", "1:20: unexpected \"now\" after the action" },
	{ "bind grants a approve",
	  "1:15: action \"approve\" belongs to the pending context and cannot be bound "
	  "in grants" },
	{ "bind dialog q quit",
	  "1:15: action \"quit\" belongs to the global context and cannot be bound in "
	  "dialog" },
	{ "bind global j down",
	  "1:15: action \"down\" belongs to the list context and cannot be bound in global" },
	{ "bind list x approve",
	  "1:13: action \"approve\" belongs to the pending context and cannot be bound "
	  "in list" },
	{ "bind pending x deny\n  unbind pending z",
	  "2:18: key \"z\" is not bound in the pending context" },
	{ "unbind pending a extra", "1:18: unexpected \"extra\" after the key" },
	{ "bind global q quit a b c", "1:20: unexpected \"a\" after the action" },
	{ "unbind global q quit a b c", "1:17: unexpected \"quit\" after the key" },
	{ "bind global qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq quit",
	  "1:13: \"qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\" is too long for a word" },
};

#define PARSE_ERROR_CASES ((int)(sizeof parse_error_cases / sizeof parse_error_cases[0]))

START_TEST(test_keymap_parse_error_messages)
{
	const struct parse_error_case *c = &parse_error_cases[_i];
	char err[256] = "";

	keymap_reset();
	ck_assert_msg(!keymap_parse(c->text, err, sizeof err), "\"%s\" parsed", c->text);
	ck_assert_str_eq(err, c->expected);
}
END_TEST

START_TEST(test_keymap_too_many_bindings)
{
	char err[256] = "";
	char line[64];
	char *text = calloc(64, 400);
	int lines = 0;

	ck_assert_ptr_nonnull(text);
	keymap_reset();
	/* Every printable character in five contexts: more bindings than fit. */
	for (int context = KEY_CONTEXT_GLOBAL; context <= KEY_CONTEXT_DETAIL; context++) {
		for (int c = '!'; c <= '~' && lines < 300; c++) {
			snprintf(line, sizeof line, "bind %s %c refresh\n",
				 key_context_name((enum key_context)context), c);
			strcat(text, line);
			lines++;
		}
	}
	ck_assert(!keymap_parse(text, err, sizeof err));
	ck_assert_msg(strstr(err, "too many bindings (at most 256)") != NULL, "%s", err);
	free(text);
}
END_TEST

struct key_name_case {
	const char *name;
	int code;
	bool function;
	const char *canonical;
};

static const struct key_name_case key_name_cases[] = {
	{ "a", 'a', false, "a" },
	{ "?", '?', false, "?" },
	{ "R", 'R', false, "R" },
	{ "Enter", '\n', false, "Enter" },
	{ "Esc", 27, false, "Esc" },
	{ "Tab", '\t', false, "Tab" },
	{ "S-Tab", KEY_BTAB, true, "S-Tab" },
	{ "Space", ' ', false, "Space" },
	{ "Backspace", KEY_BACKSPACE, true, "Backspace" },
	{ "Delete", KEY_DC, true, "Delete" },
	{ "Up", KEY_UP, true, "Up" },
	{ "PgDn", KEY_NPAGE, true, "PgDn" },
	{ "F5", KEY_F(5), true, "F5" },
	{ "F24", KEY_F(24), true, "F24" },
	{ "C-r", 18, false, "C-r" },
	{ "C-R", 18, false, "C-r" },
	/* Ctrl-M and Ctrl-J are Enter, Ctrl-H is Backspace and Ctrl-I is Tab on a terminal. */
	{ "C-m", '\n', false, "Enter" },
	{ "C-j", '\n', false, "Enter" },
	{ "C-h", KEY_BACKSPACE, true, "Backspace" },
	{ "C-i", '\t', false, "Tab" },
};

#define KEY_NAME_CASES ((int)(sizeof key_name_cases / sizeof key_name_cases[0]))

START_TEST(test_keymap_key_names_round_trip)
{
	const struct key_name_case *c = &key_name_cases[_i];
	struct key_event ev;
	char name[32];

	ck_assert_msg(keymap_key_from_name(c->name, &ev), "\"%s\" rejected", c->name);
	ck_assert_int_eq(ev.code, c->code);
	ck_assert_int_eq(ev.function, c->function);
	keymap_key_name(&ev, name, sizeof name);
	ck_assert_str_eq(name, c->canonical);
}
END_TEST

START_TEST(test_keymap_rejects_bad_key_names)
{
	static const char *const bad[] = {
		"", "ab", "F0", "F1x", "C-", "C-1", "C-ab", "é", "\x1b", "enter",
	};
	struct key_event ev;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!keymap_key_from_name(bad[i], &ev), "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(test_keymap_names_are_unique)
{
	for (int a = 0; a < ACTION_COUNT; a++) {
		for (int b = a + 1; b < ACTION_COUNT; b++)
			ck_assert_str_ne(action_name((enum action)a), action_name((enum action)b));
	}
	ck_assert_str_eq(action_name(ACTION_NONE), "none");
	ck_assert_str_eq(key_context_name(KEY_CONTEXT_DIALOG), "dialog");
	ck_assert_int_eq(lookup(KEY_CONTEXT_GLOBAL, key('?')), ACTION_HELP);
}
END_TEST

static Suite *keymap_suite(void)
{
	Suite *suite = suite_create("tui keymap");
	TCase *lookups = tcase_create("lookup");
	TCase *help = tcase_create("help");
	TCase *parse = tcase_create("parse");
	TCase *names = tcase_create("names");

	tcase_add_test(lookups, test_keymap_defaults_by_context);
	tcase_add_test(lookups, test_keymap_normalised_keys);
	tcase_add_test(lookups, test_keymap_describe_keys);
	tcase_add_test(lookups, test_keymap_describe_truncates);
	tcase_add_test(lookups, test_keymap_metrics_window_keys);
	suite_add_tcase(suite, lookups);

	tcase_add_test(help, test_keymap_help_lists_every_action_once);
	tcase_add_test(help, test_keymap_help_keys_trigger_actions);
	suite_add_tcase(suite, help);

	tcase_add_test(parse, test_keymap_override_replaces_default);
	tcase_add_test(parse, test_keymap_specific_context_shadows_inherited);
	tcase_add_test(parse, test_keymap_unbind_removes_key);
	tcase_add_test(parse, test_keymap_failed_parse_changes_nothing);
	tcase_add_test(parse, test_keymap_default_text_parses_alone);
	tcase_add_loop_test(parse, test_keymap_parse_error_messages, 0,
			    PARSE_ERROR_CASES);
	tcase_add_test(parse, test_keymap_too_many_bindings);
	suite_add_tcase(suite, parse);

	tcase_add_loop_test(names, test_keymap_key_names_round_trip, 0, KEY_NAME_CASES);
	tcase_add_test(names, test_keymap_rejects_bad_key_names);
	tcase_add_test(names, test_keymap_names_are_unique);
	suite_add_tcase(suite, names);
	return suite;
}

CHECK_MAIN(keymap_suite)
