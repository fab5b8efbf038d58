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
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "tui/text.h"

void app_status(struct app *app, enum status_severity severity, const char *fmt, ...)
{
	char text[STATUS_TEXT_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	status_set(&app->status, severity, "%s", text);

	struct logged_message *m = &app->messages[app->message_count++ % APP_MESSAGE_LOG];
	m->time = app->status.time;
	m->severity = severity;
	snprintf(m->text, sizeof m->text, "%s", text);
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

void app_open_overlay(struct app *app, struct view *v)
{
	push_overlay(app, v);
}

void app_open_help(struct app *app)
{
	push_overlay(app, help_view_new(app));
}

void app_open_messages(struct app *app)
{
	push_overlay(app, messages_view_new(app));
}

void app_open_outbox(struct app *app)
{
	push_overlay(app, outbox_view_new(app));
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
	app->principal_roles = me->roles;
	app->principal_known = true;
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

/* The most queued items whose rows are flagged; more than this is a bulk action anyway. */
#define QUEUED_FLAG_MAX 500

static void load_queued_objects(struct app *app)
{
	struct outbox_item *items;
	size_t count = cache_outbox_list_recent(app->cache, QUEUED_FLAG_MAX, &items);

	app->queued_count = 0;
	app->queued = xreallocarray(app->queued, count ? count : 1, sizeof *app->queued);
	app->queued_kinds = xreallocarray(app->queued_kinds, count ? count : 1, sizeof *app->queued_kinds);
	for (size_t i = 0; items && i < count; i++) {
		const struct outbox_item *item = &items[i];
		if ((item->state != OUTBOX_QUEUED && item->state != OUTBOX_SENDING) || !item->object_kind)
			continue;
		app->queued[app->queued_count] = (struct action_target){ item->object_id, 0 };
		snprintf(app->queued_kinds[app->queued_count], sizeof app->queued_kinds[0], "%s",
			 item->object_kind);
		app->queued_count++;
	}
	if (items)
		outbox_items_free(items, count);
}

void app_refresh_outbox_count(struct app *app)
{
	int64_t pending = cache_outbox_pending_count(app->cache);

	app->outbox_pending = pending > 0 ? pending : 0;
	app->outbox_generation++;
	load_queued_objects(app);
	app->dirty = true;
}

bool app_is_queued(const struct app *app, const char *kind, int64_t id)
{
	for (size_t i = 0; i < app->queued_count; i++)
		if (app->queued[i].id == id && strcmp(app->queued_kinds[i], kind) == 0)
			return true;
	return false;
}

/*
 * Ask an outbox question in the shared dialog. The message may quote the
 * broker, so it is sanitized onto one line. Returns false when another
 * dialog is open, which the question must not replace.
 */
static bool open_question(struct app *app, const struct outbox_question *question,
			  const char *title, const char *untrusted_message)
{
	struct strbuf line = STRBUF_INIT;

	if (app->dialog_open)
		return false;
	text_sanitize(untrusted_message, TEXT_NUL_TERMINATED, app->screen.charset, &line);
	dialog_confirm(&app->dialog, title, strbuf_str(&line));
	strbuf_free(&line);
	app->dialog_open = true;
	app->question = *question;
	app->dirty = true;
	return true;
}

static void on_review(void *ctx, const struct outbox_review *review)
{
	struct app *app = ctx;
	struct outbox_question question = { review->item_id, false, review->version };

	if (review->item_id == app->reviewing_item)
		app->reviewing_item = 0;
	/* The review stored the object as the broker has it now. */
	app->reload |= SYNC_CHANGED_REQUESTS | SYNC_CHANGED_GRANTS;
	if (!review->ok)
		app_status(app, STATUS_ERROR, "%s", review->message);
	else if (!review->applies)
		app_status(app, STATUS_WARNING, "%s", review->message);
	else if (!open_question(app, &question, "Retry", review->message))
		app_status(app, STATUS_WARNING, "not asked while another dialog is open: %s",
			   review->message);
}

void app_retry_outbox_item(struct app *app, int64_t item_id)
{
	if (!app_may_write(app))
		return;
	if (app->reviewing_item) {
		app_status(app, STATUS_INFO, "still asking the broker about the last retry...");
		return;
	}
	if (!outbox_review_retry(app->outbox, item_id, on_review, app)) {
		app_status(app, STATUS_WARNING, "cannot retry: %s", outbox_last_error(app->outbox));
		return;
	}
	app->reviewing_item = item_id;
	app_status(app, STATUS_INFO, "asking the broker what changed...");
}

void app_drop_outbox_item(struct app *app, int64_t item_id)
{
	struct outbox_question question = { item_id, true, 0 };
	struct outbox_item item;
	enum cache_result found = cache_outbox_get(app->cache, item_id, &item);
	char message[STATUS_TEXT_SIZE];

	if (found != CACHE_FOUND) {
		app_status(app, STATUS_ERROR, "cannot drop outbox item %lld: %s", (long long)item_id,
			   found == CACHE_ERROR ? cache_last_error(app->cache) : "not found");
		return;
	}
	if (item.state == OUTBOX_QUEUED || item.state == OUTBOX_FAILED ||
	    item.state == OUTBOX_CONFLICT) {
		snprintf(message, sizeof message, "Drop \"%s\" (%s)? It is never sent then. (y/n)",
			 item.label, outbox_state_name(item.state));
		open_question(app, &question, "Drop", message);
	} else {
		app_status(app, STATUS_WARNING, "cannot drop \"%s\": it is %s%s", item.label,
			   outbox_state_name(item.state),
			   item.state == OUTBOX_SENDING ? "; wait for the broker's answer" : "");
	}
	outbox_item_free(&item);
}

static void answer_question(struct app *app, const struct outbox_question *question)
{
	int64_t id;

	if (question->drop) {
		if (outbox_drop(app->outbox, question->item_id))
			app_status(app, STATUS_OK, "dropped outbox item %lld; it is never sent",
				   (long long)question->item_id);
		else
			app_status(app, STATUS_ERROR, "%s", outbox_last_error(app->outbox));
		return;
	}
	id = outbox_retry(app->outbox, question->item_id, question->version);
	if (id < 0)
		app_status(app, STATUS_ERROR, "%s", outbox_last_error(app->outbox));
	else
		app_status(app, STATUS_INFO, "queued again as outbox item %lld...", (long long)id);
}

void app_question_key(struct app *app, const struct key_event *ev)
{
	enum dialog_result result = dialog_handle_key(&app->dialog, ev);
	struct outbox_question question = app->question;

	app->dirty = true;
	if (result == DIALOG_OPEN)
		return;
	dialog_free(&app->dialog);
	app->dialog_open = false;
	memset(&app->question, 0, sizeof app->question);
	if (result == DIALOG_CANCELED) {
		app_status(app, STATUS_INFO, "canceled: the outbox is unchanged");
		return;
	}
	answer_question(app, &question);
	app_refresh_outbox_count(app);
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
		if (sync_broker_changed(app->sync) || sync_skipped_objects(app->sync) > 0)
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

void app_batch_free(struct app *app)
{
	free(app->batch.items);
	memset(&app->batch, 0, sizeof app->batch);
}

void app_batch_start(struct app *app, const char *verb, const char *noun)
{
	app_batch_free(app);
	snprintf(app->batch.verb, sizeof app->batch.verb, "%s", verb);
	snprintf(app->batch.noun, sizeof app->batch.noun, "%s", noun);
}

void app_batch_add(struct app *app, int64_t item_id)
{
	struct action_batch *b = &app->batch;

	b->items = xreallocarray(b->items, b->count + 1, sizeof *b->items);
	b->items[b->count++] = item_id;
}

static bool batch_contains(const struct action_batch *b, int64_t item_id)
{
	for (size_t i = 0; i < b->count; i++)
		if (b->items[i] == item_id)
			return true;
	return false;
}

/* Count a finished item of a batch of several, and sum the batch up once all are done. */
static void report_batch_item(struct app *app, const struct outbox_result *result)
{
	struct action_batch *b = &app->batch;
	size_t succeeded;

	b->finished++;
	if (!result->success && b->failed++ == 0)
		snprintf(b->first_failure, sizeof b->first_failure, "%s", result->message);
	if (b->finished < b->count) {
		app_status(app, STATUS_INFO, "%zu of %zu done...", b->finished, b->count);
		return;
	}
	succeeded = b->count - b->failed;
	if (b->failed == 0)
		app_status(app, STATUS_OK, "%s %zu %ss", b->verb, b->count, b->noun);
	else
		app_status(app, STATUS_ERROR, "%s %zu of %zu %ss; %zu failed, the first: %s", b->verb,
			   succeeded, b->count, b->noun, b->failed, b->first_failure);
	app_batch_free(app);
}

static void on_outbox_result(void *ctx, const struct outbox_result *result)
{
	struct app *app = ctx;
	enum status_severity severity = STATUS_ERROR;
	bool finished = result->state != OUTBOX_QUEUED && result->state != OUTBOX_SENDING;

	app->reload |= SYNC_CHANGED_REQUESTS | SYNC_CHANGED_GRANTS;
	app_refresh_outbox_count(app);
	if (result->success && app->connection == SYNC_OFFLINE)
		sync_start(app->sync); /* the broker is back: do not wait for the sync's own retry */
	if (finished && app->batch.count > 1 && batch_contains(&app->batch, result->item_id)) {
		report_batch_item(app, result);
		return;
	}
	if (result->success)
		severity = STATUS_OK;
	else if (!finished)
		severity = STATUS_WARNING;
	app_status(app, severity, "%s", result->message);
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
