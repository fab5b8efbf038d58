#ifndef GATEHOUSE_CLIENT_BACKOFF_H
#define GATEHOUSE_CLIENT_BACKOFF_H

/*
 * Retry delays after failures: first_ms, doubling on each failure up to
 * max_ms, each varied by up to 20% either way so that many consoles that
 * lost the same broker do not all come back in the same second.
 */

#include <stdint.h>

/*
 * The longest wait a server's Retry-After may impose, in milliseconds: a
 * broker that asks for hours is waited on this long, then asked again.
 */
#define BACKOFF_RETRY_AFTER_MAX_MS (10 * 60 * 1000)

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
/*
 * Count a failure whose response carried Retry-After (retry_after_seconds,
 * -1 for none, as in struct http_response) and return the delay before the
 * next try: what the server asked for, but never less than first_ms nor more
 * than BACKOFF_RETRY_AFTER_MAX_MS. Without Retry-After, as backoff_next_delay_ms.
 */
int64_t backoff_delay_after_ms(struct backoff *backoff, int64_t retry_after_seconds);
/* Start again from first_ms after a success. */
void backoff_reset(struct backoff *backoff);

#endif
