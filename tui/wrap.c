#include "tui/wrap.h"

#include <stdbool.h>
#include <string.h>

#include "tui/text.h"

/* Return the length of the character at bytes[0], which is well-formed UTF-8 within len bytes. */
static size_t char_length(const unsigned char *bytes, size_t len)
{
	size_t length = 1;

	while (length < len && length < 4 && (bytes[length] & 0xC0) == 0x80)
		length++;
	return length;
}

static int char_columns(const char *bytes, size_t length)
{
	char one[5] = { 0 };

	memcpy(one, bytes, length);
	return text_width(one);
}

static size_t skip_spaces(const char *text, size_t len, size_t pos)
{
	while (pos < len && text[pos] == ' ')
		pos++;
	return pos;
}

/* Return end moved back over the spaces before it, unless only spaces precede it. */
static size_t trim_trailing_spaces(const char *text, size_t end)
{
	size_t trimmed = end;

	while (trimmed > 0 && text[trimmed - 1] == ' ')
		trimmed--;
	return trimmed > 0 ? trimmed : end;
}

size_t wrap_line_len(const char *sanitized, size_t len, int columns,
		     size_t *line_bytes)
{
	size_t pos = 0;
	size_t break_at = 0;
	bool have_space = false;
	int used = 0;

	while (pos < len) {
		size_t length = char_length((const unsigned char *)sanitized + pos,
					    len - pos);
		int width = char_columns(sanitized + pos, length);

		if (used + width > columns) {
			/* A space that does not fit is itself the best place to break. */
			if (sanitized[pos] == ' ' && pos > 0)
				break_at = pos;
			else if (!have_space)
				break_at = pos > 0 ? pos : length;
			*line_bytes = trim_trailing_spaces(sanitized, break_at);
			return skip_spaces(sanitized, len, break_at);
		}
		if (sanitized[pos] == ' ' && pos > 0) {
			break_at = pos;
			have_space = true;
		}
		used += width;
		pos += length;
	}
	*line_bytes = len;
	return len;
}

size_t wrap_line(const char *sanitized, int columns, size_t *line_bytes)
{
	return wrap_line_len(sanitized, strlen(sanitized), columns, line_bytes);
}
