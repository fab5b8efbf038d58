#ifndef GATEHOUSE_CLIENT_HTTP_INTERNAL_H
#define GATEHOUSE_CLIENT_HTTP_INTERNAL_H

/* Declarations shared by client/http.c and client/http_response.c, hidden from the rest. */

#include "client/http.h"
#include "common/strbuf.h"

#define AUTH_HEADER_PREFIX "Authorization: Bearer "
#define AUTH_HEADER_PREFIX_LENGTH (sizeof AUTH_HEADER_PREFIX - 1)

struct request_list {
	struct http_request *head;
	struct http_request *tail;
	size_t count;
};

struct http_client {
	CURLM *multi;
	char *base_url;
	char *auth_header;              /* "Authorization: Bearer TOKEN", wiped on free */
	size_t auth_header_length;
	bool insecure_tls;
	bool use_proxy_environment;
	char *ca_file;
	long connect_timeout_ms;
	long request_timeout_ms;
	size_t max_response_bytes;
	int trace_fd;                   /* -1 without GATEHOUSE_TRACE */
	char *trace_warning;            /* why GATEHOUSE_TRACE is not used, or NULL */
	struct request_list active;     /* handed to curl */
	struct request_list finished;   /* done, callback not yet called */
};

struct http_request {
	struct http_client *client;
	struct request_list *list;
	struct http_request *prev;
	struct http_request *next;
	CURL *easy;
	/*
	 * The first header node points at the client's Authorization line
	 * instead of a copy, so that the token is in one buffer, which is
	 * wiped. The nodes after it belong to the request.
	 * NOTE: libcurl still builds each request in a buffer of its own, which
	 * it frees without wiping.
	 */
	struct curl_slist auth_node;
	struct curl_slist *headers;
	char *method;
	char *path;
	struct strbuf body;
	char *etag;
	char *retry_after;              /* the Retry-After header as received, or NULL */
	bool replayed;
	bool too_large;
	bool completing;
	long timeout_ms;
	int64_t started_ms;
	CURLcode result;
	char curl_error[CURL_ERROR_SIZE];
	http_callback callback;
	void *ctx;
};

/*
 * Build the response of a finished request from its transfer, write the
 * trace line and call the callback (client/http_response.c).
 */
void http_request_complete(struct http_request *request);

#endif
