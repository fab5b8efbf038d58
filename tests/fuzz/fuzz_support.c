#include "tests/fuzz/fuzz_support.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* One row of Table 3-7: the lead bytes it covers and the range of the byte after them. */
struct utf8_form {
	unsigned char lead_first;
	unsigned char lead_last;
	unsigned char second_first;
	unsigned char second_last;
	size_t length;
};

static const struct utf8_form utf8_forms[] = {
	{ 0xC2, 0xDF, 0x80, 0xBF, 2 },
	{ 0xE0, 0xE0, 0xA0, 0xBF, 3 },
	{ 0xE1, 0xEC, 0x80, 0xBF, 3 },
	{ 0xED, 0xED, 0x80, 0x9F, 3 },
	{ 0xEE, 0xEF, 0x80, 0xBF, 3 },
	{ 0xF0, 0xF0, 0x90, 0xBF, 4 },
	{ 0xF1, 0xF3, 0x80, 0xBF, 4 },
	{ 0xF4, 0xF4, 0x80, 0x8F, 4 },
};

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("property violated: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fuzz_print_bytes(const char *label, const char *bytes, size_t len)
{
	fprintf(stderr, "%s \"", label);
	for (size_t i = 0; i < len; i++) {
		unsigned char byte = (unsigned char)bytes[i];

		if (byte >= 0x20 && byte < 0x7F && byte != '"' && byte != '\\')
			fputc(byte, stderr);
		else
			fprintf(stderr, "\\x%02X", byte);
	}
	fputs("\"\n", stderr);
}

void fuzz_use_utf8_locale(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		fuzz_fail("setlocale(LC_ALL, \"C.UTF-8\") failed: install the C.UTF-8 locale");
}

static const struct utf8_form *find_utf8_form(unsigned char lead)
{
	for (size_t i = 0; i < sizeof utf8_forms / sizeof utf8_forms[0]; i++) {
		if (lead >= utf8_forms[i].lead_first &&
		    lead <= utf8_forms[i].lead_last)
			return &utf8_forms[i];
	}
	return NULL;
}

size_t fuzz_utf8_decode(const unsigned char *bytes, size_t len, uint32_t *cp)
{
	if (bytes[0] < 0x80) {
		*cp = bytes[0];
		return 1;
	}

	const struct utf8_form *form = find_utf8_form(bytes[0]);

	if (!form || len < form->length || bytes[1] < form->second_first ||
	    bytes[1] > form->second_last)
		return 0;
	/* The lead byte keeps 7 - length payload bits: 5, 4 or 3. */
	uint32_t value = bytes[0] & (0x7Fu >> form->length);

	for (size_t i = 1; i < form->length; i++) {
		if (bytes[i] < 0x80 || bytes[i] > 0xBF)
			return 0;
		value = (value << 6) | (bytes[i] & 0x3Fu);
	}
	*cp = value;
	return form->length;
}
