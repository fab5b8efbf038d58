#ifndef GATEHOUSE_CLIENT_METRICS_H
#define GATEHOUSE_CLIENT_METRICS_H

/*
 * Fetches the broker's metrics (GET /v1/metrics) for the console's metrics pane
 * and keeps them in the cache (cache_metrics_store), where the pane reads them.
 * Calls go through the http_client's event loop like every other call, so a
 * fetch never blocks the screen.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cache/cache.h"
#include "client/http.h"

/*
 * Called from http_client_perform() when a fetch for window_seconds ended: error
 * is NULL once the figures are in the cache, else a message that may quote the
 * broker (sanitize it before drawing). error is valid only during the call.
 */
typedef void (*metrics_fetched_callback)(void *ctx, int64_t window_seconds, const char *error);

struct metrics_client;

/* A client that uses http and cache, which must outlive it. */
struct metrics_client *metrics_client_new(struct http_client *http, struct cache *cache,
					  metrics_fetched_callback done, void *ctx);
/* Cancel the client's calls, without callbacks, and free it. */
void metrics_client_free(struct metrics_client *client);

/*
 * Ask for the window of window_seconds that ends at now, with the pane's step
 * (metrics_window_ending). Returns false, and sends nothing, while a fetch for
 * that window is in flight, when METRICS_CLIENT_WINDOWS others are, or when the
 * call cannot be started.
 */
bool metrics_client_fetch(struct metrics_client *client, int64_t window_seconds, int64_t now);
/* Whether a fetch for window_seconds is in flight. */
bool metrics_client_busy(const struct metrics_client *client, int64_t window_seconds);

/* The most windows fetched at once: the pane offers three. */
#define METRICS_CLIENT_WINDOWS 4

#endif
