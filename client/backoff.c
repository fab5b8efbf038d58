#include "client/backoff.h"

#include <unistd.h>

#include "common/timeutil.h"

/* xorshift64: jitter needs spread, not unpredictability. */
static uint64_t next_random(struct backoff *backoff)
{
	uint64_t x = backoff->random_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	backoff->random_state = x;
	return x;
}

void backoff_init(struct backoff *backoff, int64_t first_ms, int64_t max_ms)
{
	backoff->first_ms = first_ms;
	backoff->max_ms = max_ms;
	backoff->next_base_ms = first_ms;
	backoff->failures = 0;
	/* Seeds differ between consoles started in the same millisecond by the pid. */
	backoff->random_state = ((uint64_t)time_now_ms() << 20) ^ (uint64_t)getpid() ^
				(uint64_t)(uintptr_t)backoff;
	if (backoff->random_state == 0)
		backoff->random_state = 0x9e3779b97f4a7c15u;
}

int64_t backoff_next_delay_ms(struct backoff *backoff)
{
	int64_t base = backoff->next_base_ms;
	/* A factor from 0.8 to 1.2, in thousandths. */
	int64_t per_mille = 800 + (int64_t)(next_random(backoff) % 401);
	int64_t delay = base * per_mille / 1000;

	backoff->failures++;
	backoff->next_base_ms = base * 2 > backoff->max_ms ? backoff->max_ms : base * 2;
	return delay > backoff->max_ms ? backoff->max_ms : delay;
}

int64_t backoff_delay_after_ms(struct backoff *backoff, int64_t retry_after_seconds)
{
	int64_t delay = backoff_next_delay_ms(backoff);

	if (retry_after_seconds < 0)
		return delay;
	if (retry_after_seconds >= BACKOFF_RETRY_AFTER_MAX_MS / 1000)
		return BACKOFF_RETRY_AFTER_MAX_MS;
	delay = retry_after_seconds * 1000;
	return delay < backoff->first_ms ? backoff->first_ms : delay;
}

void backoff_reset(struct backoff *backoff)
{
	backoff->next_base_ms = backoff->first_ms;
	backoff->failures = 0;
}
