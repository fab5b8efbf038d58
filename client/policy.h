#ifndef GATEHOUSE_CLIENT_POLICY_H
#define GATEHOUSE_CLIENT_POLICY_H

/*
 * The policy pane's calls to the broker: GET /v1/policy into the cache
 * (cache/policy.h), where the pane reads it, and POST /v1/policy/simulate for
 * a simulation over the broker's whole history. Calls go through the
 * http_client's event loop like every other call. Publishing goes through the
 * outbox (outbox_queue_publish in client/outbox.h), like every other write.
 */

#include <jansson.h>
#include <stdbool.h>

#include "cache/cache.h"
#include "client/http.h"

/*
 * Called from http_client_perform() when a fetch ended: error is NULL once
 * the policy is in the cache (or, with none published, gone from it), else a
 * message that may quote the broker (sanitize it before drawing).
 */
typedef void (*policy_fetched_callback)(void *ctx, const char *error);
/*
 * Called when a simulation ended: result is the broker's simulation object
 * (valid during the call; json_incref it to keep it), or NULL with error set.
 */
typedef void (*policy_simulated_callback)(void *ctx, const json_t *result, const char *error);

struct policy_client;

/* A client that uses http and cache, which must outlive it. */
struct policy_client *policy_client_new(struct http_client *http, struct cache *cache,
					policy_fetched_callback fetched, void *ctx);
/* Cancel the client's calls, without callbacks, and free it. */
void policy_client_free(struct policy_client *client);

/* Fetch the active policy. Returns false, sending nothing, while a fetch is in flight. */
bool policy_client_fetch(struct policy_client *client);
bool policy_client_fetching(const struct policy_client *client);

/*
 * Ask the broker to simulate proposed against the active policy over its
 * history. done runs once, unless the client is freed or another simulation
 * replaces this one first. Returns false when the call cannot be started.
 */
bool policy_client_simulate(struct policy_client *client, const char *proposed,
			    policy_simulated_callback done, void *ctx);

#endif
