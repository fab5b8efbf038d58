#ifndef GATEHOUSE_VIEWS_POLICY_H
#define GATEHOUSE_VIEWS_POLICY_H

/*
 * The policy pane (views/policy.c): the active policy or the user's draft with
 * line numbers, highlighting and diagnostics; e edits the text in $VISUAL or
 * $EDITOR, s simulates it against the cached history, w publishes it through
 * the outbox. The pieces below are shared by views/policy*.c and the tests.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "policy/policy.h"
#include "policy/simulate.h"
#include "tui/text.h"
#include "tui/theme.h"
#include "views/view.h"

struct view *policy_view_new(struct app *app);

/* ---- The text, its lines and its diagnostics (views/policy_source.c) ---- */

struct policy_source {
	char *text;
	size_t length;
	size_t *line_starts;        /* byte offset of each line's first byte */
	size_t line_count;
	struct policy_diagnostics diagnostics;  /* from policy_parse() and policy_lint() */
};

/* One coloured stretch of a line: byte offsets within the line. */
struct policy_span {
	size_t offset;
	size_t length;
	enum theme_role role;
};

void policy_source_init(struct policy_source *source);
void policy_source_free(struct policy_source *source);
/*
 * Take a copy of text, split it into lines, and parse and lint it (against
 * known, or without an attribute check when NULL) into the diagnostics.
 */
void policy_source_set(struct policy_source *source, const char *text, size_t length,
		       const struct policy_schema *known);
/* Whether the text parses and lints without an error (warnings allowed). */
bool policy_source_clean(const struct policy_source *source);
/* The bytes of line (0-based) without its line end. */
const char *policy_source_line(const struct policy_source *source, size_t line, size_t *length);
/*
 * Fill spans with the coloured stretches of line (0-based), in order, at most
 * max of them; returns how many. Uncoloured bytes (spaces) fall between spans.
 */
size_t policy_source_line_spans(const struct policy_source *source, size_t line,
				struct policy_span *spans, size_t max);
/*
 * The highest-severity diagnostic on line (0-based), an error before a warning, or
 * NULL when the line has none.
 */
const struct policy_diagnostic *policy_source_line_diagnostic(const struct policy_source *source,
							       size_t line);
/* The role a token class is drawn in. */
enum theme_role policy_token_role(enum policy_token_class token_class);

/* Draw line (0-based) at (y, x) in width columns: its number in a gutter, then the coloured text. */
void policy_source_draw_line(const struct policy_source *source, size_t line, WINDOW *w, int y,
			     int x, int width, enum text_charset cs);

/* ---- The editor round trip (views/policy_editor.c) ---- */

/*
 * Write text to a new private temporary file (mkstemp in $TMPDIR or /tmp,
 * mode 0600), run the editor named by $VISUAL, else $EDITOR, else vi, with the
 * file's name as its last argument (the editor string split on spaces, run
 * with execvp and no shell), wait for it, read the file back into *edited
 * (the caller frees it) and delete the file. Curses is left to the caller.
 * Returns false with err on a failure, including an editor that exits with a
 * non-zero status or is killed.
 */
bool policy_editor_run(const char *text, size_t length, char **edited, size_t *edited_length,
		       char *err, size_t errlen);

/* ---- A stale draft set aside (views/policy_draft.c) ---- */

/*
 * Save text, a draft based on version based_on, to a new file of mode 0600 in
 * the folder of the cache file cache_path:
 * policy-draft-vBASED_ON-20261204T151108Z.policy, the time being now in UTC,
 * with "-2", "-3" and so on before ".policy" when that name is taken. The
 * file's path goes to path. Returns false with err when the file cannot be
 * created or written, and then leaves no file behind.
 */
bool policy_draft_save(const char *cache_path, const char *text, int64_t based_on, int64_t now,
		       struct strbuf *path, char *err, size_t errlen);

/* ---- The simulation view (views/policy_simulation.c) ---- */

/*
 * Open a view over the panes that shows a simulation, a
 * policy_simulation_to_json() object (computed here or by the broker), under
 * a first line that names its source. The changed requests open with Enter.
 */
void policy_simulation_open(struct app *app, const json_t *result, const char *source_note);

/* Write all of text to fd, again after an interrupted write; false with errno set. */
bool policy_write_all(int fd, const char *text, size_t length);

#endif
