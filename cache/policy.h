#ifndef GATEHOUSE_CACHE_POLICY_H
#define GATEHOUSE_CACHE_POLICY_H

/*
 * The policy pane's data in the cache: the broker's active policy as
 * GET /v1/policy last returned it, the draft the user is editing with the
 * version it was based on, and the history of cached decided requests to
 * simulate a draft against. The policy and the draft live in the meta table,
 * so the pane works offline from the last copy. See cache/cache.h for the
 * error conventions.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"
#include "policy/simulate.h"

/* A published policy as GET /v1/policy and PUT /v1/policy return it. */
struct cached_policy {
	int64_t version;
	char *source;
	char *published_by;         /* NULL when the broker did not say */
	int64_t published_at;       /* 0 when the broker did not say */
	int64_t fetched_at;         /* when the console stored it */
};

void cached_policy_free(struct cached_policy *policy);

/*
 * Decode a policy object of the broker: version (a positive integer) and
 * source are required. Returns false with err naming the field.
 */
bool cached_policy_from_json(const json_t *body, struct cached_policy *out, char *err,
			     size_t errlen);

/*
 * Keep a policy the broker sent as the active one, stamped with fetched_at.
 * A policy older than the one kept is ignored, because a slow GET may end
 * after a publish has stored a newer version.
 */
bool cache_policy_store(struct cache *cache, const struct cached_policy *policy,
			int64_t fetched_at);
/* Load the active policy; CACHE_NOT_FOUND before the first store. Free it with cached_policy_free. */
enum cache_result cache_policy_load(struct cache *cache, struct cached_policy *out);
/* Forget the active policy: the broker has none (404). */
bool cache_policy_forget(struct cache *cache);

/* Keep the user's edited text, based on the active policy of version based_on (0: none). */
bool cache_policy_set_draft(struct cache *cache, const char *text, int64_t based_on);
/* Load the draft into *text (the caller frees it) and *based_on; CACHE_NOT_FOUND without one. */
enum cache_result cache_policy_load_draft(struct cache *cache, char **text, int64_t *based_on);
/* Discard the draft. */
bool cache_policy_discard_draft(struct cache *cache);
/*
 * Store a policy that a publish returned as the active one, and discard the
 * draft when its text is the published source, so that an edit made while
 * the publish was on its way is kept.
 */
bool cache_policy_published(struct cache *cache, const struct cached_policy *policy,
			    int64_t fetched_at);

/*
 * Build a simulation history from the cached requests that people or the
 * policy decided (approved or denied), with the attributes the broker's
 * decision saw (the request's policy.attributes) where the broker stored
 * them. Returns NULL on a cache error. A request that does not decode is
 * skipped and counted in *skipped.
 */
struct policy_history *cache_policy_history(struct cache *cache, size_t *skipped);

#endif
