/*
 * The dialogs of an action, step by step: a reason, a confirmation, and for
 * a bulk revoke a choice of scope and a typed confirmation that names how
 * many grants will go. When the last step is accepted the writes are queued
 * in the outbox, which sends them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/objects.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "console/app.h"
#include "tui/text.h"

/* The maximum length of a reason the broker accepts, in characters. */
#define REASON_MAX 1000

/*
 * Copy untrusted text for a dialog message on one line: the dialog starts a
 * new line at each '\n', so a newline inside an id must not reach it raw.
 */
static const char *one_line(struct app *app, const char *untrusted, struct strbuf *out)
{
	strbuf_reset(out);
	text_sanitize(untrusted, TEXT_NUL_TERMINATED, app->screen.charset, out);
	return strbuf_str(out);
}

void app_action_reset(struct app *app)
{
	struct pending_action *a = &app->action;

	free(a->targets);
	free(a->principal);
	free(a->resource);
	free(a->reason);
	memset(a, 0, sizeof *a);
	if (app->dialog_open)
		dialog_free(&app->dialog);
	app->dialog_open = false;
	app->dirty = true;
}

static void start_action(struct app *app, enum pending_action_kind kind,
			 const struct action_target *targets, size_t count)
{
	app_action_reset(app);
	app->action.kind = kind;
	app->action.matched = -1;
	if (count) {
		app->action.targets = xcalloc(count, sizeof *targets);
		memcpy(app->action.targets, targets, count * sizeof *targets);
		app->action.target_count = count;
	}
	app->dialog_open = true;
}

void app_begin_decision(struct app *app, bool approve, const struct action_target *targets,
			size_t count, bool from_marks, const char *summary)
{
	char message[640];

	if (!app_may_write(app))
		return;
	struct strbuf line = STRBUF_INIT;

	start_action(app, approve ? PENDING_APPROVE : PENDING_DENY, targets, count);
	app->action.from_marks = from_marks;
	snprintf(message, sizeof message, "%s\n%s", one_line(app, summary, &line),
		 approve ? "Reason (optional), then Enter:" : "Reason for the denial, then Enter:");
	strbuf_free(&line);
	dialog_prompt(&app->dialog, approve ? "Approve" : "Deny", message, REASON_MAX, !approve);
}

void app_begin_revoke(struct app *app, const struct action_target *targets, size_t count,
		      bool from_marks, const char *summary)
{
	char message[640];

	if (!app_may_write(app))
		return;
	struct strbuf line = STRBUF_INIT;

	start_action(app, PENDING_REVOKE, targets, count);
	app->action.from_marks = from_marks;
	snprintf(message, sizeof message, "%s\nReason for revoking, then Enter:",
		 one_line(app, summary, &line));
	strbuf_free(&line);
	dialog_prompt(&app->dialog, "Revoke", message, REASON_MAX, true);
}

static void on_dry_run(void *ctx, const struct outbox_dry_run *result);

void app_request_quit(struct app *app)
{
	char message[256];

	app_refresh_outbox_count(app);
	if (app->outbox_pending == 0) {
		app->quit = true;
		return;
	}
	start_action(app, PENDING_QUIT, NULL, 0);
	snprintf(message, sizeof message,
		 "%lld action%s not sent yet. Quit anyway? %s kept and sent the next time "
		 "gatehouse runs with this cache. (y/n)", (long long)app->outbox_pending,
		 app->outbox_pending == 1 ? " is" : "s are", app->outbox_pending == 1 ? "It is" : "They are");
	dialog_confirm(&app->dialog, "Quit", message);
}

void app_begin_bulk_revoke(struct app *app, const char *principal, const char *resource)
{
	char message[640];
	int64_t by_principal = cache_count_active_grants_matching(app->cache, principal, NULL);
	int64_t by_resource = cache_count_active_grants_matching(app->cache, NULL, resource);

	if (!app_may_write(app))
		return;
	struct strbuf principal_line = STRBUF_INIT, resource_line = STRBUF_INIT;

	start_action(app, PENDING_BULK_REVOKE, NULL, 0);
	app->action.principal = xstrdup(principal);
	app->action.resource = xstrdup(resource);
	snprintf(message, sizeof message,
		 "p: every active grant of %s (%lld in the cache)\n"
		 "r: every active grant on %s (%lld in the cache)",
		 one_line(app, principal, &principal_line), (long long)by_principal,
		 one_line(app, resource, &resource_line), (long long)by_resource);
	strbuf_free(&principal_line);
	strbuf_free(&resource_line);
	dialog_choice(&app->dialog, "Bulk revoke", message, "pr");
}

/* The bulk revoke's scope is chosen: keep one of the two and ask the broker for the count. */
static void choose_scope(struct app *app, bool by_principal)
{
	struct pending_action *a = &app->action;
	struct strbuf line = STRBUF_INIT;
	char message[640];

	if (by_principal)
		xfree_str(&a->resource);
	else
		xfree_str(&a->principal);
	a->matched = cache_count_active_grants_matching(app->cache, a->principal, a->resource);
	outbox_dry_run_bulk(app->outbox, a->principal, a->resource, on_dry_run, app);
	snprintf(message, sizeof message, "every active grant %s %s\nReason, then Enter:",
		 a->principal ? "of" : "on",
		 one_line(app, a->principal ? a->principal : a->resource, &line));
	strbuf_free(&line);
	dialog_free(&app->dialog);
	dialog_prompt(&app->dialog, "Bulk revoke", message, REASON_MAX, true);
}

static void open_typed_confirmation(struct app *app)
{
	struct pending_action *a = &app->action;
	struct strbuf line = STRBUF_INIT;
	char message[640], phrase[48];

	snprintf(phrase, sizeof phrase, "revoke %lld", (long long)(a->matched > 0 ? a->matched : 0));
	snprintf(message, sizeof message, "This revokes %lld active grant%s %s %s at once.",
		 (long long)a->matched, a->matched == 1 ? "" : "s", a->principal ? "of" : "on",
		 one_line(app, a->principal ? a->principal : a->resource, &line));
	strbuf_free(&line);
	dialog_free(&app->dialog);
	dialog_typed_confirm(&app->dialog, "Bulk revoke", message, phrase);
}

static void on_dry_run(void *ctx, const struct outbox_dry_run *result)
{
	struct app *app = ctx;
	struct pending_action *a = &app->action;

	if (a->kind != PENDING_BULK_REVOKE)
		return; /* the action was canceled meanwhile */
	if (!result->ok) {
		app_status(app, STATUS_WARNING, "could not ask the broker for the count: %s; "
			   "the cache's count is shown", result->message);
		return;
	}
	if (result->matched == a->matched)
		return;
	a->matched = result->matched;
	if (a->step == 2) {
		open_typed_confirmation(app); /* the phrase names the broker's count */
		app_status(app, STATUS_WARNING, "the broker counts %lld grants; confirm again",
			   (long long)result->matched);
	}
	app->dirty = true;
}

/* Clear a list's marks once the action they chose is queued; other actions leave them. */
static void clear_used_marks(struct app *app, enum app_pane pane)
{
	if (app->action.from_marks)
		app->panes[pane]->ops->handle_action(app->panes[pane], ACTION_CLEAR_MARKS);
}

static void queue_decisions(struct app *app, bool approve, const char *reason)
{
	struct pending_action *a = &app->action;
	size_t queued = 0;

	app_batch_start(app, approve ? "approved" : "denied", "request");
	for (size_t i = 0; i < a->target_count; i++) {
		int64_t id = approve ?
			outbox_queue_approve(app->outbox, a->targets[i].id, a->targets[i].version, reason) :
			outbox_queue_deny(app->outbox, a->targets[i].id, a->targets[i].version, reason);
		if (id < 0) {
			app_status(app, STATUS_ERROR, "could not queue the action: %s",
				   outbox_last_error(app->outbox));
			return;
		}
		app_batch_add(app, id);
		queued++;
	}
	clear_used_marks(app, PANE_PENDING);
	if (queued == 1)
		app_status(app, STATUS_INFO, "%s request %lld...", approve ? "approving" : "denying",
			   (long long)a->targets[0].id);
	else
		app_status(app, STATUS_INFO, "%s %zu requests...", approve ? "approving" : "denying",
			   queued);
}

static void queue_revokes(struct app *app)
{
	struct pending_action *a = &app->action;

	app_batch_start(app, "revoked", "grant");
	for (size_t i = 0; i < a->target_count; i++) {
		int64_t id = outbox_queue_revoke(app->outbox, a->targets[i].id, a->targets[i].version,
						 a->reason);
		if (id < 0) {
			app_status(app, STATUS_ERROR, "could not queue the revoke: %s",
				   outbox_last_error(app->outbox));
			return;
		}
		app_batch_add(app, id);
	}
	clear_used_marks(app, PANE_GRANTS);
	app_status(app, STATUS_INFO, "revoking %zu grant%s...", a->target_count,
		   a->target_count == 1 ? "" : "s");
}

static void queue_bulk_revoke(struct app *app)
{
	struct pending_action *a = &app->action;

	if (outbox_queue_bulk_revoke(app->outbox, a->principal, a->resource, a->reason) < 0)
		app_status(app, STATUS_ERROR, "could not queue the bulk revoke: %s",
			   outbox_last_error(app->outbox));
	else
		app_status(app, STATUS_INFO, "revoking every active grant %s %s...",
			   a->principal ? "of" : "on", a->principal ? a->principal : a->resource);
}

/* The current dialog was accepted: go to the next step, or queue the writes. Returns true when done. */
static bool advance(struct app *app)
{
	struct pending_action *a = &app->action;
	char message[640];

	switch (a->kind) {
	case PENDING_APPROVE:
	case PENDING_DENY:
		queue_decisions(app, a->kind == PENDING_APPROVE, dialog_text(&app->dialog));
		return true;
	case PENDING_REVOKE:
		if (a->step == 0) {
			a->reason = xstrdup(dialog_text(&app->dialog));
			snprintf(message, sizeof message, "Revoke %zu grant%s now? (y/n)", a->target_count,
				 a->target_count == 1 ? "" : "s");
			dialog_free(&app->dialog);
			dialog_confirm(&app->dialog, "Revoke", message);
			a->step = 1;
			return false;
		}
		queue_revokes(app);
		return true;
	case PENDING_BULK_REVOKE:
		if (a->step == 0) {
			choose_scope(app, dialog_choice_key(&app->dialog) == 'p');
			a->step = 1;
			return false;
		}
		if (a->step == 1) {
			a->reason = xstrdup(dialog_text(&app->dialog));
			open_typed_confirmation(app);
			a->step = 2;
			return false;
		}
		queue_bulk_revoke(app);
		return true;
	case PENDING_QUIT:
		app->quit = true;
		return true;
	case PENDING_NONE:
		return true;
	}
	return true;
}

void app_dialog_key(struct app *app, const struct key_event *ev)
{
	enum dialog_result result = dialog_handle_key(&app->dialog, ev);

	app->dirty = true;
	if (result == DIALOG_CANCELED) {
		app_status(app, STATUS_INFO, "canceled: nothing was sent");
		app_action_reset(app);
	} else if (result == DIALOG_ACCEPTED && advance(app)) {
		app_action_reset(app);
		app_refresh_outbox_count(app);
	}
}
