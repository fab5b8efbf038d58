#ifndef GATEHOUSE_REAPER_H
#define GATEHOUSE_REAPER_H

/*
 * The reaper thread: expires pending requests and grants in the second their
 * deadline passes, and prunes the event feed and old idempotency keys. On start
 * it first expires everything that fell due while the broker was down.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/broker.h"

struct reaper;

/* Start the thread with a database connection of its own; NULL with a message in err. */
struct reaper *reaper_start(struct broker *b, char *err, size_t errlen);
/* Join the thread; call after broker_signal_stop. */
void reaper_join(struct reaper *r);

/* Expire whatever is due now on s; used by the thread and by tests. Returns false on a store error. */
bool reaper_run_once(struct broker *b, struct store *s, int64_t now);

#endif
