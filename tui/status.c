#include "tui/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "tui/draw.h"

/* A right part cut to fewer columns than this is too short to read, so it is dropped instead. */
#define RIGHT_MIN_COLUMNS 4

static bool is_continuation(unsigned char byte)
{
	return (byte & 0xC0) == 0x80;
}

/* Drop a UTF-8 sequence that vsnprintf() cut short at the end of text. */
static void trim_partial_sequence(char *text)
{
	size_t len = strlen(text);
	size_t lead = len;

	while (lead > 0 && is_continuation((unsigned char)text[lead - 1]))
		lead--;
	if (lead == 0)
		return;
	lead--;

	unsigned char byte = (unsigned char)text[lead];
	size_t expected = 1;

	if (byte >= 0xF0)
		expected = 4;
	else if (byte >= 0xE0)
		expected = 3;
	else if (byte >= 0xC0)
		expected = 2;
	if (len - lead < expected)
		text[lead] = '\0';
}

void status_set(struct status_line *status, enum status_severity severity,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int length = vsnprintf(status->text, sizeof status->text, fmt, ap);
	va_end(ap);

	if (length >= (int)sizeof status->text)
		trim_partial_sequence(status->text);
	status->severity = severity;
	status->time = time_now();
}

void status_clear(struct status_line *status)
{
	status->text[0] = '\0';
	status->severity = STATUS_INFO;
	status->time = 0;
}

void status_expire(struct status_line *status, int64_t now, int64_t max_age)
{
	bool transient = status->severity == STATUS_INFO ||
			 status->severity == STATUS_OK;

	if (status->text[0] && transient && now - status->time > max_age)
		status_clear(status);
}

const char *status_prefix(enum status_severity severity)
{
	switch (severity) {
	case STATUS_OK:
		return "ok: ";
	case STATUS_WARNING:
		return "warning: ";
	case STATUS_ERROR:
		return "error: ";
	case STATUS_INFO:
		break;
	}
	return "";
}

static enum theme_role severity_role(enum status_severity severity)
{
	switch (severity) {
	case STATUS_OK:
		return THEME_STATUS_OK;
	case STATUS_WARNING:
		return THEME_STATUS_WARNING;
	case STATUS_ERROR:
		return THEME_STATUS_ERROR;
	case STATUS_INFO:
		break;
	}
	return THEME_STATUS;
}

static int sanitized_width(const char *untrusted, enum text_charset cs)
{
	struct strbuf sanitized = STRBUF_INIT;

	text_sanitize(untrusted, TEXT_NUL_TERMINATED, cs, &sanitized);
	int width = text_width(strbuf_str(&sanitized));

	strbuf_free(&sanitized);
	return width;
}

/* Return the columns the right part gets, leaving the message its width and one column of gap. */
static int right_columns(int columns, int left_width, int right_width)
{
	int available = columns - left_width - 1;

	if (right_width <= 0)
		return 0;
	if (right_width <= available)
		return right_width;
	if (available >= RIGHT_MIN_COLUMNS)
		return available;
	return 0;
}

void status_draw(WINDOW *w, int y, int width, const struct status_line *status,
		 const char *right_text, enum text_charset cs)
{
	int columns = draw_clip_width(w, y, 0, width);
	struct strbuf left = STRBUF_INIT;

	if (columns == 0)
		return;
	if (status->text[0]) {
		strbuf_puts(&left, status_prefix(status->severity));
		strbuf_puts(&left, status->text);
	}
	if (!right_text)
		right_text = "";

	int right = right_columns(columns, sanitized_width(strbuf_str(&left), cs),
				  sanitized_width(right_text, cs));
	int left_columns = right > 0 ? columns - right - 1 : columns;

	draw_fill(w, y, 0, columns, THEME_STATUS);
	draw_text(w, y, 0, left_columns, strbuf_str(&left),
		  severity_role(status->severity), cs);
	if (right > 0)
		draw_text_right(w, y, columns - right, right, right_text,
				THEME_STATUS, cs);
	strbuf_free(&left);
}
