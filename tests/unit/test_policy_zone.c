/*
 * Time zones read from TZif files, checked against date(1) with TZ set, and
 * time windows across daylight-saving changes.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/timeutil.h"
#include "policy/policy.h"
#include "policy/zone.h"
#include "tests/support/check_main.h"

#define SWEEP_MAX 64

struct local_time {
	int weekday;                /* 1 = Monday, as date's %u */
	int minute;                 /* of the day */
	int offset;                 /* seconds east of UTC */
};

/* The local times of instants in zone, from one run of date(1) with TZ set. */
static void date_local_times(const char *zone, const int64_t *instants, size_t count,
			     struct local_time *out)
{
	char input[] = "/tmp/gatehouse-instants-XXXXXX";
	char command[256], line[64];
	int fd = mkstemp(input);
	FILE *f = fdopen(fd, "w");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < count; i++)
		fprintf(f, "@%lld\n", (long long)instants[i]);
	fclose(f);
	snprintf(command, sizeof command, "TZ='%s' date -f %s '+%%u %%H %%M %%z'", zone, input);

	FILE *p = popen(command, "r");

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < count; i++) {
		int hour, minute, offset;

		ck_assert_ptr_nonnull(fgets(line, sizeof line, p));
		ck_assert_int_eq(sscanf(line, "%d %d %d %d", &out[i].weekday, &hour, &minute, &offset), 4);
		out[i].minute = hour * 60 + minute;
		/* %z is +HHMM or -HHMM. */
		out[i].offset = (offset / 100) * 3600 + (offset % 100) * 60;
	}
	ck_assert_int_eq(pclose(p), 0);
	unlink(input);
}

/* Sweep every 15 minutes from 3 hours before to 3 hours after each change, and its last second. */
struct sweep {
	const char *zone;
	const char *change;         /* the instant of the change, UTC */
};

static const struct sweep sweeps[] = {
	{ "Europe/Berlin", "2026-03-29T01:00:00Z" },
	{ "Europe/Berlin", "2026-10-25T01:00:00Z" },
	{ "America/New_York", "2026-03-08T07:00:00Z" },
	{ "America/New_York", "2026-11-01T06:00:00Z" },
	/* After 2037 the files have no transitions, so the zone's POSIX rule decides. */
	{ "Europe/Berlin", "2040-03-25T01:00:00Z" },
	{ "America/New_York", "2050-11-06T06:00:00Z" },
	/* A southern zone, whose daylight time spans the new year. */
	{ "Australia/Sydney", "2045-04-01T16:00:00Z" },
	{ "Australia/Sydney", "2045-09-30T16:00:00Z" },
};

START_TEST(test_offsets_match_date)
{
	const struct sweep *s = &sweeps[_i];
	const struct policy_zone *zone = zone_find(s->zone);
	int64_t instants[SWEEP_MAX], change;
	struct local_time expected[SWEEP_MAX];
	size_t count = 0;

	ck_assert_msg(zone != NULL, "no zone %s", s->zone);
	ck_assert(time_parse_rfc3339(s->change, &change));
	instants[count++] = change - 1;
	for (int64_t t = change - 3 * 3600; t <= change + 3 * 3600; t += 15 * 60)
		instants[count++] = t;
	date_local_times(s->zone, instants, count, expected);
	for (size_t i = 0; i < count; i++) {
		int weekday, minute;

		zone_local_time(zone, instants[i], &weekday, &minute);
		ck_assert_msg(weekday + 1 == expected[i].weekday && minute == expected[i].minute &&
			      zone_offset(zone, instants[i]) == expected[i].offset,
			      "%s at %lld: weekday %d, %02d:%02d, offset %d; date says %d, %02d:%02d, "
			      "offset %d", s->zone, (long long)instants[i], weekday + 1, minute / 60,
			      minute % 60, zone_offset(zone, instants[i]), expected[i].weekday,
			      expected[i].minute / 60, expected[i].minute % 60, expected[i].offset);
	}
}
END_TEST

/* Hard-coded from TZ=... date -d @T '+%u %H:%M %z', in case the sweep's date(1) is not GNU's. */
START_TEST(test_berlin_changes_hard_coded)
{
	static const struct {
		int64_t t;
		int weekday;
		int minute;
		int offset;
	} cases[] = {
		{ 1774745999, 6, 1 * 60 + 59, 3600 },  /* 2026-03-29 01:59:59 CET */
		{ 1774746000, 6, 3 * 60, 7200 },       /* 03:00:00 CEST: 02:00-03:00 never happens */
		{ 1792889999, 6, 2 * 60 + 59, 7200 },  /* 2026-10-25 02:59:59 CEST */
		{ 1792890000, 6, 2 * 60, 3600 },       /* 02:00:00 CET, the second time */
	};
	const struct policy_zone *zone = zone_find("Europe/Berlin");

	ck_assert_ptr_nonnull(zone);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int weekday, minute;

		zone_local_time(zone, cases[i].t, &weekday, &minute);
		ck_assert_int_eq(weekday, cases[i].weekday);
		ck_assert_int_eq(minute, cases[i].minute);
		ck_assert_int_eq(zone_offset(zone, cases[i].t), cases[i].offset);
	}
}
END_TEST

/* Minutes from start (UTC) for count minutes at which a one-rule policy's rule matches. */
static int matching_minutes(const char *policy_text, const char *start, int count)
{
	struct policy *policy = policy_parse(policy_text, strlen(policy_text), NULL);
	struct policy_request *request;
	struct policy_decision d;
	int64_t t;
	int matched = 0;

	ck_assert_ptr_nonnull(policy);
	ck_assert(time_parse_rfc3339(start, &t));
	request = policy_request_new(policy);
	for (int i = 0; i < count; i++) {
		policy_request_set_time(request, t + i * 60);
		policy_decide(request, &d);
		matched += d.match_count > 0;
	}
	policy_request_free(request);
	policy_free(policy);
	return matched;
}

START_TEST(test_window_across_spring_change)
{
	/* On 2026-03-29 Berlin skips 02:00-03:00, so 01:00-04:00 lasts two hours that day. */
	ck_assert_int_eq(matching_minutes("default deny \"x\"\n"
					  "rule \"r\" { during sun 01:00-04:00 \"Europe/Berlin\" allow }\n",
					  "2026-03-28T12:00:00Z", 24 * 60), 120);
	ck_assert_int_eq(matching_minutes("default deny \"x\"\n"
					  "rule \"r\" { during sun 02:00-03:00 \"Europe/Berlin\" allow }\n",
					  "2026-03-28T12:00:00Z", 24 * 60), 0);
}
END_TEST

START_TEST(test_window_across_autumn_change)
{
	/* On 2026-10-25 Berlin has 02:00-03:00 twice, so 01:00-04:00 lasts four hours. */
	ck_assert_int_eq(matching_minutes("default deny \"x\"\n"
					  "rule \"r\" { during sun 01:00-04:00 \"Europe/Berlin\" allow }\n",
					  "2026-10-24T12:00:00Z", 24 * 60), 240);
	/* New York on 2026-11-01: 01:00-02:00 happens twice. */
	ck_assert_int_eq(matching_minutes("default deny \"x\"\n"
					  "rule \"r\" { during sun 01:00-02:00 \"America/New_York\" allow }\n",
					  "2026-11-01T00:00:00Z", 24 * 60), 120);
}
END_TEST

START_TEST(test_office_hours_follow_the_change)
{
	static const char text[] =
		"default deny \"x\"\n"
		"rule \"office\" { during mon-fri 09:00-18:00 \"Europe/Berlin\" allow }\n";

	/* Friday 2026-03-27 is on CET (UTC+1), Monday 2026-03-30 on CEST (UTC+2). */
	ck_assert_int_eq(matching_minutes(text, "2026-03-27T07:59:00Z", 2), 1);
	ck_assert_int_eq(matching_minutes(text, "2026-03-27T16:59:00Z", 2), 1);
	ck_assert_int_eq(matching_minutes(text, "2026-03-30T06:59:00Z", 2), 1);
	ck_assert_int_eq(matching_minutes(text, "2026-03-30T15:59:00Z", 2), 1);
	ck_assert_int_eq(matching_minutes(text, "2026-03-30T00:00:00Z", 24 * 60), 9 * 60);
}
END_TEST

START_TEST(test_invalid_names)
{
	static const char *const names[] = {
		"", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe//Berlin",
		"Europe/./Berlin", "Europe/Berlin/", "Europe/Ber lin", "Mars/Olympus", "Europe",
		"right/UTC",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_msg(zone_find(names[i]) == NULL, "accepted \"%s\"", names[i]);
	ck_assert_ptr_nonnull(zone_find("UTC"));
	ck_assert_ptr_eq(zone_find("Europe/Berlin"), zone_find("Europe/Berlin"));
	ck_assert_str_eq(zone_name(zone_find("Asia/Kolkata")), "Asia/Kolkata");
}
END_TEST

/* ---- Hand-made TZif files in a TZDIR of the test's own ---- */

static void put_be32(FILE *f, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	fwrite(b, 1, 4, f);
}

/* A header with counts: isut, isstd, leap, time, type, char. */
static void put_header(FILE *f, char version, const uint32_t counts[6])
{
	fwrite("TZif", 1, 4, f);
	fputc(version, f);
	for (int i = 0; i < 15; i++)
		fputc(0, f);
	for (int i = 0; i < 6; i++)
		put_be32(f, counts[i]);
}

/* A version 2 file with no transitions, one type of offset, and a footer. */
static void write_rule_only_zone(const char *path, int32_t offset, const char *footer)
{
	static const uint32_t counts[6] = { 0, 0, 0, 0, 1, 4 };
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	for (int block = 0; block < 2; block++) {
		put_header(f, '2', counts);
		put_be32(f, (uint32_t)offset);
		fputc(0, f);
		fputc(0, f);
		fwrite("XXX", 1, 4, f);
	}
	fprintf(f, "\n%s\n", footer);
	fclose(f);
}

static char zone_directory[64];

static void make_zone_directory(void)
{
	strcpy(zone_directory, "/tmp/gatehouse-zones-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(zone_directory));
	setenv("TZDIR", zone_directory, 1);
}

/* Remove the given files and folders of the zone directory, in order, then the directory. */
static void remove_zone_directory(const char *const *files, size_t count)
{
	char path[512];

	for (size_t i = 0; i < count; i++) {
		snprintf(path, sizeof path, "%s/%s", zone_directory, files[i]);
		remove(path);
	}
	rmdir(zone_directory);
	unsetenv("TZDIR");
}

START_TEST(test_footer_rule_alone)
{
	static const char *const files[] = { "Test/Eastern", "Test" };
	char path[512];
	int64_t change;

	make_zone_directory();
	snprintf(path, sizeof path, "%s/Test", zone_directory);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/Test/Eastern", zone_directory);
	write_rule_only_zone(path, -5 * 3600, "EST5EDT,M3.2.0,M11.1.0");

	const struct policy_zone *zone = zone_find("Test/Eastern");

	ck_assert_ptr_nonnull(zone);
	/* The same changes as America/New_York: 2026-03-08 07:00 and 2026-11-01 06:00 UTC. */
	ck_assert(time_parse_rfc3339("2026-03-08T07:00:00Z", &change));
	ck_assert_int_eq(zone_offset(zone, change - 1), -5 * 3600);
	ck_assert_int_eq(zone_offset(zone, change), -4 * 3600);
	ck_assert(time_parse_rfc3339("2026-11-01T06:00:00Z", &change));
	ck_assert_int_eq(zone_offset(zone, change - 1), -4 * 3600);
	ck_assert_int_eq(zone_offset(zone, change), -5 * 3600);
	remove_zone_directory(files, 2);
}
END_TEST

START_TEST(test_malformed_files_rejected)
{
	static const char *const files[] = { "Truncated", "NotTZif", "BadFooter", "Empty" };
	static const uint32_t counts[6] = { 0, 0, 0, 5, 1, 4 };
	char path[512];
	FILE *f;

	make_zone_directory();
	snprintf(path, sizeof path, "%s/Truncated", zone_directory);
	f = fopen(path, "wb");
	put_header(f, '2', counts); /* five transitions promised, none written */
	fclose(f);
	snprintf(path, sizeof path, "%s/NotTZif", zone_directory);
	f = fopen(path, "wb");
	fputs("not a zone file at all, but long enough to hold a header .........", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/BadFooter", zone_directory);
	write_rule_only_zone(path, 0, "EST5EDT,M13.2.0,M11.1.0");
	snprintf(path, sizeof path, "%s/Empty", zone_directory);
	fclose(fopen(path, "wb"));
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		ck_assert_msg(zone_find(files[i]) == NULL, "accepted %s", files[i]);
	remove_zone_directory(files, sizeof files / sizeof files[0]);
}
END_TEST

static Suite *policy_zone_suite(void)
{
	Suite *s = suite_create("policy_zone");
	TCase *tc = tcase_create("zone");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_offsets_match_date, 0, sizeof sweeps / sizeof sweeps[0]);
	tcase_add_test(tc, test_berlin_changes_hard_coded);
	tcase_add_test(tc, test_window_across_spring_change);
	tcase_add_test(tc, test_window_across_autumn_change);
	tcase_add_test(tc, test_office_hours_follow_the_change);
	tcase_add_test(tc, test_invalid_names);
	tcase_add_test(tc, test_footer_rule_alone);
	tcase_add_test(tc, test_malformed_files_rejected);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(policy_zone_suite)
