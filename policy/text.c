#include "policy/internal.h"

size_t utf8_decode(const unsigned char *text, size_t length, uint32_t *cp)
{
	unsigned char lead = text[0];
	size_t need;
	uint32_t value;

	if (lead < 0x80) {
		*cp = lead;
		return 1;
	}
	if (lead >= 0xC2 && lead <= 0xDF) {
		need = 2;
		value = lead & 0x1F;
	} else if (lead >= 0xE0 && lead <= 0xEF) {
		need = 3;
		value = lead & 0x0F;
	} else if (lead >= 0xF0 && lead <= 0xF4) {
		need = 4;
		value = lead & 0x07;
	} else {
		return 0;
	}
	if (need > length)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((text[i] & 0xC0) != 0x80)
			return 0;
		value = value << 6 | (text[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not well formed. */
	if ((need == 3 && value < 0x800) || (need == 4 && (value < 0x10000 || value > 0x10FFFF)) ||
	    (value >= 0xD800 && value <= 0xDFFF))
		return 0;
	*cp = value;
	return need;
}

void quote_append(struct strbuf *out, const char *text, size_t length)
{
	const unsigned char *bytes = (const unsigned char *)text;
	size_t at = 0, characters = 0;
	uint32_t cp;

	strbuf_putc(out, '"');
	while (at < length && characters < QUOTE_MAX) {
		size_t n = utf8_decode(bytes + at, length - at, &cp);

		if (n == 0) {
			strbuf_printf(out, "\\x%02X", bytes[at]);
			n = 1;
		} else if (cp == '"' || cp == '\\') {
			strbuf_printf(out, "\\%c", (char)cp);
		} else if (cp == '\n') {
			strbuf_puts(out, "\\n");
		} else if (cp == '\t') {
			strbuf_puts(out, "\\t");
		} else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
			strbuf_printf(out, "\\u%04X", (unsigned)cp);
		} else {
			strbuf_append(out, bytes + at, n);
		}
		at += n;
		characters++;
	}
	if (at < length)
		strbuf_puts(out, "...");
	strbuf_putc(out, '"');
}
