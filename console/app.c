/*
 * The console application: overlays, the status line, and the client's
 * callbacks. The dialogs of an action (reason, confirmation) are in actions.c,
 * the frame around the panes in frame.c, and the event loop in loop.c.
 */

#include "console/app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "common/timeutil.h"

void app_status(struct app *app, enum status_severity severity, const char *fmt, ...)
{
	char text[STATUS_TEXT_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	status_set(&app->status, severity, "%s", text);
	app->dirty = true;
}

static void push_overlay(struct app *app, struct view *v)
{
	if (app->overlay_count == APP_OVERLAY_MAX) {
		v->ops->destroy(v);
		app_status(app, STATUS_WARNING, "close a view first (Esc)");
		return;
	}
	v->ops->reload(v, 0);
	app->overlays[app->overlay_count++] = v;
	app->dirty = true;
}

void app_open_detail(struct app *app, const char *kind, int64_t id)
{
	push_overlay(app, detail_view_new(app, kind, id));
	/* The cache may hold an older copy and no audit entries: ask for both. */
	sync_fetch_object(app->sync, kind, id);
	sync_fetch_audit(app->sync, kind, id);
}

void app_open_help(struct app *app)
{
	push_overlay(app, help_view_new(app));
}

void app_close_overlay(struct app *app)
{
	if (app->overlay_count == 0)
		return;
	struct view *v = app->overlays[--app->overlay_count];
	v->ops->destroy(v);
	app->dirty = true;
}

bool app_may_write(struct app *app)
{
	if (!app->options->read_only)
		return true;
	app_status(app, STATUS_WARNING, "read-only: started with --read-only, so nothing is sent");
	return false;
}

/* Remember who is signed in, for the title bar, from a principal or the cached /v1/me. */
void app_set_principal(struct app *app, const struct principal *me)
{
	char roles[64];

	roles_format(me->roles, roles, sizeof roles);
	snprintf(app->principal_label, sizeof app->principal_label, "%s (%s)", me->id,
		 roles[0] ? roles : "no roles");
	app->dirty = true;
}

void app_load_cached_principal(struct app *app)
{
	char *json = NULL;
	json_t *j;
	struct principal me;
	char err[128];

	if (cache_get_me_json(app->cache, &json) != CACHE_FOUND)
		return;
	j = json_loads(json, 0, NULL);
	if (j && principal_from_json(j, &me, err, sizeof err)) {
		app_set_principal(app, &me);
		principal_free(&me);
	}
	json_decref(j);
	free(json);
}

void app_refresh_outbox_count(struct app *app)
{
	int64_t pending = cache_outbox_pending_count(app->cache);

	app->outbox_pending = pending > 0 ? pending : 0;
}

static void on_sync_state(void *ctx, enum sync_state state, const char *detail)
{
	struct app *app = ctx;
	enum sync_state before = app->connection;

	app->connection = state;
	snprintf(app->connection_detail, sizeof app->connection_detail, "%s", detail ? detail : "");
	if (state == SYNC_ONLINE) {
		app->offline_since = 0;
		const struct principal *me = sync_principal(app->sync);
		if (me)
			app_set_principal(app, me);
		if (before != SYNC_ONLINE)
			outbox_sender_kick(app->outbox); /* send what was queued while offline */
		if (sync_broker_changed(app->sync))
			app_status(app, STATUS_WARNING, "%s", app->connection_detail);
	} else if ((state == SYNC_OFFLINE || state == SYNC_UNAUTHORIZED) && !app->offline_since) {
		app->offline_since = time_now();
	}
	if (state == SYNC_UNAUTHORIZED)
		app_status(app, STATUS_ERROR, "the broker refused the token: %s", app->connection_detail);
	cache_get_synced_at(app->cache, &app->synced_at);
	app->dirty = true;
}

static void on_sync_changed(void *ctx, unsigned what)
{
	struct app *app = ctx;

	app->reload |= what;
	cache_get_synced_at(app->cache, &app->synced_at);
	app->dirty = true;
}

static void on_fetch_failed(void *ctx, const char *message)
{
	app_status(ctx, STATUS_WARNING, "%s", message);
}

static void on_outbox_result(void *ctx, const struct outbox_result *result)
{
	struct app *app = ctx;
	enum status_severity severity = STATUS_ERROR;

	if (result->success)
		severity = STATUS_OK;
	else if (result->state == OUTBOX_QUEUED)
		severity = STATUS_WARNING;
	app_status(app, severity, "%s", result->message);
	app->reload |= SYNC_CHANGED_REQUESTS | SYNC_CHANGED_GRANTS;
	app_refresh_outbox_count(app);
}

const struct sync_callbacks app_sync_callbacks = {
	.on_state = on_sync_state,
	.on_changed = on_sync_changed,
	.on_fetch_failed = on_fetch_failed,
};

const struct outbox_callbacks app_outbox_callbacks = {
	.on_result = on_outbox_result,
};

/*
 * Reload the views whose data changed, the panes and every overlay. A reload
 * of a long list takes a while, so a stream of changes is applied at most once
 * every APP_RELOAD_INTERVAL_MS rather than once per change.
 */
void app_apply_reloads(struct app *app)
{
	unsigned what = app->reload;

	if (!what || time_monotonic_ms() < app->reload_not_before)
		return;
	app->reload = 0;
	if (what & SYNC_CHANGED_REQUESTS)
		app->panes[PANE_PENDING]->ops->reload(app->panes[PANE_PENDING], 0);
	if (what & SYNC_CHANGED_GRANTS)
		app->panes[PANE_GRANTS]->ops->reload(app->panes[PANE_GRANTS], 0);
	for (int i = 0; i < app->overlay_count; i++)
		app->overlays[i]->ops->reload(app->overlays[i], 0);
	app->reload_not_before = time_monotonic_ms() + APP_RELOAD_INTERVAL_MS;
	app->dirty = true;
}
