#include "tui/theme.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_read.h"
#include "common/strbuf.h"

/* Theme files are a few dozen lines. The cap stops a wrong path (a log file) early. */
#define THEME_FILE_MAX (64 * 1024)
/* The program's own directory and up to three parents, as broker/demo_history.c looks for data/. */
#define SOURCE_TREE_LEVELS 4

static const char *const role_names[THEME_ROLE_COUNT] = {
#define THEME_ROLE_NAME(id, name) name,
	THEME_ROLES(THEME_ROLE_NAME)
#undef THEME_ROLE_NAME
};

/* Indexed by colour number: 0..7 are COLOR_BLACK..COLOR_WHITE, 8..15 their bright forms. */
static const char *const color_names[16] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow",
	"bright-blue", "bright-magenta", "bright-cyan", "bright-white",
};

struct attribute_name {
	const char *name;
	attr_t attribute;
};

static const struct attribute_name attribute_names[] = {
	{ "bold", A_BOLD },
	{ "reverse", A_REVERSE },
	{ "underline", A_UNDERLINE },
	{ "dim", A_DIM },
};

/* One line being parsed, for error positions. */
struct theme_parser {
	const char *line;
	int line_number;
	char *err;
	size_t errlen;
};

/* The theme that theme_attr() draws with, and the attributes it computed. */
static struct theme active_theme;
static bool active_theme_loaded;
static bool color_on;
static bool default_colors;
static attr_t role_attributes[THEME_ROLE_COUNT];

const char *theme_role_name(enum theme_role role)
{
	return role_names[role];
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* Return the end of the word at p: a word stops at a blank, '=' or the line's end. */
static const char *word_end(const char *p, const char *end)
{
	while (p < end && !is_blank(*p) && *p != '=')
		p++;
	return p;
}

static bool word_is(const char *word, const char *word_stop, const char *name)
{
	size_t len = (size_t)(word_stop - word);

	return strlen(name) == len && memcmp(word, name, len) == 0;
}

__attribute__((format(printf, 3, 4)))
static bool parse_error(const struct theme_parser *parser, const char *at,
			const char *fmt, ...)
{
	va_list ap;
	int prefix = snprintf(parser->err, parser->errlen, "%d:%d: ",
			      parser->line_number,
			      (int)(at - parser->line) + 1);

	if (prefix < 0 || (size_t)prefix >= parser->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(parser->err + prefix, parser->errlen - (size_t)prefix, fmt, ap);
	va_end(ap);
	return false;
}

static int find_role(const char *word, const char *word_stop)
{
	for (int i = 0; i < THEME_ROLE_COUNT; i++) {
		if (word_is(word, word_stop, role_names[i]))
			return i;
	}
	return -1;
}

static bool find_color(const char *word, const char *word_stop, short *color)
{
	if (word_is(word, word_stop, "default")) {
		*color = THEME_COLOR_DEFAULT;
		return true;
	}
	for (short i = 0; i < 16; i++) {
		if (word_is(word, word_stop, color_names[i])) {
			*color = i;
			return true;
		}
	}
	return false;
}

static bool find_attribute(const char *word, const char *word_stop,
			   attr_t *attribute)
{
	size_t count = sizeof attribute_names / sizeof attribute_names[0];

	for (size_t i = 0; i < count; i++) {
		if (word_is(word, word_stop, attribute_names[i].name)) {
			*attribute = attribute_names[i].attribute;
			return true;
		}
	}
	return false;
}

/* Parse the colour word at *p, moving *p past it. which is "foreground" or "background". */
static bool parse_color(const struct theme_parser *parser, const char **p,
			const char *end, const char *which, short *color)
{
	const char *word = skip_blanks(*p, end);
	const char *stop = word_end(word, end);

	if (word == stop)
		return parse_error(parser, word, "missing %s colour", which);
	if (!find_color(word, stop, color))
		return parse_error(parser, word,
				   "unknown colour \"%.*s\" (expected default, black, red, green, "
				   "yellow, blue, magenta, cyan, white or bright-NAME)",
				   (int)(stop - word), word);
	*p = stop;
	return true;
}

static bool parse_attributes(const struct theme_parser *parser, const char *p,
			     const char *end, attr_t *attributes)
{
	*attributes = A_NORMAL;
	for (;;) {
		const char *word = skip_blanks(p, end);
		const char *stop = word_end(word, end);
		attr_t attribute;

		if (word == end)
			return true;
		if (word == stop)
			return parse_error(parser, word, "unexpected '='");
		if (!find_attribute(word, stop, &attribute))
			return parse_error(parser, word,
					   "unknown attribute \"%.*s\" (expected bold, reverse, "
					   "underline or dim)",
					   (int)(stop - word), word);
		*attributes |= attribute;
		p = stop;
	}
}

/* Parse "ROLE = FOREGROUND BACKGROUND [ATTRIBUTE...]" from p, a line without its newline. */
static bool parse_line(const struct theme_parser *parser, const char *p,
		       const char *end, struct theme *out)
{
	const char *word = p;
	const char *stop = word_end(word, end);
	struct theme_style style;

	if (word == stop)
		return parse_error(parser, word, "missing role name before '='");
	int role = find_role(word, stop);

	if (role < 0)
		return parse_error(parser, word, "unknown role \"%.*s\"",
				   (int)(stop - word), word);
	if (out->set[role])
		return parse_error(parser, word, "role \"%s\" is set twice",
				   role_names[role]);

	p = skip_blanks(stop, end);
	if (p == end || *p != '=')
		return parse_error(parser, p, "missing '=' after role \"%s\"",
				   role_names[role]);
	p++;

	if (!parse_color(parser, &p, end, "foreground", &style.foreground) ||
	    !parse_color(parser, &p, end, "background", &style.background) ||
	    !parse_attributes(parser, p, end, &style.attributes))
		return false;

	out->styles[role] = style;
	out->set[role] = true;
	return true;
}

static void theme_clear(struct theme *theme)
{
	for (int i = 0; i < THEME_ROLE_COUNT; i++) {
		theme->styles[i].foreground = THEME_COLOR_DEFAULT;
		theme->styles[i].background = THEME_COLOR_DEFAULT;
		theme->styles[i].attributes = A_NORMAL;
		theme->set[i] = false;
	}
}

bool theme_parse(const char *text, struct theme *out, char *err, size_t errlen)
{
	struct theme_parser parser = { text, 0, err, errlen };
	const char *line = text;

	theme_clear(out);
	while (*line) {
		const char *newline = strchr(line, '\n');
		const char *end = newline ? newline : line + strlen(line);
		const char *first = skip_blanks(line, end);

		parser.line = line;
		parser.line_number++;
		if (first < end && *first != '#' &&
		    !parse_line(&parser, first, end, out))
			return false;
		line = newline ? newline + 1 : end;
	}
	return true;
}

void theme_default(struct theme *out)
{
	char err[256];

	/* test_tui_theme.c parses the same text, so this only fails in a broken build. */
	if (!theme_parse(theme_default_text, out, err, sizeof err)) {
		fprintf(stderr, "gatehouse: compiled-in default theme: %s\n", err);
		abort();
	}
}

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

__attribute__((format(printf, 3, 4)))
static bool set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

static bool load_theme_file(const char *path, struct theme *out, char *err,
			    size_t errlen)
{
	struct strbuf text = STRBUF_INIT;
	char parse_err[256];
	struct theme file_theme;

	if (file_read("theme file", path, THEME_FILE_MAX, FILE_READ_TEXT, &text, err,
		      errlen) != FILE_READ_OK) {
		strbuf_free(&text);
		return false;
	}
	bool parsed = theme_parse(strbuf_str(&text), &file_theme, parse_err,
				  sizeof parse_err);

	strbuf_free(&text);
	if (!parsed)
		return set_error(err, errlen, "%s:%s", path, parse_err);

	theme_default(out);
	for (int i = 0; i < THEME_ROLE_COUNT; i++) {
		if (file_theme.set[i]) {
			out->styles[i] = file_theme.styles[i];
			out->set[i] = true;
		}
	}
	return true;
}

static bool is_theme_name(const char *name)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';

		if (!ok)
			return false;
	}
	return true;
}

/*
 * Check dir/NAME.theme, and add dir to searched (for the error message).
 * Returns true with the file's path in path when it exists.
 */
static bool try_theme_dir(const char *dir, const char *name, char *path,
			  size_t size, struct strbuf *searched)
{
	int length = snprintf(path, size, "%s/%s.theme", dir, name);

	if (length >= 0 && (size_t)length < size && file_exists(path))
		return true;
	if (searched->len > 0)
		strbuf_puts(searched, ", ");
	strbuf_puts(searched, dir);
	return false;
}

bool theme_user_dir(char *dir, size_t size)
{
	const char *config = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int length;

	/* The XDG base directory specification ignores an empty or relative value. */
	if (config && config[0] == '/')
		length = snprintf(dir, size, "%s/gatehouse/themes", config);
	else if (home && home[0] == '/')
		length = snprintf(dir, size, "%s/.config/gatehouse/themes", home);
	else
		return false;
	return length >= 0 && (size_t)length < size;
}

static bool find_in_config_dir(const char *name, char *path, size_t size,
			       struct strbuf *searched)
{
	char dir[PATH_MAX];

	return theme_user_dir(dir, sizeof dir) &&
	       try_theme_dir(dir, name, path, size, searched);
}

/*
 * Look in themes/ beside the running program and up to three directories
 * above it. name NULL finds the first such directory that exists, into dir.
 */
static bool find_in_source_tree(const char *name, char *path, size_t size,
				struct strbuf *searched)
{
	char exe[PATH_MAX];
	char dir[PATH_MAX];
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (int level = 0; level < SOURCE_TREE_LEVELS; level++) {
		char *slash = strrchr(exe, '/');

		if (!slash || slash == exe)
			return false;
		*slash = '\0';
		if (snprintf(dir, sizeof dir, "%s/themes", exe) >= (int)sizeof dir)
			return false;
		if (!name && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return snprintf(path, size, "%s", dir) < (int)size;
		if (name && try_theme_dir(dir, name, path, size, searched))
			return true;
	}
	return false;
}

bool theme_shipped_dir(char *dir, size_t size)
{
	struct stat st;
	int length;

	if (stat(GATEHOUSE_DATADIR "/themes", &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (find_in_source_tree(NULL, dir, size, NULL))
			return true;
	}
	length = snprintf(dir, size, "%s", GATEHOUSE_DATADIR "/themes");
	return length >= 0 && (size_t)length < size;
}

static bool find_theme(const char *name, char *path, size_t size,
		       struct strbuf *searched)
{
	return find_in_config_dir(name, path, size, searched) ||
	       try_theme_dir(GATEHOUSE_DATADIR "/themes", name, path, size,
			     searched) ||
	       find_in_source_tree(name, path, size, searched);
}

bool theme_load(const char *name_or_path, struct theme *out, char *err,
		size_t errlen)
{
	char path[PATH_MAX];
	struct strbuf searched = STRBUF_INIT;

	if (strchr(name_or_path, '/'))
		return load_theme_file(name_or_path, out, err, errlen);
	if (!is_theme_name(name_or_path))
		return set_error(err, errlen,
				 "invalid theme name \"%s\": use letters, digits, '-' and '_', "
				 "or give a path that contains '/'",
				 name_or_path);

	if (find_theme(name_or_path, path, sizeof path, &searched)) {
		strbuf_free(&searched);
		return load_theme_file(path, out, err, errlen);
	}
	if (strcmp(name_or_path, "default") == 0) {
		strbuf_free(&searched);
		theme_default(out);
		return true;
	}
	set_error(err, errlen, "theme \"%s\" not found: looked for %s.theme in %s",
		  name_or_path, name_or_path, strbuf_str(&searched));
	strbuf_free(&searched);
	return false;
}

/* Fold a bright colour to its base colour on a terminal with fewer than 16 colours. */
static short usable_color(short color, bool *folded)
{
	if (color >= 8 && COLORS < 16) {
		*folded = true;
		return (short)(color - 8);
	}
	return color;
}

/* Set up role's colour pair (number role + 1) and return its attributes in colour mode. */
static attr_t color_attributes(enum theme_role role)
{
	const struct theme_style *style = &active_theme.styles[role];
	attr_t attributes = style->attributes;
	bool bright_foreground = false;
	bool bright_background = false;
	short foreground = usable_color(style->foreground, &bright_foreground);
	short background = usable_color(style->background, &bright_background);

	if (style->foreground != THEME_COLOR_DEFAULT ||
	    style->background != THEME_COLOR_DEFAULT)
		attributes &= ~A_REVERSE;
	if (bright_foreground)
		attributes |= A_BOLD;
	/* Without use_default_colors(), -1 is not a colour: use the usual white on black. */
	if (foreground == THEME_COLOR_DEFAULT && !default_colors)
		foreground = COLOR_WHITE;
	if (background == THEME_COLOR_DEFAULT && !default_colors)
		background = COLOR_BLACK;
	init_pair((short)(role + 1), foreground, background);
	return attributes | COLOR_PAIR(role + 1);
}

static void compute_role_attributes(void)
{
	for (int i = 0; i < THEME_ROLE_COUNT; i++) {
		if (color_on)
			role_attributes[i] = color_attributes((enum theme_role)i);
		else
			role_attributes[i] = active_theme.styles[i].attributes;
	}
}

static void load_active_theme(void)
{
	if (active_theme_loaded)
		return;
	theme_default(&active_theme);
	active_theme_loaded = true;
	compute_role_attributes();
}

void theme_use(const struct theme *theme)
{
	active_theme = *theme;
	active_theme_loaded = true;
	compute_role_attributes();
}

static bool color_wanted(void)
{
	const char *no_color = getenv("NO_COLOR");

	return !(no_color && *no_color) && has_colors();
}

bool theme_start_color(void)
{
	load_active_theme();
	color_on = color_wanted() && start_color() == OK && COLORS >= 8 &&
		   COLOR_PAIRS > THEME_ROLE_COUNT;
	if (color_on)
		default_colors = use_default_colors() == OK;
	compute_role_attributes();
	return color_on;
}

void theme_stop_color(void)
{
	load_active_theme();
	color_on = false;
	compute_role_attributes();
}

attr_t theme_attr(enum theme_role role)
{
	load_active_theme();
	return role_attributes[role];
}
