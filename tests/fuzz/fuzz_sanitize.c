/*
 * Fuzz target for the sanitizer in tui/text.h. The first input byte sets the
 * column count for text_fit() (its value modulo 81, so 0..80), and the
 * remaining bytes are the untrusted text, NUL bytes included. Each input
 * runs in both charsets.
 */

#include <stdbool.h>
#include <string.h>
#include <wchar.h>

#include "common/strbuf.h"
#include "tests/fuzz/fuzz_support.h"
#include "tui/text.h"

#define FIT_COLUMNS_MAX 80
#define ELLIPSIS_UTF8 "\xE2\x80\xA6"
#define ELLIPSIS_ASCII "~"

static const char *charset_name(enum text_charset cs)
{
	return cs == TEXT_UTF8 ? "UTF-8" : "ASCII";
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

/* The Unicode bidi format characters: ALM, LRM, RLM, the embeddings, overrides and isolates. */
static bool is_bidi_control(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Zero-width space, non-joiner, joiner, word joiner, the invisible operators and the BOM. */
static bool is_zero_width(uint32_t cp)
{
	return (cp >= 0x200B && cp <= 0x200D) ||
	       (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF;
}

/* Variation selectors and emoji skin-tone modifiers, which text_sanitize() drops. */
static bool is_dropped(uint32_t cp)
{
	return (cp >= 0x180B && cp <= 0x180D) || cp == 0x180F ||
	       (cp >= 0xFE00 && cp <= 0xFE0F) ||
	       (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
	       (cp >= 0xE0100 && cp <= 0xE01EF);
}

static void check_code_point(uint32_t cp, size_t offset)
{
	if (is_control(cp))
		fuzz_fail("control U+%04X at byte %zu", (unsigned)cp, offset);
	if (is_bidi_control(cp))
		fuzz_fail("bidi control U+%04X at byte %zu", (unsigned)cp, offset);
	if (is_zero_width(cp))
		fuzz_fail("zero-width U+%04X at byte %zu", (unsigned)cp, offset);
	if (is_dropped(cp))
		fuzz_fail("U+%04X at byte %zu should have been dropped",
			  (unsigned)cp, offset);
	if (wcwidth((wchar_t)cp) < 0)
		fuzz_fail("non-printable U+%04X at byte %zu", (unsigned)cp, offset);
}

/*
 * Return the columns that s takes by wcwidth(), after checking that it is
 * valid UTF-8 made only of characters the sanitizer may let through.
 */
static int check_utf8_text(const char *s, size_t len)
{
	const unsigned char *bytes = (const unsigned char *)s;
	size_t pos = 0;
	int columns = 0;

	while (pos < len) {
		uint32_t cp;
		size_t length = fuzz_utf8_decode(bytes + pos, len - pos, &cp);

		if (length == 0)
			fuzz_fail("invalid UTF-8 at byte %zu", pos);
		check_code_point(cp, pos);
		columns += wcwidth((wchar_t)cp);
		pos += length;
	}
	return columns;
}

static void check_ascii_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char byte = (unsigned char)s[i];

		if (byte < 0x20 || byte >= 0x7F)
			fuzz_fail("byte 0x%02X at %zu in ASCII output", byte, i);
	}
}

static void check_sanitized(const struct strbuf *sanitized, enum text_charset cs)
{
	const char *text = strbuf_str(sanitized);

	if (strlen(text) != sanitized->len)
		fuzz_fail("NUL byte in the %s output", charset_name(cs));
	if (cs == TEXT_ASCII)
		check_ascii_text(text, sanitized->len);
	int columns = check_utf8_text(text, sanitized->len);

	if (text_width(text) != columns)
		fuzz_fail("text_width() is %d, the sum of wcwidth() is %d",
			  text_width(text), columns);
}

/* The output contains only what the sanitizer keeps, so a second pass must change nothing. */
static void check_idempotent(const struct strbuf *sanitized, enum text_charset cs)
{
	struct strbuf again = STRBUF_INIT;
	size_t placeholders = text_sanitize(strbuf_str(sanitized), sanitized->len,
					    cs, &again);

	if (placeholders != 0 || again.len != sanitized->len ||
	    memcmp(strbuf_str(&again), strbuf_str(sanitized), again.len) != 0) {
		fuzz_print_bytes("second pass", strbuf_str(&again), again.len);
		fuzz_fail("sanitizing the %s output again changed it (%zu placeholders)",
			  charset_name(cs), placeholders);
	}
	strbuf_free(&again);
}

static bool is_all_spaces(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != ' ')
			return false;
	}
	return true;
}

/*
 * Check that fitted is sanitized padded with spaces, or a shorter prefix of
 * it that ends on a character boundary, then the ellipsis, then spaces.
 */
static void check_fit_shape(const char *sanitized, const struct strbuf *fitted,
			    enum text_charset cs)
{
	size_t sanitized_len = strlen(sanitized);
	const char *ellipsis = cs == TEXT_UTF8 ? ELLIPSIS_UTF8 : ELLIPSIS_ASCII;
	size_t ellipsis_len = strlen(ellipsis);

	if (fitted->len >= sanitized_len &&
	    memcmp(strbuf_str(fitted), sanitized, sanitized_len) == 0 &&
	    is_all_spaces(fitted->data + sanitized_len, fitted->len - sanitized_len))
		return;

	size_t end = fitted->len;

	while (end > 0 && fitted->data[end - 1] == ' ')
		end--;
	if (end < ellipsis_len ||
	    memcmp(fitted->data + end - ellipsis_len, ellipsis, ellipsis_len) != 0)
		fuzz_fail("the fitted %s text is cut without an ellipsis",
			  charset_name(cs));

	size_t kept_len = end - ellipsis_len;

	if (kept_len >= sanitized_len || memcmp(fitted->data, sanitized, kept_len) != 0)
		fuzz_fail("the fitted %s text does not start with a prefix of the input",
			  charset_name(cs));
	if ((sanitized[kept_len] & 0xC0) == 0x80)
		fuzz_fail("the fitted %s text is cut inside a character at byte %zu",
			  charset_name(cs), kept_len);
}

static void check_fitted_width(const struct strbuf *fitted, int columns,
			       const char *function)
{
	int width = text_width(strbuf_str(fitted));

	if (columns == 0 && fitted->len != 0)
		fuzz_fail("%s() appended %zu bytes for 0 columns", function, fitted->len);
	if (columns > 0 && width != columns)
		fuzz_fail("%s() output is %d columns wide, %d requested",
			  function, width, columns);
}

static void check_fit(const char *sanitized, int columns, enum text_charset cs,
		      struct strbuf *fitted)
{
	struct strbuf right = STRBUF_INIT;

	text_fit(sanitized, columns, cs, fitted);
	check_fitted_width(fitted, columns, "text_fit");
	if (columns > 0)
		check_fit_shape(sanitized, fitted, cs);

	text_fit_right(sanitized, columns, cs, &right);
	check_fitted_width(&right, columns, "text_fit_right");
	if (right.len != fitted->len)
		fuzz_fail("text_fit_right() wrote %zu bytes, text_fit() %zu",
			  right.len, fitted->len);
	strbuf_free(&right);
}

/* text_cell() must append the same bytes as text_sanitize() then text_fit(), after what out contains. */
static void check_cell(const char *untrusted, size_t len, int columns,
		       enum text_charset cs, size_t placeholders,
		       const struct strbuf *fitted)
{
	static const char prefix[] = "prefix|";
	struct strbuf cell = STRBUF_INIT;

	strbuf_puts(&cell, prefix);
	size_t cell_placeholders = text_cell(untrusted, len, columns, cs, &cell);
	size_t prefix_len = sizeof prefix - 1;

	if (cell_placeholders != placeholders)
		fuzz_fail("text_cell() counted %zu placeholders, text_sanitize() %zu",
			  cell_placeholders, placeholders);
	if (memcmp(cell.data, prefix, prefix_len) != 0)
		fuzz_fail("text_cell() changed what the buffer held before");
	if (cell.len - prefix_len != fitted->len ||
	    memcmp(cell.data + prefix_len, strbuf_str(fitted), fitted->len) != 0) {
		fuzz_print_bytes("text_cell", cell.data + prefix_len, cell.len - prefix_len);
		fuzz_print_bytes("text_fit ", strbuf_str(fitted), fitted->len);
		fuzz_fail("text_cell() differs from text_sanitize() and text_fit() in %s",
			  charset_name(cs));
	}
	strbuf_free(&cell);
}

static void run_charset(const char *untrusted, size_t len, int columns,
			enum text_charset cs)
{
	struct strbuf sanitized = STRBUF_INIT;
	struct strbuf fitted = STRBUF_INIT;
	size_t placeholders = text_sanitize(untrusted, len, cs, &sanitized);

	check_sanitized(&sanitized, cs);
	check_idempotent(&sanitized, cs);
	check_fit(strbuf_str(&sanitized), columns, cs, &fitted);
	check_cell(untrusted, len, columns, cs, placeholders, &fitted);
	strbuf_free(&fitted);
	strbuf_free(&sanitized);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_use_utf8_locale();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;

	int columns = data[0] % (FIT_COLUMNS_MAX + 1);
	const char *untrusted = (const char *)data + 1;

	run_charset(untrusted, size - 1, columns, TEXT_UTF8);
	run_charset(untrusted, size - 1, columns, TEXT_ASCII);
	return 0;
}
