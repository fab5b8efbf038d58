/* The detail view: every field of one request or grant, its approvals, and its audit trail. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/objects.h"
#include "common/alloc.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "views/lines.h"
#include "views/view.h"

/*
 * The most approvals and audit entries a detail lists; a broker could send
 * hundreds of thousands, and the page is for reading, not for the whole history.
 */
#define DETAIL_LIST_MAX 200

struct detail_view {
	struct view base;
	char kind[16];          /* "request" or "grant" */
	int64_t id;
	struct lines lines;
	bool found;
	char status[16];
	int64_t version;        /* of the cached object, sent as If-Match by an action */
	bool actionable;        /* a pending request or an active grant */
};

static struct detail_view *detail_of(struct view *v)
{
	return (struct detail_view *)v;
}

/* "2026-12-04T15:02:00Z (5m ago)", or "-" for no time. */
static void add_time(struct lines *l, const char *label, int64_t t, int64_t now)
{
	char stamp[RFC3339_LEN], span[16];

	if (t == 0) {
		lines_add(l, THEME_DIM, label, "-");
		return;
	}
	time_format_rfc3339(t, stamp);
	duration_format(t > now ? t - now : now - t, span, sizeof span);
	lines_add(l, THEME_NORMAL, label, "%s (%s %s)", stamp, t > now ? "in" : span,
		  t > now ? span : "ago");
}

static void add_text(struct lines *l, const char *label, const char *value)
{
	if (value && *value)
		lines_add(l, THEME_NORMAL, label, "%s", value);
	else
		lines_add(l, THEME_DIM, label, "-");
}

static enum theme_role request_status_role(enum request_status s)
{
	switch (s) {
	case REQUEST_PENDING: return THEME_PENDING;
	case REQUEST_APPROVED: return THEME_APPROVED;
	case REQUEST_DENIED: return THEME_DENIED;
	default: return THEME_EXPIRED;
	}
}

static void describe_request(struct detail_view *d, const struct access_request *r, int64_t now)
{
	struct lines *l = &d->lines;
	char duration[16];

	snprintf(d->status, sizeof d->status, "%s", request_status_name(r->status));
	lines_add(l, request_status_role(r->status), "status", "%s", request_status_name(r->status));
	add_text(l, "requester", r->requester);
	add_text(l, "resource", r->resource);
	add_text(l, "role", r->role);
	duration_format(r->duration_seconds, duration, sizeof duration);
	lines_add(l, THEME_NORMAL, "duration", "%s", duration);
	add_text(l, "reason", r->reason);
	add_time(l, "created", r->created_at, now);
	add_time(l, r->status == REQUEST_PENDING ? "lapses" : "would lapse", r->expires_at, now);
	lines_add(l, THEME_NORMAL, "approvals", "%zu of %d, from group %s", r->approval_count,
		  r->approvals_needed, r->approver_group ? r->approver_group : "-");
	add_time(l, "decided", r->decided_at, now);
	add_text(l, "decided by", r->decided_by);
	add_text(l, "decision reason", r->decision_reason);
	if (r->grant_id)
		lines_add(l, THEME_NORMAL, "grant", "%lld", (long long)r->grant_id);
	lines_add(l, THEME_DIM, "version", "%lld", (long long)r->version);

	lines_heading(l, "Approvals");
	if (r->approval_count == 0)
		lines_add(l, THEME_DIM, NULL, "none yet");
	for (size_t i = 0; i < r->approval_count && i < DETAIL_LIST_MAX; i++) {
		char stamp[RFC3339_LEN];
		time_format_rfc3339(r->approvals[i].at, stamp);
		lines_add(l, THEME_NORMAL, r->approvals[i].approver, "%s  %s", stamp,
			  r->approvals[i].reason ? r->approvals[i].reason : "");
	}
	if (r->approval_count > DETAIL_LIST_MAX)
		lines_add(l, THEME_DIM, NULL, "... and %zu more", r->approval_count - DETAIL_LIST_MAX);
}

static enum theme_role grant_status_role(enum grant_status s)
{
	switch (s) {
	case GRANT_ACTIVE: return THEME_APPROVED;
	case GRANT_REVOKED: return THEME_REVOKED;
	default: return THEME_EXPIRED;
	}
}

static void describe_grant(struct detail_view *d, const struct grant *g, int64_t now)
{
	struct lines *l = &d->lines;

	snprintf(d->status, sizeof d->status, "%s", grant_status_name(g->status));
	lines_add(l, grant_status_role(g->status), "status", "%s", grant_status_name(g->status));
	add_text(l, "principal", g->principal);
	add_text(l, "resource", g->resource);
	add_text(l, "role", g->role);
	lines_add(l, g->kind == GRANT_STANDING ? THEME_STANDING : THEME_NORMAL, "kind", "%s",
		  grant_kind_name(g->kind));
	add_time(l, "granted", g->granted_at, now);
	if (g->expires_at)
		add_time(l, "expires", g->expires_at, now);
	else
		lines_add(l, THEME_STANDING, "expires", "never");
	add_time(l, "last used", g->last_used_at, now);
	add_time(l, "revoked", g->revoked_at, now);
	add_text(l, "revoked by", g->revoked_by);
	add_text(l, "reason", g->reason);
	add_text(l, "request reason", g->request_reason);
	if (g->request_id)
		lines_add(l, THEME_NORMAL, "request", "%lld", (long long)g->request_id);
	lines_add(l, THEME_DIM, "version", "%lld", (long long)g->version);
}

static void describe_audit(struct detail_view *d)
{
	struct audit_entry *entries;
	size_t count = cache_list_audit(d->base.app->cache, d->kind, d->id, &entries);

	lines_heading(&d->lines, "Audit trail");
	if (!entries) {
		lines_add(&d->lines, THEME_STATUS_ERROR, NULL, "reading the cache failed: %s",
			  cache_last_error(d->base.app->cache));
		return;
	}
	if (count == 0)
		lines_add(&d->lines, THEME_DIM, NULL, "loading from the broker...");
	/* The newest entries matter most: skip the oldest beyond the limit. */
	size_t first = count > DETAIL_LIST_MAX ? count - DETAIL_LIST_MAX : 0;
	if (first)
		lines_add(&d->lines, THEME_DIM, NULL, "%zu older entries not shown", first);
	for (size_t i = first; i < count; i++) {
		char stamp[RFC3339_LEN];
		time_format_rfc3339(entries[i].at, stamp);
		lines_add(&d->lines, THEME_NORMAL, NULL, "%s  %s  %s%s%s", stamp,
			  entries[i].actor ? entries[i].actor : "-",
			  entries[i].action ? entries[i].action : "-",
			  entries[i].reason ? ": " : "", entries[i].reason ? entries[i].reason : "");
	}
	audit_entries_free(entries, count);
}

static void detail_reload(struct view *v, size_t limit)
{
	struct detail_view *d = detail_of(v);
	int64_t now = time_now();
	enum cache_result found;

	(void)limit;
	lines_clear(&d->lines);
	if (strcmp(d->kind, "request") == 0) {
		struct access_request r;
		found = cache_get_request(v->app->cache, d->id, &r);
		if (found == CACHE_FOUND) {
			describe_request(d, &r, now);
			d->version = r.version;
			d->actionable = r.status == REQUEST_PENDING;
			access_request_free(&r);
		}
	} else {
		struct grant g;
		found = cache_get_grant(v->app->cache, d->id, &g);
		if (found == CACHE_FOUND) {
			describe_grant(d, &g, now);
			d->version = g.version;
			d->actionable = g.status == GRANT_ACTIVE;
			grant_free(&g);
		}
	}
	d->found = found == CACHE_FOUND;
	if (found == CACHE_NOT_FOUND)
		lines_add(&d->lines, THEME_DIM, NULL, "not in the cache; asking the broker...");
	else if (found == CACHE_ERROR)
		lines_add(&d->lines, THEME_STATUS_ERROR, NULL, "reading the cache failed: %s",
			  cache_last_error(v->app->cache));
	describe_audit(d);
}

static void detail_title(struct view *v, char *out, size_t size)
{
	struct detail_view *d = detail_of(v);

	snprintf(out, size, "%s %lld%s%s (Esc: back)",
		 strcmp(d->kind, "request") == 0 ? "Request" : "Grant", (long long)d->id,
		 d->found ? ": " : "", d->found ? d->status : "");
}

static void detail_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	(void)focused;
	lines_draw(&detail_of(v)->lines, w, area, v->app->screen.charset);
}

static bool detail_handle_action(struct view *v, enum action action)
{
	if (action == ACTION_BACK) {
		app_close_overlay(v->app);
		return true;
	}
	return lines_handle_action(&detail_of(v)->lines, action);
}

/*
 * The keys that approve, deny or revoke in the lists act on the object shown
 * here too, looked up in the list's own context so that a rebinding applies.
 */
static bool detail_take_key(struct view *v, const struct key_event *ev)
{
	struct detail_view *d = detail_of(v);
	bool request = strcmp(d->kind, "request") == 0;
	enum action action = keymap_lookup(request ? KEY_CONTEXT_PENDING : KEY_CONTEXT_GRANTS, ev);
	struct action_target target = { d->id, d->version };
	char summary[64];

	if (action != ACTION_APPROVE && action != ACTION_DENY && action != ACTION_REVOKE)
		return false;
	if (!d->found || !d->actionable) {
		app_status(v->app, STATUS_WARNING, "%s %lld is %s: there is nothing to %s",
			   request ? "request" : "grant", (long long)d->id,
			   d->found ? d->status : "not in the cache", action_name(action));
		return true;
	}
	snprintf(summary, sizeof summary, "%s %lld", request ? "request" : "grant", (long long)d->id);
	if (action == ACTION_REVOKE)
		app_begin_revoke(v->app, &target, 1, false, summary);
	else
		app_begin_decision(v->app, action == ACTION_APPROVE, &target, 1, false, summary);
	return true;
}

static void detail_destroy(struct view *v)
{
	lines_free(&detail_of(v)->lines);
	free(v);
}

static const struct view_ops detail_ops = {
	.name = "detail",
	.context = KEY_CONTEXT_DETAIL,
	.reload = detail_reload,
	.title = detail_title,
	.draw = detail_draw,
	.take_key = detail_take_key,
	.handle_action = detail_handle_action,
	.destroy = detail_destroy,
};

struct view *detail_view_new(struct app *app, const char *kind, int64_t id)
{
	struct detail_view *d = xcalloc(1, sizeof *d);

	d->base.ops = &detail_ops;
	d->base.app = app;
	snprintf(d->kind, sizeof d->kind, "%s", kind);
	d->id = id;
	lines_init(&d->lines, 17);
	return &d->base;
}
