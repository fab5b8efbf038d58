/*
 * Hostile strings (tests/fixtures/hostile-strings.json) through gatehoused:
 * stored and returned byte for byte as roles, reasons, principal ids, group
 * names and resource ids, and never written raw into the broker's log.
 */

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

#define FIXTURE_PATH "tests/fixtures/hostile-strings.json"
#define ROLE_MAX 64
#define REASON_MAX 1000

static struct test_world world;
static json_t *fixture;

static void start_world(void)
{
	const char *source = getenv("GATEHOUSE_SOURCE");
	char path[512];
	json_error_t error;

	snprintf(path, sizeof path, "%s/%s", source && *source ? source : ".", FIXTURE_PATH);
	fixture = json_load_file(path, JSON_ALLOW_NUL, &error);
	ck_assert_msg(json_is_array(fixture), "%s: %s", path, error.text);
	world_build(&world);
	world_start(&world, NULL);
}

static void stop_world(void)
{
	world_destroy(&world);
	json_decref(fixture);
}

struct hostile {
	const char *name;
	const char *text;
	size_t length;     /* in bytes; text may hold a NUL */
	size_t characters; /* code points */
};

static size_t count_characters(const char *text, size_t length)
{
	size_t count = 0;

	for (size_t i = 0; i < length; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			count++;
	return count;
}

static struct hostile hostile_at(size_t index)
{
	json_t *entry = json_array_get(fixture, index);
	json_t *text = json_object_get(entry, "text");
	struct hostile h = {
		.name = json_string_value(json_object_get(entry, "name")),
		.text = json_string_value(text),
		.length = json_string_length(text),
	};

	h.characters = count_characters(h.text, h.length);
	return h;
}

static bool has_nul(const struct hostile *h)
{
	return memchr(h->text, '\0', h->length) != NULL;
}

/* Check that a JSON string field contains exactly the bytes of h. */
static void check_same_bytes(const json_t *object, const char *field, const struct hostile *h)
{
	json_t *value = json_object_get(object, field);

	ck_assert_msg(json_is_string(value), "%s: %s is not a string", h->name, field);
	ck_assert_msg(json_string_length(value) == h->length, "%s: %s has %zu bytes, expected %zu",
		      h->name, field, json_string_length(value), h->length);
	ck_assert_msg(memcmp(json_string_value(value), h->text, h->length) == 0,
		      "%s: %s differs from what was sent", h->name, field);
}

/* POST a request whose role or reason is h; returns the answer's status. */
static long create_with(const struct hostile *h, bool as_role, struct http_result *r)
{
	json_t *text = json_stringn(h->text, h->length);
	json_t *j = json_pack("{s:s, s:o, s:o, s:i}", "resource", "svc",
			      "role", as_role ? text : json_string("read"),
			      "reason", as_role ? json_string("hostile role") : text,
			      "duration_seconds", 3600);
	char *body = json_dumps(j, JSON_COMPACT);
	long status = world_post(&world, ALICE, "/v1/requests", body, r);

	free(body);
	json_decref(j);
	return status;
}

/* The data of the request.created event of request id. The caller frees it. */
static json_t *created_event_data(int64_t id)
{
	struct http_result r;
	size_t i;
	json_t *event, *data = NULL;

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/events?after=0&limit=1000", &r), 200);
	json_array_foreach(json_object_get(r.json, "events"), i, event) {
		if (json_integer_value(json_object_get(event, "id")) == id &&
		    strcmp(json_string_value(json_object_get(event, "type")), "request.created") == 0)
			data = json_incref(json_object_get(event, "data"));
	}
	http_result_free(&r);
	ck_assert_msg(data != NULL, "no request.created event for request %lld", (long long)id);
	return data;
}

static void check_round_trip(const struct hostile *h, bool as_role)
{
	const char *field = as_role ? "role" : "reason";
	struct http_result created, fetched, audit;
	char path[128];

	ck_assert_msg(create_with(h, as_role, &created) == 201, "%s as %s: %ld %s", h->name, field,
		      created.status, created.body);
	int64_t id = http_json_int(&created, "id");
	check_same_bytes(created.json, field, h);

	world_get_request(&world, id, &fetched);
	check_same_bytes(fetched.json, field, h);
	json_t *data = created_event_data(id);
	check_same_bytes(data, field, h);
	json_decref(data);
	if (!as_role) {
		snprintf(path, sizeof path, "/v1/audit?object=request&object_id=%lld", (long long)id);
		ck_assert_int_eq(world_get(&world, ROOT, path, &audit), 200);
		check_same_bytes(json_array_get(result_items(&audit), 0), "reason", h);
		http_result_free(&audit);
	}
	http_result_free(&fetched);
	http_result_free(&created);
}

static void check_rejected(const struct hostile *h, bool as_role)
{
	const char *field = as_role ? "role" : "reason";
	struct http_result r;

	ck_assert_msg(create_with(h, as_role, &r) == 400, "%s as %s: %ld", h->name, field, r.status);
	ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
	ck_assert_str_eq(http_json_string(&r, "field"), has_nul(h) ? "body" : field);
	http_result_free(&r);
}

START_TEST(test_roles_stored_exactly)
{
	for (size_t i = 0; i < json_array_size(fixture); i++) {
		struct hostile h = hostile_at(i);
		if (!has_nul(&h) && h.characters >= 1 && h.characters <= ROLE_MAX)
			check_round_trip(&h, true);
		else
			check_rejected(&h, true);
	}
}
END_TEST

START_TEST(test_reasons_stored_exactly)
{
	for (size_t i = 0; i < json_array_size(fixture); i++) {
		struct hostile h = hostile_at(i);
		if (!has_nul(&h) && h.characters >= 1 && h.characters <= REASON_MAX)
			check_round_trip(&h, false);
		else
			check_rejected(&h, false);
	}
}
END_TEST

START_TEST(test_nul_string_rejected)
{
	size_t found = 0;

	for (size_t i = 0; i < json_array_size(fixture); i++) {
		struct hostile h = hostile_at(i);
		if (!has_nul(&h))
			continue;
		check_rejected(&h, true);
		check_rejected(&h, false);
		found++;
	}
	ck_assert_int_eq(found, 1);
}
END_TEST

/* A text of count copies of a UTF-8 character. The caller frees it. */
static char *repeat(const char *character, size_t count)
{
	size_t size = strlen(character);
	char *text = malloc(size * count + 1);

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < count; i++)
		memcpy(text + i * size, character, size);
	text[size * count] = '\0';
	return text;
}

/* The API counts limits in characters: 64 CJK characters are a valid role, whatever their bytes. */
START_TEST(test_limits_count_characters)
{
	struct http_result r;
	char *role = repeat("\xe4\xb8\x96", ROLE_MAX);
	char *long_role = repeat("\xe4\xb8\x96", ROLE_MAX + 1);
	char *reason = repeat("\xc3\xa9", REASON_MAX);
	char *long_reason = repeat("\xc3\xa9", REASON_MAX + 1);
	struct hostile h_role = { "64 CJK", role, strlen(role), ROLE_MAX };
	struct hostile h_long_role = { "65 CJK", long_role, strlen(long_role), ROLE_MAX + 1 };
	struct hostile h_reason = { "1000 e-acute", reason, strlen(reason), REASON_MAX };
	struct hostile h_long_reason = { "1001 e-acute", long_reason, strlen(long_reason),
					 REASON_MAX + 1 };

	check_round_trip(&h_role, true);
	check_rejected(&h_long_role, true);
	check_round_trip(&h_reason, false);
	check_rejected(&h_long_reason, false);

	int64_t id = world_create_request(&world, ALICE, "svc", 3600);
	ck_assert_int_eq(world_decide(&world, BOB, id, "deny", long_reason, &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);
	ck_assert_int_eq(world_decide(&world, BOB, id, "deny", reason, &r), 200);
	check_same_bytes(r.json, "decision_reason", &h_reason);
	http_result_free(&r);

	int64_t grant_id = world_make_grant(&world, ALICE, "open");
	char path[64];
	json_t *j = json_pack("{s:s}", "reason", reason);
	char *body = json_dumps(j, JSON_COMPACT);
	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)grant_id);
	ck_assert_int_eq(world_post(&world, ALICE, path, body, &r), 200);
	check_same_bytes(r.json, "reason", &h_reason);
	http_result_free(&r);
	free(body);
	json_decref(j);
	free(role);
	free(long_role);
	free(reason);
	free(long_reason);
}
END_TEST

START_TEST(test_principals_stored_exactly)
{
	char token[TEST_TOKEN_SIZE];
	struct http_result r;

	for (size_t i = 0; i < json_array_size(fixture); i++) {
		struct hostile h = hostile_at(i);
		if (has_nul(&h) || h.length == 0)
			continue; /* argv cannot carry a NUL; an empty id is rejected below */
		test_add_principal(world.bp.db_path, h.text, "requester", h.text);
		test_issue_token(world.bp.db_path, h.text, token, sizeof token);

		ck_assert_int_eq(http_call("GET", world.bp.url, "/v1/me", token, NULL, NULL, &r), 0);
		ck_assert_msg(r.status == 200, "%s: %ld", h.name, r.status);
		check_same_bytes(r.json, "id", &h);
		check_same_bytes(r.json, "display_name", &h);
		json_t *groups = json_object_get(r.json, "groups");
		ck_assert_int_eq(json_array_size(groups), 1);
		json_t *holder = json_pack("{s:O}", "group", json_array_get(groups, 0));
		check_same_bytes(holder, "group", &h);
		json_decref(holder);
		http_result_free(&r);
	}
}
END_TEST

START_TEST(test_resources_stored_exactly)
{
	struct http_result r;

	for (size_t i = 0; i < json_array_size(fixture); i++) {
		struct hostile h = hostile_at(i);
		if (has_nul(&h) || h.length == 0)
			continue;
		test_set_route(world.bp.db_path, h.text, h.text, "0", NULL);
		json_t *j = json_pack("{s:s%, s:s, s:s, s:i}", "resource", h.text, h.length,
				      "role", "read", "reason", "hostile resource",
				      "duration_seconds", 600);
		char *body = json_dumps(j, JSON_COMPACT);
		ck_assert_msg(world_post(&world, ERIN, "/v1/requests", body, &r) == 201, "%s: %ld %s",
			      h.name, r.status, r.body);
		check_same_bytes(r.json, "resource", &h);
		check_same_bytes(r.json, "approver_group", &h);
		http_result_free(&r);
		free(body);
		json_decref(j);
	}
}
END_TEST

START_TEST(test_empty_ids_rejected)
{
	const char *bin = gatehoused_path(), *db = world.bp.db_path;
	const char *principal[] = { bin, "principal", "add", "--db", db, "--id", "", "--roles",
				    "requester", NULL };
	const char *resource[] = { bin, "resource", "set", "--db", db, "--id", "", "--group", "ops",
				   NULL };
	const char *group[] = { bin, "resource", "set", "--db", db, "--id", "no-group", "--group", "",
				NULL };
	const char *const *commands[] = { principal, resource, group };
	char err[512];

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		int status = test_run_program(commands[i], NULL, 0, err, sizeof err);
		ck_assert_msg(status != 0, "%s %s with an empty value succeeded", commands[i][1],
			      commands[i][2]);
		ck_assert_msg(strstr(err, "non-empty") != NULL, "stderr: %s", err);
	}
	ck_assert_int_eq(test_db_query_int(db, "SELECT count(*) FROM principals WHERE id = ''"), 0);
	ck_assert_int_eq(test_db_query_int(db, "SELECT count(*) FROM routes"
					   " WHERE resource = '' OR owner_group = ''"), 0);
}
END_TEST

/* The log must keep one line per request even when a principal id contains line breaks and escapes. */
START_TEST(test_log_escapes_principal)
{
	static const char id[] = "evil\n2026-01-01T00:00:00Z info forged\x1b[2J\r";
	char token[TEST_TOKEN_SIZE], path[400];
	struct http_result r;
	size_t length;

	test_add_principal(world.bp.db_path, id, "requester", NULL);
	test_issue_token(world.bp.db_path, id, token, sizeof token);
	ck_assert_int_eq(http_call("GET", world.bp.url, "/v1/me", token, NULL, NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	http_result_free(&r);

	/* The broker logs a request after sending the response, so wait for the line. */
	snprintf(path, sizeof path, "%s/broker.log", world.bp.dir);
	char *log = NULL;
	for (int waited = 0; waited < 2000; waited += 50) {
		free(log);
		log = test_read_file(path, &length);
		if (log && strstr(log, "evil"))
			break;
		test_sleep_ms(50);
	}
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strstr(log, "info forged") == NULL, "a principal id forged a log line");
	for (size_t i = 0; i < length; i++)
		ck_assert_msg(log[i] == '\n' || ((unsigned char)log[i] >= 0x20 && log[i] != 0x7f),
			      "byte 0x%02x at %zu of the log", (unsigned char)log[i], i);
	free(log);
}
END_TEST

static Suite *strings_suite(void)
{
	Suite *suite = suite_create("broker_strings");
	TCase *strings = tcase_create("hostile_strings");

	tcase_set_timeout(strings, 120);
	tcase_add_unchecked_fixture(strings, start_world, stop_world);
	tcase_add_test(strings, test_roles_stored_exactly);
	tcase_add_test(strings, test_reasons_stored_exactly);
	tcase_add_test(strings, test_nul_string_rejected);
	tcase_add_test(strings, test_limits_count_characters);
	tcase_add_test(strings, test_principals_stored_exactly);
	tcase_add_test(strings, test_resources_stored_exactly);
	tcase_add_test(strings, test_empty_ids_rejected);
	tcase_add_test(strings, test_log_escapes_principal);
	suite_add_tcase(suite, strings);
	return suite;
}

CHECK_MAIN(strings_suite)
