#ifndef GATEHOUSE_TUI_CMDLINE_H
#define GATEHOUSE_TUI_CMDLINE_H

/*
 * A one-line command editor on libedit, drawn by curses on one screen row.
 *
 * libedit edits only when its output is a terminal, so it gets one end of a
 * pseudo-terminal pair and its screen output is read from the other end and
 * thrown away: curses draws el_line() instead. Keys reach it through an
 * EL_GETCFN callback. libedit runs in a thread of its own, in lockstep with
 * the caller: cmdline_key() hands over one key and waits until libedit asks
 * for the next one. EL_UNBUFFERED alone is not enough, because commands such
 * as C-r (incremental search) read several keys inside one call.
 *
 * The keys are libedit's emacs bindings (C-a, C-e, C-k, C-u, C-w, C-y, C-r,
 * C-p/C-n or Up/Down for the history, ...), plus: Tab completes the word
 * before the cursor through the caller's callback, Esc cancels the line, and
 * Enter submits it. History is kept in a file across runs.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "tui/key.h"
#include "tui/text.h"

struct cmdline;

/* The candidates of one Tab press, collected by the completion callback. */
struct cmdline_completion;

/*
 * Offer a word that could stand where the word before the cursor is; words
 * that do not start with that word are ignored, and so are words with
 * blanks or control characters, which the line could not hold as one word.
 */
void cmdline_completion_add(struct cmdline_completion *completion, const char *word);

/*
 * Add every word that could stand at word_index (0 for the command name) of
 * the line, given the words before it (words[0 .. word_index - 1]). Runs on
 * libedit's thread while the caller of cmdline_key() waits for it.
 */
typedef void cmdline_complete_fn(void *ctx, const char *const *words, size_t word_index,
				 struct cmdline_completion *completion);

enum cmdline_result {
	CMDLINE_EDITING,
	CMDLINE_SUBMITTED,
	CMDLINE_CANCELED,
};

/*
 * Start the editor. history_path is the history file, or NULL for a history
 * that is not kept; it is read now when it exists. Returns NULL with the
 * reason in err.
 */
struct cmdline *cmdline_new(const char *history_path, cmdline_complete_fn *complete, void *ctx,
			    char *err, size_t errlen);
void cmdline_free(struct cmdline *cl);

/*
 * Apply one key to the line being edited. After CMDLINE_SUBMITTED the line
 * is in cmdline_submitted() and in the history; the next key starts a new
 * line. After CMDLINE_CANCELED the next key starts a new line too.
 */
enum cmdline_result cmdline_key(struct cmdline *cl, const struct key_event *ev);

/* The last submitted line, without its newline; "" before the first. */
const char *cmdline_submitted(const struct cmdline *cl);

/*
 * The candidates the last Tab press found when it could not pick one (or
 * why nothing was found), "" otherwise. Cleared by the next key.
 */
const char *cmdline_hint(const struct cmdline *cl);

/* Why the history file could not be read or written, "" when it could. Cleared on read. */
const char *cmdline_take_error(struct cmdline *cl);

/*
 * Draw ":" and the line in width columns at (y, 0) of w, scrolled sideways
 * so that the cursor shows. Returns the cursor's column, or -1 when y is
 * outside w.
 */
int cmdline_draw(struct cmdline *cl, WINDOW *w, int y, int width, enum text_charset cs);

#endif
