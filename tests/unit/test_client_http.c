/*
 * Tests of the console's asynchronous HTTP layer (client/http.c) against a
 * hostile HTTP server of the test's own on loopback, and against a real
 * gatehoused serving HTTPS with a self-signed certificate.
 */

#include <check.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "client/http.h"
#include "tests/support/broker_process.h"
#include "tests/support/check_main.h"
#include "tests/unit/test_client_support.h"

#define TOKEN "ghs_testtoken_never_in_logs_0123456789abcdef"
#define HUGE_BODY_BYTES (64u * 1024 * 1024)

struct captured {
	bool done;
	int calls;
	long status;
	CURLcode curl_code;
	bool connect_failed;
	char error[1024];
	bool has_json;
	char problem_code[64];
	char problem_detail[256];
	char etag[64];
	int64_t retry_after_seconds;
	int64_t duration_ms;
};

static void capture(void *ctx, const struct http_response *r)
{
	struct captured *c = ctx;

	c->done = true;
	c->calls++;
	c->status = r->status;
	c->curl_code = r->curl_code;
	c->connect_failed = r->connect_failed;
	snprintf(c->error, sizeof c->error, "%s", r->error ? r->error : "");
	c->has_json = r->json != NULL;
	snprintf(c->problem_code, sizeof c->problem_code, "%s", r->problem_code ? r->problem_code : "");
	snprintf(c->problem_detail, sizeof c->problem_detail, "%s",
		 r->problem_detail ? r->problem_detail : "");
	snprintf(c->etag, sizeof c->etag, "%s", r->etag ? r->etag : "");
	c->retry_after_seconds = r->retry_after_seconds;
	c->duration_ms = r->duration_ms;
}

static bool captured_done(void *arg)
{
	return ((struct captured *)arg)->done;
}

/* Send a large body in chunks until the client goes away or total bytes were sent. */
static void send_zeros(int fd, size_t total)
{
	static const char chunk[65536];

	for (size_t sent = 0; sent < total; sent += sizeof chunk)
		if (!test_send(fd, chunk, sizeof chunk))
			return;
}

static void send_huge_with_length(int fd)
{
	char head[256];

	snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %u\r\nConnection: close\r\n\r\n", HUGE_BODY_BYTES);
	test_send(fd, head, strlen(head));
	send_zeros(fd, HUGE_BODY_BYTES);
}

static void send_huge_until_close(int fd)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				   "Connection: close\r\n\r\n";

	test_send(fd, head, sizeof head - 1);
	send_zeros(fd, HUGE_BODY_BYTES);
}

static void send_half(int fd)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				   "Content-Length: 1000\r\nConnection: close\r\n\r\n"
				   "{\"items\": [{\"id\": 1, \"status\": \"pend";

	test_send(fd, head, sizeof head - 1);
}

static void send_drip(struct test_server *server, int fd)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				   "Content-Length: 100\r\nConnection: close\r\n\r\n";

	test_send(fd, head, sizeof head - 1);
	for (int i = 0; i < 100 && !atomic_load(&server->stopping); i++) {
		if (!test_send(fd, " ", 1))
			return;
		test_server_hold(server, 200);
	}
}

static void send_text(int fd, const char *text)
{
	test_send(fd, text, strlen(text));
}

/* Echo the request's Authorization header in a problem detail, as a careless proxy might. */
static void send_token_echo(int fd, const struct test_request *request)
{
	const char *header = strcasestr(request->headers, "\r\nAuthorization: ");
	char value[256] = "", body[512];

	if (header)
		sscanf(header + 2, "Authorization: %255[^\r]", value);
	snprintf(body, sizeof body, "{\"code\": \"invalid\", \"detail\": \"bad header %s\"}", value);
	test_respond(fd, 400, "application/problem+json", body);
}

/* Answer 429 with a Retry-After header of the given value. */
static void send_retry_after(int fd, const char *value)
{
	char head[512];
	static const char body[] = "{\"code\": \"rate_limited\", \"detail\": \"slow down\"}";

	snprintf(head, sizeof head, "HTTP/1.1 429 Too Many Requests\r\n"
		 "Content-Type: application/problem+json\r\nRetry-After: %s\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", value, sizeof body - 1, body);
	send_text(fd, head);
}

/* An IMF-fixdate (RFC 9110) offset seconds from now. */
static void http_date(long offset, char *out, size_t size)
{
	time_t t = time(NULL) + offset;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void send_retry_date(int fd, long offset)
{
	char date[64];

	http_date(offset, date, sizeof date);
	send_retry_after(fd, date);
}

/* Respond by path, as a broker would or as a hostile server might. */
static void hostile_handler(struct test_server *server, int fd, const struct test_request *request)
{
	const char *path = request->target;

	if (strcmp(path, "/malformed") == 0)
		test_respond(fd, 200, "application/json", "{\"items\": [1, 2");
	else if (strcmp(path, "/html") == 0)
		test_respond(fd, 200, "text/html", "<html><body>Welcome to the captive portal</body></html>");
	else if (strcmp(path, "/huge-length") == 0)
		send_huge_with_length(fd);
	else if (strcmp(path, "/huge-stream") == 0)
		send_huge_until_close(fd);
	else if (strcmp(path, "/half") == 0)
		send_half(fd);
	else if (strcmp(path, "/drip") == 0)
		send_drip(server, fd);
	else if (strcmp(path, "/redirect") == 0)
		send_text(fd, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/steal-the-token\r\n"
			  "Content-Length: 0\r\nConnection: close\r\n\r\n");
	else if (strcmp(path, "/problem") == 0)
		test_respond(fd, 409, "application/problem+json",
			     "{\"type\": \"urn:gatehouse:problem:not_pending\", \"status\": 409, "
			     "\"code\": \"not_pending\", \"detail\": \"request 42 was already "
			     "approved by alice\"}");
	else if (strcmp(path, "/echo-token") == 0)
		send_token_echo(fd, request);
	else if (strcmp(path, "/escapes") == 0)
		/* OSC 52 (clipboard), OSC 0 (title), C1 CSI, DEL and a right-to-left override. */
		test_respond(fd, 403, "application/problem+json",
			     "{\"code\": \"forbidden\\u001b]0;TITLE\\u0007\", \"detail\": \"no "
			     "\\u001b]52;c;cHduZWQ=\\u0007 way \\u009b31m \\u007f \\u202e \\\\ end\"}");
	else if (strcmp(path, "/empty") == 0)
		test_respond(fd, 200, "application/json", "");
	else if (strcmp(path, "/nul") == 0)
		test_respond(fd, 200, "application/json", "{\"id\": \"a\\u0000b\"}");
	else if (strcmp(path, "/gateway") == 0)
		test_respond(fd, 502, "text/html", "<h1>Bad Gateway</h1>");
	else if (strcmp(path, "/not-http") == 0)
		send_text(fd, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
	else if (strcmp(path, "/retry-seconds") == 0)
		send_retry_after(fd, "7");
	else if (strcmp(path, "/retry-date") == 0)
		send_retry_date(fd, 30);
	else if (strcmp(path, "/retry-past") == 0)
		send_retry_after(fd, "Sat, 01 Jan 2000 00:00:00 GMT");
	else if (strcmp(path, "/retry-garbage") == 0)
		send_retry_after(fd, "soon");
	else if (strcmp(path, "/hold") == 0) {
		test_server_hold(server, 10000);
		test_respond(fd, 200, "application/json", "{\"events\": [], \"last_seq\": 0}");
	} else
		test_respond(fd, 200, "application/json", "{\"ok\": true}");
}

static struct test_server server;

static void start_server(void)
{
	test_server_start(&server, hostile_handler, NULL);
}

static void stop_server(void)
{
	test_server_stop(&server);
}

/* Send one call to the test server and run the loop until its callback ran. */
static void call_server(const char *method, const char *path, const char *body,
			const struct http_request_options *opts, struct captured *out)
{
	struct http_client *http = test_http_client(server.url, TOKEN);
	struct test_loop loop = { .http = http };

	memset(out, 0, sizeof *out);
	ck_assert_ptr_nonnull(http_client_send(http, method, path, body, opts, capture, out));
	ck_assert_msg(test_loop_run(&loop, captured_done, out, 30000), "%s %s got no response",
		      method, path);
	ck_assert_int_eq(out->calls, 1);
	ck_assert_uint_eq(http_client_in_flight(http), 0);
	http_client_free(http);
}

START_TEST(test_base_url_validation)
{
	static const struct {
		const char *url;
		const char *expected;
	} rejected[] = {
		{ "ftp://127.0.0.1/", "only http:// and https://" },
		{ "file:///etc/passwd", "only http:// and https://" },
		{ "http://user:secret@127.0.0.1:8080", "remove the user name and password" },
		{ "http://127.0.0.1:8080/?debug=1", "remove the query" },
		{ "http://127.0.0.1:8080/#top", "remove the query or fragment" },
		{ "127.0.0.1:8080", "invalid broker URL" },
		{ "", "invalid broker URL" },
	};
	char error[512];

	for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
		struct http_client_options options = { .base_url = rejected[i].url, .token = TOKEN };
		error[0] = '\0';
		ck_assert_msg(http_client_new(&options, error, sizeof error) == NULL, "accepted %s",
			      rejected[i].url);
		ck_assert_msg(strstr(error, rejected[i].expected) != NULL, "%s: error \"%s\"",
			      rejected[i].url, error);
	}

	struct http_client_options options = { .base_url = "HTTPS://127.0.0.1:8443//", .token = TOKEN };
	struct http_client *http = http_client_new(&options, error, sizeof error);
	ck_assert_msg(http != NULL, "rejected an https URL: %s", error);
	ck_assert_str_eq(http_client_base_url(http), "HTTPS://127.0.0.1:8443");
	http_client_free(http);
}
END_TEST

START_TEST(test_bad_token_rejected_without_echo)
{
	static const char *const tokens[] = { "", "ghs_with space", "ghs_line\nInjected: 1", NULL };
	char error[512];

	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		struct http_client_options options = { .base_url = "http://127.0.0.1:8080",
						       .token = tokens[i] };
		ck_assert_ptr_null(http_client_new(&options, error, sizeof error));
		ck_assert_msg(strstr(error, "token") != NULL, "error \"%s\"", error);
		if (tokens[i] && tokens[i][0])
			ck_assert_ptr_null(strstr(error, tokens[i]));
	}
}
END_TEST

START_TEST(test_request_headers)
{
	struct http_request_options options = { .if_match = 7, .idempotency_key = "key-0001" };
	struct captured c;
	char headers[8192];

	call_server("POST", "/echo", "{\"reason\": \"ok\"}", &options, &c);
	ck_assert_int_eq(c.status, 200);
	ck_assert_str_eq(c.error, "");
	ck_assert(c.has_json);
	test_server_last_headers(&server, headers, sizeof headers);
	ck_assert_ptr_nonnull(strstr(headers, "POST /echo HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(headers, "\r\nAuthorization: Bearer " TOKEN "\r\n"));
	ck_assert_ptr_nonnull(strstr(headers, "\r\nAccept: application/json\r\n"));
	ck_assert_ptr_nonnull(strstr(headers, "\r\nContent-Type: application/json\r\n"));
	ck_assert_ptr_nonnull(strstr(headers, "\r\nUser-Agent: gatehouse/"));
	ck_assert_ptr_nonnull(strstr(headers, "\r\nIf-Match: \"7\"\r\n"));
	ck_assert_ptr_nonnull(strstr(headers, "\r\nIdempotency-Key: key-0001\r\n"));

	call_server("GET", "/echo", NULL, NULL, &c);
	test_server_last_headers(&server, headers, sizeof headers);
	ck_assert_ptr_nonnull(strstr(headers, "GET /echo HTTP/1.1\r\n"));
	ck_assert_ptr_null(strcasestr(headers, "If-Match"));
	ck_assert_ptr_null(strcasestr(headers, "Idempotency-Key"));
	ck_assert_ptr_null(strcasestr(headers, "Content-Type"));
}
END_TEST

START_TEST(test_malformed_json_reported)
{
	struct captured c;

	call_server("GET", "/malformed", NULL, NULL, &c);
	ck_assert_int_eq(c.status, 200);
	ck_assert(!c.has_json);
	ck_assert_msg(strstr(c.error, "invalid JSON") != NULL, "error \"%s\"", c.error);
}
END_TEST

START_TEST(test_html_200_reported)
{
	struct captured c;

	call_server("GET", "/html", NULL, NULL, &c);
	ck_assert_int_eq(c.status, 200);
	ck_assert(!c.has_json);
	ck_assert_msg(strstr(c.error, "text/html, not JSON") != NULL, "error \"%s\"", c.error);
}
END_TEST

START_TEST(test_huge_body_with_length_aborted)
{
	struct captured c;

	call_server("GET", "/huge-length", NULL, NULL, &c);
	ck_assert(!c.has_json);
	ck_assert_msg(strstr(c.error, "larger than 16 MiB") != NULL, "error \"%s\"", c.error);
	ck_assert(!c.connect_failed);
}
END_TEST

START_TEST(test_huge_body_streamed_aborted)
{
	struct captured c;

	call_server("GET", "/huge-stream", NULL, NULL, &c);
	ck_assert(!c.has_json);
	ck_assert_int_eq(c.curl_code, CURLE_WRITE_ERROR);
	ck_assert_msg(strstr(c.error, "larger than 16 MiB") != NULL, "error \"%s\"", c.error);
}
END_TEST

START_TEST(test_half_response_reported)
{
	struct captured c;

	call_server("GET", "/half", NULL, NULL, &c);
	ck_assert(!c.has_json);
	ck_assert_int_eq(c.status, 0);
	ck_assert_msg(strstr(c.error, "closed the connection mid-response") != NULL, "error \"%s\"",
		      c.error);
}
END_TEST

START_TEST(test_slow_drip_times_out)
{
	struct http_request_options options = { .timeout_ms = 1000 };
	struct captured c;

	call_server("GET", "/drip", NULL, &options, &c);
	ck_assert(!c.has_json);
	ck_assert_int_eq(c.curl_code, CURLE_OPERATION_TIMEDOUT);
	ck_assert_msg(strstr(c.error, "timed out after 1 s") != NULL, "error \"%s\"", c.error);
	ck_assert_int_lt(c.duration_ms, 5000);
}
END_TEST

START_TEST(test_redirect_not_followed)
{
	struct captured c;
	unsigned before = atomic_load(&server.requests);

	call_server("GET", "/redirect", NULL, NULL, &c);
	ck_assert_int_eq(c.status, 302);
	ck_assert_msg(strstr(c.error, "redirect") != NULL, "error \"%s\"", c.error);
	ck_assert_msg(strstr(c.error, "not followed") != NULL, "error \"%s\"", c.error);
	ck_assert_uint_eq(atomic_load(&server.requests), before + 1);
}
END_TEST

START_TEST(test_problem_json_parsed)
{
	struct captured c;

	call_server("POST", "/problem", "{}", NULL, &c);
	ck_assert_int_eq(c.status, 409);
	ck_assert(c.has_json);
	ck_assert_str_eq(c.problem_code, "not_pending");
	ck_assert_str_eq(c.problem_detail, "request 42 was already approved by alice");
	ck_assert_msg(strstr(c.error, "request 42 was already approved by alice") != NULL,
		      "error \"%s\"", c.error);
}
END_TEST

START_TEST(test_other_hostile_responses)
{
	static const struct {
		const char *path;
		const char *expected;
	} cases[] = {
		{ "/empty", "empty body" },
		{ "/nul", "invalid JSON" },
		{ "/gateway", "HTTP 502 with text/html" },
		{ "/not-http", "not valid HTTP" },
	};
	struct captured c;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		call_server("GET", cases[i].path, NULL, NULL, &c);
		ck_assert_msg(!c.has_json, "%s parsed as JSON", cases[i].path);
		ck_assert_msg(strstr(c.error, cases[i].expected) != NULL, "%s: error \"%s\"",
			      cases[i].path, c.error);
	}
}
END_TEST

START_TEST(test_retry_after_read)
{
	struct captured c;

	call_server("GET", "/retry-seconds", NULL, NULL, &c);
	ck_assert_int_eq(c.status, 429);
	ck_assert_int_eq(c.retry_after_seconds, 7);
	ck_assert_msg(strstr(c.error, "slow down (HTTP 429 rate_limited)") != NULL, "error \"%s\"",
		      c.error);

	/* The date is read against the clock, which moves on while the call runs. */
	call_server("GET", "/retry-date", NULL, NULL, &c);
	ck_assert_int_ge(c.retry_after_seconds, 28);
	ck_assert_int_le(c.retry_after_seconds, 30);

	call_server("GET", "/retry-past", NULL, NULL, &c);
	ck_assert_int_eq(c.retry_after_seconds, 0);

	call_server("GET", "/retry-garbage", NULL, NULL, &c);
	ck_assert_int_eq(c.retry_after_seconds, -1);

	call_server("GET", "/echo", NULL, NULL, &c);
	ck_assert_int_eq(c.status, 200);
	ck_assert_int_eq(c.retry_after_seconds, -1);
}
END_TEST

START_TEST(test_connection_refused_reported)
{
	struct test_server down;
	struct captured c = { 0 };

	test_server_bind(&down, hostile_handler, NULL);
	struct http_client *http = test_http_client(down.url, TOKEN);
	struct test_loop loop = { .http = http };
	ck_assert_ptr_nonnull(http_client_send(http, "GET", "/v1/me", NULL, NULL, capture, &c));
	ck_assert(test_loop_run(&loop, captured_done, &c, 10000));
	ck_assert_int_eq(c.status, 0);
	ck_assert_int_eq(c.curl_code, CURLE_COULDNT_CONNECT);
	ck_assert(c.connect_failed);
	ck_assert_msg(strstr(c.error, "connection refused") != NULL, "error \"%s\"", c.error);
	ck_assert_ptr_null(strstr(c.error, TOKEN));
	http_client_free(http);
	test_server_stop(&down);
}
END_TEST

START_TEST(test_invalid_path_not_sent)
{
	struct http_client *http = test_http_client(server.url, TOKEN);
	struct captured c = { 0 };

	ck_assert_ptr_null(http_client_send(http, "GET", "v1/me", NULL, NULL, capture, &c));
	ck_assert_ptr_null(http_client_send(http, "GET", "/v1/me HTTP/1.0\r\nX: y", NULL, NULL,
					    capture, &c));
	ck_assert_ptr_null(http_client_send(http, "GET", "/v1/me", NULL, NULL, NULL, NULL));
	ck_assert_uint_eq(http_client_in_flight(http), 0);
	http_client_free(http);
}
END_TEST

static bool never(void *arg)
{
	(void)arg;
	return false;
}

START_TEST(test_cancel_skips_callback)
{
	struct http_client *http = test_http_client(server.url, TOKEN);
	struct test_loop loop = { .http = http };
	struct captured canceled = { 0 }, kept = { 0 };
	struct http_request *request;

	request = http_client_send(http, "GET", "/hold", NULL, NULL, capture, &canceled);
	ck_assert_ptr_nonnull(request);
	ck_assert_ptr_nonnull(http_client_send(http, "GET", "/echo", NULL, NULL, capture, &kept));
	ck_assert_uint_eq(http_client_in_flight(http), 2);
	test_loop_run(&loop, never, NULL, 300);
	http_client_cancel(http, request);
	ck_assert_uint_eq(http_client_in_flight(http), kept.done ? 0 : 1);
	ck_assert(test_loop_run(&loop, captured_done, &kept, 10000));
	test_loop_run(&loop, never, NULL, 300);
	ck_assert_int_eq(canceled.calls, 0);
	ck_assert_int_eq(kept.calls, 1);
	http_client_free(http);
}
END_TEST

START_TEST(test_free_with_calls_in_flight)
{
	struct http_client *http = test_http_client(server.url, TOKEN);
	struct test_loop loop = { .http = http };
	struct captured c = { 0 };

	for (int i = 0; i < 5; i++)
		ck_assert_ptr_nonnull(http_client_send(http, "GET", "/hold", NULL, NULL, capture, &c));
	test_loop_run(&loop, never, NULL, 300);
	ck_assert_uint_eq(http_client_in_flight(http), 5);
	http_client_free(http);
	ck_assert_int_eq(c.calls, 0);
}
END_TEST

START_TEST(test_idle_poll_sleeps_in_kernel)
{
	struct http_client *http = test_http_client(server.url, TOKEN);
	struct test_loop loop = { .http = http };
	struct captured c = { 0 };
	struct http_request_options options = { .timeout_ms = 30000 };
	unsigned iterations = 0;

	ck_assert_ptr_nonnull(http_client_send(http, "GET", "/hold", NULL, &options, capture, &c));
	test_loop_run(&loop, never, NULL, 500);
	ck_assert_uint_eq(http_client_in_flight(http), 1);

	int64_t started = time_monotonic_ms();
	while (time_monotonic_ms() - started < 3000) {
		int64_t left = 3000 - (time_monotonic_ms() - started);
		ck_assert_int_eq(http_client_poll(http, NULL, 0, (int)left), 0);
		http_client_perform(http);
		iterations++;
	}
	ck_assert_msg(iterations <= 5, "%u loop iterations in 3 s while idle", iterations);
	ck_assert(!c.done);
	http_client_free(http);
}
END_TEST

START_TEST(test_poll_reports_extra_fd)
{
	struct http_client *http = test_http_client(server.url, TOKEN);
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	struct curl_waitfd extra = { .fd = fds[0], .events = CURL_WAIT_POLLIN };
	int64_t started = time_monotonic_ms();
	ck_assert_int_eq(http_client_poll(http, &extra, 1, 200), 0);
	ck_assert_int_ge(time_monotonic_ms() - started, 150);

	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	started = time_monotonic_ms();
	ck_assert_int_eq(http_client_poll(http, &extra, 1, 5000), 1);
	ck_assert(extra.revents & CURL_WAIT_POLLIN);
	ck_assert_int_lt(time_monotonic_ms() - started, 1000);
	close(fds[0]);
	close(fds[1]);
	http_client_free(http);
}
END_TEST

static void *wake_later(void *arg)
{
	test_sleep_ms(200);
	http_client_wakeup(arg);
	return NULL;
}

START_TEST(test_wakeup_ends_poll)
{
	struct http_client *http = test_http_client(server.url, TOKEN);
	pthread_t thread;

	int64_t started = time_monotonic_ms();
	ck_assert_int_eq(pthread_create(&thread, NULL, wake_later, http), 0);
	ck_assert_int_eq(http_client_poll(http, NULL, 0, 10000), 0);
	ck_assert_int_lt(time_monotonic_ms() - started, 5000);
	pthread_join(thread, NULL);
	http_client_free(http);
}
END_TEST

static char *read_whole_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct strbuf text = STRBUF_INIT;
	char chunk[4096];
	size_t n;

	ck_assert_ptr_nonnull(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		strbuf_append(&text, chunk, n);
	fclose(f);
	return strbuf_detach(&text);
}

START_TEST(test_trace_lines_without_token)
{
	char directory[64], trace_path[128];
	struct captured c;
	struct stat st;

	test_make_directory(directory, sizeof directory, "test_client_http");
	snprintf(trace_path, sizeof trace_path, "%s/trace.log", directory);
	setenv("GATEHOUSE_TRACE", trace_path, 1);
	call_server("GET", "/echo", NULL, NULL, &c);
	call_server("POST", "/problem", "{\"reason\": \"" TOKEN "\"}", NULL, &c);
	call_server("GET", "/echo-token", NULL, NULL, &c);
	unsetenv("GATEHOUSE_TRACE");
	ck_assert_int_eq(c.status, 400);
	ck_assert_msg(strstr(c.error, "bad header Bearer [token]") != NULL, "error \"%s\"", c.error);
	ck_assert_ptr_null(strstr(c.error, TOKEN));

	char *trace = read_whole_file(trace_path);
	ck_assert_msg(strstr(trace, " GET /echo 200 ") != NULL, "trace: %s", trace);
	ck_assert_msg(strstr(trace, " POST /problem 409 ") != NULL, "trace: %s", trace);
	ck_assert_msg(strstr(trace, "request 42 was already approved by alice") != NULL, "trace: %s",
		      trace);
	ck_assert_msg(strstr(trace, " GET /echo-token 400 ") != NULL, "trace: %s", trace);
	ck_assert_msg(strstr(trace, "[token]") != NULL, "trace: %s", trace);
	ck_assert_ptr_null(strstr(trace, TOKEN));
	ck_assert_ptr_null(strstr(trace, "Authorization"));
	ck_assert_int_eq(stat(trace_path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	free(trace);
	test_remove_directory(directory);
}
END_TEST

START_TEST(test_trace_escapes_broker_text)
{
	char directory[64], trace_path[128];
	struct captured c;

	test_make_directory(directory, sizeof directory, "test_client_http");
	snprintf(trace_path, sizeof trace_path, "%s/trace.log", directory);
	setenv("GATEHOUSE_TRACE", trace_path, 1);
	call_server("GET", "/escapes", NULL, NULL, &c);
	unsetenv("GATEHOUSE_TRACE");
	ck_assert_int_eq(c.status, 403);

	char *trace = read_whole_file(trace_path);
	size_t length = strlen(trace);
	ck_assert_uint_gt(length, 0);
	ck_assert_int_eq(trace[length - 1], '\n');
	for (size_t i = 0; i + 1 < length; i++) {
		unsigned char byte = (unsigned char)trace[i];
		/* The trace itself is not printed: its bytes would reach this terminal. */
		ck_assert_msg(byte >= 0x20 && byte < 0x7f, "byte 0x%02x at %zu in the trace", byte, i);
	}
	ck_assert_msg(strstr(trace, "no \\x1b]52;c;cHduZWQ=\\x07 way \\xc2\\x9b31m \\x7f "
			     "\\xe2\\x80\\xae \\x5c end (HTTP 403 forbidden\\x1b]0;TITLE\\x07)") != NULL,
		      "trace: %s", trace);
	free(trace);
	test_remove_directory(directory);
}
END_TEST

/* Create a client with GATEHOUSE_TRACE set to path; its trace warning goes into warning. */
static struct http_client *client_with_trace(const char *path, char *warning, size_t size)
{
	struct http_client *http;

	setenv("GATEHOUSE_TRACE", path, 1);
	http = test_http_client(server.url, TOKEN);
	unsetenv("GATEHOUSE_TRACE");
	snprintf(warning, size, "%s", http_client_trace_warning(http) ? http_client_trace_warning(http)
								      : "");
	return http;
}

START_TEST(test_trace_fifo_skipped_with_warning)
{
	char directory[64], fifo_path[128], warning[512];
	struct captured c = { 0 };

	test_make_directory(directory, sizeof directory, "test_client_http");
	snprintf(fifo_path, sizeof fifo_path, "%s/trace.fifo", directory);
	ck_assert_int_eq(mkfifo(fifo_path, 0600), 0);
	/* Without a reader, a blocking open would never return. */
	struct http_client *http = client_with_trace(fifo_path, warning, sizeof warning);
	ck_assert_msg(strstr(warning, "GATEHOUSE_TRACE names a FIFO") != NULL, "warning \"%s\"",
		      warning);
	ck_assert_ptr_nonnull(strstr(warning, fifo_path));

	struct test_loop loop = { .http = http };
	ck_assert_ptr_nonnull(http_client_send(http, "GET", "/echo", NULL, NULL, capture, &c));
	ck_assert(test_loop_run(&loop, captured_done, &c, 10000));
	ck_assert_int_eq(c.status, 200);
	http_client_free(http);
	test_remove_directory(directory);
}
END_TEST

START_TEST(test_trace_symlink_skipped_with_warning)
{
	char directory[64], target[128], link_path[128], warning[512];
	struct stat st;

	test_make_directory(directory, sizeof directory, "test_client_http");
	snprintf(target, sizeof target, "%s/elsewhere.log", directory);
	snprintf(link_path, sizeof link_path, "%s/trace.log", directory);
	ck_assert_int_eq(symlink(target, link_path), 0);
	struct http_client *http = client_with_trace(link_path, warning, sizeof warning);
	ck_assert_msg(strstr(warning, "GATEHOUSE_TRACE names a symbolic link") != NULL,
		      "warning \"%s\"", warning);
	ck_assert_int_ne(stat(target, &st), 0);
	http_client_free(http);

	http = client_with_trace(target, warning, sizeof warning);
	ck_assert_str_eq(warning, "");
	http_client_free(http);
	test_remove_directory(directory);
}
END_TEST

/* Run a program (looked up in PATH) to completion with stdout and stderr discarded. */
static int run_quietly(const char *const *argv)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Make a self-signed certificate for 127.0.0.1; false when openssl is missing or fails. */
static bool make_certificate(const char *directory, char *cert, char *key, size_t size)
{
	snprintf(cert, size, "%s/cert.pem", directory);
	snprintf(key, size, "%s/key.pem", directory);
	const char *const argv[] = {
		"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
		"-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
		"-addext", "subjectAltName=IP:127.0.0.1", NULL,
	};
	return run_quietly(argv) == 0;
}

/* Add principal root (admin) and return a token for it, in a fresh broker directory. */
static void make_admin_token(struct broker_process *bp, char *token, size_t size)
{
	char output[512];
	const char *const add[] = { "principal", "add", "--db", bp->db_path, "--id", "root",
				    "--roles", "admin", NULL };
	const char *const create[] = { "token", "create", "--db", bp->db_path, "--principal",
				       "root", NULL };

	ck_assert_int_eq(gatehoused_run(add, output, sizeof output), 0);
	ck_assert_int_eq(gatehoused_run(create, output, sizeof output), 0);
	output[strcspn(output, "\n")] = '\0';
	ck_assert_uint_lt(strlen(output), size);
	memcpy(token, output, strlen(output) + 1);
	ck_assert_int_gt(strlen(token), 10);
}

static void call_once(struct http_client_options *options, struct captured *c)
{
	char error[512];
	struct http_client *http = http_client_new(options, error, sizeof error);

	ck_assert_msg(http != NULL, "%s", error);
	struct test_loop loop = { .http = http };
	memset(c, 0, sizeof *c);
	ck_assert_ptr_nonnull(http_client_send(http, "GET", "/v1/me", NULL, NULL, capture, c));
	ck_assert(test_loop_run(&loop, captured_done, c, 20000));
	http_client_free(http);
}

/*
 * Start a broker serving HTTPS with a new self-signed certificate for
 * 127.0.0.1, in bp's fresh directory, with an admin token. Returns false,
 * after cleaning up, when openssl cannot make the certificate.
 */
static bool start_tls_broker(struct broker_process *bp, const char *test_name, char *cert,
			     size_t cert_size, char *token, size_t token_size)
{
	char key[320];

	test_make_directory(bp->dir, sizeof bp->dir, "test_client_tls");
	snprintf(bp->db_path, sizeof bp->db_path, "%s/broker.db", bp->dir);
	if (!make_certificate(bp->dir, cert, key, cert_size < sizeof key ? cert_size : sizeof key)) {
		printf("%s: skipped, openssl could not make a certificate (is it installed?)\n",
		       test_name);
		broker_process_cleanup(bp);
		return false;
	}
	make_admin_token(bp, token, token_size);
	const char *const extra[] = { "--tls-cert", cert, "--tls-key", key, NULL };
	ck_assert(broker_process_start(bp, false, extra));
	return true;
}

START_TEST(test_tls_verified_by_default)
{
	struct broker_process bp = { 0 };
	char cert[320], token[128], url[64];
	struct captured c;

	if (!start_tls_broker(&bp, "test_tls_verified_by_default", cert, sizeof cert, token,
			      sizeof token))
		return;
	snprintf(url, sizeof url, "https://127.0.0.1:%u", bp.port);

	struct http_client_options options = { .base_url = url, .token = token };
	call_once(&options, &c);
	ck_assert_int_eq(c.status, 0);
	ck_assert_int_eq(c.curl_code, CURLE_PEER_FAILED_VERIFICATION);
	ck_assert_msg(strstr(c.error, "TLS certificate not trusted") != NULL, "error \"%s\"", c.error);
	ck_assert_ptr_null(strstr(c.error, token));

	options.ca_file = cert;
	call_once(&options, &c);
	ck_assert_msg(c.status == 200, "with the CA file: %ld %s", c.status, c.error);

	options.ca_file = NULL;
	options.insecure_tls = true;
	call_once(&options, &c);
	ck_assert_msg(c.status == 200, "with insecure_tls: %ld %s", c.status, c.error);
	broker_process_cleanup(&bp);
}
END_TEST

/* What the test proxy received in clear: the headers of each request, one after another. */
struct proxy_record {
	pthread_mutex_t lock;
	char seen[16384];
	unsigned tunnel_port;       /* the one port CONNECT may reach: the broker's */
};

/* Copy bytes both ways between the client and the broker until either side closes. */
static void relay(struct test_server *proxy, int client, int upstream)
{
	char buffer[16384];
	struct pollfd fds[2] = { { client, POLLIN, 0 }, { upstream, POLLIN, 0 } };

	while (!atomic_load(&proxy->stopping)) {
		int ready = poll(fds, 2, 100);
		if (ready < 0)
			return;
		for (int i = 0; ready > 0 && i < 2; i++) {
			if (!fds[i].revents)
				continue;
			ssize_t n = recv(fds[i].fd, buffer, sizeof buffer, 0);
			if (n <= 0 || !test_send(fds[1 - i].fd, buffer, (size_t)n))
				return;
		}
	}
}

static int connect_loopback(unsigned port)
{
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&address, sizeof address) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* An HTTP proxy that records what it reads in clear and tunnels CONNECT to the broker only. */
static void proxy_handler(struct test_server *proxy, int fd, const struct test_request *request)
{
	struct proxy_record *record = proxy->ctx;
	unsigned port = 0;
	int upstream;

	pthread_mutex_lock(&record->lock);
	strncat(record->seen, request->headers, sizeof record->seen - strlen(record->seen) - 1);
	pthread_mutex_unlock(&record->lock);
	if (strcmp(request->method, "CONNECT") != 0 ||
	    sscanf(request->target, "127.0.0.1:%u", &port) != 1 || port != record->tunnel_port) {
		test_respond(fd, 403, "text/plain", "this proxy only tunnels to the test broker");
		return;
	}
	upstream = connect_loopback(port);
	if (upstream < 0) {
		test_respond(fd, 502, "text/plain", "the broker refused the tunnel");
		return;
	}
	send_text(fd, "HTTP/1.1 200 Connection established\r\n\r\n");
	relay(proxy, fd, upstream);
	close(upstream);
}

START_TEST(test_https_proxy_sees_only_connect)
{
	struct broker_process bp = { 0 };
	struct proxy_record record = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct test_server proxy;
	char cert[320], token[128], url[64], connect_line[64];
	struct captured c;

	if (!start_tls_broker(&bp, "test_https_proxy_sees_only_connect", cert, sizeof cert, token,
			      sizeof token))
		return;
	snprintf(url, sizeof url, "https://127.0.0.1:%u", bp.port);
	record.tunnel_port = bp.port;
	test_server_start(&proxy, proxy_handler, &record);
	setenv("https_proxy", proxy.url, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");

	struct http_client_options options = {
		.base_url = url, .token = token, .ca_file = cert, .use_proxy_environment = true,
	};
	call_once(&options, &c);
	ck_assert_msg(c.status == 200, "through the proxy: %ld %s", c.status, c.error);
	snprintf(connect_line, sizeof connect_line, "CONNECT 127.0.0.1:%u HTTP/1.1\r\n", bp.port);
	pthread_mutex_lock(&record.lock);
	ck_assert_msg(strncmp(record.seen, connect_line, strlen(connect_line)) == 0,
		      "the proxy saw \"%s\"", record.seen);
	ck_assert_ptr_null(strstr(record.seen, token));
	ck_assert_ptr_null(strcasestr(record.seen, "Authorization"));
	pthread_mutex_unlock(&record.lock);

	/* no_proxy, read by libcurl, keeps the broker off the proxy. */
	unsigned before = atomic_load(&proxy.requests);
	setenv("no_proxy", "127.0.0.1", 1);
	call_once(&options, &c);
	ck_assert_msg(c.status == 200, "with no_proxy: %ld %s", c.status, c.error);
	ck_assert_uint_eq(atomic_load(&proxy.requests), before);

	/* A client that does not use the environment ignores the proxy variables. */
	unsetenv("no_proxy");
	options.use_proxy_environment = false;
	call_once(&options, &c);
	ck_assert_msg(c.status == 200, "without the environment: %ld %s", c.status, c.error);
	ck_assert_uint_eq(atomic_load(&proxy.requests), before);

	unsetenv("https_proxy");
	test_server_stop(&proxy);
	broker_process_cleanup(&bp);
}
END_TEST

static Suite *client_http_suite(void)
{
	Suite *suite = suite_create("client_http");
	TCase *hostile = tcase_create("hostile");
	TCase *tls = tcase_create("tls");

	tcase_set_timeout(hostile, 60);
	tcase_add_checked_fixture(hostile, start_server, stop_server);
	tcase_add_test(hostile, test_base_url_validation);
	tcase_add_test(hostile, test_bad_token_rejected_without_echo);
	tcase_add_test(hostile, test_request_headers);
	tcase_add_test(hostile, test_malformed_json_reported);
	tcase_add_test(hostile, test_html_200_reported);
	tcase_add_test(hostile, test_huge_body_with_length_aborted);
	tcase_add_test(hostile, test_huge_body_streamed_aborted);
	tcase_add_test(hostile, test_half_response_reported);
	tcase_add_test(hostile, test_slow_drip_times_out);
	tcase_add_test(hostile, test_redirect_not_followed);
	tcase_add_test(hostile, test_problem_json_parsed);
	tcase_add_test(hostile, test_other_hostile_responses);
	tcase_add_test(hostile, test_retry_after_read);
	tcase_add_test(hostile, test_connection_refused_reported);
	tcase_add_test(hostile, test_invalid_path_not_sent);
	tcase_add_test(hostile, test_cancel_skips_callback);
	tcase_add_test(hostile, test_free_with_calls_in_flight);
	tcase_add_test(hostile, test_idle_poll_sleeps_in_kernel);
	tcase_add_test(hostile, test_poll_reports_extra_fd);
	tcase_add_test(hostile, test_wakeup_ends_poll);
	tcase_add_test(hostile, test_trace_lines_without_token);
	tcase_add_test(hostile, test_trace_escapes_broker_text);
	tcase_add_test(hostile, test_trace_fifo_skipped_with_warning);
	tcase_add_test(hostile, test_trace_symlink_skipped_with_warning);
	suite_add_tcase(suite, hostile);

	tcase_set_timeout(tls, 120);
	tcase_add_test(tls, test_tls_verified_by_default);
	tcase_add_test(tls, test_https_proxy_sees_only_connect);
	suite_add_tcase(suite, tls);
	return suite;
}

CHECK_MAIN(client_http_suite)
