/* The Pending pane: requests waiting for a decision, oldest first unless sorted by a column. */

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

enum pending_column {
	COLUMN_MARK, COLUMN_ID, COLUMN_AGE, COLUMN_REQUESTER, COLUMN_RESOURCE, COLUMN_ROLE,
	COLUMN_FOR, COLUMN_APPROVALS, COLUMN_GROUP, COLUMN_REASON, COLUMN_COUNT
};

static const struct column pending_columns[COLUMN_COUNT] = {
	[COLUMN_MARK] = { "", 1, 100, false, false },
	[COLUMN_ID] = { "ID", 6, 99, false, true },  /* which row is which: it goes last */
	[COLUMN_AGE] = { "AGE", 6, 60, false, true },
	[COLUMN_REQUESTER] = { "REQUESTER", 14, 95, false, false },
	[COLUMN_RESOURCE] = { "RESOURCE", 12, 94, false, false },
	[COLUMN_ROLE] = { "ROLE", 6, 70, false, false },
	[COLUMN_FOR] = { "FOR", 6, 40, false, true },
	[COLUMN_APPROVALS] = { "APPR", 4, 80, false, true },
	[COLUMN_GROUP] = { "GROUP", 16, 30, false, false },
	[COLUMN_REASON] = { "REASON", 10, 50, true, false },
};

/* How :sort orders by each column. APPR sorts by the approvals given, then by those needed. */
static const struct sort_key pending_sort_keys[COLUMN_COUNT] = {
	[COLUMN_ID] = { SORT_NUMBER, offsetof(struct request_row, id), SORT_NONE, 0 },
	[COLUMN_AGE] = { SORT_AGE, offsetof(struct request_row, created_at), SORT_NONE, 0 },
	[COLUMN_REQUESTER] = { SORT_TEXT, offsetof(struct request_row, requester), SORT_NONE, 0 },
	[COLUMN_RESOURCE] = { SORT_TEXT, offsetof(struct request_row, resource), SORT_NONE, 0 },
	[COLUMN_ROLE] = { SORT_TEXT, offsetof(struct request_row, role), SORT_NONE, 0 },
	[COLUMN_FOR] = { SORT_NUMBER, offsetof(struct request_row, duration_seconds), SORT_NONE, 0 },
	[COLUMN_APPROVALS] = { SORT_NUMBER, offsetof(struct request_row, approval_count),
			       SORT_NUMBER, offsetof(struct request_row, approvals_needed) },
	[COLUMN_GROUP] = { SORT_TEXT, offsetof(struct request_row, approver_group), SORT_NONE, 0 },
	[COLUMN_REASON] = { SORT_TEXT, offsetof(struct request_row, reason), SORT_NONE, 0 },
};

struct pending_view {
	struct view base;
	struct request_row *rows;
	size_t row_count;
	bool partial;           /* rows are a full first page: the cache may hold more */
	struct table table;
	struct sort_order order;
	int widths[COLUMN_COUNT];
	int64_t now;
	bool focused;           /* whether the last draw had the keys */
};

static struct pending_view *pending_of(struct view *v)
{
	return (struct pending_view *)v;
}

static int64_t row_id(void *ctx, size_t row)
{
	return pending_of(ctx)->rows[row].id;
}

static int64_t row_version(void *ctx, size_t row)
{
	return pending_of(ctx)->rows[row].version;
}

static bool contains(const char *haystack, const char *needle)
{
	return haystack && strcasestr(haystack, needle) != NULL;
}

static bool row_matches(void *ctx, size_t row, const char *needle)
{
	const struct request_row *r = &pending_of(ctx)->rows[row];
	char id[24];

	snprintf(id, sizeof id, "%lld", (long long)r->id);
	return contains(id, needle) || contains(r->requester, needle) ||
	       contains(r->resource, needle) || contains(r->role, needle) ||
	       contains(r->reason, needle) || contains(r->approver_group, needle);
}

/* Sort the rows by the chosen column, if any, and hand them to the table. */
static void show_rows(struct pending_view *p, int64_t keep)
{
	struct sort_rows rows = { p->rows, p->row_count, sizeof *p->rows,
				  offsetof(struct request_row, id) };
	struct table_rows table_rows = { p->row_count, row_id, row_version, row_matches, p };

	if (p->order.by_column)
		sort_rows(&rows, &pending_sort_keys[p->order.column], p->order.descending);
	table_set_rows(&p->table, &table_rows, keep);
}

static void pending_reload(struct view *v, size_t limit)
{
	struct pending_view *p = pending_of(v);
	struct cache *cache = v->app->cache;
	struct request_row *rows = NULL;
	size_t count = limit ? cache_load_pending_page(cache, limit, &rows)
			     : cache_load_pending(cache, &rows);
	int64_t keep = table_selected_id(&p->table);

	if (!rows) {
		app_status(v->app, STATUS_ERROR, "reading the cache failed: %s", cache_last_error(cache));
		return;
	}
	struct request_row *old = p->rows;
	p->rows = rows;
	p->row_count = count;
	/* A full first page does not tell the total, and counting would cost a full scan. */
	p->partial = limit && count == limit;
	show_rows(p, keep);
	if (old)
		request_rows_free(old);
}

static void pending_title(struct view *v, char *out, size_t size)
{
	struct pending_view *p = pending_of(v);
	char total[32];

	snprintf(total, sizeof total, "%zu%s", p->row_count, p->partial ? "+" : "");
	if (*table_filter(&p->table))
		snprintf(out, size, "Pending (%zu of %s)", p->table.visible_count, total);
	else
		snprintf(out, size, "Pending (%s)", total);
	if (p->table.mark_count) {
		size_t used = strlen(out);
		snprintf(out + used, size - used, " [%zu marked]", p->table.mark_count);
	}
}

static void draw_request_row(void *ctx, WINDOW *w, int y, int x, int width, size_t row,
			     bool selected, bool marked)
{
	struct pending_view *p = ctx;
	const struct request_row *r = &p->rows[row];
	enum theme_role role = columns_row_role(selected, marked, p->focused);
	enum text_charset cs = p->base.app->screen.charset;
	char id[24], age[16], duration[16], approvals[24];
	const char *cells[COLUMN_COUNT];

	snprintf(id, sizeof id, "%lld", (long long)r->id);
	duration_format(p->now - r->created_at, age, sizeof age);
	if (p->now - r->created_at < 60)
		p->base.app->seconds_shown = true;
	duration_format(r->duration_seconds, duration, sizeof duration);
	snprintf(approvals, sizeof approvals, "%lld/%lld", (long long)r->approval_count,
		 (long long)r->approvals_needed);
	/* "*" marked for the next action; "~" an action on it is queued and not sent yet. */
	cells[COLUMN_MARK] = marked ? "*" : app_is_queued(p->base.app, "request", r->id) ? "~" : " ";
	cells[COLUMN_ID] = id;
	cells[COLUMN_AGE] = age;
	cells[COLUMN_REQUESTER] = r->requester;
	cells[COLUMN_RESOURCE] = r->resource;
	cells[COLUMN_ROLE] = r->role;
	cells[COLUMN_FOR] = duration;
	cells[COLUMN_APPROVALS] = approvals;
	cells[COLUMN_GROUP] = r->approver_group;
	cells[COLUMN_REASON] = r->reason;

	columns_draw_row(w, y, x, width, pending_columns, COLUMN_COUNT, p->widths, cells, role, cs);
}

static void pending_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	struct pending_view *p = pending_of(v);
	struct strbuf header = STRBUF_INIT;
	const char *empty = p->row_count ? "  no request matches the filter" :
			    v->app->connection == SYNC_ONLINE ? "  no pending requests: nothing to triage" :
			    "  no pending requests in the cache; the broker has not answered yet";

	p->focused = focused;
	p->now = time_now();
	columns_layout(pending_columns, COLUMN_COUNT, area->width, p->widths);
	columns_format_sorted_header(pending_columns, COLUMN_COUNT, p->widths,
				     p->order.by_column ? p->order.column : COLUMN_COUNT,
				     p->order.descending, v->app->screen.charset, &header);
	table_draw(&p->table, w, area, strbuf_str(&header), empty, draw_request_row, p,
		   v->app->screen.charset);
	strbuf_free(&header);
}

static bool pending_take_key(struct view *v, const struct key_event *ev)
{
	return table_take_key(&pending_of(v)->table, ev);
}

/* The rows an action applies to: the marked ones that are still pending, else the selected one. */
static void describe_targets(struct pending_view *p, size_t count, bool from_marks, char *out,
			     size_t size)
{
	size_t row;
	char duration[16];

	if (from_marks || !table_selected_row(&p->table, &row)) {
		size_t hidden = p->table.mark_count - count;
		snprintf(out, size, "%zu marked request%s", count, count == 1 ? "" : "s");
		if (hidden) {
			size_t used = strlen(out);
			snprintf(out + used, size - used, " (%zu more marked, hidden by the filter, "
				 "left alone)", hidden);
		}
		return;
	}
	const struct request_row *r = &p->rows[row];
	duration_format(r->duration_seconds, duration, sizeof duration);
	snprintf(out, size, "request %lld: %s asks for %s on %s for %s", (long long)r->id,
		 r->requester, r->role, r->resource, duration);
}

static void start_decision(struct pending_view *p, bool approve)
{
	struct action_target *targets;
	bool from_marks;
	size_t count = table_collect_targets(&p->table, &targets, &from_marks);
	char summary[512];

	if (count == 0) {
		app_status(p->base.app, STATUS_WARNING, from_marks ?
			   "the marked requests are hidden by the filter: clear it (Esc) to act on them" :
			   "no request selected");
	} else {
		describe_targets(p, count, from_marks, summary, sizeof summary);
		/* The marks stay until the action is confirmed, so that a cancel keeps them. */
		app_begin_decision(p->base.app, approve, targets, count, from_marks, summary);
	}
	free(targets);
}

static bool pending_handle_action(struct view *v, enum action action)
{
	struct pending_view *p = pending_of(v);
	size_t row;

	switch (action) {
	case ACTION_OPEN:
		if (table_selected_row(&p->table, &row))
			app_open_detail(v->app, "request", p->rows[row].id);
		return true;
	case ACTION_APPROVE:
		start_decision(p, true);
		return true;
	case ACTION_DENY:
		start_decision(p, false);
		return true;
	default:
		return table_handle_action(&p->table, action);
	}
}

static bool pending_editing(struct view *v)
{
	return pending_of(v)->table.filtering;
}

static bool pending_cursor(struct view *v, int *y, int *x)
{
	return table_cursor(&pending_of(v)->table, y, x);
}

static bool pending_sort(struct view *v, const char *column, bool descending, char *err,
			 size_t errlen)
{
	struct pending_view *p = pending_of(v);

	if (!sort_choose("Pending", pending_columns, pending_sort_keys, COLUMN_COUNT, column,
			 descending, &p->order, err, errlen))
		return false;
	if (p->order.by_column)
		show_rows(p, table_selected_id(&p->table));
	else
		/* Sorted rows keep no trace of the cache's order, so the cache is read again. */
		pending_reload(v, p->partial ? p->row_count : 0);
	return true;
}

static bool pending_sort_column(struct view *v, size_t index, char *out, size_t size)
{
	(void)v;
	return sort_nth_column_name(pending_columns, pending_sort_keys, COLUMN_COUNT, index, out,
				    size);
}

static void pending_destroy(struct view *v)
{
	struct pending_view *p = pending_of(v);

	if (p->rows)
		request_rows_free(p->rows);
	table_free(&p->table);
	free(p);
}

static const struct view_ops pending_ops = {
	.name = "pending",
	.context = KEY_CONTEXT_PENDING,
	.reload = pending_reload,
	.title = pending_title,
	.draw = pending_draw,
	.take_key = pending_take_key,
	.handle_action = pending_handle_action,
	.editing = pending_editing,
	.cursor = pending_cursor,
	.sort = pending_sort,
	.sort_column = pending_sort_column,
	.destroy = pending_destroy,
};

struct view *pending_view_new(struct app *app)
{
	struct pending_view *p = xcalloc(1, sizeof *p);

	p->base.ops = &pending_ops;
	p->base.app = app;
	table_init(&p->table);
	return &p->base;
}
