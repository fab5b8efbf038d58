/* The parser of time windows: during or outside, days, a time range and a zone. */

#include <stdlib.h>
#include <string.h>

#include "policy/parser.h"

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int day_index(const struct parser *p)
{
	for (int i = 0; i < 7; i++)
		if (parser_is_word(p, day_names[i]))
			return i;
	return -1;
}

/* mon-fri, sat, or a comma-separated list of those; 0 after a syntax error. */
static uint8_t parse_days(struct parser *p)
{
	uint8_t days = 0;

	for (;;) {
		int first = day_index(p), last;

		if (first < 0) {
			parser_error_expected(p, "a weekday: mon, tue, wed, thu, fri, sat or sun");
			return 0;
		}
		parser_next_token(p);
		last = first;
		if (p->token.kind == TOKEN_MINUS) {
			parser_next_token(p);
			last = day_index(p);
			if (last < 0) {
				parser_error_expected(p, "the weekday that ends the range, as in mon-fri");
				return 0;
			}
			parser_next_token(p);
		}
		/* A range may wrap past Sunday: fri-mon is Friday to Monday. */
		for (int day = first;; day = (day + 1) % 7) {
			days |= (uint8_t)(1u << day);
			if (day == last)
				break;
		}
		if (p->token.kind != TOKEN_COMMA)
			return days;
		parser_next_token(p);
	}
}

/* HH:MM as minutes of the day; 24:00 only where allow_end_of_day. -1 after an error. */
static int parse_clock(struct parser *p, bool allow_end_of_day)
{
	if (p->token.kind != TOKEN_TIME) {
		parser_error_expected(p, allow_end_of_day ? "the end time, as in 09:00-18:00" :
				  "a time range, as in 09:00-18:00");
		return -1;
	}

	const char *text = p->lexer.text + p->token.offset;
	size_t length = p->token.length;
	const char *colon = memchr(text, ':', length);
	size_t hour_digits = (size_t)(colon - text), minute_digits = length - hour_digits - 1;
	int hour = 0, minute = 0;
	bool digits = true;

	for (size_t i = 0; i < length; i++)
		if (text + i != colon && (text[i] < '0' || text[i] > '9'))
			digits = false;
	if (digits && hour_digits >= 1 && hour_digits <= 2 && minute_digits == 2) {
		for (size_t i = 0; i < hour_digits; i++)
			hour = hour * 10 + (text[i] - '0');
		minute = (colon[1] - '0') * 10 + (colon[2] - '0');
	}
	bool valid = digits && hour_digits >= 1 && hour_digits <= 2 && minute_digits == 2 &&
		     minute < 60 && (hour < 24 || (allow_end_of_day && hour == 24 && minute == 0));

	if (!valid) {
		struct strbuf quoted = STRBUF_INIT;

		quote_append(&quoted, text, length);
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"invalid time %s: write HH:MM from 00:00 to %s", quoted.data,
				allow_end_of_day ? "24:00" : "23:59");
		strbuf_free(&quoted);
		parser_next_token(p);
		return -1;
	}
	parser_next_token(p);
	return hour * 60 + minute;
}

void parse_window(struct parser *p, struct policy_window *w)
{
	bool duplicate = w->present;
	struct policy_window window = { .present = true, .at = p->token.at };

	window.outside = parser_is_word(p, "outside");
	if (duplicate)
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"this rule already has a time window at %u:%u; a rule takes one",
				w->at.line, w->at.column);
	parser_next_token(p);
	window.days = parse_days(p);
	if (p->panic)
		return;
	window.range_at = p->token.at;

	int start = parse_clock(p, false);

	if (p->panic)
		return;
	if (p->token.kind != TOKEN_MINUS) {
		parser_error_expected(p, "- between the start and end times, as in 09:00-18:00");
		return;
	}
	parser_next_token(p);

	int end = parse_clock(p, true);

	if (p->panic)
		return;
	if (p->token.kind != TOKEN_STRING) {
		parser_error_expected(p, "a time zone in double quotes, such as \"Europe/Berlin\"");
		return;
	}
	parser_take_literal(p, &window.zone_name);
	window.zone = zone_find(window.zone_name.text);
	window.start_minute = (uint16_t)(start < 0 ? 0 : start);
	window.end_minute = (uint16_t)(end < 0 ? 0 : end);
	if (duplicate) {
		free(window.zone_name.text);
		return;
	}
	*w = window;
}
