/* Fetching the broker's policy into the cache, and asking the broker for a simulation. */

#include "client/policy.h"

#include <stdio.h>
#include <stdlib.h>

#include "cache/policy.h"
#include "common/alloc.h"
#include "common/timeutil.h"

struct policy_client {
	struct http_client *http;
	struct cache *cache;
	policy_fetched_callback fetched;
	void *ctx;
	struct http_request *fetch_call;
	struct http_request *simulate_call;
	policy_simulated_callback simulated;
	void *simulated_ctx;
};

struct policy_client *policy_client_new(struct http_client *http, struct cache *cache,
					policy_fetched_callback fetched, void *ctx)
{
	struct policy_client *client = xcalloc(1, sizeof *client);

	client->http = http;
	client->cache = cache;
	client->fetched = fetched;
	client->ctx = ctx;
	return client;
}

void policy_client_free(struct policy_client *client)
{
	if (!client)
		return;
	if (client->fetch_call)
		http_client_cancel(client->http, client->fetch_call);
	if (client->simulate_call)
		http_client_cancel(client->http, client->simulate_call);
	free(client);
}

bool policy_client_fetching(const struct policy_client *client)
{
	return client->fetch_call != NULL;
}

/* Store the policy of a 200 response; returns the error to report, or NULL. */
static const char *keep_policy(struct policy_client *client, const json_t *body, char *message,
			       size_t size)
{
	struct cached_policy policy;
	char err[256];

	if (!cached_policy_from_json(body, &policy, err, sizeof err)) {
		snprintf(message, size, "the broker's policy is not usable: %s", err);
		return message;
	}
	bool stored = cache_policy_store(client->cache, &policy, time_now());

	cached_policy_free(&policy);
	if (stored)
		return NULL;
	snprintf(message, size, "keeping the broker's policy failed: %s",
		 cache_last_error(client->cache));
	return message;
}

static void on_policy(void *ctx, const struct http_response *response)
{
	struct policy_client *client = ctx;
	char message[640];
	const char *error = NULL;

	client->fetch_call = NULL;
	if (response->status == 404 && !cache_policy_forget(client->cache)) {
		snprintf(message, sizeof message, "forgetting the cached policy failed: %s",
			 cache_last_error(client->cache));
		error = message;
	} else if (response->status != 404 && response->error) {
		snprintf(message, sizeof message, "fetching the policy failed: %s", response->error);
		error = message;
	} else if (response->status != 404) {
		error = keep_policy(client, response->json, message, sizeof message);
	}
	if (client->fetched)
		client->fetched(client->ctx, error);
}

bool policy_client_fetch(struct policy_client *client)
{
	if (client->fetch_call)
		return false;
	client->fetch_call = http_client_send(client->http, "GET", "/v1/policy", NULL, NULL,
					      on_policy, client);
	return client->fetch_call != NULL;
}

static void on_simulated(void *ctx, const struct http_response *response)
{
	struct policy_client *client = ctx;
	char message[640];

	client->simulate_call = NULL;
	if (response->error) {
		snprintf(message, sizeof message, "the broker's simulation failed: %s", response->error);
		client->simulated(client->simulated_ctx, NULL, message);
		return;
	}
	client->simulated(client->simulated_ctx, response->json, NULL);
}

bool policy_client_simulate(struct policy_client *client, const char *proposed,
			    policy_simulated_callback done, void *ctx)
{
	json_t *body = json_pack("{ss}", "proposed", proposed);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (!text || !done) {
		free(text);
		return false;
	}
	if (client->simulate_call)
		http_client_cancel(client->http, client->simulate_call);
	client->simulated = done;
	client->simulated_ctx = ctx;
	client->simulate_call = http_client_send(client->http, "POST", "/v1/policy/simulate", text,
						 NULL, on_simulated, client);
	free(text);
	return client->simulate_call != NULL;
}
