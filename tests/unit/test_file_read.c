/* file_read(): small user files read whole, and anything but a regular file rejected without blocking. */

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_read.h"
#include "common/strbuf.h"
#include "tests/support/check_main.h"

static char test_dir[] = "/tmp/gatehouse-file-read-XXXXXX";

static void path_in_test_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", test_dir, name);
}

static void write_file(const char *name, const char *bytes, size_t length)
{
	char path[256];
	FILE *file;

	path_in_test_dir(path, sizeof path, name);
	file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_uint_eq(fwrite(bytes, 1, length, file), length);
	ck_assert_int_eq(fclose(file), 0);
}

static void setup(void)
{
	strcpy(test_dir, "/tmp/gatehouse-file-read-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
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
	nftw(test_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Read name from the test folder with a 100-byte cap; the text and err stay with the caller. */
static enum file_read_status read_name(const char *name, unsigned flags, struct strbuf *text,
				       char *err, size_t errlen)
{
	char path[256];

	path_in_test_dir(path, sizeof path, name);
	err[0] = '\0';
	return file_read("test file", path, 100, flags, text, err, errlen);
}

START_TEST(test_file_read_whole_file)
{
	struct strbuf text = STRBUF_INIT;
	char err[256];

	strbuf_puts(&text, "kept:");
	write_file("small", "line one\nline two\n", 18);
	ck_assert_int_eq(read_name("small", FILE_READ_TEXT, &text, err, sizeof err), FILE_READ_OK);
	ck_assert_str_eq(strbuf_str(&text), "kept:line one\nline two\n");
	strbuf_free(&text);
}
END_TEST

START_TEST(test_file_read_missing)
{
	struct strbuf text = STRBUF_INIT;
	char err[256];

	ck_assert_int_eq(read_name("absent", 0, &text, err, sizeof err), FILE_READ_MISSING);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	strbuf_free(&text);
}
END_TEST

/* A FIFO with no writer: open() and read() would wait forever without O_NONBLOCK and the type check. */
START_TEST(test_file_read_fifo_rejected)
{
	struct strbuf text = STRBUF_INIT;
	char path[256];
	char err[256];

	path_in_test_dir(path, sizeof path, "fifo");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(5);
	ck_assert_int_eq(read_name("fifo", 0, &text, err, sizeof err), FILE_READ_FAILED);
	alarm(0);
	ck_assert_ptr_nonnull(strstr(err, "is a FIFO, not a regular file"));
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_uint_eq(text.len, 0);
	strbuf_free(&text);
}
END_TEST

START_TEST(test_file_read_directory_rejected)
{
	struct strbuf text = STRBUF_INIT;
	char path[256];
	char err[256];

	path_in_test_dir(path, sizeof path, "folder");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(read_name("folder", 0, &text, err, sizeof err), FILE_READ_FAILED);
	ck_assert_ptr_nonnull(strstr(err, "is a directory"));
	strbuf_free(&text);
}
END_TEST

START_TEST(test_file_read_size_capped)
{
	struct strbuf text = STRBUF_INIT;
	char bytes[101];
	char err[256];

	memset(bytes, 'x', sizeof bytes);
	write_file("exact", bytes, 100);
	ck_assert_int_eq(read_name("exact", 0, &text, err, sizeof err), FILE_READ_OK);
	ck_assert_uint_eq(text.len, 100);
	strbuf_reset(&text);
	write_file("over", bytes, 101);
	ck_assert_int_eq(read_name("over", 0, &text, err, sizeof err), FILE_READ_FAILED);
	ck_assert_ptr_nonnull(strstr(err, "is larger than 100 bytes"));
	strbuf_free(&text);
}
END_TEST

START_TEST(test_file_read_nul_byte_rejected)
{
	struct strbuf text = STRBUF_INIT;
	char err[256];

	write_file("binary", "a\0b", 3);
	ck_assert_int_eq(read_name("binary", 0, &text, err, sizeof err), FILE_READ_OK);
	ck_assert_uint_eq(text.len, 3);
	strbuf_reset(&text);
	ck_assert_int_eq(read_name("binary", FILE_READ_TEXT, &text, err, sizeof err),
			 FILE_READ_FAILED);
	ck_assert_ptr_nonnull(strstr(err, "contains a NUL byte"));
	strbuf_free(&text);
}
END_TEST

START_TEST(test_file_read_symlink_by_flag)
{
	struct strbuf text = STRBUF_INIT;
	char link_path[256];
	char err[256];

	write_file("target", "target text", 11);
	path_in_test_dir(link_path, sizeof link_path, "link");
	ck_assert_int_eq(symlink("target", link_path), 0);
	ck_assert_int_eq(read_name("link", 0, &text, err, sizeof err), FILE_READ_OK);
	ck_assert_str_eq(strbuf_str(&text), "target text");
	strbuf_reset(&text);
	ck_assert_int_eq(read_name("link", FILE_READ_NOFOLLOW, &text, err, sizeof err),
			 FILE_READ_FAILED);
	ck_assert_ptr_nonnull(strstr(err, "is a symbolic link"));
	strbuf_free(&text);
}
END_TEST

static Suite *file_read_suite(void)
{
	Suite *suite = suite_create("file_read");
	TCase *tc = tcase_create("file_read");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file_read_whole_file);
	tcase_add_test(tc, test_file_read_missing);
	tcase_add_test(tc, test_file_read_fifo_rejected);
	tcase_add_test(tc, test_file_read_directory_rejected);
	tcase_add_test(tc, test_file_read_size_capped);
	tcase_add_test(tc, test_file_read_nul_byte_rejected);
	tcase_add_test(tc, test_file_read_symlink_by_flag);
	suite_add_tcase(suite, tc);
	return suite;
}

CHECK_MAIN(file_read_suite)
