/*
 * The policy pane: the broker's active policy, or the user's draft of a new
 * one, with line numbers, highlighting and the diagnostics of a local parse
 * and lint, on their lines and in a list below. e edits the text in the
 * user's editor, s simulates the draft against the cached history (S at the
 * broker, over its whole history), w publishes it through the outbox and D
 * discards it. The policy and the draft live in the cache, so the pane works
 * offline from the last copy.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/outbox.h"
#include "cache/policy.h"
#include "client/policy.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "tui/draw.h"
#include "tui/screen.h"
#include "tui/text.h"
#include "tui/wrap.h"
#include "views/policy.h"

/* The broker's policy is fetched again when the pane is drawn this long after the last fetch, in seconds. */
#define REFETCH_SECONDS 60
/* Changed requests listed in a simulation made here. */
#define CHANGED_LISTED 1000

enum policy_question {
	QUESTION_NONE,
	QUESTION_PUBLISH,
	QUESTION_DISCARD,
	QUESTION_RELOAD,            /* after a stale publish: load the published policy */
};

/* The most rows the notice line may wrap to, so that a long question keeps its end. */
#define NOTICE_ROWS_MAX 3

struct policy_view {
	struct view base;
	struct policy_client *client;
	struct policy_source source;
	struct cached_policy active;
	bool have_active;
	bool edited;                /* the text shown is the user's draft */
	int64_t based_on;           /* the draft's base version */
	char *fetch_error;          /* the last fetch's failure, NULL after a success */
	int64_t fetched_at;         /* when this pane last asked, 0 before */
	bool set_aside_after_fetch; /* a stale publish: save the draft to a file once the fetch is in */
	size_t top;                 /* the first display line shown */
	int rows;                   /* body rows at the last draw */
	enum policy_question question;
	int64_t publish_item;       /* the outbox item of a publish in flight, 0 for none */
	char notice[STATUS_TEXT_SIZE];
	enum theme_role notice_role;
};

static struct policy_view *policy_of(struct view *v)
{
	return (struct policy_view *)v;
}

static void set_notice(struct policy_view *p, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_notice(struct policy_view *p, enum theme_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->notice, sizeof p->notice, fmt, ap);
	va_end(ap);
	p->notice_role = role;
	p->base.app->dirty = true;
}

/* Show text, parsing and linting it again only when it changed. */
static void show_text(struct policy_view *p, const char *text)
{
	size_t length = strlen(text);

	if (p->source.text && p->source.length == length && memcmp(p->source.text, text, length) == 0)
		return;
	/* NOTE: linted without the broker's attribute set, so an unknown attribute surfaces only when the broker rejects the publish. */
	policy_source_set(&p->source, text, length, NULL);
}

static void policy_reload(struct view *v, size_t limit)
{
	struct policy_view *p = policy_of(v);
	struct cache *cache = v->app->cache;
	char *draft = NULL;
	enum cache_result found;

	(void)limit;
	cached_policy_free(&p->active);
	found = cache_policy_load(cache, &p->active);
	p->have_active = found == CACHE_FOUND;
	if (found == CACHE_ERROR)
		app_status(v->app, STATUS_ERROR, "reading the cached policy failed: %s",
			   cache_last_error(cache));
	found = cache_policy_load_draft(cache, &draft, &p->based_on);
	p->edited = found == CACHE_FOUND;
	if (p->edited)
		show_text(p, draft);
	else
		show_text(p, p->have_active ? p->active.source : "");
	free(draft);
}

static void policy_title(struct view *v, char *out, size_t size)
{
	struct policy_view *p = policy_of(v);

	if (p->have_active)
		snprintf(out, size, "Policy v%lld%s", (long long)p->active.version,
			 p->edited ? " (edited)" : "");
	else
		snprintf(out, size, "Policy%s", p->edited ? " (edited)" : "");
}

/* The cache file's path, as console/main.c opened it; NULL when there is no place for one. */
static char *cache_file_path(const struct app *app)
{
	if (app->options->cache_path)
		return xstrdup(app->options->cache_path);
	return cache_default_path(app->options->url, app->options->token);
}

/*
 * Save the stale draft to a file and discard it from the cache, so that the
 * pane shows the newly published text. The draft is never re-based on the new
 * version, because publishing it then would silently undo the other change.
 */
static void set_draft_aside(struct policy_view *p)
{
	struct app *app = p->base.app;
	struct strbuf path = STRBUF_INIT;
	char *cache_path = cache_file_path(app);
	char err[512] = "no place for the file: give --cache FILE or set XDG_CACHE_HOME";

	if (!cache_path || !policy_draft_save(cache_path, p->source.text, p->based_on, time_now(),
					      &path, err, sizeof err)) {
		set_notice(p, THEME_STATUS_ERROR, "saving your draft failed (%s); it stays here, "
			   "based on version %lld", err, (long long)p->based_on);
	} else if (!cache_policy_discard_draft(app->cache)) {
		set_notice(p, THEME_STATUS_ERROR, "your draft is saved in %s, but discarding it from "
			   "the cache failed: %s", path.data, cache_last_error(app->cache));
	} else {
		policy_reload(&p->base, 0);
		set_notice(p, THEME_STATUS_WARNING, "your draft is saved in %s; press e to edit the "
			   "published version %lld and re-apply your change", path.data,
			   (long long)p->active.version);
		/* The path may not fit the pane's width: the messages view (m) keeps it whole. */
		app_status(app, STATUS_WARNING, "%s", p->notice);
	}
	free(cache_path);
	strbuf_free(&path);
}

static void on_fetched(void *ctx, const char *error)
{
	struct policy_view *p = ctx;

	free(p->fetch_error);
	p->fetch_error = error ? xstrdup(error) : NULL;
	policy_reload(&p->base, 0);
	if (!error && p->set_aside_after_fetch && p->edited && p->have_active) {
		if (p->active.version > p->based_on)
			set_draft_aside(p);
		else
			set_notice(p, THEME_DIM, "the published policy is still version %lld, the "
				   "base of your draft", (long long)p->active.version);
	}
	p->set_aside_after_fetch = false;
	p->base.app->dirty = true;
}

/* Ask for the broker's policy when online and the last ask is old. */
static void maybe_fetch(struct policy_view *p, bool now)
{
	int64_t current = time_now();

	if (p->base.app->connection != SYNC_ONLINE || policy_client_fetching(p->client))
		return;
	if (!now && p->fetched_at && current - p->fetched_at < REFETCH_SECONDS)
		return;
	if (policy_client_fetch(p->client))
		p->fetched_at = current;
}

/* Follow a publish in the outbox: its outcome is in the cache once the broker answered. */
static void watch_publish(struct policy_view *p)
{
	struct outbox_item item;

	if (!p->publish_item ||
	    cache_outbox_get(p->base.app->cache, p->publish_item, &item) != CACHE_FOUND)
		return;
	if (item.state == OUTBOX_DONE) {
		p->publish_item = 0;
		policy_reload(&p->base, 0);
		set_notice(p, THEME_STATUS_OK, "published: the broker's policy is now version %lld",
			   (long long)p->active.version);
	} else if (item.state == OUTBOX_CONFLICT) {
		p->publish_item = 0;
		p->question = QUESTION_RELOAD;
		set_notice(p, THEME_STATUS_WARNING, "Load the published policy, saving your draft to "
			   "a file? (y/n) %s", item.last_error ? item.last_error : "");
	} else if (item.state == OUTBOX_FAILED || item.state == OUTBOX_DROPPED) {
		p->publish_item = 0;
		set_notice(p, THEME_STATUS_ERROR, "not published: %s",
			   item.last_error ? item.last_error : outbox_state_name(item.state));
	}
	outbox_item_free(&item);
}

/* The display lines: the source, then a blank line, a heading and one line per diagnostic. */
static size_t display_count(const struct policy_view *p)
{
	size_t count = p->source.line_count;

	if (p->source.diagnostics.count > 0)
		count += 2 + p->source.diagnostics.count;
	return count;
}

/* Write how the draft's base reads in the header, with a newer published version named. */
static void describe_base(const struct policy_view *p, char *out, size_t size)
{
	if (p->have_active && p->active.version > p->based_on)
		snprintf(out, size, "published version %lld is newer than your draft's base ",
			 (long long)p->active.version);
	else
		snprintf(out, size, "draft based on version ");
}

static void draw_header(struct policy_view *p, WINDOW *w, int y, int x, int width)
{
	enum text_charset cs = p->base.app->screen.charset;
	char line[512], stamp[RFC3339_LEN] = "", base[96];

	if (p->have_active && p->active.published_at)
		time_format_rfc3339(p->active.published_at, stamp);
	describe_base(p, base, sizeof base);
	if (!p->have_active && !p->edited)
		snprintf(line, sizeof line, "%s", p->fetch_error ? p->fetch_error :
			 p->base.app->connection == SYNC_ONLINE ? "no policy published at the broker, "
			 "or none fetched yet" : "no policy in the cache: it is fetched when the broker "
			 "answers");
	else if (p->edited)
		snprintf(line, sizeof line, "%s%lld: %zu error%s, %zu warning%s (e edit, s "
			 "simulate, w publish, D discard)", base, (long long)p->based_on,
			 p->source.diagnostics.error_count,
			 p->source.diagnostics.error_count == 1 ? "" : "s",
			 p->source.diagnostics.count - p->source.diagnostics.error_count,
			 p->source.diagnostics.count - p->source.diagnostics.error_count == 1 ? "" : "s");
	else
		snprintf(line, sizeof line, "version %lld, published %s%s%s%s (e edit)",
			 (long long)p->active.version, stamp[0] ? stamp : "at an unknown time",
			 p->active.published_by ? " by " : "",
			 p->active.published_by ? p->active.published_by : "",
			 p->fetch_error ? "; the last fetch failed" : "");
	draw_text(w, y, x, width, line, p->fetch_error || p->edited ? THEME_STATUS_WARNING : THEME_DIM,
		  cs);
}

static void draw_diagnostic_line(struct policy_view *p, size_t index, WINDOW *w, int y, int x,
				 int width)
{
	enum text_charset cs = p->base.app->screen.charset;
	const struct policy_diagnostic *d;
	char line[640];

	if (index == 0) {
		draw_fill(w, y, x, width, THEME_NORMAL);
		return;
	}
	if (index == 1) {
		draw_text(w, y, x, width, "Diagnostics", THEME_HEADER, cs);
		return;
	}
	d = &p->source.diagnostics.items[index - 2];
	snprintf(line, sizeof line, "%u:%u: %s%s", d->line, d->column,
		 d->severity == POLICY_ERROR ? "" : "warning: ", d->message);
	draw_text(w, y, x, width, line, d->severity == POLICY_ERROR ? THEME_DENIED : THEME_PENDING,
		  cs);
}

static void draw_body(struct policy_view *p, WINDOW *w, const struct area *body)
{
	size_t count = display_count(p);

	p->rows = body->height;
	if (p->top + (size_t)body->height > count)
		p->top = count > (size_t)body->height ? count - (size_t)body->height : 0;
	for (int row = 0; row < body->height; row++) {
		size_t i = p->top + (size_t)row;
		int y = body->y + row;

		if (i < p->source.line_count)
			policy_source_draw_line(&p->source, i, w, y, body->x, body->width,
						p->base.app->screen.charset);
		else if (i < count)
			draw_diagnostic_line(p, i - p->source.line_count, w, y, body->x, body->width);
		else
			draw_fill(w, y, body->x, body->width, THEME_NORMAL);
	}
}

/*
 * Draw the notice wrapped over the bottom rows of area, at most
 * NOTICE_ROWS_MAX, so that a question keeps its "(y/n)" on a narrow
 * terminal. Returns the rows it took.
 */
static int draw_notice(struct policy_view *p, WINDOW *w, const struct area *area, int rows_max)
{
	enum text_charset cs = p->base.app->screen.charset;
	struct strbuf text = STRBUF_INIT, line = STRBUF_INIT;
	size_t starts[NOTICE_ROWS_MAX], lengths[NOTICE_ROWS_MAX];
	int rows = 0;

	text_sanitize(p->notice, TEXT_NUL_TERMINATED, cs, &text);
	for (size_t at = 0; at < text.len && rows < rows_max && rows < NOTICE_ROWS_MAX; rows++) {
		starts[rows] = at;
		at += wrap_line(text.data + at, area->width, &lengths[rows]);
	}
	for (int i = 0; i < rows; i++) {
		/* The last row takes the rest, which draw_text cuts when it does not fit. */
		size_t length = i + 1 == rows ? text.len - starts[i] : lengths[i];

		strbuf_reset(&line);
		strbuf_append(&line, text.data + starts[i], length);
		draw_text(w, area->y + area->height - rows + i, area->x, area->width, strbuf_str(&line),
			  p->notice_role, cs);
	}
	strbuf_free(&text);
	strbuf_free(&line);
	return rows;
}

static void policy_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	struct policy_view *p = policy_of(v);
	struct area body = *area;
	int notice_rows = 1;

	(void)focused;
	maybe_fetch(p, false);
	watch_publish(p);
	if (area->height < 3)
		return;
	draw_header(p, w, area->y, area->x, area->width);
	if (p->notice[0])
		notice_rows = draw_notice(p, w, area, area->height - 2);
	else
		draw_fill(w, area->y + area->height - 1, area->x, area->width, THEME_NORMAL);
	body.y++;
	body.height -= 1 + notice_rows;
	draw_body(p, w, &body);
}

/* ---- Edit ---- */

static void keep_edit(struct policy_view *p, const char *edited)
{
	struct cache *cache = p->base.app->cache;
	int64_t based_on = 0;

	if (p->edited)
		based_on = p->based_on;
	else if (p->have_active)
		based_on = p->active.version;

	if (!cache_policy_set_draft(cache, edited, based_on)) {
		set_notice(p, THEME_STATUS_ERROR, "keeping the edit failed: %s", cache_last_error(cache));
		return;
	}
	policy_reload(&p->base, 0);
	if (policy_source_clean(&p->source))
		set_notice(p, THEME_STATUS_OK, "edited: no errors, %zu warning%s; s simulates, w "
			   "publishes", p->source.diagnostics.count,
			   p->source.diagnostics.count == 1 ? "" : "s");
	else
		set_notice(p, THEME_STATUS_ERROR, "edited: %zu error%s, the first at line %u: fix them "
			   "with e before publishing", p->source.diagnostics.error_count,
			   p->source.diagnostics.error_count == 1 ? "" : "s",
			   p->source.diagnostics.items[0].line);
}

static void edit(struct policy_view *p)
{
	struct app *app = p->base.app;
	char *edited = NULL;
	size_t length = 0;
	char err[512];
	bool ok;

	def_prog_mode();
	endwin();
	ok = policy_editor_run(p->source.text ? p->source.text : "", p->source.length, &edited,
			       &length, err, sizeof err);
	reset_prog_mode();
	screen_resize(&app->screen);
	clearok(curscr, TRUE);
	app->dirty = true;
	if (!ok) {
		set_notice(p, THEME_STATUS_ERROR, "%s", err);
		return;
	}
	if (strlen(edited) != length)
		set_notice(p, THEME_STATUS_ERROR, "the edited file contains a NUL byte; the edit was "
			   "discarded");
	else if (p->source.text && strcmp(edited, p->source.text) == 0)
		set_notice(p, THEME_DIM, "no change");
	else
		keep_edit(p, edited);
	free(edited);
}

/* ---- Simulate ---- */

/* Parse a policy that linted clean in the pane; NULL when it has errors. */
static struct policy *parse_clean(const char *text)
{
	struct policy_diagnostics diagnostics;
	struct policy *policy;

	policy_diagnostics_init(&diagnostics, "policy");
	policy = policy_parse(text, strlen(text), &diagnostics);
	if (policy && !policy_lint(policy, NULL, &diagnostics)) {
		policy_free(policy);
		policy = NULL;
	}
	policy_diagnostics_free(&diagnostics);
	return policy;
}

/* Whether the draft may be simulated or published; otherwise the notice gives the reason. */
static bool draft_ready(struct policy_view *p, const char *verb)
{
	if (!p->edited) {
		set_notice(p, THEME_STATUS_WARNING, "nothing to %s: edit the policy first (e)", verb);
		return false;
	}
	if (!policy_source_clean(&p->source)) {
		const struct policy_diagnostic *d = &p->source.diagnostics.items[0];

		set_notice(p, THEME_STATUS_ERROR, "cannot %s: the draft has %zu error%s, the first "
			   "%u:%u: %s", verb, p->source.diagnostics.error_count,
			   p->source.diagnostics.error_count == 1 ? "" : "s", d->line, d->column,
			   d->message);
		return false;
	}
	if (!p->have_active) {
		set_notice(p, THEME_STATUS_WARNING, "cannot %s: the published policy is not in the "
			   "cache yet", verb);
		return false;
	}
	return true;
}

/* Write the span of the rows' creation dates (UTC), ", created 2026-10-09 to 2026-12-04", or "". */
static void history_dates(const struct policy_history *history, char *out, size_t size)
{
	char first_text[RFC3339_LEN], last_text[RFC3339_LEN];
	struct policy_history_row row;
	int64_t first = 0, last = 0;

	for (size_t i = 0; i < policy_history_count(history); i++) {
		policy_history_row(history, i, &row);
		if (row.created_at > 0 && (first == 0 || row.created_at < first))
			first = row.created_at;
		if (row.created_at > last)
			last = row.created_at;
	}
	out[0] = '\0';
	if (first == 0)
		return;
	time_format_rfc3339(first, first_text);
	time_format_rfc3339(last, last_text);
	snprintf(out, size, ", created %.10s to %.10s", first_text, last_text);
}

static void simulate_here(struct policy_view *p)
{
	struct app *app = p->base.app;
	struct policy *current, *proposed;
	struct policy_history *history;
	struct policy_simulation simulation;
	size_t skipped;
	char note[640], dates[64];

	if (!draft_ready(p, "simulate"))
		return;
	history = cache_policy_history(app->cache, &skipped);
	if (!history) {
		set_notice(p, THEME_STATUS_ERROR, "reading the cached requests failed: %s",
			   cache_last_error(app->cache));
		return;
	}
	current = parse_clean(p->active.source);
	proposed = parse_clean(p->source.text);
	if (!current || !proposed) {
		set_notice(p, THEME_STATUS_ERROR, "the published policy version %lld does not lint "
			   "here, so there is nothing to compare with", (long long)p->active.version);
	} else {
		policy_simulate(current, proposed, history, &simulation);
		json_t *result = policy_simulation_to_json(&simulation, current, proposed, history,
							   CHANGED_LISTED);
		history_dates(history, dates, sizeof dates);
		snprintf(note, sizeof note, "the draft against version %lld, replayed over the %zu "
			 "decided requests in this console's cache%s%s%s%s", (long long)p->active.version,
			 policy_history_count(history), dates,
			 skipped ? " (some unreadable ones skipped)" : "",
			 sync_history_complete(app->sync) ? "" : "; the broker's history is still "
			 "loading into the cache",
			 app->connection == SYNC_ONLINE ? "; S in the policy pane asks the broker, over "
			 "its whole history" : "");
		policy_simulation_open(app, result, note);
		json_decref(result);
		policy_simulation_free(&simulation);
	}
	policy_free(current);
	policy_free(proposed);
	policy_history_free(history);
}

static void on_broker_simulation(void *ctx, const json_t *result, const char *error)
{
	struct policy_view *p = ctx;

	if (!result) {
		set_notice(p, THEME_STATUS_ERROR, "%s", error);
		return;
	}
	set_notice(p, THEME_DIM, "the broker's simulation arrived");
	policy_simulation_open(p->base.app, result, "the draft against the broker's active policy, "
			       "over the broker's whole history of decided requests");
}

static void simulate_at_broker(struct policy_view *p)
{
	if (!draft_ready(p, "simulate"))
		return;
	if (p->base.app->connection != SYNC_ONLINE) {
		set_notice(p, THEME_STATUS_WARNING, "the broker is out of reach: s simulates over the "
			   "cached history");
		return;
	}
	if (policy_client_simulate(p->client, p->source.text, on_broker_simulation, p))
		set_notice(p, THEME_DIM, "asking the broker to simulate the draft...");
	else
		set_notice(p, THEME_STATUS_ERROR, "the simulation could not be sent");
}

/* ---- Publish, discard, and the questions ---- */

static void ask(struct policy_view *p, enum policy_question question, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ask(struct policy_view *p, enum policy_question question, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->notice, sizeof p->notice, fmt, ap);
	va_end(ap);
	p->notice_role = THEME_STATUS_WARNING;
	p->question = question;
	p->base.app->dirty = true;
}

/* Whether the signed-in principal may publish; otherwise the notice gives the reason, before anything is queued. */
static bool may_publish(struct policy_view *p)
{
	const struct app *app = p->base.app;

	/* NOTE: while the principal is unknown (not cached, broker not reached yet), the broker decides. */
	if (!app->principal_known || (app->principal_roles & ROLE_ADMIN))
		return true;
	set_notice(p, THEME_STATUS_ERROR, "publishing needs the admin role; you are %s, so an "
		   "admin must publish the draft", app->principal_label);
	return false;
}

static void start_publish(struct policy_view *p)
{
	if (!app_may_write(p->base.app) || !draft_ready(p, "publish") || !may_publish(p))
		return;
	if (p->publish_item) {
		set_notice(p, THEME_STATUS_WARNING, "a publish is already on its way");
		return;
	}
	ask(p, QUESTION_PUBLISH, "Publish the draft over version %lld? Every new request is decided "
	    "by it at once. (y/n)", (long long)p->based_on);
}

static void publish(struct policy_view *p)
{
	struct app *app = p->base.app;
	int64_t id = outbox_queue_publish(app->outbox, p->source.text, p->based_on);

	if (id < 0) {
		set_notice(p, THEME_STATUS_ERROR, "publishing failed: %s", outbox_last_error(app->outbox));
		return;
	}
	p->publish_item = id;
	app_refresh_outbox_count(app);
	set_notice(p, THEME_DIM, "publishing over version %lld...", (long long)p->based_on);
}

static void discard(struct policy_view *p)
{
	struct cache *cache = p->base.app->cache;

	if (!cache_policy_discard_draft(cache)) {
		set_notice(p, THEME_STATUS_ERROR, "discarding the draft failed: %s", cache_last_error(cache));
		return;
	}
	policy_reload(&p->base, 0);
	set_notice(p, THEME_DIM, "draft discarded");
}

static void answer(struct policy_view *p, bool yes)
{
	enum policy_question question = p->question;

	p->question = QUESTION_NONE;
	p->notice[0] = '\0';
	if (!yes)
		return;
	switch (question) {
	case QUESTION_PUBLISH:
		publish(p);
		break;
	case QUESTION_DISCARD:
		discard(p);
		break;
	case QUESTION_RELOAD:
		p->set_aside_after_fetch = true;
		maybe_fetch(p, true);
		if (!policy_client_fetching(p->client))
			set_notice(p, THEME_STATUS_WARNING, "the broker is out of reach: the published "
				   "policy loads when it answers");
		break;
	case QUESTION_NONE:
		break;
	}
}

/* While a question is open, y and n answer it (Esc is no) and every other key is ignored. */
static bool policy_take_key(struct view *v, const struct key_event *ev)
{
	struct policy_view *p = policy_of(v);

	if (p->question == QUESTION_NONE)
		return false;
	if (!ev->function && (ev->code == 'y' || ev->code == 'Y'))
		answer(p, true);
	else if (!ev->function && (ev->code == 'n' || ev->code == 'N' || ev->code == 27))
		answer(p, false);
	return true;
}

static bool scroll_source(struct policy_view *p, enum action action)
{
	size_t count = display_count(p);
	size_t page = p->rows > 1 ? (size_t)p->rows - 1 : 1;
	size_t last = count > (size_t)p->rows ? count - (size_t)p->rows : 0;

	switch (action) {
	case ACTION_UP:
		p->top -= p->top > 0;
		return true;
	case ACTION_DOWN:
		p->top += p->top < last;
		return true;
	case ACTION_PAGE_UP:
		p->top = p->top > page ? p->top - page : 0;
		return true;
	case ACTION_PAGE_DOWN:
		p->top = p->top + page < last ? p->top + page : last;
		return true;
	case ACTION_HOME:
		p->top = 0;
		return true;
	case ACTION_END:
		p->top = last;
		return true;
	default:
		return false;
	}
}

static bool policy_handle_action(struct view *v, enum action action)
{
	struct policy_view *p = policy_of(v);

	p->notice[0] = '\0';
	switch (action) {
	case ACTION_EDIT_POLICY:
		edit(p);
		return true;
	case ACTION_SIMULATE_POLICY:
		simulate_here(p);
		return true;
	case ACTION_SIMULATE_AT_BROKER:
		simulate_at_broker(p);
		return true;
	case ACTION_PUBLISH_POLICY:
		start_publish(p);
		return true;
	case ACTION_DISCARD_DRAFT:
		if (p->edited)
			ask(p, QUESTION_DISCARD, "Discard your draft? (y/n)");
		else
			set_notice(p, THEME_DIM, "there is no draft to discard");
		return true;
	case ACTION_REFRESH:
		/* The sync's own refresh runs too. */
		maybe_fetch(p, true);
		return false;
	default:
		return scroll_source(p, action);
	}
}

static void policy_destroy(struct view *v)
{
	struct policy_view *p = policy_of(v);

	policy_client_free(p->client);
	policy_source_free(&p->source);
	cached_policy_free(&p->active);
	free(p->fetch_error);
	free(p);
}

static const struct view_ops policy_ops = {
	.name = "policy",
	.context = KEY_CONTEXT_POLICY,
	.reload = policy_reload,
	.title = policy_title,
	.draw = policy_draw,
	.take_key = policy_take_key,
	.handle_action = policy_handle_action,
	.destroy = policy_destroy,
};

struct view *policy_view_new(struct app *app)
{
	struct policy_view *p = xcalloc(1, sizeof *p);

	p->base.ops = &policy_ops;
	p->base.app = app;
	policy_source_init(&p->source);
	p->client = policy_client_new(app->http, app->cache, on_fetched, p);
	return &p->base;
}
