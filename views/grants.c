/*
 * The Grants pane: active grants, the soonest to expire first and standing
 * grants last, unless sorted by a column.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/objects.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "tui/draw.h"
#include "tui/theme.h"
#include "views/columns.h"
#include "views/sort.h"
#include "views/table.h"
#include "views/view.h"

enum grant_column {
	COLUMN_MARK, COLUMN_ID, COLUMN_PRINCIPAL, COLUMN_RESOURCE, COLUMN_ROLE, COLUMN_KIND,
	COLUMN_EXPIRES, COLUMN_GRANTED, COLUMN_COUNT
};

static const struct column grant_columns[COLUMN_COUNT] = {
	[COLUMN_MARK] = { "", 1, 100, false, false },
	[COLUMN_ID] = { "ID", 6, 99, false, true },  /* which row is which: it goes last */
	[COLUMN_PRINCIPAL] = { "PRINCIPAL", 14, 95, true, false },
	[COLUMN_RESOURCE] = { "RESOURCE", 14, 94, true, false },
	[COLUMN_ROLE] = { "ROLE", 6, 70, false, false },
	[COLUMN_KIND] = { "KIND", 8, 60, false, false },
	[COLUMN_EXPIRES] = { "EXPIRES IN", 10, 85, false, true },
	[COLUMN_GRANTED] = { "GRANTED", 8, 40, false, true },
};

/*
 * How :sort orders by each column. The kinds sort in enum order, which is
 * also the order of their names (jit, standing).
 */
_Static_assert(sizeof(enum grant_kind) == sizeof(int), "SORT_ENUM reads the field as an int");
static const struct sort_key grant_sort_keys[COLUMN_COUNT] = {
	[COLUMN_ID] = { SORT_NUMBER, offsetof(struct grant_row, id), SORT_NONE, 0 },
	[COLUMN_PRINCIPAL] = { SORT_TEXT, offsetof(struct grant_row, principal), SORT_NONE, 0 },
	[COLUMN_RESOURCE] = { SORT_TEXT, offsetof(struct grant_row, resource), SORT_NONE, 0 },
	[COLUMN_ROLE] = { SORT_TEXT, offsetof(struct grant_row, role), SORT_NONE, 0 },
	[COLUMN_KIND] = { SORT_ENUM, offsetof(struct grant_row, kind), SORT_NONE, 0 },
	[COLUMN_EXPIRES] = { SORT_EXPIRY, offsetof(struct grant_row, expires_at), SORT_NONE, 0 },
	[COLUMN_GRANTED] = { SORT_AGE, offsetof(struct grant_row, granted_at), SORT_NONE, 0 },
};

struct grants_view {
	struct view base;
	struct grant_row *rows;
	size_t row_count;
	bool partial;           /* rows are a full first page: the cache may hold more */
	struct table table;
	struct sort_order order;
	int widths[COLUMN_COUNT];
	int64_t now;
	bool focused;           /* whether the last draw had the keys */
};

static struct grants_view *grants_of(struct view *v)
{
	return (struct grants_view *)v;
}

static int64_t row_id(void *ctx, size_t row)
{
	return grants_of(ctx)->rows[row].id;
}

static int64_t row_version(void *ctx, size_t row)
{
	return grants_of(ctx)->rows[row].version;
}

static bool contains(const char *haystack, const char *needle)
{
	return haystack && strcasestr(haystack, needle) != NULL;
}

static bool row_matches(void *ctx, size_t row, const char *needle)
{
	const struct grant_row *g = &grants_of(ctx)->rows[row];
	char id[24];

	snprintf(id, sizeof id, "%lld", (long long)g->id);
	return contains(id, needle) || contains(g->principal, needle) ||
	       contains(g->resource, needle) || contains(g->role, needle) ||
	       contains(grant_kind_name(g->kind), needle);
}

/* Sort the rows by the chosen column, if any, and hand them to the table. */
static void show_rows(struct grants_view *g, int64_t keep)
{
	struct sort_rows rows = { g->rows, g->row_count, sizeof *g->rows,
				  offsetof(struct grant_row, id) };
	struct table_rows table_rows = { g->row_count, row_id, row_version, row_matches, g };

	if (g->order.by_column)
		sort_rows(&rows, &grant_sort_keys[g->order.column], g->order.descending);
	table_set_rows(&g->table, &table_rows, keep);
}

static void grants_reload(struct view *v, size_t limit)
{
	struct grants_view *g = grants_of(v);
	struct cache *cache = v->app->cache;
	struct grant_row *rows = NULL;
	size_t count = limit ? cache_load_active_grants_page(cache, limit, &rows)
			     : cache_load_active_grants(cache, &rows);
	int64_t keep = table_selected_id(&g->table);

	if (!rows) {
		app_status(v->app, STATUS_ERROR, "reading the cache failed: %s", cache_last_error(cache));
		return;
	}
	struct grant_row *old = g->rows;
	g->rows = rows;
	g->row_count = count;
	/* A full first page does not tell the total, and counting would cost a full scan. */
	g->partial = limit && count == limit;
	show_rows(g, keep);
	if (old)
		grant_rows_free(old);
}

static void grants_title(struct view *v, char *out, size_t size)
{
	struct grants_view *g = grants_of(v);
	char total[32];

	snprintf(total, sizeof total, "%zu%s", g->row_count, g->partial ? "+" : "");
	if (*table_filter(&g->table))
		snprintf(out, size, "Grants (%zu of %s)", g->table.visible_count, total);
	else
		snprintf(out, size, "Grants (%s)", total);
	if (g->table.mark_count) {
		size_t used = strlen(out);
		snprintf(out + used, size - used, " [%zu marked]", g->table.mark_count);
	}
}

static void draw_grant_row(void *ctx, WINDOW *w, int y, int x, int width, size_t row,
			   bool selected, bool marked)
{
	struct grants_view *g = ctx;
	const struct grant_row *r = &g->rows[row];
	char id[24], expires[16], granted[16];
	const char *cells[COLUMN_COUNT];
	enum theme_role role = columns_row_role(selected, marked, g->focused);

	snprintf(id, sizeof id, "%lld", (long long)r->id);
	if (r->expires_at == 0)
		snprintf(expires, sizeof expires, "never");
	else
		duration_format(r->expires_at - g->now, expires, sizeof expires);
	duration_format(g->now - r->granted_at, granted, sizeof granted);
	if (g->now - r->granted_at < 60 || (r->expires_at && r->expires_at - g->now < 60))
		g->base.app->seconds_shown = true;
	cells[COLUMN_MARK] = marked ? "*" : app_is_queued(g->base.app, "grant", r->id) ? "~" : " ";
	cells[COLUMN_ID] = id;
	cells[COLUMN_PRINCIPAL] = r->principal;
	cells[COLUMN_RESOURCE] = r->resource;
	cells[COLUMN_ROLE] = r->role;
	cells[COLUMN_KIND] = grant_kind_name(r->kind);
	cells[COLUMN_EXPIRES] = expires;
	cells[COLUMN_GRANTED] = granted;
	/* A standing grant is the access JIT means to replace: make it stand out. */
	if (role == THEME_NORMAL && r->kind == GRANT_STANDING)
		role = THEME_STANDING;
	columns_draw_row(w, y, x, width, grant_columns, COLUMN_COUNT, g->widths, cells, role,
			 g->base.app->screen.charset);
}

static void grants_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	struct grants_view *g = grants_of(v);
	struct strbuf header = STRBUF_INIT;
	const char *empty = g->row_count ? "  no grant matches the filter" :
			    v->app->connection == SYNC_ONLINE ? "  no active grants" :
			    "  no active grants in the cache; the broker has not answered yet";

	g->focused = focused;
	g->now = time_now();
	columns_layout(grant_columns, COLUMN_COUNT, area->width, g->widths);
	columns_format_sorted_header(grant_columns, COLUMN_COUNT, g->widths,
				     g->order.by_column ? g->order.column : COLUMN_COUNT,
				     g->order.descending, v->app->screen.charset, &header);
	table_draw(&g->table, w, area, strbuf_str(&header), empty, draw_grant_row, g,
		   v->app->screen.charset);
	strbuf_free(&header);
}

static bool grants_take_key(struct view *v, const struct key_event *ev)
{
	return table_take_key(&grants_of(v)->table, ev);
}

static void start_revoke(struct grants_view *g)
{
	struct action_target *targets;
	bool from_marks;
	size_t count = table_collect_targets(&g->table, &targets, &from_marks);
	char summary[512];
	size_t row;

	if (count == 0) {
		app_status(g->base.app, STATUS_WARNING, from_marks ?
			   "the marked grants are hidden by the filter: clear it (Esc) to act on them" :
			   "no grant selected");
		free(targets);
		return;
	}
	if (!from_marks && table_selected_row(&g->table, &row))
		snprintf(summary, sizeof summary, "grant %lld: %s has %s on %s", (long long)g->rows[row].id,
			 g->rows[row].principal, g->rows[row].role, g->rows[row].resource);
	else
		snprintf(summary, sizeof summary, "%zu marked grant%s%s", count, count == 1 ? "" : "s",
			 g->table.mark_count > count ? " (more marked ones, hidden by the filter, left alone)"
						     : "");
	/* The marks stay until the revoke is confirmed, so that a cancel keeps them. */
	app_begin_revoke(g->base.app, targets, count, from_marks, summary);
	free(targets);
}

static bool grants_handle_action(struct view *v, enum action action)
{
	struct grants_view *g = grants_of(v);
	size_t row;

	switch (action) {
	case ACTION_OPEN:
		if (table_selected_row(&g->table, &row))
			app_open_detail(v->app, "grant", g->rows[row].id);
		return true;
	case ACTION_REVOKE:
		start_revoke(g);
		return true;
	case ACTION_BULK_REVOKE:
		if (table_selected_row(&g->table, &row))
			app_begin_bulk_revoke(v->app, g->rows[row].principal, g->rows[row].resource);
		else
			app_status(v->app, STATUS_WARNING, "no grant selected");
		return true;
	default:
		return table_handle_action(&g->table, action);
	}
}

static bool grants_editing(struct view *v)
{
	return grants_of(v)->table.filtering;
}

static bool grants_cursor(struct view *v, int *y, int *x)
{
	return table_cursor(&grants_of(v)->table, y, x);
}

static bool grants_sort(struct view *v, const char *column, bool descending, char *err,
			size_t errlen)
{
	struct grants_view *g = grants_of(v);

	if (!sort_choose("Grants", grant_columns, grant_sort_keys, COLUMN_COUNT, column, descending,
			 &g->order, err, errlen))
		return false;
	if (g->order.by_column)
		show_rows(g, table_selected_id(&g->table));
	else
		/* Sorted rows keep no trace of the cache's order, so the cache is read again. */
		grants_reload(v, g->partial ? g->row_count : 0);
	return true;
}

static bool grants_sort_column(struct view *v, size_t index, char *out, size_t size)
{
	(void)v;
	return sort_nth_column_name(grant_columns, grant_sort_keys, COLUMN_COUNT, index, out, size);
}

static void grants_destroy(struct view *v)
{
	struct grants_view *g = grants_of(v);

	if (g->rows)
		grant_rows_free(g->rows);
	table_free(&g->table);
	free(g);
}

static const struct view_ops grants_ops = {
	.name = "grants",
	.context = KEY_CONTEXT_GRANTS,
	.reload = grants_reload,
	.title = grants_title,
	.draw = grants_draw,
	.take_key = grants_take_key,
	.handle_action = grants_handle_action,
	.editing = grants_editing,
	.cursor = grants_cursor,
	.sort = grants_sort,
	.sort_column = grants_sort_column,
	.destroy = grants_destroy,
};

struct view *grants_view_new(struct app *app)
{
	struct grants_view *g = xcalloc(1, sizeof *g);

	g->base.ops = &grants_ops;
	g->base.app = app;
	table_init(&g->table);
	return &g->base;
}
