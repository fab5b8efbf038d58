/* The element ranges of a listing's "items" (client/json_spans.c). */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/json_spans.h"
#include "tests/support/check_main.h"

/* The elements json_member_array_spans() finds, as strings joined by '|', or "FAIL". */
static void spans_of(const char *text, size_t length, char *out, size_t size)
{
	struct json_span *spans;
	size_t count, used = 0;

	out[0] = '\0';
	if (!json_member_array_spans(text, length, "items", &spans, &count)) {
		ck_assert_ptr_null(spans);
		ck_assert_uint_eq(count, 0);
		snprintf(out, size, "FAIL");
		return;
	}
	for (size_t i = 0; i < count; i++) {
		ck_assert_uint_le(spans[i].start + spans[i].length, length);
		used += (size_t)snprintf(out + used, size - used, "%s%.*s", i ? "|" : "",
					 (int)spans[i].length, text + spans[i].start);
	}
	free(spans);
}

static const struct {
	const char *text;
	const char *expected;
} cases[] = {
	{ "{\"items\":[{\"id\":1},{\"id\":2}],\"next_cursor\":null}", "{\"id\":1}|{\"id\":2}" },
	{ " {\n \"last_seq\" : 5 ,\"items\" : [ {\"id\": 1} ,\n {\"id\": 2}\n ] } ",
	  "{\"id\": 1}|{\"id\": 2}" },
	{ "{\"items\":[]}", "" },
	{ "{\"a\":{\"items\":[9]},\"items\":[1,\"x\",null,true,-2.5e3]}", "1|\"x\"|null|true|-2.5e3" },
	{ "{\"items\":[{\"reason\":\"a ] } , [ { \\\" quote\"},[[1],[2]]]}",
	  "{\"reason\":\"a ] } , [ { \\\" quote\"}|[[1],[2]]" },
	{ "{\"s\":\"\\\\\",\"items\":[\"\\\\\"]}", "\"\\\\\"" },
	/* Where jansson could read another member than this scanner, it gives up. */
	{ "{\"items\":[1],\"items\":[2]}", "FAIL" },
	{ "{\"it\\u0065ms\":[1]}", "FAIL" },
	{ "{\"x\\\\\":1,\"items\":[1]}", "FAIL" },
	{ "{\"items\":{\"id\":1}}", "FAIL" },
	{ "{\"other\":[1]}", "FAIL" },
	{ "[{\"items\":[1]}]", "FAIL" },
	{ "{\"itemsx\":[1]}", "FAIL" },
	{ "{\"items\":[{\"id\":1},{\"id\":", "FAIL" },
	{ "{\"items\":[\"unterminated", "FAIL" },
	{ "", "FAIL" },
};

START_TEST(test_spans_of_items)
{
	char found[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		spans_of(cases[i].text, strlen(cases[i].text), found, sizeof found);
		ck_assert_msg(strcmp(found, cases[i].expected) == 0, "%s: found %s, expected %s",
			      cases[i].text, found, cases[i].expected);
	}
}
END_TEST

START_TEST(test_spans_stop_at_length)
{
	static const char text[] = "{\"items\":[1,2]}{\"items\":[3]}";
	char found[64];

	/* The text is not NUL-terminated where the length ends: nothing past it is read. */
	spans_of(text, 15, found, sizeof found);
	ck_assert_str_eq(found, "1|2");
	spans_of(text, 12, found, sizeof found);
	ck_assert_str_eq(found, "FAIL");
}
END_TEST

static Suite *json_spans_suite(void)
{
	Suite *suite = suite_create("client_json_spans");
	TCase *spans = tcase_create("spans");

	tcase_add_test(spans, test_spans_of_items);
	tcase_add_test(spans, test_spans_stop_at_length);
	suite_add_tcase(suite, spans);
	return suite;
}

CHECK_MAIN(json_spans_suite)
