/*
 * Tests of the policy pane's parts that run without a terminal: highlighting
 * and diagnostic placement (views/policy_source.c), the editor round trip with
 * a fake editor script (views/policy_editor.c), and the policy and draft kept
 * in the cache (cache/policy.c). A stale draft saved to a file
 * (views/policy_draft.c) is tested too.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/policy.h"
#include "common/alloc.h"
#include "tests/support/check_main.h"
#include "tests/unit/test_client_support.h"
#include "views/policy.h"

static const char demo_text[] =
	"# comment\n"
	"default require 1 approval from \"owners\"\n"
	"\n"
	"rule \"no access to 4675\" {\n"
	"  when resource.id == \"4675\"\n"
	"  deny \"retired system\"\n"
	"}\n";

/* ---- Highlighting and diagnostics ---- */

START_TEST(test_lines_split_without_line_ends)
{
	struct policy_source source;
	size_t length;
	const char *line;

	policy_source_init(&source);
	policy_source_set(&source, demo_text, strlen(demo_text), NULL);
	ck_assert_uint_eq(source.line_count, 7);
	line = policy_source_line(&source, 3, &length);
	ck_assert_int_eq((int)length, (int)strlen("rule \"no access to 4675\" {"));
	ck_assert(strncmp(line, "rule \"no access to 4675\" {", length) == 0);
	policy_source_line(&source, 2, &length);
	ck_assert_uint_eq(length, 0);
	ck_assert(policy_source_clean(&source));
	policy_source_free(&source);
}
END_TEST

START_TEST(test_spans_colour_tokens)
{
	struct policy_source source;
	struct policy_span spans[16];
	size_t count;

	policy_source_init(&source);
	policy_source_set(&source, demo_text, strlen(demo_text), NULL);
	/* rule "no access to 4675" { */
	count = policy_source_line_spans(&source, 3, spans, 16);
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(spans[0].offset, 0);
	ck_assert_uint_eq(spans[0].length, 4);
	ck_assert_int_eq(spans[0].role, THEME_KEY);
	ck_assert_uint_eq(spans[1].offset, 5);
	ck_assert_int_eq(spans[1].role, THEME_APPROVED);
	ck_assert_int_eq(spans[2].role, THEME_NORMAL);
	/* # comment */
	count = policy_source_line_spans(&source, 0, spans, 16);
	ck_assert_uint_eq(count, 1);
	ck_assert_int_eq(spans[0].role, THEME_DIM);
	ck_assert_uint_eq(spans[0].length, strlen("# comment"));
	/* when resource.id == "4675" */
	count = policy_source_line_spans(&source, 4, spans, 16);
	ck_assert_uint_eq(count, 4);
	ck_assert_int_eq(spans[1].role, THEME_STANDING);
	ck_assert_uint_eq(spans[1].offset, 7);
	policy_source_free(&source);
}
END_TEST

START_TEST(test_spans_stop_at_max)
{
	struct policy_source source;
	struct policy_span spans[2];

	policy_source_init(&source);
	policy_source_set(&source, demo_text, strlen(demo_text), NULL);
	ck_assert_uint_eq(policy_source_line_spans(&source, 4, spans, 2), 2);
	ck_assert_uint_eq(policy_source_line_spans(&source, 99, spans, 2), 0);
	policy_source_free(&source);
}
END_TEST

START_TEST(test_syntax_error_placed_on_its_line)
{
	static const char broken[] =
		"default require 1 approval from \"owners\"\n"
		"rule \"x\" {\n"
		"  when resource.id == \n"
		"  allow\n"
		"}\n";
	struct policy_source source;
	const struct policy_diagnostic *d;
	size_t with_diagnostic = 0;

	policy_source_init(&source);
	policy_source_set(&source, broken, strlen(broken), NULL);
	ck_assert(!policy_source_clean(&source));
	ck_assert_uint_gt(source.diagnostics.error_count, 0);
	for (size_t line = 0; line < source.line_count; line++) {
		d = policy_source_line_diagnostic(&source, line);
		if (!d)
			continue;
		with_diagnostic++;
		ck_assert_uint_eq(d->line, line + 1);
	}
	ck_assert_uint_gt(with_diagnostic, 0);
	d = &source.diagnostics.items[0];
	ck_assert_ptr_eq(policy_source_line_diagnostic(&source, d->line - 1), d);
	ck_assert_ptr_null(policy_source_line_diagnostic(&source, 0));
	policy_source_free(&source);
}
END_TEST

START_TEST(test_error_preferred_over_warning)
{
	/* A deny with max is a warning; the same rule name twice is an error on the second. */
	static const char text[] =
		"default deny \"no\"\n"
		"rule \"a\" { deny \"x\" max 1h }\n"
		"rule \"a\" { allow }\n";
	struct policy_source source;
	const struct policy_diagnostic *d;

	policy_source_init(&source);
	policy_source_set(&source, text, strlen(text), NULL);
	ck_assert(!policy_source_clean(&source));
	d = policy_source_line_diagnostic(&source, 1);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->severity, POLICY_WARNING);
	d = policy_source_line_diagnostic(&source, 2);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->severity, POLICY_ERROR);
	policy_source_free(&source);
}
END_TEST

START_TEST(test_unknown_attribute_error_with_schema)
{
	static const char *const names[] = { "resource.id" };
	const struct policy_schema known = { names, 1 };
	static const char text[] = "default deny \"no\"\nrule \"r\" { when requester.x == \"1\" allow }\n";
	struct policy_source source;

	policy_source_init(&source);
	policy_source_set(&source, text, strlen(text), NULL);
	ck_assert(policy_source_clean(&source));
	policy_source_set(&source, text, strlen(text), &known);
	ck_assert(!policy_source_clean(&source));
	ck_assert_ptr_nonnull(policy_source_line_diagnostic(&source, 1));
	policy_source_free(&source);
}
END_TEST

/* ---- The editor round trip ---- */

static char directory[64];
static char script[128];
static char record[128];

/*
 * A fake editor: it records its arguments and the temporary file's mode, then
 * replaces the file's first line with "# edited" and keeps the rest.
 */
static void write_editor(const char *body)
{
	FILE *f;

	test_make_directory(directory, sizeof directory, "test_policy_pane");
	snprintf(script, sizeof script, "%s/editor.sh", directory);
	snprintf(record, sizeof record, "%s/record", directory);
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0700), 0);
	setenv("TMPDIR", directory, 1);
	unsetenv("EDITOR");
}

static char *read_record(void)
{
	FILE *f = fopen(record, "r");
	char *text = xcalloc(1, 4096);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge((int)fread(text, 1, 4095, f), 0);
	fclose(f);
	return text;
}

/* How many files in the test's directory start with the temporary file's prefix. */
static int temporary_files(void)
{
	char command[256];
	int count = -1;
	FILE *p;

	snprintf(command, sizeof command, "ls %s | grep -c '^gatehouse-policy-'", directory);
	p = popen(command, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &count), 1);
	pclose(p);
	return count;
}

START_TEST(test_editor_round_trip)
{
	char *edited = NULL, *recorded, visual[256], err[512] = "";
	size_t length = 0;

	write_editor("echo \"$#|$1|$2|$(stat -c %a \"$2\")\" > \"$(dirname \"$0\")/record\"\n"
		     "sed -i '1s/.*/# edited/' \"$2\"");
	snprintf(visual, sizeof visual, "%s --wait", script);
	setenv("VISUAL", visual, 1);
	ck_assert_msg(policy_editor_run(demo_text, strlen(demo_text), &edited, &length, err,
					sizeof err), "%s", err);
	ck_assert_uint_eq(length, strlen(edited));
	ck_assert(strncmp(edited, "# edited\n", 9) == 0);
	ck_assert_str_eq(edited + 9, strchr(demo_text, '\n') + 1);
	recorded = read_record();
	/* Two arguments: the word from $VISUAL and the file, which had mode 0600. */
	ck_assert_msg(strncmp(recorded, "2|--wait|", 9) == 0, "%s", recorded);
	ck_assert_msg(strstr(recorded, "/gatehouse-policy-") != NULL, "%s", recorded);
	ck_assert_msg(strstr(recorded, "|600\n") != NULL, "%s", recorded);
	ck_assert_int_eq(temporary_files(), 0);
	free(recorded);
	free(edited);
	test_remove_directory(directory);
}
END_TEST

START_TEST(test_editor_from_editor_variable)
{
	char *edited = NULL, err[512] = "";
	size_t length = 0;

	write_editor("printf 'default deny \"x\"\\n' > \"$1\"");
	unsetenv("VISUAL");
	setenv("EDITOR", script, 1);
	ck_assert_msg(policy_editor_run("old\n", 4, &edited, &length, err, sizeof err), "%s", err);
	ck_assert_str_eq(edited, "default deny \"x\"\n");
	free(edited);
	test_remove_directory(directory);
}
END_TEST

START_TEST(test_editor_failure_discards_edit)
{
	char *edited = NULL, err[512] = "";
	size_t length = 0;

	write_editor("echo changed > \"$1\"\nexit 3");
	setenv("VISUAL", script, 1);
	ck_assert(!policy_editor_run(demo_text, strlen(demo_text), &edited, &length, err, sizeof err));
	ck_assert_ptr_null(edited);
	ck_assert_msg(strstr(err, "exited with status 3") != NULL, "%s", err);
	ck_assert_int_eq(temporary_files(), 0);
	test_remove_directory(directory);
}
END_TEST

/* An editor that leaves a FIFO in place of the file must not hang the console. */
START_TEST(test_editor_fifo_rejected)
{
	char *edited = NULL, err[512] = "";
	size_t length = 0;

	write_editor("rm -f \"$1\" && mkfifo \"$1\"");
	setenv("VISUAL", script, 1);
	ck_assert(!policy_editor_run(demo_text, strlen(demo_text), &edited, &length, err, sizeof err));
	ck_assert_ptr_null(edited);
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
	test_remove_directory(directory);
}
END_TEST

START_TEST(test_editor_missing_program_explained)
{
	char *edited = NULL, err[512] = "";
	size_t length = 0;

	write_editor("exit 0");
	setenv("VISUAL", "/nonexistent/editor", 1);
	ck_assert(!policy_editor_run("x", 1, &edited, &length, err, sizeof err));
	ck_assert_msg(strstr(err, "could not be run") != NULL, "%s", err);
	ck_assert_int_eq(temporary_files(), 0);
	test_remove_directory(directory);
}
END_TEST

/* ---- The cache ---- */

START_TEST(test_cache_keeps_newest_policy)
{
	struct cache *cache;
	struct cached_policy v2 = { .version = 2, .source = (char *)"default deny \"2\"\n" };
	struct cached_policy v3 = { .version = 3, .source = (char *)"default deny \"3\"\n",
				    .published_by = (char *)"demo-admin", .published_at = 100 };
	struct cached_policy loaded;

	test_make_directory(directory, sizeof directory, "test_policy_pane");
	cache = test_open_cache(directory, "cache.db");
	ck_assert_int_eq(cache_policy_load(cache, &loaded), CACHE_NOT_FOUND);
	ck_assert(cache_policy_store(cache, &v3, 50));
	ck_assert(cache_policy_store(cache, &v2, 60));
	ck_assert_int_eq(cache_policy_load(cache, &loaded), CACHE_FOUND);
	ck_assert_int_eq(loaded.version, 3);
	ck_assert_str_eq(loaded.source, v3.source);
	ck_assert_str_eq(loaded.published_by, "demo-admin");
	ck_assert_int_eq(loaded.published_at, 100);
	ck_assert_int_eq(loaded.fetched_at, 50);
	cached_policy_free(&loaded);
	cache_close(cache);
	test_remove_directory(directory);
}
END_TEST

START_TEST(test_cache_draft_discarded_once_published)
{
	struct cache *cache;
	struct cached_policy v4 = { .version = 4, .source = (char *)"default deny \"4\"\n" };
	char *draft = NULL;
	int64_t based_on = 0;

	test_make_directory(directory, sizeof directory, "test_policy_pane");
	cache = test_open_cache(directory, "cache.db");
	ck_assert(cache_policy_set_draft(cache, "default deny \"other\"\n", 3));
	ck_assert(cache_policy_published(cache, &v4, 1));
	/* Another text was published: the draft stays. */
	ck_assert_int_eq(cache_policy_load_draft(cache, &draft, &based_on), CACHE_FOUND);
	ck_assert_str_eq(draft, "default deny \"other\"\n");
	ck_assert_int_eq(based_on, 3);
	free(draft);
	ck_assert(cache_policy_set_draft(cache, v4.source, 3));
	ck_assert(cache_policy_published(cache, &v4, 1));
	ck_assert_int_eq(cache_policy_load_draft(cache, &draft, &based_on), CACHE_NOT_FOUND);
	cache_close(cache);
	test_remove_directory(directory);
}
END_TEST

/* ---- A stale draft set aside ---- */

/* 2026-12-04T15:11:08Z */
#define SAVED_AT 1796397068

static char *read_file_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = xcalloc(1, 4096);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge((int)fread(text, 1, 4095, f), 0);
	fclose(f);
	return text;
}

START_TEST(test_draft_saved_next_to_cache)
{
	struct strbuf path = STRBUF_INIT, expected = STRBUF_INIT;
	char cache_path[128], err[512] = "";
	struct stat st;
	char *text;

	test_make_directory(directory, sizeof directory, "test_policy_pane");
	snprintf(cache_path, sizeof cache_path, "%s/cache-0123.db", directory);
	ck_assert_msg(policy_draft_save(cache_path, demo_text, 2, SAVED_AT, &path, err, sizeof err),
		      "%s", err);
	strbuf_printf(&expected, "%s/policy-draft-v2-20261204T151108Z.policy", directory);
	ck_assert_str_eq(path.data, expected.data);
	ck_assert_int_eq(stat(path.data, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	text = read_file_text(path.data);
	ck_assert_str_eq(text, demo_text);
	free(text);
	strbuf_free(&expected);
	strbuf_free(&path);
	test_remove_directory(directory);
}
END_TEST

START_TEST(test_draft_save_keeps_earlier_file)
{
	struct strbuf first = STRBUF_INIT, second = STRBUF_INIT;
	char cache_path[128], err[512] = "";
	char *text;

	test_make_directory(directory, sizeof directory, "test_policy_pane");
	snprintf(cache_path, sizeof cache_path, "%s/cache.db", directory);
	ck_assert(policy_draft_save(cache_path, "default deny \"first\"\n", 3, SAVED_AT, &first,
				    err, sizeof err));
	ck_assert(policy_draft_save(cache_path, "default deny \"second\"\n", 3, SAVED_AT, &second,
				    err, sizeof err));
	ck_assert_str_ne(first.data, second.data);
	ck_assert_msg(strstr(second.data, "policy-draft-v3-20261204T151108Z-2.policy") != NULL,
		      "%s", second.data);
	text = read_file_text(first.data);
	ck_assert_str_eq(text, "default deny \"first\"\n");
	free(text);
	text = read_file_text(second.data);
	ck_assert_str_eq(text, "default deny \"second\"\n");
	free(text);
	strbuf_free(&first);
	strbuf_free(&second);
	test_remove_directory(directory);
}
END_TEST

START_TEST(test_draft_save_failure_explained)
{
	struct strbuf path = STRBUF_INIT;
	char cache_path[160], err[512] = "";

	test_make_directory(directory, sizeof directory, "test_policy_pane");
	snprintf(cache_path, sizeof cache_path, "%s/missing/cache.db", directory);
	ck_assert(!policy_draft_save(cache_path, demo_text, 2, SAVED_AT, &path, err, sizeof err));
	ck_assert_msg(strstr(err, "/missing/policy-draft-v2-") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
	strbuf_free(&path);
	test_remove_directory(directory);
}
END_TEST

static Suite *policy_pane_suite(void)
{
	Suite *suite = suite_create("policy_pane");
	TCase *source = tcase_create("source");
	TCase *editor = tcase_create("editor");
	TCase *cache = tcase_create("cache");
	TCase *draft = tcase_create("draft");

	tcase_add_test(source, test_lines_split_without_line_ends);
	tcase_add_test(source, test_spans_colour_tokens);
	tcase_add_test(source, test_spans_stop_at_max);
	tcase_add_test(source, test_syntax_error_placed_on_its_line);
	tcase_add_test(source, test_error_preferred_over_warning);
	tcase_add_test(source, test_unknown_attribute_error_with_schema);
	suite_add_tcase(suite, source);
	tcase_add_test(editor, test_editor_round_trip);
	tcase_add_test(editor, test_editor_from_editor_variable);
	tcase_add_test(editor, test_editor_failure_discards_edit);
	tcase_add_test(editor, test_editor_missing_program_explained);
	tcase_add_test(editor, test_editor_fifo_rejected);
	suite_add_tcase(suite, editor);
	tcase_add_test(cache, test_cache_keeps_newest_policy);
	tcase_add_test(cache, test_cache_draft_discarded_once_published);
	suite_add_tcase(suite, cache);
	tcase_add_test(draft, test_draft_saved_next_to_cache);
	tcase_add_test(draft, test_draft_save_keeps_earlier_file);
	tcase_add_test(draft, test_draft_save_failure_explained);
	suite_add_tcase(suite, draft);
	return suite;
}

CHECK_MAIN(policy_pane_suite)
