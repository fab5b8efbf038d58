/*
 * How gatehoused shares its connections: a limit per client address, a timeout
 * for idle connections that long polls are not cut by, a cap on one principal's
 * long polls, and a log that counts refused connections instead of listing each.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

static struct test_world world;

static void build_world(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	world_build(&world);
}

static void destroy_world(void)
{
	test_remove_dir(world.template_dir);
	curl_global_cleanup();
}

static void stop_broker(void)
{
	world_stop(&world);
}

/* Open a connection to the broker and send the start of a request that never ends. */
static int open_half_request(void)
{
	static const char opening[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)world.bp.port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	ck_assert_int_eq(send(fd, opening, sizeof opening - 1, MSG_NOSIGNAL),
			 (ssize_t)(sizeof opening - 1));
	return fd;
}

/* Wait at most timeout_ms for the broker to close fd; true when it did. */
static bool closed_by_broker(int fd, int timeout_ms)
{
	int64_t deadline = time_monotonic_ms() + timeout_ms;
	char chunk[512];

	while (time_monotonic_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, chunk, sizeof chunk, 0);
		if (n <= 0)
			return true;
	}
	return false;
}

static long healthz_status(void)
{
	struct http_result r;
	long status = http_call("GET", world.bp.url, "/healthz", NULL, NULL, NULL, &r) == 0 ? r.status : 0;

	http_result_free(&r);
	return status;
}

/* The refusal counts in the broker's log, added up; lines receives how many lines carry one. */
static long logged_refusals(int *lines)
{
	char path[400];
	char *log;
	long total = 0;

	snprintf(path, sizeof path, "%s/broker.log", world.bp.dir);
	log = test_read_file(path, NULL);
	ck_assert_ptr_nonnull(log);
	*lines = 0;
	for (const char *p = log; (p = strstr(p, " refused ")); p++) {
		long count = 0;
		ck_assert_int_eq(sscanf(p, " refused %ld connections in the last ", &count), 1);
		total += count;
		(*lines)++;
	}
	ck_assert_msg(strstr(log, "reached connection limit") == NULL, "%s", log);
	free(log);
	return total;
}

/* One address may keep at most --max-connections-per-ip connections; the rest are closed at once. */
START_TEST(test_per_address_limit)
{
	static const char *const options[] = { "--max-connections-per-ip", "4", NULL };
	int held[4], lines;

	world_start(&world, options);
	for (int i = 0; i < 4; i++)
		held[i] = open_half_request();
	test_sleep_ms(200);
	/* The refused ones count in the log, and the count is logged at most once a second. */
	for (int i = 0; i < 12; i++) {
		int extra = open_half_request();
		ck_assert_msg(closed_by_broker(extra, 3000), "connection %d of one address was not refused",
			      5 + i);
		close(extra);
	}
	ck_assert_int_eq(healthz_status(), 0);
	close(held[0]);
	test_sleep_ms(200);
	ck_assert_int_eq(healthz_status(), 200);
	for (int i = 1; i < 4; i++)
		close(held[i]);

	ck_assert_int_eq(broker_process_stop(&world.bp), 0);
	ck_assert_int_eq(logged_refusals(&lines), 13);
	ck_assert_msg(lines >= 1 && lines <= 3, "%d log lines for 13 refusals", lines);
	broker_process_cleanup(&world.bp);
}
END_TEST

/* An idle connection is closed after --idle-timeout, even one that started a request. */
START_TEST(test_idle_connection_closed)
{
	static const char *const options[] = { "--idle-timeout", "1", NULL };
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int silent, half;

	world_start(&world, options);
	addr.sin_port = htons((uint16_t)world.bp.port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	silent = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(silent, (struct sockaddr *)&addr, sizeof addr), 0);
	half = open_half_request();
	ck_assert_msg(closed_by_broker(silent, 4000), "a silent connection stayed open");
	ck_assert_msg(closed_by_broker(half, 4000), "a half-sent request stayed open");
	close(silent);
	close(half);
}
END_TEST

/* A long poll blocks in the handler, so a wait longer than --idle-timeout still gets its response. */
START_TEST(test_long_poll_outlasts_idle_timeout)
{
	static const char *const options[] = { "--idle-timeout", "1", NULL };
	struct http_result r;
	int64_t started;

	world_start(&world, options);
	started = time_monotonic_ms();
	ck_assert_int_eq(world_get(&world, ALICE, "/v1/events?after=0&wait=3", &r), 200);
	ck_assert_int_ge(time_monotonic_ms() - started, 2900);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "events")), 0);
	http_result_free(&r);
}
END_TEST

struct long_poll {
	pthread_t thread;
	enum cast_member who;
	long status;
	size_t events;
	int64_t elapsed_ms;
};

static void *run_long_poll(void *arg)
{
	struct long_poll *poll_call = arg;
	struct http_result r;
	int64_t started = time_monotonic_ms();

	if (http_call("GET", world.bp.url, "/v1/events?after=0&wait=30", world_token(&world, poll_call->who),
		      NULL, NULL, &r) == 0) {
		poll_call->status = r.status;
		poll_call->events = json_array_size(json_object_get(r.json, "events"));
	}
	poll_call->elapsed_ms = time_monotonic_ms() - started;
	http_result_free(&r);
	return NULL;
}

/* Past --max-long-polls open long polls, a principal's call returns at once, as with wait=0. */
START_TEST(test_long_polls_capped)
{
	static const char *const options[] = { "--max-long-polls", "2", NULL };
	struct long_poll polls[3] = { { .who = ALICE }, { .who = ALICE }, { .who = ERIN } };
	struct http_result r;
	int64_t started;

	world_start(&world, options);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pthread_create(&polls[i].thread, NULL, run_long_poll, &polls[i]), 0);
	test_sleep_ms(500);
	started = time_monotonic_ms();
	ck_assert_int_eq(world_get(&world, ALICE, "/v1/events?after=0&wait=30", &r), 200);
	ck_assert_msg(time_monotonic_ms() - started < 3000, "the third long poll waited %lld ms",
		      (long long)(time_monotonic_ms() - started));
	http_result_free(&r);

	/* A change wakes the two that wait; erin's own cap is not touched by alice's polls. */
	world_create_request(&world, ALICE, "svc", 3600);
	world_create_request(&world, ERIN, "svc", 3600);
	for (int i = 0; i < 3; i++) {
		pthread_join(polls[i].thread, NULL);
		ck_assert_int_eq(polls[i].status, 200);
		ck_assert_int_eq(polls[i].events, 1);
		ck_assert_msg(polls[i].elapsed_ms >= 400, "long poll %d answered after %lld ms", i,
			      (long long)polls[i].elapsed_ms);
	}
}
END_TEST

static Suite *connections_suite(void)
{
	Suite *suite = suite_create("broker_connections");
	TCase *limits = tcase_create("limits");

	tcase_set_timeout(limits, 90);
	tcase_add_unchecked_fixture(limits, build_world, destroy_world);
	tcase_add_checked_fixture(limits, NULL, stop_broker);
	tcase_add_test(limits, test_per_address_limit);
	tcase_add_test(limits, test_idle_connection_closed);
	tcase_add_test(limits, test_long_poll_outlasts_idle_timeout);
	tcase_add_test(limits, test_long_polls_capped);
	suite_add_tcase(suite, limits);
	return suite;
}

CHECK_MAIN(connections_suite)
