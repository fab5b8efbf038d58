#ifndef GATEHOUSE_BROKER_H
#define GATEHOUSE_BROKER_H

/* The running broker: its configuration, its connections, and the signal its threads share. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/long_polls.h"
#include "broker/page_cache.h"
#include "broker/store.h"

struct broker_config {
	const char *db_path;
	const char *listen;          /* "127.0.0.1:8080", "[::1]:0", "0.0.0.0:443" */
	const char *port_file;       /* where to write the bound port, or NULL */
	const char *data_dir;        /* where the broker writes its own files */
	const char *history_path;    /* the demo's CSV, or NULL to look in the usual places */
	const char *tls_cert_path;
	const char *tls_key_path;
	bool insecure_http;          /* allow plain HTTP on an address other than loopback */
	bool demo;
	bool quiet;                  /* no access log */
	int64_t pending_ttl;         /* seconds a request may stay pending */
	int64_t event_retention;     /* how many events the feed keeps */
	int64_t idempotency_ttl;     /* seconds an idempotency key is remembered */
	int64_t demo_trickle;        /* seconds between new demo requests, 0 for none */
	int pool_size;               /* database connections shared by the threads */
	size_t page_cache_bytes;     /* memory for cached listing pages, 0 for no cache */
	unsigned max_connections_per_ip; /* open connections from one client address, 0 for no limit */
	int64_t idle_timeout;        /* seconds before a connection with no request in progress is closed */
	int max_long_polls;          /* long polls one principal may hold open at once */
};

struct broker {
	struct broker_config config;
	struct store_pool *pool;
	struct page_cache *pages;    /* serialized listing pages; NULL when turned off */
	struct long_polls *long_polls;
	/* Held by the one GET /v1/audit/verify that runs: each reads the whole trail. */
	pthread_mutex_t verify_lock;
	/* Held by the one POST /v1/policy/simulate that runs: each replays every decided request. */
	pthread_mutex_t simulate_lock;
	char broker_id[33];

	/*
	 * A generation counter bumped after every committed change, with a condition
	 * variable: long-polling feed readers and the reaper wait on it.
	 */
	pthread_mutex_t change_lock;
	pthread_cond_t changed;
	uint64_t generation;
	bool stopping;
	/* Signalled only on stop, so that threads that wait for the clock sleep through changes. */
	pthread_cond_t stopped;
};

void broker_config_defaults(struct broker_config *config);

/* Open the database pool; false with a message in err on failure. */
bool broker_init(struct broker *b, const struct broker_config *config, char *err, size_t errlen);
void broker_destroy(struct broker *b);

/* Wake every thread waiting for a change (call after a commit that changed something). */
void broker_signal_change(struct broker *b);
/* Ask every waiting thread to finish. */
void broker_signal_stop(struct broker *b);
uint64_t broker_generation(struct broker *b);
/*
 * Wait until the generation differs from seen, the broker stops, or the
 * CLOCK_REALTIME deadline in milliseconds passes. Returns false once stopping.
 */
bool broker_wait_change(struct broker *b, uint64_t seen, int64_t deadline_ms);
/*
 * Sleep until the CLOCK_REALTIME deadline in milliseconds or until the broker
 * stops, whichever comes first; changes do not wake the caller. Returns false once stopping.
 */
bool broker_sleep_until(struct broker *b, int64_t deadline_ms);

#endif
