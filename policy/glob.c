#include "policy/glob.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "policy/internal.h"

enum glob_step_kind {
	STEP_LITERAL,               /* bytes to compare */
	STEP_ANY,                   /* ? */
	STEP_STAR,                  /* * (several in a row are one) */
	STEP_CLASS,                 /* [...] */
};

struct glob_range {
	uint32_t first;
	uint32_t last;
};

struct glob_step {
	enum glob_step_kind kind;
	size_t offset;              /* STEP_LITERAL: into literals; STEP_CLASS: into ranges */
	size_t length;
	bool negated;               /* STEP_CLASS: [!...] */
};

/* Patterns of literal text and stars only, which memcmp and memmem can match. */
enum glob_shape {
	SHAPE_GENERAL,
	SHAPE_EXACT,                /* text */
	SHAPE_PREFIX,               /* text* */
	SHAPE_SUFFIX,               /* *text */
	SHAPE_CONTAINS,             /* *text* */
};

struct policy_glob {
	enum glob_shape shape;
	struct glob_step *steps;
	size_t step_count;
	char *literals;
	size_t literal_length;
	struct glob_range *ranges;
	size_t range_count;
	bool has_wildcard;
};

/*
 * Decode the code point at text (length > 0) into *cp and return its length.
 * A byte that starts no well-formed sequence decodes as itself, length 1, so
 * that any bytes can be matched and nothing is read past length.
 */
static size_t decode_character(const unsigned char *text, size_t length, uint32_t *cp)
{
	size_t n = utf8_decode(text, length, cp);

	if (n == 0) {
		*cp = text[0];
		n = 1;
	}
	return n;
}

struct glob_builder {
	struct policy_glob *glob;
	size_t step_capacity;
	size_t range_capacity;
	const unsigned char *pattern;
	size_t length;
	size_t at;
};

static struct glob_step *add_step(struct glob_builder *b, enum glob_step_kind kind)
{
	struct policy_glob *g = b->glob;

	if (g->step_count == b->step_capacity) {
		b->step_capacity = b->step_capacity ? b->step_capacity * 2 : 8;
		g->steps = xreallocarray(g->steps, b->step_capacity, sizeof *g->steps);
	}
	struct glob_step *step = &g->steps[g->step_count++];

	memset(step, 0, sizeof *step);
	step->kind = kind;
	return step;
}

static void add_literal(struct glob_builder *b, const unsigned char *bytes, size_t n)
{
	struct policy_glob *g = b->glob;
	struct glob_step *last = g->step_count ? &g->steps[g->step_count - 1] : NULL;

	if (!last || last->kind != STEP_LITERAL) {
		last = add_step(b, STEP_LITERAL);
		last->offset = g->literal_length;
	}
	memcpy(g->literals + g->literal_length, bytes, n);
	g->literal_length += n;
	last->length += n;
}

static void add_range(struct glob_builder *b, uint32_t first, uint32_t last)
{
	struct policy_glob *g = b->glob;

	if (g->range_count == b->range_capacity) {
		b->range_capacity = b->range_capacity ? b->range_capacity * 2 : 8;
		g->ranges = xreallocarray(g->ranges, b->range_capacity, sizeof *g->ranges);
	}
	g->ranges[g->range_count].first = first;
	g->ranges[g->range_count].last = last;
	g->range_count++;
}

/* Read one character of a class, with a backslash escaping it; false at the pattern's end. */
static bool read_class_char(struct glob_builder *b, uint32_t *cp)
{
	if (b->at < b->length && b->pattern[b->at] == '\\')
		b->at++;
	if (b->at >= b->length)
		return false;
	b->at += decode_character(b->pattern + b->at, b->length - b->at, cp);
	return true;
}

/* Compile [...] starting at its "["; false with err when it is not closed. */
static bool compile_class(struct glob_builder *b, char *err, size_t errlen, size_t *error_offset)
{
	size_t open = b->at++;
	struct glob_step *step = add_step(b, STEP_CLASS);
	size_t step_index = b->glob->step_count - 1;
	size_t first_range = b->glob->range_count;

	if (b->at < b->length && (b->pattern[b->at] == '!' || b->pattern[b->at] == '^')) {
		step->negated = true;
		b->at++;
	}
	/* A "]" first in the set is a member, not the end. */
	bool first = true;

	while (b->at < b->length && (first || b->pattern[b->at] != ']')) {
		uint32_t low, high;

		first = false;
		if (!read_class_char(b, &low))
			break;
		high = low;
		if (b->at + 1 < b->length && b->pattern[b->at] == '-' && b->pattern[b->at + 1] != ']') {
			b->at++;
			if (!read_class_char(b, &high))
				break;
			if (high < low) {
				snprintf(err, errlen, "invalid glob: the range in [...] runs backwards");
				*error_offset = open;
				return false;
			}
		}
		add_range(b, low, high);
	}
	if (b->at >= b->length) {
		snprintf(err, errlen, "invalid glob: [ is not closed by ]; write \\[ for a literal [");
		*error_offset = open;
		return false;
	}
	b->at++;
	step = &b->glob->steps[step_index];
	step->offset = first_range;
	step->length = b->glob->range_count - first_range;
	return true;
}

static bool compile_steps(struct glob_builder *b, char *err, size_t errlen, size_t *error_offset)
{
	struct policy_glob *g = b->glob;

	while (b->at < b->length) {
		unsigned char c = b->pattern[b->at];

		if (c == '*') {
			if (!g->step_count || g->steps[g->step_count - 1].kind != STEP_STAR)
				add_step(b, STEP_STAR);
			g->has_wildcard = true;
			b->at++;
		} else if (c == '?') {
			add_step(b, STEP_ANY);
			g->has_wildcard = true;
			b->at++;
		} else if (c == '[') {
			g->has_wildcard = true;
			if (!compile_class(b, err, errlen, error_offset))
				return false;
		} else if (c == '\\') {
			if (b->at + 1 >= b->length) {
				snprintf(err, errlen, "invalid glob: a \\ at the end escapes nothing; "
					 "write \\\\ for a backslash");
				*error_offset = b->at;
				return false;
			}
			add_literal(b, b->pattern + b->at + 1, 1);
			b->at += 2;
		} else {
			add_literal(b, &c, 1);
			b->at++;
		}
	}
	return true;
}

static bool step_is(const struct policy_glob *g, size_t index, enum glob_step_kind kind)
{
	return index < g->step_count && g->steps[index].kind == kind;
}

static enum glob_shape glob_shape(const struct policy_glob *g)
{
	if (g->step_count == 1 && step_is(g, 0, STEP_LITERAL))
		return SHAPE_EXACT;
	if (g->step_count == 2 && step_is(g, 0, STEP_LITERAL) && step_is(g, 1, STEP_STAR))
		return SHAPE_PREFIX;
	if (g->step_count == 2 && step_is(g, 0, STEP_STAR) && step_is(g, 1, STEP_LITERAL))
		return SHAPE_SUFFIX;
	if (g->step_count == 3 && step_is(g, 0, STEP_STAR) && step_is(g, 1, STEP_LITERAL) &&
	    step_is(g, 2, STEP_STAR))
		return SHAPE_CONTAINS;
	return SHAPE_GENERAL;
}

struct policy_glob *glob_compile(const char *pattern, size_t length, char *err, size_t errlen,
				 size_t *error_offset)
{
	struct policy_glob *g = xcalloc(1, sizeof *g);
	struct glob_builder b = {
		.glob = g, .pattern = (const unsigned char *)pattern, .length = length,
	};

	g->literals = xmalloc(length + 1);
	if (!compile_steps(&b, err, errlen, error_offset)) {
		glob_free(g);
		return NULL;
	}
	g->shape = glob_shape(g);
	return g;
}

void glob_free(struct policy_glob *glob)
{
	if (!glob)
		return;
	free(glob->steps);
	free(glob->literals);
	free(glob->ranges);
	free(glob);
}

bool glob_has_wildcard(const struct policy_glob *glob)
{
	return glob->has_wildcard;
}

static bool class_contains(const struct policy_glob *g, const struct glob_step *step, uint32_t cp)
{
	bool inside = false;

	for (size_t i = 0; i < step->length && !inside; i++) {
		const struct glob_range *range = &g->ranges[step->offset + i];

		inside = cp >= range->first && cp <= range->last;
	}
	return inside != step->negated;
}

/* Match one step that is not a star at text[at]; returns the bytes consumed, 0 on a mismatch. */
static size_t match_step(const struct policy_glob *g, const struct glob_step *step,
			 const unsigned char *text, size_t length, size_t at)
{
	uint32_t cp;
	size_t n;

	switch (step->kind) {
	case STEP_LITERAL:
		if (length - at < step->length || memcmp(text + at, g->literals + step->offset, step->length))
			return 0;
		return step->length;
	case STEP_ANY:
		return at < length ? decode_character(text + at, length - at, &cp) : 0;
	case STEP_CLASS:
		if (at >= length)
			return 0;
		n = decode_character(text + at, length - at, &cp);
		return class_contains(g, step, cp) ? n : 0;
	case STEP_STAR:
		break;
	}
	return 0;
}

static bool match_shape(const struct policy_glob *glob, const char *text, size_t length)
{
	const char *literal = glob->literals;
	size_t n = glob->literal_length;

	switch (glob->shape) {
	case SHAPE_EXACT:
		return length == n && memcmp(text, literal, n) == 0;
	case SHAPE_PREFIX:
		return length >= n && memcmp(text, literal, n) == 0;
	case SHAPE_SUFFIX:
		return length >= n && memcmp(text + length - n, literal, n) == 0;
	case SHAPE_CONTAINS:
		return memmem(text, length, literal, n) != NULL;
	case SHAPE_GENERAL:
		break;
	}
	return false;
}

/*
 * The classic matcher that backtracks only to the last star: a star takes
 * one more character each time what follows it fails. Earlier stars never
 * need to take more, so the cost is at most pattern length times text length.
 */
static bool glob_match_steps(const struct policy_glob *glob, const char *text, size_t length)
{
	const unsigned char *bytes = (const unsigned char *)text;
	size_t step = 0, at = 0;
	size_t star_step = SIZE_MAX, star_at = 0;
	uint32_t cp;

	for (;;) {
		if (step < glob->step_count) {
			const struct glob_step *s = &glob->steps[step];

			if (s->kind == STEP_STAR) {
				star_step = step++;
				star_at = at;
				continue;
			}
			size_t n = match_step(glob, s, bytes, length, at);

			if (n > 0) {
				step++;
				at += n;
				continue;
			}
		} else if (at == length) {
			return true;
		}
		if (star_step == SIZE_MAX || star_at >= length)
			return false;
		star_at += decode_character(bytes + star_at, length - star_at, &cp);
		at = star_at;
		step = star_step + 1;
	}
}

bool glob_match(const struct policy_glob *glob, const char *text, size_t length)
{
	if (glob->shape != SHAPE_GENERAL)
		return match_shape(glob, text, length);
	return glob_match_steps(glob, text, length);
}
