#include "console/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/file_read.h"
#include "common/strbuf.h"
#include "tui/keymap.h"

/* A config or keymap file is a few dozen lines. The cap stops a wrong path (a log file) early. */
#define CONFIG_FILE_MAX (64 * 1024)

enum config_scope {
	SCOPE_TOP = 1,
	SCOPE_BROKER = 2,
};

struct config_key {
	const char *name;
	size_t offset;          /* of the char * in struct config_settings */
	unsigned scopes;
	bool is_path;           /* "~/" expands to $HOME */
};

static const struct config_key config_keys[] = {
	{ "url", offsetof(struct config_settings, url), SCOPE_TOP | SCOPE_BROKER, false },
	{ "token-file", offsetof(struct config_settings, token_file), SCOPE_TOP | SCOPE_BROKER, true },
	{ "ca-file", offsetof(struct config_settings, ca_file), SCOPE_TOP | SCOPE_BROKER, true },
	/* Each broker needs a cache of its own, so a shared top-level cache is not offered. */
	{ "cache", offsetof(struct config_settings, cache_path), SCOPE_BROKER, true },
	{ "theme", offsetof(struct config_settings, theme), SCOPE_TOP | SCOPE_BROKER, true },
};

/* The file being parsed and where the parser is in it. */
struct config_parser {
	const char *path;
	int line_number;
	struct console_config *config;
	struct config_settings *settings;  /* NULL inside [keys] */
	enum config_scope scope;
	bool keys_seen;
	int default_broker_line;
	struct strbuf keys;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static bool parser_error(const struct config_parser *parser, const char *fmt, ...)
{
	va_list ap;
	int prefix = snprintf(parser->err, parser->errlen, "%s:%d: ", parser->path,
			      parser->line_number);

	if (prefix < 0 || (size_t)prefix >= parser->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(parser->err + prefix, parser->errlen - (size_t)prefix, fmt, ap);
	va_end(ap);
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Cut a comment off a line: '#' at its start or after a blank. */
static size_t content_length(const char *line, size_t length)
{
	for (size_t i = 0; i < length; i++)
		if (line[i] == '#' && (i == 0 || is_blank(line[i - 1])))
			return i;
	return length;
}

/* Trim blanks from both ends of text[0..*length) and return its new start. */
static const char *trim(const char *text, size_t *length)
{
	while (*length > 0 && is_blank(text[0])) {
		text++;
		(*length)--;
	}
	while (*length > 0 && is_blank(text[*length - 1]))
		(*length)--;
	return text;
}

static bool is_broker_name(const char *name)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';

		if (!ok)
			return false;
	}
	return true;
}

static struct config_broker *find_broker(const struct console_config *config, const char *name)
{
	for (size_t i = 0; i < config->broker_count; i++)
		if (strcmp(config->brokers[i].name, name) == 0)
			return &config->brokers[i];
	return NULL;
}

static bool start_broker_section(struct config_parser *parser, const char *name)
{
	struct console_config *config = parser->config;
	struct config_broker *broker;

	if (!is_broker_name(name))
		return parser_error(parser, "invalid broker name \"%s\": use letters, digits, '-', "
				    "'_' and '.'", name);
	if (find_broker(config, name))
		return parser_error(parser, "[broker %s] appears twice", name);
	config->brokers = xrealloc(config->brokers,
				   (config->broker_count + 1) * sizeof *config->brokers);
	broker = &config->brokers[config->broker_count++];
	memset(broker, 0, sizeof *broker);
	broker->name = xstrdup(name);
	parser->settings = &broker->settings;
	parser->scope = SCOPE_BROKER;
	return true;
}

/* Parse "[keys]" or "[broker NAME]"; header is the text between the brackets. */
static bool parse_section(struct config_parser *parser, const char *header, size_t length)
{
	char *name = NULL;
	bool ok;

	header = trim(header, &length);
	if (length == 4 && memcmp(header, "keys", 4) == 0) {
		if (parser->keys_seen)
			return parser_error(parser, "[keys] appears twice");
		parser->keys_seen = true;
		parser->settings = NULL;
		return true;
	}
	if (length > 7 && memcmp(header, "broker", 6) == 0 && is_blank(header[6])) {
		size_t name_length = length - 7;
		const char *start = trim(header + 7, &name_length);

		name = xstrndup(start, name_length);
		ok = start_broker_section(parser, name);
		free(name);
		return ok;
	}
	return parser_error(parser, "unknown section [%.*s] (expected [broker NAME] or [keys])",
			    (int)length, header);
}

/* Expand a leading "~/" to $HOME; false when HOME is not an absolute path. */
static bool expand_home(const struct config_parser *parser, const char *value, char **out)
{
	const char *home = getenv("HOME");
	struct strbuf path = STRBUF_INIT;

	if (strcmp(value, "~") != 0 && strncmp(value, "~/", 2) != 0) {
		*out = xstrdup(value);
		return true;
	}
	if (!home || home[0] != '/')
		return parser_error(parser, "\"%s\" starts with ~ but HOME is not set to an absolute "
				    "path; write the full path", value);
	strbuf_printf(&path, "%s%s", home, value + 1);
	*out = strbuf_detach(&path);
	return true;
}

static void list_keys(struct strbuf *out, unsigned scope)
{
	for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++) {
		if (!(config_keys[i].scopes & scope))
			continue;
		if (out->len > 0)
			strbuf_puts(out, ", ");
		strbuf_puts(out, config_keys[i].name);
	}
	if (scope == SCOPE_TOP)
		strbuf_puts(out, ", broker");
}

static bool unknown_key(const struct config_parser *parser, const char *key)
{
	struct strbuf expected = STRBUF_INIT;

	list_keys(&expected, parser->scope);
	if (parser->scope == SCOPE_TOP && strcmp(key, "cache") == 0)
		parser_error(parser, "cache belongs in a [broker NAME] section, because each broker "
			     "needs a cache of its own");
	else
		parser_error(parser, "unknown key \"%s\" %s (expected %s)", key,
			     parser->scope == SCOPE_TOP ? "at the top level" : "in a [broker] section",
			     expected.data);
	strbuf_free(&expected);
	return false;
}

static bool set_default_broker(struct config_parser *parser, const char *value)
{
	if (parser->config->default_broker)
		return parser_error(parser, "broker is set twice");
	if (!is_broker_name(value))
		return parser_error(parser, "invalid broker name \"%s\": use letters, digits, '-', "
				    "'_' and '.'", value);
	parser->config->default_broker = xstrdup(value);
	parser->default_broker_line = parser->line_number;
	return true;
}

static bool set_value(struct config_parser *parser, const char *key, const char *value)
{
	if (parser->scope == SCOPE_TOP && strcmp(key, "broker") == 0)
		return set_default_broker(parser, value);
	for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++) {
		const struct config_key *k = &config_keys[i];
		char **field = (char **)((char *)parser->settings + k->offset);

		if (strcmp(k->name, key) != 0 || !(k->scopes & parser->scope))
			continue;
		if (*field)
			return parser_error(parser, "%s is set twice in this section", key);
		if (k->is_path)
			return expand_home(parser, value, field);
		*field = xstrdup(value);
		return true;
	}
	return unknown_key(parser, key);
}

/* Parse "KEY = VALUE" (line is trimmed and has no comment). */
static bool parse_assignment(struct config_parser *parser, const char *line, size_t length)
{
	const char *equals = memchr(line, '=', length);
	size_t key_length, value_length;
	const char *key_start, *value_start;
	char *key, *value;
	bool ok;

	if (!equals)
		return parser_error(parser, "expected KEY = VALUE, [broker NAME] or [keys]");
	key_length = (size_t)(equals - line);
	key_start = trim(line, &key_length);
	value_length = (size_t)(line + length - equals - 1);
	value_start = trim(equals + 1, &value_length);
	if (key_length == 0)
		return parser_error(parser, "missing key before '='");
	key = xstrndup(key_start, key_length);
	value = xstrndup(value_start, value_length);
	if (value_length == 0)
		ok = parser_error(parser, "missing value for %s", key);
	else
		ok = set_value(parser, key, value);
	free(key);
	free(value);
	return ok;
}

static bool parse_line(struct config_parser *parser, const char *line, size_t length)
{
	length = content_length(line, length);
	line = trim(line, &length);
	if (length > 0 && line[0] == '[') {
		if (line[length - 1] != ']')
			return parser_error(parser, "missing ']' at the end of the section header");
		return parse_section(parser, line + 1, length - 2);
	}
	if (!parser->settings) {
		/* Inside [keys]: keymap_parse() reads these lines later. */
		strbuf_append(&parser->keys, line, length);
		return true;
	}
	return length == 0 || parse_assignment(parser, line, length);
}

static bool check_default_broker(struct config_parser *parser)
{
	const char *name = parser->config->default_broker;

	if (!name || find_broker(parser->config, name))
		return true;
	parser->line_number = parser->default_broker_line;
	return parser_error(parser, "broker = %s names no [broker %s] section", name, name);
}

bool console_config_parse(const char *path, const char *text, struct console_config *out,
			  char *err, size_t errlen)
{
	struct config_parser parser = {
		.path = path, .config = out, .settings = &out->top, .scope = SCOPE_TOP,
		.keys = STRBUF_INIT, .err = err, .errlen = errlen,
	};
	const char *line = text;
	bool ok = true;

	memset(out, 0, sizeof *out);
	out->path = xstrdup(path);
	out->exists = true;
	while (ok && *line) {
		const char *newline = strchr(line, '\n');
		size_t length = newline ? (size_t)(newline - line) : strlen(line);

		parser.line_number++;
		ok = parse_line(&parser, line, length);
		strbuf_putc(&parser.keys, '\n');
		line = newline ? newline + 1 : line + length;
	}
	ok = ok && check_default_broker(&parser);
	if (ok && parser.keys_seen)
		out->keys_text = strbuf_detach(&parser.keys);
	strbuf_free(&parser.keys);
	if (!ok)
		console_config_free(out);
	return ok;
}

/*
 * Read a regular text file of at most CONFIG_FILE_MAX bytes; what names it
 * in messages ("config file"). Sets *missing when it does not exist.
 */
static bool read_text_file(const char *what, const char *path, struct strbuf *text,
			   bool *missing, char *err, size_t errlen)
{
	enum file_read_status status = file_read(what, path, CONFIG_FILE_MAX, FILE_READ_TEXT, text,
						 err, errlen);

	*missing = status == FILE_READ_MISSING;
	return status == FILE_READ_OK;
}

bool console_config_load(const char *explicit_path, struct console_config *out, char *err,
			 size_t errlen)
{
	const char *environment_path = getenv("GATEHOUSE_CONFIG");
	char *path;
	struct strbuf text = STRBUF_INIT;
	bool missing, ok;
	bool optional = false;

	memset(out, 0, sizeof *out);
	if (explicit_path) {
		path = xstrdup(explicit_path);
	} else if (environment_path && *environment_path) {
		path = xstrdup(environment_path);
	} else {
		/* Without a usable HOME there is no default file, which is not an error. */
		path = console_config_default_path();
		if (!path)
			return true;
		optional = true;
	}
	ok = read_text_file("config file", path, &text, &missing, err, errlen);
	if (!ok && missing && optional) {
		out->path = path;
		strbuf_free(&text);
		return true;
	}
	if (ok)
		ok = console_config_parse(path, strbuf_str(&text), out, err, errlen);
	strbuf_free(&text);
	free(path);
	return ok;
}

static void free_settings(struct config_settings *settings)
{
	free(settings->url);
	free(settings->token_file);
	free(settings->ca_file);
	free(settings->cache_path);
	free(settings->theme);
}

void console_config_free(struct console_config *config)
{
	free(config->path);
	free(config->default_broker);
	free_settings(&config->top);
	for (size_t i = 0; i < config->broker_count; i++) {
		free(config->brokers[i].name);
		free_settings(&config->brokers[i].settings);
	}
	free(config->brokers);
	free(config->keys_text);
	memset(config, 0, sizeof *config);
}

bool console_config_select_broker(const struct console_config *config, const char *name,
				  const struct config_broker **out, char *err, size_t errlen)
{
	struct strbuf known = STRBUF_INIT;

	*out = NULL;
	if (!name)
		name = config->default_broker;
	if (!name)
		return true;
	*out = find_broker(config, name);
	if (*out)
		return true;
	for (size_t i = 0; i < config->broker_count; i++)
		strbuf_printf(&known, "%s%s", i > 0 ? ", " : "", config->brokers[i].name);
	if (!config->exists)
		snprintf(err, errlen, "unknown broker \"%s\": there is no config file (%s)", name,
			 config->path ? config->path : "HOME is not set");
	else if (config->broker_count == 0)
		snprintf(err, errlen, "unknown broker \"%s\": %s has no [broker NAME] section", name,
			 config->path);
	else
		snprintf(err, errlen, "unknown broker \"%s\": %s defines %s", name, config->path,
			 known.data);
	strbuf_free(&known);
	return false;
}

/* Return $VARIABLE/gatehouse/leaf, or $HOME/fallback/gatehouse/leaf. */
static char *xdg_path(const char *variable, const char *fallback, const char *leaf)
{
	const char *base = getenv(variable);
	const char *home = getenv("HOME");
	struct strbuf path = STRBUF_INIT;

	if (base && base[0] == '/')
		strbuf_printf(&path, "%s/gatehouse", base);
	else if (home && home[0] == '/')
		strbuf_printf(&path, "%s/%s/gatehouse", home, fallback);
	else
		return NULL;
	if (leaf)
		strbuf_printf(&path, "/%s", leaf);
	return strbuf_detach(&path);
}

char *console_config_dir(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", NULL);
}

char *console_config_default_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "config");
}

char *console_keymap_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "keymap");
}

char *console_history_path(void)
{
	return xdg_path("XDG_STATE_HOME", ".local/state", "history");
}

/* Apply the keymap file when it exists. */
static bool load_keymap_file(char *err, size_t errlen)
{
	char *path = console_keymap_path();
	struct strbuf text = STRBUF_INIT;
	char parse_err[256];
	bool missing = false;
	bool ok = true;

	if (path && !read_text_file("keymap file", path, &text, &missing, err, errlen))
		ok = missing;
	else if (path && !keymap_parse(strbuf_str(&text), parse_err, sizeof parse_err)) {
		snprintf(err, errlen, "%s:%s", path, parse_err);
		ok = false;
	}
	strbuf_free(&text);
	free(path);
	return ok;
}

bool console_config_load_keys(const char *config_path, const char *keys_text, char *err,
			      size_t errlen)
{
	char parse_err[256];

	keymap_reset();
	if (!load_keymap_file(err, errlen)) {
		keymap_reset();
		return false;
	}
	if (keys_text && !keymap_parse(keys_text, parse_err, sizeof parse_err)) {
		snprintf(err, errlen, "%s:%s", config_path, parse_err);
		keymap_reset();
		return false;
	}
	return true;
}
