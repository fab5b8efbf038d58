/*
 * sync_bench: times the console's sync (client/sync*.c) into a cache file,
 * against a broker stand-in on a thread of its own that serves pre-rendered
 * pages from memory, so that the figures are the client's.
 *
 *   sync_bench sync --cache FILE --objects N --events M [--csv-dir DIR]
 *       A cold sync of N pending requests and N active grants into FILE, which
 *       must not exist: from sync_start() to the last page stored and the feed
 *       position written. Then, with --csv-dir, the requests and grants tables
 *       written as DIR/requests.csv and DIR/grants.csv (not timed), and then M
 *       events from the feed (request.approved for requests 1..M), timed from
 *       the first feed page to the last applied.
 *   sync_bench empty --cache FILE
 *       An empty cache with the console's schema, to .import those CSV files into.
 *
 * Everything listens on and connects to 127.0.0.1 only.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "cache/objects.h"
#include "client/http.h"
#include "client/sync.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* The broker's page size for listings and the feed, as the sync requests them. */
#define PAGE_SIZE 500
#define BENCH_TOKEN "ghs_sync_bench_token"
/* The maximum time a bench step may take before the program gives up. */
#define STEP_TIMEOUT_MS (10 * 60 * 1000)

struct pages {
	struct strbuf *texts;
	size_t count;
};

struct server {
	int listen_fd;
	unsigned port;
	int64_t listed_seq;         /* last_seq of the listings */
	struct pages requests;
	struct pages grants;
	struct pages events;        /* page k contains events listed_seq + k * PAGE_SIZE + 1... */
	struct strbuf me;
	struct strbuf no_requests;  /* an empty last page of requests */
};

static void die(const char *message)
{
	fprintf(stderr, "sync_bench: %s\n", message);
	exit(1);
}

/* The time of object id: one a second from the start of 2026-12-01, so that ids and times rise together. */
static void format_time(long id, long offset, char *out, size_t size)
{
	time_t t = (time_t)(1796083200L + id + offset);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void append_request(struct strbuf *out, long id, bool approved)
{
	char created[32], expires[32];

	format_time(id, 0, created, sizeof created);
	format_time(id, 86400, expires, sizeof expires);
	strbuf_printf(out, "{\"id\":%ld,\"status\":\"%s\",\"requester\":\"emp-%05ld\","
		      "\"resource\":\"res-%05ld\",\"role\":\"read\",\"reason\":\"INC-%ld: restore the "
		      "billing export\",\"duration_seconds\":14400,\"created_at\":\"%s\","
		      "\"decided_at\":%s,\"expires_at\":\"%s\",\"approvals_needed\":1,"
		      "\"approver_group\":\"payments-owners\",\"approvals\":[%s],\"decided_by\":%s,"
		      "\"decision_reason\":null,\"grant_id\":null,\"version\":%d}",
		      id, approved ? "approved" : "pending", id % 7919, id % 50000, id, created,
		      approved ? "\"2026-12-04T16:00:00Z\"" : "null", expires,
		      approved ? "{\"approver\":\"demo-admin\",\"reason\":\"ok\","
				 "\"at\":\"2026-12-04T16:00:00Z\"}" : "",
		      approved ? "\"demo-admin\"" : "null", approved ? 2 : 1);
}

static void append_grant(struct strbuf *out, long id)
{
	char granted[32], expires[32];

	format_time(id, 60, granted, sizeof granted);
	format_time(id, 60 + 14400, expires, sizeof expires);
	strbuf_printf(out, "{\"id\":%ld,\"request_id\":%ld,\"principal\":\"emp-%05ld\","
		      "\"resource\":\"res-%05ld\",\"role\":\"read\",\"kind\":\"jit\",\"status\":\"active\","
		      "\"granted_at\":\"%s\",\"expires_at\":\"%s\",\"revoked_at\":null,"
		      "\"revoked_by\":null,\"reason\":\"INC-%ld: restore the billing export\","
		      "\"request_reason\":\"INC-%ld: restore the billing export\","
		      "\"last_used_at\":null,\"version\":1}",
		      id, id, id % 7919, id % 50000, granted, expires, id, id);
}

/* Render count objects as listing pages, with cursors "1", "2"... */
static void render_listing(struct pages *pages, long count, int64_t last_seq,
			   void (*append)(struct strbuf *, long))
{
	pages->count = (size_t)((count + PAGE_SIZE - 1) / PAGE_SIZE);
	pages->texts = calloc(pages->count ? pages->count : 1, sizeof *pages->texts);
	for (size_t page = 0; page < pages->count; page++) {
		struct strbuf *text = &pages->texts[page];
		strbuf_puts(text, "{\"items\":[");
		for (long id = (long)page * PAGE_SIZE + 1; id <= count && id <= (long)(page + 1) * PAGE_SIZE; id++) {
			if (id > (long)page * PAGE_SIZE + 1)
				strbuf_putc(text, ',');
			append(text, id);
		}
		if (page + 1 < pages->count)
			strbuf_printf(text, "],\"next_cursor\":\"%zu\",\"last_seq\":%lld}", page + 1,
				      (long long)last_seq);
		else
			strbuf_printf(text, "],\"next_cursor\":null,\"last_seq\":%lld}", (long long)last_seq);
	}
}

static void append_pending_request(struct strbuf *out, long id)
{
	append_request(out, id, false);
}

static void append_approved_request(struct strbuf *out, long id)
{
	append_request(out, id, true);
}

/* Render count request.approved events after first_seq - 1, PAGE_SIZE to a page. */
static void render_events(struct pages *pages, long count, int64_t first_seq)
{
	pages->count = (size_t)((count + PAGE_SIZE - 1) / PAGE_SIZE);
	pages->texts = calloc(pages->count ? pages->count : 1, sizeof *pages->texts);
	for (size_t page = 0; page < pages->count; page++) {
		struct strbuf *text = &pages->texts[page];
		long last = 0;
		strbuf_puts(text, "{\"events\":[");
		for (long id = (long)page * PAGE_SIZE + 1; id <= count && id <= (long)(page + 1) * PAGE_SIZE; id++) {
			if (id > (long)page * PAGE_SIZE + 1)
				strbuf_putc(text, ',');
			strbuf_printf(text, "{\"seq\":%lld,\"type\":\"request.approved\","
				      "\"at\":\"2026-12-04T16:00:00Z\",\"actor\":\"demo-admin\","
				      "\"object\":\"request\",\"id\":%ld,\"data\":",
				      (long long)(first_seq + id - 1), id);
			append_approved_request(text, id);
			strbuf_putc(text, '}');
			last = id;
		}
		strbuf_printf(text, "],\"last_seq\":%lld}", (long long)(first_seq + last - 1));
	}
}

static bool send_all(int fd, const char *data, size_t length)
{
	while (length > 0) {
		ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		length -= (size_t)n;
	}
	return true;
}

static bool respond(int fd, const char *body, size_t length)
{
	char head[160];

	snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n", length);
	return send_all(fd, head, strlen(head)) && send_all(fd, body, length);
}

static const struct strbuf *page_at(const struct pages *pages, long index)
{
	return index >= 0 && (size_t)index < pages->count ? &pages->texts[index] : NULL;
}

/* The page a GET requests, or NULL. An empty feed page is delayed like a broker's long poll. */
static const struct strbuf *route(struct server *server, const char *target)
{
	const char *cursor = strstr(target, "cursor=");
	long index = cursor ? strtol(cursor + 7, NULL, 10) : 0;

	if (strcmp(target, "/v1/me") == 0)
		return &server->me;
	/* The background fetch of decided requests finds none, so that it does not enter the timings. */
	if (strncmp(target, "/v1/requests?status=approved", 28) == 0 ||
	    strncmp(target, "/v1/requests?status=denied", 26) == 0)
		return &server->no_requests;
	if (strncmp(target, "/v1/requests?", 13) == 0)
		return page_at(&server->requests, index);
	if (strncmp(target, "/v1/grants?", 11) == 0)
		return page_at(&server->grants, index);
	if (strncmp(target, "/v1/events?", 11) == 0) {
		const char *after = strstr(target, "after=");
		long long position = after ? strtoll(after + 6, NULL, 10) : 0;
		const struct strbuf *page = page_at(&server->events,
						    (long)((position - server->listed_seq) / PAGE_SIZE));
		if (!page)
			sleep(25);
		return page;
	}
	return NULL;
}

struct connection {
	struct server *server;
	int fd;
};

/* Serve one keep-alive connection until the client closes it. */
static void *serve_connection(void *arg)
{
	struct connection *connection = arg;
	struct server *server = connection->server;
	int fd = connection->fd;
	char buffer[8192], target[2048];
	size_t used = 0;

	free(connection);
	for (;;) {
		char *end = memmem(buffer, used, "\r\n\r\n", 4);
		if (!end) {
			ssize_t n = used < sizeof buffer ? recv(fd, buffer + used, sizeof buffer - used, 0) : -1;
			if (n <= 0)
				break;
			used += (size_t)n;
			continue;
		}
		size_t consumed = (size_t)(end - buffer) + 4;
		buffer[consumed - 1] = '\0';
		if (sscanf(buffer, "GET %2047s", target) != 1)
			break;
		const struct strbuf *page = route(server, target);
		static const char empty_feed[] = "{\"events\":[],\"last_seq\":0}";
		if (!(page ? respond(fd, page->data, page->len)
			   : respond(fd, empty_feed, sizeof empty_feed - 1)))
			break;
		memmove(buffer, buffer + consumed, used - consumed);
		used -= consumed;
	}
	close(fd);
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct server *server = arg;

	for (;;) {
		int fd = accept(server->listen_fd, NULL, NULL);
		pthread_t thread;
		if (fd < 0)
			continue;
		struct connection *connection = malloc(sizeof *connection);
		connection->server = server;
		connection->fd = fd;
		if (pthread_create(&thread, NULL, serve_connection, connection) != 0) {
			close(fd);
			free(connection);
			continue;
		}
		pthread_detach(thread);
	}
	return NULL;
}

static void start_server(struct server *server, long objects, long events)
{
	struct sockaddr_in address = { .sin_family = AF_INET };
	socklen_t length = sizeof address;
	pthread_t thread;

	server->listed_seq = 2 * objects + 1;
	strbuf_puts(&server->me, "{\"id\":\"demo-admin\",\"display_name\":\"Demo admin\","
		    "\"roles\":[\"admin\"],\"groups\":[],\"attributes\":{},\"broker_id\":\"sync-bench\"}");
	strbuf_printf(&server->no_requests, "{\"items\":[],\"next_cursor\":null,\"last_seq\":%lld}",
		      (long long)server->listed_seq);
	render_listing(&server->requests, objects, server->listed_seq, append_pending_request);
	render_listing(&server->grants, objects, server->listed_seq, append_grant);
	render_events(&server->events, events, server->listed_seq + 1);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	server->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (server->listen_fd < 0 || bind(server->listen_fd, (struct sockaddr *)&address, sizeof address) != 0 ||
	    listen(server->listen_fd, 16) != 0 ||
	    getsockname(server->listen_fd, (struct sockaddr *)&address, &length) != 0)
		die("cannot listen on 127.0.0.1");
	server->port = ntohs(address.sin_port);
	if (pthread_create(&thread, NULL, accept_loop, server) != 0)
		die("cannot start the server thread");
	pthread_detach(thread);
}

/* The console's side: one cache, one HTTP client and the sync, driven as the console's loop drives them. */
struct client {
	struct cache *cache;
	struct http_client *http;
	struct sync *sync;
};

static void open_client(struct client *client, const char *cache_path, unsigned port)
{
	struct http_client_options options = { .token = BENCH_TOKEN };
	char url[64], error[1024];

	snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
	options.base_url = url;
	client->cache = cache_open(cache_path, error, sizeof error);
	if (!client->cache)
		die(error);
	client->http = http_client_new(&options, error, sizeof error);
	if (!client->http)
		die(error);
	client->sync = sync_new(client->http, client->cache, NULL, NULL);
}

static int64_t feed_position(struct client *client)
{
	int64_t seq = 0;

	if (!cache_get_last_seq(client->cache, &seq))
		die(cache_last_error(client->cache));
	return seq;
}

/* Run the loop until the cache's feed position reaches seq; returns the milliseconds it took. */
static int64_t run_until(struct client *client, int64_t seq)
{
	int64_t start = time_monotonic_ms();

	while (feed_position(client) < seq) {
		int64_t now = time_monotonic_ms();
		int timeout = sync_next_timeout_ms(client->sync, now);
		if (now - start > STEP_TIMEOUT_MS) {
			fprintf(stderr, "sync_bench: stuck at feed position %lld: %s\n",
				(long long)feed_position(client), sync_get_detail(client->sync));
			exit(1);
		}
		http_client_poll(client->http, NULL, 0, timeout < 0 || timeout > 1000 ? 1000 : timeout);
		http_client_perform(client->http);
		sync_tick(client->sync, time_monotonic_ms());
	}
	return time_monotonic_ms() - start;
}

/* Write one column of a result row as a CSV field, quoted when it must be. */
static void write_csv_field(FILE *out, sqlite3_stmt *statement, int column)
{
	const char *text = (const char *)sqlite3_column_text(statement, column);

	if (!text)
		return;
	if (!strpbrk(text, ",\"\r\n")) {
		fputs(text, out);
		return;
	}
	fputc('"', out);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

/* Write every row of table, with every column in table order, as CSV without a header. */
static void write_csv(const char *cache_path, const char *table, const char *path)
{
	char sql[128];
	sqlite3 *db;
	sqlite3_stmt *statement;
	FILE *out = fopen(path, "w");

	if (!out || sqlite3_open_v2(cache_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die("cannot write the CSV files");
	snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY id", table);
	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db));
	while (sqlite3_step(statement) == SQLITE_ROW) {
		for (int column = 0; column < sqlite3_column_count(statement); column++) {
			if (column > 0)
				fputc(',', out);
			write_csv_field(out, statement, column);
		}
		fputc('\n', out);
	}
	sqlite3_finalize(statement);
	sqlite3_close(db);
	if (fclose(out) != 0)
		die("cannot write the CSV files");
}

static void run_sync(const char *cache_path, long objects, long events, const char *csv_dir)
{
	static struct server server;
	struct client client;
	char path[1024];

	if (access(cache_path, F_OK) == 0)
		die("the cache file exists already: a cold sync needs a new one");
	start_server(&server, objects, events);
	open_client(&client, cache_path, server.port);
	sync_start(client.sync);
	int64_t cold_ms = run_until(&client, server.listed_seq);
	if (cache_count_pending(client.cache) != objects ||
	    cache_count_active_grants(client.cache) != objects)
		die("the cold sync did not store every object");
	printf("cold sync: %ld requests and %ld grants in %.3f s (%.0f objects/s)\n", objects,
	       objects, (double)cold_ms / 1000.0, 2.0 * (double)objects * 1000.0 / (double)(cold_ms ? cold_ms : 1));
	if (csv_dir) {
		snprintf(path, sizeof path, "%s/requests.csv", csv_dir);
		write_csv(cache_path, "requests", path);
		snprintf(path, sizeof path, "%s/grants.csv", csv_dir);
		write_csv(cache_path, "grants", path);
	}
	if (events > 0) {
		int64_t feed_ms = run_until(&client, server.listed_seq + events);
		if (cache_count_pending(client.cache) != objects - events)
			die("the feed did not apply every event");
		printf("feed: %ld events applied in %.3f s (%.0f events/s)\n", events,
		       (double)feed_ms / 1000.0, (double)events * 1000.0 / (double)(feed_ms ? feed_ms : 1));
	}
	sync_free(client.sync);
	http_client_free(client.http);
	cache_close(client.cache);
}

static long number_option(const char *value, const char *name)
{
	char *end;
	long number = strtol(value, &end, 10);

	if (*end != '\0' || number < 0) {
		fprintf(stderr, "sync_bench: %s takes a whole number\n", name);
		exit(2);
	}
	return number;
}

int main(int argc, char **argv)
{
	const char *cache_path = NULL, *csv_dir = NULL;
	long objects = 100000, events = 100000;
	char error[1024];

	if (argc < 2 || (strcmp(argv[1], "sync") != 0 && strcmp(argv[1], "empty") != 0))
		die("usage: sync_bench sync|empty --cache FILE [--objects N] [--events M] [--csv-dir DIR]");
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--cache") == 0)
			cache_path = argv[i + 1];
		else if (strcmp(argv[i], "--objects") == 0)
			objects = number_option(argv[i + 1], "--objects");
		else if (strcmp(argv[i], "--events") == 0)
			events = number_option(argv[i + 1], "--events");
		else if (strcmp(argv[i], "--csv-dir") == 0)
			csv_dir = argv[i + 1];
		else
			die("unknown option");
	}
	if (!cache_path)
		die("--cache FILE is required");
	if (events > objects)
		die("--events may not exceed --objects: each event approves one listed request");
	if (strcmp(argv[1], "empty") == 0) {
		struct cache *cache = cache_open(cache_path, error, sizeof error);
		if (!cache)
			die(error);
		cache_close(cache);
		return 0;
	}
	run_sync(cache_path, objects, events, csv_dir);
	return 0;
}
