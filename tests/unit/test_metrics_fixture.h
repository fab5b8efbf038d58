#ifndef GATEHOUSE_TEST_METRICS_FIXTURE_H
#define GATEHOUSE_TEST_METRICS_FIXTURE_H

/*
 * The metrics tests' fixture history (tests/fixtures/metrics): requests.csv and
 * grants.csv, read into the API's structs, and the expected series that
 * series.awk works out from the same files. Each test_metrics_*.c program
 * includes this header once, so the functions are static inline.
 */

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

#define FIXTURE_REQUESTS_MAX 64
#define FIXTURE_GRANTS_MAX 64
#define FIXTURE_LINE_MAX 512
#define EXPECTED_SERIES 14
#define EXPECTED_POINTS_MAX 2000

/* 2026-01-05T00:00:00Z, the start of the fixture's two busy days. */
#define FIXTURE_DAY_ONE INT64_C(1767571200)
#define HOUR 3600
#define DAY 86400

struct fixture {
	struct access_request requests[FIXTURE_REQUESTS_MAX];
	size_t request_count;
	struct grant grants[FIXTURE_GRANTS_MAX];
	size_t grant_count;
};

/* The expected values of each series, as series.awk prints them ("null" for none). */
struct expected_series {
	char names[EXPECTED_SERIES][64];
	char *values[EXPECTED_SERIES][EXPECTED_POINTS_MAX];
	size_t points;
};

/* The path of a file in tests/fixtures/metrics, from GATEHOUSE_SOURCE or the working directory. */
static inline void fixture_path(const char *name, char *out, size_t size)
{
	const char *source = getenv("GATEHOUSE_SOURCE");

	snprintf(out, size, "%s/tests/fixtures/metrics/%s", source && *source ? source : ".", name);
}

/* Split a CSV line without quoting (the fixture has none) into at most max fields, in place. */
static inline size_t fixture_split(char *line, char **fields, size_t max)
{
	size_t count = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (char *field = line; count < max; ) {
		fields[count++] = field;
		char *comma = strchr(field, ',');
		if (!comma)
			break;
		*comma = '\0';
		field = comma + 1;
	}
	return count;
}

static inline int64_t fixture_time(const char *text)
{
	int64_t t = 0;

	if (!*text)
		return 0;
	ck_assert_msg(time_parse_rfc3339(text, &t), "fixture time \"%s\" does not parse", text);
	return t;
}

static inline char *fixture_text(const char *text)
{
	return *text ? xstrdup(text) : NULL;
}

static inline void fixture_read_request(char **f, struct access_request *r)
{
	memset(r, 0, sizeof *r);
	r->id = strtoll(f[0], NULL, 10);
	ck_assert_msg(request_status_parse(f[4], &r->status), "status %s", f[4]);
	r->requester = xstrdup(f[1]);
	r->resource = xstrdup(f[2]);
	r->role = xstrdup(f[3]);
	r->reason = xstrdup("fixture history");
	r->duration_seconds = 3600;
	r->created_at = fixture_time(f[5]);
	r->decided_at = fixture_time(f[6]);
	r->approvals_needed = atoi(f[7]);
	r->approver_group = xstrdup("ops");
	r->decided_by = fixture_text(f[8]);
	/* Far in the future for pending requests, so the reaper leaves them pending. */
	r->expires_at = r->status == REQUEST_PENDING ? INT64_C(4102444800) : r->created_at + DAY;
	r->version = 1;
}

static inline void fixture_read_grant(char **f, struct grant *g)
{
	memset(g, 0, sizeof *g);
	g->id = strtoll(f[0], NULL, 10);
	g->request_id = strtoll(f[1], NULL, 10);
	g->principal = xstrdup(f[2]);
	g->resource = xstrdup(f[3]);
	g->role = xstrdup("read");
	ck_assert_msg(grant_kind_parse(f[4], &g->kind), "kind %s", f[4]);
	ck_assert_msg(grant_status_parse(f[5], &g->status), "status %s", f[5]);
	g->granted_at = fixture_time(f[6]);
	g->expires_at = fixture_time(f[7]);
	g->revoked_at = fixture_time(f[8]);
	g->revoked_by = g->revoked_at ? xstrdup("root") : NULL;
	g->reason = xstrdup("fixture history");
	g->version = 1;
}

static inline void fixture_load(struct fixture *fx)
{
	char path[512], line[FIXTURE_LINE_MAX];
	char *fields[12];
	FILE *f;

	memset(fx, 0, sizeof *fx);
	fixture_path("requests.csv", path, sizeof path);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	while (fgets(line, sizeof line, f)) {
		ck_assert_uint_eq(fixture_split(line, fields, 12), 9);
		ck_assert_uint_lt(fx->request_count, FIXTURE_REQUESTS_MAX);
		fixture_read_request(fields, &fx->requests[fx->request_count++]);
	}
	fclose(f);
	fixture_path("grants.csv", path, sizeof path);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	while (fgets(line, sizeof line, f)) {
		ck_assert_uint_eq(fixture_split(line, fields, 12), 9);
		ck_assert_uint_lt(fx->grant_count, FIXTURE_GRANTS_MAX);
		fixture_read_grant(fields, &fx->grants[fx->grant_count++]);
	}
	fclose(f);
}

static inline void fixture_free(struct fixture *fx)
{
	for (size_t i = 0; i < fx->request_count; i++)
		access_request_free(&fx->requests[i]);
	for (size_t i = 0; i < fx->grant_count; i++)
		grant_free(&fx->grants[i]);
	memset(fx, 0, sizeof *fx);
}

/* Run series.awk for a window and read what it prints into out. */
static inline void expected_load(int64_t from, int64_t step, size_t points, int64_t now,
				 struct expected_series *out)
{
	char times[512], script[512], requests[512], grants[512], command[2560];
	struct strbuf line = STRBUF_INIT;
	size_t series = 0;
	int c;

	memset(out, 0, sizeof *out);
	ck_assert_uint_le(points, EXPECTED_POINTS_MAX);
	fixture_path("time.awk", times, sizeof times);
	fixture_path("series.awk", script, sizeof script);
	fixture_path("requests.csv", requests, sizeof requests);
	fixture_path("grants.csv", grants, sizeof grants);
	snprintf(command, sizeof command,
		 "awk -v from=%lld -v step=%lld -v points=%zu -v now=%lld -f '%s' -f '%s' '%s' '%s'",
		 (long long)from, (long long)step, points, (long long)now, times, script, requests,
		 grants);
	FILE *p = popen(command, "r");
	ck_assert_msg(p != NULL, "cannot run %s", command);
	while ((c = fgetc(p)) != EOF) {
		if (c != '\n') {
			strbuf_putc(&line, (char)c);
			continue;
		}
		ck_assert_uint_lt(series, EXPECTED_SERIES);
		char *saveptr = NULL, *word = strtok_r(line.data, " ", &saveptr);
		snprintf(out->names[series], sizeof out->names[series], "%s", word);
		size_t i = 0;
		while ((word = strtok_r(NULL, " ", &saveptr)) && i < points)
			out->values[series][i++] = xstrdup(word);
		ck_assert_msg(i == points, "series.awk printed %zu values of %s, expected %zu", i,
			      out->names[series], points);
		series++;
		strbuf_reset(&line);
	}
	strbuf_free(&line);
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_uint_eq(series, EXPECTED_SERIES);
	out->points = points;
}

static inline void expected_free(struct expected_series *e)
{
	for (size_t s = 0; s < EXPECTED_SERIES; s++)
		for (size_t i = 0; i < e->points; i++)
			free(e->values[s][i]);
	memset(e, 0, sizeof *e);
}

/* The expected values of the series named name. */
static inline char **expected_values(struct expected_series *e, const char *name)
{
	for (size_t s = 0; s < EXPECTED_SERIES; s++)
		if (strcmp(e->names[s], name) == 0)
			return e->values[s];
	ck_abort_msg("series.awk printed no series %s", name);
	return NULL;
}

static inline bool is_percentile(const char *name)
{
	return strstr(name, "median") || strstr(name, "p90");
}

/*
 * Check one value against series.awk's. "null" stands for no value. With
 * histogram_precision, a percentile may differ by up to 1/32 of the exact value,
 * as docs/API.md allows for the broker's histogram.
 */
static inline void expect_value(const char *name, size_t i, bool present, int64_t actual,
				const char *expected, bool histogram_precision)
{
	if (strcmp(expected, "null") == 0) {
		ck_assert_msg(!present, "%s[%zu] is %lld, expected null", name, i, (long long)actual);
		return;
	}
	ck_assert_msg(present, "%s[%zu] is null, expected %s", name, i, expected);
	int64_t exact = strtoll(expected, NULL, 10);
	if (histogram_precision && is_percentile(name)) {
		int64_t difference = actual > exact ? actual - exact : exact - actual;
		ck_assert_msg(difference * 32 <= exact, "%s[%zu] is %lld, more than 1/32 from %lld",
			      name, i, (long long)actual, (long long)exact);
		return;
	}
	ck_assert_msg(actual == exact, "%s[%zu] is %lld, expected %lld", name, i, (long long)actual,
		      (long long)exact);
}

#endif
