#include "policy/zone.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"

#define ZONE_DIRECTORY "/usr/share/zoneinfo"
#define ZONE_NAME_MAX 255
#define ZONE_NAME_CHARACTERS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-"
/* tzdata's largest file is about 4 KiB ("fat" build, transitions to 2037). */
#define ZONE_FILE_MAX (1024 * 1024)
#define TZIF_HEADER_SIZE 44
/* No zone has ever been more than 26 hours from UTC. */
#define ZONE_OFFSET_LIMIT (26 * 3600)
/* POSIX TZ times of day may run from -167 to 167 hours (RFC 8536, section 3.3.1). */
#define RULE_HOURS_LIMIT 167
/* Instants beyond about 35 million years are clamped, so no arithmetic below overflows. */
#define INSTANT_LIMIT (INT64_C(1) << 50)
#define SECONDS_PER_DAY 86400

enum rule_date_kind {
	DATE_JULIAN_NO_LEAP,        /* Jn: 1 to 365, February 29 never counted */
	DATE_DAY_OF_YEAR,           /* n: 0 to 365, February 29 counted */
	DATE_MONTH_WEEK_DAY,        /* Mm.w.d: weekday d of week w (5 = last) of month m */
};

struct rule_date {
	enum rule_date_kind kind;
	int day;
	int month;
	int week;
	int weekday;                /* 0 = Sunday, as POSIX writes it */
	int32_t seconds;            /* the local time of day of the change */
};

/* A POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3", with offsets east of UTC. */
struct zone_rule {
	int32_t standard_offset;
	bool has_daylight;
	int32_t daylight_offset;
	struct rule_date start;
	struct rule_date end;
};

struct policy_zone {
	char *name;
	int64_t *transitions;       /* ascending */
	uint8_t *transition_types;
	size_t transition_count;
	int32_t *type_offsets;
	size_t type_count;
	bool has_rule;              /* the footer's rule applies after the last transition */
	struct zone_rule rule;
	struct policy_zone *next;
};

struct tzif_counts {
	uint32_t ut_indicators;
	uint32_t std_indicators;
	uint32_t leaps;
	uint32_t times;
	uint32_t types;
	uint32_t chars;
};

static pthread_mutex_t zones_lock = PTHREAD_MUTEX_INITIALIZER;
static struct policy_zone *zones;

/* ---- Calendar arithmetic (days since 1970-01-01, proleptic Gregorian) ---- */

static int64_t floor_divide(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t year, int month, int day)
{
	year -= month <= 2;
	int64_t era = floor_divide(year, 400);
	int64_t year_of_era = year - era * 400;
	int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

	return era * 146097 + day_of_era - 719468;
}

static int64_t year_from_days(int64_t days)
{
	days += 719468;
	int64_t era = floor_divide(days, 146097);
	int64_t day_of_era = days - era * 146097;
	int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
			       day_of_era / 146096) / 365;
	int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	int64_t month_index = (5 * day_of_year + 2) / 153;

	return year_of_era + era * 400 + (month_index >= 10);
}

static bool is_leap_year(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int64_t year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* The weekday of a day number, 0 = Sunday (1970-01-01 was a Thursday). */
static int weekday_from_sunday(int64_t days)
{
	return (int)(((days + 4) % 7 + 7) % 7);
}

/* ---- POSIX TZ rules ---- */

/* The day number on which a rule date falls in a year. */
static int64_t rule_date_day(const struct rule_date *date, int64_t year)
{
	int64_t january_first = days_from_civil(year, 1, 1);

	switch (date->kind) {
	case DATE_JULIAN_NO_LEAP:
		return january_first + date->day - 1 + (is_leap_year(year) && date->day >= 60);
	case DATE_DAY_OF_YEAR:
		return january_first + date->day;
	case DATE_MONTH_WEEK_DAY:
		break;
	}
	int64_t first = days_from_civil(year, date->month, 1);
	int day = 1 + (date->weekday - weekday_from_sunday(first) + 7) % 7 + (date->week - 1) * 7;

	while (day > days_in_month(year, date->month))
		day -= 7;
	return first + day - 1;
}

static int32_t rule_offset(const struct zone_rule *rule, int64_t t)
{
	if (!rule->has_daylight)
		return rule->standard_offset;

	int64_t year = year_from_days(floor_divide(t + rule->standard_offset, SECONDS_PER_DAY));
	/* The start is written in standard time and the end in daylight time. */
	int64_t start = rule_date_day(&rule->start, year) * SECONDS_PER_DAY + rule->start.seconds -
			rule->standard_offset;
	int64_t end = rule_date_day(&rule->end, year) * SECONDS_PER_DAY + rule->end.seconds -
		      rule->daylight_offset;
	bool in_daylight = start < end ? (t >= start && t < end) : !(t >= end && t < start);

	return in_daylight ? rule->daylight_offset : rule->standard_offset;
}

struct rule_reader {
	const char *p;
	const char *end;
};

static bool rule_read_number(struct rule_reader *r, int max, int *out)
{
	int n = 0;

	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return false;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		n = n * 10 + (*r->p++ - '0');
		if (n > max)
			return false;
	}
	*out = n;
	return true;
}

/* A zone abbreviation: three or more letters, or <...> with letters, digits, + and -. */
static bool rule_read_name(struct rule_reader *r)
{
	const char *start = r->p;

	if (r->p < r->end && *r->p == '<') {
		r->p++;
		start = r->p;
		while (r->p < r->end && *r->p != '>')
			r->p++;
		if (r->p >= r->end || r->p - start < 3)
			return false;
		r->p++;
		return true;
	}
	while (r->p < r->end && ((*r->p >= 'A' && *r->p <= 'Z') || (*r->p >= 'a' && *r->p <= 'z')))
		r->p++;
	return r->p - start >= 3;
}

/* [+-]hh[:mm[:ss]] as seconds; hours up to max_hours. */
static bool rule_read_time(struct rule_reader *r, int max_hours, int32_t *out)
{
	int sign = 1, hours, minutes = 0, seconds = 0;

	if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
		sign = *r->p++ == '-' ? -1 : 1;
	if (!rule_read_number(r, max_hours, &hours))
		return false;
	if (r->p < r->end && *r->p == ':') {
		r->p++;
		if (!rule_read_number(r, 59, &minutes))
			return false;
		if (r->p < r->end && *r->p == ':') {
			r->p++;
			if (!rule_read_number(r, 59, &seconds))
				return false;
		}
	}
	*out = sign * (hours * 3600 + minutes * 60 + seconds);
	return true;
}

static bool rule_read_date(struct rule_reader *r, struct rule_date *date)
{
	memset(date, 0, sizeof *date);
	date->seconds = 2 * 3600;
	if (r->p < r->end && *r->p == 'J') {
		r->p++;
		date->kind = DATE_JULIAN_NO_LEAP;
		if (!rule_read_number(r, 365, &date->day) || date->day < 1)
			return false;
	} else if (r->p < r->end && *r->p == 'M') {
		r->p++;
		date->kind = DATE_MONTH_WEEK_DAY;
		if (!rule_read_number(r, 12, &date->month) || date->month < 1 ||
		    r->p >= r->end || *r->p++ != '.' ||
		    !rule_read_number(r, 5, &date->week) || date->week < 1 ||
		    r->p >= r->end || *r->p++ != '.' ||
		    !rule_read_number(r, 6, &date->weekday))
			return false;
	} else {
		date->kind = DATE_DAY_OF_YEAR;
		if (!rule_read_number(r, 365, &date->day))
			return false;
	}
	if (r->p < r->end && *r->p == '/') {
		r->p++;
		return rule_read_time(r, RULE_HOURS_LIMIT, &date->seconds);
	}
	return true;
}

/* Parse a POSIX TZ string; false when it is malformed. */
static bool rule_parse(const char *text, size_t length, struct zone_rule *rule)
{
	struct rule_reader r = { text, text + length };
	int32_t west;

	memset(rule, 0, sizeof *rule);
	if (!rule_read_name(&r) || !rule_read_time(&r, 24, &west))
		return false;
	rule->standard_offset = -west;
	if (r.p == r.end)
		return true;
	if (!rule_read_name(&r))
		return false;
	rule->has_daylight = true;
	rule->daylight_offset = rule->standard_offset + 3600;
	if (r.p < r.end && *r.p != ',') {
		if (!rule_read_time(&r, 24, &west))
			return false;
		rule->daylight_offset = -west;
	}
	/* A daylight name without dates is a legacy form that TZif footers do not use. */
	if (r.p >= r.end || *r.p++ != ',' || !rule_read_date(&r, &rule->start) ||
	    r.p >= r.end || *r.p++ != ',' || !rule_read_date(&r, &rule->end))
		return false;
	return r.p == r.end;
}

/* ---- TZif files ---- */

static uint32_t read_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t read_be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)read_be32(p) << 32 | read_be32(p + 4));
}

static bool read_header(const uint8_t *data, size_t size, size_t at, char *version,
			struct tzif_counts *counts)
{
	if (size < TZIF_HEADER_SIZE || at > size - TZIF_HEADER_SIZE ||
	    memcmp(data + at, "TZif", 4) != 0)
		return false;
	*version = (char)data[at + 4];
	counts->ut_indicators = read_be32(data + at + 20);
	counts->std_indicators = read_be32(data + at + 24);
	counts->leaps = read_be32(data + at + 28);
	counts->times = read_be32(data + at + 32);
	counts->types = read_be32(data + at + 36);
	counts->chars = read_be32(data + at + 40);
	return counts->types >= 1 && counts->types <= 256;
}

/* The size of a data block after its header: 4-byte times in version 1, 8-byte after. */
static uint64_t block_size(const struct tzif_counts *c, unsigned time_size)
{
	return (uint64_t)c->times * time_size + c->times + (uint64_t)c->types * 6 + c->chars +
	       (uint64_t)c->leaps * (time_size + 4) + c->std_indicators + c->ut_indicators;
}

static bool read_block(struct policy_zone *zone, const uint8_t *p, const struct tzif_counts *c,
		       unsigned time_size)
{
	zone->transition_count = c->times;
	zone->type_count = c->types;
	zone->transitions = xcalloc(c->times + 1, sizeof *zone->transitions);
	zone->transition_types = xcalloc(c->times + 1, 1);
	zone->type_offsets = xcalloc(c->types, sizeof *zone->type_offsets);
	for (uint32_t i = 0; i < c->times; i++) {
		zone->transitions[i] = time_size == 8 ? read_be64(p + i * 8) : (int32_t)read_be32(p + i * 4);
		if (i > 0 && zone->transitions[i] <= zone->transitions[i - 1])
			return false;
	}
	p += (size_t)c->times * time_size;
	for (uint32_t i = 0; i < c->times; i++) {
		zone->transition_types[i] = p[i];
		if (p[i] >= c->types)
			return false;
	}
	p += c->times;
	for (uint32_t i = 0; i < c->types; i++) {
		int32_t offset = (int32_t)read_be32(p + i * 6);

		if (offset < -ZONE_OFFSET_LIMIT || offset > ZONE_OFFSET_LIMIT)
			return false;
		zone->type_offsets[i] = offset;
	}
	return true;
}

/* The footer of a version 2+ file: "\nTZ-string\n". An empty string means no rule. */
static bool read_footer(struct policy_zone *zone, const uint8_t *p, size_t left)
{
	if (left < 2 || p[0] != '\n')
		return false;
	const uint8_t *newline = memchr(p + 1, '\n', left - 1);

	if (!newline)
		return false;
	size_t length = (size_t)(newline - p - 1);

	if (length == 0)
		return true;
	zone->has_rule = rule_parse((const char *)p + 1, length, &zone->rule);
	return zone->has_rule;
}

static bool parse_tzif(struct policy_zone *zone, const uint8_t *data, size_t size)
{
	struct tzif_counts counts;
	char version;

	if (!read_header(data, size, 0, &version, &counts))
		return false;
	uint64_t first_size = block_size(&counts, 4);

	if (first_size > size - TZIF_HEADER_SIZE)
		return false;
	/* Leap-second ("right/") zones count time differently from the Unix clock. */
	if (counts.leaps != 0)
		return false;
	if (version == '\0')
		return read_block(zone, data + TZIF_HEADER_SIZE, &counts, 4);

	size_t second = TZIF_HEADER_SIZE + (size_t)first_size;

	if (!read_header(data, size, second, &version, &counts) || counts.leaps != 0)
		return false;
	uint64_t second_size = block_size(&counts, 8);
	size_t body = second + TZIF_HEADER_SIZE;

	if (second_size > size - body)
		return false;
	return read_block(zone, data + body, &counts, 8) &&
	       read_footer(zone, data + body + second_size, size - body - (size_t)second_size);
}

/* A relative path of plain components: no "..", ".", empty components or odd bytes. */
static bool zone_name_valid(const char *name)
{
	size_t length = strlen(name);
	const char *component = name;

	if (length == 0 || length > ZONE_NAME_MAX)
		return false;
	for (const char *p = name;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - component);

			if (n == 0 || (n == 1 && component[0] == '.') ||
			    (n == 2 && component[0] == '.' && component[1] == '.'))
				return false;
			if (*p == '\0')
				return true;
			component = p + 1;
		} else if (!strchr(ZONE_NAME_CHARACTERS, *p)) {
			return false;
		}
	}
}

/* Read a whole regular file of at most ZONE_FILE_MAX bytes; NULL on any failure. */
static uint8_t *read_zone_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *data = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size <= ZONE_FILE_MAX) {
		data = xmalloc((size_t)st.st_size);
		size_t done = 0;

		while (done < (size_t)st.st_size) {
			ssize_t n = read(fd, data + done, (size_t)st.st_size - done);

			if (n <= 0)
				break;
			done += (size_t)n;
		}
		if (done != (size_t)st.st_size) {
			free(data);
			data = NULL;
		}
		*size = done;
	}
	close(fd);
	return data;
}

static void zone_destroy(struct policy_zone *zone)
{
	free(zone->name);
	free(zone->transitions);
	free(zone->transition_types);
	free(zone->type_offsets);
	free(zone);
}

static struct policy_zone *zone_load(const char *name)
{
	const char *directory = getenv("TZDIR");
	char path[4096];
	size_t size = 0;

	if (!directory || directory[0] != '/')
		directory = ZONE_DIRECTORY;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", directory, name) >= sizeof path)
		return NULL;
	uint8_t *data = read_zone_file(path, &size);

	if (!data)
		return NULL;
	struct policy_zone *zone = xcalloc(1, sizeof *zone);
	bool ok = parse_tzif(zone, data, size);

	free(data);
	if (!ok) {
		zone_destroy(zone);
		return NULL;
	}
	zone->name = xstrdup(name);
	return zone;
}

const struct policy_zone *zone_find(const char *name)
{
	struct policy_zone *zone;

	if (!zone_name_valid(name))
		return NULL;
	pthread_mutex_lock(&zones_lock);
	for (zone = zones; zone; zone = zone->next)
		if (strcmp(zone->name, name) == 0)
			break;
	if (!zone) {
		zone = zone_load(name);
		if (zone) {
			zone->next = zones;
			zones = zone;
		}
	}
	pthread_mutex_unlock(&zones_lock);
	return zone;
}

const char *zone_name(const struct policy_zone *zone)
{
	return zone->name;
}

int32_t zone_offset(const struct policy_zone *zone, int64_t t)
{
	size_t count = zone->transition_count;

	if (count == 0)
		return zone->has_rule ? rule_offset(&zone->rule, t) : zone->type_offsets[0];
	if (t < zone->transitions[0])
		return zone->type_offsets[0];
	if (t >= zone->transitions[count - 1] && zone->has_rule)
		return rule_offset(&zone->rule, t);

	size_t low = 0, high = count; /* transitions[low] <= t < transitions[high] */

	while (high - low > 1) {
		size_t middle = low + (high - low) / 2;

		if (zone->transitions[middle] <= t)
			low = middle;
		else
			high = middle;
	}
	return zone->type_offsets[zone->transition_types[low]];
}

void zone_local_time(const struct policy_zone *zone, int64_t t, int *weekday, int *minute)
{
	if (t > INSTANT_LIMIT)
		t = INSTANT_LIMIT;
	if (t < -INSTANT_LIMIT)
		t = -INSTANT_LIMIT;

	int64_t local = t + zone_offset(zone, t);
	int64_t days = floor_divide(local, SECONDS_PER_DAY);

	/* Monday is 0 here: 1970-01-01, day 0, was a Thursday. */
	*weekday = (int)(((days + 3) % 7 + 7) % 7);
	*minute = (int)((local - days * SECONDS_PER_DAY) / 60);
}
