/*
 * The ":" command line: the command table, what each command runs, and what
 * Tab offers for its arguments. The line editor itself is tui/cmdline.c.
 */

#include "console/commands_line.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "cache/objects.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "console/config.h"
#include "tui/cmdline.h"
#include "tui/draw.h"
#include "tui/theme.h"

/* The kind of word that Tab offers for a command's arguments. */
enum argument_kind {
	ARGUMENTS_NONE,
	ARGUMENTS_TEXT,         /* free text: nothing to offer */
	ARGUMENTS_REQUESTS,     /* pending request ids */
	ARGUMENTS_GRANTS,       /* active grant ids, --principal P, --resource R */
	ARGUMENTS_THEMES,
	ARGUMENTS_PANES,
	ARGUMENTS_COMMANDS,
	ARGUMENTS_COLUMNS,      /* the focused list's columns, then asc or desc */
};

/* A typed command: its words, and the reason after a "--" word, kept whole. */
struct command_words {
	char **words;           /* words[0] is the command name; the reason is not among them */
	size_t count;
	const char *rest;       /* the text after the command name, as typed */
	const char *reason;     /* NULL without "--" */
};

struct command_line {
	struct app *app;
	command_action_fn *run_action;
	struct cmdline *editor; /* NULL until the line is first opened */
	bool active;
};

struct command {
	const char *name;
	const char *usage;
	const char *help;
	enum argument_kind arguments;
	enum action action;     /* the keymap action it runs, ACTION_NONE for its own run */
	void (*run)(struct command_line *line, const struct command *command,
		    const struct command_words *words);
};

static const struct command *find_command(const char *name);

static struct view *focused_view(struct app *app)
{
	if (app->overlay_count > 0)
		return app->overlays[app->overlay_count - 1];
	return app->panes[app->focus];
}

/* Press the first key bound to accept in dialogs; false when none is bound. */
static bool press_accept(struct app *app)
{
	char names[KEYMAP_KEYS_SIZE];
	struct key_event key;

	keymap_describe(ACTION_ACCEPT, KEY_CONTEXT_DIALOG, names, sizeof names);
	names[strcspn(names, ",")] = '\0';
	if (!keymap_key_from_name(names, &key))
		return false;
	app_dialog_key(app, &key);
	return true;
}

/* Type the reason given after "--" into the reason prompt the action opened, and accept it. */
static void answer_reason_prompt(struct command_line *line, const char *reason)
{
	struct app *app = line->app;

	if (!reason || !app->dialog_open || app->dialog.kind != DIALOG_PROMPT)
		return;
	line_input_set(&app->dialog.input, reason);
	press_accept(app);
}

static bool parse_id(struct command_line *line, const char *word, const char *noun, int64_t *id)
{
	char *end;
	long long value;

	errno = 0;
	value = strtoll(word, &end, 10);
	if (errno != 0 || end == word || *end != '\0' || value <= 0) {
		app_status(line->app, STATUS_ERROR, "\"%s\" is not a %s id: ids are positive numbers",
			   word, noun);
		return false;
	}
	*id = value;
	return true;
}

static void describe_request(const struct access_request *r, struct strbuf *summary)
{
	char duration[16];

	duration_format(r->duration_seconds, duration, sizeof duration);
	strbuf_printf(summary, "request %lld: %s asks for %s on %s for %s", (long long)r->id,
		      r->requester, r->role, r->resource, duration);
}

/* Look up one pending request of the cache as a target; false with a message when it is not one. */
static bool request_target(struct command_line *line, const char *word, struct action_target *out,
			   struct strbuf *summary)
{
	struct access_request r;
	enum cache_result found;
	int64_t id;

	if (!parse_id(line, word, "request", &id))
		return false;
	found = cache_get_request(line->app->cache, id, &r);
	if (found != CACHE_FOUND) {
		app_status(line->app, STATUS_ERROR, found == CACHE_ERROR ? "reading the cache failed: %s" :
			   "request %s is not in the cache: check the id, or refresh (C-r)",
			   found == CACHE_ERROR ? cache_last_error(line->app->cache) : word);
		return false;
	}
	bool pending = r.status == REQUEST_PENDING;

	if (!pending)
		app_status(line->app, STATUS_ERROR, "request %lld is %s, not pending", (long long)id,
			   request_status_name(r.status));
	*out = (struct action_target){ id, r.version };
	if (summary)
		describe_request(&r, summary);
	access_request_free(&r);
	return pending;
}

/* Look up one active grant of the cache as a target; false with a message when it is not one. */
static bool grant_target(struct command_line *line, const char *word, struct action_target *out,
			 struct strbuf *summary)
{
	struct grant g;
	enum cache_result found;
	int64_t id;

	if (!parse_id(line, word, "grant", &id))
		return false;
	found = cache_get_grant(line->app->cache, id, &g);
	if (found != CACHE_FOUND) {
		app_status(line->app, STATUS_ERROR, found == CACHE_ERROR ? "reading the cache failed: %s" :
			   "grant %s is not in the cache: check the id, or refresh (C-r)",
			   found == CACHE_ERROR ? cache_last_error(line->app->cache) : word);
		return false;
	}
	bool active = g.status == GRANT_ACTIVE;

	if (!active)
		app_status(line->app, STATUS_ERROR, "grant %lld is %s, not active", (long long)id,
			   grant_status_name(g.status));
	*out = (struct action_target){ id, g.version };
	if (summary)
		strbuf_printf(summary, "grant %lld: %s has %s on %s", (long long)id, g.principal, g.role,
			      g.resource);
	grant_free(&g);
	return active;
}

typedef bool target_lookup_fn(struct command_line *line, const char *word,
			      struct action_target *out, struct strbuf *summary);

/*
 * Collect the targets named by words (ids); the summary describes one target
 * in full, or lists the ids of several. Returns 0 after a message when any
 * id is not a valid target, so that nothing is half done.
 */
static size_t collect_targets(struct command_line *line, char *const *words, size_t count,
			      const char *noun, target_lookup_fn *lookup,
			      struct action_target **out, struct strbuf *summary)
{
	struct action_target *targets = xcalloc(count, sizeof *targets);

	if (count > 1)
		strbuf_printf(summary, "%zu %ss:", count, noun);
	for (size_t i = 0; i < count; i++) {
		if (!lookup(line, words[i], &targets[i], count == 1 ? summary : NULL)) {
			free(targets);
			return 0;
		}
		if (count > 1)
			strbuf_printf(summary, " %lld", (long long)targets[i].id);
	}
	*out = targets;
	return count;
}

/* Run an action of a list pane on its marked or selected rows, as the pane's key does. */
static void run_on_pane(struct command_line *line, enum action pane, enum action action)
{
	line->run_action(line->app, pane);
	line->run_action(line->app, action);
}

static void run_decision(struct command_line *line, const struct command *command,
			 const struct command_words *words)
{
	bool approve = command->action == ACTION_APPROVE;
	struct action_target *targets;
	struct strbuf summary = STRBUF_INIT;
	size_t count;

	if (words->count == 1) {
		run_on_pane(line, ACTION_PANE_PENDING, command->action);
	} else {
		count = collect_targets(line, words->words + 1, words->count - 1, "request",
					request_target, &targets, &summary);
		if (count == 0) {
			strbuf_free(&summary);
			return;
		}
		app_begin_decision(line->app, approve, targets, count, false, strbuf_str(&summary));
		free(targets);
	}
	strbuf_free(&summary);
	answer_reason_prompt(line, words->reason);
}

/* Start a bulk revoke with its scope already chosen, by the choice key the dialog offers. */
static void begin_bulk_revoke(struct command_line *line, const char *principal, const char *resource)
{
	struct app *app = line->app;
	struct key_event scope = key_event_make(principal ? 'p' : 'r', false);

	app_begin_bulk_revoke(app, principal ? principal : "", resource ? resource : "");
	if (app->dialog_open && app->dialog.kind == DIALOG_CHOICE)
		app_dialog_key(app, &scope);
}

static void run_revoke(struct command_line *line, const struct command *command,
		       const struct command_words *words)
{
	const char *scope[2] = { NULL, NULL };   /* --principal, --resource */
	char **ids = xcalloc(words->count, sizeof *ids);
	size_t id_count = 0;
	struct action_target *targets;
	struct strbuf summary = STRBUF_INIT;

	for (size_t i = 1; i < words->count; i++) {
		bool principal = strcmp(words->words[i], "--principal") == 0;

		if (!principal && strcmp(words->words[i], "--resource") != 0) {
			ids[id_count++] = words->words[i];
			continue;
		}
		if (i + 1 == words->count) {
			app_status(line->app, STATUS_ERROR, "%s needs a value (usage: %s)",
				   words->words[i], command->usage);
			goto done;
		}
		scope[principal ? 0 : 1] = words->words[++i];
	}
	if ((scope[0] || scope[1]) && (id_count || (scope[0] && scope[1]))) {
		app_status(line->app, STATUS_ERROR, "give grant ids, --principal or --resource, one of "
			   "them (usage: %s)", command->usage);
		goto done;
	}
	if (scope[0] || scope[1]) {
		begin_bulk_revoke(line, scope[0], scope[1]);
	} else if (id_count == 0) {
		run_on_pane(line, ACTION_PANE_GRANTS, ACTION_REVOKE);
	} else {
		size_t count = collect_targets(line, ids, id_count, "grant", grant_target, &targets,
					       &summary);
		if (count == 0)
			goto done;
		app_begin_revoke(line->app, targets, count, false, strbuf_str(&summary));
		free(targets);
	}
	answer_reason_prompt(line, words->reason);
done:
	strbuf_free(&summary);
	free(ids);
}

/* Type the filter into the focused list as its keys would: "/", the text, Enter. */
static void run_filter(struct command_line *line, const struct command *command,
		       const struct command_words *words)
{
	struct app *app = line->app;
	struct view *view;
	const char *text = words->rest;
	mbstate_t state;
	wchar_t character;
	size_t length;

	(void)command;
	if (!*text) {
		line->run_action(app, ACTION_CLEAR_FILTER);
		return;
	}
	line->run_action(app, ACTION_FILTER);
	view = focused_view(app);
	if (!view->ops->take_key || !view->ops->editing || !view->ops->editing(view)) {
		app_status(app, STATUS_WARNING, "this view has no filter: go to a list first");
		return;
	}
	memset(&state, 0, sizeof state);
	while (*text && (length = mbrtowc(&character, text, strlen(text), &state)) > 0 &&
	       length <= MB_LEN_MAX) {
		struct key_event key = key_event_make((int)character, false);
		view->ops->take_key(view, &key);
		text += length;
	}
	struct key_event enter = key_event_make('\n', false);
	view->ops->take_key(view, &enter);
}

/* Read the direction word of sort: asc or desc, in any case. */
static bool parse_direction(const char *word, bool *descending)
{
	*descending = strcasecmp(word, "desc") == 0;
	return *descending || strcasecmp(word, "asc") == 0;
}

static void run_sort(struct command_line *line, const struct command *command,
		     const struct command_words *words)
{
	struct view *view = focused_view(line->app);
	const char *column = words->count > 1 ? words->words[1] : NULL;
	bool descending = false;
	char err[512];

	if (words->count > 3 || words->reason) {
		app_status(line->app, STATUS_ERROR, "usage: %s", command->usage);
		return;
	}
	if (words->count == 3 && !parse_direction(words->words[2], &descending)) {
		app_status(line->app, STATUS_ERROR, "invalid direction \"%s\": use asc or desc (usage: %s)",
			   words->words[2], command->usage);
		return;
	}
	if (!view->ops->sort) {
		app_status(line->app, STATUS_WARNING, "this view cannot be sorted: go to a list first");
		return;
	}
	if (!view->ops->sort(view, column, descending, err, sizeof err)) {
		app_status(line->app, STATUS_ERROR, "%s", err);
		return;
	}
	if (column && strcasecmp(column, "default") != 0)
		app_status(line->app, STATUS_OK, "%s sorted by %s, %s", view->ops->name, column,
			   descending ? "descending" : "ascending");
	else
		app_status(line->app, STATUS_OK, "%s in its default order", view->ops->name);
}

static void run_theme(struct command_line *line, const struct command *command,
		      const struct command_words *words)
{
	struct theme theme;
	char err[512];

	if (words->count != 2) {
		app_status(line->app, STATUS_ERROR, "usage: %s", command->usage);
		return;
	}
	if (!theme_load(words->words[1], &theme, err, sizeof err)) {
		app_status(line->app, STATUS_ERROR, "%s", err);
		return;
	}
	theme_use(&theme);
	clearok(curscr, TRUE);
	app_status(line->app, STATUS_OK, "theme %s", words->words[1]);
}

/* The action "pane-NAME" of the keymap, or ACTION_NONE: the panes are named there. */
static enum action pane_action(const char *name)
{
	char wanted[64];

	snprintf(wanted, sizeof wanted, "pane-%s", name);
	for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++)
		if (strcmp(action_name((enum action)a), wanted) == 0)
			return (enum action)a;
	return ACTION_NONE;
}

static void run_pane(struct command_line *line, const struct command *command,
		     const struct command_words *words)
{
	enum action action = words->count == 2 ? pane_action(words->words[1]) : ACTION_NONE;

	if (words->count != 2)
		app_status(line->app, STATUS_ERROR, "usage: %s", command->usage);
	else if (action == ACTION_NONE)
		app_status(line->app, STATUS_ERROR, "unknown pane \"%s\" (usage: %s)", words->words[1],
			   command->usage);
	else
		line->run_action(line->app, action);
}

static void run_help(struct command_line *line, const struct command *command,
		     const struct command_words *words)
{
	const struct command *requested;

	if (words->count == 1) {
		line->run_action(line->app, ACTION_HELP);
		return;
	}
	requested = find_command(words->words[1]);
	if (words->count > 2)
		app_status(line->app, STATUS_ERROR, "usage: %s", command->usage);
	else if (!requested)
		app_status(line->app, STATUS_ERROR, "unknown command \"%s\": type help for the list",
			   words->words[1]);
	else
		app_status(line->app, STATUS_INFO, "usage: %s -- %s", requested->usage, requested->help);
}

/* A command that is one keymap action and takes no arguments. */
static void run_action_command(struct command_line *line, const struct command *command,
			       const struct command_words *words)
{
	if (words->count > 1 || words->reason)
		app_status(line->app, STATUS_ERROR, "%s takes no arguments", command->name);
	else
		line->run_action(line->app, command->action);
}

static const struct command commands[] = {
	{ "approve", "approve [ID...] [-- REASON]",
	  "Approve requests by id, or the marked or selected ones; without a reason the prompt asks",
	  ARGUMENTS_REQUESTS, ACTION_APPROVE, run_decision },
	{ "deny", "deny [ID...] [-- REASON]",
	  "Deny requests by id, or the marked or selected ones; without a reason the prompt asks",
	  ARGUMENTS_REQUESTS, ACTION_DENY, run_decision },
	{ "revoke", "revoke [ID...] | --principal P | --resource R [-- REASON]",
	  "Revoke grants by id, every grant of a principal or on a resource, or the marked or "
	  "selected ones; confirmations are asked as for the keys",
	  ARGUMENTS_GRANTS, ACTION_REVOKE, run_revoke },
	{ "filter", "filter [TEXT]",
	  "Show only the rows of the focused list that contain TEXT; without TEXT show all",
	  ARGUMENTS_TEXT, ACTION_FILTER, run_filter },
	{ "sort", "sort [COLUMN [asc|desc]]",
	  "Sort the focused list by a column, named by its heading; without COLUMN, or with "
	  "default, go back to the list's own order",
	  ARGUMENTS_COLUMNS, ACTION_NONE, run_sort },
	{ "theme", "theme NAME", "Switch to another colour theme now",
	  ARGUMENTS_THEMES, ACTION_NONE, run_theme },
	{ "pane", "pane NAME", "Go to a pane: pending, grants, or another pane's name",
	  ARGUMENTS_PANES, ACTION_NONE, run_pane },
	{ "outbox", "outbox", "Show the outbox: each recent action and its fate",
	  ARGUMENTS_NONE, ACTION_OUTBOX, run_action_command },
	{ "messages", "messages", "Show the recent messages in full",
	  ARGUMENTS_NONE, ACTION_MESSAGES, run_action_command },
	{ "refresh", "refresh", "Fetch fresh data from the broker now",
	  ARGUMENTS_NONE, ACTION_REFRESH, run_action_command },
	{ "help", "help [COMMAND]", "Show the keys and commands, or one command's usage",
	  ARGUMENTS_COMMANDS, ACTION_HELP, run_help },
	{ "quit", "quit", "Quit gatehouse (after asking when actions are still queued)",
	  ARGUMENTS_NONE, ACTION_QUIT, run_action_command },
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

bool command_line_help_next(size_t *cursor, struct command_help *out)
{
	if (*cursor >= COMMAND_COUNT)
		return false;
	out->name = commands[*cursor].name;
	out->usage = commands[*cursor].usage;
	out->help = commands[*cursor].help;
	(*cursor)++;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split text into words up to a "--" word; what follows it, blanks trimmed, is the reason. */
static void split_command(char *text, struct command_words *out)
{
	char *p = text;

	memset(out, 0, sizeof *out);
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			return;
		char *start = p;
		while (*p && !is_blank(*p))
			p++;
		if (p - start == 2 && strncmp(start, "--", 2) == 0) {
			while (is_blank(*p))
				p++;
			out->reason = p;
			return;
		}
		out->words = xreallocarray(out->words, out->count + 1, sizeof *out->words);
		out->words[out->count++] = start;
		if (*p)
			*p++ = '\0';
	}
}

void command_line_run(struct command_line *line, const char *text)
{
	char *copy = xstrdup(text);
	char *rest_copy = NULL;
	struct command_words words;
	const struct command *command;

	/* The rest is split in place below, so filter gets its own copy of the text as typed. */
	const char *after_name = text + strspn(text, " \t");
	after_name += strcspn(after_name, " \t");
	after_name += strspn(after_name, " \t");
	rest_copy = xstrdup(after_name);
	split_command(copy, &words);
	words.rest = rest_copy;
	if (words.count == 0) {
		free(words.words);
		free(copy);
		free(rest_copy);
		return;
	}
	command = find_command(words.words[0]);
	if (!command)
		app_status(line->app, STATUS_ERROR, "unknown command \"%s\": type help for the list, "
			   "or press Tab to complete a name", words.words[0]);
	else
		command->run(line, command, &words);
	line->app->dirty = true;
	free(words.words);
	free(copy);
	free(rest_copy);
}

/* ---- Completion: runs on the line editor's thread while the loop waits for it ---- */

static void complete_requests(struct command_line *line, struct cmdline_completion *completion)
{
	struct request_row *rows = NULL;
	size_t count = cache_load_pending(line->app->cache, &rows);
	char id[24];

	for (size_t i = 0; rows && i < count; i++) {
		snprintf(id, sizeof id, "%lld", (long long)rows[i].id);
		cmdline_completion_add(completion, id);
	}
	if (rows)
		request_rows_free(rows);
}

/* Offer the active grants' ids, or after --principal or --resource, their principals or resources. */
static void complete_grants(struct command_line *line, const char *previous,
			    struct cmdline_completion *completion)
{
	struct grant_row *rows = NULL;
	size_t count = cache_load_active_grants(line->app->cache, &rows);
	bool principals = strcmp(previous, "--principal") == 0;
	bool resources = strcmp(previous, "--resource") == 0;
	char id[24];

	if (!principals && !resources) {
		cmdline_completion_add(completion, "--principal");
		cmdline_completion_add(completion, "--resource");
	}
	for (size_t i = 0; rows && i < count; i++) {
		snprintf(id, sizeof id, "%lld", (long long)rows[i].id);
		cmdline_completion_add(completion, principals ? rows[i].principal :
						   resources ? rows[i].resource : id);
	}
	if (rows)
		grant_rows_free(rows);
}

static void complete_theme_dir(const char *dir, struct cmdline_completion *completion)
{
	DIR *listing = opendir(dir);
	struct dirent *entry;

	if (!listing)
		return;
	while ((entry = readdir(listing)) != NULL) {
		size_t length = strlen(entry->d_name);
		if (length <= 6 || strcmp(entry->d_name + length - 6, ".theme") != 0)
			continue;
		char *name = xstrndup(entry->d_name, length - 6);
		cmdline_completion_add(completion, name);
		free(name);
	}
	closedir(listing);
}

static void complete_themes(struct cmdline_completion *completion)
{
	char dir[1024];

	cmdline_completion_add(completion, "default");
	if (theme_user_dir(dir, sizeof dir))
		complete_theme_dir(dir, completion);
	if (theme_shipped_dir(dir, sizeof dir))
		complete_theme_dir(dir, completion);
}

static void complete_panes(struct cmdline_completion *completion)
{
	for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++)
		if (strncmp(action_name((enum action)a), "pane-", 5) == 0)
			cmdline_completion_add(completion, action_name((enum action)a) + 5);
}

static void complete_commands(struct cmdline_completion *completion)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		cmdline_completion_add(completion, commands[i].name);
}

/* Offer the focused list's column names, then the directions. */
static void complete_columns(struct command_line *line, size_t word_index,
			     struct cmdline_completion *completion)
{
	struct view *view = focused_view(line->app);
	char name[64];

	if (word_index == 2) {
		cmdline_completion_add(completion, "asc");
		cmdline_completion_add(completion, "desc");
		return;
	}
	if (word_index != 1 || !view->ops->sort_column)
		return;
	cmdline_completion_add(completion, "default");
	for (size_t i = 0; view->ops->sort_column(view, i, name, sizeof name); i++)
		cmdline_completion_add(completion, name);
}

static void complete(void *ctx, const char *const *words, size_t word_index,
		     struct cmdline_completion *completion)
{
	struct command_line *line = ctx;
	const struct command *command;

	if (word_index == 0) {
		complete_commands(completion);
		return;
	}
	for (size_t i = 1; i < word_index; i++)
		if (strcmp(words[i], "--") == 0)
			return; /* the reason is free text */
	command = find_command(words[0]);
	if (!command)
		return;
	switch (command->arguments) {
	case ARGUMENTS_REQUESTS:
		complete_requests(line, completion);
		break;
	case ARGUMENTS_GRANTS:
		complete_grants(line, words[word_index - 1], completion);
		break;
	case ARGUMENTS_THEMES:
		if (word_index == 1)
			complete_themes(completion);
		break;
	case ARGUMENTS_PANES:
		if (word_index == 1)
			complete_panes(completion);
		break;
	case ARGUMENTS_COMMANDS:
		if (word_index == 1)
			complete_commands(completion);
		break;
	case ARGUMENTS_COLUMNS:
		complete_columns(line, word_index, completion);
		break;
	case ARGUMENTS_NONE:
	case ARGUMENTS_TEXT:
		break;
	}
}

/* ---- The line on the screen ---- */

struct command_line *command_line_new(struct app *app, command_action_fn *run_action)
{
	struct command_line *line = xcalloc(1, sizeof *line);

	line->app = app;
	line->run_action = run_action;
	return line;
}

void command_line_free(struct command_line *line)
{
	if (!line)
		return;
	cmdline_free(line->editor);
	free(line);
}

/* Put a failure to read or write the history file on the status line. */
static void report_history_error(struct command_line *line)
{
	const char *error = cmdline_take_error(line->editor);

	if (*error)
		app_status(line->app, STATUS_WARNING, "%s", error);
}

void command_line_open(struct command_line *line)
{
	char err[256];

	if (!line->editor) {
		char *path = console_history_path();
		line->editor = cmdline_new(path, complete, line, err, sizeof err);
		free(path);
		if (!line->editor) {
			app_status(line->app, STATUS_ERROR, "the command line is unavailable: %s", err);
			return;
		}
		report_history_error(line);
	}
	line->active = true;
	line->app->dirty = true;
}

bool command_line_active(const struct command_line *line)
{
	return line->active;
}

void command_line_key(struct command_line *line, const struct key_event *ev)
{
	enum cmdline_result result = cmdline_key(line->editor, ev);

	line->app->dirty = true;
	if (result == CMDLINE_EDITING)
		return;
	line->active = false;
	if (result == CMDLINE_SUBMITTED) {
		char *text = xstrdup(cmdline_submitted(line->editor));
		command_line_run(line, text);
		free(text);
	}
	report_history_error(line);
}

void command_line_draw(struct command_line *line)
{
	struct app *app = line->app;
	int rows = app->screen.rows, cols = app->screen.cols;
	const char *hint;
	int column;

	if (!line->active || screen_too_small(&app->screen))
		return;
	hint = cmdline_hint(line->editor);
	if (*hint)
		draw_text(stdscr, rows - 2, 0, cols, hint, THEME_STATUS, app->screen.charset);
	column = cmdline_draw(line->editor, stdscr, rows - 1, cols, app->screen.charset);
	if (column >= 0) {
		move(rows - 1, column);
		curs_set(1);
	}
	refresh();
}
