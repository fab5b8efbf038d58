/* gatehouse: the Gatehouse console. */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cache/cache.h"
#include "cache/objects.h"
#include "common/alloc.h"
#include "common/crypto.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "console/cli_error.h"
#include "console/commands.h"
#include "console/config.h"
#include "console/options.h"
#include "tui/keymap.h"
#include "tui/signals.h"
#include "tui/theme.h"
#include "views/metrics.h"
#include "views/policy.h"

/*
 * The token lives in this process's memory: keep it out of core dumps and
 * away from other processes of the same user that could attach to read it.
 */
static void protect_memory(void)
{
	struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static bool open_cache(struct app *app, char *err, size_t errlen)
{
	char *path = app->options->cache_path ? xstrdup(app->options->cache_path)
					      : cache_default_path(app->options->url, app->options->token);

	if (!path) {
		snprintf(err, errlen, "no place for the cache: set XDG_CACHE_HOME or HOME, or give --cache FILE");
		return false;
	}
	app->cache = cache_open(path, err, errlen);
	free(path);
	return app->cache != NULL;
}

/*
 * GATEHOUSE_REQUEST_TIMEOUT_MS, a test-only setting that the usage leaves
 * out: the limit of each call but the feed's long poll, so that a test of a
 * broker that responds after 30 seconds need not wait the default 15. Returns
 * 0, the default, when it is unset or not a positive number.
 */
static long request_timeout_from_environment(void)
{
	const char *text = getenv("GATEHOUSE_REQUEST_TIMEOUT_MS");
	char *end;
	long value;

	if (!text || !*text)
		return 0;
	value = strtol(text, &end, 10);
	return *end == '\0' && value > 0 ? value : 0;
}

static bool open_client(struct app *app, char *err, size_t errlen)
{
	/*
	 * The proxy variables are honoured as libcurl reads them (http_proxy,
	 * https_proxy, all_proxy and no_proxy, or their upper-case names but
	 * HTTP_PROXY), except for a loopback broker. libcurl reaches an https://
	 * broker through a CONNECT tunnel, so the proxy never receives the token.
	 */
	struct http_client_options http = {
		.base_url = app->options->url,
		.token = app->options->token,
		.insecure_tls = app->options->insecure_tls,
		.ca_file = app->options->ca_file,
		.use_proxy_environment = !console_url_is_loopback(app->options->url),
		.request_timeout_ms = request_timeout_from_environment(),
	};

	app->http = http_client_new(&http, err, errlen);
	/* The client keeps its own copy: this one is no longer needed. */
	secret_wipe(app->options->token, strlen(app->options->token));
	if (!app->http)
		return false;
	app->sync = sync_new(app->http, app->cache, &app_sync_callbacks, app);
	app->outbox = outbox_sender_new(app->http, app->cache, app->sync, &app_outbox_callbacks, app);
	return true;
}

/* Print what the user should fix, now: once the screen starts, stderr is not seen. */
static void print_startup_warnings(const struct app *app)
{
	const char *trace_warning = http_client_trace_warning(app->http);

	if (app->options->token_warning)
		cli_print_error("gatehouse: warning: %s", app->options->token_warning);
	if (trace_warning)
		cli_print_error("gatehouse: warning: %s", trace_warning);
}

static bool load_theme(const char *name, char *err, size_t errlen)
{
	struct theme theme;

	if (!name) {
		theme_default(&theme);
	} else if (!theme_load(name, &theme, err, errlen)) {
		return false;
	}
	theme_use(&theme);
	return true;
}

/* Paint the first screen from the cache alone, before anything is asked of the network. */
static void first_paint(struct app *app)
{
	size_t rows = app->screen.rows > 0 ? (size_t)app->screen.rows : 24;

	app->connection = SYNC_CONNECTING;
	cache_get_synced_at(app->cache, &app->synced_at);
	app_load_cached_principal(app);
	app_refresh_outbox_count(app);
	/* The metrics load when first drawn: computing them must not delay the lists. */
	app->panes[PANE_PENDING]->ops->reload(app->panes[PANE_PENDING], rows);
	app->panes[PANE_GRANTS]->ops->reload(app->panes[PANE_GRANTS], rows);
	app_draw(app);
	/* The full lists load on the next turn of the loop, after the first paint is out. */
	app->reload |= SYNC_CHANGED_REQUESTS | SYNC_CHANGED_GRANTS;
}

/*
 * Send what an earlier run left queued or half sent, at once. An action
 * that run had sent when it was killed goes again with its Idempotency-Key,
 * so the broker applies it once.
 */
static void resume_outbox(struct app *app)
{
	int64_t requeued = outbox_sender_resume(app->outbox);

	if (requeued < 0)
		app_status(app, STATUS_ERROR, "the outbox could not be read: %s",
			   outbox_last_error(app->outbox));
	else if (requeued > 0)
		app_status(app, STATUS_INFO, "sending again %lld action%s that the last run sent "
			   "without recording the answer", (long long)requeued, requeued == 1 ? "" : "s");
	app_refresh_outbox_count(app);
}

/* The metrics views ask for the broker's figures through this. */
static void want_metrics(struct app *app, int64_t window_seconds)
{
	metrics_client_fetch(app->metrics, window_seconds, time_now());
}

/* A fetch ended: the figures, or the failure the views explain, are in the cache. */
static void on_metrics_fetched(void *ctx, int64_t window_seconds, const char *error)
{
	struct app *app = ctx;

	(void)window_seconds;
	(void)error;
	app->panes[PANE_METRICS]->ops->reload(app->panes[PANE_METRICS], 0);
	app->metrics_strip->ops->reload(app->metrics_strip, 0);
	app->dirty = true;
}

static void close_app(struct app *app)
{
	app_action_reset(app);
	app_batch_free(app);
	free(app->queued);
	free(app->queued_kinds);
	while (app->overlay_count > 0)
		app_close_overlay(app);
	for (int i = 0; i < PANE_COUNT; i++)
		if (app->panes[i])
			app->panes[i]->ops->destroy(app->panes[i]);
	if (app->metrics_strip)
		app->metrics_strip->ops->destroy(app->metrics_strip);
	metrics_client_free(app->metrics);
	outbox_sender_free(app->outbox);
	sync_free(app->sync);
	http_client_free(app->http);
	cache_close(app->cache);
}

/* Load the key bindings; returns -1 to go on, or 2 after printing what is wrong in which file. */
static int load_keys(const struct console_options *options)
{
	char err[1024];

	if (console_config_load_keys(options->config_path, options->keys_text, err, sizeof err))
		return -1;
	cli_print_error("gatehouse: %s", err);
	return 2;
}

static int run_console(struct console_options *options)
{
	struct app app = { .options = options };
	char err[1024];
	int status = 1;

	/* A theme that is missing or invalid is bad configuration, as a bad config file is. */
	if (!load_theme(options->theme, err, sizeof err)) {
		cli_print_error("gatehouse: %s", err);
		return 2;
	}
	if (!open_cache(&app, err, sizeof err) || !open_client(&app, err, sizeof err) ||
	    !signals_open(err, sizeof err)) {
		cli_print_error("gatehouse: %s", err);
		close_app(&app);
		return 1;
	}
	print_startup_warnings(&app);
	app.panes[PANE_PENDING] = pending_view_new(&app);
	app.panes[PANE_GRANTS] = grants_view_new(&app);
	app.metrics = metrics_client_new(app.http, app.cache, on_metrics_fetched, &app);
	app.panes[PANE_METRICS] = metrics_view_new(&app, want_metrics);
	app.panes[PANE_POLICY] = policy_view_new(&app);
	app.metrics_strip = metrics_strip_new(&app, want_metrics);
	if (!screen_start(&app.screen, err, sizeof err)) {
		cli_print_error("gatehouse: %s", err);
	} else {
		atexit(screen_stop);
		first_paint(&app);
		/* Shorter than the stderr warning, so that the fix fits on the status line. */
		if (options->token_warning)
			app_status(&app, STATUS_WARNING, "other users can read the token file: run "
				   "chmod 600 %s", options->token_source);
		sync_start(app.sync);
		resume_outbox(&app);
		status = app_run(&app);
		screen_stop();
		app_refresh_outbox_count(&app);
		if (app.outbox_pending > 0)
			cli_print_error("gatehouse: %lld action%s still queued; %s sent the next time "
				"gatehouse connects to %s", (long long)app.outbox_pending,
				app.outbox_pending == 1 ? " is" : "s are", app.outbox_pending == 1 ? "it is" :
				"they are", options->url);
	}
	signals_close();
	close_app(&app);
	return status;
}

/*
 * Find the subcommand in argv, after any console options ("gatehouse --broker
 * prod requests list"). Returns its index, or 0 when there is none.
 */
static int command_position(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (argv[i][0] != '-')
			return console_command_find(argv[i]) ? i : 0;
		if (console_option_takes_value(argv[i]))
			i++;
	}
	return 0;
}

/*
 * Move the subcommand at argv[at] to the front and the options before it to
 * the end (before a "--"), so that the subcommand and its own verb ("requests
 * list") parse them as their own. The caller frees the copy.
 */
static char **command_first(int argc, char **argv, int at)
{
	char **moved = xcalloc((size_t)argc + 1, sizeof *moved);
	int end = at + 1, n = 0;

	while (end < argc && strcmp(argv[end], "--") != 0)
		end++;
	moved[n++] = argv[at];
	for (int i = at + 1; i < end; i++)
		moved[n++] = argv[i];
	for (int i = 1; i < at; i++)
		moved[n++] = argv[i];
	for (int i = end; i < argc; i++)
		moved[n++] = argv[i];
	return moved;
}

int main(int argc, char **argv)
{
	struct console_options options;
	int status;

	protect_memory();
	setlocale(LC_ALL, "");
	int at = command_position(argc, argv);
	if (at > 0) {
		const struct console_command *command = console_command_find(argv[at]);
		char **moved = command_first(argc, argv, at);
		status = command->run(argc - 1, moved);
		free(moved);
		return status;
	}
	status = console_options_parse(argc, argv, &options);
	if (status < 0)
		status = load_keys(&options);
	if (status < 0)
		status = run_console(&options);
	console_options_free(&options);
	return status;
}
