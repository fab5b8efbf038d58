/*
 * The policy in gatehoused: publishing with If-Match behind a lint, the audit
 * entry of each publish, and new requests decided by the active policy (allow,
 * require, deny) with the decision stored on them. Also the lint and simulate
 * calls, and gatehouse simulate reading the broker's policy. Each test starts
 * its own broker on a copy of the world.
 */

#include "tests/unit/test_broker.h"

#include <pthread.h>

#include "broker/policy_engine.h"
#include "tests/support/check_main.h"

static struct test_world world;

/* A policy that allows reads of db1 for 30 minutes, denies vault, and requires 2 ops approvals and a reason for writes. */
static const char decisive_policy[] =
	"default require 1 approval from \"ops\"\n"
	"\n"
	"rule \"db reads\" {\n"
	"  when resource.id == \"db1\" and request.role == \"read\"\n"
	"  allow\n"
	"  max 30m\n"
	"}\n"
	"\n"
	"rule \"vault is closed\" {\n"
	"  when resource.id == \"vault\"\n"
	"  deny \"the vault is closed for an audit\"\n"
	"}\n"
	"\n"
	"rule \"writes need two\" {\n"
	"  when request.role == \"write\"\n"
	"  require 2 approvals from \"ops\"\n"
	"  reason required\n"
	"}\n";

static void build_world(void)
{
	world_build(&world);
}

static void destroy_world(void)
{
	world_destroy(&world);
}

static void start_broker(void)
{
	world_start(&world, NULL);
}

static void stop_broker(void)
{
	world_stop(&world);
}

/* PUT /v1/policy as who with the given If-Match (NULL: none); returns the status. */
static long put_policy(enum cast_member who, const char *if_match, const char *source,
		       struct http_result *result)
{
	char header[64];
	const char *headers[] = { header, NULL };
	json_t *j = json_pack("{s:s}", "source", source);
	char *body = json_dumps(j, JSON_COMPACT);
	long status;

	snprintf(header, sizeof header, "If-Match: %s", if_match ? if_match : "");
	status = world_call(&world, who, "PUT", "/v1/policy", body, if_match ? headers : NULL, result);
	free(body);
	json_decref(j);
	return status;
}

static long put_policy_status(enum cast_member who, const char *if_match, const char *source)
{
	struct http_result r;
	long status = put_policy(who, if_match, source, &r);

	http_result_free(&r);
	return status;
}

/* The active policy's version, 0 when GET /v1/policy returns 404. */
static long long active_version(void)
{
	struct http_result r;
	long status = world_get(&world, ALICE, "/v1/policy", &r);
	long long version = status == 200 ? http_json_int(&r, "version") : 0;

	ck_assert_msg(status == 200 || status == 404, "GET /v1/policy: %ld %s", status, r.body);
	http_result_free(&r);
	return version;
}

/* POST /v1/requests as who; result receives the response. */
static long create_request(enum cast_member who, const char *resource, const char *role,
			   const char *reason, int64_t duration, struct http_result *result)
{
	json_t *j = json_pack("{s:s, s:s, s:I}", "resource", resource, "role", role,
			      "duration_seconds", (json_int_t)duration);
	char *body;
	long status;

	if (reason)
		json_object_set_new(j, "reason", json_string(reason));
	body = json_dumps(j, JSON_COMPACT);
	status = world_post(&world, who, "/v1/requests", body, result);
	free(body);
	json_decref(j);
	return status;
}

static const char *policy_string(const struct http_result *r, const char *field)
{
	return json_string_value(json_object_get(json_object_get(r->json, "policy"), field));
}

static const char *attribute(const struct http_result *r, const char *name)
{
	json_t *attributes = json_object_get(json_object_get(r->json, "policy"), "attributes");

	return json_string_value(json_object_get(attributes, name));
}

START_TEST(test_without_policy_routes_decide)
{
	struct http_result r;

	ck_assert_int_eq(world_get(&world, ALICE, "/v1/policy", &r), 404);
	ck_assert_str_eq(http_json_string(&r, "code"), "not_found");
	http_result_free(&r);

	ck_assert_int_eq(create_request(ALICE, "vault", "read", "incident", 3600, &r), 201);
	ck_assert_str_eq(http_json_string(&r, "status"), "pending");
	ck_assert_int_eq(http_json_int(&r, "approvals_needed"), 2);
	ck_assert_str_eq(http_json_string(&r, "approver_group"), "ops");
	ck_assert_ptr_null(policy_string(&r, "decision"));
	ck_assert_str_eq(attribute(&r, "requester.id"), "alice");
	ck_assert_str_eq(attribute(&r, "resource.owner_group"), "ops");
	http_result_free(&r);

	/* Without a policy the reason stays required, as the routes have always had it. */
	ck_assert_int_eq(create_request(ALICE, "svc", "read", NULL, 3600, &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);
}
END_TEST

START_TEST(test_publish_needs_admin)
{
	struct http_result r;

	ck_assert_int_eq(put_policy(BOB, "\"0\"", decisive_policy, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);
	ck_assert_int_eq(put_policy_status(ALICE, "\"0\"", decisive_policy), 403);
	ck_assert_int_eq(active_version(), 0);
}
END_TEST

START_TEST(test_publish_checks_if_match)
{
	struct http_result r;

	ck_assert_int_eq(put_policy(ROOT, NULL, decisive_policy, &r), 428);
	ck_assert_str_eq(http_json_string(&r, "code"), "precondition_required");
	http_result_free(&r);
	ck_assert_int_eq(put_policy_status(ROOT, "\"1\"", decisive_policy), 412);
	ck_assert_int_eq(active_version(), 0);

	ck_assert_int_eq(put_policy(ROOT, "\"0\"", decisive_policy, &r), 200);
	ck_assert_int_eq(http_json_int(&r, "version"), 1);
	ck_assert_str_eq(r.etag, "\"1\"");
	ck_assert_str_eq(http_json_string(&r, "published_by"), "root");
	ck_assert_str_eq(http_json_string(&r, "source"), decisive_policy);
	http_result_free(&r);

	/* A publish based on the version before is stale; one based on this one goes through. */
	ck_assert_int_eq(put_policy(ROOT, "\"0\"", decisive_policy, &r), 412);
	ck_assert_str_eq(http_json_string(&r, "code"), "stale_version");
	http_result_free(&r);
	ck_assert_int_eq(put_policy_status(ROOT, "W/\"1\"", decisive_policy), 412);
	ck_assert_int_eq(put_policy_status(ROOT, "\"1\"", decisive_policy), 200);
	ck_assert_int_eq(active_version(), 2);

	ck_assert_int_eq(world_get(&world, ERIN, "/v1/policy", &r), 200);
	ck_assert_str_eq(r.etag, "\"2\"");
	ck_assert_str_eq(http_json_string(&r, "etag"), "\"2\"");
	ck_assert_int_eq(strlen(http_json_string(&r, "sha256")), 64);
	http_result_free(&r);
}
END_TEST

START_TEST(test_publish_retry_is_replayed)
{
	const char *headers[] = { "If-Match: \"0\"", "Idempotency-Key: publish-1", NULL };
	json_t *source = json_pack("{s:s}", "source", decisive_policy);
	char *body = json_dumps(source, JSON_COMPACT);
	struct http_result r;

	json_decref(source);

	ck_assert_int_eq(world_call(&world, ROOT, "PUT", "/v1/policy", body, headers, &r), 200);
	ck_assert_int_eq(http_json_int(&r, "version"), 1);
	ck_assert(!r.replayed);
	http_result_free(&r);
	/* The same publish again, as after a lost response: the first response, and no version 2. */
	ck_assert_int_eq(world_call(&world, ROOT, "PUT", "/v1/policy", body, headers, &r), 200);
	ck_assert_int_eq(http_json_int(&r, "version"), 1);
	ck_assert(r.replayed);
	http_result_free(&r);
	ck_assert_int_eq(active_version(), 1);
	free(body);
}
END_TEST

/* The diagnostics of a 400 response; fails the test when there are none. */
static json_t *diagnostics_of(const struct http_result *r)
{
	json_t *diagnostics = json_object_get(r->json, "diagnostics");

	ck_assert_msg(json_array_size(diagnostics) > 0, "no diagnostics in %s", r->body);
	return diagnostics;
}

START_TEST(test_publish_refuses_lint_errors)
{
	struct http_result r;

	ck_assert_int_eq(put_policy(ROOT, "\"0\"",
				    "default allow\n"
				    "rule \"x\" {\n"
				    "  when requester.department == \"sales\"\n"
				    "  deny \"no\"\n"
				    "}\n", &r), 400);
	ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
	ck_assert_str_eq(http_json_string(&r, "field"), "source");
	json_t *first = json_array_get(diagnostics_of(&r), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(first, "line")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(first, "column")), 8);
	ck_assert_str_eq(json_string_value(json_object_get(first, "severity")), "error");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(first, "message")),
				     "requester.department"));
	http_result_free(&r);

	/* A syntax error, and a group without enough approvers. */
	ck_assert_int_eq(put_policy(ROOT, "\"0\"", "default alow\n", &r), 400);
	diagnostics_of(&r);
	http_result_free(&r);
	ck_assert_int_eq(put_policy(ROOT, "\"0\"", "default require 1 approval from \"nobody\"\n", &r),
			 400);
	first = json_array_get(diagnostics_of(&r), 0);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(first, "message")), "nobody"));
	http_result_free(&r);
	ck_assert_int_eq(put_policy_status(ROOT, "\"0\"", "default require 3 approvals from \"ops\"\n"),
			 400);

	ck_assert_int_eq(active_version(), 0);
	ck_assert_int_eq(test_db_query_int(world.bp.db_path, "SELECT count(*) FROM policies"), 0);
	ck_assert_int_eq(test_db_query_int(world.bp.db_path,
					   "SELECT count(*) FROM audit WHERE action = 'policy.publish'"), 0);
}
END_TEST

/* The reason of the newest policy.publish audit entry, copied into out. */
static void last_publish_reason(char *out, size_t size)
{
	struct http_result r;
	size_t i;
	json_t *entry;

	out[0] = '\0';
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit?actor=root&limit=500", &r), 200);
	json_array_foreach(result_items(&r), i, entry) {
		const char *action = json_string_value(json_object_get(entry, "action"));
		if (action && strcmp(action, "policy.publish") == 0) {
			ck_assert_str_eq(json_string_value(json_object_get(entry, "object")), "policy");
			snprintf(out, size, "%s", json_string_value(json_object_get(entry, "reason")));
		}
	}
	http_result_free(&r);
}

START_TEST(test_publish_is_audited)
{
	struct http_result r;
	char reason[128];

	ck_assert_int_eq(put_policy_status(ROOT, "*", decisive_policy), 200);
	last_publish_reason(reason, sizeof reason);
	ck_assert_str_eq(reason, "version 1, the first");
	ck_assert_int_eq(put_policy_status(ROOT, "\"1\"", "default require 1 approval from \"db\"\n"),
			 200);
	last_publish_reason(reason, sizeof reason);
	ck_assert_str_eq(reason, "version 2 replaces version 1");

	/* The audit trail lists the publishes by their object, too. */
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit?object=policy", &r), 200);
	ck_assert_uint_eq(json_array_size(result_items(&r)), 2);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit?object=policy&object_id=2", &r), 200);
	ck_assert_uint_eq(json_array_size(result_items(&r)), 1);
	http_result_free(&r);

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit/verify", &r), 200);
	ck_assert(json_is_true(json_object_get(r.json, "ok")));
	http_result_free(&r);

	/* Consoles learn of it from the feed. */
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/events?after=0", &r), 200);
	json_t *events = json_object_get(r.json, "events");
	json_t *last = json_array_get(events, json_array_size(events) - 1);
	ck_assert_str_eq(json_string_value(json_object_get(last, "type")), "policy.published");
	ck_assert_int_eq(json_integer_value(json_object_get(last, "id")), 2);
	http_result_free(&r);
}
END_TEST

START_TEST(test_policy_decides_new_requests)
{
	struct http_result r;

	ck_assert_int_eq(put_policy_status(ROOT, "\"0\"", decisive_policy), 200);

	/* allow: approved by the system at once, with the cap of 30 minutes. */
	ck_assert_int_eq(create_request(ALICE, "db1", "read", "", 3600, &r), 201);
	ck_assert_str_eq(http_json_string(&r, "status"), "approved");
	ck_assert_str_eq(http_json_string(&r, "decided_by"), "system");
	ck_assert_int_eq(http_json_int(&r, "duration_seconds"), 1800);
	ck_assert_int_gt(http_json_int(&r, "grant_id"), 0);
	ck_assert_str_eq(policy_string(&r, "decision"), "allow");
	ck_assert_str_eq(policy_string(&r, "rule"), "db reads");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r.json, "policy"), "version")), 1);
	json_t *explanation = json_object_get(json_object_get(r.json, "policy"), "explanation");
	ck_assert_str_eq(json_string_value(json_object_get(explanation, "outcome")), "allow");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(explanation, "explanation")),
				     "decided by rule \"db reads\""));
	ck_assert_str_eq(attribute(&r, "resource.id"), "db1");
	ck_assert_str_eq(attribute(&r, "request.role"), "read");
	int64_t allowed = http_json_int(&r, "id");
	http_result_free(&r);

	/* deny: stored as denied with the rule's message, with status 201. */
	ck_assert_int_eq(create_request(ERIN, "vault", "read", "audit", 3600, &r), 201);
	ck_assert_str_eq(http_json_string(&r, "status"), "denied");
	ck_assert_str_eq(http_json_string(&r, "decision_reason"), "the vault is closed for an audit");
	ck_assert_str_eq(policy_string(&r, "decision"), "deny");
	ck_assert_str_eq(policy_string(&r, "rule"), "vault is closed");
	http_result_free(&r);

	/* require, with reason required: refused without a reason, pending with one. */
	ck_assert_int_eq(create_request(ALICE, "db1", "write", "", 3600, &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);
	ck_assert_int_eq(create_request(ALICE, "db1", "write", "schema fix", 3600, &r), 201);
	ck_assert_str_eq(http_json_string(&r, "status"), "pending");
	ck_assert_int_eq(http_json_int(&r, "approvals_needed"), 2);
	ck_assert_str_eq(http_json_string(&r, "approver_group"), "ops");
	ck_assert_str_eq(policy_string(&r, "rule"), "writes need two");
	http_result_free(&r);

	/* The default decides the rest: its group, not the route's (db1 belongs to db). */
	ck_assert_int_eq(create_request(ERIN, "db1", "admin", "", 3600, &r), 201);
	ck_assert_str_eq(http_json_string(&r, "approver_group"), "ops");
	ck_assert_ptr_null(policy_string(&r, "rule"));
	ck_assert_str_eq(policy_string(&r, "decision"), "require");
	http_result_free(&r);

	/* GET and the listing carry the same record. */
	world_get_request(&world, allowed, &r);
	ck_assert_str_eq(policy_string(&r, "rule"), "db reads");
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/requests?requester=alice", &r), 200);
	size_t i;
	json_t *item;
	json_array_foreach(result_items(&r), i, item) {
		json_t *policy = json_object_get(item, "policy");
		ck_assert_msg(json_is_object(policy), "item %zu has no policy", i);
		ck_assert_int_eq(json_integer_value(json_object_get(policy, "version")), 1);
	}
	ck_assert_uint_eq(i, 2);
	http_result_free(&r);

	/* So do the feed's events, from which consoles keep their copies. */
	ck_assert_int_eq(world_get(&world, ROOT, "/v1/events?after=0&limit=500", &r), 200);
	bool seen = false;
	json_array_foreach(json_object_get(r.json, "events"), i, item) {
		if (json_integer_value(json_object_get(item, "id")) != allowed ||
		    strcmp(json_string_value(json_object_get(item, "object")), "request") != 0)
			continue;
		json_t *policy = json_object_get(json_object_get(item, "data"), "policy");
		ck_assert_msg(json_is_object(policy), "event %zu of request %lld has no policy", i,
			      (long long)allowed);
		ck_assert_str_eq(json_string_value(json_object_get(policy, "rule")), "db reads");
		seen = true;
	}
	ck_assert(seen);
	http_result_free(&r);
}
END_TEST

/* POST /v1/policy/lint as who with source; result receives the response. */
static long lint(enum cast_member who, const char *source, struct http_result *result)
{
	json_t *j = json_pack("{s:s}", "source", source);
	char *body = json_dumps(j, JSON_COMPACT);
	long status = world_post(&world, who, "/v1/policy/lint", body, result);

	free(body);
	json_decref(j);
	return status;
}

START_TEST(test_lint_answers)
{
	struct http_result r;

	ck_assert_int_eq(lint(BOB, decisive_policy, &r), 200);
	ck_assert(json_is_true(json_object_get(r.json, "ok")));
	ck_assert_int_eq(http_json_int(&r, "errors"), 0);
	ck_assert_int_eq(http_json_int(&r, "warnings"), 0);
	http_result_free(&r);

	ck_assert_int_eq(lint(AUDREY, "default allow\n"
			      "rule \"exact\" { when resource.id ~ \"db1\" deny \"no\" }\n"
			      "rule \"unknown\" { when resource.env == \"prod\" deny \"no\" }\n", &r), 200);
	ck_assert(json_is_false(json_object_get(r.json, "ok")));
	ck_assert_int_eq(http_json_int(&r, "errors"), 1);
	ck_assert_int_eq(http_json_int(&r, "warnings"), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "diagnostics")), 2);
	ck_assert(json_is_false(json_object_get(r.json, "truncated")));
	http_result_free(&r);
	/* Nothing was published by linting. */
	ck_assert_int_eq(active_version(), 0);
}
END_TEST

/* A policy of count rules "r1".., each reading an attribute the broker does not supply. */
static char *unknown_attribute_policy(int count)
{
	struct strbuf source = STRBUF_INIT;

	strbuf_puts(&source, "default allow\n");
	for (int i = 1; i <= count; i++)
		strbuf_printf(&source, "rule \"r%d\" { when resource.env == \"e%d\" deny \"no\" }\n", i, i);
	return strbuf_detach(&source);
}

static const char department_policy[] =
	"default allow\n"
	"rule \"sales\" { when requester.department == \"sales\" deny \"no\" }\n";

START_TEST(test_lint_is_bounded)
{
	struct http_result r;
	char *source = unknown_attribute_policy(POLICY_ENGINE_DIAGNOSTICS_MAX + 50);

	/* A requester has no policy to publish or simulate, so nothing to lint. */
	ck_assert_int_eq(lint(ALICE, decisive_policy, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);

	ck_assert_int_eq(lint(ROOT, source, &r), 200);
	ck_assert_int_eq(http_json_int(&r, "errors"), POLICY_ENGINE_DIAGNOSTICS_MAX + 50);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "diagnostics")),
			  POLICY_ENGINE_DIAGNOSTICS_MAX);
	ck_assert(json_is_true(json_object_get(r.json, "truncated")));
	http_result_free(&r);

	/* A publish refused for the same errors lists as many. */
	ck_assert_int_eq(put_policy(ROOT, "\"0\"", source, &r), 400);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "diagnostics")),
			  POLICY_ENGINE_DIAGNOSTICS_MAX);
	ck_assert(json_is_true(json_object_get(r.json, "diagnostics_truncated")));
	http_result_free(&r);
	free(source);

	/* The lint keeps the attribute keys between calls, but learns of a change made outside the broker. */
	ck_assert_int_eq(lint(ROOT, department_policy, &r), 200);
	ck_assert_int_eq(http_json_int(&r, "errors"), 1);
	http_result_free(&r);
	test_db_exec(world.bp.db_path,
		     "UPDATE principals SET attributes = '{\"department\": \"sales\"}' WHERE id = 'erin'");
	ck_assert_int_eq(lint(ROOT, department_policy, &r), 200);
	ck_assert_int_eq(http_json_int(&r, "errors"), 0);
	http_result_free(&r);
}
END_TEST

/*
 * A policy where the default and `allows` rules allow every request, and one deny
 * rule after them decides it, so that the deciding rule comes last of all matches.
 */
static char *overlapping_policy(int allows)
{
	struct strbuf source = STRBUF_INIT;

	strbuf_puts(&source, "default allow\n");
	for (int i = 1; i <= allows; i++)
		strbuf_printf(&source, "rule \"a%d\" { when request.role != \"x%d\" allow }\n", i, i);
	strbuf_puts(&source, "rule \"last\" { when request.role == \"read\" deny \"closed\" }\n");
	return strbuf_detach(&source);
}

static json_t *explanation_of(const struct http_result *r)
{
	return json_object_get(json_object_get(r->json, "policy"), "explanation");
}

START_TEST(test_explanation_is_capped)
{
	struct http_result r;
	int allows = POLICY_ENGINE_MATCHING_MAX + 20;
	char *source = overlapping_policy(allows);

	ck_assert_int_eq(put_policy_status(ROOT, "\"0\"", source), 200);
	free(source);
	ck_assert_int_eq(create_request(ALICE, "db1", "read", "", 3600, &r), 201);
	int64_t id = http_json_int(&r, "id");
	http_result_free(&r);

	world_get_request(&world, id, &r);
	json_t *explanation = explanation_of(&r);
	json_t *matching = json_object_get(explanation, "matching");
	ck_assert_uint_eq(json_array_size(matching), POLICY_ENGINE_MATCHING_MAX);
	ck_assert_int_eq(json_integer_value(json_object_get(explanation, "matching_count")), allows + 1);
	ck_assert(json_is_true(json_object_get(explanation, "matching_truncated")));
	/* The deciding rule is kept, in the last place. */
	json_t *last = json_array_get(matching, POLICY_ENGINE_MATCHING_MAX - 1);
	ck_assert_str_eq(json_string_value(json_object_get(last, "rule")), "last");
	ck_assert(json_is_true(json_object_get(last, "decided")));
	const char *text = json_string_value(json_object_get(explanation, "explanation"));
	ck_assert_ptr_null(strstr(text, "\"a40\""));
	ck_assert_ptr_nonnull(strstr(text, "only the first"));
	http_result_free(&r);

	/* A request stored before the cap is served with it. */
	test_db_exec(world.bp.db_path,
		     "UPDATE requests SET policy_explanation = json_object('matching', "
		     "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)"
		     " SELECT json_group_array(json_object('rule', 'a' || i)) FROM n),"
		     " 'explanation', (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
		     " WHERE i < 2000) SELECT group_concat('  rule \"a' || i || '\"', char(10)) FROM n))");
	world_get_request(&world, id, &r);
	explanation = explanation_of(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(explanation, "matching")),
			  POLICY_ENGINE_MATCHING_MAX);
	ck_assert_int_eq(json_integer_value(json_object_get(explanation, "matching_count")), 100);
	ck_assert(json_is_true(json_object_get(explanation, "matching_truncated")));
	ck_assert_uint_le(strlen(json_string_value(json_object_get(explanation, "explanation"))), 4096);
	http_result_free(&r);

	/* A request of few matches lists them all. */
	ck_assert_int_eq(put_policy_status(ROOT, "\"1\"", decisive_policy), 200);
	ck_assert_int_eq(create_request(ALICE, "db1", "read", "", 3600, &r), 201);
	explanation = explanation_of(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(explanation, "matching")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(explanation, "matching_count")), 1);
	ck_assert(json_is_false(json_object_get(explanation, "matching_truncated")));
	http_result_free(&r);
}
END_TEST

/* POST /v1/policy/simulate as who with body; result receives the answer. */
static long simulate(enum cast_member who, json_t *body, struct http_result *result)
{
	char *text = json_dumps(body, JSON_COMPACT);
	long status = world_post(&world, who, "/v1/policy/simulate", text, result);

	free(text);
	json_decref(body);
	return status;
}

static long long matrix_cell(const struct http_result *r, const char *current, const char *proposed)
{
	json_t *row = json_object_get(json_object_get(r->json, "matrix"), current);

	return json_integer_value(json_object_get(row, proposed));
}

START_TEST(test_simulate_replays_decided_requests)
{
	struct http_result r;

	/* Decided by people under the routes: one approved, one denied. */
	int64_t approved = world_create_request(&world, ALICE, "svc", 3600);
	ck_assert_int_eq(world_decide_status(&world, BOB, approved, "approve", NULL), 200);
	int64_t denied = world_create_request(&world, ERIN, "db1", 3600);
	ck_assert_int_eq(world_decide_status(&world, DAVE, denied, "deny", "no"), 200);
	world_create_request(&world, ERIN, "svc", 3600); /* pending: not replayed */

	ck_assert_int_eq(simulate(ROOT, json_pack("{s:s}", "proposed", decisive_policy), &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "current");
	http_result_free(&r);

	/* Decided by the policy: one allow and one deny. */
	ck_assert_int_eq(put_policy_status(ROOT, "\"0\"", decisive_policy), 200);
	ck_assert_int_eq(create_request(ALICE, "db1", "read", "", 3600, &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(create_request(ALICE, "vault", "read", "", 3600, &r), 201);
	http_result_free(&r);

	long long decided = test_db_query_int(world.bp.db_path, "SELECT count(*) FROM requests"
					      " WHERE status IN ('approved', 'denied')");
	ck_assert_int_eq(decided, 4);

	/* The active policy against itself: the stored attributes give the same decisions. */
	ck_assert_int_eq(simulate(ROOT, json_pack("{s:s}", "proposed", decisive_policy), &r), 200);
	ck_assert_int_eq(http_json_int(&r, "total"), decided);
	ck_assert_int_eq(http_json_int(&r, "changed"), 0);
	ck_assert_int_eq(matrix_cell(&r, "allow", "allow"), 2); /* erin's read of db1, then alice's */
	ck_assert_int_eq(matrix_cell(&r, "deny", "deny"), 1);
	ck_assert_int_eq(matrix_cell(&r, "require", "require"), 1);
	http_result_free(&r);

	/* A proposal that allows everything, against a current one given in the body. */
	ck_assert_int_eq(simulate(AUDREY, json_pack("{s:s, s:s}", "proposed", "default allow\n",
						    "current", "default deny \"closed\"\n"), &r), 200);
	ck_assert_int_eq(http_json_int(&r, "total"), decided);
	ck_assert_int_eq(matrix_cell(&r, "deny", "allow"), decided);
	ck_assert_int_eq(http_json_int(&r, "risk"), 2);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "changed_rows")), decided);
	http_result_free(&r);

	ck_assert_int_eq(simulate(ROOT, json_pack("{s:s}", "proposed", "default alow\n"), &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "proposed");
	diagnostics_of(&r);
	http_result_free(&r);
	ck_assert_int_eq(simulate(ALICE, json_pack("{s:s}", "proposed", "default allow\n"), &r), 403);
	http_result_free(&r);
}
END_TEST

/* Simulations fired together, each recording the status and detail it got. */
#define SIMULATIONS_AT_ONCE 8

struct simulation_call {
	pthread_barrier_t *start;
	long status;
	char detail[256];
};

static void *simulate_in_thread(void *argument)
{
	struct simulation_call *call = argument;
	struct http_result r;

	pthread_barrier_wait(call->start);
	call->status = simulate(ROOT, json_pack("{s:s}", "proposed", "default allow\n"), &r);
	snprintf(call->detail, sizeof call->detail, "%s", http_json_string(&r, "detail") ?
		 http_json_string(&r, "detail") : "");
	http_result_free(&r);
	return NULL;
}

START_TEST(test_simulations_run_one_at_a_time)
{
	struct simulation_call calls[SIMULATIONS_AT_ONCE];
	pthread_t threads[SIMULATIONS_AT_ONCE];
	pthread_barrier_t start;
	int answered = 0, refused = 0;
	struct http_result r;

	/* A history long enough that a replay takes a while, so the calls overlap. */
	test_db_exec(world.bp.db_path,
		     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)"
		     " INSERT INTO requests(status, requester, resource, role, reason, duration,"
		     " created_at, decided_at, expires_at, approvals_needed, approver_group, decided_by,"
		     " version) SELECT 'approved', 'alice', 'svc', 'read', 'load', 3600, 1000 + i,"
		     " 2000 + i, 9000 + i, 1, 'ops', 'bob', 1 FROM n");
	ck_assert_int_eq(put_policy_status(ROOT, "\"0\"", decisive_policy), 200);
	pthread_barrier_init(&start, NULL, SIMULATIONS_AT_ONCE);
	for (int i = 0; i < SIMULATIONS_AT_ONCE; i++) {
		calls[i] = (struct simulation_call){ .start = &start };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, simulate_in_thread, &calls[i]), 0);
	}
	for (int i = 0; i < SIMULATIONS_AT_ONCE; i++) {
		pthread_join(threads[i], NULL);
		if (calls[i].status == 200)
			answered++;
		else if (calls[i].status == 503 && strstr(calls[i].detail, "already running"))
			refused++;
		else
			ck_abort_msg("simulation %d: %ld %s", i, calls[i].status, calls[i].detail);
	}
	pthread_barrier_destroy(&start);
	ck_assert_int_ge(answered, 1);
	ck_assert_int_ge(refused, 1);

	/* The lock is free again afterwards. */
	ck_assert_int_eq(simulate(ROOT, json_pack("{s:s}", "proposed", "default allow\n"), &r), 200);
	http_result_free(&r);
}
END_TEST

/* Write as who to path with If-Match if_match and body; returns the status. */
static long write_if_match(enum cast_member who, const char *method, const char *path,
			   const char *if_match, const char *body)
{
	char header[64];
	const char *headers[] = { header, NULL };
	struct http_result r;
	long status;

	snprintf(header, sizeof header, "If-Match: %s", if_match);
	status = world_call(&world, who, method, path, body, headers, &r);
	if (status == 400)
		ck_assert_str_eq(http_json_string(&r, "field"), "If-Match");
	http_result_free(&r);
	return status;
}

START_TEST(test_if_match_takes_the_sent_form)
{
	static const char *const other_forms[] = { "\"01\"", "\"+1\"", "01", "\"1 \"", "W/\"01\"" };
	char path[96], body[256];
	json_t *j = json_pack("{s:s}", "source", decisive_policy);
	char *source = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	int64_t grant = world_make_grant(&world, ALICE, "open");
	ck_assert_int_eq(put_policy_status(ROOT, "\"0\"", decisive_policy), 200);
	/* Another spelling of version 1 is another tag, which matches none. */
	for (size_t i = 0; i < sizeof other_forms / sizeof other_forms[0]; i++)
		ck_assert_msg(write_if_match(ROOT, "PUT", "/v1/policy", other_forms[i], source) == 400,
			      "If-Match: %s", other_forms[i]);
	ck_assert_int_eq(active_version(), 1);
	/* White space around the field value is not part of it. */
	ck_assert_int_eq(write_if_match(ROOT, "PUT", "/v1/policy", " \"1\"\t", source), 200);
	free(source);

	/* Requests and grants read If-Match the same way. */
	int64_t request = world_create_request(&world, ALICE, "svc", 3600);
	snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)request);
	ck_assert_int_eq(write_if_match(BOB, "POST", path, "\"01\"", "{}"), 400);
	ck_assert_int_eq(write_if_match(BOB, "POST", path, "\"1\"", "{}"), 200);

	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)grant);
	snprintf(body, sizeof body, "{\"reason\": \"done\"}");
	ck_assert_int_eq(write_if_match(ROOT, "POST", path, "\"001\"", body), 400);
	ck_assert_int_eq(write_if_match(ROOT, "POST", path, "\"1\"", body), 200);
}
END_TEST

START_TEST(test_blank_reason_is_no_reason)
{
	static const char blank[] = " \t\n ";
	char path[96], body[64];
	struct http_result r;

	/* Without a policy, a new request needs a reason. */
	ck_assert_int_eq(create_request(ALICE, "svc", "read", blank, 3600, &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);

	/* Deny and revoke need one. */
	int64_t request = world_create_request(&world, ALICE, "svc", 3600);
	ck_assert_int_eq(world_decide(&world, BOB, request, "deny", blank, &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);
	int64_t grant = world_make_grant(&world, ALICE, "open");
	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)grant);
	snprintf(body, sizeof body, "{\"reason\": \" \\t \"}");
	ck_assert_int_eq(world_post(&world, ROOT, path, body, &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);
	ck_assert_int_eq(world_post(&world, ROOT, "/v1/grants/revoke",
				    "{\"principal\": \"alice\", \"reason\": \"  \"}", &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);

	/* So does a request the policy decides with "reason required". */
	ck_assert_int_eq(put_policy_status(ROOT, "\"0\"", decisive_policy), 200);
	ck_assert_int_eq(create_request(ALICE, "db1", "write", blank, 3600, &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);
	ck_assert_int_eq(create_request(ALICE, "db1", "write", " fix ", 3600, &r), 201);
	http_result_free(&r);
}
END_TEST

/* A database from before policies (schema version 2) gains them when the broker starts. */
START_TEST(test_old_database_upgrades)
{
	struct http_result r;

	world_stop(&world);
	memset(&world.bp, 0, sizeof world.bp);
	test_make_dir(world.bp.dir, sizeof world.bp.dir);
	snprintf(world.bp.db_path, sizeof world.bp.db_path, "%s/broker.db", world.bp.dir);
	test_copy_file(world.template_db, world.bp.db_path);
	test_db_exec(world.bp.db_path,
		     "DROP TABLE policies;"
		     "ALTER TABLE requests DROP COLUMN policy_decision;"
		     "ALTER TABLE requests DROP COLUMN policy_rule;"
		     "ALTER TABLE requests DROP COLUMN policy_explanation;"
		     "ALTER TABLE requests DROP COLUMN policy_version;"
		     "ALTER TABLE requests DROP COLUMN policy_attributes;"
		     "PRAGMA user_version = 2;");
	ck_assert(broker_process_start(&world.bp, false, NULL));
	ck_assert_int_eq(test_db_query_int(world.bp.db_path, "PRAGMA user_version"), 3);
	ck_assert_int_eq(put_policy_status(ROOT, "\"0\"", decisive_policy), 200);
	ck_assert_int_eq(create_request(ALICE, "vault", "read", "", 3600, &r), 201);
	ck_assert_str_eq(http_json_string(&r, "status"), "denied");
	http_result_free(&r);
}
END_TEST

/* The console binary beside the gatehoused under test. */
static void console_path(char *out, size_t size)
{
	const char *broker = gatehoused_path();
	const char *slash = strrchr(broker, '/');

	snprintf(out, size, "%.*sgatehouse", slash ? (int)(slash - broker + 1) : 0, broker);
	ck_assert_msg(access(out, X_OK) == 0, "no console binary at %s", out);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* gatehouse simulate without --current, against the world's broker, as who. */
static int simulate_command(enum cast_member who, char *out, size_t out_size, char *err,
			    size_t err_size)
{
	char console[512], proposed[320], history[320];
	const char *argv[] = { console, "simulate", "--proposed", proposed, "--history", history,
			       "--url", world.bp.url, "--json", NULL };

	console_path(console, sizeof console);
	snprintf(proposed, sizeof proposed, "%s/proposed.policy", world.bp.dir);
	snprintf(history, sizeof history, "%s/history.csv", world.bp.dir);
	write_text(proposed, "default allow\n");
	write_text(history, "ACTION,RESOURCE\n1,4675\n0,17\n1,99\n");
	/* The token goes in the environment, never in argv; no config file of the user's is read. */
	setenv("GATEHOUSE_TOKEN", world_token(&world, who), 1);
	setenv("XDG_CONFIG_HOME", world.bp.dir, 1);
	unsetenv("GATEHOUSE_TOKEN_FILE");
	unsetenv("GATEHOUSE_CONFIG");
	return test_run_program(argv, out, out_size, err, err_size);
}

START_TEST(test_simulate_command_uses_broker_policy)
{
	char out[8192], err[4096];

	ck_assert_int_eq(simulate_command(ERIN, out, sizeof out, err, sizeof err), 1);
	ck_assert_msg(strstr(err, "not_found") != NULL, "stderr: %s", err);

	ck_assert_int_eq(put_policy_status(ROOT, "\"0\"", "default deny \"closed\"\n"), 200);
	ck_assert_msg(simulate_command(ERIN, out, sizeof out, err, sizeof err) == 0, "stderr: %s", err);

	json_t *result = json_loads(out, 0, NULL);
	ck_assert_msg(result != NULL, "not JSON: %s", out);
	ck_assert_int_eq(json_integer_value(json_object_get(result, "total")), 3);
	json_t *row = json_object_get(json_object_get(result, "matrix"), "deny");
	ck_assert_int_eq(json_integer_value(json_object_get(row, "allow")), 3);
	json_decref(result);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *suite = suite_create("broker_policy");
	TCase *policy = tcase_create("policy");

	tcase_set_timeout(policy, 60);
	tcase_add_unchecked_fixture(policy, build_world, destroy_world);
	tcase_add_checked_fixture(policy, start_broker, stop_broker);
	tcase_add_test(policy, test_without_policy_routes_decide);
	tcase_add_test(policy, test_publish_needs_admin);
	tcase_add_test(policy, test_publish_checks_if_match);
	tcase_add_test(policy, test_publish_retry_is_replayed);
	tcase_add_test(policy, test_publish_refuses_lint_errors);
	tcase_add_test(policy, test_publish_is_audited);
	tcase_add_test(policy, test_policy_decides_new_requests);
	tcase_add_test(policy, test_lint_answers);
	tcase_add_test(policy, test_lint_is_bounded);
	tcase_add_test(policy, test_explanation_is_capped);
	tcase_add_test(policy, test_simulations_run_one_at_a_time);
	tcase_add_test(policy, test_if_match_takes_the_sent_form);
	tcase_add_test(policy, test_blank_reason_is_no_reason);
	tcase_add_test(policy, test_simulate_replays_decided_requests);
	tcase_add_test(policy, test_old_database_upgrades);
	tcase_add_test(policy, test_simulate_command_uses_broker_policy);
	suite_add_tcase(suite, policy);
	return suite;
}

CHECK_MAIN(policy_suite)
