#ifndef GATEHOUSE_TUI_SPARKLINE_H
#define GATEHOUSE_TUI_SPARKLINE_H

/*
 * Sparklines: a series drawn as one row of characters whose height follows the
 * values. Pure text, so that the views draw it with draw_sanitized() and the tests
 * read it as a string.
 */

#include <stddef.h>

#include "common/strbuf.h"
#include "tui/text.h"

/* The characters from lowest to highest: U+2581 to U+2588 for TEXT_UTF8. */
#define SPARKLINE_UTF8_LEVELS 8
/* The ASCII ramp, lowest first. */
#define SPARKLINE_ASCII_RAMP ".:-=+*#%@"

/*
 * Append a sparkline of count values to out, in at most width columns, and return
 * the number of columns written. A value that is NaN (a step without a value) is
 * drawn as a space.
 *
 * With no more values than columns, each value gets a column. With more, column c
 * of width shows the mean of the values from c * count / width up to the next
 * column's first, NaN left out, so that every value counts once.
 *
 * The scale runs from the smaller of 0 and the lowest value to the highest, so a
 * series of counts keeps 0 at the bottom: the lowest character is the scale's
 * bottom, and any value above it is at least one step higher. When every value is
 * the bottom of the scale, all are drawn with the lowest character.
 */
int sparkline_render(const double *values, size_t count, int width, enum text_charset charset,
		     struct strbuf *out);

#endif
