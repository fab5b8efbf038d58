#include "tui/text.h"

#include <langinfo.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* wcwidth() gets code points directly, which needs wchar_t to be UCS-4. */
#ifndef __STDC_ISO_10646__
#error "tui/text.c needs wchar_t values that are Unicode code points"
#endif

#define REPLACEMENT_CHARACTER 0xFFFDu
#define CONTROL_PICTURES 0x2400u
#define CONTROL_PICTURE_DELETE 0x2421u
/*
 * NOTE: U+2026 and U+FFFD have East Asian Width "Ambiguous". wcwidth() counts
 * them as one column, but a terminal set to draw ambiguous characters wide
 * uses two, and then fitted cells come out one column too wide.
 */
#define ELLIPSIS_UTF8 "\xE2\x80\xA6"
#define ELLIPSIS_ASCII "~"

struct code_point_range {
	uint32_t first;
	uint32_t last;
};

/*
 * Code points shown as "<U+XXXX>" in both charsets. They are the C1 controls,
 * general category Cf (as of Unicode 14), the whole Egyptian hieroglyph
 * format-control block U+13430..U+1343F, and the line and paragraph
 * separators. The rest of Default_Ignorable_Code_Point is here too: invisible
 * fillers such as U+3164 and the reserved ranges. Variation selectors are
 * default-ignorable as well, but are dropped instead.
 */
static const struct code_point_range hidden_ranges[] = {
	{ 0x0080, 0x009F },
	{ 0x00AD, 0x00AD },
	{ 0x034F, 0x034F },
	{ 0x0600, 0x0605 },
	{ 0x061C, 0x061C },
	{ 0x06DD, 0x06DD },
	{ 0x070F, 0x070F },
	{ 0x0890, 0x0891 },
	{ 0x08E2, 0x08E2 },
	{ 0x115F, 0x1160 },
	{ 0x17B4, 0x17B5 },
	{ 0x180E, 0x180E },
	{ 0x200B, 0x200F },
	{ 0x2028, 0x202E },
	{ 0x2060, 0x206F },
	{ 0x3164, 0x3164 },
	{ 0xFEFF, 0xFEFF },
	{ 0xFFA0, 0xFFA0 },
	{ 0xFFF0, 0xFFFB },
	{ 0x110BD, 0x110BD },
	{ 0x110CD, 0x110CD },
	{ 0x13430, 0x1343F },
	{ 0x1BCA0, 0x1BCA3 },
	{ 0x1D173, 0x1D17A },
	{ 0xE0000, 0xE00FF },
	{ 0xE01F0, 0xE0FFF },
};

/*
 * Code points dropped without a trace: variation selectors (Mongolian,
 * standard and supplement) and the emoji skin-tone modifiers. Terminals
 * disagree on how many columns they add to the character before them, so
 * keeping them would make column counts unpredictable.
 *
 * NOTE: regional indicator pairs (flags) pass, one column each by wcwidth().
 * A terminal that draws each indicator two columns wide misaligns the cell.
 */
static const struct code_point_range dropped_ranges[] = {
	{ 0x180B, 0x180D },
	{ 0x180F, 0x180F },
	{ 0xFE00, 0xFE0F },
	{ 0x1F3FB, 0x1F3FF },
	{ 0xE0100, 0xE01EF },
};

/* State of one text_sanitize() call. */
struct sanitizer {
	struct strbuf *out;
	enum text_charset charset;
	/* True when the last output is a kept character that a mark may join. */
	bool after_base;
	size_t placeholders;
};

/* The result of fitting a string: which prefix to keep and what follows it. */
struct fit_plan {
	size_t kept_bytes;
	int kept_columns;
	bool cut;
	int padding;
};

static bool in_ranges(const struct code_point_range *ranges, size_t count,
		      uint32_t cp)
{
	size_t low = 0;
	size_t high = count;

	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (cp < ranges[middle].first)
			high = middle;
		else if (cp > ranges[middle].last)
			low = middle + 1;
		else
			return true;
	}
	return false;
}

static bool is_hidden(uint32_t cp)
{
	return in_ranges(hidden_ranges,
			 sizeof hidden_ranges / sizeof hidden_ranges[0], cp);
}

static bool is_dropped(uint32_t cp)
{
	return in_ranges(dropped_ranges,
			 sizeof dropped_ranges / sizeof dropped_ranges[0], cp);
}

/*
 * Return the length of the sequence that lead starts (0 when it starts none),
 * store its payload bits in *cp and the range its second byte must be in. The
 * narrowed second-byte ranges reject overlong forms (lead E0 or F0),
 * surrogates (ED) and values above U+10FFFF (F4). Bytes C0 and C1 would only
 * start overlong forms and F5..FF values above U+10FFFF, so they start none.
 */
static size_t read_lead_byte(unsigned char lead, uint32_t *cp,
			     unsigned char *second_min,
			     unsigned char *second_max)
{
	*second_min = 0x80;
	*second_max = 0xBF;
	if (lead >= 0xC2 && lead <= 0xDF) {
		*cp = lead & 0x1Fu;
		return 2;
	}
	if (lead >= 0xE0 && lead <= 0xEF) {
		*cp = lead & 0x0Fu;
		if (lead == 0xE0)
			*second_min = 0xA0;
		if (lead == 0xED)
			*second_max = 0x9F;
		return 3;
	}
	if (lead >= 0xF0 && lead <= 0xF4) {
		*cp = lead & 0x07u;
		if (lead == 0xF0)
			*second_min = 0x90;
		if (lead == 0xF4)
			*second_max = 0x8F;
		return 4;
	}
	return 0;
}

/*
 * Decode the well-formed UTF-8 sequence at the start of bytes into *cp and
 * return its length, or return 0 when bytes[0] starts none. The caller then
 * skips one byte, so a bad byte never hides the valid sequence after it.
 */
static size_t decode_utf8(const unsigned char *bytes, size_t len, uint32_t *cp)
{
	unsigned char second_min;
	unsigned char second_max;

	if (bytes[0] < 0x80) {
		*cp = bytes[0];
		return 1;
	}
	size_t length = read_lead_byte(bytes[0], cp, &second_min, &second_max);

	if (length == 0 || length > len)
		return 0;
	if (bytes[1] < second_min || bytes[1] > second_max)
		return 0;
	for (size_t i = 1; i < length; i++) {
		if ((bytes[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (bytes[i] & 0x3Fu);
	}
	return length;
}

static void append_utf8(struct strbuf *out, uint32_t cp)
{
	char bytes[4];
	size_t length;

	if (cp < 0x80) {
		bytes[0] = (char)cp;
		length = 1;
	} else if (cp < 0x800) {
		bytes[0] = (char)(0xC0 | (cp >> 6));
		bytes[1] = (char)(0x80 | (cp & 0x3F));
		length = 2;
	} else if (cp < 0x10000) {
		bytes[0] = (char)(0xE0 | (cp >> 12));
		bytes[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		bytes[2] = (char)(0x80 | (cp & 0x3F));
		length = 3;
	} else {
		bytes[0] = (char)(0xF0 | (cp >> 18));
		bytes[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		bytes[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		bytes[3] = (char)(0x80 | (cp & 0x3F));
		length = 4;
	}
	strbuf_append(out, bytes, length);
}

static void append_spaces(struct strbuf *out, int count)
{
	if (count <= 0)
		return;
	strbuf_reserve(out, (size_t)count);
	memset(out->data + out->len, ' ', (size_t)count);
	out->len += (size_t)count;
	out->data[out->len] = '\0';
}

static void truncate_strbuf(struct strbuf *out, size_t len)
{
	out->len = len;
	if (out->data)
		out->data[len] = '\0';
}

/* Every substitution ends a base, so a combining mark cannot join it. */
static void count_placeholder(struct sanitizer *state)
{
	state->placeholders++;
	state->after_base = false;
}

static void put_control(struct sanitizer *state, uint32_t cp)
{
	if (state->charset == TEXT_UTF8) {
		append_utf8(state->out, cp == 0x7F ? CONTROL_PICTURE_DELETE
						   : CONTROL_PICTURES + cp);
	} else {
		/* XOR 0x40 maps ESC to '[' and DEL to '?', as in "^[" and "^?". */
		strbuf_putc(state->out, '^');
		strbuf_putc(state->out, (char)(cp ^ 0x40));
	}
	count_placeholder(state);
}

static void put_code_point_placeholder(struct sanitizer *state, uint32_t cp)
{
	char text[sizeof "<U+10FFFF>"];
	int length = snprintf(text, sizeof text, "<U+%04X>", (unsigned)cp);

	strbuf_append(state->out, text, (size_t)length);
	count_placeholder(state);
}

static void put_invalid_byte(struct sanitizer *state)
{
	if (state->charset == TEXT_UTF8)
		append_utf8(state->out, REPLACEMENT_CHARACTER);
	else
		strbuf_putc(state->out, '?');
	count_placeholder(state);
}

/* Apply the wcwidth() rules to a code point that no table matched. */
static void put_printable_utf8(struct sanitizer *state, uint32_t cp)
{
	int width = wcwidth((wchar_t)cp);

	if (width < 0 || (width == 0 && !state->after_base)) {
		put_code_point_placeholder(state, cp);
		return;
	}
	append_utf8(state->out, cp);
	if (width > 0)
		state->after_base = true;
}

static void put_code_point(struct sanitizer *state, uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F) {
		put_control(state, cp);
	} else if (cp < 0x80) {
		strbuf_putc(state->out, (char)cp);
		state->after_base = true;
	} else if (is_dropped(cp)) {
		return;
	} else if (is_hidden(cp)) {
		put_code_point_placeholder(state, cp);
	} else if (state->charset == TEXT_ASCII) {
		strbuf_putc(state->out, '?');
		state->after_base = true;
	} else {
		put_printable_utf8(state, cp);
	}
}

static size_t count_printable_ascii(const unsigned char *bytes, size_t len)
{
	size_t count = 0;

	while (count < len && bytes[count] >= 0x20 && bytes[count] < 0x7F)
		count++;
	return count;
}

enum text_charset text_charset_from_locale(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0 ? TEXT_UTF8
							 : TEXT_ASCII;
}

size_t text_sanitize(const char *untrusted, size_t len,
		     enum text_charset charset, struct strbuf *out)
{
	struct sanitizer state = {
		.out = out,
		.charset = charset,
		.after_base = false,
		.placeholders = 0,
	};

	if (!untrusted)
		return 0;
	if (len == TEXT_NUL_TERMINATED)
		len = strlen(untrusted);

	const unsigned char *bytes = (const unsigned char *)untrusted;
	size_t pos = 0;

	while (pos < len) {
		/* Most names and ids are plain ASCII, so copy it a run at a time. */
		size_t run = count_printable_ascii(bytes + pos, len - pos);

		if (run > 0) {
			strbuf_append(out, bytes + pos, run);
			state.after_base = true;
			pos += run;
			continue;
		}

		uint32_t cp;
		size_t length = decode_utf8(bytes + pos, len - pos, &cp);

		if (length == 0) {
			put_invalid_byte(&state);
			pos++;
		} else {
			put_code_point(&state, cp);
			pos += length;
		}
	}
	return state.placeholders;
}

/*
 * Return the columns of the code point at the start of bytes and store its
 * length in *length. An invalid byte or a non-printable code point is one
 * column wide.
 */
static int measure_code_point(const unsigned char *bytes, size_t len,
			      size_t *length)
{
	uint32_t cp;

	*length = decode_utf8(bytes, len, &cp);
	if (*length == 0) {
		*length = 1;
		return 1;
	}
	int width = wcwidth((wchar_t)cp);

	return width < 0 ? 1 : width;
}

int text_width(const char *utf8)
{
	const unsigned char *bytes = (const unsigned char *)utf8;
	size_t len = strlen(utf8);
	size_t pos = 0;
	int total = 0;

	while (pos < len) {
		size_t length;
		int width = measure_code_point(bytes + pos, len - pos, &length);

		if (total > INT_MAX - width)
			return INT_MAX;
		total += width;
		pos += length;
	}
	return total;
}

/*
 * Decide how sanitized fits into columns (> 0). It walks until the width
 * passes columns, remembering the longest prefix that leaves one column for
 * the ellipsis. Zero-width code points extend that prefix, so combining marks
 * stay with their base.
 */
static struct fit_plan plan_fit(const char *sanitized, int columns)
{
	const unsigned char *bytes = (const unsigned char *)sanitized;
	size_t len = strlen(sanitized);
	struct fit_plan plan = { 0, 0, false, 0 };
	size_t pos = 0;
	int used = 0;

	while (pos < len) {
		size_t length;
		int width = measure_code_point(bytes + pos, len - pos, &length);

		if (width > columns - used) {
			plan.cut = true;
			plan.padding = columns - plan.kept_columns - 1;
			return plan;
		}
		used += width;
		pos += length;
		if (used <= columns - 1) {
			plan.kept_bytes = pos;
			plan.kept_columns = used;
		}
	}
	plan.kept_bytes = len;
	plan.kept_columns = used;
	plan.padding = columns - used;
	return plan;
}

static void append_ellipsis(enum text_charset charset, struct strbuf *out)
{
	strbuf_puts(out, charset == TEXT_UTF8 ? ELLIPSIS_UTF8 : ELLIPSIS_ASCII);
}

static void append_fitted(const char *sanitized, const struct fit_plan *plan,
			  enum text_charset charset, struct strbuf *out)
{
	strbuf_append(out, sanitized, plan->kept_bytes);
	if (plan->cut)
		append_ellipsis(charset, out);
}

void text_fit(const char *sanitized, int columns, enum text_charset charset,
	      struct strbuf *out)
{
	if (columns <= 0)
		return;
	struct fit_plan plan = plan_fit(sanitized, columns);

	append_fitted(sanitized, &plan, charset, out);
	append_spaces(out, plan.padding);
}

void text_fit_right(const char *sanitized, int columns,
		    enum text_charset charset, struct strbuf *out)
{
	if (columns <= 0)
		return;
	struct fit_plan plan = plan_fit(sanitized, columns);

	append_spaces(out, plan.padding);
	append_fitted(sanitized, &plan, charset, out);
}

size_t text_cell(const char *untrusted, size_t len, int columns,
		 enum text_charset charset, struct strbuf *out)
{
	size_t start = out->len;
	size_t placeholders = text_sanitize(untrusted, len, charset, out);

	if (columns <= 0) {
		truncate_strbuf(out, start);
		return placeholders;
	}

	/* The fitted text is a prefix of the sanitized text, so cut in place. */
	struct fit_plan plan = plan_fit(strbuf_str(out) + start, columns);

	truncate_strbuf(out, start + plan.kept_bytes);
	if (plan.cut)
		append_ellipsis(charset, out);
	append_spaces(out, plan.padding);
	return placeholders;
}
