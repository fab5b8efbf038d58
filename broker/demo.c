/* Preparing the demo at start-up, and the trickle of new pending requests. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker/demo.h"
#include "broker/requests.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/timeutil.h"

/* The trickle pauses while this many requests are pending, so an idle demo does not pile up. */
#define TRICKLE_PENDING_CAP 150

static bool already_seeded(struct store *s)
{
	char *value = NULL;
	bool seeded = store_meta_get(s, "demo.seeded_at", &value) == STORE_OK;

	free(value);
	return seeded;
}

static bool seed_from_history(struct broker *b, struct store *s, char *err, size_t errlen)
{
	char path[4096];
	struct history h;
	int64_t started = time_monotonic_ms();

	if (!demo_find_history(&b->config, path, sizeof path)) {
		snprintf(err, errlen, "the demo history %s was not found; give --history FILE",
			 b->config.history_path ? b->config.history_path : "data/amazon_train.csv");
		return false;
	}
	if (!history_load(path, &h, err, errlen))
		return false;
	bool ok = store_begin_write(s) == STORE_OK &&
		  demo_seed(s, &h, time_now(), b->config.pending_ttl, err, errlen) &&
		  store_commit(s) == STORE_OK;
	if (!ok)
		store_rollback(s);
	else
		log_info("demo: seeded %zu history rows from %s in %lld ms (times are synthetic)",
			 h.count, path, (long long)(time_monotonic_ms() - started));
	history_free(&h);
	return ok;
}

bool demo_prepare(struct broker *b, char *err, size_t errlen)
{
	struct store *s = store_pool_acquire(b->pool);
	char path[4096];
	bool ok = true;

	if (!already_seeded(s))
		ok = seed_from_history(b, s, err, errlen);
	/* After the seed, so that the seeded requests keep the routes that made them. */
	if (ok)
		demo_publish_policy(s, time_now());
	snprintf(path, sizeof path, "%s/demo-tokens.json", b->config.data_dir);
	if (ok && access(path, F_OK) != 0) {
		ok = demo_write_tokens(s, b->config.data_dir, time_now(), err, errlen);
		if (ok)
			log_info("demo: wrote the admin, approver and requester tokens to %s", path);
	}
	store_pool_release(b->pool, s);
	return ok;
}

struct demo_trickle {
	pthread_t thread;
	struct broker *broker;
	struct demo_random random;
};

/* A new request like one from the history: a past requester asking again for a past resource. */
static void add_pending_request(struct demo_trickle *t, struct store *s)
{
	static const char *const roles[] = { "read", "read", "write", "admin" };
	static const char *const reasons[] = {
		"on-call: investigate an alert", "ship the release", "look into a customer ticket",
		"fix a failing job", "prepare the quarterly report",
	};
	int64_t history_count = 0, pending = 0;
	struct access_request past, created;
	struct outcome o;

	if (store_count_requests(s, -1, &history_count) != STORE_OK || history_count == 0 ||
	    store_count_requests(s, REQUEST_PENDING, &pending) != STORE_OK ||
	    pending >= TRICKLE_PENDING_CAP)
		return;
	if (store_get_request(s, 1 + (int64_t)demo_random_below(&t->random, (uint64_t)history_count),
			      &past) != STORE_OK)
		return;

	struct principal actor = { .id = past.requester, .roles = ROLE_REQUESTER };
	struct new_request in = {
		.resource = past.resource,
		.role = roles[demo_random_below(&t->random, 4)],
		.reason = reasons[demo_random_below(&t->random, 5)],
		.duration_seconds = 3600 * (1 + (int64_t)demo_random_below(&t->random, 4)),
	};
	if (store_begin_write(s) == STORE_OK) {
		requests_create(s, &actor, &in, t->broker->config.pending_ttl, time_now(), &created, &o);
		if (outcome_ok(&o) && store_commit(s) == STORE_OK) {
			log_info("demo: %s requested %s on %s (request %lld)", actor.id, in.role,
				 in.resource, (long long)created.id);
			broker_signal_change(t->broker);
		} else {
			store_rollback(s);
			log_warn("demo: could not add a request: %s", o.detail);
		}
		access_request_free(&created);
	}
	access_request_free(&past);
}

static void *trickle_main(void *arg)
{
	struct demo_trickle *t = arg;
	struct broker *b = t->broker;

	for (;;) {
		if (!broker_sleep_until(b, time_now_ms() + b->config.demo_trickle * 1000))
			return NULL;
		struct store *s = store_pool_acquire(b->pool);
		add_pending_request(t, s);
		store_pool_release(b->pool, s);
	}
}

struct demo_trickle *demo_trickle_start(struct broker *b)
{
	struct demo_trickle *t = xcalloc(1, sizeof *t);

	t->broker = b;
	t->random.state = (uint64_t)time_now();
	if (pthread_create(&t->thread, NULL, trickle_main, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void demo_trickle_join(struct demo_trickle *t)
{
	if (!t)
		return;
	pthread_join(t->thread, NULL);
	free(t);
}
