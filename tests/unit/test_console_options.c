/* The console's command line: where the URL and the token may come from. */

#include <check.h>
#include <fcntl.h>
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

/* Parse as parse() does, with what it prints to stderr copied into out. */
static int parse_capturing_stderr(struct console_options *o, const char *const *args, char *out,
				  size_t size)
{
	char path[] = "/tmp/gatehouse-options-stderr-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);
	int status;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	status = parse(o, args);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return status;
}

static void write_token_file(const char *text, mode_t mode)
{
	FILE *f = fopen(token_path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(token_path, mode), 0);
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

START_TEST(test_token_file_fifo_rejected)
{
	char fifo_path[96], error[512], *warning = NULL;

	snprintf(fifo_path, sizeof fifo_path, "%s.fifo", token_path);
	ck_assert_int_eq(mkfifo(fifo_path, 0600), 0);
	/* Without a writer, a blocking open would never return. */
	ck_assert_ptr_null(console_read_token_file(fifo_path, &warning, error, sizeof error));
	unlink(fifo_path);
	ck_assert_msg(strstr(error, "is not a regular file") != NULL, "error \"%s\"", error);
	ck_assert_ptr_null(warning);
}
END_TEST

START_TEST(test_token_file_directory_named)
{
	char error[512], *warning = NULL;

	ck_assert_ptr_null(console_read_token_file("/tmp", &warning, error, sizeof error));
	ck_assert_str_eq(error, "the token file /tmp is a directory");
}
END_TEST

START_TEST(test_token_on_second_line_explained)
{
	char error[512], expected[256], *warning = NULL;

	write_token_file(" \nghs_secret-token\n", 0600);
	ck_assert_ptr_null(console_read_token_file(token_path, &warning, error, sizeof error));
	snprintf(expected, sizeof expected, "the first line of the token file %s is empty; put the "
		 "token on the first line", token_path);
	ck_assert_str_eq(error, expected);

	write_token_file(" \n\t\n", 0600);
	ck_assert_ptr_null(console_read_token_file(token_path, &warning, error, sizeof error));
	snprintf(expected, sizeof expected, "the token file %s is empty", token_path);
	ck_assert_str_eq(error, expected);
}
END_TEST

START_TEST(test_token_file_mode_warned)
{
	struct console_options o;
	char expected[256];
	const char *args[] = { "--url", "http://127.0.0.1:8080", "--token-file", token_path, NULL };

	ck_assert_int_eq(parse(&o, args), -1);
	ck_assert_ptr_null(o.token_warning);
	console_options_free(&o);

	ck_assert_int_eq(chmod(token_path, 0644), 0);
	ck_assert_int_eq(parse(&o, args), -1);
	ck_assert_str_eq(o.token, "ghs_secret-token");
	snprintf(expected, sizeof expected, "the token file %s is readable by other users (mode "
		 "0644); run chmod 600 %s", token_path, token_path);
	ck_assert_ptr_nonnull(o.token_warning);
	ck_assert_str_eq(o.token_warning, expected);
	console_options_free(&o);
}
END_TEST

START_TEST(test_plain_http_to_remote_rejected)
{
	static const char *const remote[] = {
		"http://broker.example:8080", "HTTP://10.0.0.5", "http://[2001:db8::1]:8080",
		"http://128.0.0.1", "http://localhost.example.com", "http://[::ffff:10.0.0.1]",
	};
	struct console_options o;
	char output[1024];

	for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++) {
		const char *args[] = { "--url", remote[i], "--token-file", token_path, NULL };
		const char *allowed[] = { "--url", remote[i], "--token-file", token_path,
					  "--insecure-http", NULL };
		ck_assert_msg(parse_capturing_stderr(&o, args, output, sizeof output) == 2,
			      "accepted %s", remote[i]);
		ck_assert_msg(strstr(output, "the token would cross the network") != NULL,
			      "%s: \"%s\"", remote[i], output);
		ck_assert_msg(strstr(output, "use https://, or add --insecure-http") != NULL,
			      "%s: \"%s\"", remote[i], output);
		ck_assert_msg(parse(&o, allowed) == -1, "%s refused with --insecure-http", remote[i]);
		ck_assert(o.insecure_http);
		console_options_free(&o);
	}
}
END_TEST

START_TEST(test_plain_http_to_loopback_accepted)
{
	static const char *const loopback[] = {
		"http://127.0.0.1:8080", "HTTP://127.0.0.1:8080", "http://127.1.2.3",
		"http://localhost:8080", "http://LOCALHOST", "http://[::1]:8080",
		"http://[::ffff:127.0.0.1]:8080", "https://broker.example", "HTTPS://10.0.0.5:8443",
	};
	struct console_options o;

	for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
		const char *args[] = { "--url", loopback[i], "--token-file", token_path, NULL };
		ck_assert_msg(parse(&o, args) == -1, "refused %s", loopback[i]);
		ck_assert(!o.insecure_http);
		console_options_free(&o);
	}
}
END_TEST

START_TEST(test_positional_argument_rejected)
{
	struct console_options o;
	const char *args[] = { "--url", "http://127.0.0.1:8080", "--token-file", token_path, "ghs_x", NULL };

	ck_assert_int_eq(parse(&o, args), 2);
}
END_TEST

START_TEST(test_insecure_names_insecure_tls)
{
	static const char *const names[] = { "--insecure", "--insecure-tls" };
	struct console_options o;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *args[] = { "--url", "https://broker.example", "--token-file", token_path,
				       names[i], NULL };
		ck_assert_msg(parse(&o, args) == -1, "%s refused", names[i]);
		ck_assert_msg(o.insecure_tls, "%s left TLS checks on", names[i]);
		ck_assert(!o.insecure_http);
		console_options_free(&o);
	}
	const char *args[] = { "--url", "https://broker.example", "--token-file", token_path, NULL };
	ck_assert_int_eq(parse(&o, args), -1);
	ck_assert(!o.insecure_tls);
	console_options_free(&o);
}
END_TEST

START_TEST(test_url_is_loopback)
{
	static const char *const loopback[] = {
		"http://127.0.0.1:8080", "https://127.9.9.9", "http://LOCALHOST:1", "http://[::1]",
		"http://[::ffff:127.0.0.1]:8080",
	};
	static const char *const remote[] = {
		"https://broker.example", "http://10.0.0.5", "http://128.0.0.1", "http://[2001:db8::1]",
		"http://localhost.example.com", "not a url",
	};

	for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++)
		ck_assert_msg(console_url_is_loopback(loopback[i]), "%s not loopback", loopback[i]);
	for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
		ck_assert_msg(!console_url_is_loopback(remote[i]), "%s loopback", remote[i]);
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
	tcase_add_test(tc, test_token_file_fifo_rejected);
	tcase_add_test(tc, test_token_file_directory_named);
	tcase_add_test(tc, test_token_on_second_line_explained);
	tcase_add_test(tc, test_token_file_mode_warned);
	tcase_add_test(tc, test_plain_http_to_remote_rejected);
	tcase_add_test(tc, test_plain_http_to_loopback_accepted);
	tcase_add_test(tc, test_insecure_names_insecure_tls);
	tcase_add_test(tc, test_url_is_loopback);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(console_options_suite)
