#ifndef GATEHOUSE_REAPER_H
#define GATEHOUSE_REAPER_H

/*
 * The reaper thread: expires pending requests and grants in the second their
 * deadline passes, and prunes the event feed and old idempotency keys. On start
 * it first expires everything that fell due while the broker was down.
 */

#include <stdbool.h>

#include "broker/broker.h"

struct reaper;

struct reaper *reaper_start(struct broker *b);
/* Join the thread; call after broker_signal_stop. */
void reaper_join(struct reaper *r);

/* Expire whatever is due now; used by the thread and by tests. Returns false on a store error. */
bool reaper_run_once(struct broker *b, int64_t now);

#endif
