#ifndef GATEHOUSE_TUI_TEXT_H
#define GATEHOUSE_TUI_TEXT_H

/*
 * The one sanitizer for untrusted text (anything the broker sends) before it
 * reaches ncurses. Raw control bytes let a sender run terminal escape
 * sequences, such as OSC 52, which writes the viewer's clipboard. Bidi
 * overrides reverse the text that follows ("invoice<U+202E>txt.exe"), and
 * zero-width characters make "ad<U+200B>min" look like "admin", so both are
 * shown as visible placeholders.
 */

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

/* The character set the terminal can draw, chosen by the caller. */
enum text_charset {
	TEXT_UTF8,
	TEXT_ASCII,
};

/* A length argument that means "untrusted is NUL-terminated". */
#define TEXT_NUL_TERMINATED SIZE_MAX

/*
 * Return TEXT_UTF8 when nl_langinfo(CODESET) is "UTF-8", else TEXT_ASCII.
 * Call it after setlocale(LC_ALL, "").
 */
enum text_charset text_charset_from_locale(void);

/*
 * Append a terminal-safe UTF-8 copy of len bytes of untrusted to out. A len
 * of TEXT_NUL_TERMINATED means strlen(untrusted), and a NULL untrusted is the
 * empty string. The output contains no NUL byte.
 *
 * Both charsets:
 *   C0 controls and DEL        UTF-8: control pictures (ESC is U+241B, DEL is
 *                              U+2421). ASCII: caret notation ("^[", "^?").
 *   C1 controls, format (Cf),  "<U+202E>": uppercase hex, at least 4 digits.
 *   default-ignorable, line
 *   and paragraph separators
 *   variation selectors and    dropped, because terminals disagree on the
 *   emoji skin-tone modifiers  width they add.
 *   invalid UTF-8              one U+FFFD (ASCII: "?") per invalid byte, so
 *                              overlong forms, surrogates and code points
 *                              above U+10FFFF never pass.
 * UTF-8 only:
 *   wcwidth() < 0              "<U+XXXX>"
 *   wcwidth() == 0             kept after a base character, "<U+XXXX>" at the
 *                              start or after a placeholder.
 *   anything else              kept.
 * ASCII only:
 *   any other non-ASCII        "?" (one column), without consulting wcwidth.
 *
 * TEXT_UTF8 needs a UTF-8 LC_CTYPE in the process, as ncursesw does. In the
 * "C" locale wcwidth() returns -1 for every non-ASCII character, so all of
 * them would become placeholders.
 *
 * Returns the number of placeholders written (control pictures or carets,
 * "<U+XXXX>", U+FFFD or "?" for invalid bytes) so that a caller can flag an
 * altered value. ASCII mode's "?" for a printable character and dropped
 * characters are not counted.
 */
size_t text_sanitize(const char *untrusted, size_t len,
		     enum text_charset charset, struct strbuf *out);

/*
 * Return the number of terminal columns that utf8, a text_sanitize() output,
 * takes: the sum of wcwidth() over its code points, as ncursesw counts. The
 * decoding is explicit UTF-8, but wcwidth() still needs a UTF-8 LC_CTYPE
 * (for example setlocale(LC_ALL, "C.UTF-8")). An invalid byte or a code point
 * with wcwidth() < 0 counts as one column; text_sanitize() output has
 * neither. The result saturates at INT_MAX.
 */
int text_width(const char *utf8);

/*
 * Append sanitized to out, left-aligned in exactly columns columns (by
 * text_width()); columns <= 0 appends nothing. A shorter string is padded
 * with spaces on the right. A longer one is cut to columns - 1 columns and
 * followed by an ellipsis: U+2026 for TEXT_UTF8, "~" for TEXT_ASCII.
 * Combining marks stay with the last kept character. When a wide character
 * would straddle the cut, the column it would half fill becomes padding,
 * after the ellipsis: "世界世界" in 4 columns is "世… ".
 */
void text_fit(const char *sanitized, int columns, enum text_charset charset,
	      struct strbuf *out);

/* Append like text_fit(), but right-aligned: all padding goes on the left. */
void text_fit_right(const char *sanitized, int columns,
		    enum text_charset charset, struct strbuf *out);

/*
 * Append len bytes of untrusted to out, sanitized and fitted to columns as
 * text_sanitize() and text_fit() do. It works in out itself, so it needs no
 * scratch buffer. Returns text_sanitize()'s placeholder count for the whole
 * value, including placeholders that the cut removed.
 */
size_t text_cell(const char *untrusted, size_t len, int columns,
		 enum text_charset charset, struct strbuf *out);

#endif
