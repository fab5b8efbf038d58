/*
 * GET /v1/metrics and the rollups behind it: the fixture history is written into
 * a database through the store, and every series is checked against series.awk,
 * which works the same figures out from the fixture's CSV files. One broker serves
 * the database written in file order; the other orders and the backfill of an older
 * database are checked through the store in the test process.
 */

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/metrics.h"
#include "broker/store.h"
#include "common/crypto.h"
#include "tests/support/broker_process.h"
#include "tests/support/check_main.h"
#include "tests/support/http_client.h"
#include "tests/unit/test_metrics_fixture.h"

enum caller { ROOT, AUDREY, BOB, ALICE, FRANK, CALLER_COUNT, NOBODY = -1 };

static const struct {
	const char *id;
	unsigned roles;
} callers[CALLER_COUNT] = {
	[ROOT] = { "root", ROLE_ADMIN },
	[AUDREY] = { "audrey", ROLE_AUDITOR },
	[BOB] = { "bob", ROLE_APPROVER },
	[ALICE] = { "alice", ROLE_REQUESTER },
	[FRANK] = { "frank", ROLE_REQUESTER },
};

/* Insertion orders of the fixture, each a different path through the triggers. */
enum seed_order { FILE_ORDER, REVERSE_ORDER };

static struct broker_process broker;
static char tokens[CALLER_COUNT][64];

static void put_principal(struct store *s, const char *id, unsigned roles)
{
	char *groups[] = { "ops" };
	struct principal p = {
		.id = (char *)id,
		.display_name = (char *)id,
		.roles = roles,
		.groups = roles & ROLE_APPROVER ? groups : NULL,
		.group_count = roles & ROLE_APPROVER ? 1 : 0,
	};

	ck_assert_int_eq(store_put_principal(s, &p), STORE_OK);
}

static void put_route(struct store *s, const char *resource, int approvals)
{
	struct resource_route route = {
		.id = (char *)resource,
		.owner_group = "ops",
		.approvals_needed = approvals,
		.max_duration_seconds = 8 * HOUR,
	};

	ck_assert_int_eq(store_put_route(s, &route), STORE_OK);
}

static void put_people(struct store *s, const struct fixture *fx)
{
	for (size_t i = 0; i < fx->request_count; i++)
		put_principal(s, fx->requests[i].requester, ROLE_REQUESTER);
	for (int c = 0; c < CALLER_COUNT; c++) {
		char hash[SHA256_HEX_LEN];
		put_principal(s, callers[c].id, callers[c].roles);
		sha256_hex(tokens[c], strlen(tokens[c]), hash);
		ck_assert_int_eq(store_add_token(s, callers[c].id, hash, "metrics test", FIXTURE_DAY_ONE),
				 STORE_OK);
	}
	put_route(s, "open", 0);
	put_route(s, "svc", 1);
}

/*
 * Write one request. Odd ids that ended are written pending first and then
 * decided, as the broker does; even ids are written as they ended, as the demo's
 * history and imports do.
 */
static void put_request(struct store *s, const struct access_request *fixture_request)
{
	struct access_request r = *fixture_request;

	r.approvals = NULL;
	r.approval_count = 0;
	if (r.id % 2 == 1 && r.status != REQUEST_PENDING) {
		struct access_request pending = r;
		pending.status = REQUEST_PENDING;
		pending.decided_at = 0;
		pending.decided_by = NULL;
		ck_assert_int_eq(store_insert_request(s, &pending), STORE_OK);
		r.id = pending.id;
		r.version = 2;
		ck_assert_int_eq(store_update_request(s, &r), STORE_OK);
		return;
	}
	ck_assert_int_eq(store_insert_request(s, &r), STORE_OK);
}

/* Write one grant; odd ids that were revoked are written active and then revoked. */
static void put_grant(struct store *s, const struct grant *fixture_grant)
{
	struct grant g = *fixture_grant;

	g.request_id = 0; /* the fixture's request ids are not the store's */
	if (g.id % 2 == 1 && g.status == GRANT_REVOKED) {
		struct grant active = g;
		active.status = GRANT_ACTIVE;
		active.revoked_at = 0;
		active.revoked_by = NULL;
		ck_assert_int_eq(store_insert_grant(s, &active), STORE_OK);
		g.id = active.id;
		g.version = 2;
		ck_assert_int_eq(store_update_grant(s, &g), STORE_OK);
		return;
	}
	ck_assert_int_eq(store_insert_grant(s, &g), STORE_OK);
}

static void seed_database(const char *path, enum seed_order order)
{
	char err[512];
	struct fixture fx;
	struct store *s = store_open(path, err, sizeof err);

	ck_assert_msg(s != NULL, "store_open %s: %s", path, err);
	fixture_load(&fx);
	ck_assert_int_eq(store_begin_write(s), STORE_OK);
	put_people(s, &fx);
	for (size_t i = 0; i < fx.request_count; i++)
		put_request(s, &fx.requests[order == FILE_ORDER ? i : fx.request_count - 1 - i]);
	for (size_t i = 0; i < fx.grant_count; i++)
		put_grant(s, &fx.grants[order == FILE_ORDER ? i : fx.grant_count - 1 - i]);
	ck_assert_int_eq(store_commit(s), STORE_OK);
	fixture_free(&fx);
	store_close(s);
}

static void start_broker(void)
{
	memset(&broker, 0, sizeof broker);
	snprintf(broker.dir, sizeof broker.dir, "/tmp/gatehouse-metrics-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(broker.dir));
	snprintf(broker.db_path, sizeof broker.db_path, "%s/broker.db", broker.dir);
	for (int c = 0; c < CALLER_COUNT; c++)
		ck_assert(token_generate(tokens[c], sizeof tokens[c]));
	seed_database(broker.db_path, FILE_ORDER);
	ck_assert_msg(broker_process_start(&broker, false, NULL),
		      "gatehoused did not start; see %s/broker.log", broker.dir);
}

/*
 * Stop the broker after the last test. Under the sanitizers a leak or a fault at
 * shutdown makes its status non-zero, and that fails the whole program, because an
 * unchecked fixture cannot fail a test.
 */
static void stop_broker(void)
{
	int status = broker_process_stop(&broker);

	if (status != 0) {
		fprintf(stderr, "gatehoused exited with %d; its log is %s/broker.log\n", status, broker.dir);
		exit(EXIT_FAILURE);
	}
	broker_process_cleanup(&broker);
}

static long get(enum caller who, const char *path, struct http_result *result)
{
	int rc = http_call("GET", broker.url, path, who == NOBODY ? NULL : tokens[who], NULL, NULL,
			   result);

	ck_assert_msg(rc == 0, "GET %s: no answer from the broker", path);
	return result->status;
}

static long post(enum caller who, const char *path, const char *body, struct http_result *result)
{
	int rc = http_call("POST", broker.url, path, tokens[who], body, NULL, result);

	ck_assert_msg(rc == 0, "POST %s: no answer from the broker", path);
	return result->status;
}

static void format_time(int64_t t, char out[RFC3339_LEN])
{
	time_format_rfc3339(t, out);
}

/* GET /v1/metrics for a window as who; the caller frees result. */
static long get_metrics(enum caller who, int64_t from, int64_t to, const char *step,
			struct http_result *result)
{
	char path[256], from_text[RFC3339_LEN], to_text[RFC3339_LEN];

	format_time(from, from_text);
	format_time(to, to_text);
	snprintf(path, sizeof path, "/v1/metrics?from=%s&to=%s&step=%s", from_text, to_text, step);
	return get(who, path, result);
}

/* Check every series of a response against series.awk for the window it reports. */
static void expect_json_matches(const json_t *body, int64_t now)
{
	struct expected_series expected;
	int64_t from = 0, step = json_integer_value(json_object_get(body, "step_seconds"));
	size_t points = (size_t)json_integer_value(json_object_get(body, "points"));
	json_t *series = json_object_get(body, "series");

	ck_assert(time_parse_rfc3339(json_string_value(json_object_get(body, "from")), &from));
	ck_assert_uint_gt(points, 0);
	expected_load(from, step, points, now, &expected);
	ck_assert_uint_eq(json_object_size(series), BROKER_METRIC_COUNT);
	for (int m = 0; m < BROKER_METRIC_COUNT; m++) {
		const char *name = broker_metric_name(m);
		json_t *values = json_object_get(series, name);
		char **want = expected_values(&expected, name);
		ck_assert_msg(json_array_size(values) == points, "%s has %zu values, expected %zu", name,
			      json_array_size(values), points);
		for (size_t i = 0; i < points; i++) {
			json_t *v = json_array_get(values, i);
			expect_value(name, i, !json_is_null(v), json_integer_value(v), want[i], true);
		}
	}
	expected_free(&expected);
}

/* Check every series computed in this process against series.awk. */
static void expect_series_match(const struct broker_metrics *m)
{
	struct expected_series expected;
	const struct broker_metrics_window *w = &m->window;

	expected_load(w->from, w->step, w->points, w->now, &expected);
	for (int metric = 0; metric < BROKER_METRIC_COUNT; metric++) {
		const char *name = broker_metric_name(metric);
		char **want = expected_values(&expected, name);
		for (size_t i = 0; i < w->points; i++) {
			int64_t v = m->values[metric][i];
			expect_value(name, i, v != BROKER_METRIC_NONE, v, want[i], true);
		}
	}
	expected_free(&expected);
}

/* Compute a window's series straight from a database file. */
static void compute_from_file(const char *path, const struct broker_metrics_window *w,
			      struct broker_metrics *out)
{
	char err[512];
	struct metrics_rollup rollup;
	int64_t from_hour, to_hour;
	struct store *s = store_open(path, err, sizeof err);

	ck_assert_msg(s != NULL, "store_open %s: %s", path, err);
	broker_metrics_hours(w, &from_hour, &to_hour);
	ck_assert_int_eq(store_read_metrics(s, from_hour, to_hour, &rollup), STORE_OK);
	broker_metrics_compute(w, &rollup, out);
	metrics_rollup_free(&rollup);
	store_close(s);
}

static void make_temp_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/gatehouse-metrics-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_database(const char *dir, const char *path)
{
	char extra[600];

	unlink(path);
	snprintf(extra, sizeof extra, "%s-wal", path);
	unlink(extra);
	snprintf(extra, sizeof extra, "%s-shm", path);
	unlink(extra);
	rmdir(dir);
}

/* The windows every database is checked with: hourly over all of it, and 6-hour steps. */
static const struct broker_metrics_window store_windows[] = {
	{ FIXTURE_DAY_ONE - 4 * HOUR, HOUR, 54, FIXTURE_DAY_ONE + 400 * DAY },
	{ FIXTURE_DAY_ONE, 6 * HOUR, 8, FIXTURE_DAY_ONE + 400 * DAY },
	{ FIXTURE_DAY_ONE + 13 * HOUR, 5 * HOUR, 6, FIXTURE_DAY_ONE + 400 * DAY },
};

static void expect_database_matches(const char *path)
{
	for (size_t i = 0; i < sizeof store_windows / sizeof store_windows[0]; i++) {
		struct broker_metrics m;
		compute_from_file(path, &store_windows[i], &m);
		expect_series_match(&m);
		broker_metrics_free(&m);
	}
}

START_TEST(test_metrics_six_hour_steps)
{
	struct http_result r;

	ck_assert_int_eq(get_metrics(ROOT, FIXTURE_DAY_ONE, FIXTURE_DAY_ONE + 2 * DAY, "6h", &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "points")), 8);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "step_seconds")), 6 * HOUR);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "from")), "2026-01-05T00:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "to")), "2026-01-07T00:00:00Z");
	expect_json_matches(r.json, time_now());
	http_result_free(&r);
}
END_TEST

START_TEST(test_metrics_hourly_steps)
{
	struct http_result r;

	ck_assert_int_eq(get_metrics(AUDREY, FIXTURE_DAY_ONE - 2 * HOUR, FIXTURE_DAY_ONE + 2 * DAY + HOUR,
				     "1h", &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "points")), 51);
	expect_json_matches(r.json, time_now());
	http_result_free(&r);
}
END_TEST

START_TEST(test_metrics_window_off_the_hour)
{
	struct http_result r;

	/* from 03:17 starts at 03:00; 03:00 to 21:40 is 6.2 steps of 3 hours, so 7. */
	ck_assert_int_eq(get_metrics(BOB, FIXTURE_DAY_ONE + 3 * HOUR + 17 * 60,
				     FIXTURE_DAY_ONE + 21 * HOUR + 40 * 60, "3h", &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "from")), "2026-01-05T03:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "to")), "2026-01-06T00:00:00Z");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "points")), 7);
	expect_json_matches(r.json, time_now());
	http_result_free(&r);
}
END_TEST

/* A window that reaches now: its last step takes the live counts. */
START_TEST(test_metrics_live_step)
{
	struct http_result r;
	int64_t as_of = 0;

	ck_assert_int_eq(get_metrics(ROOT, FIXTURE_DAY_ONE + DAY, time_now() + DAY, "1d", &r), 200);
	ck_assert(time_parse_rfc3339(json_string_value(json_object_get(r.json, "as_of")), &as_of));
	int64_t to = 0;
	ck_assert(time_parse_rfc3339(json_string_value(json_object_get(r.json, "to")), &to));
	ck_assert_int_gt(to, as_of);
	ck_assert_int_le(to - as_of, DAY);
	expect_json_matches(r.json, as_of);
	http_result_free(&r);
}
END_TEST

START_TEST(test_metrics_default_window)
{
	struct http_result r;
	int64_t from = 0, to = 0;

	ck_assert_int_eq(get(ROOT, "/v1/metrics", &r), 200);
	ck_assert(time_parse_rfc3339(json_string_value(json_object_get(r.json, "from")), &from));
	ck_assert(time_parse_rfc3339(json_string_value(json_object_get(r.json, "to")), &to));
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "step_seconds")), HOUR);
	ck_assert_int_eq(from % HOUR, 0);
	ck_assert_int_eq(to - from, HOUR * json_integer_value(json_object_get(r.json, "points")));
	ck_assert_int_ge(to - from, DAY);
	ck_assert_int_le(to - from, DAY + HOUR);
	http_result_free(&r);
}
END_TEST

START_TEST(test_metrics_roles)
{
	struct http_result r;

	ck_assert_int_eq(get(ALICE, "/v1/metrics", &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);
	ck_assert_int_eq(get(NOBODY, "/v1/metrics", &r), 401);
	http_result_free(&r);
	ck_assert_int_eq(get(BOB, "/v1/metrics", &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(get(AUDREY, "/v1/metrics", &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(get(ROOT, "/v1/metrics", &r), 200);
	http_result_free(&r);
}
END_TEST

START_TEST(test_metrics_rejects_bad_queries)
{
	static const struct {
		const char *path;
		const char *field;
	} cases[] = {
		{ "/v1/metrics?step=30m", "step" },
		{ "/v1/metrics?step=0", "step" },
		{ "/v1/metrics?step=90m", "step" },
		{ "/v1/metrics?step=soon", "step" },
		{ "/v1/metrics?from=yesterday", "from" },
		{ "/v1/metrics?to=2026-13-01T00:00:00Z", "to" },
		{ "/v1/metrics?from=2026-01-06T00:00:00Z&to=2026-01-05T00:00:00Z", "from" },
		{ "/v1/metrics?from=2026-01-05T00:00:00Z&to=2026-01-05T00:00:00Z", "from" },
		{ "/v1/metrics?from=2020-01-01T00:00:00Z&step=1h", "step" },
		{ "/v1/metrics?window=1d", "window" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_result r;
		ck_assert_msg(get(ROOT, cases[i].path, &r) == 400, "%s: %ld %s", cases[i].path,
			      r.status, r.body);
		ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
		ck_assert_msg(strcmp(http_json_string(&r, "field"), cases[i].field) == 0,
			      "%s names field %s, expected %s", cases[i].path,
			      http_json_string(&r, "field"), cases[i].field);
		http_result_free(&r);
	}
}
END_TEST

/* A window that starts at the epoch names its start, not null. */
START_TEST(test_metrics_window_at_epoch)
{
	struct http_result r;

	ck_assert_int_eq(get(ROOT, "/v1/metrics?from=1970-01-01T00:30:00Z&to=1970-01-02T00:00:00Z",
			     &r), 200);
	ck_assert_str_eq(http_json_string(&r, "from"), "1970-01-01T00:00:00Z");
	ck_assert_str_eq(http_json_string(&r, "to"), "1970-01-02T00:00:00Z");
	http_result_free(&r);
}
END_TEST

START_TEST(test_metrics_largest_window)
{
	struct http_result r;
	int64_t to = FIXTURE_DAY_ONE + 2000 * (int64_t)HOUR;

	ck_assert_int_eq(get_metrics(ROOT, FIXTURE_DAY_ONE, to, "1h", &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "points")), 2000);
	http_result_free(&r);
	ck_assert_int_eq(get_metrics(ROOT, FIXTURE_DAY_ONE, to + 1, "1h", &r), 400);
	http_result_free(&r);
}
END_TEST

START_TEST(test_metrics_reverse_order)
{
	char dir[256], path[320];

	make_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/reverse.db", dir);
	seed_database(path, REVERSE_ORDER);
	expect_database_matches(path);
	remove_database(dir, path);
}
END_TEST

START_TEST(test_metrics_file_order_in_process)
{
	char dir[256], path[320];

	make_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/forward.db", dir);
	seed_database(path, FILE_ORDER);
	expect_database_matches(path);
	remove_database(dir, path);
}
END_TEST

/*
 * A database written before the rollups existed: take schema steps 3 (the
 * policies) and 2 away again, as if the file came from an older gatehoused,
 * and let store_open migrate it.
 */
START_TEST(test_metrics_backfill)
{
	static const char *const undo_step_two =
		"DROP TABLE policies;"
		"ALTER TABLE requests DROP COLUMN policy_decision;"
		"ALTER TABLE requests DROP COLUMN policy_rule;"
		"ALTER TABLE requests DROP COLUMN policy_explanation;"
		"ALTER TABLE requests DROP COLUMN policy_version;"
		"ALTER TABLE requests DROP COLUMN policy_attributes;"
		"DROP TRIGGER metrics_request_insert; DROP TRIGGER metrics_request_insert_decided;"
		"DROP TRIGGER metrics_request_decided; DROP TRIGGER metrics_request_update;"
		"DROP TRIGGER metrics_grant_insert; DROP TRIGGER metrics_grant_insert_grows;"
		"DROP TRIGGER metrics_grant_insert_joins; DROP TRIGGER metrics_grant_update;"
		"DROP TABLE metrics_hours; DROP TABLE metrics_access_bins;"
		"DROP TABLE metrics_access_histogram; DROP TABLE metrics_holder_spans;"
		"DROP TABLE metrics_span_scratch; DROP INDEX grants_principal_granted;"
		"PRAGMA user_version = 1;";
	char dir[256], path[320];
	sqlite3 *db;
	char *message = NULL;

	make_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/old.db", dir);
	seed_database(path, REVERSE_ORDER);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, undo_step_two, NULL, NULL, &message) == SQLITE_OK, "%s", message);
	sqlite3_close(db);
	expect_database_matches(path);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 3);
	sqlite3_finalize(st);
	sqlite3_close(db);
	remove_database(dir, path);
}
END_TEST

/* The last point of a one-point window that contains now, as root reads it. */
struct live_point {
	int64_t values[BROKER_METRIC_COUNT];
};

static void read_live_point(int64_t from, struct live_point *out)
{
	struct http_result r;

	ck_assert_int_eq(get_metrics(ROOT, from, time_now(), "72h", &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "points")), 1);
	for (int m = 0; m < BROKER_METRIC_COUNT; m++) {
		json_t *v = json_array_get(json_object_get(json_object_get(r.json, "series"),
							   broker_metric_name(m)), 0);
		out->values[m] = json_is_null(v) ? BROKER_METRIC_NONE : json_integer_value(v);
	}
	http_result_free(&r);
}

static void expect_change(const struct live_point *before, const struct live_point *after,
			  enum broker_metric metric, int64_t change)
{
	ck_assert_msg(after->values[metric] - before->values[metric] == change,
		      "%s went from %lld to %lld, expected a change of %lld", broker_metric_name(metric),
		      (long long)before->values[metric], (long long)after->values[metric],
		      (long long)change);
}

static int64_t create_request(enum caller who, const char *resource)
{
	struct http_result r;
	char body[256];

	snprintf(body, sizeof body,
		 "{\"resource\": \"%s\", \"role\": \"read\", \"reason\": \"metrics test\","
		 " \"duration_seconds\": 3600}", resource);
	ck_assert_int_eq(post(who, "/v1/requests", body, &r), 201);
	int64_t id = http_json_int(&r, "id");
	http_result_free(&r);
	return id;
}

static void decide(enum caller who, int64_t id, const char *verb)
{
	struct http_result r;
	char path[96];

	snprintf(path, sizeof path, "/v1/requests/%lld/%s", (long long)id, verb);
	ck_assert_int_eq(post(who, path, "{\"reason\": \"metrics test\"}", &r), 200);
	http_result_free(&r);
}

/* Writes through the API move the step in progress at once, live counts included. */
START_TEST(test_metrics_follow_api_writes)
{
	struct live_point before, after;
	struct http_result r;
	int64_t from = time_now() / HOUR * HOUR - 48 * HOUR;

	read_live_point(from, &before);
	int64_t allowed = create_request(FRANK, "open");
	decide(BOB, create_request(FRANK, "svc"), "approve");
	decide(BOB, create_request(FRANK, "svc"), "deny");
	decide(FRANK, create_request(FRANK, "svc"), "cancel");
	create_request(FRANK, "svc");
	read_live_point(from, &after);
	expect_change(&before, &after, BROKER_METRIC_CREATED, 5);
	expect_change(&before, &after, BROKER_METRIC_ALLOWED, 1);
	expect_change(&before, &after, BROKER_METRIC_APPROVED, 1);
	expect_change(&before, &after, BROKER_METRIC_DENIED, 1);
	expect_change(&before, &after, BROKER_METRIC_CANCELED, 1);
	expect_change(&before, &after, BROKER_METRIC_PENDING, 1);
	expect_change(&before, &after, BROKER_METRIC_ACTIVE_JIT, 2);
	expect_change(&before, &after, BROKER_METRIC_HOLDERS, 1);
	expect_change(&before, &after, BROKER_METRIC_REVOCATIONS, 0);

	char path[96];
	snprintf(path, sizeof path, "/v1/requests/%lld", (long long)allowed);
	ck_assert_int_eq(get(ROOT, path, &r), 200);
	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", http_json_int(&r, "grant_id"));
	http_result_free(&r);
	ck_assert_int_eq(post(FRANK, path, "{\"reason\": \"done\"}", &r), 200);
	http_result_free(&r);
	before = after;
	read_live_point(from, &after);
	expect_change(&before, &after, BROKER_METRIC_REVOCATIONS, 1);
	expect_change(&before, &after, BROKER_METRIC_ACTIVE_JIT, -1);
	expect_change(&before, &after, BROKER_METRIC_HOLDERS, 0);
}
END_TEST

static Suite *metrics_broker_suite(void)
{
	Suite *s = suite_create("metrics_broker");
	TCase *http = tcase_create("http");
	TCase *store = tcase_create("store");

	tcase_add_unchecked_fixture(http, start_broker, stop_broker);
	tcase_set_timeout(http, 120);
	tcase_add_test(http, test_metrics_six_hour_steps);
	tcase_add_test(http, test_metrics_hourly_steps);
	tcase_add_test(http, test_metrics_window_off_the_hour);
	tcase_add_test(http, test_metrics_live_step);
	tcase_add_test(http, test_metrics_default_window);
	tcase_add_test(http, test_metrics_roles);
	tcase_add_test(http, test_metrics_rejects_bad_queries);
	tcase_add_test(http, test_metrics_largest_window);
	tcase_add_test(http, test_metrics_window_at_epoch);
	/* Last, because it changes what the broker holds. */
	tcase_add_test(http, test_metrics_follow_api_writes);
	suite_add_tcase(s, http);

	tcase_set_timeout(store, 120);
	tcase_add_test(store, test_metrics_file_order_in_process);
	tcase_add_test(store, test_metrics_reverse_order);
	tcase_add_test(store, test_metrics_backfill);
	suite_add_tcase(s, store);
	return s;
}

CHECK_MAIN(metrics_broker_suite)
