#ifndef GATEHOUSE_LONG_POLLS_H
#define GATEHOUSE_LONG_POLLS_H

/*
 * Counts the long polls (GET /v1/events with wait > 0) that each principal holds
 * open, so that one principal cannot tie up the server's connections and threads
 * with them. Thread-safe.
 */

#include <stdbool.h>

struct long_polls;

/* A counter that lets each principal hold at most max_per_principal long polls at once. */
struct long_polls *long_polls_create(int max_per_principal);
void long_polls_destroy(struct long_polls *polls);

/* Count a long poll of principal; false, counting nothing, when it already holds the maximum. */
bool long_polls_enter(struct long_polls *polls, const char *principal);
/* End a long poll that long_polls_enter counted. */
void long_polls_leave(struct long_polls *polls, const char *principal);

#endif
