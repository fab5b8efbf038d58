#ifndef GATEHOUSE_TEST_CLIENT_SUPPORT_H
#define GATEHOUSE_TEST_CLIENT_SUPPORT_H

/*
 * Helpers shared by the test_client_*.c programs; each program includes this
 * header once, so the functions are static inline (each program uses a subset).
 *
 * test_loop runs the console's event loop (poll, perform, timers) until a
 * condition holds. test_server is a small HTTP server of the test's own on a
 * loopback port, with one thread per connection. Its handler responds however
 * the test wants: like a broker, or with malformed JSON, an HTML page, a huge
 * or cut-off body, or a byte at a time.
 */

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "client/http.h"
#include "client/outbox.h"
#include "client/sync.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* The maximum wait of one test_loop poll, so that conditions set by other threads are seen. */
#define TEST_LOOP_POLL_CAP_MS 100
/* The maximum number of connections a test server accepts, because each response closes its own. */
#define TEST_SERVER_MAX_CONNECTIONS 256

struct test_loop {
	struct http_client *http;
	struct sync *sync;            /* NULL when the test has none */
	struct outbox_sender *outbox; /* NULL when the test has none */
	unsigned iterations;
};

/* Run the event loop until done(arg) or timeout_ms passes; returns whether done(arg) held. */
static inline bool test_loop_run(struct test_loop *loop, bool (*done)(void *), void *arg,
				 int timeout_ms)
{
	int64_t deadline = time_monotonic_ms() + timeout_ms;

	while (!done(arg)) {
		int64_t now = time_monotonic_ms();
		int wait, timer;

		if (now >= deadline)
			return false;
		wait = (int)(deadline - now);
		if (wait > TEST_LOOP_POLL_CAP_MS)
			wait = TEST_LOOP_POLL_CAP_MS;
		if (loop->sync && (timer = sync_next_timeout_ms(loop->sync, now)) >= 0 && timer < wait)
			wait = timer;
		if (loop->outbox && (timer = outbox_next_timeout_ms(loop->outbox, now)) >= 0 &&
		    timer < wait)
			wait = timer;
		ck_assert_int_ge(http_client_poll(loop->http, NULL, 0, wait), 0);
		http_client_perform(loop->http);
		now = time_monotonic_ms();
		if (loop->sync)
			sync_tick(loop->sync, now);
		if (loop->outbox)
			outbox_tick(loop->outbox, now);
		loop->iterations++;
	}
	return true;
}

static inline void test_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* One request as the test server read it. */
struct test_request {
	char method[16];
	char target[2048];            /* the path and query */
	char headers[8192];           /* every header line, as received */
	char body[65536];
	size_t body_length;
};

struct test_server;
typedef void (*test_handler)(struct test_server *server, int fd, const struct test_request *request);

struct test_server {
	int listen_fd;
	unsigned port;
	char url[64];
	test_handler handler;
	void *ctx;                    /* for the handler */
	atomic_bool stopping;
	atomic_uint requests;         /* requests read so far */
	pthread_t accept_thread;
	bool accepting;
	pthread_mutex_t lock;
	char last_headers[8192];      /* the headers of the last request, under lock */
	char last_target[2048];
	int fds[TEST_SERVER_MAX_CONNECTIONS];
	pthread_t threads[TEST_SERVER_MAX_CONNECTIONS];
	size_t connection_count;
};

struct test_connection {
	struct test_server *server;
	int fd;
};

/* Send everything, without SIGPIPE when the client has gone; false once it has. */
static inline bool test_send(int fd, const void *data, size_t length)
{
	const char *p = data;

	while (length > 0) {
		ssize_t n = send(fd, p, length, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		length -= (size_t)n;
	}
	return true;
}

/* Send a whole response with Content-Length and Connection: close. */
static inline void test_respond(int fd, int status, const char *content_type, const char *body)
{
	struct strbuf response = STRBUF_INIT;

	strbuf_printf(&response, "HTTP/1.1 %d Test\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		      "Connection: close\r\n\r\n%s", status, content_type, strlen(body), body);
	test_send(fd, response.data, response.len);
	strbuf_free(&response);
}

static inline const char *test_find_header_end(const char *data, size_t length)
{
	return memmem(data, length, "\r\n\r\n", 4);
}

/* Read one request; false when the client closed or sent something unreadable. */
static inline bool test_read_request(int fd, struct test_request *request)
{
	char buffer[sizeof request->headers + sizeof request->body];
	size_t used = 0;
	const char *end = NULL;
	long content_length = 0;

	memset(request, 0, sizeof *request);
	while (!end) {
		ssize_t n = recv(fd, buffer + used, sizeof request->headers - used - 1, 0);
		if (n <= 0)
			return false;
		used += (size_t)n;
		end = test_find_header_end(buffer, used);
		if (!end && used >= sizeof request->headers - 1)
			return false;
	}
	size_t header_length = (size_t)(end - buffer) + 4;
	memcpy(request->headers, buffer, header_length);
	if (sscanf(request->headers, "%15s %2047s", request->method, request->target) != 2)
		return false;
	const char *length_header = strcasestr(request->headers, "\r\nContent-Length:");
	if (length_header)
		content_length = strtol(length_header + 17, NULL, 10);
	if (content_length < 0 || (size_t)content_length >= sizeof request->body)
		return false;
	size_t have = used - header_length;
	memcpy(request->body, buffer + header_length, have);
	while (have < (size_t)content_length) {
		ssize_t n = recv(fd, request->body + have, (size_t)content_length - have, 0);
		if (n <= 0)
			return false;
		have += (size_t)n;
	}
	request->body_length = have;
	return true;
}

static inline void *test_connection_main(void *arg)
{
	struct test_connection *connection = arg;
	struct test_server *server = connection->server;
	struct test_request *request = malloc(sizeof *request);

	if (request && test_read_request(connection->fd, request)) {
		pthread_mutex_lock(&server->lock);
		snprintf(server->last_headers, sizeof server->last_headers, "%s", request->headers);
		snprintf(server->last_target, sizeof server->last_target, "%s", request->target);
		pthread_mutex_unlock(&server->lock);
		atomic_fetch_add(&server->requests, 1);
		server->handler(server, connection->fd, request);
	}
	free(request);
	shutdown(connection->fd, SHUT_WR);
	free(connection);
	return NULL;
}

static inline void *test_accept_main(void *arg)
{
	struct test_server *server = arg;

	while (!atomic_load(&server->stopping)) {
		struct pollfd p = { .fd = server->listen_fd, .events = POLLIN };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(server->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&server->lock);
		if (server->connection_count == TEST_SERVER_MAX_CONNECTIONS) {
			pthread_mutex_unlock(&server->lock);
			close(fd);
			continue;
		}
		struct test_connection *connection = malloc(sizeof *connection);
		connection->server = server;
		connection->fd = fd;
		server->fds[server->connection_count] = fd;
		pthread_create(&server->threads[server->connection_count], NULL, test_connection_main,
			       connection);
		server->connection_count++;
		pthread_mutex_unlock(&server->lock);
	}
	return NULL;
}

/*
 * Bind a loopback port chosen by the OS. Until test_server_listen, a
 * connection to it is refused, as to a broker that is down.
 */
static inline void test_server_bind(struct test_server *server, test_handler handler, void *ctx)
{
	struct sockaddr_in address = { .sin_family = AF_INET };
	socklen_t length = sizeof address;

	memset(server, 0, sizeof *server);
	server->handler = handler;
	server->ctx = ctx;
	pthread_mutex_init(&server->lock, NULL);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	server->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(server->listen_fd, 0);
	ck_assert_int_eq(bind(server->listen_fd, (struct sockaddr *)&address, sizeof address), 0);
	ck_assert_int_eq(getsockname(server->listen_fd, (struct sockaddr *)&address, &length), 0);
	server->port = ntohs(address.sin_port);
	snprintf(server->url, sizeof server->url, "http://127.0.0.1:%u", server->port);
}

static inline void test_server_listen(struct test_server *server)
{
	ck_assert_int_eq(listen(server->listen_fd, 16), 0);
	ck_assert_int_eq(pthread_create(&server->accept_thread, NULL, test_accept_main, server), 0);
	server->accepting = true;
}

static inline void test_server_start(struct test_server *server, test_handler handler, void *ctx)
{
	test_server_bind(server, handler, ctx);
	test_server_listen(server);
}

/* Stop accepting, cut every open connection so that handlers return, and join them. */
static inline void test_server_stop(struct test_server *server)
{
	atomic_store(&server->stopping, true);
	if (server->accepting)
		pthread_join(server->accept_thread, NULL);
	pthread_mutex_lock(&server->lock);
	for (size_t i = 0; i < server->connection_count; i++)
		shutdown(server->fds[i], SHUT_RDWR);
	pthread_mutex_unlock(&server->lock);
	for (size_t i = 0; i < server->connection_count; i++) {
		pthread_join(server->threads[i], NULL);
		close(server->fds[i]);
	}
	close(server->listen_fd);
	pthread_mutex_destroy(&server->lock);
}

/* Copy the headers of the last request that the server read. */
static inline void test_server_last_headers(struct test_server *server, char *out, size_t size)
{
	pthread_mutex_lock(&server->lock);
	snprintf(out, size, "%s", server->last_headers);
	pthread_mutex_unlock(&server->lock);
}

/* Sleep in short steps for up to ms, returning early once the server stops. */
static inline void test_server_hold(struct test_server *server, long ms)
{
	for (long waited = 0; waited < ms && !atomic_load(&server->stopping); waited += 20)
		test_sleep_ms(20);
}

static inline int test_remove_entry(const char *path, const struct stat *st, int flag,
				    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Make a fresh directory under /tmp for one test's files. */
static inline void test_make_directory(char *out, size_t size, const char *name)
{
	snprintf(out, size, "/tmp/%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(out));
}

static inline void test_remove_directory(const char *path)
{
	if (path[0] && !getenv("GATEHOUSE_KEEP_TEST_DIRS"))
		nftw(path, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Open (creating) the cache file NAME inside directory. */
static inline struct cache *test_open_cache(const char *directory, const char *name)
{
	char path[512], error[512];
	struct cache *cache;

	snprintf(path, sizeof path, "%s/%s", directory, name);
	cache = cache_open(path, error, sizeof error);
	ck_assert_msg(cache != NULL, "cache_open %s: %s", path, error);
	return cache;
}

/* A client whose responses may be at most max_response_bytes long (0: the default). */
static inline struct http_client *test_http_client_limited(const char *url, const char *token,
							   size_t max_response_bytes)
{
	struct http_client_options options = {
		.base_url = url, .token = token, .max_response_bytes = max_response_bytes,
	};
	char error[512];
	struct http_client *http = http_client_new(&options, error, sizeof error);

	ck_assert_msg(http != NULL, "http_client_new %s: %s", url, error);
	return http;
}

static inline struct http_client *test_http_client(const char *url, const char *token)
{
	return test_http_client_limited(url, token, 0);
}

#endif
