/*
 * The outbox pane: every recent action, newest first, with its state, its
 * attempts, its times and the broker's last answer, and the selected one in
 * full below the list. r sends a failed or conflicting action again after a
 * review, x drops one, Enter opens the object it acts on.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/outbox.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "tui/draw.h"
#include "tui/theme.h"
#include "views/columns.h"
#include "views/lines.h"
#include "views/table.h"
#include "views/view.h"

/* The newest items the pane lists; older ones are finished long ago. */
#define OUTBOX_VIEW_MAX 500
/* Rows of the selected item's detail under the list, when the area has room for both. */
#define DETAIL_ROWS 7
#define DETAIL_MIN_AREA_ROWS 16

enum outbox_column {
	COLUMN_ID, COLUMN_STATE, COLUMN_TRIES, COLUMN_QUEUED, COLUMN_CHANGED, COLUMN_ACTION,
	COLUMN_HTTP, COLUMN_ANSWER, COLUMN_COUNT
};

static const struct column outbox_columns[COLUMN_COUNT] = {
	[COLUMN_ID] = { "#", 5, 99, false, true },
	[COLUMN_STATE] = { "STATE", 8, 98, false, false },
	[COLUMN_TRIES] = { "TRIES", 5, 60, false, true },
	[COLUMN_QUEUED] = { "QUEUED", 6, 50, false, true },
	[COLUMN_CHANGED] = { "CHANGED", 7, 55, false, true },
	[COLUMN_ACTION] = { "ACTION", 24, 97, false, false },
	[COLUMN_HTTP] = { "HTTP", 4, 65, false, true },
	[COLUMN_ANSWER] = { "BROKER'S ANSWER", 12, 90, true, false },
};

struct outbox_view {
	struct view base;
	struct outbox_item *items;
	size_t item_count;
	unsigned generation;    /* the app's outbox_generation at the last load */
	struct table table;
	int widths[COLUMN_COUNT];
	struct lines detail;
	int64_t now;
};

static struct outbox_view *outbox_of(struct view *v)
{
	return (struct outbox_view *)v;
}

static int64_t row_id(void *ctx, size_t row)
{
	return outbox_of(ctx)->items[row].id;
}

/* Items have no version the user acts on: retries read the object afresh. */
static int64_t row_version(void *ctx, size_t row)
{
	(void)ctx;
	(void)row;
	return 0;
}

static bool contains(const char *haystack, const char *needle)
{
	return haystack && strcasestr(haystack, needle) != NULL;
}

static bool row_matches(void *ctx, size_t row, const char *needle)
{
	const struct outbox_item *item = &outbox_of(ctx)->items[row];

	return contains(item->label, needle) || contains(outbox_state_name(item->state), needle) ||
	       contains(item->last_error, needle);
}

static void outbox_reload(struct view *v, size_t limit)
{
	struct outbox_view *o = outbox_of(v);
	struct outbox_item *items = NULL;
	size_t count = cache_outbox_list_recent(v->app->cache, OUTBOX_VIEW_MAX, &items);
	int64_t keep = table_selected_id(&o->table);

	(void)limit;
	o->generation = v->app->outbox_generation;
	if (!items) {
		app_status(v->app, STATUS_ERROR, "reading the outbox failed: %s",
			   cache_last_error(v->app->cache));
		return;
	}
	outbox_items_free(o->items, o->item_count);
	o->items = items;
	o->item_count = count;
	struct table_rows rows = { count, row_id, row_version, row_matches, o };
	table_set_rows(&o->table, &rows, keep);
}

/* Count the items in one state. */
static size_t count_state(const struct outbox_view *o, enum outbox_state state)
{
	size_t n = 0;

	for (size_t i = 0; i < o->item_count; i++)
		n += o->items[i].state == state;
	return n;
}

static void outbox_title(struct view *v, char *out, size_t size)
{
	struct outbox_view *o = outbox_of(v);
	size_t waiting = count_state(o, OUTBOX_QUEUED) + count_state(o, OUTBOX_SENDING);
	size_t stuck = count_state(o, OUTBOX_FAILED) + count_state(o, OUTBOX_CONFLICT);

	snprintf(out, size, "Outbox, newest first (%zu: %zu waiting, %zu to retry or drop) "
		 "r retry  x drop  Esc back", o->item_count, waiting, stuck);
}

static enum theme_role state_role(enum outbox_state state)
{
	switch (state) {
	case OUTBOX_DONE: return THEME_APPROVED;
	case OUTBOX_FAILED:
	case OUTBOX_CONFLICT: return THEME_DENIED;
	case OUTBOX_QUEUED:
	case OUTBOX_SENDING: return THEME_PENDING;
	default: return THEME_DIM;
	}
}

/* "45s" since t, or "-" before any. Seconds shown make the clock tick every second. */
static void format_age(struct outbox_view *o, int64_t t, char *out, size_t size)
{
	if (t <= 0) {
		snprintf(out, size, "-");
		return;
	}
	duration_format(o->now > t ? o->now - t : 0, out, size);
	if (o->now - t < 60)
		o->base.app->seconds_shown = true;
}

static void draw_item_row(void *ctx, WINDOW *w, int y, int x, int width, size_t row,
			  bool selected, bool marked)
{
	struct outbox_view *o = ctx;
	const struct outbox_item *item = &o->items[row];
	enum theme_role role = selected ? THEME_SELECTED : state_role(item->state);
	char id[24], tries[24], queued[16], changed[16], http[16], answer[64];
	const char *cells[COLUMN_COUNT];

	(void)marked;
	snprintf(id, sizeof id, "%lld", (long long)item->id);
	snprintf(tries, sizeof tries, "%lld", (long long)item->attempts);
	format_age(o, item->created_at, queued, sizeof queued);
	format_age(o, item->updated_at, changed, sizeof changed);
	if (item->last_status)
		snprintf(http, sizeof http, "%d", item->last_status);
	else
		snprintf(http, sizeof http, "-");
	if (item->state == OUTBOX_RETRIED)
		snprintf(answer, sizeof answer, "retried as #%lld", (long long)item->replaced_by);
	cells[COLUMN_ID] = id;
	cells[COLUMN_STATE] = outbox_state_name(item->state);
	cells[COLUMN_TRIES] = tries;
	cells[COLUMN_QUEUED] = queued;
	cells[COLUMN_CHANGED] = changed;
	cells[COLUMN_ACTION] = item->label;
	cells[COLUMN_HTTP] = http;
	cells[COLUMN_ANSWER] = item->state == OUTBOX_RETRIED ? answer :
			       item->last_error ? item->last_error : "";
	columns_draw_row(w, y, x, width, outbox_columns, COLUMN_COUNT, o->widths, cells, role,
			 o->base.app->screen.charset);
}

static void add_time(struct outbox_view *o, const char *label, int64_t t)
{
	char stamp[RFC3339_LEN], age[16];

	time_format_rfc3339(t, stamp);
	format_age(o, t, age, sizeof age);
	lines_add(&o->detail, THEME_NORMAL, label, "%s (%s ago)", stamp, age);
}

/* The selected item in full: the broker's whole answer, wrapped. */
static void describe_selected(struct outbox_view *o)
{
	const struct outbox_item *item;
	size_t row;

	lines_clear(&o->detail);
	if (!table_selected_row(&o->table, &row))
		return;
	item = &o->items[row];
	lines_add(&o->detail, state_role(item->state), "action", "#%lld %s: %s",
		  (long long)item->id, item->label, outbox_state_name(item->state));
	add_time(o, "queued", item->created_at);
	add_time(o, "changed", item->updated_at);
	lines_add(&o->detail, THEME_NORMAL, "attempts", "%lld, version sent %lld",
		  (long long)item->attempts, (long long)item->if_match);
	if (item->state == OUTBOX_RETRIED)
		lines_add(&o->detail, THEME_NORMAL, "retried as", "#%lld", (long long)item->replaced_by);
	if (item->last_status)
		lines_add(&o->detail, THEME_NORMAL, "broker", "HTTP %d: %s", item->last_status,
			  item->last_error ? item->last_error : "");
	else if (item->last_error)
		lines_add(&o->detail, THEME_NORMAL, "message", "%s", item->last_error);
}

static void outbox_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	struct outbox_view *o = outbox_of(v);
	struct strbuf header = STRBUF_INIT;
	struct area list = *area, detail = *area;

	(void)focused;
	if (o->generation != v->app->outbox_generation)
		outbox_reload(v, 0);
	o->now = time_now();
	if (area->height >= DETAIL_MIN_AREA_ROWS) {
		list.height -= DETAIL_ROWS + 1;
		detail.y = list.y + list.height + 1;
		detail.height = DETAIL_ROWS;
		draw_hline(w, detail.y - 1, area->x, area->width, THEME_BORDER, v->app->screen.charset);
	}
	columns_layout(outbox_columns, COLUMN_COUNT, list.width, o->widths);
	columns_format_header(outbox_columns, COLUMN_COUNT, o->widths, &header);
	table_draw(&o->table, w, &list, strbuf_str(&header), "  the outbox is empty: no action yet",
		   draw_item_row, o, v->app->screen.charset);
	strbuf_free(&header);
	if (detail.y != area->y) {
		describe_selected(o);
		lines_draw(&o->detail, w, &detail, v->app->screen.charset);
	}
}

static bool outbox_take_key(struct view *v, const struct key_event *ev)
{
	return table_take_key(&outbox_of(v)->table, ev);
}

/* The selected item's id, or 0 with a message when nothing is selected. */
static int64_t selected_item(struct outbox_view *o)
{
	size_t row;

	if (table_selected_row(&o->table, &row))
		return o->items[row].id;
	app_status(o->base.app, STATUS_WARNING, "no action selected");
	return 0;
}

static void open_object(struct outbox_view *o)
{
	size_t row;

	if (!table_selected_row(&o->table, &row))
		return;
	const char *kind = o->items[row].object_kind;
	if (kind && (strcmp(kind, "request") == 0 || strcmp(kind, "grant") == 0))
		app_open_detail(o->base.app, kind, o->items[row].object_id);
	else if (kind && strcmp(kind, "policy") == 0)
		app_status(o->base.app, STATUS_INFO, "\"%s\" acts on the policy, which the policy "
			   "pane (4) shows", o->items[row].label);
	else
		app_status(o->base.app, STATUS_INFO, "\"%s\" acts on no single object",
			   o->items[row].label);
}

static bool outbox_handle_action(struct view *v, enum action action)
{
	struct outbox_view *o = outbox_of(v);
	int64_t id;

	switch (action) {
	case ACTION_BACK:
		if (*table_filter(&o->table))
			return table_handle_action(&o->table, ACTION_CLEAR_FILTER);
		app_close_overlay(v->app);
		return true;
	case ACTION_OUTBOX:
		app_close_overlay(v->app);
		return true;
	case ACTION_RETRY:
		if ((id = selected_item(o)) > 0)
			app_retry_outbox_item(v->app, id);
		return true;
	case ACTION_DROP:
		if ((id = selected_item(o)) > 0)
			app_drop_outbox_item(v->app, id);
		return true;
	case ACTION_OPEN:
		open_object(o);
		return true;
	case ACTION_MARK:
	case ACTION_MARK_ALL:
	case ACTION_CLEAR_MARKS:
		app_status(v->app, STATUS_INFO, "the outbox acts on the selected action; marks are "
			   "for the lists");
		return true;
	default:
		return table_handle_action(&o->table, action);
	}
}

static bool outbox_editing(struct view *v)
{
	return outbox_of(v)->table.filtering;
}

static bool outbox_cursor(struct view *v, int *y, int *x)
{
	return table_cursor(&outbox_of(v)->table, y, x);
}

static void outbox_destroy(struct view *v)
{
	struct outbox_view *o = outbox_of(v);

	outbox_items_free(o->items, o->item_count);
	table_free(&o->table);
	lines_free(&o->detail);
	free(o);
}

static const struct view_ops outbox_ops = {
	.name = "outbox",
	.context = KEY_CONTEXT_DETAIL,
	.reload = outbox_reload,
	.title = outbox_title,
	.draw = outbox_draw,
	.take_key = outbox_take_key,
	.handle_action = outbox_handle_action,
	.editing = outbox_editing,
	.cursor = outbox_cursor,
	.destroy = outbox_destroy,
};

struct view *outbox_view_new(struct app *app)
{
	struct outbox_view *o = xcalloc(1, sizeof *o);

	o->base.ops = &outbox_ops;
	o->base.app = app;
	table_init(&o->table);
	lines_init(&o->detail, 11);
	return &o->base;
}
