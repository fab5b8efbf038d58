#include "tui/sparkline.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/alloc.h"

/* The UTF-8 block elements U+2581 (lower one eighth) to U+2588 (full block). */
static const char *const utf8_levels[SPARKLINE_UTF8_LEVELS] = {
	"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588",
};

/* The mean of the values in [first, end) that are not NaN; NaN when there is none. */
static double mean_of(const double *values, size_t first, size_t end)
{
	double sum = 0;
	size_t present = 0;

	for (size_t i = first; i < end; i++) {
		if (isnan(values[i]))
			continue;
		sum += values[i];
		present++;
	}
	return present ? sum / (double)present : NAN;
}

/* Reduce values to columns values, one per column (see sparkline_render). */
static void fit_columns(const double *values, size_t count, size_t columns, double *out)
{
	for (size_t c = 0; c < columns; c++) {
		size_t first = c * count / columns, end = (c + 1) * count / columns;
		out[c] = mean_of(values, first, end);
	}
}

static int level_of(double v, double bottom, double top, int levels)
{
	if (v <= bottom || top <= bottom)
		return 0;
	double level = ceil((v - bottom) / (top - bottom) * (levels - 1));
	return level >= levels - 1 ? levels - 1 : (int)level;
}

static void append_level(struct strbuf *out, int level, enum text_charset charset)
{
	if (charset == TEXT_UTF8)
		strbuf_puts(out, utf8_levels[level]);
	else
		strbuf_putc(out, SPARKLINE_ASCII_RAMP[level]);
}

int sparkline_render(const double *values, size_t count, int width, enum text_charset charset,
		     struct strbuf *out)
{
	if (width <= 0 || count == 0)
		return 0;
	size_t columns = count < (size_t)width ? count : (size_t)width;
	double *shown = xcalloc(columns, sizeof *shown);
	int levels = charset == TEXT_UTF8 ? SPARKLINE_UTF8_LEVELS : (int)sizeof SPARKLINE_ASCII_RAMP - 1;
	double bottom = 0, top = 0;
	bool any = false;

	fit_columns(values, count, columns, shown);
	for (size_t c = 0; c < columns; c++) {
		if (isnan(shown[c]))
			continue;
		if (!any || shown[c] > top)
			top = shown[c];
		if (shown[c] < bottom)
			bottom = shown[c];
		any = true;
	}
	for (size_t c = 0; c < columns; c++) {
		if (isnan(shown[c]))
			strbuf_putc(out, ' ');
		else
			append_level(out, level_of(shown[c], bottom, top, levels), charset);
	}
	free(shown);
	return (int)columns;
}
