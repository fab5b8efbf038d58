#ifndef GATEHOUSE_HTTP_CLIENT_H
#define GATEHOUSE_HTTP_CLIENT_H

/* A blocking HTTP call for tests (libcurl easy), with the JSON body parsed when there is one. */

#include <jansson.h>
#include <stddef.h>

struct http_result {
	long status;
	char *body;        /* the raw body, NUL-terminated */
	json_t *json;      /* the parsed body, or NULL */
	char etag[64];
	char content_type[96];
	char location[128];
	int replayed;      /* Idempotent-Replay: true was sent */
};

/*
 * Send METHOD base_url+path with an optional bearer token, body and extra
 * headers (NULL-terminated "Name: value" strings). Returns 0, or -1 when the
 * connection failed (result->status is then 0).
 */
int http_call(const char *method, const char *base_url, const char *path, const char *token,
	      const char *body, const char *const *headers, struct http_result *result);
void http_result_free(struct http_result *result);

/* The string field of the JSON body, or "" when missing. */
const char *http_json_string(const struct http_result *result, const char *field);
/* The integer field of the JSON body, or -1 when missing. */
long long http_json_int(const struct http_result *result, const char *field);

#endif
