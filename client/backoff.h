#ifndef GATEHOUSE_CLIENT_BACKOFF_H
#define GATEHOUSE_CLIENT_BACKOFF_H

/*
 * Retry delays after failures: first_ms, doubling on each failure up to
 * max_ms, each varied by up to 20% either way so that many consoles that
 * lost the same broker do not all come back in the same second.
 */

#include <stdint.h>

struct backoff {
	int64_t first_ms;
	int64_t max_ms;
	int64_t next_base_ms;       /* the delay before jitter for the next failure */
	uint64_t random_state;
	unsigned failures;          /* failures since the last reset */
};

void backoff_init(struct backoff *backoff, int64_t first_ms, int64_t max_ms);
/* Count a failure and return the delay before the next try, in milliseconds. */
int64_t backoff_next_delay_ms(struct backoff *backoff);
/* Start again from first_ms after a success. */
void backoff_reset(struct backoff *backoff);

#endif
