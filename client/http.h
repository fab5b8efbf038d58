#ifndef GATEHOUSE_CLIENT_HTTP_H
#define GATEHOUSE_CLIENT_HTTP_H

/*
 * The console's asynchronous HTTP layer: every call to the broker runs on
 * one libcurl multi handle, driven by the console's single event loop, so
 * that neither the screen nor the keyboard ever waits on the network.
 *
 * The loop calls http_client_poll() with its own file descriptors (the
 * terminal, a signal pipe), then http_client_perform(), which runs the
 * transfers and calls the completion callbacks. Callbacks run only inside
 * http_client_perform(), may send new requests and may cancel others, but
 * must not free the client.
 *
 * The bearer token is copied into the client's own memory, wiped on free,
 * and never written to a log, the trace or an error message.
 */

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define HTTP_DEFAULT_REQUEST_TIMEOUT_MS 15000
#define HTTP_DEFAULT_MAX_RESPONSE_BYTES (16u * 1024 * 1024)

struct http_client;
struct http_request;

struct http_client_options {
	const char *base_url;           /* "http://127.0.0.1:8080" or "https://broker.example" */
	const char *token;              /* the bearer token, copied */
	bool insecure_tls;              /* skip TLS certificate and host checks (default: verify) */
	const char *ca_file;            /* a PEM bundle to trust instead of the system's, or NULL */
	/*
	 * Honour http_proxy, https_proxy, all_proxy and no_proxy as libcurl reads
	 * them. Off by default, so that a proxy variable set for other programs
	 * never receives the token. An https:// broker is reached through a
	 * CONNECT tunnel, which carries the token encrypted past the proxy. For an
	 * http:// broker the proxy receives the calls, token and all.
	 */
	bool use_proxy_environment;
	long connect_timeout_ms;        /* 0: HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
	long request_timeout_ms;        /* whole-call limit, 0: HTTP_DEFAULT_REQUEST_TIMEOUT_MS */
	size_t max_response_bytes;      /* 0: HTTP_DEFAULT_MAX_RESPONSE_BYTES */
};

struct http_request_options {
	int64_t if_match;               /* the version for If-Match, 0 to send none */
	const char *idempotency_key;    /* NULL to send none */
	long timeout_ms;                /* 0: the client's request_timeout_ms */
};

/*
 * The outcome of one call, valid only during the callback (copy what must
 * outlive it, or json_incref the JSON).
 *
 * error is NULL only for a 2xx response whose body is JSON, or a 204. It is
 * set, in plain words, for a transport failure (status 0, curl_code tells
 * which), for any other status (with the broker's problem detail when it
 * sent one), and for a 2xx response that is not the JSON the API promises.
 * Strings here may quote the broker: sanitize them before drawing. Any
 * copy of the token in error is replaced by "[token]"; body, json and
 * problem_detail are as received.
 */
struct http_response {
	long status;                    /* the HTTP status, 0 when none arrived */
	CURLcode curl_code;
	/*
	 * No connection to the broker was made: refused, host name not found,
	 * or connecting timed out. A TLS failure or a response over the size
	 * limit did reach the broker, so these leave it false.
	 */
	bool connect_failed;
	const char *error;
	const char *body;               /* NUL-terminated, "" when empty */
	size_t body_length;
	json_t *json;                   /* the parsed body when it is JSON, else NULL */
	const char *etag;               /* the ETag header, or NULL */
	/*
	 * The wait that a Retry-After header requests, in seconds from now
	 * (delay-seconds, or an HTTP-date less the current time, 0 for a date
	 * in the past), or -1 without a header that parses.
	 */
	int64_t retry_after_seconds;
	bool replayed;                  /* Idempotent-Replay: true */
	const char *problem_code;       /* from an application/problem+json body, or NULL */
	const char *problem_detail;
	int64_t duration_ms;
};

typedef void (*http_callback)(void *ctx, const struct http_response *response);

/*
 * Create a client for one broker. Only http:// and https:// base URLs are
 * accepted, without user name, password, query or fragment. Returns NULL
 * with the reason in err when the options are invalid or libcurl fails.
 * When GATEHOUSE_TRACE names a file, one line per call (time, method,
 * path, status, duration, error) is appended to it, never a header, with
 * every control byte, DEL and non-ASCII byte written as \xNN. A path that
 * cannot be opened, or is not a regular file (a symbolic link, a FIFO, a
 * directory), leaves the trace off, and http_client_trace_warning() returns the reason.
 */
struct http_client *http_client_new(const struct http_client_options *opts, char *err,
				    size_t errlen);
/* The reason GATEHOUSE_TRACE is set but no trace is written, or NULL. */
const char *http_client_trace_warning(const struct http_client *client);
/* Cancel every call without calling its callback, wipe the token and free the client. */
void http_client_free(struct http_client *client);

/*
 * Start METHOD base_url+path (path starts with "/" and is already
 * URL-encoded). body is JSON text or NULL, copied. The callback runs once,
 * from http_client_perform(), unless the call is canceled first. The
 * returned handle is valid until then. Returns NULL, and sends nothing,
 * for a path with spaces or control characters, a NULL callback, or a
 * libcurl failure.
 */
struct http_request *http_client_send(struct http_client *client, const char *method,
				      const char *path, const char *body,
				      const struct http_request_options *opts,
				      http_callback callback, void *ctx);
/* Stop a call without calling its callback. Canceling from the call's own callback does nothing. */
void http_client_cancel(struct http_client *client, struct http_request *request);

/*
 * Wait, in the kernel, until a transfer needs work, one of extra_fds is
 * ready (its revents is set), http_client_wakeup() is called, or
 * timeout_ms passes (a negative timeout_ms sets no limit beyond curl's own
 * timers). Returns the number of ready extra fds, or -1 on error.
 */
int http_client_poll(struct http_client *client, struct curl_waitfd *extra_fds, unsigned count,
		     int timeout_ms);
/* Run the transfers that can make progress and call the callbacks of those that finished. */
void http_client_perform(struct http_client *client);
/* Make a blocked http_client_poll() return early; safe from another thread. */
void http_client_wakeup(struct http_client *client);
size_t http_client_in_flight(const struct http_client *client);
/* The base URL as validated, without a trailing slash. */
const char *http_client_base_url(const struct http_client *client);

#endif
