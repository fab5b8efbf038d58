#ifndef GATEHOUSE_TUI_WRAP_H
#define GATEHOUSE_TUI_WRAP_H

#include <stddef.h>

/*
 * Find the first line of sanitized (text_sanitize() output) when it is
 * wrapped to columns columns: store the line's length in bytes in
 * *line_bytes and return the offset where the next line starts, after the
 * spaces at the break. Lines break at the last space that fits, or inside a
 * word that is longer than a line. A character wider than columns still
 * makes a line of its own, so that every call moves forward, and text_fit()
 * then cuts it. Returns strlen(sanitized) on the last line.
 */
size_t wrap_line(const char *sanitized, int columns, size_t *line_bytes);

/* Wrap like wrap_line() the len bytes at sanitized, which need no NUL after them. */
size_t wrap_line_len(const char *sanitized, size_t len, int columns,
		     size_t *line_bytes);

#endif
