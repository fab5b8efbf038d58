/*
 * The simulation view over the panes. It shows the outcome matrix (current to
 * proposed), risk and friction, and the projected mean time to access. Then
 * come the requests each proposed rule decided, with the rules that never
 * decide flagged, and the changed requests, any of which Enter opens.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "tui/draw.h"
#include "views/policy.h"

struct simulation_line {
	char *text;
	enum theme_role role;
	int64_t request_id;         /* a changed request to open, 0 for a line of figures */
};

struct simulation_view {
	struct view base;
	struct simulation_line *lines;
	size_t count;
	size_t capacity;
	size_t selected;
	size_t top;
	int rows;                   /* rows at the last draw */
};

static struct simulation_view *simulation_of(struct view *v)
{
	return (struct simulation_view *)v;
}

static void add_line(struct simulation_view *s, enum theme_role role, int64_t request_id,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void add_line(struct simulation_view *s, enum theme_role role, int64_t request_id,
		     const char *fmt, ...)
{
	struct strbuf text = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&text, fmt, ap);
	va_end(ap);
	if (s->count == s->capacity) {
		s->capacity = s->capacity ? s->capacity * 2 : 32;
		s->lines = xreallocarray(s->lines, s->capacity, sizeof *s->lines);
	}
	s->lines[s->count++] = (struct simulation_line){ strbuf_detach(&text), role, request_id };
}

static long long integer_field(const json_t *object, const char *name)
{
	return (long long)json_integer_value(json_object_get(object, name));
}

static void add_matrix(struct simulation_view *s, const json_t *matrix)
{
	static const char *const outcomes[] = { "allow", "require", "deny" };

	add_line(s, THEME_HEADER, 0, "%-18s %10s %10s %10s", "current -> proposed", "allow",
		 "require", "deny");
	for (size_t from = 0; from < 3; from++) {
		const json_t *row = json_object_get(matrix, outcomes[from]);

		add_line(s, THEME_NORMAL, 0, "%-18s %10lld %10lld %10lld", outcomes[from],
			 integer_field(row, "allow"), integer_field(row, "require"),
			 integer_field(row, "deny"));
	}
}

/* "3h05m", or "unknown" for null. */
static void format_mtta(const json_t *seconds, char *out, size_t size)
{
	if (json_is_number(seconds))
		duration_format((int64_t)json_number_value(seconds), out, size);
	else
		snprintf(out, size, "unknown");
}

static void add_figures(struct simulation_view *s, const json_t *result)
{
	const json_t *mtta = json_object_get(result, "mtta_seconds");
	char current[32], proposed[32];

	add_line(s, THEME_NORMAL, 0, "%s", "");
	add_line(s, THEME_NORMAL, 0, "changed: %lld of %lld", integer_field(result, "changed"),
		 integer_field(result, "total"));
	add_line(s, integer_field(result, "risk") ? THEME_DENIED : THEME_NORMAL, 0,
		 "risk: %lld (proposed allow where people denied)", integer_field(result, "risk"));
	add_line(s, integer_field(result, "friction") ? THEME_PENDING : THEME_NORMAL, 0,
		 "friction: %lld (proposed deny where people approved)",
		 integer_field(result, "friction"));
	format_mtta(json_object_get(mtta, "current"), current, sizeof current);
	format_mtta(json_object_get(mtta, "proposed"), proposed, sizeof proposed);
	add_line(s, THEME_NORMAL, 0, "mean time to access: %s now, %s proposed", current, proposed);
	if (integer_field(result, "rows_without_time"))
		add_line(s, THEME_DIM, 0, "%lld requests without a time: their time windows were not "
			 "checked", integer_field(result, "rows_without_time"));
}

static bool listed(const json_t *array, const char *name)
{
	size_t i;
	const json_t *value;

	json_array_foreach(array, i, value)
		if (json_is_string(value) && strcmp(json_string_value(value), name) == 0)
			return true;
	return false;
}

static void add_rules(struct simulation_view *s, const json_t *result)
{
	const json_t *idle = json_object_get(result, "rules_never_deciding");
	const json_t *shadowed = json_object_get(result, "rules_shadowed");
	const char *name;
	const json_t *count;

	add_line(s, THEME_NORMAL, 0, "%s", "");
	add_line(s, THEME_HEADER, 0, "Rules of the proposed policy: requests each decided");
	json_object_foreach((json_t *)json_object_get(result, "rules"), name, count) {
		bool never = listed(idle, name);
		const char *flag = never && listed(shadowed, name) ? "  never decides: always beaten" :
				   never ? "  never decides" : "";

		add_line(s, never ? THEME_STATUS_WARNING : THEME_NORMAL, 0, "%8lld  %s%s",
			 (long long)json_integer_value(count), name, flag);
	}
}

static const char *text_or(const json_t *value, const char *fallback)
{
	return json_is_string(value) ? json_string_value(value) : fallback;
}

static void add_changes(struct simulation_view *s, const json_t *result)
{
	const json_t *changes = json_object_get(result, "changed_rows");
	const json_t *change;
	size_t i;

	add_line(s, THEME_NORMAL, 0, "%s", "");
	add_line(s, THEME_HEADER, 0, "Changed requests (Enter opens one)");
	json_array_foreach(changes, i, change) {
		int64_t id = (int64_t)json_integer_value(json_object_get(change, "id"));

		add_line(s, THEME_NORMAL, id, "request %-7lld %-8s %s -> %s  (%s -> %s)",
			 (long long)id, text_or(json_object_get(change, "history"), "undecided"),
			 text_or(json_object_get(change, "current"), "?"),
			 text_or(json_object_get(change, "proposed"), "?"),
			 text_or(json_object_get(change, "current_rule"), "default"),
			 text_or(json_object_get(change, "proposed_rule"), "default"));
	}
	if (json_array_size(changes) == 0)
		add_line(s, THEME_DIM, 0, "  none");
}

/* The first line with a request from line from on, going in direction, else the current selection. */
static size_t next_request(const struct simulation_view *s, size_t from, int direction)
{
	for (size_t i = from; i < s->count; i = direction > 0 ? i + 1 : i - 1) {
		if (s->lines[i].request_id > 0)
			return i;
		if (i == 0 && direction < 0)
			break;
	}
	return s->selected;
}

static void simulation_reload(struct view *v, size_t limit)
{
	(void)v;
	(void)limit;
}

static void simulation_title(struct view *v, char *out, size_t size)
{
	(void)v;
	snprintf(out, size, "Policy simulation (Esc: back)");
}

static void simulation_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	struct simulation_view *s = simulation_of(v);
	enum text_charset cs = v->app->screen.charset;

	(void)focused;
	s->rows = area->height;
	/* Keep a selected request in sight; without any, the keys only scroll. */
	if (s->selected < s->count && s->lines[s->selected].request_id > 0) {
		if (s->selected < s->top)
			s->top = s->selected;
		if (s->rows > 0 && s->selected >= s->top + (size_t)s->rows)
			s->top = s->selected - (size_t)s->rows + 1;
	}
	for (int row = 0; row < area->height; row++) {
		size_t i = s->top + (size_t)row;
		enum theme_role role = THEME_NORMAL;

		if (i >= s->count) {
			draw_fill(w, area->y + row, area->x, area->width, THEME_NORMAL);
			continue;
		}
		role = s->lines[i].role;
		if (i == s->selected && s->lines[i].request_id > 0)
			role = THEME_SELECTED;
		draw_text(w, area->y + row, area->x, area->width, s->lines[i].text, role, cs);
	}
}

static void move_selection(struct simulation_view *s, int direction, size_t steps)
{
	for (size_t n = 0; n < steps; n++) {
		size_t from = s->selected;

		if (direction > 0 && from + 1 < s->count)
			s->selected = next_request(s, from + 1, 1);
		else if (direction < 0 && from > 0)
			s->selected = next_request(s, from - 1, -1);
		if (s->selected == from && direction > 0 && s->top + (size_t)s->rows < s->count)
			s->top++;
		else if (s->selected == from && direction < 0 && s->top > 0)
			s->top--;
	}
}

static bool simulation_handle_action(struct view *v, enum action action)
{
	struct simulation_view *s = simulation_of(v);
	size_t page = s->rows > 1 ? (size_t)s->rows - 1 : 1;

	switch (action) {
	case ACTION_BACK:
		app_close_overlay(v->app);
		return true;
	case ACTION_UP:
		move_selection(s, -1, 1);
		return true;
	case ACTION_DOWN:
		move_selection(s, 1, 1);
		return true;
	case ACTION_PAGE_UP:
		move_selection(s, -1, page);
		return true;
	case ACTION_PAGE_DOWN:
		move_selection(s, 1, page);
		return true;
	case ACTION_HOME:
		s->top = 0;
		s->selected = next_request(s, 0, 1);
		return true;
	case ACTION_OPEN:
		if (s->selected < s->count && s->lines[s->selected].request_id > 0)
			app_open_detail(v->app, "request", s->lines[s->selected].request_id);
		else
			app_status(v->app, STATUS_INFO, "no changed request selected");
		return true;
	default:
		return false;
	}
}

static void simulation_destroy(struct view *v)
{
	struct simulation_view *s = simulation_of(v);

	for (size_t i = 0; i < s->count; i++)
		free(s->lines[i].text);
	free(s->lines);
	free(s);
}

static const struct view_ops simulation_ops = {
	.name = "policy-simulation",
	.context = KEY_CONTEXT_DETAIL,
	.reload = simulation_reload,
	.title = simulation_title,
	.draw = simulation_draw,
	.handle_action = simulation_handle_action,
	.destroy = simulation_destroy,
};

void policy_simulation_open(struct app *app, const json_t *result, const char *source_note)
{
	struct simulation_view *s = xcalloc(1, sizeof *s);

	s->base.ops = &simulation_ops;
	s->base.app = app;
	add_line(s, THEME_DIM, 0, "%s", source_note);
	add_line(s, THEME_NORMAL, 0, "%s", "");
	add_matrix(s, json_object_get(result, "matrix"));
	add_figures(s, result);
	add_rules(s, result);
	add_changes(s, result);
	s->selected = next_request(s, 0, 1);
	app_open_overlay(app, &s->base);
}
