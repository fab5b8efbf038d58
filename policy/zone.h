#ifndef GATEHOUSE_POLICY_ZONE_H
#define GATEHOUSE_POLICY_ZONE_H

/*
 * IANA time zones read from TZif files (RFC 8536, versions 1 to 4) under
 * $TZDIR or /usr/share/zoneinfo, with the POSIX TZ rule at the end of a
 * version 2+ file for times after its last transition. Zones are loaded once
 * per process and kept until it exits, so a pointer from zone_find() never
 * dangles. Safe to call from any thread: unlike localtime(), nothing here
 * depends on the TZ variable.
 */

#include <stdbool.h>
#include <stdint.h>

struct policy_zone;

/*
 * The zone with an IANA name such as "Europe/Berlin" or "UTC", or NULL when
 * the name is not a plain relative path (no "..", no leading "/") or no
 * valid TZif file has that name.
 */
const struct policy_zone *zone_find(const char *name);
const char *zone_name(const struct policy_zone *zone);

/* The zone's offset from UTC at instant t, in seconds east of Greenwich. */
int32_t zone_offset(const struct policy_zone *zone, int64_t t);

/* The local weekday (0 = Monday to 6 = Sunday) and minute of the day (0 to 1439) at t. */
void zone_local_time(const struct policy_zone *zone, int64_t t, int *weekday, int *minute);

#endif
