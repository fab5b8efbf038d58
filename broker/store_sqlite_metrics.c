/*
 * The SQLite store: reading the metrics rollups. The triggers of schema step 2
 * (store_sqlite_metrics_schema.c) write them.
 *
 * These statements are prepared for each call instead of taking slots in the
 * connection's statement cache: a metrics call is rare next to the API's writes and
 * listings, and its few preparations cost little beside the reads themselves.
 */

#include "broker/store_sqlite.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define HOUR_COLUMNS                                                              \
	"created, allowed, approved, denied, expired, canceled, access_seconds, revoked," \
	" jit_change, standing_change, holders_change"

static const char SQL_HOURS_BEFORE[] =
	"SELECT coalesce(sum(created), 0), coalesce(sum(allowed), 0), coalesce(sum(approved), 0),"
	" coalesce(sum(denied), 0), coalesce(sum(expired), 0), coalesce(sum(canceled), 0),"
	" coalesce(sum(access_seconds), 0), coalesce(sum(revoked), 0),"
	" coalesce(sum(jit_change), 0), coalesce(sum(standing_change), 0),"
	" coalesce(sum(holders_change), 0)"
	" FROM metrics_hours WHERE hour < ?";
static const char SQL_HOURS[] =
	"SELECT hour, " HOUR_COLUMNS " FROM metrics_hours WHERE hour >= ? AND hour < ? ORDER BY hour";
static const char SQL_BINS[] =
	"SELECT hour, lower, count FROM metrics_access_histogram"
	" WHERE hour >= ? AND hour < ? AND count <> 0 ORDER BY hour, lower";
static const char SQL_LIVE[] =
	"SELECT (SELECT count(*) FROM requests WHERE status = 'pending'),"
	" coalesce(sum(kind = 'jit'), 0), coalesce(sum(kind = 'standing'), 0),"
	" count(DISTINCT principal)"
	" FROM grants WHERE status = 'active'";

static sqlite3_stmt *prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_fail(s, "preparing a metrics query");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Read the hour columns starting at column first into h (all but h->hour). */
static void read_hour_columns(sqlite3_stmt *st, int first, struct metrics_hour *h)
{
	int64_t *fields[] = {
		&h->created, &h->allowed, &h->approved, &h->denied, &h->expired, &h->canceled,
		&h->access_seconds, &h->revoked, &h->jit_change, &h->standing_change,
		&h->holders_change,
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		*fields[i] = sqlite3_column_int64(st, first + (int)i);
}

static enum store_status read_before(struct store *s, int64_t from_hour, struct metrics_hour *out)
{
	sqlite3_stmt *st = prepare(s, SQL_HOURS_BEFORE);
	int rc;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, from_hour);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_hour_columns(st, 0, out);
	enum store_status status = rc == SQLITE_ROW ? STORE_OK : store_fail(s, "summing the metrics");
	sqlite3_finalize(st);
	return status;
}

static enum store_status read_hours(struct store *s, int64_t from_hour, int64_t to_hour,
				    struct metrics_rollup *out)
{
	sqlite3_stmt *st = prepare(s, SQL_HOURS);
	size_t capacity = 0;
	int rc;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, from_hour);
	sqlite3_bind_int64(st, 2, to_hour);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->hour_count == capacity) {
			capacity = capacity ? capacity * 2 : 256;
			out->hours = xreallocarray(out->hours, capacity, sizeof *out->hours);
		}
		struct metrics_hour *h = &out->hours[out->hour_count++];
		h->hour = sqlite3_column_int64(st, 0);
		read_hour_columns(st, 1, h);
	}
	enum store_status status = rc == SQLITE_DONE ? STORE_OK : store_fail(s, "reading the metrics");
	sqlite3_finalize(st);
	return status;
}

static enum store_status read_bins(struct store *s, int64_t from_hour, int64_t to_hour,
				   struct metrics_rollup *out)
{
	sqlite3_stmt *st = prepare(s, SQL_BINS);
	size_t capacity = 0;
	int rc;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, from_hour);
	sqlite3_bind_int64(st, 2, to_hour);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->bin_count == capacity) {
			capacity = capacity ? capacity * 2 : 1024;
			out->bins = xreallocarray(out->bins, capacity, sizeof *out->bins);
		}
		out->bins[out->bin_count++] = (struct metrics_access_bin){
			.hour = sqlite3_column_int64(st, 0),
			.lower = sqlite3_column_int64(st, 1),
			.count = sqlite3_column_int64(st, 2),
		};
	}
	enum store_status status =
		rc == SQLITE_DONE ? STORE_OK : store_fail(s, "reading the time-to-access histogram");
	sqlite3_finalize(st);
	return status;
}

static enum store_status read_live(struct store *s, struct metrics_rollup *out)
{
	sqlite3_stmt *st = prepare(s, SQL_LIVE);
	int rc;

	if (!st)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->pending_now = sqlite3_column_int64(st, 0);
		out->jit_now = sqlite3_column_int64(st, 1);
		out->standing_now = sqlite3_column_int64(st, 2);
		out->holders_now = sqlite3_column_int64(st, 3);
	}
	enum store_status status = rc == SQLITE_ROW ? STORE_OK : store_fail(s, "counting what is active");
	sqlite3_finalize(st);
	return status;
}

enum store_status store_read_metrics(struct store *s, int64_t from_hour, int64_t to_hour,
				     struct metrics_rollup *out)
{
	enum store_status status;

	memset(out, 0, sizeof *out);
	status = store_begin_read(s);
	if (status == STORE_OK)
		status = read_before(s, from_hour, &out->before);
	if (status == STORE_OK)
		status = read_hours(s, from_hour, to_hour, out);
	if (status == STORE_OK)
		status = read_bins(s, from_hour, to_hour, out);
	if (status == STORE_OK)
		status = read_live(s, out);
	store_rollback(s);
	if (status != STORE_OK)
		metrics_rollup_free(out);
	return status;
}

void metrics_rollup_free(struct metrics_rollup *r)
{
	free(r->hours);
	free(r->bins);
	memset(r, 0, sizeof *r);
}
