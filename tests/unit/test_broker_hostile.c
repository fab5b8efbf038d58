/*
 * Hostile requests to gatehoused: broken and oversized bodies, odd paths, query
 * strings, methods and headers. After each one the broker must still respond
 * to /healthz and must have written nothing.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

#define BODY_MAX (64 * 1024)

static struct test_world world;
static int64_t first_request_id;

/* One broker for the whole case: every test checks that it changed nothing. */
static void start_world(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	world_build(&world);
	world_start(&world, NULL);
	first_request_id = world_create_request(&world, ALICE, "svc", 3600);
}

static void stop_world(void)
{
	world_destroy(&world);
	curl_global_cleanup();
}

static const char *const counted_tables[] = {
	"requests", "approvals", "grants", "events", "audit", "idempotency",
};
#define COUNTED_TABLES (sizeof counted_tables / sizeof counted_tables[0])

struct db_counts {
	int64_t rows[COUNTED_TABLES];
};

static void read_counts(struct db_counts *counts)
{
	char sql[64];

	for (size_t i = 0; i < COUNTED_TABLES; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", counted_tables[i]);
		counts->rows[i] = test_db_query_int(world.bp.db_path, sql);
	}
}

/* Check that the broker still responds and that no table gained or lost a row. */
static void check_unharmed(const struct db_counts *before)
{
	struct http_result r;
	struct db_counts after;

	ck_assert_int_eq(world_get(&world, NOBODY, "/healthz", &r), 200);
	http_result_free(&r);
	read_counts(&after);
	for (size_t i = 0; i < COUNTED_TABLES; i++)
		ck_assert_msg(after.rows[i] == before->rows[i], "%s: %lld rows, before %lld",
			      counted_tables[i], (long long)after.rows[i], (long long)before->rows[i]);
}

/* Send body bytes to POST path as alice with one extra header (may be NULL). */
static void send_raw(const char *method, const char *path, const char *body, size_t length,
		     const char *header, struct raw_response *r)
{
	CURL *curl = curl_easy_init();
	char url[512], authorization[TEST_TOKEN_SIZE + 32];
	const char *headers[] = { authorization, header ? header : "Content-Type: application/json",
				  NULL };

	snprintf(url, sizeof url, "%s%s", world.bp.url, path);
	snprintf(authorization, sizeof authorization, "Authorization: Bearer %s", world.tokens[ALICE]);
	ck_assert_int_eq(raw_call(curl, url, method, headers, body, length, r), CURLE_OK);
	curl_easy_cleanup(curl);
}

/* The code and field of a problem response. */
static void problem_fields(const struct raw_response *r, char *code, char *field, size_t size)
{
	json_t *j = json_loads(strbuf_str(&r->body), 0, NULL);
	const char *c = json_string_value(json_object_get(j, "code"));
	const char *f = json_string_value(json_object_get(j, "field"));

	snprintf(code, size, "%s", c ? c : "(none)");
	snprintf(field, size, "%s", f ? f : "(none)");
	json_decref(j);
}

/* POST body (length bytes) to path and check the status, and code and field when given. */
static void check_post(const char *path, const char *body, size_t length, long status,
		       const char *code, const char *field)
{
	struct raw_response r;
	char got_code[256], got_field[256];

	send_raw("POST", path, body, length, NULL, &r);
	ck_assert_msg(r.status == status, "%.80s: %ld, expected %ld (%s)", body, r.status, status,
		      strbuf_str(&r.body));
	problem_fields(&r, got_code, got_field, sizeof got_code);
	if (code)
		ck_assert_msg(strcmp(got_code, code) == 0, "%.80s: code %s, expected %s", body,
			      got_code, code);
	if (field)
		ck_assert_msg(strcmp(got_field, field) == 0, "%.80s: field %s, expected %s", body,
			      got_field, field);
	raw_response_free(&r);
}

/* POST a text body to path and check that it is 400 invalid, naming field. */
static void check_invalid(const char *path, const char *body, const char *field)
{
	check_post(path, body, strlen(body), 400, "invalid", field);
}

static void check_create_rejected(const char *body, const char *field)
{
	check_invalid("/v1/requests", body, field);
}

START_TEST(test_malformed_json_rejected)
{
	static const char *const bodies[] = {
		"{",
		"{\"resource\": \"svc\",",
		"{\"resource\": \"svc\"} trailing",
		"{'resource': 'svc'}",
		"{\"resource\": svc}",
		"[]",
		"[{\"resource\": \"svc\"}]",
		"\"svc\"",
		"42",
		"null",
		"true",
		" ",
		"\xef\xbb\xbf{}",
	};
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
		check_create_rejected(bodies[i], "body");
	check_unharmed(&before);
}
END_TEST

START_TEST(test_wrong_types_rejected)
{
	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
		{ "{\"resource\": 5, \"role\": \"r\", \"reason\": \"x\", \"duration_seconds\": 60}", "resource" },
		{ "{\"resource\": [\"svc\"], \"role\": \"r\", \"reason\": \"x\", \"duration_seconds\": 60}", "resource" },
		{ "{\"resource\": \"svc\", \"role\": {}, \"reason\": \"x\", \"duration_seconds\": 60}", "role" },
		{ "{\"resource\": \"svc\", \"role\": true, \"reason\": \"x\", \"duration_seconds\": 60}", "role" },
		{ "{\"resource\": \"svc\", \"role\": \"r\", \"reason\": 1, \"duration_seconds\": 60}", "reason" },
		{ "{\"resource\": \"svc\", \"role\": \"r\", \"reason\": \"x\", \"duration_seconds\": \"60\"}", "duration_seconds" },
		{ "{\"resource\": \"svc\", \"role\": \"r\", \"reason\": \"x\", \"duration_seconds\": 60.5}", "duration_seconds" },
		{ "{\"resource\": \"svc\", \"role\": \"r\", \"reason\": \"x\", \"duration_seconds\": 6e2}", "duration_seconds" },
		{ "{\"resource\": \"svc\", \"role\": \"r\", \"reason\": \"x\", \"duration_seconds\": true}", "duration_seconds" },
		{ "{\"resource\": \"svc\", \"role\": \"r\", \"reason\": \"x\", \"duration_seconds\": null}", "duration_seconds" },
		{ "{\"resource\": \"svc\", \"role\": \"r\", \"reason\": \"x\"}", "duration_seconds" },
		{ "{\"role\": \"r\", \"reason\": \"x\", \"duration_seconds\": 60}", "resource" },
	};
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_create_rejected(cases[i].body, cases[i].field);
	check_invalid("/v1/requests/1/deny", "{\"reason\": 5}", "reason");
	check_invalid("/v1/requests/1/approve", "{\"reason\": [\"ok\"]}", "reason");
	check_unharmed(&before);
}
END_TEST

START_TEST(test_unknown_field_named)
{
	char body[512], name[201];
	struct db_counts before;

	read_counts(&before);
	check_create_rejected("{\"resource\": \"svc\", \"role\": \"r\", \"reason\": \"x\", "
			      "\"duration_seconds\": 60, \"approved\": true}", "approved");
	check_create_rejected("{\"Resource\": \"svc\", \"role\": \"r\", \"reason\": \"x\", "
			      "\"duration_seconds\": 60}", "Resource");
	check_invalid("/v1/requests/1/cancel", "{\"force\": true}", "force");
	memset(name, 'f', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	snprintf(body, sizeof body, "{\"%s\": 1}", name);
	check_invalid("/v1/requests/1/cancel", body, name);
	check_unharmed(&before);
}
END_TEST

START_TEST(test_duplicate_key_rejected)
{
	struct db_counts before;

	read_counts(&before);
	check_create_rejected("{\"resource\": \"svc\", \"role\": \"read\", \"role\": \"admin\", "
			      "\"reason\": \"x\", \"duration_seconds\": 60}", "body");
	check_invalid("/v1/requests/1/deny", "{\"reason\": \"a\", \"reason\": \"b\"}", "body");
	check_unharmed(&before);
}
END_TEST

START_TEST(test_nul_escape_rejected)
{
	struct db_counts before;

	read_counts(&before);
	check_create_rejected("{\"resource\": \"svc\", \"role\": \"read\", \"reason\": \"a\\u0000b\", "
			      "\"duration_seconds\": 60}", "body");
	check_create_rejected("{\"resource\": \"sv\\u0000c\", \"role\": \"read\", \"reason\": \"x\", "
			      "\"duration_seconds\": 60}", "body");
	check_unharmed(&before);
}
END_TEST

START_TEST(test_nul_byte_rejected)
{
	static const char body[] = "{\"resource\": \"svc\", \"role\": \"read\", \"reason\": \"a\0b\", "
				   "\"duration_seconds\": 60}";
	static const char trailing[] = "{}\0";
	struct db_counts before;

	read_counts(&before);
	check_post("/v1/requests", body, sizeof body - 1, 400, "invalid", NULL);
	check_post("/v1/requests/1/cancel", trailing, sizeof trailing - 1, 400, "invalid", NULL);
	check_unharmed(&before);
}
END_TEST

START_TEST(test_invalid_utf8_rejected)
{
	static const char *const reasons[] = {
		"\xff", "caf\xe9", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
	};
	char body[256];
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		snprintf(body, sizeof body, "{\"resource\": \"svc\", \"role\": \"read\", \"reason\": \"%s\", "
			 "\"duration_seconds\": 60}", reasons[i]);
		check_create_rejected(body, "body");
	}
	check_unharmed(&before);
}
END_TEST

START_TEST(test_enormous_numbers_rejected)
{
	static const char *const durations[] = {
		"99999999999999999999", "-99999999999999999999", "1e400", "9223372036854775807",
		"-9223372036854775808", "0",
	};
	char body[256];
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		snprintf(body, sizeof body, "{\"resource\": \"svc\", \"role\": \"read\", \"reason\": \"x\", "
			 "\"duration_seconds\": %s}", durations[i]);
		struct raw_response r;
		send_raw("POST", "/v1/requests", body, strlen(body), NULL, &r);
		ck_assert_msg(r.status == 400, "%s: %ld", durations[i], r.status);
		raw_response_free(&r);
	}
	check_unharmed(&before);
}
END_TEST

/* A body of exactly length bytes: a valid new request padded with spaces. */
static char *padded_request(size_t length)
{
	char *body = request_body("svc", "read", "padded", 3600);
	size_t used = strlen(body);
	char *padded = malloc(length + 1);

	ck_assert(padded != NULL && used <= length);
	memset(padded, ' ', length);
	memcpy(padded, body, used);
	padded[length] = '\0';
	free(body);
	return padded;
}

START_TEST(test_body_limit_exact)
{
	struct raw_response r;
	char *body = padded_request(BODY_MAX);
	char *over = padded_request(BODY_MAX + 1);
	struct db_counts before;

	send_raw("POST", "/v1/requests", body, BODY_MAX, NULL, &r);
	ck_assert_int_eq(r.status, 201);
	raw_response_free(&r);

	read_counts(&before);
	check_post("/v1/requests", over, BODY_MAX + 1, 413, "too_large", NULL);
	check_unharmed(&before);
	free(body);
	free(over);
}
END_TEST

START_TEST(test_huge_body_rejected)
{
	size_t length = 10 * 1024 * 1024;
	char *body = malloc(length);
	struct raw_response r;
	struct db_counts before;

	ck_assert_ptr_nonnull(body);
	memset(body, '[', length);
	read_counts(&before);
	check_post("/v1/requests", body, length, 413, "too_large", NULL);
	check_unharmed(&before);

	/* Without a Content-Length the broker can only count what arrives. */
	send_raw("POST", "/v1/requests", body, length, "Transfer-Encoding: chunked", &r);
	ck_assert_int_eq(r.status, 413);
	raw_response_free(&r);
	check_unharmed(&before);
	free(body);
}
END_TEST

START_TEST(test_deep_nesting_rejected)
{
	size_t length = 100000;
	char *body = malloc(length);
	struct db_counts before;

	ck_assert_ptr_nonnull(body);
	memset(body, '[', length);
	read_counts(&before);
	check_post("/v1/requests", body, length, 413, "too_large", NULL);
	check_post("/v1/requests", body, BODY_MAX - 1, 400, "invalid", "body");
	memset(body, '{', length);
	check_post("/v1/requests", body, BODY_MAX - 1, 400, "invalid", "body");
	check_unharmed(&before);
	free(body);
}
END_TEST

START_TEST(test_bad_ids_not_found)
{
	static const char *const paths[] = {
		"/v1/requests/0", "/v1/requests/-1", "/v1/requests/99999999999999999999",
		"/v1/requests/abc", "/v1/requests/1abc", "/v1/requests/01", "/v1/requests/+1",
		"/v1/requests/1/approve/extra", "/v1/requests/", "/v1/requests//1", "/v1/requests/1/",
		"/v1/grants/0", "/v1/grants/9223372036854775807", "/v1", "/v2/requests", "/",
		"/v1/requests/999999999999999",
	};
	struct http_result r;
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		ck_assert_msg(world_get(&world, ROOT, paths[i], &r) == 404, "GET %s: %ld", paths[i],
			      r.status);
		ck_assert_str_eq(http_json_string(&r, "code"), "not_found");
		http_result_free(&r);
	}
	ck_assert_int_eq(world_post(&world, BOB, "/v1/requests/0/approve", "{}", &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(world_post(&world, BOB, "/v1/requests/-1/approve", "{}", &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(world_post(&world, BOB, "/v1/requests/999999999999999/approve", "{}", &r),
			 404);
	http_result_free(&r);
	check_unharmed(&before);
}
END_TEST

/* libmicrohttpd decodes the path before routing, so an encoded path means the same as the plain one. */
START_TEST(test_percent_encoded_path)
{
	struct http_result plain, encoded;
	char path[64], encoded_path[64];
	struct db_counts before;

	read_counts(&before);
	snprintf(path, sizeof path, "/v1/requests/%lld", (long long)first_request_id);
	snprintf(encoded_path, sizeof encoded_path, "/v1/%%72equests/%lld", (long long)first_request_id);
	ck_assert_int_eq(world_get(&world, ROOT, path, &plain), 200);
	ck_assert_int_eq(world_get(&world, ROOT, encoded_path, &encoded), 200);
	ck_assert_str_eq(encoded.body, plain.body);
	http_result_free(&plain);
	http_result_free(&encoded);

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/requests/%2e%2e/%2e%2e/healthz", &encoded), 404);
	http_result_free(&encoded);
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/requests/%30", &encoded), 404);
	http_result_free(&encoded);
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/requests/%ff", &encoded), 404);
	http_result_free(&encoded);
	check_unharmed(&before);
}
END_TEST

static void check_query_rejected(const char *path, const char *field)
{
	struct http_result r;

	ck_assert_msg(world_get(&world, ROOT, path, &r) == 400, "%s: %ld", path, r.status);
	ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
	ck_assert_msg(strcmp(http_json_string(&r, "field"), field) == 0, "%s: field %s, expected %s",
		      path, http_json_string(&r, "field"), field);
	http_result_free(&r);
}

START_TEST(test_unknown_query_rejected)
{
	struct db_counts before;

	read_counts(&before);
	check_query_rejected("/v1/requests?foo=1", "foo");
	check_query_rejected("/v1/requests?status=pending&Status=approved", "Status");
	check_query_rejected("/v1/grants?owner=alice", "owner");
	check_query_rejected("/v1/events?after=0&since=0", "since");
	check_query_rejected("/v1/audit?object=request&id=1", "id");
	check_query_rejected("/v1/resources?sort=id", "sort");
	check_query_rejected("/v1/requests/1?fields=all", "fields");
	check_unharmed(&before);
}
END_TEST

START_TEST(test_bad_limits_rejected)
{
	static const char *const lists[] = { "/v1/requests", "/v1/grants", "/v1/audit", "/v1/resources" };
	static const char *const limits[] = {
		"0", "501", "abc", "-1", "1.5", "99999999999999999999", "0x10", "+5", "5%20",
	};
	char path[128];
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
			snprintf(path, sizeof path, "%s?limit=%s", lists[i], limits[k]);
			check_query_rejected(path, "limit");
		}
	}
	check_query_rejected("/v1/events?limit=1001", "limit");
	check_query_rejected("/v1/events?limit=0", "limit");
	check_query_rejected("/v1/events?wait=61", "wait");
	check_query_rejected("/v1/events?wait=-1", "wait");
	check_query_rejected("/v1/events?after=-1", "after");
	check_query_rejected("/v1/events?after=x", "after");
	check_query_rejected("/v1/requests?cursor=0", "cursor");
	check_query_rejected("/v1/requests?cursor=abc", "cursor");
	check_query_rejected("/v1/audit?object_id=0&object=request", "object_id");
	check_unharmed(&before);
}
END_TEST

START_TEST(test_bad_filters_rejected)
{
	static const char *const paths[] = {
		"/v1/requests?status=open", "/v1/requests?status=PENDING", "/v1/grants?status=pending",
		"/v1/grants?kind=forever", "/v1/audit?object=principal", "/v1/audit?object_id=1",
	};
	struct http_result r;

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		ck_assert_msg(world_get(&world, ROOT, paths[i], &r) == 400, "%s: %ld", paths[i],
			      r.status);
		ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
		http_result_free(&r);
	}
}
END_TEST

static void check_method_not_allowed(const char *method, const char *path, const char *allow)
{
	struct raw_response r;
	char header[64] = "";
	char code[64], field[64];

	send_raw(method, path, NULL, 0, NULL, &r);
	ck_assert_msg(r.status == 405, "%s %s: %ld", method, path, r.status);
	ck_assert_msg(raw_header(&r, "Allow", header, sizeof header), "%s %s: no Allow", method, path);
	ck_assert_str_eq(header, allow);
	problem_fields(&r, code, field, sizeof code);
	ck_assert_str_eq(code, "method_not_allowed");
	raw_response_free(&r);
}

START_TEST(test_wrong_method_allowed_listed)
{
	struct db_counts before;

	read_counts(&before);
	check_method_not_allowed("DELETE", "/v1/requests", "GET, POST");
	check_method_not_allowed("PUT", "/v1/requests/1", "GET");
	check_method_not_allowed("DELETE", "/v1/requests/1", "GET");
	check_method_not_allowed("GET", "/v1/requests/1/approve", "POST");
	check_method_not_allowed("PATCH", "/v1/grants/revoke", "POST");
	check_method_not_allowed("POST", "/healthz", "GET");
	check_method_not_allowed("POST", "/v1/events", "GET");
	check_method_not_allowed("get", "/v1/me", "GET");
	check_unharmed(&before);
}
END_TEST

START_TEST(test_body_on_get_ignored)
{
	struct raw_response r;
	struct db_counts before;
	char *body = request_body("svc", "read", "sent with GET", 3600);

	read_counts(&before);
	send_raw("GET", "/v1/requests", body, strlen(body), NULL, &r);
	ck_assert_int_eq(r.status, 200);
	raw_response_free(&r);
	check_unharmed(&before);
	free(body);
}
END_TEST

START_TEST(test_wrong_content_type_rejected)
{
	static const char *const rejected[] = {
		"Content-Type: text/plain", "Content-Type: application/jsonp",
		"Content-Type: multipart/form-data; boundary=x", "Content-Type: application/xml",
		"Content-Type: application/json-patch+json",
	};
	static const char *const accepted[] = {
		"Content-Type: application/json; charset=utf-8", "Content-Type: APPLICATION/JSON",
	};
	char *body = request_body("svc", "read", "typed", 3600);
	char code[64], field[64];
	struct raw_response r;
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
		send_raw("POST", "/v1/requests", body, strlen(body), rejected[i], &r);
		ck_assert_msg(r.status == 415, "%s: %ld", rejected[i], r.status);
		problem_fields(&r, code, field, sizeof code);
		ck_assert_str_eq(code, "unsupported_media_type");
		raw_response_free(&r);
	}
	check_unharmed(&before);
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		send_raw("POST", "/v1/requests", body, strlen(body), accepted[i], &r);
		ck_assert_msg(r.status == 201, "%s: %ld", accepted[i], r.status);
		raw_response_free(&r);
	}
	free(body);
}
END_TEST

START_TEST(test_huge_header_rejected)
{
	size_t length = 100 * 1024;
	char *header = malloc(length + 1);
	struct raw_response r;
	struct db_counts before;
	char *body = request_body("svc", "read", "big header", 3600);

	ck_assert_ptr_nonnull(header);
	memset(header, 'b', length);
	memcpy(header, "X-Padding: ", 11);
	header[length] = '\0';
	read_counts(&before);
	send_raw("POST", "/v1/requests", body, strlen(body), header, &r);
	ck_assert_msg(r.status >= 400 && r.status < 500, "100 KB header: %ld", r.status);
	raw_response_free(&r);
	check_unharmed(&before);
	free(header);
	free(body);
}
END_TEST

START_TEST(test_long_path_rejected)
{
	size_t length = 20 * 1024;
	char *path = malloc(length + 1);
	struct http_result r;
	struct db_counts before;

	ck_assert_ptr_nonnull(path);
	memset(path, 'a', length);
	memcpy(path, "/v1/requests/", 13);
	path[length] = '\0';
	read_counts(&before);
	ck_assert_int_eq(http_call("GET", world.bp.url, path, world.tokens[ROOT], NULL, NULL, &r), 0);
	ck_assert_msg(r.status >= 400 && r.status < 500, "20 KB path: %ld", r.status);
	http_result_free(&r);
	check_unharmed(&before);
	free(path);
}
END_TEST

/* Write bytes on a new TCP connection to the broker, then close it without reading. */
static void send_and_close(const char *bytes, size_t length)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)world.bp.port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	ck_assert_int_eq(send(fd, bytes, length, MSG_NOSIGNAL), (ssize_t)length);
	test_sleep_ms(50);
	close(fd);
}

START_TEST(test_garbage_connections_survived)
{
	static const char *const openings[] = {
		"GARBAGE\r\n\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
		"POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"resource\"",
		"GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ",
		"GET /healthz HTTP/9.9\r\n\r\n",
		"\r\n\r\n\r\n",
	};
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof openings / sizeof openings[0]; i++)
		send_and_close(openings[i], strlen(openings[i]));
	check_unharmed(&before);
}
END_TEST

static Suite *hostile_suite(void)
{
	Suite *suite = suite_create("broker_hostile");
	TCase *bodies = tcase_create("bodies");
	TCase *requests = tcase_create("requests");

	tcase_set_timeout(bodies, 60);
	tcase_add_unchecked_fixture(bodies, start_world, stop_world);
	tcase_add_test(bodies, test_malformed_json_rejected);
	tcase_add_test(bodies, test_wrong_types_rejected);
	tcase_add_test(bodies, test_unknown_field_named);
	tcase_add_test(bodies, test_duplicate_key_rejected);
	tcase_add_test(bodies, test_nul_escape_rejected);
	tcase_add_test(bodies, test_nul_byte_rejected);
	tcase_add_test(bodies, test_invalid_utf8_rejected);
	tcase_add_test(bodies, test_enormous_numbers_rejected);
	tcase_add_test(bodies, test_body_limit_exact);
	tcase_add_test(bodies, test_huge_body_rejected);
	tcase_add_test(bodies, test_deep_nesting_rejected);
	suite_add_tcase(suite, bodies);

	tcase_set_timeout(requests, 60);
	tcase_add_unchecked_fixture(requests, start_world, stop_world);
	tcase_add_test(requests, test_bad_ids_not_found);
	tcase_add_test(requests, test_percent_encoded_path);
	tcase_add_test(requests, test_unknown_query_rejected);
	tcase_add_test(requests, test_bad_limits_rejected);
	tcase_add_test(requests, test_bad_filters_rejected);
	tcase_add_test(requests, test_wrong_method_allowed_listed);
	tcase_add_test(requests, test_body_on_get_ignored);
	tcase_add_test(requests, test_wrong_content_type_rejected);
	tcase_add_test(requests, test_huge_header_rejected);
	tcase_add_test(requests, test_long_path_rejected);
	tcase_add_test(requests, test_garbage_connections_survived);
	suite_add_tcase(suite, requests);
	return suite;
}

CHECK_MAIN(hostile_suite)
