#ifndef GATEHOUSE_TUI_STATUS_H
#define GATEHOUSE_TUI_STATUS_H

/*
 * The status line: the one place where messages to the user go. A message
 * has a severity, drawn with its colour role and also spelled out as a
 * prefix ("error: ...") so that it shows without colour.
 */

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "tui/text.h"

enum status_severity {
	STATUS_INFO,
	STATUS_OK,
	STATUS_WARNING,
	STATUS_ERROR,
};

/* Longer messages are cut; the line is rarely wider than this anyway. */
#define STATUS_TEXT_SIZE 512

struct status_line {
	enum status_severity severity;
	/* Unsanitized, because status_draw() sanitizes it; "" when there is no message. */
	char text[STATUS_TEXT_SIZE];
	/* When the message was set, in seconds since the epoch. */
	int64_t time;
};

/* Replace the message. A zeroed struct status_line has none. */
void status_set(struct status_line *status, enum status_severity severity,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void status_clear(struct status_line *status);

/*
 * Clear an info or ok message set more than max_age seconds before now.
 * Warnings and errors stay until another message replaces them.
 */
void status_expire(struct status_line *status, int64_t now, int64_t max_age);

/* Return the prefix drawn before a severity's messages ("error: "), "" for info. */
const char *status_prefix(enum status_severity severity);

/*
 * Draw the status line in width columns at row y of w. The message goes on
 * the left, and right_text (counts, connection state, or NULL) is
 * right-aligned. When both do not fit, right_text is cut first and then
 * dropped, so the two never overlap.
 */
void status_draw(WINDOW *w, int y, int width, const struct status_line *status,
		 const char *right_text, enum text_charset cs);

#endif
