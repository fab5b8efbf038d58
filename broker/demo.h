#ifndef GATEHOUSE_DEMO_H
#define GATEHOUSE_DEMO_H

/*
 * The demo: a broker seeded from a real access-request history (the Amazon
 * employee access data in data/amazon_train.csv), with synthetic timestamps
 * from a fixed seed, three demo principals with tokens, and a trickle of new
 * pending requests so that there is always something to triage.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/broker.h"

#define DEMO_ADMIN "demo-admin"
#define DEMO_APPROVER "demo-approver"
#define DEMO_REQUESTER "demo-requester"

/*
 * Seed the database when it has not been seeded yet, and make sure the data
 * directory holds demo-tokens.json (issuing new tokens when it does not).
 */
bool demo_prepare(struct broker *b, char *err, size_t errlen);

struct demo_trickle;
/* Start the thread that adds a pending request every config.demo_trickle seconds. */
struct demo_trickle *demo_trickle_start(struct broker *b);
void demo_trickle_join(struct demo_trickle *t);

/* A small deterministic generator (splitmix64), so that every seed is the same. */
struct demo_random {
	uint64_t state;
};

uint64_t demo_random_next(struct demo_random *r);
/* A whole number in [0, bound). */
uint64_t demo_random_below(struct demo_random *r, uint64_t bound);

/* One row of the history CSV. */
struct history_row {
	bool approved;
	long resource;
	long manager;
	long attributes[7];  /* rollup 1, rollup 2, department, title, family description, family, role code */
};

struct history {
	struct history_row *rows;
	size_t count;
};

/* Find the history file: the configured path, else data/ in the source tree or the share directory. */
bool demo_find_history(const struct broker_config *config, char *path, size_t size);
/* Find data/NAME in the source tree, the share directory or the working directory. */
bool demo_find_data(const char *name, char *path, size_t size);
bool history_load(const char *path, struct history *out, char *err, size_t errlen);
void history_free(struct history *h);

/* The seed itself, inside one write transaction on s. */
bool demo_seed(struct store *s, const struct history *h, int64_t now, int64_t pending_ttl,
	       char *err, size_t errlen);

/*
 * Publish data/demo.policy as the first policy, by demo-admin, when the database
 * has none. Only logs why when the file is missing or does not pass the lint, so
 * that the demo then runs on its routes.
 */
void demo_publish_policy(struct store *s, int64_t now);

/* Issue tokens for the three demo principals and write them to DIR/demo-tokens.json (mode 0600). */
bool demo_write_tokens(struct store *s, const char *data_dir, int64_t now, char *err, size_t errlen);

#endif
