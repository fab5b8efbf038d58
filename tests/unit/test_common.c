/* The shared helpers in common/: times, durations, the string buffer, hashing and tokens. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "tests/support/check_main.h"

START_TEST(test_rfc3339_round_trip)
{
	char text[RFC3339_LEN];
	int64_t t;

	ck_assert(time_parse_rfc3339("2026-12-04T15:11:08Z", &t));
	ck_assert_int_eq(t, 1796397068);
	time_format_rfc3339(t, text);
	ck_assert_str_eq(text, "2026-12-04T15:11:08Z");
}
END_TEST

START_TEST(test_rfc3339_offsets_and_fractions)
{
	int64_t utc, offset, fraction;

	ck_assert(time_parse_rfc3339("2026-12-04T15:11:08Z", &utc));
	ck_assert(time_parse_rfc3339("2026-12-04T16:41:08+01:30", &offset));
	ck_assert(time_parse_rfc3339("2026-12-04T15:11:08.999Z", &fraction));
	ck_assert_int_eq(offset, utc);
	ck_assert_int_eq(fraction, utc);
}
END_TEST

START_TEST(test_rfc3339_rejects_invalid)
{
	static const char *const invalid[] = {
		"", "2026-12-04", "2026-12-04T15:11:08", "2026-02-31T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-12-04T24:00:00Z", "2026-12-04T15:11:08+1:00",
		"2026-12-04T15:11:08Zjunk", "2026-12-04T15:11:08.Z",
		/* Years that four digits cannot write back, also when an offset moves them there. */
		"0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01",
	};
	int64_t t;

	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		ck_assert_msg(!time_parse_rfc3339(invalid[i], &t), "accepted \"%s\"", invalid[i]);
}
END_TEST

START_TEST(test_rfc3339_four_digit_years)
{
	char text[RFC3339_LEN];
	int64_t t, again;

	ck_assert(time_parse_rfc3339("0999-01-01T00:00:00Z", &t));
	time_format_rfc3339(t, text);
	ck_assert_str_eq(text, "0999-01-01T00:00:00Z");
	ck_assert(time_parse_rfc3339(text, &again));
	ck_assert_int_eq(again, t);
}
END_TEST

START_TEST(test_duration_parse_forms)
{
	static const struct {
		const char *text;
		int64_t seconds;
	} cases[] = {
		{ "90", 90 }, { "90s", 90 }, { "15m", 900 }, { "4h", 14400 }, { "2d", 172800 },
		{ "1h30m", 5400 }, { "0", 0 },
	};
	int64_t seconds;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(duration_parse(cases[i].text, &seconds), "rejected \"%s\"", cases[i].text);
		ck_assert_int_eq(seconds, cases[i].seconds);
	}
}
END_TEST

START_TEST(test_duration_parse_rejects)
{
	static const char *const invalid[] = { "", "h", "4x", "-5", "1h30", "4 h", "99999999999999d" };
	int64_t seconds;

	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		ck_assert_msg(!duration_parse(invalid[i], &seconds), "accepted \"%s\"", invalid[i]);
}
END_TEST

START_TEST(test_duration_format_short)
{
	char text[16];

	duration_format(45, text, sizeof text);
	ck_assert_str_eq(text, "45s");
	duration_format(12 * 60 + 5, text, sizeof text);
	ck_assert_str_eq(text, "12m");
	duration_format(3 * 3600 + 5 * 60, text, sizeof text);
	ck_assert_str_eq(text, "3h05m");
	duration_format(2 * 86400 + 4 * 3600, text, sizeof text);
	ck_assert_str_eq(text, "2d04h");
	duration_format(-5, text, sizeof text);
	ck_assert_str_eq(text, "0s");
}
END_TEST

START_TEST(test_strbuf_reserved_is_empty)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_reserve(&sb, 100);
	ck_assert_str_eq(strbuf_str(&sb), "");
	strbuf_printf(&sb, "%d-%s", 42, "x");
	strbuf_putc(&sb, '!');
	ck_assert_str_eq(strbuf_str(&sb), "42-x!");
	char *text = strbuf_detach(&sb);
	ck_assert_str_eq(text, "42-x!");
	ck_assert_ptr_null(sb.data);
	free(text);
}
END_TEST

START_TEST(test_sha256_known_vector)
{
	char hex[SHA256_HEX_LEN];

	sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(test_tokens_are_unique_and_url_safe)
{
	char first[64], second[64];

	ck_assert(token_generate(first, sizeof first));
	ck_assert(token_generate(second, sizeof second));
	ck_assert_str_ne(first, second);
	ck_assert_uint_eq(strlen(first), 4 + 43);
	ck_assert_int_eq(strncmp(first, "ghs_", 4), 0);
	ck_assert_uint_eq(strspn(first + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					    "0123456789-_"), 43);
	ck_assert(!token_generate(first, 40)); /* too small a buffer is refused, not overrun */
}
END_TEST

static Suite *common_suite(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("common");

	tcase_add_test(tc, test_rfc3339_round_trip);
	tcase_add_test(tc, test_rfc3339_offsets_and_fractions);
	tcase_add_test(tc, test_rfc3339_rejects_invalid);
	tcase_add_test(tc, test_rfc3339_four_digit_years);
	tcase_add_test(tc, test_duration_parse_forms);
	tcase_add_test(tc, test_duration_parse_rejects);
	tcase_add_test(tc, test_duration_format_short);
	tcase_add_test(tc, test_strbuf_reserved_is_empty);
	tcase_add_test(tc, test_sha256_known_vector);
	tcase_add_test(tc, test_tokens_are_unique_and_url_safe);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(common_suite)
