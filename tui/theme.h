#ifndef GATEHOUSE_TUI_THEME_H
#define GATEHOUSE_TUI_THEME_H

/*
 * Colour roles and themes. Views draw with a role (THEME_PENDING), never a
 * raw colour, and a theme file maps each role to colours and attributes:
 *
 *   # comment lines start with '#'
 *   selected = black cyan reverse
 *
 * that is "ROLE = FOREGROUND BACKGROUND [bold] [reverse] [underline] [dim]".
 * Colours are default, black, red, green, yellow, blue, magenta, cyan, white
 * and bright-black .. bright-white. A bright colour needs a terminal with at
 * least 16 colours. On fewer it becomes the base colour, and a bright
 * foreground also turns bold.
 *
 * Attributes are also the monochrome form of the role, used when colour is
 * off (no colour support, or NO_COLOR set). bold, underline and dim apply in
 * both modes. reverse applies in colour mode only when both colours are
 * "default", because on a line that sets colours it would swap them.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

/* X(IDENTIFIER, "name in theme files") for every role, in one list. */
#define THEME_ROLES(X)                                  \
	X(NORMAL, "normal")                             \
	X(TITLE, "title")                               \
	X(HEADER, "header")                             \
	X(STATUS, "status")                             \
	X(STATUS_ERROR, "status-error")                 \
	X(STATUS_OK, "status-ok")                       \
	X(STATUS_WARNING, "status-warning")             \
	X(SELECTED, "selected")                         \
	X(MARKED, "marked")                             \
	X(SELECTED_MARKED, "selected-marked")           \
	X(SELECTED_INACTIVE, "selected-inactive")       \
	X(DIM, "dim")                                   \
	X(PLACEHOLDER, "placeholder")                   \
	X(BORDER, "border")                             \
	X(PENDING, "pending")                           \
	X(EXPIRING, "expiring")                         \
	X(EXPIRED, "expired")                           \
	X(APPROVED, "approved")                         \
	X(DENIED, "denied")                             \
	X(REVOKED, "revoked")                           \
	X(STANDING, "standing")                         \
	X(DIALOG, "dialog")                             \
	X(DIALOG_BORDER, "dialog-border")               \
	X(INPUT, "input")                               \
	X(KEY, "key")                                   \
	X(BANNER_OFFLINE, "banner-offline")

enum theme_role {
#define THEME_ROLE_ENUM(id, name) THEME_##id,
	THEME_ROLES(THEME_ROLE_ENUM)
#undef THEME_ROLE_ENUM
	THEME_ROLE_COUNT
};

/* A colour: THEME_COLOR_DEFAULT, or 0..7 (COLOR_BLACK..COLOR_WHITE) and 8..15 for bright. */
#define THEME_COLOR_DEFAULT (-1)

/* The colours and attributes of one role. attributes holds A_BOLD, A_REVERSE, A_UNDERLINE, A_DIM. */
struct theme_style {
	short foreground;
	short background;
	attr_t attributes;
};

struct theme {
	struct theme_style styles[THEME_ROLE_COUNT];
	/* Which roles the parsed text named. */
	bool set[THEME_ROLE_COUNT];
};

/* The compiled-in default theme: byte-identical to themes/default.theme. */
extern const char theme_default_text[];

/* Return a role's name in theme files ("status-error"). */
const char *theme_role_name(enum theme_role role);

/*
 * Parse theme text into out. Roles the text does not name are "default
 * default" without attributes, and out->set tells which were named. On
 * error, writes "LINE:COLUMN: message" to err and returns false.
 */
bool theme_parse(const char *text, struct theme *out, char *err, size_t errlen);

/* Fill out with the compiled-in default theme. */
void theme_default(struct theme *out);

/*
 * Load a theme. A name_or_path containing '/' is a file. Otherwise it is a
 * name (letters, digits, '-', '_') looked up as NAME.theme in
 * $XDG_CONFIG_HOME/gatehouse/themes (default ~/.config), then
 * GATEHOUSE_DATADIR/themes, then themes/ in the source tree that holds the
 * running program. "default" falls back to the compiled-in theme. Roles the
 * file leaves out keep their default-theme style. On error, writes a message
 * that names the file ("PATH:LINE:COLUMN: message") to err and returns false.
 */
bool theme_load(const char *name_or_path, struct theme *out, char *err,
		size_t errlen);

/*
 * Write the folder of the user's themes to dir: $XDG_CONFIG_HOME/gatehouse/themes,
 * or ~/.config/gatehouse/themes. Returns false when neither variable is an
 * absolute path or dir is too small.
 */
bool theme_user_dir(char *dir, size_t size);

/*
 * Write the folder of the shipped themes to dir: GATEHOUSE_DATADIR/themes
 * when it exists, else themes/ in the source tree that contains the running
 * program when that exists, else GATEHOUSE_DATADIR/themes.
 */
bool theme_shipped_dir(char *dir, size_t size);

/* Make theme the one theme_attr() draws with, in colour if colour is on. */
void theme_use(const struct theme *theme);

/*
 * Turn colour on after newterm() when the terminal has colours and NO_COLOR
 * is unset or empty (https://no-color.org). Calls start_color() and sets up
 * one colour pair per role. Returns whether colour is on. It stays off when
 * the terminal has fewer colour pairs than roles.
 */
bool theme_start_color(void);

/* Turn colour off again: theme_attr() returns the monochrome attributes. */
void theme_stop_color(void);

/* Return the attributes and colour pair to draw role with. */
attr_t theme_attr(enum theme_role role);

#endif
