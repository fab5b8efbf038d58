/*
 * The one event loop: the terminal, the signal pipe and every libcurl
 * transfer are waited on in a single curl_multi_poll(). The timeout comes from
 * what is scheduled (retries, the clock in the lists, a status message to
 * clear), so an idle console sleeps in the kernel.
 */

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/timeutil.h"
#include "console/app.h"
#include "console/commands_line.h"
#include "tui/keymap.h"
#include "tui/signals.h"
#include "views/table.h"

/*
 * Ages and countdowns in the lists are redrawn this often, in milliseconds:
 * every second while one shows seconds ("45s"), else every half minute.
 */
#define CLOCK_TICK_MS 30000
#define CLOCK_TICK_SECONDS_MS 1000

static int64_t clock_tick(const struct app *app)
{
	return app->seconds_shown ? CLOCK_TICK_SECONDS_MS : CLOCK_TICK_MS;
}
/* How long an info or success message stays on the status line, in seconds. */
#define STATUS_MESSAGE_SECONDS 10

/* The widest row in which a click looks for a pane label. */

/* The ":" command line of the running loop, made by app_run(). */
static struct command_line *command_line;

static struct view *focused_view(struct app *app)
{
	if (app->overlay_count > 0)
		return app->overlays[app->overlay_count - 1];
	return app->panes[app->focus];
}

static void focus_pane(struct app *app, enum app_pane pane)
{
	while (app->overlay_count > 0)
		app_close_overlay(app);
	app->focus = pane;
	app->dirty = true;
}

/* Actions that mean the same everywhere; false for the rest. */
static bool handle_global(struct app *app, enum action action)
{
	switch (action) {
	case ACTION_QUIT:
		app_request_quit(app);
		return true;
	case ACTION_HELP:
		app_open_help(app);
		return true;
	case ACTION_MESSAGES:
		app_open_messages(app);
		return true;
	case ACTION_OUTBOX:
		app_open_outbox(app);
		return true;
	case ACTION_NEXT_PANE:
		focus_pane(app, (enum app_pane)((app->focus + 1) % PANE_COUNT));
		return true;
	case ACTION_PREVIOUS_PANE:
		focus_pane(app, (enum app_pane)((app->focus + PANE_COUNT - 1) % PANE_COUNT));
		return true;
	case ACTION_PANE_PENDING:
		focus_pane(app, PANE_PENDING);
		return true;
	case ACTION_PANE_GRANTS:
		focus_pane(app, PANE_GRANTS);
		return true;
	case ACTION_PANE_METRICS:
		focus_pane(app, PANE_METRICS);
		return true;
	case ACTION_PANE_POLICY:
		focus_pane(app, PANE_POLICY);
		return true;
	case ACTION_REFRESH:
		sync_refresh(app->sync);
		app_status(app, STATUS_INFO, "fetching everything from the broker again...");
		return true;
	case ACTION_REDRAW:
		clearok(curscr, TRUE);
		app->dirty = true;
		return true;
	case ACTION_COMMAND_LINE:
		command_line_open(command_line);
		return true;
	default:
		return false;
	}
}

/* Run an action as its key does: the focused view first, then the global actions. */
static void run_action(struct app *app, enum action action)
{
	struct view *view = focused_view(app);

	if (!view->ops->handle_action(view, action))
		handle_global(app, action);
}

static void handle_key(struct app *app, const struct key_event *ev)
{
	struct view *view = focused_view(app);
	enum action action;

	app->dirty = true;
	if (command_line_active(command_line)) {
		command_line_key(command_line, ev);
		return;
	}
	if (app->dialog_open && app->question.item_id) {
		app_question_key(app, ev);
		return;
	}
	if (app->dialog_open) {
		app_dialog_key(app, ev);
		return;
	}
	if (view->ops->take_key && view->ops->take_key(view, ev))
		return;
	action = keymap_lookup(view->ops->context, ev);
	if (action != ACTION_NONE)
		run_action(app, action);
}

/* Focus the pane whose tab or title the frame drew under a click, if any. */
static void click_pane_label(struct app *app, const struct screen_mouse *mouse)
{
	if (app->overlay_count > 0)
		return;
	for (int i = 0; i < PANE_COUNT; i++) {
		const struct area *label = &app->pane_labels[i];
		if (label->width > 0 && mouse->y == label->y && mouse->x >= label->x &&
		    mouse->x < label->x + label->width) {
			focus_pane(app, (enum app_pane)i);
			return;
		}
	}
}

/*
 * Give a mouse event to the list under the pointer, which selects or scrolls.
 * A click in the other list (side by side on a wide screen) focuses it too.
 * Elsewhere a click on a pane's label goes to that pane and the wheel scrolls
 * the focused view.
 */
static void handle_mouse(struct app *app, const struct key_event *ev)
{
	static const enum app_pane lists[] = { PANE_PENDING, PANE_GRANTS };
	struct view *view = focused_view(app);
	struct screen_mouse mouse;

	if (!screen_last_mouse(&mouse) || app->dialog_open || command_line_active(command_line))
		return;
	app->dirty = true;
	if (view->ops->take_key && view->ops->take_key(view, ev))
		return;
	for (size_t i = 0; app->overlay_count == 0 && i < sizeof lists / sizeof lists[0]; i++) {
		struct view *list = app->panes[lists[i]];
		if (lists[i] != app->focus && list->ops->take_key(list, ev)) {
			focus_pane(app, lists[i]);
			return;
		}
	}
	if (mouse.button == SCREEN_MOUSE_CLICK) {
		click_pane_label(app, &mouse);
		return;
	}
	for (int i = 0; i < TABLE_WHEEL_ROWS && mouse.y > 0 && mouse.y < app->screen.rows - 1; i++)
		run_action(app, mouse.button == SCREEN_MOUSE_WHEEL_UP ? ACTION_UP : ACTION_DOWN);
}

/* Whether keys go to a text field: a dialog's text, or a filter being typed. */
static bool text_field_active(struct app *app)
{
	struct view *view = focused_view(app);

	if (command_line_active(command_line))
		return true;
	if (app->dialog_open)
		return app->dialog.kind == DIALOG_PROMPT || app->dialog.kind == DIALOG_TYPED_CONFIRM;
	return view->ops->editing && view->ops->editing(view);
}

/*
 * Make a key that is part of pasted or bunched-up text safe for a text field:
 * Enter and Tab become spaces, so that a newline inside a paste never submits
 * a dialog and what follows it never runs as commands. In a paste every other
 * control is dropped too (Esc would cancel the dialog). Returns false to drop it.
 */
static bool keep_as_text(struct key_event *ev, bool pasted)
{
	if (!ev->function && (ev->code == '\n' || ev->code == '\t')) {
		ev->code = ' ';
		return true;
	}
	if (!ev->function && ev->code == 27)
		return false;
	return !pasted || key_event_is_text(ev);
}

/*
 * Read every key that is waiting. The first key of a batch is what a person
 * pressed; later ones arrived together with it, as a paste does on a terminal
 * without bracketed paste, so in a text field they count as text.
 */
static void read_keys(struct app *app)
{
	struct key_event ev;
	bool key_before = false;

	while (!app->quit && screen_read_key(&ev)) {
		/* Resizes and paste markers come from the terminal, not the person: they do not count. */
		bool bunched = key_before;
		if (ev.function && ev.code == KEY_RESIZE) {
			screen_resize(&app->screen);
			app->dirty = true;
			continue;
		}
		if (ev.function && (ev.code == KEY_PASTE_START || ev.code == KEY_PASTE_END)) {
			app->pasting = ev.code == KEY_PASTE_START;
			continue;
		}
		if (key_event_is_mouse(&ev)) {
			handle_mouse(app, &ev);
			continue;
		}
		if (app->pasting && !text_field_active(app)) {
			app_status(app, STATUS_WARNING, "pasted text ignored: paste into a reason or a filter");
			continue;
		}
		key_before = true;
		if ((app->pasting || bunched) && text_field_active(app) && !keep_as_text(&ev, app->pasting))
			continue;
		handle_key(app, &ev);
	}
}

static void handle_signals(struct app *app)
{
	int signal_number;

	while ((signal_number = signals_next()) != 0) {
		switch (signal_number) {
		case SIGWINCH:
			screen_resize(&app->screen);
			break;
		case SIGTSTP:
			screen_suspend(&app->screen);
			break;
		case SIGCONT:
			clearok(curscr, TRUE);
			break;
		default: /* SIGTERM, SIGINT, SIGHUP: exit as a shell expects of a signal */
			app->quit = true;
			app->exit_status = 128 + signal_number;
			break;
		}
		app->dirty = true;
	}
}

static int earliest(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* How long the loop may sleep: until the next retry, clock tick or message expiry. */
static int poll_timeout(struct app *app, int64_t now_ms)
{
	int timeout = (int)(clock_tick(app) - now_ms % clock_tick(app));

	timeout = earliest(timeout, sync_next_timeout_ms(app->sync, now_ms));
	if (app->reload)
		timeout = earliest(timeout, app->reload_not_before > now_ms ?
						    (int)(app->reload_not_before - now_ms) : 0);
	timeout = earliest(timeout, outbox_next_timeout_ms(app->outbox, now_ms));
	if (app->status.text[0] && app->status.severity <= STATUS_OK) {
		int64_t left = (app->status.time + STATUS_MESSAGE_SECONDS) * 1000 - time_now_ms();
		timeout = earliest(timeout, left > 0 ? (int)left : 0);
	}
	return timeout;
}

static void run_timers(struct app *app, int64_t *last_tick)
{
	int64_t now_ms = time_monotonic_ms();
	int64_t now = time_now();

	sync_tick(app->sync, now_ms);
	outbox_tick(app->outbox, now_ms);
	if (app->status.text[0] && app->status.severity <= STATUS_OK &&
	    now - app->status.time >= STATUS_MESSAGE_SECONDS) {
		status_expire(&app->status, now, STATUS_MESSAGE_SECONDS);
		app->dirty = true;
	}
	if (now_ms / clock_tick(app) != *last_tick) {
		*last_tick = now_ms / clock_tick(app);
		app->dirty = true;
	}
}

int app_run(struct app *app)
{
	int64_t last_tick = time_monotonic_ms() / clock_tick(app);

	command_line = command_line_new(app, run_action);
	while (!app->quit) {
		app_apply_reloads(app);
		if (app->dirty) {
			table_new_frame();
			app_draw(app);
			command_line_draw(command_line);
		}

		struct curl_waitfd fds[2] = {
			{ .fd = screen_input_fd(), .events = CURL_WAIT_POLLIN },
			{ .fd = signals_fd(), .events = CURL_WAIT_POLLIN },
		};
		int timeout = poll_timeout(app, time_monotonic_ms());
		if (http_client_poll(app->http, fds, 2, timeout) < 0)
			app_status(app, STATUS_ERROR, "waiting for input failed; retrying");
		http_client_perform(app->http);
		if (fds[1].revents)
			handle_signals(app);
		if (fds[0].revents)
			read_keys(app);
		run_timers(app, &last_tick);
	}
	command_line_free(command_line);
	command_line = NULL;
	return app->exit_status;
}
