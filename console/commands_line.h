#ifndef GATEHOUSE_COMMANDS_LINE_H
#define GATEHOUSE_COMMANDS_LINE_H

/*
 * The console's ":" command line: one table of commands, which runs them,
 * completes them and documents them (":help", the "?" help). A command does
 * what its keys do by the same code. It runs the keymap action, or calls the
 * app_begin_* function of actions.c and answers its dialogs as a person
 * would. So a reason given after "--" fills the reason prompt, and every
 * confirmation is still asked.
 */

#include <stdbool.h>
#include <stddef.h>

#include "tui/key.h"
#include "tui/keymap.h"

struct app;
struct command_line;

/* Run a keymap action as its key would: the focused view first, then the global actions. */
typedef void command_action_fn(struct app *app, enum action action);

/*
 * Make the command line of app. The history file is opened on first use, so
 * a console that never types ":" never creates it.
 */
struct command_line *command_line_new(struct app *app, command_action_fn *run_action);
void command_line_free(struct command_line *line);

/* Open the line on the bottom row; a failure to start the editor goes to the status line. */
void command_line_open(struct command_line *line);
bool command_line_active(const struct command_line *line);

/* Give a key to the open line; Enter runs the command and closes the line. */
void command_line_key(struct command_line *line, const struct key_event *ev);

/* Run one command as typed ("approve 12 -- on call"): what Enter does with the line. */
void command_line_run(struct command_line *line, const char *text);

/*
 * Draw the open line on the bottom row of stdscr, with the last Tab's
 * candidates on the row above, and put the terminal cursor in the line.
 */
void command_line_draw(struct command_line *line);

/* One command for the help: its usage ("deny ID... [-- REASON]") and what it does. */
struct command_help {
	const char *name;
	const char *usage;
	const char *help;
};

/* Fill out with the next command, with *cursor starting at 0; false after the last. */
bool command_line_help_next(size_t *cursor, struct command_help *out);

#endif
