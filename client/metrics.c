/* Fetching /v1/metrics into the cache for the metrics pane. */

#include "client/metrics.h"

#include <stdio.h>
#include <stdlib.h>

#include "cache/metrics.h"
#include "common/alloc.h"
#include "common/timeutil.h"

/* One window's call in flight. */
struct metrics_fetch {
	struct metrics_client *client;
	struct http_request *call;     /* NULL while the slot is free */
	int64_t window_seconds;
};

struct metrics_client {
	struct http_client *http;
	struct cache *cache;
	metrics_fetched_callback done;
	void *ctx;
	struct metrics_fetch fetches[METRICS_CLIENT_WINDOWS];
};

struct metrics_client *metrics_client_new(struct http_client *http, struct cache *cache,
					  metrics_fetched_callback done, void *ctx)
{
	struct metrics_client *client = xcalloc(1, sizeof *client);

	client->http = http;
	client->cache = cache;
	client->done = done;
	client->ctx = ctx;
	for (int i = 0; i < METRICS_CLIENT_WINDOWS; i++)
		client->fetches[i].client = client;
	return client;
}

void metrics_client_free(struct metrics_client *client)
{
	if (!client)
		return;
	for (int i = 0; i < METRICS_CLIENT_WINDOWS; i++)
		if (client->fetches[i].call)
			http_client_cancel(client->http, client->fetches[i].call);
	free(client);
}

static struct metrics_fetch *find_fetch(const struct metrics_client *client, int64_t window_seconds)
{
	for (int i = 0; i < METRICS_CLIENT_WINDOWS; i++) {
		const struct metrics_fetch *f = &client->fetches[i];
		if (f->call && f->window_seconds == window_seconds)
			return (struct metrics_fetch *)f;
	}
	return NULL;
}

bool metrics_client_busy(const struct metrics_client *client, int64_t window_seconds)
{
	return find_fetch(client, window_seconds) != NULL;
}

/* Report a failed fetch, after noting it in the cache for the pane. */
static void fail(struct metrics_fetch *fetch, const char *message)
{
	struct metrics_client *client = fetch->client;

	cache_metrics_note_failure(client->cache, fetch->window_seconds, message, time_now());
	client->done(client->ctx, fetch->window_seconds, message);
}

/* Check that the body decodes before it replaces what the pane shows, then keep it. */
static void keep_figures(struct metrics_fetch *fetch, const struct http_response *response)
{
	struct metrics_client *client = fetch->client;
	struct metrics_figures figures;
	char err[256], message[320];

	if (!metrics_figures_from_json(response->json, &figures, err, sizeof err)) {
		snprintf(message, sizeof message, "the broker's metrics are not usable: %s", err);
		fail(fetch, message);
		return;
	}
	metrics_figures_free(&figures);
	if (!cache_metrics_store(client->cache, fetch->window_seconds, response->body, time_now())) {
		snprintf(message, sizeof message, "keeping the broker's metrics failed: %s",
			 cache_last_error(client->cache));
		fail(fetch, message);
		return;
	}
	client->done(client->ctx, fetch->window_seconds, NULL);
}

static void on_metrics(void *ctx, const struct http_response *response)
{
	struct metrics_fetch *fetch = ctx;
	char message[640];

	fetch->call = NULL;
	if (response->error) {
		snprintf(message, sizeof message, "fetching metrics failed: %s", response->error);
		fail(fetch, message);
		return;
	}
	keep_figures(fetch, response);
}

bool metrics_client_fetch(struct metrics_client *client, int64_t window_seconds, int64_t now)
{
	struct metrics_fetch *fetch = NULL;
	char path[128], from_text[RFC3339_LEN];
	int64_t from, step;
	size_t points;

	if (find_fetch(client, window_seconds))
		return false;
	for (int i = 0; i < METRICS_CLIENT_WINDOWS && !fetch; i++)
		if (!client->fetches[i].call)
			fetch = &client->fetches[i];
	if (!fetch)
		return false;
	metrics_window_ending(window_seconds, now, &from, &step, &points);
	time_format_rfc3339(from, from_text);
	snprintf(path, sizeof path, "/v1/metrics?from=%s&step=%lld", from_text, (long long)step);
	fetch->window_seconds = window_seconds;
	fetch->call = http_client_send(client->http, "GET", path, NULL, NULL, on_metrics, fetch);
	return fetch->call != NULL;
}
