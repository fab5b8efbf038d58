#include "common/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int64_t time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 3339 has four-digit years; times outside them cannot be written, so none is accepted. */
#define YEAR_MIN 0
#define YEAR_MAX 9999

void time_format_rfc3339(int64_t t, char out[RFC3339_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 < YEAR_MIN || tm.tm_year + 1900 > YEAR_MAX) {
		snprintf(out, RFC3339_LEN, "1970-01-01T00:00:00Z");
		return;
	}
	/*
	 * %04d rather than strftime's %Y, which writes year 999 as "999". The fields
	 * are in range here, so the text is exactly RFC3339_LEN - 1 characters.
	 */
	char text[64];
	snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(out, text, RFC3339_LEN - 1);
	out[RFC3339_LEN - 1] = '\0';
}

static bool parse_digits(const char **p, int count, int *out)
{
	int v = 0;

	for (int i = 0; i < count; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += count;
	*out = v;
	return true;
}

static bool expect_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool parse_offset(const char **p, int *offset_seconds)
{
	int sign, hours, minutes;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*offset_seconds = 0;
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!parse_digits(p, 2, &hours) || !expect_char(p, ':') ||
	    !parse_digits(p, 2, &minutes) || hours > 23 || minutes > 59)
		return false;
	*offset_seconds = sign * (hours * 3600 + minutes * 60);
	return true;
}

bool time_parse_rfc3339(const char *s, int64_t *out)
{
	const char *p = s;
	int year, month, day, hour, minute, second, offset;

	if (!parse_digits(&p, 4, &year) || !expect_char(&p, '-') ||
	    !parse_digits(&p, 2, &month) || !expect_char(&p, '-') ||
	    !parse_digits(&p, 2, &day))
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	if (!parse_digits(&p, 2, &hour) || !expect_char(&p, ':') ||
	    !parse_digits(&p, 2, &minute) || !expect_char(&p, ':') ||
	    !parse_digits(&p, 2, &second))
		return false;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (!parse_offset(&p, &offset) || *p != '\0')
		return false;
	if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
	    minute > 59 || second > 60)
		return false;

	struct tm tm = {
		.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
		.tm_hour = hour, .tm_min = minute, .tm_sec = second,
	};
	time_t t = timegm(&tm);
	if (tm.tm_mday != day) /* timegm normalised an impossible date such as 02-31 */
		return false;
	int64_t utc = (int64_t)t - offset;
	time_t check = (time_t)utc;
	struct tm in_utc;
	/* An offset can move a time across a year boundary: the UTC year must fit too. */
	if (!gmtime_r(&check, &in_utc) || in_utc.tm_year + 1900 < YEAR_MIN ||
	    in_utc.tm_year + 1900 > YEAR_MAX)
		return false;
	*out = utc;
	return true;
}

static int64_t unit_seconds(char unit)
{
	switch (unit) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	default: return 0;
	}
}

bool duration_parse(const char *s, int64_t *seconds)
{
	const char *p = s;
	int64_t total = 0;
	bool had_unit = false;

	if (!*p)
		return false;
	while (*p) {
		int64_t n = 0;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p)) {
			if (n > (INT64_C(1) << 40))
				return false;
			n = n * 10 + (*p++ - '0');
		}
		int64_t unit = 1;
		if (*p) {
			unit = unit_seconds(*p++);
			if (!unit)
				return false;
			had_unit = true;
		} else if (had_unit) {
			return false; /* a bare number is only valid on its own */
		}
		total += n * unit;
		if (total > (INT64_C(1) << 40))
			return false;
	}
	*seconds = total;
	return true;
}

void duration_format(int64_t seconds, char *out, size_t size)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 60)
		snprintf(out, size, "%llds", (long long)seconds);
	else if (seconds < 3600)
		snprintf(out, size, "%lldm", (long long)(seconds / 60));
	else if (seconds < 86400)
		snprintf(out, size, "%lldh%02lldm", (long long)(seconds / 3600),
			 (long long)(seconds % 3600 / 60));
	else
		snprintf(out, size, "%lldd%02lldh", (long long)(seconds / 86400),
			 (long long)(seconds % 86400 / 3600));
}
