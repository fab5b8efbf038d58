#ifndef GATEHOUSE_APP_H
#define GATEHOUSE_APP_H

/*
 * The console application: the panes, the dialogs of an action in progress,
 * the connection state, and the status line, around one event loop. Views
 * call the app_* functions below; the client's callbacks land here too.
 */

#include <stdbool.h>
#include <stdint.h>

#include "api/model.h"
#include "cache/cache.h"
#include "client/http.h"
#include "client/metrics.h"
#include "client/outbox.h"
#include "client/sync.h"
#include "console/options.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/status.h"
#include "views/view.h"

enum app_pane {
	PANE_PENDING,
	PANE_GRANTS,
	PANE_METRICS,
	PANE_POLICY,
	PANE_COUNT,
};

/* The shortest time between two reloads of the views from the cache, in milliseconds. */
#define APP_RELOAD_INTERVAL_MS 250

/* The deepest stack of views over the panes: a detail, then the help over it. */
#define APP_OVERLAY_MAX 4

enum pending_action_kind {
	PENDING_NONE,
	PENDING_APPROVE,
	PENDING_DENY,
	PENDING_REVOKE,
	PENDING_BULK_REVOKE,
	PENDING_QUIT,       /* quitting with actions still queued */
};

/* The action whose dialogs are open: what it applies to and which step it is at. */
struct pending_action {
	enum pending_action_kind kind;
	struct action_target *targets;
	size_t target_count;
	char *principal;        /* bulk revoke: the scope, one of the two */
	char *resource;
	char *reason;           /* kept between the reason prompt and the confirmation */
	int64_t matched;        /* bulk revoke: grants it would take, -1 while unknown */
	bool from_marks;        /* the targets are a list's marks, cleared once they are queued */
	int step;
};

/* The recent messages, kept so that one cut short on the status line can be read in full. */
#define APP_MESSAGE_LOG 50

struct logged_message {
	int64_t time;
	enum status_severity severity;
	char text[STATUS_TEXT_SIZE];
};

/* The outbox items queued by the last action, so that one message can sum up how they went. */
struct action_batch {
	int64_t *items;
	size_t count;
	size_t finished;
	size_t failed;
	char verb[16];              /* past tense for the summary: "approved", "revoked" */
	char noun[16];              /* "request" or "grant" */
	char first_failure[STATUS_TEXT_SIZE];
};

/*
 * A question of the outbox pane in the shared dialog: send a failed action
 * again (after its review) or drop an action. item_id is 0 while none is open.
 */
struct outbox_question {
	int64_t item_id;
	bool drop;                  /* drop the item; else queue it again */
	int64_t version;            /* for a retry: the version its review read */
};

struct app {
	struct console_options *options;
	struct screen_info screen;
	struct cache *cache;
	struct http_client *http;
	struct sync *sync;
	struct outbox_sender *outbox;
	struct metrics_client *metrics;

	struct view *panes[PANE_COUNT];
	enum app_pane focus;
	struct view *metrics_strip;  /* under the lists on a tall terminal */
	struct area pane_labels[PANE_COUNT];  /* where the last draw put each pane's tab or title */
	struct view *overlays[APP_OVERLAY_MAX];
	int overlay_count;

	struct dialog dialog;
	bool dialog_open;
	struct pending_action action;
	struct action_batch batch;
	struct outbox_question question;
	int64_t reviewing_item;     /* the outbox item whose review is in flight, 0 for none */

	struct status_line status;
	struct logged_message messages[APP_MESSAGE_LOG];
	size_t message_count;       /* messages ever logged; the newest is at (count - 1) % max */
	enum sync_state connection;
	char connection_detail[256];
	int64_t offline_since;      /* when the connection was last lost, 0 while online */
	int64_t synced_at;          /* last successful contact, from the cache */
	char principal_label[160];  /* "demo-admin (admin)" */
	unsigned principal_roles;   /* enum role bits, once known */
	bool principal_known;
	int64_t outbox_pending;
	unsigned outbox_generation; /* counts outbox changes, so that the outbox pane reloads */
	struct action_target *queued;   /* objects with an action queued, ids and kinds below */
	char (*queued_kinds)[8];        /* "request" or "grant" for each */
	size_t queued_count;

	bool pasting;               /* between the start and end of a bracketed paste */
	bool seconds_shown;         /* the last draw showed a time in seconds: redraw every second */
	unsigned reload;            /* enum sync_change bits waiting for the views */
	int64_t reload_not_before;  /* time_monotonic_ms() before which no reload starts */
	bool dirty;
	bool quit;
	int exit_status;            /* 0, or 128 + the signal that ended the console */
};

/* Put a message on the status line (the one place messages go). */
void app_status(struct app *app, enum status_severity severity, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Push the detail of a request or grant over the panes. */
void app_open_detail(struct app *app, const char *kind, int64_t id);
/* Push a view over the panes, such as the policy pane's simulation; it is destroyed when closed. */
void app_open_overlay(struct app *app, struct view *v);
void app_open_help(struct app *app);
void app_open_messages(struct app *app);
/* Open the outbox pane: every recent action, newest first, with what became of it. */
void app_open_outbox(struct app *app);
/* The outbox pane (views/outbox.c). */
struct view *outbox_view_new(struct app *app);
/* Pop the top overlay. */
void app_close_overlay(struct app *app);

/*
 * Start approving or denying requests: the reason prompt opens. from_marks
 * says the targets are the list's marks, which are cleared once queued.
 */
void app_begin_decision(struct app *app, bool approve, const struct action_target *targets,
			size_t count, bool from_marks, const char *summary);
/* Start revoking grants: the reason prompt, then a yes/no question. from_marks as above. */
void app_begin_revoke(struct app *app, const struct action_target *targets, size_t count,
		      bool from_marks, const char *summary);
/* Start a bulk revoke of the grants of a principal and on a resource: a choice of scope first. */
void app_begin_bulk_revoke(struct app *app, const char *principal, const char *resource);

/*
 * Send a failed or conflicting outbox item again: its object is read from
 * the broker first, and a question shows what changed, unless the action no
 * longer applies (a decided request), which only gets an explanation.
 */
void app_retry_outbox_item(struct app *app, int64_t item_id);
/* Ask whether to drop an outbox item, and mark it dropped on yes. */
void app_drop_outbox_item(struct app *app, int64_t item_id);
/* Give a key to the outbox pane's question. */
void app_question_key(struct app *app, const struct key_event *ev);

/* Whether an action on this object ("request" or "grant") is queued and not yet sent. */
bool app_is_queued(const struct app *app, const char *kind, int64_t id);
/* Quit, after asking when actions are still queued. */
void app_request_quit(struct app *app);

/* Whether writes are allowed; says why on the status line when not. */
bool app_may_write(struct app *app);

/* For the console's own files (app.c, actions.c, frame.c, loop.c, main.c). */
extern const struct sync_callbacks app_sync_callbacks;
extern const struct outbox_callbacks app_outbox_callbacks;
void app_set_principal(struct app *app, const struct principal *me);
void app_load_cached_principal(struct app *app);
void app_refresh_outbox_count(struct app *app);
void app_apply_reloads(struct app *app);
/* Give a key to the open dialog and move the action on when it closes. */
void app_dialog_key(struct app *app, const struct key_event *ev);
/* Start counting the results of a new batch of count queued items. */
void app_batch_start(struct app *app, const char *verb, const char *noun);
void app_batch_add(struct app *app, int64_t item_id);
void app_batch_free(struct app *app);
/* Forget the action in progress and close its dialog. */
void app_action_reset(struct app *app);
/* Draw everything: title, banner, panes or overlay, dialog, status line. */
void app_draw(struct app *app);
/* Run the event loop until the user quits or a termination signal arrives. */
int app_run(struct app *app);

#endif
