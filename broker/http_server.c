/*
 * The HTTP server: libmicrohttpd glue. It collects each request's body (up to a
 * limit), hands a struct http_exchange to the router, sends the response, and
 * logs one line per request.
 */

#include "broker/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "broker/exchange.h"
#include "broker/routes.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* Thread-per-connection: long polls may block their thread; this caps how many there are. */
#define CONNECTION_LIMIT 256
/* Longer than the longest long poll (60 s), so that idle timeouts never cut one short. */
#define CONNECTION_TIMEOUT_SECONDS 90
/* How long a stop waits for the requests in flight, which long polls end at once on a stop. */
#define DRAIN_TIMEOUT_MS 5000

struct http_server {
	struct MHD_Daemon *daemon;
	struct broker *broker;
	char *tls_cert;
	char *tls_key;

	/* Requests from their first byte until their response is sent, for a stop to wait on. */
	pthread_mutex_t lock;
	pthread_cond_t drained;
	int in_flight;
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

static void log_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char message[512];

	(void)cls;
	vsnprintf(message, sizeof message, fmt, ap);
	message[strcspn(message, "\n")] = '\0';
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

	(void)version;
	if (!state) {
		*con_cls = state = start_request(connection, method, url);
		pthread_mutex_lock(&server->lock);
		server->in_flight++;
		pthread_mutex_unlock(&server->lock);
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
				     "the body contains a NUL byte");
	return handle(server, connection, method, url, state);
}

/* Parse "HOST:PORT" or "[IPV6]:PORT" into a socket address. */
static bool parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *len,
			 char *err, size_t errlen)
{
	char host[256];
	const char *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *found;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
			goto invalid;
		snprintf(host, sizeof host, "%.*s", (int)(close - listen - 1), listen + 1);
		port = close + 2;
	} else {
		const char *colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= sizeof host)
			goto invalid;
		snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
		port = colon + 1;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535)
		goto invalid;
	int rc = getaddrinfo(*host ? host : NULL, port, &hints, &found);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve listen address %s: %s", listen, gai_strerror(rc));
		return false;
	}
	memcpy(addr, found->ai_addr, found->ai_addrlen);
	*len = found->ai_addrlen;
	freeaddrinfo(found);
	return true;
invalid:
	snprintf(err, errlen, "invalid listen address \"%s\": use HOST:PORT or [IPV6]:PORT", listen);
	return false;
}

static bool is_loopback(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET) {
		uint32_t ip = ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr);
		return (ip >> 24) == 127;
	}
	if (addr->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)addr)->sin6_addr);
	return false;
}

static char *read_pem(const char *path, const char *what, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct strbuf sb = STRBUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f) {
		snprintf(err, errlen, "cannot read the TLS %s %s: %m", what, path);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		strbuf_append(&sb, chunk, n);
	fclose(f);
	if (!strstr(strbuf_str(&sb), "-----BEGIN")) {
		snprintf(err, errlen, "the TLS %s %s is not PEM", what, path);
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

static bool load_tls(struct http_server *server, const struct broker_config *config, char *err,
		     size_t errlen)
{
	if (!config->tls_cert_path && !config->tls_key_path)
		return true;
	if (!config->tls_cert_path || !config->tls_key_path) {
		snprintf(err, errlen, "TLS needs both --tls-cert and --tls-key");
		return false;
	}
	server->tls_cert = read_pem(config->tls_cert_path, "certificate", err, errlen);
	if (!server->tls_cert)
		return false;
	server->tls_key = read_pem(config->tls_key_path, "key", err, errlen);
	return server->tls_key != NULL;
}

static void free_server(struct http_server *server)
{
	if (server->tls_key)
		explicit_bzero(server->tls_key, strlen(server->tls_key));
	free(server->tls_key);
	free(server->tls_cert);
	pthread_mutex_destroy(&server->lock);
	pthread_cond_destroy(&server->drained);
	free(server);
}

struct http_server *http_server_start(struct broker *b, char *err, size_t errlen)
{
	struct http_server *server = xcalloc(1, sizeof *server);
	struct sockaddr_storage addr;
	socklen_t addr_len;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;

	server->broker = b;
	pthread_mutex_init(&server->lock, NULL);
	pthread_cond_init(&server->drained, NULL);
	if (!parse_listen(b->config.listen, &addr, &addr_len, err, errlen) ||
	    !load_tls(server, &b->config, err, errlen)) {
		free_server(server);
		return NULL;
	}
	if (!server->tls_cert && !is_loopback(&addr) && !b->config.insecure_http) {
		snprintf(err, errlen,
			 "refusing plain HTTP on %s: bearer tokens would cross the network in clear. "
			 "Give --tls-cert and --tls-key, or --insecure-http if a TLS proxy sits in front",
			 b->config.listen);
		free_server(server);
		return NULL;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (server->tls_cert)
		flags |= MHD_USE_TLS;

	server->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, server,
		MHD_OPTION_EXTERNAL_LOGGER, log_mhd_error, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_SECONDS,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
		/* Without TLS the list ends here and the key and certificate are not read. */
		server->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, server->tls_cert,
		MHD_OPTION_HTTPS_MEM_KEY, server->tls_key,
		MHD_OPTION_END);
	if (!server->daemon) {
		snprintf(err, errlen, "cannot listen on %s (address in use, or not allowed?)",
			 b->config.listen);
		free_server(server);
		return NULL;
	}
	return server;
}

unsigned http_server_port(struct http_server *server)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);

	return info ? info->port : 0;
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
	free_server(server);
}
