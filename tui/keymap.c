#include "tui/keymap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

/* The defaults use fewer than 40, which leaves room for user bindings. */
#define KEYMAP_MAX_BINDINGS 256
#define HIGHEST_FUNCTION_KEY 24
#define NO_PARENT (-1)

const char keymap_default_text[] =
	"# Default key bindings, one per line: bind CONTEXT KEY ACTION\n"
	"# A user file in the same format can rebind keys or \"unbind CONTEXT KEY\".\n"
	"\n"
	"# Everywhere but in dialogs\n"
	"bind global q quit\n"
	"bind global ? help\n"
	"bind global Tab next-pane\n"
	"bind global S-Tab previous-pane\n"
	"bind global 1 pane-pending\n"
	"bind global 2 pane-grants\n"
	"bind global 3 pane-metrics\n"
	"bind global 4 pane-policy\n"
	"bind global C-r refresh\n"
	"bind global F5 refresh\n"
	"bind global C-l redraw\n"
	"bind global m messages\n"
	"bind global o outbox\n"
	"bind global : command-line\n"
	"\n"
	"# Lists, and the detail view, which scrolls with the same keys\n"
	"bind list k up\n"
	"bind list Up up\n"
	"bind list j down\n"
	"bind list Down down\n"
	"bind list PgUp page-up\n"
	"bind list C-b page-up\n"
	"bind list PgDn page-down\n"
	"bind list C-f page-down\n"
	"bind list g home\n"
	"bind list Home home\n"
	"bind list G end\n"
	"bind list End end\n"
	"bind list Enter open\n"
	"bind list / filter\n"
	"bind list Esc clear-filter\n"
	"bind list Space mark\n"
	"bind list * mark-all\n"
	"bind list u clear-marks\n"
	"\n"
	"# The pending requests and the grants\n"
	"bind pending a approve\n"
	"bind pending d deny\n"
	"bind grants r revoke\n"
	"bind grants R bulk-revoke\n"
	"\n"
	"# The detail view\n"
	"bind detail Esc back\n"
	"bind detail Left back\n"
	"bind detail r retry\n"
	"bind detail x drop\n"
	"\n"
	"# The policy pane\n"
	"bind policy e edit\n"
	"bind policy s simulate\n"
	"bind policy S simulate-at-broker\n"
	"bind policy w publish\n"
	"bind policy D discard-draft\n"
	"\n"
	"# The metrics pane\n"
	"bind metrics w next-window\n"
	"bind metrics W previous-window\n"
	"\n"
	"# Dialogs\n"
	"bind dialog Enter accept\n"
	"bind dialog Esc cancel\n"
	"bind dialog y yes\n"
	"bind dialog n no\n";

struct action_info {
	const char *name;
	enum key_context context;
	const char *help;
};

static const struct action_info actions[ACTION_COUNT] = {
	[ACTION_NONE] = { "none", KEY_CONTEXT_GLOBAL, "" },
#define ACTION_INFO(id, name, context, help) \
	[ACTION_##id] = { name, KEY_CONTEXT_##context, help },
	ACTIONS(ACTION_INFO)
#undef ACTION_INFO
};

static const char *const context_names[KEY_CONTEXT_COUNT] = {
#define CONTEXT_NAME(id, name) name,
	KEY_CONTEXTS(CONTEXT_NAME)
#undef CONTEXT_NAME
};

/* The context each one inherits, as keymap.h describes. */
static const int context_parents[KEY_CONTEXT_COUNT] = {
	[KEY_CONTEXT_GLOBAL] = NO_PARENT,
	[KEY_CONTEXT_LIST] = KEY_CONTEXT_GLOBAL,
	[KEY_CONTEXT_PENDING] = KEY_CONTEXT_LIST,
	[KEY_CONTEXT_GRANTS] = KEY_CONTEXT_LIST,
	[KEY_CONTEXT_DETAIL] = KEY_CONTEXT_LIST,
	[KEY_CONTEXT_POLICY] = KEY_CONTEXT_LIST,
	[KEY_CONTEXT_METRICS] = KEY_CONTEXT_LIST,
	[KEY_CONTEXT_DIALOG] = NO_PARENT,
};

struct key_name {
	const char *name;
	int code;
	bool function;
};

static const struct key_name key_names[] = {
	{ "Enter", '\n', false },
	{ "Esc", 27, false },
	{ "Tab", '\t', false },
	{ "S-Tab", KEY_BTAB, true },
	{ "Space", ' ', false },
	{ "Backspace", KEY_BACKSPACE, true },
	{ "Delete", KEY_DC, true },
	{ "Insert", KEY_IC, true },
	{ "Up", KEY_UP, true },
	{ "Down", KEY_DOWN, true },
	{ "Left", KEY_LEFT, true },
	{ "Right", KEY_RIGHT, true },
	{ "PgUp", KEY_PPAGE, true },
	{ "PgDn", KEY_NPAGE, true },
	{ "Home", KEY_HOME, true },
	{ "End", KEY_END, true },
};

#define KEY_NAME_COUNT (sizeof key_names / sizeof key_names[0])

struct binding {
	enum key_context context;
	struct key_event key;
	enum action action;
};

struct keymap {
	struct binding bindings[KEYMAP_MAX_BINDINGS];
	size_t count;
};

/* One line being parsed, for error positions. */
struct keymap_parser {
	const char *line;
	int line_number;
	char *err;
	size_t errlen;
};

static struct keymap active_keymap;
static bool active_keymap_loaded;

const char *action_name(enum action action)
{
	return actions[action].name;
}

const char *action_help(enum action action)
{
	return actions[action].help;
}

enum key_context action_context(enum action action)
{
	return actions[action].context;
}

const char *key_context_name(enum key_context context)
{
	return context_names[context];
}

static bool keys_equal(const struct key_event *a, const struct key_event *b)
{
	return a->code == b->code && a->function == b->function;
}

/* Return whether ancestor is context itself or one of the contexts that context inherits. */
static bool context_inherits(enum key_context context, enum key_context ancestor)
{
	for (int c = (int)context; c != NO_PARENT; c = context_parents[c]) {
		if (c == (int)ancestor)
			return true;
	}
	return false;
}

static bool parse_function_key(const char *name, struct key_event *out)
{
	char *end;
	long number;

	if (name[0] != 'F' || name[1] < '1' || name[1] > '9')
		return false;
	number = strtol(name + 1, &end, 10);
	if (*end != '\0' || number > HIGHEST_FUNCTION_KEY)
		return false;
	*out = key_event_make(KEY_F(number), true);
	return true;
}

static bool parse_control_key(const char *name, struct key_event *out)
{
	if (strlen(name) != 3 || strncmp(name, "C-", 2) != 0)
		return false;
	char letter = name[2];

	if (letter >= 'A' && letter <= 'Z')
		letter = (char)(letter - 'A' + 'a');
	if (letter < 'a' || letter > 'z')
		return false;
	*out = key_event_make(letter & 0x1F, false);
	return true;
}

bool keymap_key_from_name(const char *name, struct key_event *out)
{
	for (size_t i = 0; i < KEY_NAME_COUNT; i++) {
		if (strcmp(name, key_names[i].name) == 0) {
			*out = key_event_make(key_names[i].code,
					      key_names[i].function);
			return true;
		}
	}
	if (name[0] > ' ' && name[0] < 0x7F && name[1] == '\0') {
		*out = key_event_make(name[0], false);
		return true;
	}
	return parse_function_key(name, out) || parse_control_key(name, out);
}

void keymap_key_name(const struct key_event *key, char *out, size_t size)
{
	for (size_t i = 0; i < KEY_NAME_COUNT; i++) {
		if (key->code == key_names[i].code &&
		    key->function == key_names[i].function) {
			snprintf(out, size, "%s", key_names[i].name);
			return;
		}
	}
	if (key->function && key->code > KEY_F0 &&
	    key->code <= KEY_F(HIGHEST_FUNCTION_KEY))
		snprintf(out, size, "F%d", key->code - KEY_F0);
	else if (!key->function && key->code > 0 && key->code < 0x20)
		snprintf(out, size, "C-%c", key->code + 'a' - 1);
	else if (!key->function && key->code > ' ' && key->code < 0x7F)
		snprintf(out, size, "%c", key->code);
	else
		snprintf(out, size, "key-%d", key->code);
}

static int find_action(const char *name)
{
	for (int i = ACTION_NONE + 1; i < ACTION_COUNT; i++) {
		if (strcmp(name, actions[i].name) == 0)
			return i;
	}
	return -1;
}

static int find_context(const char *name)
{
	for (int i = 0; i < KEY_CONTEXT_COUNT; i++) {
		if (strcmp(name, context_names[i]) == 0)
			return i;
	}
	return -1;
}

static struct binding *find_binding(struct keymap *map, enum key_context context,
				    const struct key_event *key)
{
	for (size_t i = 0; i < map->count; i++) {
		struct binding *b = &map->bindings[i];

		if (b->context == context && keys_equal(&b->key, key))
			return b;
	}
	return NULL;
}

__attribute__((format(printf, 3, 4)))
static bool parse_error(const struct keymap_parser *parser, const char *at,
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

/* The words of one line, with where each starts for error columns. */
#define MAX_WORDS 5 /* "bind CONTEXT KEY ACTION" and one extra to report */
#define MAX_WORD 32

struct line_words {
	char text[MAX_WORDS][MAX_WORD];
	const char *start[MAX_WORDS];
	const char *end_of_line;
	int count;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Split [p, end) into blank-separated words. Words after MAX_WORDS are not
 * kept: no command has that many, so its parser reports the first extra one.
 */
static bool split_words(const struct keymap_parser *parser, const char *p,
			const char *end, struct line_words *words)
{
	words->count = 0;
	words->end_of_line = end;
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			return true;
		const char *start = p;

		while (p < end && !is_blank(*p))
			p++;
		size_t len = (size_t)(p - start);

		if (words->count == MAX_WORDS)
			return true;
		if (len >= MAX_WORD)
			return parse_error(parser, start, "\"%.*s\" is too long for a word",
					   (int)len, start);
		memcpy(words->text[words->count], start, len);
		words->text[words->count][len] = '\0';
		words->start[words->count] = start;
		words->count++;
	}
}

/* Return where word i starts, or the end of the line when it is missing. */
static const char *word_position(const struct line_words *words, int i)
{
	return i < words->count ? words->start[i] : words->end_of_line;
}

/* Write "global, list, ... or dialog", every context name in order. */
static void list_context_names(char *out, size_t size)
{
	struct strbuf text = STRBUF_INIT;

	for (int i = 0; i < KEY_CONTEXT_COUNT; i++) {
		if (i > 0)
			strbuf_puts(&text, i + 1 == KEY_CONTEXT_COUNT ? " or " : ", ");
		strbuf_puts(&text, context_names[i]);
	}
	snprintf(out, size, "%s", strbuf_str(&text));
	strbuf_free(&text);
}

static bool parse_context_and_key(const struct keymap_parser *parser,
				  const struct line_words *words,
				  enum key_context *context,
				  struct key_event *key)
{
	if (words->count < 2)
		return parse_error(parser, word_position(words, 1), "missing context");
	int found = find_context(words->text[1]);

	if (found < 0) {
		char expected[128];

		list_context_names(expected, sizeof expected);
		return parse_error(parser, words->start[1],
				   "unknown context \"%s\" (expected %s)", words->text[1], expected);
	}
	*context = (enum key_context)found;
	if (words->count < 3)
		return parse_error(parser, word_position(words, 2), "missing key");
	if (!keymap_key_from_name(words->text[2], key))
		return parse_error(parser, words->start[2],
				   "unknown key \"%s\" (expected a printable ASCII character or "
				   "a name such as Enter, Esc, C-r, PgDn or F5)",
				   words->text[2]);
	return true;
}

static bool parse_bind(const struct keymap_parser *parser,
		       const struct line_words *words, struct keymap *map)
{
	enum key_context context;
	struct key_event key;

	if (!parse_context_and_key(parser, words, &context, &key))
		return false;
	if (words->count < 4)
		return parse_error(parser, word_position(words, 3), "missing action");
	if (words->count > 4)
		return parse_error(parser, words->start[4],
				   "unexpected \"%s\" after the action", words->text[4]);
	int action = find_action(words->text[3]);

	if (action < 0)
		return parse_error(parser, words->start[3], "unknown action \"%s\"",
				   words->text[3]);
	if (!context_inherits(context, actions[action].context))
		return parse_error(parser, words->start[3],
				   "action \"%s\" belongs to the %s context and cannot be "
				   "bound in %s",
				   words->text[3], context_names[actions[action].context],
				   context_names[context]);

	struct binding *existing = find_binding(map, context, &key);

	if (existing) {
		existing->action = (enum action)action;
		return true;
	}
	if (map->count == KEYMAP_MAX_BINDINGS)
		return parse_error(parser, words->start[0],
				   "too many bindings (at most %d)", KEYMAP_MAX_BINDINGS);
	map->bindings[map->count].context = context;
	map->bindings[map->count].key = key;
	map->bindings[map->count].action = (enum action)action;
	map->count++;
	return true;
}

static bool parse_unbind(const struct keymap_parser *parser,
			 const struct line_words *words, struct keymap *map)
{
	enum key_context context;
	struct key_event key;

	if (!parse_context_and_key(parser, words, &context, &key))
		return false;
	if (words->count > 3)
		return parse_error(parser, words->start[3],
				   "unexpected \"%s\" after the key", words->text[3]);
	struct binding *existing = find_binding(map, context, &key);

	if (!existing)
		return parse_error(parser, words->start[2],
				   "key \"%s\" is not bound in the %s context",
				   words->text[2], context_names[context]);
	size_t index = (size_t)(existing - map->bindings);

	memmove(existing, existing + 1,
		(map->count - index - 1) * sizeof *existing);
	map->count--;
	return true;
}

static bool parse_line(const struct keymap_parser *parser, const char *p,
		       const char *end, struct keymap *map)
{
	struct line_words words;

	if (!split_words(parser, p, end, &words))
		return false;
	if (strcmp(words.text[0], "bind") == 0)
		return parse_bind(parser, &words, map);
	if (strcmp(words.text[0], "unbind") == 0)
		return parse_unbind(parser, &words, map);
	return parse_error(parser, words.start[0],
			   "unknown command \"%s\" (expected bind or unbind)",
			   words.text[0]);
}

static bool parse_into(const char *text, struct keymap *map, char *err,
		       size_t errlen)
{
	struct keymap_parser parser = { text, 0, err, errlen };
	const char *line = text;

	while (*line) {
		const char *newline = strchr(line, '\n');
		const char *end = newline ? newline : line + strlen(line);
		const char *first = line;

		while (first < end && is_blank(*first))
			first++;
		parser.line = line;
		parser.line_number++;
		if (first < end && *first != '#' &&
		    !parse_line(&parser, first, end, map))
			return false;
		line = newline ? newline + 1 : end;
	}
	return true;
}

void keymap_reset(void)
{
	char err[256];

	active_keymap.count = 0;
	/* test_tui_keymap.c parses the same text, so this only fails in a broken build. */
	if (!parse_into(keymap_default_text, &active_keymap, err, sizeof err)) {
		fprintf(stderr, "gatehouse: compiled-in key bindings: %s\n", err);
		abort();
	}
	active_keymap_loaded = true;
}

static void load_active_keymap(void)
{
	if (!active_keymap_loaded)
		keymap_reset();
}

bool keymap_parse(const char *text, char *err, size_t errlen)
{
	static struct keymap changed;

	load_active_keymap();
	changed = active_keymap;
	if (!parse_into(text, &changed, err, errlen))
		return false;
	active_keymap = changed;
	return true;
}

enum action keymap_lookup(enum key_context context, const struct key_event *key)
{
	load_active_keymap();
	for (int c = (int)context; c != NO_PARENT; c = context_parents[c]) {
		const struct binding *b =
			find_binding(&active_keymap, (enum key_context)c, key);

		if (b)
			return b->action;
	}
	return ACTION_NONE;
}

/* The distinct keys of a describe walk, in the order they were found. */
struct key_list {
	struct key_event keys[KEYMAP_MAX_BINDINGS];
	size_t count;
};

static void add_key_once(struct key_list *list, const struct key_event *key)
{
	for (size_t i = 0; i < list->count; i++) {
		if (keys_equal(&list->keys[i], key))
			return;
	}
	list->keys[list->count++] = *key;
}

static void format_keys(const struct key_list *list, char *out, size_t size)
{
	struct strbuf text = STRBUF_INIT;
	char name[16];

	for (size_t i = 0; i < list->count; i++) {
		keymap_key_name(&list->keys[i], name, sizeof name);
		if (i > 0)
			strbuf_puts(&text, ", ");
		strbuf_puts(&text, name);
	}
	snprintf(out, size, "%s", strbuf_str(&text));
	strbuf_free(&text);
}

void keymap_describe(enum action action, enum key_context context, char *out,
		     size_t size)
{
	struct key_list list = { .count = 0 };

	load_active_keymap();
	for (int c = (int)context; c != NO_PARENT; c = context_parents[c]) {
		for (size_t i = 0; i < active_keymap.count; i++) {
			const struct binding *b = &active_keymap.bindings[i];

			/* A key that a more specific context binds elsewhere does not trigger action. */
			if ((int)b->context == c && b->action == action &&
			    keymap_lookup(context, &b->key) == action)
				add_key_once(&list, &b->key);
		}
	}
	format_keys(&list, out, size);
}

bool keymap_help_next(size_t *cursor, struct keymap_help *out)
{
	size_t position = 0;

	for (int c = 0; c < KEY_CONTEXT_COUNT; c++) {
		for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
			if ((int)actions[a].context != c)
				continue;
			if (position++ != *cursor)
				continue;
			out->context = (enum key_context)c;
			out->action = (enum action)a;
			out->name = actions[a].name;
			out->help = actions[a].help;
			keymap_describe(out->action, out->context, out->keys,
					sizeof out->keys);
			(*cursor)++;
			return true;
		}
	}
	return false;
}
