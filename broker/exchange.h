#ifndef GATEHOUSE_EXCHANGE_H
#define GATEHOUSE_EXCHANGE_H

/*
 * One HTTP request and its response, as the route handlers see it. Handlers
 * read the parsed request, use the borrowed store, and set a response; the
 * server (http_server.c) and the router (router.c) do everything around that.
 */

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/model.h"
#include "broker/broker.h"
#include "broker/outcome.h"
#include "broker/store.h"

#define EXCHANGE_BODY_MAX (64 * 1024)
/* How long a request waits for a pooled database connection before it gets 503. */
#define EXCHANGE_STORE_WAIT_MS 5000

struct http_exchange {
	struct broker *broker;
	struct MHD_Connection *connection;
	const char *method;
	const char *path;
	int64_t path_id;             /* the {id} in the path, when the route has one */
	const char *body;            /* NUL-terminated; body_length excludes the NUL */
	size_t body_length;
	struct principal principal;  /* the caller, once authenticated */
	struct store *store;         /* borrowed from the pool for the handler's duration */
	int64_t now;

	/* The response. */
	int status;
	char *response_body;
	bool problem;                /* the body is application/problem+json */
	char etag[32];
	char location[64];
	char allow[64];              /* the Allow header of a 405 */
	bool replayed;               /* an idempotent replay */
	bool close_connection;       /* send Connection: close and close after the response */
};

/* Set a JSON response; takes the reference to body. */
void exchange_respond_json(struct http_exchange *x, int status, json_t *body);
/* Set a JSON response already serialized; takes ownership of body (from malloc). */
void exchange_respond_serialized(struct http_exchange *x, int status, char *body);
/* Set a problem response from a failed outcome. */
void exchange_respond_problem(struct http_exchange *x, const struct outcome *o);
/* Set a problem response from its parts. */
void exchange_fail(struct http_exchange *x, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Set a 400 invalid response that names the offending field, header or query parameter. */
void exchange_fail_field(struct http_exchange *x, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void exchange_set_etag(struct http_exchange *x, int64_t version);

/*
 * Borrow a pooled database connection, waiting at most EXCHANGE_STORE_WAIT_MS.
 * NULL after setting a 503 response when none was freed in time.
 */
struct store *exchange_acquire_store(struct http_exchange *x);

/* A request header, or NULL. */
const char *exchange_header(struct http_exchange *x, const char *name);

/*
 * Reject query parameters not in allowed (a NULL-terminated list) with
 * 400 invalid; returns false after setting the response.
 */
bool exchange_check_query(struct http_exchange *x, const char *const *allowed);
const char *exchange_query(struct http_exchange *x, const char *name);
/* Read an integer query parameter in [min, max], or fallback when absent. */
bool exchange_query_int(struct http_exchange *x, const char *name, int64_t min, int64_t max,
			int64_t fallback, int64_t *out);

/*
 * Parse the body as a JSON object whose fields are all in allowed (NULL-terminated).
 * An empty body is an empty object. Returns NULL after setting a 400 response.
 */
json_t *exchange_body_object(struct http_exchange *x, const char *const *allowed);
/*
 * Read a string field: absent or null leaves *out NULL (an error if required);
 * another type is an error. Returns false after setting a 400 response.
 */
bool exchange_body_string(struct http_exchange *x, json_t *body, const char *field,
			  bool required, const char **out);
bool exchange_body_int(struct http_exchange *x, json_t *body, const char *field, bool required,
		       int64_t *out);
bool exchange_body_bool(struct http_exchange *x, json_t *body, const char *field, bool *out);

/*
 * Parse If-Match into a version, IF_MATCH_ANY when absent or "*", or IF_MATCH_WEAK
 * for a weak tag (W/"3"). False after setting a 400 response.
 */
bool exchange_if_match(struct http_exchange *x, int64_t *version);

/* Parse a list cursor (an id to continue below); 0 when absent. */
bool exchange_cursor(struct http_exchange *x, int64_t *before_id);
/* The next_cursor value for a page that ended at last_id, or null on the last page. */
json_t *exchange_next_cursor(size_t count, int limit, int64_t last_id);

#endif
