/*
 * The HTTP server: libmicrohttpd glue. It checks each request's head, collects
 * its body (up to a limit), hands a struct http_exchange to the router, sends the
 * response, and logs one line per request.
 *
 * Connections: thread-per-connection, at most CONNECTION_LIMIT in all and
 * --max-connections-per-ip from one address, closed after --idle-timeout without
 * a request in progress.
 *
 * NOTE: libmicrohttpd 0.9.75 has no deadline for receiving a request's head, and
 * each byte received restarts the idle timeout, so a client that sends its
 * headers one byte at a time keeps its connections for as long as it likes. The
 * per-address limit caps what one address can hold; against many addresses, a
 * proxy in front must enforce a header deadline.
 */

#include "broker/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "broker/exchange.h"
#include "broker/http_checks.h"
#include "broker/http_listen.h"
#include "broker/http_tls.h"
#include "broker/routes.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* Thread-per-connection: long polls may block their thread; this caps how many there are. */
#define CONNECTION_LIMIT 256
/* How long a stop waits for the requests in flight, which long polls end at once on a stop. */
#define DRAIN_TIMEOUT_MS 5000
/* The shortest time between two log lines that count one kind of libmicrohttpd message. */
#define COUNT_LOG_INTERVAL_MS 1000
#define COUNTED_MESSAGE_KINDS 2

/* How often one kind of message came since since_ms, and was not logged yet. */
struct message_count {
	long count;
	int64_t since_ms;
};

struct http_server {
	struct MHD_Daemon *daemon;
	struct broker *broker;
	struct http_tls tls;
	unsigned port;

	/* Requests from their first byte until their response is sent, for a stop to wait on. */
	pthread_mutex_t lock;
	pthread_cond_t drained;
	int in_flight;

	pthread_mutex_t counts_lock;
	struct message_count counts[COUNTED_MESSAGE_KINDS];
};

/* Per-connection state for one request, from its first byte to the completion callback. */
struct request_state {
	struct strbuf body;
	bool too_large;
	int64_t started_ms;
	int status;
	char method[16];
	char path[160];
	char principal[80];
};

/*
 * libmicrohttpd messages that a client can cause once per connection. A flood of
 * connections would flood the log with them, so they are counted, and the count
 * is logged at most once a second. libmicrohttpd 0.9.75 words both connection
 * limits, the server's and an address's, the same way.
 */
static const struct {
	const char *match;
	const char *verb;    /* the log line is "VERB N connections in the last WINDOW: CAUSE" */
	const char *cause;
} counted_messages[COUNTED_MESSAGE_KINDS] = {
	{ "reached connection limit", "refused", "limit reached" },
	{ "closed by remote side with incomplete request", "lost",
	  "the client closed them before its request was whole" },
};

/* Log the count of one kind of message and start a new window; the caller holds counts_lock. */
static void log_count(struct http_server *server, int kind, int64_t now_ms)
{
	struct message_count *c = &server->counts[kind];
	int64_t seconds = (now_ms - c->since_ms + 999) / 1000;
	char window[32];

	if (c->count > 0) {
		if (seconds <= 1)
			snprintf(window, sizeof window, "second");
		else
			snprintf(window, sizeof window, "%llds", (long long)seconds);
		log_warn("%s %ld connections in the last %s: %s", counted_messages[kind].verb,
			 c->count, window, counted_messages[kind].cause);
	}
	c->count = 0;
	c->since_ms = now_ms;
}

static void count_message(struct http_server *server, int kind)
{
	struct message_count *c = &server->counts[kind];
	int64_t now_ms = time_monotonic_ms();

	pthread_mutex_lock(&server->counts_lock);
	/* The first message after a quiet second is logged at once. */
	if (c->count == 0 && now_ms - c->since_ms >= COUNT_LOG_INTERVAL_MS)
		c->since_ms = now_ms - COUNT_LOG_INTERVAL_MS;
	c->count++;
	if (now_ms - c->since_ms >= COUNT_LOG_INTERVAL_MS)
		log_count(server, kind, now_ms);
	pthread_mutex_unlock(&server->counts_lock);
}

static void log_counts(struct http_server *server)
{
	pthread_mutex_lock(&server->counts_lock);
	for (int kind = 0; kind < COUNTED_MESSAGE_KINDS; kind++)
		log_count(server, kind, time_monotonic_ms());
	pthread_mutex_unlock(&server->counts_lock);
}

static void log_mhd_error(void *cls, const char *fmt, va_list ap)
{
	struct http_server *server = cls;
	char message[512];

	vsnprintf(message, sizeof message, fmt, ap);
	message[strcspn(message, "\n")] = '\0';
	for (int kind = 0; kind < COUNTED_MESSAGE_KINDS; kind++) {
		if (strcasestr(message, counted_messages[kind].match)) {
			count_message(server, kind);
			return;
		}
	}
	log_warn("http: %s", message);
}

/* Copy text for a log line, escaping bytes that could forge or corrupt log lines. */
static void escape_for_log(const char *text, char *out, size_t size)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p && o + 5 < size; p++) {
		if (*p < 0x21 || *p >= 0x7f || *p == '\\')
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
}

static void describe_peer(struct MHD_Connection *connection, char *out, size_t size)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;

	snprintf(out, size, "-");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct http_server *server = cls;
	struct request_state *state = *con_cls;
	char peer[64];

	if (!state)
		return;
	pthread_mutex_lock(&server->lock);
	if (--server->in_flight == 0)
		pthread_cond_broadcast(&server->drained);
	pthread_mutex_unlock(&server->lock);
	if (!server->broker->config.quiet) {
		describe_peer(connection, peer, sizeof peer);
		log_info("%s %s %s %d %lldms %s%s", peer, state->method, state->path, state->status,
			 (long long)(time_monotonic_ms() - state->started_ms),
			 state->principal[0] ? state->principal : "-",
			 code == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed early)");
	}
	strbuf_free(&state->body);
	free(state);
	*con_cls = NULL;
}

static enum MHD_Result add_header(struct MHD_Response *response, const char *name, const char *value)
{
	return MHD_add_response_header(response, name, value);
}

/* Send the exchange's response; the body's memory passes to libmicrohttpd. */
static enum MHD_Result send_response(struct MHD_Connection *connection, struct http_exchange *x)
{
	char *body = x->response_body ? x->response_body : xstrdup("{}");
	struct MHD_Response *response =
		MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result result;

	x->response_body = NULL;
	if (!response) {
		free(body);
		return MHD_NO;
	}
	add_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
		   x->problem ? "application/problem+json" : "application/json");
	add_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (x->etag[0])
		add_header(response, MHD_HTTP_HEADER_ETAG, x->etag);
	if (x->location[0])
		add_header(response, MHD_HTTP_HEADER_LOCATION, x->location);
	if (x->allow[0])
		add_header(response, MHD_HTTP_HEADER_ALLOW, x->allow);
	if (x->status == 401)
		add_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"gatehouse\"");
	if (x->replayed)
		add_header(response, "Idempotent-Replay", "true");
	if (x->close_connection)
		add_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
	result = MHD_queue_response(connection, (unsigned)x->status, response);
	MHD_destroy_response(response);
	return result;
}

static enum MHD_Result respond_early(struct MHD_Connection *connection, struct http_server *server,
				     struct request_state *state, int status, const char *code,
				     const char *detail)
{
	struct http_exchange x = { .broker = server->broker, .connection = connection };

	exchange_fail(&x, status, code, "%s", detail);
	state->status = x.status;
	return send_response(connection, &x);
}

static enum MHD_Result respond_rejection(struct MHD_Connection *connection,
					 struct http_server *server, struct request_state *state,
					 const struct http_rejection *rejection)
{
	struct http_exchange x = { .broker = server->broker, .connection = connection };
	struct outcome o;

	outcome_invalid(&o, rejection->field, "%s", rejection->detail);
	exchange_respond_problem(&x, &o);
	x.close_connection = rejection->close;
	state->status = x.status;
	return send_response(connection, &x);
}

/* The checks of a request's head, before its body is read; false fills rejection. */
static bool check_request_head(struct MHD_Connection *connection, const char *url,
			       struct http_rejection *rejection)
{
	return http_check_headers(connection, rejection) && http_check_path(url, rejection) &&
	       http_check_query(connection, rejection);
}

static struct request_state *start_request(struct MHD_Connection *connection, const char *method,
					   const char *url)
{
	struct request_state *state = xcalloc(1, sizeof *state);

	state->started_ms = time_monotonic_ms();
	escape_for_log(method, state->method, sizeof state->method);
	escape_for_log(url, state->path, sizeof state->path);
	(void)connection;
	return state;
}

static bool declared_too_large(struct MHD_Connection *connection)
{
	const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_CONTENT_LENGTH);

	return length && strtoull(length, NULL, 10) > EXCHANGE_BODY_MAX;
}

static enum MHD_Result handle(struct http_server *server, struct MHD_Connection *connection,
			      const char *method, const char *url, struct request_state *state)
{
	struct http_exchange x = {
		.broker = server->broker,
		.connection = connection,
		.method = method,
		.path = url,
		.body = strbuf_str(&state->body),
		.body_length = state->body.len,
		.now = time_now(),
		.status = 500,
	};
	enum MHD_Result result;

	router_dispatch(&x);
	state->status = x.status;
	if (x.principal.id)
		escape_for_log(x.principal.id, state->principal, sizeof state->principal);
	result = send_response(connection, &x);
	free(x.response_body);
	principal_free(&x.principal);
	return result;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *server = cls;
	struct request_state *state = *con_cls;
	struct http_rejection rejection;

	(void)version;
	if (!state) {
		*con_cls = state = start_request(connection, method, url);
		pthread_mutex_lock(&server->lock);
		server->in_flight++;
		pthread_mutex_unlock(&server->lock);
		if (!check_request_head(connection, url, &rejection))
			return respond_rejection(connection, server, state, &rejection);
		if (declared_too_large(connection))
			return respond_early(connection, server, state, 413, "too_large",
					     "the body is over 64 KiB");
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!state->too_large && state->body.len + *upload_data_size <= EXCHANGE_BODY_MAX)
			strbuf_append(&state->body, upload_data, *upload_data_size);
		else
			state->too_large = true; /* keep reading so the answer can still be sent */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (state->too_large)
		return respond_early(connection, server, state, 413, "too_large",
				     "the body is over 64 KiB");
	if (memchr(strbuf_str(&state->body), '\0', state->body.len))
		return respond_early(connection, server, state, 400, "invalid",
				     "the body contains a NUL byte, which is not allowed anywhere in it");
	return handle(server, connection, method, url, state);
}

static void free_server(struct http_server *server)
{
	http_tls_free(&server->tls);
	pthread_mutex_destroy(&server->lock);
	pthread_cond_destroy(&server->drained);
	pthread_mutex_destroy(&server->counts_lock);
	free(server);
}

/* Refuse plain HTTP where bearer tokens would cross the network in clear. */
static bool check_plain_http(const struct http_server *server, const struct sockaddr_storage *addr,
			     char *err, size_t errlen)
{
	const struct broker_config *config = &server->broker->config;

	if (server->tls.cert || http_listen_is_loopback(addr) || config->insecure_http)
		return true;
	snprintf(err, errlen,
		 "refusing plain HTTP on %s: bearer tokens would cross the network in clear. "
		 "Give --tls-cert and --tls-key, or --insecure-http if a TLS proxy sits in front",
		 config->listen);
	return false;
}

static struct MHD_Daemon *start_daemon(struct http_server *server, int listen_fd)
{
	const struct broker_config *config = &server->broker->config;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;
	unsigned idle_timeout = config->idle_timeout > UINT_MAX ? UINT_MAX
								 : (unsigned)config->idle_timeout;

	if (server->tls.cert)
		flags |= MHD_USE_TLS;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, server,
		MHD_OPTION_EXTERNAL_LOGGER, log_mhd_error, server,
		MHD_OPTION_LISTEN_SOCKET, listen_fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, config->max_connections_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout,
		MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
		/* Without TLS the list ends here and the key and certificate are not read. */
		server->tls.cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, server->tls.cert,
		MHD_OPTION_HTTPS_MEM_KEY, server->tls.key,
		MHD_OPTION_END);
}

struct http_server *http_server_start(struct broker *b, char *err, size_t errlen)
{
	struct http_server *server = xcalloc(1, sizeof *server);
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int listen_fd;

	server->broker = b;
	pthread_mutex_init(&server->lock, NULL);
	pthread_cond_init(&server->drained, NULL);
	pthread_mutex_init(&server->counts_lock, NULL);
	if (!http_listen_parse(b->config.listen, &addr, &addr_len, err, errlen) ||
	    !http_tls_load(&server->tls, b->config.tls_cert_path, b->config.tls_key_path, err,
			   errlen) ||
	    !check_plain_http(server, &addr, err, errlen)) {
		free_server(server);
		return NULL;
	}
	listen_fd = http_listen_open(&addr, addr_len, b->config.listen, err, errlen);
	if (listen_fd < 0) {
		free_server(server);
		return NULL;
	}
	server->port = http_listen_port(listen_fd);
	server->daemon = start_daemon(server, listen_fd);
	if (!server->daemon) {
		snprintf(err, errlen, "cannot start the HTTP server on %s (libmicrohttpd's message "
			 "is above)", b->config.listen);
		/* listen_fd stays open: libmicrohttpd may have closed it, and the process ends here. */
		free_server(server);
		return NULL;
	}
	return server;
}

unsigned http_server_port(struct http_server *server)
{
	return server->port;
}

/* Wait, at most DRAIN_TIMEOUT_MS, until no request is in flight. */
static void wait_for_drain(struct http_server *server)
{
	int64_t deadline_ms = time_now_ms() + DRAIN_TIMEOUT_MS;
	struct timespec deadline = {
		.tv_sec = (time_t)(deadline_ms / 1000),
		.tv_nsec = (long)(deadline_ms % 1000) * 1000000L,
	};

	pthread_mutex_lock(&server->lock);
	while (server->in_flight > 0) {
		if (pthread_cond_timedwait(&server->drained, &server->lock, &deadline) == ETIMEDOUT) {
			log_warn("stopping with %d requests still in flight", server->in_flight);
			break;
		}
	}
	pthread_mutex_unlock(&server->lock);
}

void http_server_stop(struct http_server *server)
{
	if (!server)
		return;
	/* MHD_stop_daemon shuts every connection at once, so first let the responses go out. */
	wait_for_drain(server);
	MHD_stop_daemon(server->daemon);
	log_counts(server);
	free_server(server);
}
