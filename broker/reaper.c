#include "broker/reaper.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "broker/grants.h"
#include "broker/requests.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/timeutil.h"

/* The longest the reaper sleeps, so a deadline set by another process is never missed for long. */
#define POLL_INTERVAL_MS 1000
#define PRUNE_INTERVAL_SECONDS 60

struct reaper {
	pthread_t thread;
	struct broker *broker;
	/* A connection outside the pool, so that borrowers who hold every pooled one never delay an expiry. */
	struct store *store;
};

static bool expire_due(struct store *s, int64_t now, size_t *requests, size_t *grants)
{
	struct outcome o;

	requests_expire_due(s, now, requests, &o);
	if (outcome_ok(&o))
		grants_expire_due(s, now, grants, &o);
	if (!outcome_ok(&o))
		log_error("reaper: %s: %s", o.detail, store_last_error(s));
	return outcome_ok(&o);
}

bool reaper_run_once(struct broker *b, struct store *s, int64_t now)
{
	int64_t next = 0;
	size_t requests = 0, grants = 0;
	bool ok = store_next_deadline(s, &next) == STORE_OK;

	if (ok && next != 0 && next <= now) {
		ok = store_begin_write(s) == STORE_OK && expire_due(s, now, &requests, &grants) &&
		     store_commit(s) == STORE_OK;
		if (!ok)
			store_rollback(s);
	}
	if (requests + grants > 0) {
		log_info("reaper: expired %zu pending requests and %zu grants", requests, grants);
		broker_signal_change(b);
	}
	return ok;
}

static void prune(struct broker *b, struct store *s, int64_t now)
{
	if (store_begin_write(s) != STORE_OK ||
	    store_prune_events(s, b->config.event_retention) != STORE_OK ||
	    store_prune_idempotent(s, now - b->config.idempotency_ttl) != STORE_OK ||
	    store_commit(s) != STORE_OK) {
		log_warn("reaper: pruning failed: %s", store_last_error(s));
		store_rollback(s);
	}
}

/* Milliseconds since the epoch at which to look again: the next deadline, at most a second away. */
static int64_t next_wake_ms(struct store *s)
{
	int64_t next = 0;
	int64_t wake = time_now_ms() + POLL_INTERVAL_MS;

	if (store_next_deadline(s, &next) == STORE_OK && next != 0 && next * 1000 < wake)
		wake = next * 1000;
	return wake;
}

static void *reaper_main(void *arg)
{
	struct reaper *r = arg;
	struct broker *b = r->broker;
	int64_t last_prune = 0;

	for (;;) {
		int64_t now = time_now();
		reaper_run_once(b, r->store, now);
		if (now - last_prune >= PRUNE_INTERVAL_SECONDS) {
			prune(b, r->store, now);
			last_prune = now;
		}
		/*
		 * Wait only for the clock: a change never sets a deadline less than a second
		 * away (--pending-ttl is at least 1 s, a grant at least 60 s), so sleeping
		 * through changes misses nothing and spares a wake-up per write.
		 */
		if (!broker_sleep_until(b, next_wake_ms(r->store)))
			return NULL;
	}
}

struct reaper *reaper_start(struct broker *b, char *err, size_t errlen)
{
	struct reaper *r = xcalloc(1, sizeof *r);

	r->broker = b;
	r->store = store_pool_open_private(b->pool, err, errlen);
	if (!r->store) {
		free(r);
		return NULL;
	}
	if (pthread_create(&r->thread, NULL, reaper_main, r) != 0) {
		snprintf(err, errlen, "cannot start the reaper thread");
		store_close(r->store);
		free(r);
		return NULL;
	}
	return r;
}

void reaper_join(struct reaper *r)
{
	if (!r)
		return;
	pthread_join(r->thread, NULL);
	store_close(r->store);
	free(r);
}
