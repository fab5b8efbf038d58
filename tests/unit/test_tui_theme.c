#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "tests/support/check_main.h"
#include "tests/unit/tui_test_screen.h"
#include "tui/draw.h"
#include "tui/theme.h"

static const char *const shipped_themes[] = { "default", "mono", "high-contrast" };

#define SHIPPED_THEMES ((int)(sizeof shipped_themes / sizeof shipped_themes[0]))

/* The repository root: GATEHOUSE_SOURCE from tests/unit/run.sh, else the working directory. */
static const char *source_root(void)
{
	const char *root = getenv("GATEHOUSE_SOURCE");

	return root && *root ? root : ".";
}

static char *read_file(const char *path)
{
	FILE *file = fopen(path, "r");
	struct strbuf text = STRBUF_INIT;
	char chunk[4096];
	size_t n;

	ck_assert_msg(file != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
		strbuf_append(&text, chunk, n);
	fclose(file);
	return strbuf_detach(&text);
}

static char *shipped_theme_text(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/themes/%s.theme", source_root(), name);
	return read_file(path);
}

static void write_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");

	ck_assert_msg(file != NULL, "cannot create %s", path);
	ck_assert_int_eq(fputs(text, file) >= 0, 1);
	ck_assert_int_eq(fclose(file), 0);
}

/* Make a fresh temporary directory; the caller removes what it creates in it. */
static void make_temp_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/gatehouse-theme-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void assert_style(const struct theme *t, enum theme_role role,
			 short foreground, short background, attr_t attributes)
{
	const struct theme_style *s = &t->styles[role];

	ck_assert_msg(s->foreground == foreground, "%s: foreground %d, expected %d",
		      theme_role_name(role), s->foreground, foreground);
	ck_assert_msg(s->background == background, "%s: background %d, expected %d",
		      theme_role_name(role), s->background, background);
	ck_assert_msg(s->attributes == attributes,
		      "%s: attributes %#lx, expected %#lx", theme_role_name(role),
		      (unsigned long)s->attributes, (unsigned long)attributes);
}

START_TEST(test_theme_default_file_matches_compiled)
{
	char *file = shipped_theme_text("default");

	ck_assert_str_eq(theme_default_text, file);
	free(file);
}
END_TEST

START_TEST(test_theme_shipped_theme_sets_every_role)
{
	const char *name = shipped_themes[_i];
	char *text = shipped_theme_text(name);
	struct theme theme;
	char err[256] = "";

	ck_assert_msg(theme_parse(text, &theme, err, sizeof err), "%s.theme: %s",
		      name, err);
	for (int role = 0; role < THEME_ROLE_COUNT; role++)
		ck_assert_msg(theme.set[role], "%s.theme does not set \"%s\"", name,
			      theme_role_name((enum theme_role)role));
	free(text);
}
END_TEST

/* Without colour, the roles that carry meaning must still differ from plain text. */
START_TEST(test_theme_shipped_theme_readable_without_color)
{
	const char *name = shipped_themes[_i];
	char *text = shipped_theme_text(name);
	struct theme theme;
	char err[256] = "";
	const enum theme_role must_stand_out[] = {
		THEME_SELECTED, THEME_MARKED, THEME_SELECTED_MARKED, THEME_STATUS,
		THEME_STATUS_ERROR, THEME_STATUS_WARNING, THEME_BANNER_OFFLINE,
		THEME_INPUT, THEME_HEADER,
	};

	ck_assert_msg(theme_parse(text, &theme, err, sizeof err), "%s", err);
	theme_use(&theme);
	theme_stop_color();
	ck_assert_msg(theme_attr(THEME_SELECTED) & A_REVERSE,
		      "%s: selection is not reverse video without colour", name);
	ck_assert_msg(theme_attr(THEME_SELECTED_MARKED) & A_REVERSE,
		      "%s: marked selection is not reverse video without colour", name);
	ck_assert_msg(theme_attr(THEME_MARKED) != theme_attr(THEME_NORMAL),
		      "%s: marked rows look like plain rows without colour", name);
	for (size_t i = 0; i < sizeof must_stand_out / sizeof must_stand_out[0]; i++)
		ck_assert_msg(theme_attr(must_stand_out[i]) != A_NORMAL,
			      "%s: \"%s\" has no attribute without colour", name,
			      theme_role_name(must_stand_out[i]));
	free(text);
}
END_TEST

START_TEST(test_theme_parse_valid_lines)
{
	const char *text = "# a comment\n"
			   "\n"
			   "   # an indented comment\n"
			   "selected=black cyan reverse\r\n"
			   "\ttitle =  bright-white   blue bold underline dim\n"
			   "status-error = default red";
	struct theme theme;
	char err[256] = "";

	ck_assert_msg(theme_parse(text, &theme, err, sizeof err), "%s", err);
	assert_style(&theme, THEME_SELECTED, COLOR_BLACK, COLOR_CYAN, A_REVERSE);
	assert_style(&theme, THEME_TITLE, 15, COLOR_BLUE,
		     A_BOLD | A_UNDERLINE | A_DIM);
	assert_style(&theme, THEME_STATUS_ERROR, THEME_COLOR_DEFAULT, COLOR_RED,
		     A_NORMAL);
	assert_style(&theme, THEME_NORMAL, THEME_COLOR_DEFAULT,
		     THEME_COLOR_DEFAULT, A_NORMAL);
	ck_assert(theme.set[THEME_SELECTED]);
	ck_assert(theme.set[THEME_TITLE]);
	ck_assert(!theme.set[THEME_NORMAL]);
}
END_TEST

struct parse_error_case {
	const char *text;
	const char *expected;
};

static const struct parse_error_case parse_error_cases[] = {
	{ "selected black cyan", "1:10: missing '=' after role \"selected\"" },
	{ "bogus = red blue", "1:1: unknown role \"bogus\"" },
	{ "  = red blue", "1:3: missing role name before '='" },
	{ "# comment\n\nselected = blakc cyan",
	  "3:12: unknown colour \"blakc\" (expected default, black, red, green, yellow, "
	  "blue, magenta, cyan, white or bright-NAME)" },
	{ "selected = red", "1:15: missing background colour" },
	{ "selected =", "1:11: missing foreground colour" },
	{ "selected = red blue blink",
	  "1:21: unknown attribute \"blink\" (expected bold, reverse, underline or dim)" },
	{ "selected = red blue bold = x", "1:26: unexpected '='" },
	{ "normal = red blue\nselected = red blue\n  selected = red blue",
	  "3:3: role \"selected\" is set twice" },
	{ "title = bright-purple blue", "1:9: unknown colour \"bright-purple\" (expected "
	  "default, black, red, green, yellow, blue, magenta, cyan, white or bright-NAME)" },
};

#define PARSE_ERROR_CASES ((int)(sizeof parse_error_cases / sizeof parse_error_cases[0]))

START_TEST(test_theme_parse_error_messages)
{
	const struct parse_error_case *c = &parse_error_cases[_i];
	struct theme theme;
	char err[256] = "";

	ck_assert_msg(!theme_parse(c->text, &theme, err, sizeof err),
		      "\"%s\" parsed", c->text);
	ck_assert_str_eq(err, c->expected);
}
END_TEST

START_TEST(test_theme_parse_error_truncated)
{
	struct theme theme;
	char err[8];

	ck_assert(!theme_parse("bogus = red blue", &theme, err, sizeof err));
	ck_assert_str_eq(err, "1:1: un");
}
END_TEST

START_TEST(test_theme_load_path_keeps_default_for_missing_roles)
{
	char dir[64];
	char path[128];
	struct theme theme;
	struct theme defaults;
	char err[512] = "";

	make_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/partial.theme", dir);
	write_file(path, "selected = white magenta bold\n");

	ck_assert_msg(theme_load(path, &theme, err, sizeof err), "%s", err);
	theme_default(&defaults);
	assert_style(&theme, THEME_SELECTED, COLOR_WHITE, COLOR_MAGENTA, A_BOLD);
	for (int role = 0; role < THEME_ROLE_COUNT; role++) {
		if (role == THEME_SELECTED)
			continue;
		const struct theme_style *expected = &defaults.styles[role];

		assert_style(&theme, (enum theme_role)role, expected->foreground,
			     expected->background, expected->attributes);
	}
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_theme_load_path_errors_name_file)
{
	char dir[64];
	char path[128];
	char expected[512];
	struct theme theme;
	char err[512] = "";

	make_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/broken.theme", dir);
	write_file(path, "normal = default default\nselcted = red blue\n");

	ck_assert(!theme_load(path, &theme, err, sizeof err));
	snprintf(expected, sizeof expected, "%s:2:1: unknown role \"selcted\"", path);
	ck_assert_str_eq(err, expected);

	unlink(path);
	ck_assert(!theme_load(path, &theme, err, sizeof err));
	snprintf(expected, sizeof expected, "cannot read the theme file %s: No such file or directory",
		 path);
	ck_assert_str_eq(err, expected);
	rmdir(dir);
}
END_TEST

/* A theme path that is a FIFO is rejected at once instead of waiting for a writer. */
START_TEST(test_theme_load_fifo_rejected)
{
	char dir[64];
	char path[128];
	char expected[512];
	struct theme theme;
	char err[512] = "";

	make_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/fifo.theme", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(10);
	ck_assert(!theme_load(path, &theme, err, sizeof err));
	alarm(0);
	snprintf(expected, sizeof expected, "the theme file %s is a FIFO, not a regular file", path);
	ck_assert_str_eq(err, expected);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_theme_load_name_from_config_dir)
{
	char dir[64];
	char themes[128];
	char path[192];
	struct theme theme;
	char err[512] = "";

	make_temp_dir(dir, sizeof dir);
	snprintf(themes, sizeof themes, "%s/gatehouse", dir);
	ck_assert_int_eq(mkdir(themes, 0700), 0);
	snprintf(themes, sizeof themes, "%s/gatehouse/themes", dir);
	ck_assert_int_eq(mkdir(themes, 0700), 0);
	snprintf(path, sizeof path, "%s/mine.theme", themes);
	write_file(path, "pending = bright-cyan black underline\n");
	setenv("XDG_CONFIG_HOME", dir, 1);

	ck_assert_msg(theme_load("mine", &theme, err, sizeof err), "%s", err);
	assert_style(&theme, THEME_PENDING, 14, COLOR_BLACK, A_UNDERLINE);

	unlink(path);
	rmdir(themes);
	snprintf(themes, sizeof themes, "%s/gatehouse", dir);
	rmdir(themes);
	rmdir(dir);
}
END_TEST

/* The test program runs from build/tests, so the shipped themes are found beside it. */
START_TEST(test_theme_load_name_from_source_tree)
{
	struct theme loaded;
	struct theme parsed;
	char err[512] = "";
	char *text = shipped_theme_text("high-contrast");

	setenv("XDG_CONFIG_HOME", "/nonexistent-gatehouse-config", 1);
	ck_assert_msg(theme_load("high-contrast", &loaded, err, sizeof err), "%s", err);
	ck_assert(theme_parse(text, &parsed, err, sizeof err));
	ck_assert_mem_eq(loaded.styles, parsed.styles, sizeof loaded.styles);
	free(text);
}
END_TEST

START_TEST(test_theme_load_unknown_name_lists_places)
{
	const char *expected_start =
		"theme \"no-such-theme\" not found: looked for no-such-theme.theme in "
		"/nonexistent-gatehouse-config/gatehouse/themes, " GATEHOUSE_DATADIR "/themes, ";
	struct theme theme;
	char err[1024] = "";

	setenv("XDG_CONFIG_HOME", "/nonexistent-gatehouse-config", 1);
	ck_assert(!theme_load("no-such-theme", &theme, err, sizeof err));
	ck_assert_msg(strncmp(err, expected_start, strlen(expected_start)) == 0,
		      "unexpected message: %s", err);
	ck_assert_msg(strstr(err, "/themes/no-such-theme") == NULL,
		      "the message names files, not directories: %s", err);
}
END_TEST

START_TEST(test_theme_load_rejects_bad_name)
{
	struct theme theme;
	char err[512] = "";

	ck_assert(!theme_load("..", &theme, err, sizeof err));
	ck_assert_str_eq(err, "invalid theme name \"..\": use letters, digits, '-' and '_', "
			      "or give a path that contains '/'");
	ck_assert(!theme_load("", &theme, err, sizeof err));
}
END_TEST

START_TEST(test_theme_colour_pairs_follow_roles)
{
	short foreground;
	short background;

	unsetenv("NO_COLOR");
	test_screen_start(24, 80);
	ck_assert(theme_start_color());

	attr_t selected = theme_attr(THEME_SELECTED);

	ck_assert_int_ne(PAIR_NUMBER(selected), 0);
	ck_assert_msg(!(selected & A_REVERSE), "reverse kept on a line that sets colours");
	ck_assert_int_eq(pair_content((short)PAIR_NUMBER(selected), &foreground,
				      &background), OK);
	ck_assert_int_eq(foreground, COLOR_BLACK);
	ck_assert_int_eq(background, COLOR_CYAN);

	/* "status = default default reverse": reverse is its only contrast, so it stays. */
	ck_assert(theme_attr(THEME_STATUS) & A_REVERSE);
	/* bright-yellow is colour 11 on a 256-colour terminal, without added bold. */
	ck_assert_int_eq(pair_content((short)PAIR_NUMBER(theme_attr(THEME_MARKED)),
				      &foreground, &background), OK);
	ck_assert_int_eq(foreground, 11);
	ck_assert_int_eq(background, -1);
	test_screen_stop();
}
END_TEST

START_TEST(test_theme_bright_folds_on_eight_colours)
{
	short foreground;
	short background;

	unsetenv("NO_COLOR");
	test_screen_start_term("xterm", 24, 80);
	ck_assert(theme_start_color());
	ck_assert_int_eq(COLORS, 8);

	attr_t marked = theme_attr(THEME_MARKED);

	ck_assert_int_eq(pair_content((short)PAIR_NUMBER(marked), &foreground,
				      &background), OK);
	ck_assert_int_eq(foreground, COLOR_YELLOW);
	ck_assert(marked & A_BOLD);
	test_screen_stop();
}
END_TEST

START_TEST(test_theme_no_color_makes_selection_reverse)
{
	setenv("NO_COLOR", "1", 1);
	test_screen_start(24, 80);
	ck_assert(!theme_start_color());
	ck_assert_uint_eq(theme_attr(THEME_SELECTED), A_REVERSE);
	ck_assert_int_eq(PAIR_NUMBER(theme_attr(THEME_PENDING)), 0);

	/* The drawn cells carry it too. */
	attr_t cell;

	draw_text(stdscr, 0, 0, 10, "req-1", THEME_SELECTED, TEXT_UTF8);
	ck_assert(test_screen_cell(0, 0, &cell) == L'r');
	ck_assert(cell & A_REVERSE);
	ck_assert_int_eq(PAIR_NUMBER(cell), 0);
	test_screen_stop();
}
END_TEST

START_TEST(test_theme_empty_no_color_keeps_colour)
{
	setenv("NO_COLOR", "", 1);
	test_screen_start(24, 80);
	ck_assert(theme_start_color());
	ck_assert_int_ne(PAIR_NUMBER(theme_attr(THEME_SELECTED)), 0);
	test_screen_stop();
}
END_TEST

START_TEST(test_theme_use_switches_active_theme)
{
	struct theme mono;
	char err[512] = "";

	setenv("XDG_CONFIG_HOME", "/nonexistent-gatehouse-config", 1);
	unsetenv("NO_COLOR");
	test_screen_start(24, 80);
	ck_assert(theme_start_color());
	ck_assert(!(theme_attr(THEME_SELECTED) & A_REVERSE));

	ck_assert_msg(theme_load("mono", &mono, err, sizeof err), "%s", err);
	theme_use(&mono);
	ck_assert(theme_attr(THEME_SELECTED) & A_REVERSE);
	ck_assert_int_ne(PAIR_NUMBER(theme_attr(THEME_SELECTED)), 0);

	theme_stop_color();
	ck_assert_uint_eq(theme_attr(THEME_SELECTED), A_REVERSE);
	test_screen_stop();
}
END_TEST

static Suite *theme_suite(void)
{
	Suite *suite = suite_create("tui theme");
	TCase *files = tcase_create("files");
	TCase *parse = tcase_create("parse");
	TCase *load = tcase_create("load");
	TCase *color = tcase_create("colour");

	tcase_add_test(files, test_theme_default_file_matches_compiled);
	tcase_add_loop_test(files, test_theme_shipped_theme_sets_every_role, 0,
			    SHIPPED_THEMES);
	tcase_add_loop_test(files, test_theme_shipped_theme_readable_without_color,
			    0, SHIPPED_THEMES);
	suite_add_tcase(suite, files);

	tcase_add_test(parse, test_theme_parse_valid_lines);
	tcase_add_loop_test(parse, test_theme_parse_error_messages, 0,
			    PARSE_ERROR_CASES);
	tcase_add_test(parse, test_theme_parse_error_truncated);
	suite_add_tcase(suite, parse);

	tcase_add_test(load, test_theme_load_path_keeps_default_for_missing_roles);
	tcase_add_test(load, test_theme_load_path_errors_name_file);
	tcase_add_test(load, test_theme_load_fifo_rejected);
	tcase_add_test(load, test_theme_load_name_from_config_dir);
	tcase_add_test(load, test_theme_load_name_from_source_tree);
	tcase_add_test(load, test_theme_load_unknown_name_lists_places);
	tcase_add_test(load, test_theme_load_rejects_bad_name);
	suite_add_tcase(suite, load);

	tcase_add_test(color, test_theme_colour_pairs_follow_roles);
	tcase_add_test(color, test_theme_bright_folds_on_eight_colours);
	tcase_add_test(color, test_theme_no_color_makes_selection_reverse);
	tcase_add_test(color, test_theme_empty_no_color_keeps_colour);
	tcase_add_test(color, test_theme_use_switches_active_theme);
	suite_add_tcase(suite, color);
	return suite;
}

CHECK_MAIN(theme_suite)
