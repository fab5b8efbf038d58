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
	static const char body[] = "{\"resource\": \"svc\", \"role\": \"read\", \"reason\": \"a\\u0000b\", "
				   "\"duration_seconds\": 60}";
	struct db_counts before;
	struct raw_response r;

	read_counts(&before);
	send_raw("POST", "/v1/requests", body, strlen(body), NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(strbuf_str(&r.body), "the body contains \\\\u0000 (NUL), which is not "
			     "allowed in any string") != NULL, "%s", strbuf_str(&r.body));
	ck_assert_msg(strstr(strbuf_str(&r.body), "JSON_ALLOW_NUL") == NULL, "%s", strbuf_str(&r.body));
	raw_response_free(&r);
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

/*
 * The broker decodes the path before routing, so an encoded path means the same as
 * the plain one, and encoded dot segments are rejected like plain ones.
 */
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

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/requests/%2e%2e/%2e%2e/healthz", &encoded), 400);
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

/* Every 400 from a query parameter names it in field. */
START_TEST(test_bad_filters_rejected)
{
	static const struct {
		const char *path;
		const char *field;
	} cases[] = {
		{ "/v1/requests?status=open", "status" }, { "/v1/requests?status=bogus", "status" },
		{ "/v1/requests?status=PENDING", "status" }, { "/v1/grants?status=pending", "status" },
		{ "/v1/grants?kind=forever", "kind" }, { "/v1/audit?object=principal", "object" },
		{ "/v1/audit?object_id=1", "object" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_query_rejected(cases[i].path, cases[i].field);
}
END_TEST

/* A parameter given twice would otherwise take its first value silently. */
START_TEST(test_duplicate_query_rejected)
{
	struct db_counts before;

	read_counts(&before);
	check_query_rejected("/v1/requests?limit=1&limit=9999", "limit");
	check_query_rejected("/v1/events?after=0&wait=0&after=5", "after");
	check_query_rejected("/v1/grants?status=active&kind=jit&status=revoked", "status");
	check_unharmed(&before);
}
END_TEST

/* POST routes take no query parameters, and reject them as GET routes reject unknown ones. */
START_TEST(test_post_query_rejected)
{
	struct raw_response r;
	char path[96], code[64], field[64];
	struct db_counts before;

	read_counts(&before);
	snprintf(path, sizeof path, "/v1/requests/%lld/cancel?dummy=1", (long long)first_request_id);
	send_raw("POST", path, "{}", 2, NULL, &r);
	ck_assert_msg(r.status == 400, "%s: %ld %s", path, r.status, strbuf_str(&r.body));
	problem_fields(&r, code, field, sizeof code);
	ck_assert_str_eq(code, "invalid");
	ck_assert_str_eq(field, "dummy");
	raw_response_free(&r);
	check_post("/v1/requests?resource=svc", "{}", 2, 400, "invalid", "resource");
	check_query_rejected("/v1/me?verbose=1", "verbose");
	check_unharmed(&before);
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

/* Connect to the broker and send bytes; returns the socket. */
static int connect_and_send(const char *bytes, size_t length)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)world.bp.port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	ck_assert_int_eq(send(fd, bytes, length, MSG_NOSIGNAL), (ssize_t)length);
	return fd;
}

/*
 * Send one raw request and read everything until the broker closes the connection,
 * at most 10 s; out receives it. Returns whether the broker closed the connection.
 */
static bool raw_exchange(const char *bytes, char *out, size_t size)
{
	int fd = connect_and_send(bytes, strlen(bytes));
	size_t used = 0;
	bool closed = false;
	int64_t deadline = time_monotonic_ms() + 10000;

	out[0] = '\0';
	while (!closed && time_monotonic_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) > 0)
			closed = !test_read_some(fd, out, size, &used);
	}
	close(fd);
	return closed;
}

/*
 * GET path exactly as given (curl would remove dot segments) as root; field
 * receives the problem's field. Returns the status.
 */
static long raw_get(const char *path, char *field, size_t size)
{
	char request[1024], response[8192];
	long status = 0;

	snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		 "Connection: close\r\n\r\n", path, world.tokens[ROOT]);
	raw_exchange(request, response, sizeof response);
	ck_assert_msg(sscanf(response, "HTTP/1.1 %ld ", &status) == 1, "GET %s: %s", path, response);
	const char *body = strstr(response, "\r\n\r\n");
	json_t *j = body ? json_loads(body + 4, 0, NULL) : NULL;
	const char *f = json_string_value(json_object_get(j, "field"));
	snprintf(field, size, "%s", f ? f : "");
	json_decref(j);
	return status;
}

static size_t count_responses(const char *text)
{
	size_t count = 0;

	for (const char *p = text; (p = strstr(p, "HTTP/1.1 ")); p++)
		count++;
	return count;
}

/* Copy text into out with each "LEN" replaced by length. */
static void replace_length(const char *text, size_t length, char *out, size_t size)
{
	struct strbuf sb = STRBUF_INIT;

	for (const char *p = text; *p;) {
		if (strncmp(p, "LEN", 3) == 0) {
			strbuf_printf(&sb, "%zu", length);
			p += 3;
		} else {
			strbuf_putc(&sb, *p++);
		}
	}
	snprintf(out, size, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

/* The requests a proxy in front could frame differently from the broker. */
START_TEST(test_smuggling_rejected)
{
	/* What a smuggled request would look like: a second response would be a 200 for /v1/me. */
	char smuggled[512], authorization[TEST_TOKEN_SIZE + 32], request[2048], response[8192];
	static const struct {
		const char *name;
		const char *framing;  /* LEN stands for the length of smuggled */
		const char *field;    /* NULL: a name that starts with Content-Length */
	} cases[] = {
		{ "two Content-Length", "Content-Length: 2\r\nContent-Length: LEN\r\n\r\n{}", "Content-Length" },
		{ "same Content-Length twice", "Content-Length: LEN\r\nContent-Length: LEN\r\n\r\n", "Content-Length" },
		{ "space before colon", "Content-Length : LEN\r\n\r\n", "Content-Length " },
		{ "folded Content-Length", "Content-Length:\r\n LEN\r\n\r\n", NULL },
		{ "Content-Length and chunked", "Content-Length: LEN\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding" },
		{ "gzip, chunked", "Transfer-Encoding: gzip, chunked\r\nX-Length: LEN\r\n\r\n", "Transfer-Encoding" },
		{ "identity", "Transfer-Encoding: identity\r\nX-Length: LEN\r\n\r\n", "Transfer-Encoding" },
		{ "chunked with a space", "Transfer-Encoding: chunked \r\nX-Length: LEN\r\n\r\n", "Transfer-Encoding" },
		{ "two Transfer-Encoding", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\nX-Length: LEN\r\n\r\n", "Transfer-Encoding" },
		{ "name with a tab", "X-Pad\t: 1\r\nX-Length: LEN\r\n\r\n", "X-Pad\t" },
		{ "name with a separator", "X(pad): 1\r\nX-Length: LEN\r\n\r\n", "X(pad)" },
	};
	char framing[256], field[64], code[64];
	struct db_counts before;

	snprintf(authorization, sizeof authorization, "Authorization: Bearer %s\r\n", world.tokens[ROOT]);
	snprintf(smuggled, sizeof smuggled, "GET /v1/me HTTP/1.1\r\nHost: x\r\n%s\r\n", authorization);
	read_counts(&before);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		replace_length(cases[i].framing, strlen(smuggled), framing, sizeof framing);
		snprintf(request, sizeof request, "POST /v1/requests/%lld/cancel HTTP/1.1\r\nHost: x\r\n%s%s%s",
			 (long long)first_request_id, authorization, framing, smuggled);
		bool closed = raw_exchange(request, response, sizeof response);
		ck_assert_msg(closed, "%s: the connection stayed open: %s", cases[i].name, response);
		ck_assert_msg(count_responses(response) == 1, "%s: %zu responses: %s", cases[i].name,
			      count_responses(response), response);
		ck_assert_msg(strncmp(response, "HTTP/1.1 400 ", 13) == 0, "%s: %.60s", cases[i].name, response);
		ck_assert_msg(strcasestr(response, "\r\nConnection: close\r\n") != NULL, "%s: %s",
			      cases[i].name, response);
		const char *body = strstr(response, "\r\n\r\n");
		json_t *j = body ? json_loads(body + 4, 0, NULL) : NULL;
		snprintf(code, sizeof code, "%s", j ? json_string_value(json_object_get(j, "code")) : "");
		snprintf(field, sizeof field, "%s", j ? json_string_value(json_object_get(j, "field")) : "");
		json_decref(j);
		ck_assert_msg(strcmp(code, "invalid") == 0, "%s: code %s", cases[i].name, code);
		if (cases[i].field)
			ck_assert_msg(strcmp(field, cases[i].field) == 0, "%s: field \"%s\"", cases[i].name, field);
		else
			ck_assert_msg(strncmp(field, "Content-Length", 14) == 0, "%s: field \"%s\"",
				      cases[i].name, field);
	}
	check_unharmed(&before);
}
END_TEST

/* %00 would cut the path short, so it stays encoded and the path matches no route. */
START_TEST(test_nul_in_path_not_routed)
{
	static const char *const paths[] = {
		"/v1/me%00x", "/v1/me%00", "/v1/grants/revoke%00", "/v1/me%0a", "/v1/me%7f",
	};
	struct raw_response r;
	struct http_result plain;
	char url[256], field[64];
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		CURL *curl = curl_easy_init();
		char authorization[TEST_TOKEN_SIZE + 32];
		const char *headers[] = { authorization, "Content-Type: application/json", NULL };
		static const char body[] = "{\"principal\": \"alice\", \"reason\": \"x\", \"dry_run\": true}";
		snprintf(url, sizeof url, "%s%s", world.bp.url, paths[i]);
		snprintf(authorization, sizeof authorization, "Authorization: Bearer %s", world.tokens[ROOT]);
		curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
		ck_assert_int_eq(raw_call(curl, url, "POST", headers, body, strlen(body), &r), CURLE_OK);
		ck_assert_msg(r.status == 404 || r.status == 405, "POST %s: %ld %s", paths[i], r.status,
			      strbuf_str(&r.body));
		raw_response_free(&r);
		curl_easy_cleanup(curl);
	}
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/me%00x", &plain), 404);
	http_result_free(&plain);
	ck_assert_int_eq(raw_get("/v1/grants/revoke%00/../../../v1/me", field, sizeof field), 400);
	ck_assert_str_eq(field, "path");
	check_unharmed(&before);
}
END_TEST

START_TEST(test_dot_segments_rejected)
{
	static const char *const paths[] = {
		"/v1/../v1/me", "/v1/./me", "/v1/me/..", "/v1/me/.", "/./healthz", "/v1/%2e%2e/v1/me",
		"/v1/%2E/me",
	};
	char field[64];
	struct db_counts before;

	read_counts(&before);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		ck_assert_msg(raw_get(paths[i], field, sizeof field) == 400, "%s", paths[i]);
		ck_assert_str_eq(field, "path");
	}
	ck_assert_int_eq(raw_get("/v1/me...", field, sizeof field), 404);
	ck_assert_int_eq(raw_get("/v1/./../", field, sizeof field), 400);
	check_unharmed(&before);
}
END_TEST

/* With two Authorization headers, which one authenticates would depend on the server. */
START_TEST(test_duplicate_headers_rejected)
{
	char first[TEST_TOKEN_SIZE + 32], second[TEST_TOKEN_SIZE + 32];
	static const char *const singles[] = { "If-Match", "Idempotency-Key", "Content-Type" };
	struct http_result r;
	struct db_counts before;

	read_counts(&before);
	snprintf(first, sizeof first, "Authorization: Bearer %s", world.tokens[ALICE]);
	snprintf(second, sizeof second, "Authorization: Bearer %s", world.tokens[ROOT]);
	const char *headers[] = { first, second, NULL };
	ck_assert_int_eq(http_call("GET", world.bp.url, "/v1/me", NULL, NULL, headers, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "Authorization");
	ck_assert_msg(strstr(http_json_string(&r, "detail"), "more than once") != NULL, "%s", r.body);
	http_result_free(&r);
	for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++) {
		char one[64], two[64];
		snprintf(one, sizeof one, "%s: 1", singles[i]);
		snprintf(two, sizeof two, "%s: 2", singles[i]);
		const char *twice[] = { one, two, NULL };
		ck_assert_int_eq(http_call("POST", world.bp.url, "/v1/requests/1/cancel", world.tokens[ALICE],
					   "{}", twice, &r), 0);
		ck_assert_msg(r.status == 400, "%s twice: %ld", singles[i], r.status);
		ck_assert_str_eq(http_json_string(&r, "field"), singles[i]);
		http_result_free(&r);
	}
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
	tcase_add_test(requests, test_duplicate_query_rejected);
	tcase_add_test(requests, test_post_query_rejected);
	tcase_add_test(requests, test_smuggling_rejected);
	tcase_add_test(requests, test_nul_in_path_not_routed);
	tcase_add_test(requests, test_dot_segments_rejected);
	tcase_add_test(requests, test_duplicate_headers_rejected);
	suite_add_tcase(suite, requests);
	return suite;
}

CHECK_MAIN(hostile_suite)
