/* The console's config file, named brokers, key overrides, theme folders and gatehouse paths. */

#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache.h"
#include "common/strbuf.h"
#include "console/cli_paths.h"
#include "console/config.h"
#include "console/options.h"
#include "tests/support/check_main.h"
#include "tests/unit/tui_test_screen.h"
#include "tui/keymap.h"
#include "tui/theme.h"

static const char *const shipped_themes[] = { "default", "light", "high-contrast", "mono" };

#define SHIPPED_THEMES ((int)(sizeof shipped_themes / sizeof shipped_themes[0]))

static char test_dir[64];

static void path_in_test_dir(char *out, size_t size, const char *name)
{
	int length = snprintf(out, size, "%s/%s", test_dir, name);

	ck_assert(length > 0 && (size_t)length < size);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *file;

	path_in_test_dir(path, sizeof path, name);
	file = fopen(path, "w");
	ck_assert_msg(file != NULL, "cannot create %s", path);
	ck_assert(fputs(text, file) >= 0);
	ck_assert_int_eq(fclose(file), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void make_dir(const char *name)
{
	char path[PATH_MAX];

	path_in_test_dir(path, sizeof path, name);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

static void set_dir_variable(const char *variable, const char *name)
{
	char path[PATH_MAX];

	path_in_test_dir(path, sizeof path, name);
	ck_assert_int_eq(setenv(variable, path, 1), 0);
}

static void setup(void)
{
	snprintf(test_dir, sizeof test_dir, "/tmp/gatehouse-config-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	make_dir("home");
	make_dir("config");
	make_dir("config/gatehouse");
	set_dir_variable("HOME", "home");
	set_dir_variable("XDG_CONFIG_HOME", "config");
	set_dir_variable("XDG_STATE_HOME", "state");
	set_dir_variable("XDG_CACHE_HOME", "cache");
	unsetenv("GATEHOUSE_CONFIG");
	unsetenv("GATEHOUSE_URL");
	unsetenv("GATEHOUSE_TOKEN");
	unsetenv("GATEHOUSE_TOKEN_FILE");
	write_file("prod.token", "prod-secret\n", 0600);
	write_file("staging.token", "staging-secret\n", 0600);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	nftw(test_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A config like the example in docs/CONFIG.md, with the test's token files; line 12 binds A. */
static void write_example_config(void)
{
	struct strbuf text = STRBUF_INIT;

	strbuf_printf(&text,
		      "theme = mono\n"
		      "broker = staging            # the broker used when --broker is not given\n"
		      "[broker staging]\n"
		      "url = http://127.0.0.1:9001\n"
		      "token-file = %s/staging.token\n"
		      "[broker prod]\n"
		      "url = http://127.0.0.1:9002/\n"
		      "token-file = %s/prod.token\n"
		      "cache = ~/prod.db\n"
		      "theme = high-contrast\n"
		      "[keys]\n"
		      "bind pending A approve   # a capital A approves too\n",
		      test_dir, test_dir);
	write_file("config/gatehouse/config", text.data, 0600);
	strbuf_free(&text);
}

/* Parse a NULL-terminated argument list with the console's options parser. */
static int parse_options(struct console_options *o, const char *const *args)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = "gatehouse";
	for (int i = 0; args[i]; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	return console_options_parse(argc, argv, o);
}

/* Run fn(argc, argv) with stdout (or stderr) copied into out. */
static int run_capturing(int fd_to_capture, int (*fn)(int, char **), int argc, char **argv,
			 char *out, size_t size)
{
	char path[] = "/tmp/gatehouse-config-output-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(fd_to_capture);
	int status;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	fflush(stdout);
	fflush(stderr);
	dup2(fd, fd_to_capture);
	status = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, fd_to_capture);
	close(saved);
	n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return status;
}

static int parse_options_main(int argc, char **argv)
{
	struct console_options o;
	int status = console_options_parse(argc, argv, &o);

	if (status < 0)
		console_options_free(&o);
	return status;
}

START_TEST(test_config_example_parsed)
{
	struct console_config config;
	const struct config_broker *broker;
	char err[512] = "";
	char expected[PATH_MAX];

	write_example_config();
	ck_assert_msg(console_config_load(NULL, &config, err, sizeof err), "%s", err);
	ck_assert(config.exists);
	ck_assert_str_eq(config.top.theme, "mono");
	ck_assert_str_eq(config.default_broker, "staging");
	ck_assert_uint_eq(config.broker_count, 2);

	ck_assert(console_config_select_broker(&config, NULL, &broker, err, sizeof err));
	ck_assert_str_eq(broker->name, "staging");
	ck_assert_str_eq(broker->settings.url, "http://127.0.0.1:9001");
	ck_assert_ptr_null(broker->settings.theme);
	ck_assert_str_eq(CONSOLE_CONFIG_VALUE(&config, broker, theme), "mono");

	ck_assert(console_config_select_broker(&config, "prod", &broker, err, sizeof err));
	ck_assert_str_eq(broker->settings.theme, "high-contrast");
	snprintf(expected, sizeof expected, "%s/home/prod.db", test_dir);
	ck_assert_str_eq(broker->settings.cache_path, expected);

	/* Every line but the binding is blank, so keymap_parse() counts the file's lines. */
	ck_assert_str_eq(config.keys_text, "\n\n\n\n\n\n\n\n\n\n\nbind pending A approve\n");
	console_config_free(&config);
}
END_TEST

START_TEST(test_config_errors_name_file_line)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "theme = mono\ncolour = red\n", "test.conf:2: unknown key \"colour\" at the top level" },
		{ "[broker a]\nurl = http://127.0.0.1:1\n[brokers]\n", "test.conf:3: unknown section [brokers]" },
		{ "[broker a]\nbroker = b\n", "test.conf:2: unknown key \"broker\" in a [broker] section" },
		{ "cache = /tmp/x.db\n", "test.conf:1: cache belongs in a [broker NAME] section" },
		{ "broker = prod\n[broker staging]\n", "test.conf:1: broker = prod names no [broker prod] section" },
		{ "[broker a]\n[broker a]\n", "test.conf:2: [broker a] appears twice" },
		{ "[broker a]\nurl = x\nurl = y\n", "test.conf:3: url is set twice" },
		{ "theme =\n", "test.conf:1: missing value for theme" },
		{ "\n\njust words\n", "test.conf:3: expected KEY = VALUE" },
		{ "[keys\n", "test.conf:1: missing ']'" },
		{ "[broker a b]\n", "test.conf:1: invalid broker name \"a b\"" },
	};
	struct console_config config;
	char err[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(!console_config_parse("test.conf", cases[i].text, &config, err, sizeof err),
			      "case %zu was accepted", i);
		ck_assert_msg(strncmp(err, cases[i].message, strlen(cases[i].message)) == 0,
			      "case %zu: expected \"%s...\", got \"%s\"", i, cases[i].message, err);
	}
}
END_TEST

START_TEST(test_config_unknown_broker_lists_known)
{
	char output[1024];
	char *argv[] = { "gatehouse", "--broker", "production", NULL };

	write_example_config();
	ck_assert_int_eq(run_capturing(STDERR_FILENO, parse_options_main, 3, argv, output,
				       sizeof output), 2);
	ck_assert_msg(strstr(output, "unknown broker \"production\"") != NULL, "%s", output);
	ck_assert_msg(strstr(output, "defines staging, prod") != NULL, "%s", output);
}
END_TEST

START_TEST(test_config_missing_files)
{
	struct console_config config;
	char err[512] = "";
	char path[PATH_MAX];

	/* No default file is not an error: the console runs without one. */
	ck_assert_msg(console_config_load(NULL, &config, err, sizeof err), "%s", err);
	ck_assert(!config.exists);
	ck_assert_ptr_null(config.keys_text);
	console_config_free(&config);

	/* A file named with --config or GATEHOUSE_CONFIG must exist. */
	path_in_test_dir(path, sizeof path, "nowhere.conf");
	ck_assert(!console_config_load(path, &config, err, sizeof err));
	ck_assert_msg(strstr(err, "cannot read the config file") != NULL, "%s", err);
	ck_assert_int_eq(setenv("GATEHOUSE_CONFIG", path, 1), 0);
	ck_assert(!console_config_load(NULL, &config, err, sizeof err));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
}
END_TEST

START_TEST(test_options_precedence)
{
	struct console_options o;
	const char *defaults[] = { NULL };
	const char *prod[] = { "--broker", "prod", NULL };
	const char *prod_with_theme[] = { "--broker", "prod", "--theme", "light", NULL };
	char token_path[PATH_MAX];

	write_example_config();

	/* The top level's broker = staging, and the top level's theme under it. */
	ck_assert_int_eq(parse_options(&o, defaults), -1);
	ck_assert_str_eq(o.url, "http://127.0.0.1:9001");
	ck_assert_str_eq(o.token, "staging-secret");
	ck_assert_str_eq(o.theme, "mono");
	ck_assert_ptr_null(o.cache_path);
	ck_assert_ptr_nonnull(o.keys_text);
	console_options_free(&o);

	/* The named section's values over the top level's. */
	ck_assert_int_eq(parse_options(&o, prod), -1);
	ck_assert_str_eq(o.url, "http://127.0.0.1:9002");
	ck_assert_str_eq(o.token, "prod-secret");
	ck_assert_str_eq(o.theme, "high-contrast");
	ck_assert_ptr_nonnull(strstr(o.cache_path, "/home/prod.db"));
	console_options_free(&o);

	/* The command line over the section. */
	ck_assert_int_eq(parse_options(&o, prod_with_theme), -1);
	ck_assert_str_eq(o.theme, "light");
	console_options_free(&o);

	/* The environment over the section: both the URL and the token file. */
	path_in_test_dir(token_path, sizeof token_path, "staging.token");
	ck_assert_int_eq(setenv("GATEHOUSE_URL", "http://127.0.0.1:9003", 1), 0);
	ck_assert_int_eq(setenv("GATEHOUSE_TOKEN_FILE", token_path, 1), 0);
	ck_assert_int_eq(parse_options(&o, prod), -1);
	ck_assert_str_eq(o.url, "http://127.0.0.1:9003");
	ck_assert_str_eq(o.token, "staging-secret");
	ck_assert_str_eq(o.theme, "high-contrast");
	/* The section's cache holds another broker's data. */
	ck_assert_ptr_null(o.cache_path);
	console_options_free(&o);
}
END_TEST

START_TEST(test_config_token_stays_with_config_url)
{
	char output[1024];
	char *argv[] = { "gatehouse", "--broker", "prod", NULL };
	char *with_url[] = { "gatehouse", "--broker", "prod", "--url", "http://127.0.0.1:9004", NULL };

	write_example_config();
	ck_assert_int_eq(setenv("GATEHOUSE_URL", "http://127.0.0.1:9003", 1), 0);
	ck_assert_int_eq(run_capturing(STDERR_FILENO, parse_options_main, 3, argv, output,
				       sizeof output), 2);
	ck_assert_msg(strstr(output, "give --token-file FILE as well") != NULL, "%s", output);
	ck_assert_msg(strstr(output, "prod-secret") == NULL, "the token was printed: %s", output);
	unsetenv("GATEHOUSE_URL");
	ck_assert_int_eq(run_capturing(STDERR_FILENO, parse_options_main, 5, with_url, output,
				       sizeof output), 2);
	ck_assert_msg(strstr(output, "give --token-file FILE as well") != NULL, "%s", output);
}
END_TEST

START_TEST(test_config_token_file_mode_warned)
{
	struct console_options o;
	const char *args[] = { "--broker", "prod", NULL };
	char token_path[PATH_MAX];

	write_example_config();
	path_in_test_dir(token_path, sizeof token_path, "prod.token");
	ck_assert_int_eq(chmod(token_path, 0640), 0);
	ck_assert_int_eq(parse_options(&o, args), -1);
	ck_assert_ptr_nonnull(o.token_warning);
	ck_assert_ptr_nonnull(strstr(o.token_warning, token_path));
	ck_assert_ptr_nonnull(strstr(o.token_warning, "chmod 600"));
	console_options_free(&o);
}
END_TEST

static enum action lookup_key(enum key_context context, const char *name)
{
	struct key_event key;

	ck_assert_msg(keymap_key_from_name(name, &key), "not a key: %s", name);
	return keymap_lookup(context, &key);
}

START_TEST(test_keys_file_then_config)
{
	struct console_options o;
	const char *args[] = { NULL };
	char err[512] = "";
	char config_path[PATH_MAX];

	write_example_config();
	write_file("config/gatehouse/keymap", "bind pending A deny\nbind pending Z deny\n", 0600);
	ck_assert_int_eq(parse_options(&o, args), -1);
	ck_assert_msg(console_config_load_keys(o.config_path, o.keys_text, err, sizeof err), "%s",
		      err);
	/* The config's [keys] comes after the keymap file, so its binding of A wins. */
	ck_assert_int_eq(lookup_key(KEY_CONTEXT_PENDING, "A"), ACTION_APPROVE);
	ck_assert_int_eq(lookup_key(KEY_CONTEXT_PENDING, "Z"), ACTION_DENY);
	ck_assert_int_eq(lookup_key(KEY_CONTEXT_PENDING, "a"), ACTION_APPROVE);
	console_options_free(&o);

	write_file("config/gatehouse/keymap", "bind pending A no-such-action\n", 0600);
	ck_assert(!console_config_load_keys(NULL, NULL, err, sizeof err));
	ck_assert_msg(strstr(err, "/config/gatehouse/keymap:1:") != NULL, "%s", err);

	write_file("config/gatehouse/keymap", "bind pending Z deny\n", 0600);
	path_in_test_dir(config_path, sizeof config_path, "config/gatehouse/config");
	ck_assert(!console_config_load_keys(config_path, "\n\nbind nowhere A approve\n", err,
					    sizeof err));
	ck_assert_msg(strstr(err, "config/gatehouse/config:3:") != NULL, "%s", err);
	/* A failed load leaves the default bindings, without the keymap file's. */
	ck_assert_int_eq(lookup_key(KEY_CONTEXT_PENDING, "Z"), ACTION_NONE);
	ck_assert_int_eq(lookup_key(KEY_CONTEXT_PENDING, "A"), ACTION_NONE);
}
END_TEST

/* The line of output that starts with name and ": ", or fail. */
static void expect_line(const char *output, const char *name, const char *value)
{
	struct strbuf line = STRBUF_INIT;

	strbuf_printf(&line, "\n%s: %s\n", name, value);
	ck_assert_msg(strstr(output, line.data) != NULL || strncmp(output, line.data + 1,
		      line.len - 1) == 0, "no line \"%s: %s\" in:\n%s", name, value, output);
	strbuf_free(&line);
}

START_TEST(test_paths_lists_resolved_files)
{
	char output[4096];
	char expected[PATH_MAX];
	char *argv[] = { "paths", NULL };
	char *prod[] = { "paths", "--broker", "prod", NULL };
	char *cache;

	write_example_config();
	ck_assert_int_eq(run_capturing(STDOUT_FILENO, cli_paths_run, 1, argv, output, sizeof output),
			 0);
	snprintf(expected, sizeof expected, "%s/config/gatehouse/config", test_dir);
	expect_line(output, "config-file", expected);
	snprintf(expected, sizeof expected, "%s/config/gatehouse", test_dir);
	expect_line(output, "config-dir", expected);
	snprintf(expected, sizeof expected, "%s/config/gatehouse/themes (does not exist)", test_dir);
	expect_line(output, "user-themes-dir", expected);
	snprintf(expected, sizeof expected, "%s/state/gatehouse/history (does not exist)", test_dir);
	expect_line(output, "history-file", expected);
	snprintf(expected, sizeof expected, "%s/config/gatehouse/keymap (does not exist)", test_dir);
	expect_line(output, "keymap-file", expected);
	snprintf(expected, sizeof expected, "%s/staging.token", test_dir);
	expect_line(output, "token-file", expected);
	/* The default cache file is named from the URL and the token, as the console names it. */
	cache = cache_default_path("http://127.0.0.1:9001", "staging-secret");
	snprintf(expected, sizeof expected, "%s (does not exist)", cache);
	expect_line(output, "cache-file", expected);
	free(cache);
	ck_assert_msg(strstr(output, "secret") == NULL, "a token was printed:\n%s", output);

	ck_assert_int_eq(run_capturing(STDOUT_FILENO, cli_paths_run, 3, prod, output, sizeof output),
			 0);
	snprintf(expected, sizeof expected, "%s/home/prod.db (does not exist)", test_dir);
	expect_line(output, "cache-file", expected);
	snprintf(expected, sizeof expected, "%s/prod.token", test_dir);
	expect_line(output, "token-file", expected);
}
END_TEST

START_TEST(test_paths_rejects_unknown_broker)
{
	char output[1024];
	char *argv[] = { "paths", "--broker", "nope", NULL };
	char *abbreviated[] = { "paths", "--token", "secret-value", NULL };

	write_example_config();
	ck_assert_int_eq(run_capturing(STDERR_FILENO, cli_paths_run, 3, argv, output,
				       sizeof output), 2);
	ck_assert_msg(strstr(output, "unknown broker \"nope\"") != NULL, "%s", output);
	/* getopt_long would read --token as --token-file and print its value as a path. */
	ck_assert_int_eq(run_capturing(STDERR_FILENO, cli_paths_run, 3, abbreviated, output,
				       sizeof output), 2);
	ck_assert_msg(strstr(output, "secret-value") == NULL, "%s", output);
}
END_TEST

/* Config, keymap and token files that are FIFOs are rejected at once, never waited on. */
START_TEST(test_config_fifos_rejected)
{
	struct console_config config;
	char path[PATH_MAX];
	char err[512] = "";
	char *warning = NULL;

	path_in_test_dir(path, sizeof path, "config.fifo");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(10);
	ck_assert(!console_config_load(path, &config, err, sizeof err));
	ck_assert_msg(strstr(err, "config.fifo is a FIFO, not a regular file") != NULL, "%s", err);
	ck_assert_ptr_null(console_read_token_file(path, &warning, err, sizeof err));
	ck_assert_msg(strstr(err, "is not a regular file") != NULL, "%s", err);

	path_in_test_dir(path, sizeof path, "config/gatehouse/keymap");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert(!console_config_load_keys(NULL, NULL, err, sizeof err));
	ck_assert_msg(strstr(err, "keymap is a FIFO, not a regular file") != NULL, "%s", err);
	alarm(0);
}
END_TEST

/* gatehouse paths exits 2 for a config that the console rejects, with any escape sanitized. */
START_TEST(test_paths_rejects_bad_keys)
{
	char output[1024];
	char *argv[] = { "paths", NULL };

	write_file("config/gatehouse/config", "[keys]\nbind pending \033]52;c;QQ\007 approve\n", 0600);
	ck_assert_int_eq(run_capturing(STDERR_FILENO, cli_paths_run, 1, argv, output,
				       sizeof output), 2);
	ck_assert_msg(strstr(output, "config/gatehouse/config:2:") != NULL, "%s", output);
	ck_assert_msg(strchr(output, '\033') == NULL, "a raw ESC reached stderr: %s", output);
	ck_assert_msg(strchr(output, '\007') == NULL, "a raw BEL reached stderr: %s", output);
}
END_TEST

/* A path from an XDG variable is printed sanitized. */
START_TEST(test_paths_sanitizes_paths)
{
	char output[4096];
	char *argv[] = { "paths", NULL };

	ck_assert_int_eq(setenv("XDG_STATE_HOME", "/tmp/\033]52;c;QQ\007", 1), 0);
	ck_assert_int_eq(run_capturing(STDOUT_FILENO, cli_paths_run, 1, argv, output,
				       sizeof output), 0);
	ck_assert_msg(strstr(output, "history-file: /tmp/") != NULL, "%s", output);
	ck_assert_msg(strchr(output, '\033') == NULL, "a raw ESC reached stdout: %s", output);
	ck_assert_msg(strchr(output, '\007') == NULL, "a raw BEL reached stdout: %s", output);
}
END_TEST

/* The test program runs from build/tests, so the shipped themes are found above it. */
START_TEST(test_theme_user_dir_first)
{
	struct theme theme;
	char err[512] = "";

	ck_assert_msg(theme_load("light", &theme, err, sizeof err), "%s", err);
	ck_assert_int_eq(theme.styles[THEME_NORMAL].foreground, COLOR_BLACK);

	make_dir("config/gatehouse/themes");
	write_file("config/gatehouse/themes/light.theme", "normal = red default\n", 0600);
	ck_assert_msg(theme_load("light", &theme, err, sizeof err), "%s", err);
	ck_assert_int_eq(theme.styles[THEME_NORMAL].foreground, COLOR_RED);
}
END_TEST

/* Each shipped theme, on 8 and on 16 colours, uses only colours the terminal has. */
START_TEST(test_theme_shipped_fits_terminal_colours)
{
	static const char *const terms[] = { "xterm", "xterm-16color" };
	const char *name = shipped_themes[_i];
	struct theme theme;
	char err[512] = "";
	short foreground, background;

	unsetenv("NO_COLOR");
	ck_assert_msg(theme_load(name, &theme, err, sizeof err), "%s", err);
	for (size_t t = 0; t < sizeof terms / sizeof terms[0]; t++) {
		test_screen_start_term(terms[t], 24, 80);
		theme_use(&theme);
		ck_assert_msg(theme_start_color(), "%s: no colour on %s", name, terms[t]);
		for (int role = 0; role < THEME_ROLE_COUNT; role++) {
			attr_t attributes = theme_attr((enum theme_role)role);
			short want = theme.styles[role].foreground;

			ck_assert_int_eq(pair_content((short)PAIR_NUMBER(attributes), &foreground,
						      &background), OK);
			ck_assert_msg(foreground < COLORS && background < COLORS,
				      "%s on %s: role %s uses colour %d/%d of %d", name, terms[t],
				      theme_role_name((enum theme_role)role), foreground, background,
				      COLORS);
			if (want != THEME_COLOR_DEFAULT)
				ck_assert_msg(foreground == (want >= COLORS ? want - 8 : want),
					      "%s on %s: role %s has foreground %d for colour %d", name,
					      terms[t], theme_role_name((enum theme_role)role),
					      foreground, want);
			/* A bright foreground folded to its base colour keeps apart from it by bold. */
			if (COLORS < 16 && want >= 8)
				ck_assert_msg(attributes & A_BOLD, "%s on %s: folded %s is not bold", name,
					      terms[t], theme_role_name((enum theme_role)role));
		}
		test_screen_stop();
	}
}
END_TEST

static Suite *console_config_suite(void)
{
	Suite *suite = suite_create("console_config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_example_parsed);
	tcase_add_test(tc, test_config_errors_name_file_line);
	tcase_add_test(tc, test_config_unknown_broker_lists_known);
	tcase_add_test(tc, test_config_missing_files);
	tcase_add_test(tc, test_options_precedence);
	tcase_add_test(tc, test_config_token_stays_with_config_url);
	tcase_add_test(tc, test_config_token_file_mode_warned);
	tcase_add_test(tc, test_keys_file_then_config);
	tcase_add_test(tc, test_config_fifos_rejected);
	tcase_add_test(tc, test_paths_rejects_bad_keys);
	tcase_add_test(tc, test_paths_sanitizes_paths);
	tcase_add_test(tc, test_paths_lists_resolved_files);
	tcase_add_test(tc, test_paths_rejects_unknown_broker);
	tcase_add_test(tc, test_theme_user_dir_first);
	tcase_add_loop_test(tc, test_theme_shipped_fits_terminal_colours, 0, SHIPPED_THEMES);
	suite_add_tcase(suite, tc);
	return suite;
}

CHECK_MAIN(console_config_suite)
