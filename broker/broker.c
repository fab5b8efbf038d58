#include "broker/broker.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Enough connections that the reaper and the demo never wait behind HTTP threads for long. */
#define DEFAULT_POOL_SIZE 8
/* A 50-row page of requests is about 20 KB, so 8 MiB has room for every page a few consoles read. */
#define DEFAULT_PAGE_CACHE_BYTES (8 * 1024 * 1024)
/* Bounds the page cache's linear search as well as its memory. */
#define PAGE_CACHE_ENTRIES 256
/*
 * Room for the tests and the benchmark, which open up to about 64 connections at
 * once from loopback, while one address can take only a quarter of the server's
 * 256 connections.
 */
#define DEFAULT_MAX_CONNECTIONS_PER_IP 64
/* Long enough for a client between two calls; a long poll is not idle (see http_server.c). */
#define DEFAULT_IDLE_TIMEOUT_SECONDS 30
/* A console holds one long poll; eight leave room for a few consoles of one person. */
#define DEFAULT_MAX_LONG_POLLS 8

void broker_config_defaults(struct broker_config *config)
{
	memset(config, 0, sizeof *config);
	config->listen = "127.0.0.1:8080";
	config->data_dir = ".";
	config->pending_ttl = 24 * 3600;
	config->event_retention = 100000;
	config->idempotency_ttl = 24 * 3600;
	config->demo_trickle = 20;
	config->pool_size = DEFAULT_POOL_SIZE;
	config->page_cache_bytes = DEFAULT_PAGE_CACHE_BYTES;
	config->max_connections_per_ip = DEFAULT_MAX_CONNECTIONS_PER_IP;
	config->idle_timeout = DEFAULT_IDLE_TIMEOUT_SECONDS;
	config->max_long_polls = DEFAULT_MAX_LONG_POLLS;
}

bool broker_init(struct broker *b, const struct broker_config *config, char *err, size_t errlen)
{
	memset(b, 0, sizeof *b);
	b->config = *config;
	pthread_mutex_init(&b->change_lock, NULL);
	pthread_cond_init(&b->changed, NULL);
	pthread_cond_init(&b->stopped, NULL);
	pthread_mutex_init(&b->verify_lock, NULL);
	pthread_mutex_init(&b->simulate_lock, NULL);
	b->pool = store_pool_open(config->db_path, config->pool_size, err, errlen);
	if (!b->pool)
		return false;
	b->long_polls = long_polls_create(config->max_long_polls);
	b->pages = page_cache_create(PAGE_CACHE_ENTRIES, config->page_cache_bytes);

	struct store *s = store_pool_acquire(b->pool);
	snprintf(b->broker_id, sizeof b->broker_id, "%s", store_broker_id(s));
	store_pool_release(b->pool, s);
	return true;
}

void broker_destroy(struct broker *b)
{
	store_pool_close(b->pool);
	b->pool = NULL;
	page_cache_destroy(b->pages);
	b->pages = NULL;
	long_polls_destroy(b->long_polls);
	b->long_polls = NULL;
	pthread_mutex_destroy(&b->verify_lock);
	pthread_mutex_destroy(&b->simulate_lock);
	pthread_mutex_destroy(&b->change_lock);
	pthread_cond_destroy(&b->changed);
	pthread_cond_destroy(&b->stopped);
}

void broker_signal_change(struct broker *b)
{
	pthread_mutex_lock(&b->change_lock);
	b->generation++;
	pthread_cond_broadcast(&b->changed);
	pthread_mutex_unlock(&b->change_lock);
}

void broker_signal_stop(struct broker *b)
{
	pthread_mutex_lock(&b->change_lock);
	b->stopping = true;
	pthread_cond_broadcast(&b->changed);
	pthread_cond_broadcast(&b->stopped);
	pthread_mutex_unlock(&b->change_lock);
}

uint64_t broker_generation(struct broker *b)
{
	pthread_mutex_lock(&b->change_lock);
	uint64_t generation = b->generation;
	pthread_mutex_unlock(&b->change_lock);
	return generation;
}

static struct timespec deadline_timespec(int64_t deadline_ms)
{
	return (struct timespec){
		.tv_sec = (time_t)(deadline_ms / 1000),
		.tv_nsec = (long)(deadline_ms % 1000) * 1000000L,
	};
}

bool broker_wait_change(struct broker *b, uint64_t seen, int64_t deadline_ms)
{
	struct timespec deadline = deadline_timespec(deadline_ms);
	bool running;

	pthread_mutex_lock(&b->change_lock);
	while (!b->stopping && b->generation == seen) {
		if (pthread_cond_timedwait(&b->changed, &b->change_lock, &deadline) == ETIMEDOUT)
			break;
	}
	running = !b->stopping;
	pthread_mutex_unlock(&b->change_lock);
	return running;
}

bool broker_sleep_until(struct broker *b, int64_t deadline_ms)
{
	struct timespec deadline = deadline_timespec(deadline_ms);
	bool running;

	pthread_mutex_lock(&b->change_lock);
	while (!b->stopping) {
		if (pthread_cond_timedwait(&b->stopped, &b->change_lock, &deadline) == ETIMEDOUT)
			break;
	}
	running = !b->stopping;
	pthread_mutex_unlock(&b->change_lock);
	return running;
}
