#ifndef GATEHOUSE_TIMEUTIL_H
#define GATEHOUSE_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Times in both programs are whole seconds since the Unix epoch, UTC. */

#define RFC3339_LEN 21 /* "2026-12-04T15:11:08Z" and the NUL */

int64_t time_now(void);
/* Milliseconds since the epoch, for deadlines given to pthread_cond_timedwait. */
int64_t time_now_ms(void);
/* Milliseconds from a monotonic clock, for timeouts and measurements. */
int64_t time_monotonic_ms(void);

/* Write t as RFC 3339 UTC ("2026-12-04T15:11:08Z") into out. */
void time_format_rfc3339(int64_t t, char out[RFC3339_LEN]);
/*
 * Parse an RFC 3339 timestamp with a "Z" or a numeric offset; a fractional
 * second is accepted and dropped. Returns false on anything else.
 */
bool time_parse_rfc3339(const char *s, int64_t *out);

/*
 * Parse a duration: a whole number of seconds, or a number followed by s, m, h
 * or d ("90", "15m", "4h", "2d"), or a sequence of those ("1h30m").
 * Returns false unless the whole string is one, or on overflow.
 */
bool duration_parse(const char *s, int64_t *seconds);
/* Write a short form of a duration ("45s", "12m", "3h05m", "2d04h") into out. */
void duration_format(int64_t seconds, char *out, size_t size);

#endif
