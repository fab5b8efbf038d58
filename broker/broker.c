#include "broker/broker.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Enough connections that the reaper and the demo never wait behind HTTP threads for long. */
#define DEFAULT_POOL_SIZE 8

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
}

bool broker_init(struct broker *b, const struct broker_config *config, char *err, size_t errlen)
{
	memset(b, 0, sizeof *b);
	b->config = *config;
	pthread_mutex_init(&b->change_lock, NULL);
	pthread_cond_init(&b->changed, NULL);
	b->pool = store_pool_open(config->db_path, config->pool_size, err, errlen);
	if (!b->pool)
		return false;

	struct store *s = store_pool_acquire(b->pool);
	snprintf(b->broker_id, sizeof b->broker_id, "%s", store_broker_id(s));
	store_pool_release(b->pool, s);
	return true;
}

void broker_destroy(struct broker *b)
{
	store_pool_close(b->pool);
	b->pool = NULL;
	pthread_mutex_destroy(&b->change_lock);
	pthread_cond_destroy(&b->changed);
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
	pthread_mutex_unlock(&b->change_lock);
}

uint64_t broker_generation(struct broker *b)
{
	pthread_mutex_lock(&b->change_lock);
	uint64_t generation = b->generation;
	pthread_mutex_unlock(&b->change_lock);
	return generation;
}

bool broker_wait_change(struct broker *b, uint64_t seen, int64_t deadline_ms)
{
	struct timespec deadline = {
		.tv_sec = (time_t)(deadline_ms / 1000),
		.tv_nsec = (long)(deadline_ms % 1000) * 1000000L,
	};
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
