#ifndef GATEHOUSE_TEST_BROKER_H
#define GATEHOUSE_TEST_BROKER_H

/*
 * Helpers shared by the test_broker_*.c programs; each program includes this
 * header once, so the functions are static inline (each program uses a subset).
 *
 * A "world" is a real gatehoused on a database that the gatehoused CLI filled
 * with a fixed cast of principals, their tokens and a set of routes, so that a
 * test states exactly who may do what. world_build fills a template database
 * once, in an unchecked fixture that runs in the runner process. world_start
 * copies it into a fresh directory and starts a broker there in milliseconds.
 */

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "tests/support/broker_process.h"
#include "tests/support/http_client.h"

#define TEST_TOKEN_SIZE 128

enum cast_member {
	ALICE,   /* requester */
	ERIN,    /* requester */
	BOB,     /* approver in ops */
	CAROL,   /* approver in ops */
	DAVE,    /* approver in db */
	ROOT,    /* admin, in no group */
	AUDREY,  /* auditor */
	CAST_COUNT,
	NOBODY = -1, /* no Authorization header */
};

static const struct {
	const char *id;
	const char *roles;
	const char *groups;
} cast[CAST_COUNT] = {
	[ALICE] = { "alice", "requester", NULL },
	[ERIN] = { "erin", "requester", NULL },
	[BOB] = { "bob", "approver", "ops" },
	[CAROL] = { "carol", "approver", "ops" },
	[DAVE] = { "dave", "approver", "db" },
	[ROOT] = { "root", "admin", NULL },
	[AUDREY] = { "audrey", "auditor", NULL },
};

/* Routes: "open*" need no approval, so a request on them is a grant at once. */
static const struct {
	const char *id;
	const char *group;
	const char *approvals;
} world_routes[] = {
	{ "svc", "ops", "1" },
	{ "vault", "ops", "2" },
	{ "db1", "db", "1" },
	{ "open", "ops", "0" },
	{ "open-b", "ops", "0" },
	{ "open-c", "db", "0" },
};

struct test_world {
	char template_dir[256];
	char template_db[320];
	char tokens[CAST_COUNT][TEST_TOKEN_SIZE];
	struct broker_process bp;
};

static inline void test_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static inline void test_make_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/gatehouse-test-XXXXXX");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp failed: %s", strerror(errno));
}

static inline int test_remove_entry(const char *path, const struct stat *sb, int flag,
				    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void test_remove_dir(const char *dir)
{
	if (dir[0] && !getenv("GATEHOUSE_KEEP_TEST_DIRS"))
		nftw(dir, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Read a whole file into a NUL-terminated buffer; length receives its size. NULL when unreadable. */
static inline char *test_read_file(const char *path, size_t *length)
{
	struct strbuf sb = STRBUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		strbuf_append(&sb, chunk, n);
	fclose(f);
	if (length)
		*length = sb.len;
	return strbuf_detach(&sb);
}

static inline void test_copy_file(const char *from, const char *to)
{
	size_t length;
	char *data = test_read_file(from, &length);
	FILE *f;

	ck_assert_msg(data != NULL, "cannot read %s", from);
	f = fopen(to, "wb");
	ck_assert_msg(f != NULL, "cannot create %s", to);
	ck_assert_uint_eq(fwrite(data, 1, length, f), length);
	ck_assert_int_eq(fclose(f), 0);
	free(data);
}

/* Append what is ready on fd to out (size bytes, kept NUL-terminated); false at end of file. */
static inline bool test_read_some(int fd, char *out, size_t size, size_t *used)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof chunk);

	if (n <= 0)
		return false;
	if (out && size > 0) {
		size_t room = size - 1 - *used;
		size_t take = (size_t)n < room ? (size_t)n : room;
		memcpy(out + *used, chunk, take);
		*used += take;
		out[*used] = '\0';
	}
	return true;
}

/*
 * Run a program (argv[0] is looked up in PATH when it has no slash) with its
 * stdout and stderr captured into out and err (either may be NULL to discard),
 * and return its exit status. Fails the test when it still runs after 20 s, as
 * a broker that wrongly started would.
 */
static inline int test_run_program(const char *const *argv, char *out, size_t out_size,
				   char *err, size_t err_size)
{
	int out_pipe[2], err_pipe[2], status;
	size_t out_used = 0, err_used = 0;
	bool out_open = true, err_open = true;

	if (out && out_size)
		out[0] = '\0';
	if (err && err_size)
		err[0] = '\0';
	ck_assert_int_eq(pipe(out_pipe), 0);
	ck_assert_int_eq(pipe(err_pipe), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out_pipe[1], STDOUT_FILENO);
		dup2(err_pipe[1], STDERR_FILENO);
		close(out_pipe[0]);
		close(out_pipe[1]);
		close(err_pipe[0]);
		close(err_pipe[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	int64_t deadline = time_monotonic_ms() + 20000;
	while (out_open || err_open) {
		struct pollfd fds[2] = {
			{ .fd = out_open ? out_pipe[0] : -1, .events = POLLIN },
			{ .fd = err_open ? err_pipe[0] : -1, .events = POLLIN },
		};
		int left = (int)(deadline - time_monotonic_ms());
		if (left <= 0 || poll(fds, 2, left) <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ck_abort_msg("%s was still running after 20 s", argv[0]);
		}
		if (fds[0].revents)
			out_open = test_read_some(out_pipe[0], out, out_size, &out_used);
		if (fds[1].revents)
			err_open = test_read_some(err_pipe[0], err, err_size, &err_used);
	}
	close(out_pipe[0]);
	close(err_pipe[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run "gatehoused NOUN VERB --db DB OPTIONS..." and check that it succeeds; out receives stdout. */
static inline void test_cli(const char *db, const char *noun, const char *verb,
			    const char *const *options, char *out, size_t size)
{
	const char *args[24] = { noun, verb, "--db", db };
	int n = 4;
	/* Room for everything the CLI prints: gatehoused_run stops reading when its buffer is full. */
	static char ignored[64 * 1024];

	for (int i = 0; options[i] && n < 23; i++)
		args[n++] = options[i];
	args[n] = NULL;
	if (!out) {
		out = ignored;
		size = sizeof ignored;
	}
	int status = gatehoused_run(args, out, size);
	ck_assert_msg(status == 0, "gatehoused %s %s exited with %d", noun, verb, status);
}

static inline void test_add_principal(const char *db, const char *id, const char *roles,
				      const char *groups)
{
	const char *options[] = { "--id", id, "--roles", roles, groups ? "--groups" : NULL,
				  groups, NULL };

	test_cli(db, "principal", "add", options, NULL, 0);
}

static inline void test_set_route(const char *db, const char *id, const char *group,
				  const char *approvals, const char *max_duration)
{
	const char *options[] = { "--id", id, "--group", group, "--approvals", approvals,
				  max_duration ? "--max-duration" : NULL, max_duration, NULL };

	test_cli(db, "resource", "set", options, NULL, 0);
}

/* Issue a token for principal with "token create"; out receives it without the newline. */
static inline void test_issue_token(const char *db, const char *principal, char *out, size_t size)
{
	const char *options[] = { "--principal", principal, NULL };

	test_cli(db, "token", "create", options, out, size);
	out[strcspn(out, "\n")] = '\0';
	ck_assert_msg(strncmp(out, "ghs_", 4) == 0, "token create printed \"%s\"", out);
}

/* Fill the template database: run in an unchecked fixture. */
static inline void world_build(struct test_world *w)
{
	memset(w, 0, sizeof *w);
	test_make_dir(w->template_dir, sizeof w->template_dir);
	snprintf(w->template_db, sizeof w->template_db, "%s/template.db", w->template_dir);
	for (int i = 0; i < CAST_COUNT; i++) {
		test_add_principal(w->template_db, cast[i].id, cast[i].roles, cast[i].groups);
		test_issue_token(w->template_db, cast[i].id, w->tokens[i], sizeof w->tokens[i]);
	}
	for (size_t i = 0; i < sizeof world_routes / sizeof world_routes[0]; i++)
		test_set_route(w->template_db, world_routes[i].id, world_routes[i].group,
			       world_routes[i].approvals, NULL);
}

/* Copy the template into a new directory and start gatehoused on it with extra_args. */
static inline void world_start(struct test_world *w, const char *const *extra_args)
{
	memset(&w->bp, 0, sizeof w->bp);
	test_make_dir(w->bp.dir, sizeof w->bp.dir);
	snprintf(w->bp.db_path, sizeof w->bp.db_path, "%s/broker.db", w->bp.dir);
	test_copy_file(w->template_db, w->bp.db_path);
	ck_assert_msg(broker_process_start(&w->bp, false, extra_args),
		      "gatehoused did not start; see %s/broker.log", w->bp.dir);
}

/*
 * Stop the broker, check that it exited with status 0 (under the sanitizers a
 * leak or a fault at shutdown makes it non-zero) and remove its directory,
 * which is kept for a look when the status is wrong.
 */
static inline void world_stop(struct test_world *w)
{
	int status = broker_process_stop(&w->bp);

	if (status != 0) {
		fprintf(stderr, "gatehoused exited with %d; its log is %s/broker.log\n", status,
			w->bp.dir);
		w->bp.dir[0] = '\0';
	}
	broker_process_cleanup(&w->bp);
	ck_assert_msg(status == 0, "gatehoused exited with %d", status);
}

static inline void world_destroy(struct test_world *w)
{
	world_stop(w);
	test_remove_dir(w->template_dir);
	w->template_dir[0] = '\0';
}

static inline const char *world_token(const struct test_world *w, enum cast_member who)
{
	return who == NOBODY ? NULL : w->tokens[who];
}

/* Send one HTTP request as who, and check only that a response arrived. */
static inline long world_call(struct test_world *w, enum cast_member who, const char *method,
			      const char *path, const char *body, const char *const *headers,
			      struct http_result *result)
{
	int rc = http_call(method, w->bp.url, path, world_token(w, who), body, headers, result);

	ck_assert_msg(rc == 0, "%s %s: no answer from the broker", method, path);
	return result->status;
}

static inline long world_get(struct test_world *w, enum cast_member who, const char *path,
			     struct http_result *result)
{
	return world_call(w, who, "GET", path, NULL, NULL, result);
}

static inline long world_post(struct test_world *w, enum cast_member who, const char *path,
			      const char *body, struct http_result *result)
{
	return world_call(w, who, "POST", path, body, NULL, result);
}

/* The JSON text of a new request's body. The caller frees it. */
static inline char *request_body(const char *resource, const char *role, const char *reason,
				 int64_t duration_seconds)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "resource", resource, "role", role,
			      "reason", reason, "duration_seconds", (json_int_t)duration_seconds);
	char *text = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return text;
}

/* Create a request as who and check the 201; returns its id. */
static inline int64_t world_create_request(struct test_world *w, enum cast_member who,
					   const char *resource, int64_t duration_seconds)
{
	struct http_result r;
	char *body = request_body(resource, "read", "test access", duration_seconds);
	long status = world_post(w, who, "/v1/requests", body, &r);
	int64_t id = http_json_int(&r, "id");

	ck_assert_msg(status == 201, "creating a request on %s as %s: %ld %s", resource,
		      cast[who].id, status, r.body);
	free(body);
	http_result_free(&r);
	return id;
}

/* POST /v1/requests/ID/VERB with an optional reason; result receives the response. */
static inline long world_decide(struct test_world *w, enum cast_member who, int64_t id,
				const char *verb, const char *reason, struct http_result *result)
{
	char path[96];
	json_t *j = reason ? json_pack("{s:s}", "reason", reason) : json_object();
	char *body = json_dumps(j, JSON_COMPACT);
	long status;

	snprintf(path, sizeof path, "/v1/requests/%lld/%s", (long long)id, verb);
	status = world_post(w, who, path, body, result);
	free(body);
	json_decref(j);
	return status;
}

/* Decide and keep only the status. */
static inline long world_decide_status(struct test_world *w, enum cast_member who, int64_t id,
				       const char *verb, const char *reason)
{
	struct http_result r;
	long status = world_decide(w, who, id, verb, reason, &r);

	http_result_free(&r);
	return status;
}

/* GET /v1/requests/ID as root; result receives the request. */
static inline void world_get_request(struct test_world *w, int64_t id, struct http_result *result)
{
	char path[64];

	snprintf(path, sizeof path, "/v1/requests/%lld", (long long)id);
	ck_assert_int_eq(world_get(w, ROOT, path, result), 200);
}

/* Create a request on a route that needs no approval and return the id of its grant. */
static inline int64_t world_make_grant(struct test_world *w, enum cast_member who,
				       const char *resource)
{
	struct http_result r;
	int64_t id = world_create_request(w, who, resource, 3600);
	int64_t grant_id;

	world_get_request(w, id, &r);
	grant_id = http_json_int(&r, "grant_id");
	ck_assert_msg(grant_id > 0, "request %lld on %s has no grant: %s", (long long)id,
		      resource, r.body);
	http_result_free(&r);
	return grant_id;
}

/* The "items" array of a list response (borrowed from result). */
static inline json_t *result_items(const struct http_result *result)
{
	json_t *items = json_object_get(result->json, "items");

	ck_assert_msg(json_is_array(items), "no items in %s", result->body);
	return items;
}

/* How many items GET path (a list of at most 500) returns to root. */
static inline size_t world_count_items(struct test_world *w, const char *path)
{
	struct http_result r;
	size_t count;

	ck_assert_int_eq(world_get(w, ROOT, path, &r), 200);
	count = json_array_size(result_items(&r));
	http_result_free(&r);
	return count;
}

/* How many audit entries of one object carry action (NULL: any). */
static inline size_t world_count_audit(struct test_world *w, const char *object, int64_t id,
				       const char *action)
{
	struct http_result r;
	char path[128];
	size_t i, count = 0;
	json_t *entry;

	snprintf(path, sizeof path, "/v1/audit?object=%s&object_id=%lld&limit=500", object,
		 (long long)id);
	ck_assert_int_eq(world_get(w, ROOT, path, &r), 200);
	json_array_foreach(result_items(&r), i, entry) {
		const char *a = json_string_value(json_object_get(entry, "action"));
		if (!action || (a && strcmp(a, action) == 0))
			count++;
	}
	http_result_free(&r);
	return count;
}

/* Run one integer query ("SELECT count(*) FROM ...") on a database, read-only. */
static inline int64_t test_db_query_int(const char *db_path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t value;

	ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	value = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return value;
}

/* Run SQL that changes a database, as someone with the file would; checks that it succeeds. */
static inline void test_db_exec(const char *db_path, const char *sql)
{
	sqlite3 *db;
	char *message = NULL;

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &message) == SQLITE_OK, "%s: %s", sql,
		      message ? message : sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Parse an RFC 3339 field of a JSON object; fails the test when it is not one. */
static inline int64_t json_time_field(const json_t *object, const char *field)
{
	const char *text = json_string_value(json_object_get(object, field));
	int64_t t = 0;

	ck_assert_msg(text && time_parse_rfc3339(text, &t), "%s is not a time", field);
	return t;
}

/*
 * A call with exact body bytes (NULs included) that keeps every response header,
 * for the cases http_call cannot express. It reuses the caller's curl handle.
 */
struct raw_response {
	long status;
	struct strbuf headers;
	struct strbuf body;
};

static inline size_t raw_collect(char *data, size_t size, size_t count, void *userdata)
{
	strbuf_append(userdata, data, size * count);
	return size * count;
}

static inline CURLcode raw_call(CURL *curl, const char *url, const char *method,
				const char *const *headers, const char *body, size_t body_length,
				struct raw_response *r)
{
	struct curl_slist *list = NULL;
	CURLcode rc;

	memset(r, 0, sizeof *r);
	for (int i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, raw_collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, raw_collect);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 90L);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
	}
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(list);
	return rc;
}

/* Copy the value of response header name into out; false when it is absent. */
static inline bool raw_header(const struct raw_response *r, const char *name, char *out,
			      size_t size)
{
	size_t name_length = strlen(name);

	for (const char *line = strbuf_str(&r->headers); *line;) {
		size_t length = strcspn(line, "\r\n");
		if (length > name_length && line[name_length] == ':' &&
		    strncasecmp(line, name, name_length) == 0) {
			const char *value = line + name_length + 1;
			while (*value == ' ')
				value++;
			snprintf(out, size, "%.*s", (int)(length - (size_t)(value - line)), value);
			return true;
		}
		line += length;
		line += strspn(line, "\r\n");
	}
	return false;
}

static inline void raw_response_free(struct raw_response *r)
{
	strbuf_free(&r->headers);
	strbuf_free(&r->body);
}

#endif
