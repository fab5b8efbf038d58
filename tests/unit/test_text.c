#include <check.h>
#include <jansson.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "common/strbuf.h"
#include "tests/support/check_main.h"
#include "tui/text.h"

#define FIXTURE_PATH "tests/fixtures/hostile-strings.json"
#define MAX_FIT_COLUMNS 60

/* UTF-8 spellings of the ellipsis and of U+FFFD, for expected outputs. */
#define ELLIPSIS "\u2026"
#define REPLACEMENT "\xEF\xBF\xBD"

/* wcwidth(), and so text_width(), needs a UTF-8 LC_CTYPE. */
static void use_utf8_locale(void)
{
	ck_assert_msg(setlocale(LC_ALL, "C.UTF-8") != NULL,
		      "setlocale(LC_ALL, \"C.UTF-8\") failed: install the C.UTF-8 locale");
}

static char *sanitize(const char *input, size_t len, enum text_charset charset,
		      size_t *placeholders)
{
	struct strbuf out = STRBUF_INIT;
	size_t count = text_sanitize(input, len, charset, &out);

	if (placeholders)
		*placeholders = count;
	return strbuf_detach(&out);
}

static char *fit(const char *sanitized, int columns, enum text_charset charset)
{
	struct strbuf out = STRBUF_INIT;

	text_fit(sanitized, columns, charset, &out);
	return strbuf_detach(&out);
}

static char *fit_right(const char *sanitized, int columns,
		       enum text_charset charset)
{
	struct strbuf out = STRBUF_INIT;

	text_fit_right(sanitized, columns, charset, &out);
	return strbuf_detach(&out);
}

static const char *charset_name(enum text_charset charset)
{
	return charset == TEXT_UTF8 ? "UTF-8" : "ASCII";
}

/*
 * Check that bytes are well-formed UTF-8. It decodes first and then rejects
 * overlong forms, surrogates and values above U+10FFFF, so it does not share
 * the lead-byte tables of tui/text.c.
 */
static bool is_valid_utf8(const unsigned char *bytes, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		unsigned char lead = bytes[pos];
		size_t length;
		uint32_t cp;
		uint32_t minimum;

		if (lead < 0x80) {
			pos++;
			continue;
		} else if ((lead & 0xE0) == 0xC0) {
			length = 2;
			cp = lead & 0x1Fu;
			minimum = 0x80;
		} else if ((lead & 0xF0) == 0xE0) {
			length = 3;
			cp = lead & 0x0Fu;
			minimum = 0x800;
		} else if ((lead & 0xF8) == 0xF0) {
			length = 4;
			cp = lead & 0x07u;
			minimum = 0x10000;
		} else {
			return false;
		}
		if (len - pos < length)
			return false;
		for (size_t i = 1; i < length; i++) {
			if ((bytes[pos + i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (bytes[pos + i] & 0x3Fu);
		}
		if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		pos += length;
	}
	return true;
}

/* UTF-8 encodings that must never reach the terminal: a prefix and a range for the last byte. */
struct forbidden_encoding {
	const char *description;
	const char *prefix;
	unsigned char last_min;
	unsigned char last_max;
};

static const struct forbidden_encoding forbidden_encodings[] = {
	{ "C1 control", "\xC2", 0x80, 0x9F },
	{ "U+00AD soft hyphen", "\xC2", 0xAD, 0xAD },
	{ "U+061C arabic letter mark", "\xD8", 0x9C, 0x9C },
	{ "U+200B..U+200F zero-width or direction mark", "\xE2\x80", 0x8B, 0x8F },
	{ "U+2028..U+202E separator, embedding or override", "\xE2\x80", 0xA8, 0xAE },
	{ "U+2060..U+2064 word joiner or invisible operator", "\xE2\x81", 0xA0, 0xA4 },
	{ "U+2066..U+2069 bidi isolate", "\xE2\x81", 0xA6, 0xA9 },
	{ "U+FE00..U+FE0F variation selector", "\xEF\xB8", 0x80, 0x8F },
	{ "U+FEFF zero-width no-break space", "\xEF\xBB", 0xBF, 0xBF },
};

static const struct forbidden_encoding *find_forbidden_encoding(const char *text)
{
	size_t count = sizeof forbidden_encodings / sizeof forbidden_encodings[0];

	for (const char *p = text; *p; p++) {
		for (size_t i = 0; i < count; i++) {
			const struct forbidden_encoding *f = &forbidden_encodings[i];
			size_t prefix_len = strlen(f->prefix);

			if (strncmp(p, f->prefix, prefix_len) != 0)
				continue;
			/* The prefix matched, so p[prefix_len] is at most the terminating NUL. */
			unsigned char last = (unsigned char)p[prefix_len];

			if (last >= f->last_min && last <= f->last_max)
				return f;
		}
	}
	return NULL;
}

static bool contains_control_byte(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p < 0x20 || *p == 0x7F)
			return true;
	}
	return false;
}

static bool contains_non_ascii_byte(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p >= 0x80)
			return true;
	}
	return false;
}

/* Terminal columns by glibc's own decoder and wcswidth(), as ncursesw counts them. */
static int columns_by_libc(const char *text)
{
	size_t count = mbstowcs(NULL, text, 0);

	ck_assert_msg(count != (size_t)-1, "mbstowcs rejected \"%s\"", text);
	wchar_t *wide = calloc(count + 1, sizeof *wide);

	ck_assert_ptr_nonnull(wide);
	mbstowcs(wide, text, count + 1);
	int width = wcswidth(wide, count);

	free(wide);
	return width;
}

static void assert_terminal_safe(const char *text, enum text_charset charset,
				 const char *label)
{
	const struct forbidden_encoding *forbidden = find_forbidden_encoding(text);

	ck_assert_msg(!contains_control_byte(text),
		      "%s (%s): output contains a C0 control or DEL byte",
		      label, charset_name(charset));
	ck_assert_msg(forbidden == NULL, "%s (%s): output contains %s", label,
		      charset_name(charset), forbidden ? forbidden->description : "");
	ck_assert_msg(is_valid_utf8((const unsigned char *)text, strlen(text)),
		      "%s (%s): output is not valid UTF-8", label,
		      charset_name(charset));
	if (charset == TEXT_ASCII)
		ck_assert_msg(!contains_non_ascii_byte(text),
			      "%s (ASCII): output contains a non-ASCII byte",
			      label);
}

/* Hostile strings fixture */

static json_t *load_fixture(void)
{
	const char *source = getenv("GATEHOUSE_SOURCE");
	char path[4096];
	json_error_t error;

	if (source)
		snprintf(path, sizeof path, "%s/%s", source, FIXTURE_PATH);
	else
		snprintf(path, sizeof path, "%s", FIXTURE_PATH);

	/* JSON_ALLOW_NUL keeps the "nul" case's \u0000 inside the string. */
	json_t *root = json_load_file(path, JSON_ALLOW_NUL, &error);

	if (!root && !source)
		root = json_load_file("../../" FIXTURE_PATH, JSON_ALLOW_NUL, &error);
	ck_assert_msg(root != NULL,
		      "cannot load %s: %s (line %d); run from the repository root or set GATEHOUSE_SOURCE",
		      path, error.text, error.line);
	ck_assert_msg(json_is_array(root), "%s: top level is not an array", path);
	return root;
}

static const char *case_name(const json_t *fixture_case)
{
	const char *name = json_string_value(json_object_get(fixture_case, "name"));

	ck_assert_ptr_nonnull(name);
	return name;
}

static const char *case_text(const json_t *fixture_case, size_t *len)
{
	const json_t *text = json_object_get(fixture_case, "text");

	ck_assert_msg(json_is_string(text), "%s: no text", case_name(fixture_case));
	*len = json_string_length(text);
	return json_string_value(text);
}

static const json_t *find_case(const json_t *root, const char *name)
{
	size_t index;
	const json_t *fixture_case;

	json_array_foreach(root, index, fixture_case) {
		if (strcmp(case_name(fixture_case), name) == 0)
			return fixture_case;
	}
	ck_abort_msg("fixture case %s not found in " FIXTURE_PATH, name);
	return NULL;
}

/* Exact sanitized output for every fixture case; NULL means "same as input". */
struct fixture_expectation {
	const char *name;
	const char *utf8;
	const char *ascii;
	size_t placeholders;
};

static const struct fixture_expectation fixture_expectations[] = {
	{ "clear-screen", "\u241B[2Jgone", "^[[2Jgone", 1 },
	{ "osc52-clipboard", "hi\u241B]52;c;ZWNobyBwd25lZA==\u2407",
	  "hi^[]52;c;ZWNobyBwd25lZA==^G", 2 },
	{ "osc8-hyperlink",
	  "\u241B]8;;http://127.0.0.1/\u2407click\u241B]8;;\u2407",
	  "^[]8;;http://127.0.0.1/^Gclick^[]8;;^G", 4 },
	{ "c1-csi", "<U+009B>31mred", "<U+009B>31mred", 1 },
	{ "bidi-override", "invoice<U+202E>txt.exe", "invoice<U+202E>txt.exe", 1 },
	{ "cjk-wide", "\u4E16\u84EE \u5C71\u7530", "?? ??", 0 },
	{ "combining", "e\u0301te\u0301", "e?te?", 0 },
	{ "zwj-emoji", "\U0001F469<U+200D>\U0001F4BB on call",
	  "?<U+200D>? on call", 1 },
	{ "variation-selector", "\u26A1 urgent \u2764", "? urgent ?", 0 },
	{ "zero-width", "ad<U+200B>min", "ad<U+200B>min", 1 },
	{ "controls", "a\u2409b\u240Ac\u240Dd\u2408e\u2421f",
	  "a^Ib^Jc^Md^He^?f", 5 },
	{ "nul", "before\u2400after", "before^@after", 1 },
	{ "long", NULL, NULL, 0 },
	{ "rtl-arabic", NULL, "????? admin", 0 },
	{ "empty", "", "", 0 },
};

#define FIXTURE_CASES \
	(int)(sizeof fixture_expectations / sizeof fixture_expectations[0])

START_TEST(test_fixture_has_expected_cases)
{
	json_t *root = load_fixture();

	ck_assert_uint_eq(json_array_size(root), (size_t)FIXTURE_CASES);
	for (int i = 0; i < FIXTURE_CASES; i++)
		find_case(root, fixture_expectations[i].name);
	json_decref(root);
}
END_TEST

START_TEST(test_fixture_exact_output)
{
	const struct fixture_expectation *expected = &fixture_expectations[_i];
	json_t *root = load_fixture();
	size_t len;
	const char *input = case_text(find_case(root, expected->name), &len);
	const enum text_charset charsets[] = { TEXT_UTF8, TEXT_ASCII };

	for (size_t c = 0; c < 2; c++) {
		size_t placeholders;
		char *output = sanitize(input, len, charsets[c], &placeholders);
		const char *want = charsets[c] == TEXT_UTF8 ? expected->utf8
							    : expected->ascii;

		if (!want)
			want = input;
		ck_assert_msg(strcmp(output, want) == 0,
			      "%s (%s): got \"%s\", expected \"%s\"",
			      expected->name, charset_name(charsets[c]), output,
			      want);
		ck_assert_msg(placeholders == expected->placeholders,
			      "%s (%s): %zu placeholders, expected %zu",
			      expected->name, charset_name(charsets[c]),
			      placeholders, expected->placeholders);
		free(output);
	}
	json_decref(root);
}
END_TEST

START_TEST(test_fixture_output_terminal_safe)
{
	json_t *root = load_fixture();
	const json_t *fixture_case = json_array_get(root, (size_t)_i);
	size_t len;
	const char *input = case_text(fixture_case, &len);
	const enum text_charset charsets[] = { TEXT_UTF8, TEXT_ASCII };

	for (size_t c = 0; c < 2; c++) {
		char *output = sanitize(input, len, charsets[c], NULL);

		assert_terminal_safe(output, charsets[c], case_name(fixture_case));
		free(output);
	}
	json_decref(root);
}
END_TEST

/* text_fit, text_fit_right and text_cell at every width from 0 to 60. */
static void assert_fits_every_width(const char *name, const char *input,
				    size_t len, enum text_charset charset)
{
	char *sanitized = sanitize(input, len, charset, NULL);

	for (int columns = 0; columns <= MAX_FIT_COLUMNS; columns++) {
		struct strbuf cell = STRBUF_INIT;
		char *left = fit(sanitized, columns, charset);
		char *right = fit_right(sanitized, columns, charset);

		text_cell(input, len, columns, charset, &cell);
		const char *outputs[] = { left, right, strbuf_str(&cell) };
		const char *kinds[] = { "text_fit", "text_fit_right", "text_cell" };

		for (size_t k = 0; k < 3; k++) {
			ck_assert_msg(text_width(outputs[k]) == columns,
				      "%s (%s): %s to %d columns gave \"%s\", %d columns by text_width",
				      name, charset_name(charset), kinds[k], columns,
				      outputs[k], text_width(outputs[k]));
			ck_assert_msg(columns_by_libc(outputs[k]) == columns,
				      "%s (%s): %s to %d columns gave \"%s\", %d columns by wcswidth",
				      name, charset_name(charset), kinds[k], columns,
				      outputs[k], columns_by_libc(outputs[k]));
			assert_terminal_safe(outputs[k], charset, name);
		}
		ck_assert_str_eq(strbuf_str(&cell), left);
		strbuf_free(&cell);
		free(left);
		free(right);
	}
	free(sanitized);
}

START_TEST(test_fixture_fit_exact_widths)
{
	json_t *root = load_fixture();
	const json_t *fixture_case = json_array_get(root, (size_t)_i);
	size_t len;
	const char *input = case_text(fixture_case, &len);

	assert_fits_every_width(case_name(fixture_case), input, len, TEXT_UTF8);
	assert_fits_every_width(case_name(fixture_case), input, len, TEXT_ASCII);
	json_decref(root);
}
END_TEST

/* Fit a fixture case, sanitized in UTF-8 mode, to columns and compare. */
static void assert_fixture_fit(const char *name, int columns, const char *want)
{
	json_t *root = load_fixture();
	size_t len;
	const char *input = case_text(find_case(root, name), &len);
	char *sanitized = sanitize(input, len, TEXT_UTF8, NULL);
	char *output = fit(sanitized, columns, TEXT_UTF8);

	ck_assert_msg(strcmp(output, want) == 0,
		      "%s to %d columns: got \"%s\", expected \"%s\"", name,
		      columns, output, want);
	free(output);
	free(sanitized);
	json_decref(root);
}

START_TEST(test_fit_combining_keeps_marks)
{
	assert_fixture_fit("combining", 1, ELLIPSIS);
	assert_fixture_fit("combining", 2, "e\u0301" ELLIPSIS);
	assert_fixture_fit("combining", 3, "e\u0301te\u0301");
	assert_fixture_fit("combining", 4, "e\u0301te\u0301 ");
}
END_TEST

START_TEST(test_fit_cjk_wide_straddle)
{
	assert_fixture_fit("cjk-wide", 4, "\u4E16" ELLIPSIS " ");
	assert_fixture_fit("cjk-wide", 6, "\u4E16\u84EE " ELLIPSIS);
	assert_fixture_fit("cjk-wide", 8, "\u4E16\u84EE \u5C71" ELLIPSIS);
	assert_fixture_fit("cjk-wide", 9, "\u4E16\u84EE \u5C71\u7530");
	assert_fixture_fit("cjk-wide", 10, "\u4E16\u84EE \u5C71\u7530 ");
}
END_TEST

START_TEST(test_fit_zwj_emoji_placeholder)
{
	assert_fixture_fit("zwj-emoji", 12, "\U0001F469<U+200D>" ELLIPSIS " ");
	assert_fixture_fit("zwj-emoji", 20,
			   "\U0001F469<U+200D>\U0001F4BB on call");
}
END_TEST

START_TEST(test_fit_variation_selector_dropped)
{
	assert_fixture_fit("variation-selector", 5, "\u26A1 u" ELLIPSIS);
	assert_fixture_fit("variation-selector", 11, "\u26A1 urgent \u2764");
	assert_fixture_fit("variation-selector", 12, "\u26A1 urgent \u2764 ");
}
END_TEST

START_TEST(test_fit_long_cut_at_edge)
{
	char want[MAX_FIT_COLUMNS + sizeof ELLIPSIS];

	memset(want, 'x', MAX_FIT_COLUMNS - 1);
	strcpy(want + MAX_FIT_COLUMNS - 1, ELLIPSIS);
	assert_fixture_fit("long", MAX_FIT_COLUMNS, want);

	json_t *root = load_fixture();
	size_t len;
	const char *input = case_text(find_case(root, "long"), &len);
	struct strbuf cell = STRBUF_INIT;

	text_cell(input, len, MAX_FIT_COLUMNS, TEXT_ASCII, &cell);
	strcpy(want + MAX_FIT_COLUMNS - 1, "~");
	ck_assert_str_eq(strbuf_str(&cell), want);
	strbuf_free(&cell);
	json_decref(root);
}
END_TEST

/* Sanitizer table */

struct sanitize_case {
	const char *name;
	const char *input;
	size_t len;
	const char *utf8;
	const char *ascii;
	size_t utf8_placeholders;
	size_t ascii_placeholders;
};

static const struct sanitize_case sanitize_cases[] = {
	/* name, input, length, UTF-8 output, ASCII output, placeholder counts */
	{ "escape", "\x1B", TEXT_NUL_TERMINATED,
	  "\u241B", "^[", 1, 1 },
	{ "newline", "\n", TEXT_NUL_TERMINATED,
	  "\u240A", "^J", 1, 1 },
	{ "tab", "\t", TEXT_NUL_TERMINATED,
	  "\u2409", "^I", 1, 1 },
	{ "carriage return", "\r", TEXT_NUL_TERMINATED,
	  "\u240D", "^M", 1, 1 },
	{ "delete", "\x7F", TEXT_NUL_TERMINATED,
	  "\u2421", "^?", 1, 1 },
	{ "nul inside length", "a\0b", 3,
	  "a\u2400b", "a^@b", 1, 1 },
	{ "c1 csi 0x9b", "\xC2\x9B" "31m", TEXT_NUL_TERMINATED,
	  "<U+009B>31m", "<U+009B>31m", 1, 1 },
	{ "c1 next line 0x85", "a\xC2\x85" "b", TEXT_NUL_TERMINATED,
	  "a<U+0085>b", "a<U+0085>b", 1, 1 },
	{ "right-to-left override", "invoice\u202Etxt", TEXT_NUL_TERMINATED,
	  "invoice<U+202E>txt", "invoice<U+202E>txt", 1, 1 },
	{ "bidi isolates", "\u2066x\u2069", TEXT_NUL_TERMINATED,
	  "<U+2066>x<U+2069>", "<U+2066>x<U+2069>", 2, 2 },
	{ "arabic letter mark", "a\u061Cb", TEXT_NUL_TERMINATED,
	  "a<U+061C>b", "a<U+061C>b", 1, 1 },
	{ "zero-width space", "ad\u200Bmin", TEXT_NUL_TERMINATED,
	  "ad<U+200B>min", "ad<U+200B>min", 1, 1 },
	{ "word joiner", "ad\u2060min", TEXT_NUL_TERMINATED,
	  "ad<U+2060>min", "ad<U+2060>min", 1, 1 },
	{ "soft hyphen", "ad\u00ADmin", TEXT_NUL_TERMINATED,
	  "ad<U+00AD>min", "ad<U+00AD>min", 1, 1 },
	{ "byte order mark", "\uFEFFadmin", TEXT_NUL_TERMINATED,
	  "<U+FEFF>admin", "<U+FEFF>admin", 1, 1 },
	{ "line separator", "a\u2028b", TEXT_NUL_TERMINATED,
	  "a<U+2028>b", "a<U+2028>b", 1, 1 },
	{ "paragraph separator", "a\u2029b", TEXT_NUL_TERMINATED,
	  "a<U+2029>b", "a<U+2029>b", 1, 1 },
	{ "tag character", "\U000E0041", TEXT_NUL_TERMINATED,
	  "<U+E0041>", "<U+E0041>", 1, 1 },
	{ "hangul filler", "\u3164", TEXT_NUL_TERMINATED,
	  "<U+3164>", "<U+3164>", 1, 1 },
	{ "combining acute", "e\u0301", TEXT_NUL_TERMINATED,
	  "e\u0301", "e?", 0, 0 },
	{ "leading combining mark", "\u0301x", TEXT_NUL_TERMINATED,
	  "<U+0301>x", "?x", 1, 0 },
	{ "combining after control", "a\x1B\u0301", TEXT_NUL_TERMINATED,
	  "a\u241B<U+0301>", "a^[?", 2, 1 },
	{ "combining after placeholder", "a\u200B\u0301", TEXT_NUL_TERMINATED,
	  "a<U+200B><U+0301>", "a<U+200B>?", 2, 1 },
	{ "combining after invalid byte", "a\xFF\u0301", TEXT_NUL_TERMINATED,
	  "a" REPLACEMENT "<U+0301>", "a??", 2, 1 },
	{ "combining after space", " \u0301", TEXT_NUL_TERMINATED,
	  " \u0301", " ?", 0, 0 },
	{ "invalid byte 0xff", "\xFF", TEXT_NUL_TERMINATED,
	  REPLACEMENT, "?", 1, 1 },
	{ "lone continuation byte", "a\x80" "b", TEXT_NUL_TERMINATED,
	  "a" REPLACEMENT "b", "a?b", 1, 1 },
	{ "truncated 3-byte sequence", "\xE4\xB8", TEXT_NUL_TERMINATED,
	  REPLACEMENT REPLACEMENT, "??", 2, 2 },
	{ "length cuts a sequence", "\xE4\xB8\x96", 2,
	  REPLACEMENT REPLACEMENT, "??", 2, 2 },
	{ "truncated then ascii", "\xE4\xB8" "A", TEXT_NUL_TERMINATED,
	  REPLACEMENT REPLACEMENT "A", "??A", 2, 2 },
	{ "truncated then valid", "\xE4\xB8\xE4\xB8\x96", TEXT_NUL_TERMINATED,
	  REPLACEMENT REPLACEMENT "\u4E16", "???", 2, 2 },
	{ "overlong slash", "\xC0\xAF", TEXT_NUL_TERMINATED,
	  REPLACEMENT REPLACEMENT, "??", 2, 2 },
	{ "overlong 3-byte slash", "\xE0\x80\xAF", TEXT_NUL_TERMINATED,
	  REPLACEMENT REPLACEMENT REPLACEMENT, "???", 3, 3 },
	{ "surrogate", "\xED\xA0\x80", TEXT_NUL_TERMINATED,
	  REPLACEMENT REPLACEMENT REPLACEMENT, "???", 3, 3 },
	{ "above U+10FFFF", "\xF4\x90\x80\x80", TEXT_NUL_TERMINATED,
	  REPLACEMENT REPLACEMENT REPLACEMENT REPLACEMENT, "????", 4, 4 },
	{ "unassigned code point", "\u0378", TEXT_NUL_TERMINATED,
	  "<U+0378>", "?", 1, 0 },
	{ "noncharacter", "\xEF\xBF\xBE", TEXT_NUL_TERMINATED,
	  "<U+FFFE>", "?", 1, 0 },
	{ "variation selector", "\u2764\uFE0F", TEXT_NUL_TERMINATED,
	  "\u2764", "?", 0, 0 },
	{ "skin-tone modifier", "\U0001F44D\U0001F3FD", TEXT_NUL_TERMINATED,
	  "\U0001F44D", "?", 0, 0 },
	{ "zwj sequence", "\U0001F469\u200D\U0001F4BB", TEXT_NUL_TERMINATED,
	  "\U0001F469<U+200D>\U0001F4BB", "?<U+200D>?", 1, 1 },
	{ "precomposed e acute", "\u00E9", TEXT_NUL_TERMINATED,
	  "\u00E9", "?", 0, 0 },
	{ "cjk", "\u4E16", TEXT_NUL_TERMINATED,
	  "\u4E16", "?", 0, 0 },
	{ "printable passes", "Zo\u00EB \u4E16\u754C \U0001F642 ~", TEXT_NUL_TERMINATED,
	  "Zo\u00EB \u4E16\u754C \U0001F642 ~", "Zo? ?? ? ~", 0, 0 },
	{ "null input", NULL, TEXT_NUL_TERMINATED,
	  "", "", 0, 0 },
	{ "null input with length", NULL, 5,
	  "", "", 0, 0 },
};

#define SANITIZE_CASES \
	(int)(sizeof sanitize_cases / sizeof sanitize_cases[0])

static void assert_sanitizes_to(const struct sanitize_case *row,
				enum text_charset charset, const char *want,
				size_t want_placeholders)
{
	size_t placeholders;
	char *output = sanitize(row->input, row->len, charset, &placeholders);

	ck_assert_msg(strcmp(output, want) == 0,
		      "%s (%s): got \"%s\", expected \"%s\"", row->name,
		      charset_name(charset), output, want);
	ck_assert_msg(placeholders == want_placeholders,
		      "%s (%s): %zu placeholders, expected %zu", row->name,
		      charset_name(charset), placeholders, want_placeholders);
	free(output);
}

START_TEST(test_sanitize_table)
{
	const struct sanitize_case *row = &sanitize_cases[_i];

	assert_sanitizes_to(row, TEXT_UTF8, row->utf8, row->utf8_placeholders);
	assert_sanitizes_to(row, TEXT_ASCII, row->ascii, row->ascii_placeholders);
}
END_TEST

START_TEST(test_sanitize_appends)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_puts(&out, "user: ");
	text_sanitize("ad\u200Bmin", TEXT_NUL_TERMINATED, TEXT_UTF8, &out);
	ck_assert_str_eq(strbuf_str(&out), "user: ad<U+200B>min");
	strbuf_free(&out);
}
END_TEST

START_TEST(test_sanitize_length_stops_early)
{
	char *output = sanitize("abc\x1B", 3, TEXT_UTF8, NULL);

	ck_assert_str_eq(output, "abc");
	free(output);
}
END_TEST

/* Fitting */

struct fit_case {
	const char *input;
	int columns;
	enum text_charset charset;
	const char *left;
	const char *right;
};

static const struct fit_case fit_cases[] = {
	{ "abcdef", 4, TEXT_UTF8, "abc" ELLIPSIS, "abc" ELLIPSIS },
	{ "abcdef", 4, TEXT_ASCII, "abc~", "abc~" },
	{ "abcdef", 6, TEXT_UTF8, "abcdef", "abcdef" },
	{ "abcdef", 1, TEXT_UTF8, ELLIPSIS, ELLIPSIS },
	{ "abc", 6, TEXT_UTF8, "abc   ", "   abc" },
	{ "42", 5, TEXT_ASCII, "42   ", "   42" },
	{ "", 3, TEXT_UTF8, "   ", "   " },
	{ "abc", 0, TEXT_UTF8, "", "" },
	{ "abc", -3, TEXT_UTF8, "", "" },
	{ "\u4E16\u754C\u4E16\u754C", 8, TEXT_UTF8, "\u4E16\u754C\u4E16\u754C",
	  "\u4E16\u754C\u4E16\u754C" },
	{ "\u4E16\u754C\u4E16\u754C", 9, TEXT_UTF8, "\u4E16\u754C\u4E16\u754C ",
	  " \u4E16\u754C\u4E16\u754C" },
	{ "\u4E16\u754C\u4E16\u754C", 5, TEXT_UTF8, "\u4E16\u754C" ELLIPSIS,
	  "\u4E16\u754C" ELLIPSIS },
	{ "\u4E16\u754C\u4E16\u754C", 4, TEXT_UTF8, "\u4E16" ELLIPSIS " ",
	  " \u4E16" ELLIPSIS },
	{ "\u4E16\u754C\u4E16\u754C", 3, TEXT_UTF8, "\u4E16" ELLIPSIS,
	  "\u4E16" ELLIPSIS },
	{ "\u4E16\u754C\u4E16\u754C", 2, TEXT_UTF8, ELLIPSIS " ", " " ELLIPSIS },
	{ "\u4E16\u754C\u4E16\u754C", 1, TEXT_UTF8, ELLIPSIS, ELLIPSIS },
	{ "cafe\u0301 au lait", 5, TEXT_UTF8, "cafe\u0301" ELLIPSIS,
	  "cafe\u0301" ELLIPSIS },
	{ "abcde\u0301f", 5, TEXT_UTF8, "abcd" ELLIPSIS, "abcd" ELLIPSIS },
	{ "abcde\u0301", 5, TEXT_UTF8, "abcde\u0301", "abcde\u0301" },
};

#define FIT_CASES (int)(sizeof fit_cases / sizeof fit_cases[0])

START_TEST(test_fit_table)
{
	const struct fit_case *row = &fit_cases[_i];
	char *left = fit(row->input, row->columns, row->charset);
	char *right = fit_right(row->input, row->columns, row->charset);

	ck_assert_msg(strcmp(left, row->left) == 0,
		      "text_fit(\"%s\", %d, %s): got \"%s\", expected \"%s\"",
		      row->input, row->columns, charset_name(row->charset), left,
		      row->left);
	ck_assert_msg(strcmp(right, row->right) == 0,
		      "text_fit_right(\"%s\", %d, %s): got \"%s\", expected \"%s\"",
		      row->input, row->columns, charset_name(row->charset), right,
		      row->right);
	free(left);
	free(right);
}
END_TEST

START_TEST(test_fit_appends)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_puts(&out, "x|");
	text_fit("abcdef", 4, TEXT_UTF8, &out);
	strbuf_puts(&out, "|");
	text_fit_right("7", 3, TEXT_UTF8, &out);
	ck_assert_str_eq(strbuf_str(&out), "x|abc" ELLIPSIS "|  7");
	strbuf_free(&out);
}
END_TEST

START_TEST(test_cell_sanitizes_and_fits)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_puts(&out, "> ");
	size_t placeholders = text_cell("ad\u200Bmin\x1B[2J", TEXT_NUL_TERMINATED,
					12, TEXT_UTF8, &out);

	ck_assert_str_eq(strbuf_str(&out), "> ad<U+200B>m" ELLIPSIS);
	ck_assert_uint_eq(placeholders, 2);
	strbuf_free(&out);
}
END_TEST

START_TEST(test_cell_ascii_pads)
{
	struct strbuf out = STRBUF_INIT;
	size_t placeholders = text_cell("caf\u00E9", TEXT_NUL_TERMINATED, 6,
					TEXT_ASCII, &out);

	ck_assert_str_eq(strbuf_str(&out), "caf?  ");
	ck_assert_uint_eq(placeholders, 0);
	strbuf_free(&out);
}
END_TEST

START_TEST(test_cell_zero_columns_appends_nothing)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_puts(&out, "keep");
	size_t placeholders = text_cell("\x1B]52;c;eA==\x07", TEXT_NUL_TERMINATED,
					0, TEXT_UTF8, &out);

	ck_assert_str_eq(strbuf_str(&out), "keep");
	ck_assert_uint_eq(out.len, 4);
	ck_assert_uint_eq(placeholders, 2);
	strbuf_free(&out);
}
END_TEST

START_TEST(test_cell_counts_cut_placeholders)
{
	struct strbuf out = STRBUF_INIT;
	size_t placeholders = text_cell("abcdef\x1B", TEXT_NUL_TERMINATED, 3,
					TEXT_ASCII, &out);

	ck_assert_str_eq(strbuf_str(&out), "ab~");
	ck_assert_uint_eq(placeholders, 1);
	strbuf_free(&out);
}
END_TEST

/* Width */

struct width_case {
	const char *text;
	int columns;
};

static const struct width_case width_cases[] = {
	{ "", 0 },
	{ "abc", 3 },
	{ "\u4E16\u754C", 4 },
	{ "e\u0301", 1 },
	{ "\U0001F469", 2 },
	{ ELLIPSIS, 1 },
	{ "\u241B", 1 },
	{ REPLACEMENT, 1 },
	{ "\xFF", 1 },
	{ "\xE4\xB8", 2 },
	{ "\u0378", 1 },
	{ "\x1B", 1 },
};

#define WIDTH_CASES (int)(sizeof width_cases / sizeof width_cases[0])

START_TEST(test_width_table)
{
	const struct width_case *row = &width_cases[_i];

	ck_assert_msg(text_width(row->text) == row->columns,
		      "text_width(\"%s\") is %d, expected %d", row->text,
		      text_width(row->text), row->columns);
}
END_TEST

START_TEST(test_width_matches_wcswidth)
{
	json_t *root = load_fixture();
	size_t index;
	const json_t *fixture_case;

	json_array_foreach(root, index, fixture_case) {
		size_t len;
		const char *input = case_text(fixture_case, &len);
		char *output = sanitize(input, len, TEXT_UTF8, NULL);

		ck_assert_msg(text_width(output) == columns_by_libc(output),
			      "%s: text_width %d, wcswidth %d",
			      case_name(fixture_case), text_width(output),
			      columns_by_libc(output));
		free(output);
	}
	json_decref(root);
}
END_TEST

START_TEST(test_charset_from_utf8_locale)
{
	ck_assert_int_eq(text_charset_from_locale(), TEXT_UTF8);
}
END_TEST

START_TEST(test_charset_from_c_locale)
{
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C"));
	ck_assert_int_eq(text_charset_from_locale(), TEXT_ASCII);
}
END_TEST

static Suite *text_suite(void)
{
	Suite *suite = suite_create("text");
	TCase *sanitizer = tcase_create("sanitize");
	TCase *fixture = tcase_create("hostile strings");
	TCase *fitting = tcase_create("fit");
	TCase *width = tcase_create("width");

	tcase_add_checked_fixture(sanitizer, use_utf8_locale, NULL);
	tcase_add_loop_test(sanitizer, test_sanitize_table, 0, SANITIZE_CASES);
	tcase_add_test(sanitizer, test_sanitize_appends);
	tcase_add_test(sanitizer, test_sanitize_length_stops_early);
	suite_add_tcase(suite, sanitizer);

	tcase_add_checked_fixture(fixture, use_utf8_locale, NULL);
	tcase_add_test(fixture, test_fixture_has_expected_cases);
	tcase_add_loop_test(fixture, test_fixture_exact_output, 0, FIXTURE_CASES);
	tcase_add_loop_test(fixture, test_fixture_output_terminal_safe, 0,
			    FIXTURE_CASES);
	tcase_add_loop_test(fixture, test_fixture_fit_exact_widths, 0,
			    FIXTURE_CASES);
	suite_add_tcase(suite, fixture);

	tcase_add_checked_fixture(fitting, use_utf8_locale, NULL);
	tcase_add_loop_test(fitting, test_fit_table, 0, FIT_CASES);
	tcase_add_test(fitting, test_fit_appends);
	tcase_add_test(fitting, test_fit_combining_keeps_marks);
	tcase_add_test(fitting, test_fit_cjk_wide_straddle);
	tcase_add_test(fitting, test_fit_zwj_emoji_placeholder);
	tcase_add_test(fitting, test_fit_variation_selector_dropped);
	tcase_add_test(fitting, test_fit_long_cut_at_edge);
	tcase_add_test(fitting, test_cell_sanitizes_and_fits);
	tcase_add_test(fitting, test_cell_ascii_pads);
	tcase_add_test(fitting, test_cell_zero_columns_appends_nothing);
	tcase_add_test(fitting, test_cell_counts_cut_placeholders);
	suite_add_tcase(suite, fitting);

	tcase_add_checked_fixture(width, use_utf8_locale, NULL);
	tcase_add_loop_test(width, test_width_table, 0, WIDTH_CASES);
	tcase_add_test(width, test_width_matches_wcswidth);
	tcase_add_test(width, test_charset_from_utf8_locale);
	tcase_add_test(width, test_charset_from_c_locale);
	suite_add_tcase(suite, width);

	return suite;
}

CHECK_MAIN(text_suite)
