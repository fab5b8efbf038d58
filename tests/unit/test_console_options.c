/* The console's command line: where the URL and the token may come from. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console/options.h"
#include "tests/support/check_main.h"

static char token_path[64];

static void setup(void)
{
	unsetenv("GATEHOUSE_URL");
	unsetenv("GATEHOUSE_TOKEN");
	unsetenv("GATEHOUSE_TOKEN_FILE");
	snprintf(token_path, sizeof token_path, "/tmp/gatehouse-options-XXXXXX");
	int fd = mkstemp(token_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "  ghs_secret-token \n", 20), 20);
	close(fd);
}

static void teardown(void)
{
	unlink(token_path);
}

/* Parse a NULL-terminated argument list. */
static int parse(struct console_options *o, const char *const *args)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = "gatehouse";
	for (int i = 0; args[i]; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	return console_options_parse(argc, argv, o);
}

START_TEST(test_token_from_file_trimmed)
{
	struct console_options o;
	const char *args[] = { "--url", "http://127.0.0.1:8080/", "--token-file", token_path, NULL };

	ck_assert_int_eq(parse(&o, args), -1);
	ck_assert_str_eq(o.token, "ghs_secret-token");
	ck_assert_str_eq(o.url, "http://127.0.0.1:8080");
	console_options_free(&o);
}
END_TEST

START_TEST(test_token_option_rejected)
{
	struct console_options o;
	const char *spaced[] = { "--url", "http://127.0.0.1:8080", "--token", "ghs_x", NULL };
	const char *joined[] = { "--url", "http://127.0.0.1:8080", "--token=ghs_x", NULL };

	/* getopt_long alone would take "--token" as "--token-file" and echo the secret as a path. */
	ck_assert_int_eq(parse(&o, spaced), 2);
	ck_assert_int_eq(parse(&o, joined), 2);
}
END_TEST

START_TEST(test_abbreviated_options_rejected)
{
	struct console_options o;
	const char *args[] = { "--ur", "http://127.0.0.1:8080", "--token-file", token_path, NULL };
	const char *read_only[] = { "--url", "http://127.0.0.1:8080", "--token-file", token_path,
				    "--read", NULL };

	ck_assert_int_eq(parse(&o, args), 2);
	ck_assert_int_eq(parse(&o, read_only), 2);
}
END_TEST

START_TEST(test_environment_supplies_both)
{
	struct console_options o;
	const char *args[] = { NULL };

	setenv("GATEHOUSE_URL", "https://broker.example", 1);
	setenv("GATEHOUSE_TOKEN", "ghs_from_environment", 1);
	ck_assert_int_eq(parse(&o, args), -1);
	ck_assert_str_eq(o.url, "https://broker.example");
	ck_assert_str_eq(o.token, "ghs_from_environment");
	console_options_free(&o);

	setenv("GATEHOUSE_TOKEN_FILE", token_path, 1);
	ck_assert_int_eq(parse(&o, args), -1);
	ck_assert_str_eq(o.token, "ghs_secret-token"); /* the file comes first */
	console_options_free(&o);
}
END_TEST

START_TEST(test_invalid_urls_rejected)
{
	struct console_options o;
	const char *ftp[] = { "--url", "ftp://127.0.0.1", "--token-file", token_path, NULL };
	const char *api[] = { "--url", "http://127.0.0.1:8080/v1/", "--token-file", token_path, NULL };
	const char *none[] = { "--token-file", token_path, NULL };

	ck_assert_int_eq(parse(&o, ftp), 2);
	ck_assert_int_eq(parse(&o, api), 2);
	ck_assert_int_eq(parse(&o, none), 2);
}
END_TEST

START_TEST(test_missing_or_empty_token_rejected)
{
	struct console_options o;
	const char *missing[] = { "--url", "http://127.0.0.1:8080", NULL };
	const char *no_file[] = { "--url", "http://127.0.0.1:8080", "--token-file", "/nonexistent", NULL };

	ck_assert_int_eq(parse(&o, missing), 2);
	ck_assert_int_eq(parse(&o, no_file), 2);

	FILE *f = fopen(token_path, "w");
	fputs("\n", f);
	fclose(f);
	const char *empty[] = { "--url", "http://127.0.0.1:8080", "--token-file", token_path, NULL };
	ck_assert_int_eq(parse(&o, empty), 2);
}
END_TEST

START_TEST(test_positional_argument_rejected)
{
	struct console_options o;
	const char *args[] = { "--url", "http://127.0.0.1:8080", "--token-file", token_path, "ghs_x", NULL };

	ck_assert_int_eq(parse(&o, args), 2);
}
END_TEST

static Suite *console_options_suite(void)
{
	Suite *s = suite_create("console_options");
	TCase *tc = tcase_create("options");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_token_from_file_trimmed);
	tcase_add_test(tc, test_token_option_rejected);
	tcase_add_test(tc, test_abbreviated_options_rejected);
	tcase_add_test(tc, test_environment_supplies_both);
	tcase_add_test(tc, test_invalid_urls_rejected);
	tcase_add_test(tc, test_missing_or_empty_token_rejected);
	tcase_add_test(tc, test_positional_argument_rejected);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(console_options_suite)
