/*
 * fake_broker: a stand-in for gatehoused that the end-to-end tests point the
 * console at. It serves canned answers to /v1/me, the two listings and the
 * change feed, or misbehaves in the one way the test selects:
 *
 *   fake_broker --port-file FILE [--listen 127.0.0.1:PORT] [--mode MODE]
 *               [--on PATH-PREFIX] [--record FILE] [--retry-after VALUE]
 *               [--delay SECONDS] [--redirect-to URL] [--lifetime SECONDS]
 *
 * MODE is one of
 *   ok              a well-behaved broker (the default)
 *   html500         HTTP 500 with an HTML page
 *   invalid-json    HTTP 200, application/json, a body that is not JSON
 *   truncated-json  HTTP 200, application/json, JSON cut off in the middle
 *   huge            HTTP 200 with a 50 MB body
 *   rate-limit      HTTP 429 with Retry-After: VALUE (seconds or an HTTP-date)
 *   reset           a Content-Length it never sends, then a TCP reset mid-body
 *   redirect        HTTP 302 to --redirect-to
 *   slow            the canned answer after --delay seconds (30 by default)
 *
 * The misbehaviour applies to the paths that start with --on ("/" by
 * default); the rest get the canned answers. --record appends one line per
 * request: milliseconds since the start, the method, the target, and whether
 * an Authorization header came (never its value). It listens on a loopback
 * address only, answers each request on a thread of its own and closes the
 * connection after it, and runs until it is killed, or for --lifetime
 * seconds (600 by default) when a test forgets to stop it.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/strbuf.h"

#define REQUEST_HEADERS_MAX 16384
/* The maximum time the feed delays an empty response, whatever wait the console requests. */
#define FEED_HOLD_MAX_SECONDS 25
#define HUGE_BODY_BYTES (50L * 1024 * 1024)
#define RESET_PROMISED_BYTES 200000
#define RESET_SENT_BYTES 1000

enum mode {
	MODE_OK, MODE_HTML500, MODE_INVALID_JSON, MODE_TRUNCATED_JSON, MODE_HUGE, MODE_RATE_LIMIT,
	MODE_RESET, MODE_REDIRECT, MODE_SLOW,
};

static const char *const mode_names[] = {
	[MODE_OK] = "ok", [MODE_HTML500] = "html500", [MODE_INVALID_JSON] = "invalid-json",
	[MODE_TRUNCATED_JSON] = "truncated-json", [MODE_HUGE] = "huge",
	[MODE_RATE_LIMIT] = "rate-limit", [MODE_RESET] = "reset", [MODE_REDIRECT] = "redirect",
	[MODE_SLOW] = "slow",
};

struct settings {
	enum mode mode;
	const char *prefix;
	const char *record_path;
	const char *retry_after;
	const char *redirect_to;
	long delay_seconds;
};

static struct settings settings = { MODE_OK, "/", NULL, "5", NULL, 30 };
static pthread_mutex_t record_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec started;

static const char me_body[] =
	"{\"id\":\"fake-admin\",\"display_name\":\"Fake admin\",\"roles\":[\"admin\"],"
	"\"groups\":[\"fake-owners\"],\"attributes\":{},\"broker_id\":\"fake-broker\"}";

static void die(const char *message)
{
	fprintf(stderr, "fake_broker: %s\n", message);
	exit(2);
}

static int64_t elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - started.tv_sec) * 1000 +
	       (now.tv_nsec - started.tv_nsec) / 1000000;
}

/* Send everything; false once the client has gone. */
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

static void respond(int fd, int status, const char *content_type, const char *extra_headers,
		    const char *body)
{
	struct strbuf response = STRBUF_INIT;

	strbuf_printf(&response, "HTTP/1.1 %d Fake\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		      "%sConnection: close\r\n\r\n%s", status, content_type, strlen(body),
		      extra_headers, body);
	send_all(fd, response.data, response.len);
	strbuf_free(&response);
}

/* An RFC 3339 time offset seconds from now. */
static void format_time(long offset, char *out, size_t size)
{
	time_t t = time(NULL) + offset;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void append_request(struct strbuf *out, int id)
{
	char created[32], expires[32];

	format_time(-600L * id, created, sizeof created);
	format_time(86400, expires, sizeof expires);
	strbuf_printf(out, "{\"id\":%d,\"status\":\"pending\",\"requester\":\"fake-requester-%d\","
		      "\"resource\":\"res-fake-%d\",\"role\":\"read\",\"reason\":\"fake reason %d\","
		      "\"duration_seconds\":3600,\"created_at\":\"%s\",\"decided_at\":null,"
		      "\"expires_at\":\"%s\",\"approvals_needed\":1,\"approver_group\":\"fake-owners\","
		      "\"approvals\":[],\"decided_by\":null,\"decision_reason\":null,\"grant_id\":null,"
		      "\"version\":1}", id, id, id, id, created, expires);
}

static void append_grant(struct strbuf *out, int id)
{
	char granted[32], expires[32];

	format_time(-60, granted, sizeof granted);
	format_time(3600L * id, expires, sizeof expires);
	strbuf_printf(out, "{\"id\":%d,\"request_id\":null,\"principal\":\"fake-holder-%d\","
		      "\"resource\":\"res-fake-%d\",\"role\":\"read\",\"kind\":\"jit\","
		      "\"status\":\"active\",\"granted_at\":\"%s\",\"expires_at\":\"%s\","
		      "\"revoked_at\":null,\"revoked_by\":null,\"reason\":\"fake grant\","
		      "\"request_reason\":\"fake grant\",\"last_used_at\":null,\"version\":1}",
		      id, id, id, granted, expires);
}

/* A listing of count objects on one page, with the feed at position 3. */
static void respond_listing(int fd, void (*append)(struct strbuf *, int), int count)
{
	struct strbuf body = STRBUF_INIT;

	strbuf_puts(&body, "{\"items\":[");
	for (int id = 1; id <= count; id++) {
		if (id > 1)
			strbuf_putc(&body, ',');
		append(&body, id);
	}
	strbuf_puts(&body, "],\"next_cursor\":null,\"last_seq\":3}");
	respond(fd, 200, "application/json", "", body.data);
	strbuf_free(&body);
}

/* The wait a feed call asked for, capped: the feed never has news. */
static long feed_hold_seconds(const char *target)
{
	const char *wait = strstr(target, "wait=");
	long seconds = wait ? strtol(wait + 5, NULL, 10) : 0;

	if (seconds < 0)
		return 0;
	if (seconds > FEED_HOLD_MAX_SECONDS)
		return FEED_HOLD_MAX_SECONDS;
	return seconds;
}

static void answer_canned(int fd, const char *target)
{
	if (strcmp(target, "/v1/me") == 0) {
		respond(fd, 200, "application/json", "", me_body);
	} else if (strncmp(target, "/v1/requests?", 13) == 0) {
		respond_listing(fd, append_request, 3);
	} else if (strncmp(target, "/v1/grants?", 11) == 0) {
		respond_listing(fd, append_grant, 2);
	} else if (strncmp(target, "/v1/events?", 11) == 0) {
		sleep((unsigned)feed_hold_seconds(target));
		respond(fd, 200, "application/json", "", "{\"events\":[],\"last_seq\":3}");
	} else {
		respond(fd, 404, "application/problem+json", "",
			"{\"status\":404,\"code\":\"not_found\",\"detail\":\"no such path\"}");
	}
}

static void answer_huge(int fd)
{
	char header[256], chunk[65536];

	snprintf(header, sizeof header, "HTTP/1.1 200 Fake\r\nContent-Type: application/json\r\n"
		 "Content-Length: %ld\r\nConnection: close\r\n\r\n", HUGE_BODY_BYTES);
	if (!send_all(fd, header, strlen(header)))
		return;
	memset(chunk, ' ', sizeof chunk);
	for (long sent = 0; sent < HUGE_BODY_BYTES; sent += (long)sizeof chunk)
		if (!send_all(fd, chunk, sizeof chunk))
			return;
}

/* Promise more than is sent, then reset: SO_LINGER with a zero timeout makes close() send RST. */
static void answer_reset(int fd)
{
	struct linger reset = { 1, 0 };
	char header[256], body[RESET_SENT_BYTES];

	snprintf(header, sizeof header, "HTTP/1.1 200 Fake\r\nContent-Type: application/json\r\n"
		 "Content-Length: %d\r\nConnection: close\r\n\r\n", RESET_PROMISED_BYTES);
	memset(body, ' ', sizeof body);
	body[0] = '{';
	send_all(fd, header, strlen(header));
	send_all(fd, body, sizeof body);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
}

static void answer_misbehaving(int fd, const char *target)
{
	struct strbuf headers = STRBUF_INIT;

	switch (settings.mode) {
	case MODE_HTML500:
		respond(fd, 500, "text/html", "", "<html><body><h1>500 Internal Server Error</h1>"
			"<p>nginx</p></body></html>");
		break;
	case MODE_INVALID_JSON:
		respond(fd, 200, "application/json", "", "{\"id\": fake-admin, roles: [admin]}");
		break;
	case MODE_TRUNCATED_JSON:
		respond(fd, 200, "application/json", "", "{\"id\":\"fake-admin\",\"display_name\":\"Fa");
		break;
	case MODE_HUGE:
		answer_huge(fd);
		break;
	case MODE_RATE_LIMIT:
		strbuf_printf(&headers, "Retry-After: %s\r\n", settings.retry_after);
		respond(fd, 429, "application/problem+json", headers.data,
			"{\"status\":429,\"code\":\"rate_limited\",\"detail\":\"too many requests\"}");
		break;
	case MODE_RESET:
		answer_reset(fd);
		break;
	case MODE_REDIRECT:
		strbuf_printf(&headers, "Location: %s\r\n", settings.redirect_to);
		respond(fd, 302, "text/html", headers.data, "<a href=\"elsewhere\">moved</a>");
		break;
	case MODE_SLOW:
		sleep((unsigned)settings.delay_seconds);
		answer_canned(fd, target);
		break;
	case MODE_OK:
		answer_canned(fd, target);
		break;
	}
	strbuf_free(&headers);
}

static void record(const char *method, const char *target, bool authorized)
{
	FILE *f;

	if (!settings.record_path)
		return;
	pthread_mutex_lock(&record_lock);
	f = fopen(settings.record_path, "a");
	if (f) {
		fprintf(f, "%lld %s %s authorization=%s\n", (long long)elapsed_ms(), method, target,
			authorized ? "present" : "absent");
		fclose(f);
	}
	pthread_mutex_unlock(&record_lock);
}

/* Read the request line and headers; the console's writes are not served, so bodies are ignored. */
static bool read_headers(int fd, char *buffer, size_t size)
{
	size_t used = 0;

	while (used < size - 1) {
		ssize_t n = recv(fd, buffer + used, size - 1 - used, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		used += (size_t)n;
		buffer[used] = '\0';
		if (strstr(buffer, "\r\n\r\n"))
			return true;
	}
	return false;
}

static void *serve_connection(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *headers = malloc(REQUEST_HEADERS_MAX);
	char method[16], target[2048];

	if (headers && read_headers(fd, headers, REQUEST_HEADERS_MAX) &&
	    sscanf(headers, "%15s %2047s", method, target) == 2) {
		bool authorized = strcasestr(headers, "\r\nAuthorization: Bearer ") != NULL;
		record(method, target, authorized);
		if (!authorized)
			respond(fd, 401, "application/problem+json", "WWW-Authenticate: Bearer\r\n",
				"{\"status\":401,\"code\":\"unauthenticated\",\"detail\":\"no token\"}");
		else if (strncmp(target, settings.prefix, strlen(settings.prefix)) == 0)
			answer_misbehaving(fd, target);
		else
			answer_canned(fd, target);
	}
	free(headers);
	close(fd);
	return NULL;
}

/* Bind HOST:PORT, which must be a loopback address, and write the port to port_file. */
static int listen_on(const char *listen_address, const char *port_file)
{
	struct sockaddr_in address = { .sin_family = AF_INET };
	socklen_t length = sizeof address;
	char host[64];
	unsigned port = 0;
	int one = 1;
	int fd;
	FILE *f;

	if (sscanf(listen_address, "%63[^:]:%u", host, &port) != 2 || port > 65535 ||
	    inet_pton(AF_INET, host, &address.sin_addr) != 1 ||
	    (ntohl(address.sin_addr.s_addr) >> 24) != 127)
		die("--listen takes 127.x.y.z:PORT, a loopback address");
	address.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("cannot create a socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&address, &length) != 0)
		die("cannot listen on the address given");
	f = fopen(port_file, "w");
	if (!f || fprintf(f, "%u\n", ntohs(address.sin_port)) < 0 || fclose(f) != 0)
		die("cannot write the port file");
	return fd;
}

static enum mode parse_mode(const char *name)
{
	for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
		if (strcmp(name, mode_names[i]) == 0)
			return (enum mode)i;
	die("unknown --mode; see the comment at the top of tests/support/fake_broker.c");
	return MODE_OK;
}

int main(int argc, char **argv)
{
	const char *listen_address = "127.0.0.1:0", *port_file = NULL;
	unsigned lifetime_seconds = 600;
	int listen_fd;

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *name = argv[i], *value = argv[i + 1];
		if (strcmp(name, "--port-file") == 0)
			port_file = value;
		else if (strcmp(name, "--listen") == 0)
			listen_address = value;
		else if (strcmp(name, "--mode") == 0)
			settings.mode = parse_mode(value);
		else if (strcmp(name, "--on") == 0)
			settings.prefix = value;
		else if (strcmp(name, "--record") == 0)
			settings.record_path = value;
		else if (strcmp(name, "--retry-after") == 0)
			settings.retry_after = value;
		else if (strcmp(name, "--delay") == 0)
			settings.delay_seconds = strtol(value, NULL, 10);
		else if (strcmp(name, "--redirect-to") == 0)
			settings.redirect_to = value;
		else if (strcmp(name, "--lifetime") == 0)
			lifetime_seconds = (unsigned)strtoul(value, NULL, 10);
		else
			die("unknown option; see the comment at the top of tests/support/fake_broker.c");
	}
	if (!port_file || argc % 2 == 0)
		die("usage: fake_broker --port-file FILE [--mode MODE] [options]");
	if (settings.mode == MODE_REDIRECT && !settings.redirect_to)
		die("--mode redirect needs --redirect-to URL");
	clock_gettime(CLOCK_MONOTONIC, &started);
	signal(SIGPIPE, SIG_IGN);
	alarm(lifetime_seconds); /* SIGALRM's default action ends the process */
	listen_fd = listen_on(listen_address, port_file);
	for (;;) {
		pthread_t thread;
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (pthread_create(&thread, NULL, serve_connection, (void *)(intptr_t)fd) != 0)
			close(fd);
		else
			pthread_detach(thread);
	}
}
