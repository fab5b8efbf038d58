/*
 * A scanner for JSON that jansson has already accepted: it only finds where
 * values start and end, so it need not check the grammar, but it never reads
 * past the text whatever the bytes.
 */

#include "client/json_spans.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

struct scanner {
	const char *text;
	size_t length;
	size_t at;
};

static void skip_space(struct scanner *s)
{
	while (s->at < s->length && strchr(" \t\r\n", s->text[s->at]) && s->text[s->at] != '\0')
		s->at++;
}

static bool peek(const struct scanner *s, char c)
{
	return s->at < s->length && s->text[s->at] == c;
}

/* Skip a string starting at its opening quote; false when it does not end. */
static bool skip_string(struct scanner *s)
{
	for (s->at++; s->at < s->length; s->at++) {
		if (s->text[s->at] == '\\')
			s->at++;
		else if (s->text[s->at] == '"') {
			s->at++;
			return true;
		}
	}
	return false;
}

/* Skip an object or array, with everything nested in it, from its opening bracket. */
static bool skip_container(struct scanner *s)
{
	size_t depth = 0;

	while (s->at < s->length) {
		char c = s->text[s->at];
		if (c == '"') {
			if (!skip_string(s))
				return false;
			continue;
		}
		s->at++;
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return true;
	}
	return false;
}

/* Skip one value: a string, an object, an array, or a number, true, false or null. */
static bool skip_value(struct scanner *s)
{
	if (peek(s, '"'))
		return skip_string(s);
	if (peek(s, '{') || peek(s, '['))
		return skip_container(s);
	size_t start = s->at;
	while (s->at < s->length && !strchr(",]} \t\r\n", s->text[s->at]))
		s->at++;
	return s->at > start;
}

/* Record the byte range of each element of the array at the scanner; false on a bad one. */
static bool read_elements(struct scanner *s, struct json_span **spans, size_t *count)
{
	size_t capacity = 0;

	s->at++; /* the '[' */
	skip_space(s);
	if (peek(s, ']')) {
		s->at++;
		return true;
	}
	for (;;) {
		size_t start = s->at;
		if (!skip_value(s))
			return false;
		if (*count == capacity) {
			capacity = capacity ? capacity * 2 : 64;
			*spans = xreallocarray(*spans, capacity, sizeof **spans);
		}
		(*spans)[(*count)++] = (struct json_span){ start, s->at - start };
		skip_space(s);
		if (peek(s, ']')) {
			s->at++;
			return true;
		}
		if (!peek(s, ','))
			return false;
		s->at++;
		skip_space(s);
	}
}

/* Whether the key at the scanner, a string, is exactly name, with no escape in it. */
static bool key_is(const struct scanner *s, const char *name)
{
	size_t n = strlen(name);

	return s->at + n + 2 <= s->length && s->text[s->at + n + 1] == '"' &&
	       memcmp(s->text + s->at + 1, name, n) == 0;
}

/* Scan the members of the top-level object, reading the elements of name's value. */
static bool scan_members(struct scanner *s, const char *name, struct json_span **spans,
			 size_t *count, bool *found)
{
	for (;;) {
		skip_space(s);
		if (peek(s, '}'))
			return true;
		if (!peek(s, '"'))
			return false;
		bool match = key_is(s, name);
		size_t key_start = s->at;
		if (!skip_string(s) || (!match && memchr(s->text + key_start, '\\', s->at - key_start)))
			return false; /* an escaped key could spell name */
		skip_space(s);
		if (!peek(s, ':'))
			return false;
		s->at++;
		skip_space(s);
		if (match && (*found || !peek(s, '[')))
			return false;
		if (match) {
			*found = true;
			if (!read_elements(s, spans, count))
				return false;
		} else if (!skip_value(s)) {
			return false;
		}
		skip_space(s);
		if (peek(s, ','))
			s->at++;
		else if (!peek(s, '}'))
			return false;
	}
}

bool json_member_array_spans(const char *text, size_t length, const char *name,
			     struct json_span **spans, size_t *count)
{
	struct scanner s = { text, length, 0 };
	bool found = false;

	*spans = NULL;
	*count = 0;
	skip_space(&s);
	if (peek(&s, '{')) {
		s.at++;
		if (scan_members(&s, name, spans, count, &found) && found)
			return true;
	}
	free(*spans);
	*spans = NULL;
	*count = 0;
	return false;
}
