/* The policy pane's text: lines, highlighting and diagnostics placed on their lines. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/strbuf.h"
#include "tui/draw.h"
#include "views/policy.h"

/* The most coloured stretches drawn on one line; the rest of a longer line draws plain. */
#define SPANS_PER_LINE 128

void policy_source_init(struct policy_source *source)
{
	memset(source, 0, sizeof *source);
	policy_diagnostics_init(&source->diagnostics, "policy");
}

void policy_source_free(struct policy_source *source)
{
	free(source->text);
	free(source->line_starts);
	policy_diagnostics_free(&source->diagnostics);
	memset(source, 0, sizeof *source);
}

static void split_lines(struct policy_source *source)
{
	size_t capacity = 16;

	source->line_starts = xreallocarray(NULL, capacity, sizeof *source->line_starts);
	source->line_starts[0] = 0;
	source->line_count = 1;
	for (size_t i = 0; i < source->length; i++) {
		if (source->text[i] != '\n' || i + 1 == source->length)
			continue;
		if (source->line_count == capacity) {
			capacity *= 2;
			source->line_starts = xreallocarray(source->line_starts, capacity,
							    sizeof *source->line_starts);
		}
		source->line_starts[source->line_count++] = i + 1;
	}
}

void policy_source_set(struct policy_source *source, const char *text, size_t length,
		       const struct policy_schema *known)
{
	struct policy *policy;

	policy_source_free(source);
	policy_diagnostics_init(&source->diagnostics, "policy");
	source->text = xmalloc(length + 1);
	memcpy(source->text, text, length);
	source->text[length] = '\0';
	source->length = length;
	split_lines(source);
	policy = policy_parse(source->text, length, &source->diagnostics);
	if (policy)
		policy_lint(policy, known, &source->diagnostics);
	policy_free(policy);
}

bool policy_source_clean(const struct policy_source *source)
{
	return source->text && source->diagnostics.error_count == 0;
}

const char *policy_source_line(const struct policy_source *source, size_t line, size_t *length)
{
	size_t start, end;

	*length = 0;
	if (line >= source->line_count)
		return "";
	start = source->line_starts[line];
	end = line + 1 < source->line_count ? source->line_starts[line + 1] : source->length;
	while (end > start && (source->text[end - 1] == '\n' || source->text[end - 1] == '\r'))
		end--;
	*length = end - start;
	return source->text + start;
}

enum theme_role policy_token_role(enum policy_token_class token_class)
{
	switch (token_class) {
	case POLICY_TOKEN_KEYWORD:
		return THEME_KEY;
	case POLICY_TOKEN_ATTRIBUTE:
		return THEME_STANDING;
	case POLICY_TOKEN_STRING:
		return THEME_APPROVED;
	case POLICY_TOKEN_NUMBER:
		return THEME_PENDING;
	case POLICY_TOKEN_COMMENT:
		return THEME_DIM;
	case POLICY_TOKEN_INVALID:
		return THEME_DENIED;
	case POLICY_TOKEN_OPERATOR:
	default:
		return THEME_NORMAL;
	}
}

struct span_collector {
	struct policy_span *spans;
	size_t count;
	size_t max;
};

/* The highlighter runs over one line at a time, so a span never crosses a line end. */
static void collect_span(enum policy_token_class token_class, size_t offset, size_t length,
			 void *context)
{
	struct span_collector *c = context;

	if (c->count == c->max || length == 0)
		return;
	c->spans[c->count++] = (struct policy_span){
		.offset = offset,
		.length = length,
		.role = policy_token_role(token_class),
	};
}

size_t policy_source_line_spans(const struct policy_source *source, size_t line,
				struct policy_span *spans, size_t max)
{
	size_t length;
	const char *text = policy_source_line(source, line, &length);
	struct span_collector c = { .spans = spans, .max = max };

	if (line >= source->line_count)
		return 0;
	policy_highlight(text, length, collect_span, &c);
	return c.count;
}

const struct policy_diagnostic *policy_source_line_diagnostic(const struct policy_source *source,
							       size_t line)
{
	const struct policy_diagnostic *found = NULL;

	for (size_t i = 0; i < source->diagnostics.count; i++) {
		const struct policy_diagnostic *d = &source->diagnostics.items[i];

		if (d->line != line + 1)
			continue;
		if (!found || (d->severity == POLICY_ERROR && found->severity != POLICY_ERROR))
			found = d;
	}
	return found;
}

/* Draw bytes of the line in role from column x, at most width columns; returns the columns used. */
static int draw_piece(WINDOW *w, int y, int x, int width, const char *bytes, size_t length,
		      enum theme_role role, enum text_charset cs)
{
	struct strbuf plain = STRBUF_INIT, safe = STRBUF_INIT;
	int columns;

	/* A tab counts one column in diagnostics, so it draws as one space. */
	for (size_t i = 0; i < length; i++)
		strbuf_putc(&plain, bytes[i] == '\t' ? ' ' : bytes[i]);
	text_sanitize(strbuf_str(&plain), plain.len, cs, &safe);
	columns = text_width(strbuf_str(&safe));
	if (columns > width)
		columns = width;
	if (columns > 0)
		draw_sanitized(w, y, x, columns, strbuf_str(&safe), role, cs);
	strbuf_free(&plain);
	strbuf_free(&safe);
	return columns;
}

/* The gutter's width: the digits of the last line number and a space. */
static int gutter_width(const struct policy_source *source)
{
	char digits[24];

	return snprintf(digits, sizeof digits, "%zu", source->line_count) + 1;
}

void policy_source_draw_line(const struct policy_source *source, size_t line, WINDOW *w, int y,
			     int x, int width, enum text_charset cs)
{
	const struct policy_diagnostic *diagnostic = policy_source_line_diagnostic(source, line);
	struct policy_span spans[SPANS_PER_LINE];
	size_t count = policy_source_line_spans(source, line, spans, SPANS_PER_LINE);
	size_t length, at = 0;
	const char *text = policy_source_line(source, line, &length);
	int gutter = gutter_width(source);
	int used = gutter;
	char number[24];
	enum theme_role mark = !diagnostic ? THEME_DIM :
			       diagnostic->severity == POLICY_ERROR ? THEME_STATUS_ERROR :
			       THEME_STATUS_WARNING;

	draw_fill(w, y, x, width, THEME_NORMAL);
	snprintf(number, sizeof number, "%*zu", gutter - 1, line + 1);
	draw_text(w, y, x, gutter - 1 < width ? gutter - 1 : width, number, mark, cs);
	for (size_t i = 0; i <= count && used < width; i++) {
		size_t start = i < count ? spans[i].offset : length;

		if (start > at)
			used += draw_piece(w, y, x + used, width - used, text + at, start - at,
					   THEME_NORMAL, cs);
		if (i == count || used >= width)
			break;
		used += draw_piece(w, y, x + used, width - used, text + start, spans[i].length,
				   spans[i].role, cs);
		at = start + spans[i].length;
	}
	if (diagnostic && used + 4 < width) {
		char note[600];

		snprintf(note, sizeof note, "  %s %u:%u %s", cs == TEXT_UTF8 ? "\u2190" : "<-",
			 diagnostic->line, diagnostic->column, diagnostic->message);
		draw_text(w, y, x + used, width - used, note, mark, cs);
	}
}
