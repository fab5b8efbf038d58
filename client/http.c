/* The asynchronous HTTP layer over one libcurl multi handle. */

#include "client/http.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/http_internal.h"
#include "common/alloc.h"
#include "common/crypto.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/version.h"

#define TRACE_ENVIRONMENT "GATEHOUSE_TRACE"
#define USER_AGENT "gatehouse/" GATEHOUSE_VERSION

static void list_append(struct request_list *list, struct http_request *request)
{
	request->list = list;
	request->prev = list->tail;
	request->next = NULL;
	if (list->tail)
		list->tail->next = request;
	else
		list->head = request;
	list->tail = request;
	list->count++;
}

static void list_remove(struct http_request *request)
{
	struct request_list *list = request->list;

	if (request->prev)
		request->prev->next = request->next;
	else
		list->head = request->next;
	if (request->next)
		request->next->prev = request->prev;
	else
		list->tail = request->prev;
	list->count--;
	request->list = NULL;
	request->prev = request->next = NULL;
}

static bool validate_base_url(const char *url, char *err, size_t errlen)
{
	CURLU *parsed = curl_url();
	char *scheme = NULL, *user = NULL, *query = NULL, *fragment = NULL;
	bool ok = false;

	if (!parsed) {
		snprintf(err, errlen, "out of memory while parsing the broker URL");
		return false;
	}
	if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK) {
		snprintf(err, errlen, "invalid broker URL \"%.200s\": give http://HOST:PORT or "
			 "https://HOST", url);
	} else if (curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		   (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
		snprintf(err, errlen, "invalid broker URL \"%.200s\": only http:// and https:// "
			 "are allowed", url);
	} else if (curl_url_get(parsed, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		snprintf(err, errlen, "invalid broker URL: remove the user name and password; "
			 "the token is given separately");
	} else if (curl_url_get(parsed, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
		   curl_url_get(parsed, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK) {
		snprintf(err, errlen, "invalid broker URL \"%.200s\": remove the query or fragment",
			 url);
	} else {
		ok = true;
	}
	curl_free(scheme);
	curl_free(user);
	curl_free(query);
	curl_free(fragment);
	curl_url_cleanup(parsed);
	return ok;
}

/* Whether the token can go into a header line unchanged: no spaces, controls or non-ASCII. */
static bool token_is_valid(const char *token)
{
	if (!token || !*token)
		return false;
	for (const unsigned char *p = (const unsigned char *)token; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	return true;
}

/* "a symbolic link", "a FIFO": what a path that is not a regular file names. */
static const char *file_type_name(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a regular file";
}

static void set_trace_warning(struct http_client *client, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_trace_warning(struct http_client *client, const char *fmt, ...)
{
	struct strbuf warning = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&warning, fmt, ap);
	va_end(ap);
	client->trace_warning = strbuf_detach(&warning);
}

/*
 * Open the GATEHOUSE_TRACE file for appending. O_NONBLOCK keeps a FIFO
 * without a reader from blocking the start; O_NOFOLLOW keeps a link planted
 * at the path from sending the trace elsewhere. Anything but a regular file
 * leaves the trace off, with a warning.
 */
static void open_trace(struct http_client *client)
{
	const char *path = getenv(TRACE_ENVIRONMENT);
	struct stat st;
	int fd;

	client->trace_fd = -1;
	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0) {
		int open_errno = errno;
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
			set_trace_warning(client, "no trace: %s names %s (%s); give a regular file",
					  TRACE_ENVIRONMENT, file_type_name(st.st_mode), path);
		else
			set_trace_warning(client, "no trace: cannot open %s (%s): %s", path,
					  TRACE_ENVIRONMENT, strerror(open_errno));
		return;
	}
	if (fstat(fd, &st) != 0) {
		set_trace_warning(client, "no trace: cannot open %s (%s): %s", path,
				  TRACE_ENVIRONMENT, strerror(errno));
		close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		set_trace_warning(client, "no trace: %s names %s (%s); give a regular file",
				  TRACE_ENVIRONMENT, file_type_name(st.st_mode), path);
		close(fd);
		return;
	}
	/* A trace names the paths the user visited: tighten a file someone made readable. */
	if (st.st_mode & 077)
		fchmod(fd, st.st_mode & 0700);
	client->trace_fd = fd;
}

const char *http_client_trace_warning(const struct http_client *client)
{
	return client->trace_warning;
}

static char *copy_base_url(const char *url)
{
	char *copy = xstrdup(url);
	size_t n = strlen(copy);

	while (n > 0 && copy[n - 1] == '/')
		copy[--n] = '\0';
	return copy;
}

static void set_auth_header(struct http_client *client, const char *token)
{
	size_t token_length = strlen(token);

	client->auth_header_length = AUTH_HEADER_PREFIX_LENGTH + token_length + 1;
	client->auth_header = xmalloc(client->auth_header_length);
	memcpy(client->auth_header, AUTH_HEADER_PREFIX, AUTH_HEADER_PREFIX_LENGTH);
	memcpy(client->auth_header + AUTH_HEADER_PREFIX_LENGTH, token, token_length + 1);
}

struct http_client *http_client_new(const struct http_client_options *opts, char *err,
				    size_t errlen)
{
	struct http_client *client;

	if (!opts->base_url || !validate_base_url(opts->base_url, err, errlen)) {
		if (!opts->base_url)
			snprintf(err, errlen, "the broker URL is missing");
		return NULL;
	}
	if (!token_is_valid(opts->token)) {
		snprintf(err, errlen, "the token is missing or contains spaces or control characters");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl failed to initialize");
		return NULL;
	}
	client = xcalloc(1, sizeof *client);
	client->multi = curl_multi_init();
	if (!client->multi) {
		snprintf(err, errlen, "libcurl failed to create a multi handle");
		free(client);
		curl_global_cleanup();
		return NULL;
	}
	client->base_url = copy_base_url(opts->base_url);
	set_auth_header(client, opts->token);
	client->insecure_tls = opts->insecure_tls;
	client->use_proxy_environment = opts->use_proxy_environment;
	client->ca_file = opts->ca_file ? xstrdup(opts->ca_file) : NULL;
	client->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
								  : HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	client->request_timeout_ms = opts->request_timeout_ms > 0 ? opts->request_timeout_ms
								  : HTTP_DEFAULT_REQUEST_TIMEOUT_MS;
	client->max_response_bytes = opts->max_response_bytes > 0 ? opts->max_response_bytes
								  : HTTP_DEFAULT_MAX_RESPONSE_BYTES;
	open_trace(client);
	return client;
}

static void request_free(struct http_request *request)
{
	if (request->list)
		list_remove(request);
	if (request->easy)
		curl_easy_cleanup(request->easy);
	curl_slist_free_all(request->headers);
	free(request->method);
	free(request->path);
	free(request->etag);
	free(request->retry_after);
	strbuf_free(&request->body);
	free(request);
}

void http_client_free(struct http_client *client)
{
	if (!client)
		return;
	while (client->active.head) {
		curl_multi_remove_handle(client->multi, client->active.head->easy);
		request_free(client->active.head);
	}
	while (client->finished.head)
		request_free(client->finished.head);
	curl_multi_cleanup(client->multi);
	secret_wipe(client->auth_header, client->auth_header_length);
	free(client->auth_header);
	free(client->base_url);
	free(client->ca_file);
	free(client->trace_warning);
	if (client->trace_fd >= 0)
		close(client->trace_fd);
	free(client);
	curl_global_cleanup();
}

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
{
	struct http_request *request = userdata;
	size_t n = size * count;

	if (request->body.len + n > request->client->max_response_bytes) {
		request->too_large = true;
		return 0; /* curl stops the transfer with CURLE_WRITE_ERROR */
	}
	strbuf_append(&request->body, data, n);
	return n;
}

/* The value of a "Name: value" header line, trimmed, as a new string. */
static char *header_value(const char *line, size_t length, size_t name_length)
{
	size_t start = name_length, end = length;

	while (start < end && (line[start] == ' ' || line[start] == '\t'))
		start++;
	while (end > start && isspace((unsigned char)line[end - 1]))
		end--;
	return xstrndup(line + start, end - start);
}

static size_t collect_header(char *line, size_t size, size_t count, void *userdata)
{
	struct http_request *request = userdata;
	size_t n = size * count;

	/* A new status line (after a 100 Continue) starts a new set of headers. */
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		xfree_str(&request->etag);
		xfree_str(&request->retry_after);
		request->replayed = false;
	} else if (n > 5 && strncasecmp(line, "ETag:", 5) == 0) {
		free(request->etag);
		request->etag = header_value(line, n, 5);
	} else if (n > 12 && strncasecmp(line, "Retry-After:", 12) == 0) {
		free(request->retry_after);
		request->retry_after = header_value(line, n, 12);
	} else if (n > 18 && strncasecmp(line, "Idempotent-Replay:", 18) == 0) {
		char *value = header_value(line, n, 18);
		request->replayed = strcasecmp(value, "true") == 0;
		free(value);
	}
	return n;
}

/* Whether path can be appended to the base URL as it is: no spaces, controls or non-ASCII. */
static bool path_is_valid(const char *path)
{
	if (!path || path[0] != '/')
		return false;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	return true;
}

static void add_headers(struct http_request *request, const char *body,
			const struct http_request_options *opts)
{
	char line[320];

	request->headers = curl_slist_append(request->headers, "Accept: application/json");
	/* Bodies are small: waiting for 100 Continue would only add a round trip. */
	request->headers = curl_slist_append(request->headers, "Expect:");
	if (body)
		request->headers = curl_slist_append(request->headers,
						     "Content-Type: application/json");
	if (opts && opts->if_match > 0) {
		snprintf(line, sizeof line, "If-Match: \"%lld\"", (long long)opts->if_match);
		request->headers = curl_slist_append(request->headers, line);
	}
	if (opts && opts->idempotency_key) {
		snprintf(line, sizeof line, "Idempotency-Key: %.255s", opts->idempotency_key);
		request->headers = curl_slist_append(request->headers, line);
	}
	request->auth_node.data = request->client->auth_header;
	request->auth_node.next = request->headers;
}

static void set_method(CURL *easy, const char *method, const char *body)
{
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (body || strcmp(method, "POST") == 0) {
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? strlen(body) : 0));
		curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, body ? body : "");
	}
	curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
}

static void set_transport_options(struct http_request *request)
{
	struct http_client *client = request->client;
	CURL *easy = request->easy;

	curl_easy_setopt(easy, CURLOPT_PRIVATE, request);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* Never follow a redirect: another host would receive the token. */
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, client->connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, request->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)client->max_response_bytes);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, request->curl_error);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, request);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, request);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, &request->auth_node);
	if (!client->use_proxy_environment)
		curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
	/*
	 * The default since libcurl 7.42.1, set because the token depends on it:
	 * headers of CURLOPT_HTTPHEADER, Authorization included, never go into the
	 * CONNECT request that opens a tunnel through a proxy, only into the tunnel.
	 */
	curl_easy_setopt(easy, CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);
	if (client->insecure_tls) {
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (client->ca_file)
		curl_easy_setopt(easy, CURLOPT_CAINFO, client->ca_file);
}

struct http_request *http_client_send(struct http_client *client, const char *method,
				      const char *path, const char *body,
				      const struct http_request_options *opts,
				      http_callback callback, void *ctx)
{
	struct http_request *request;
	struct strbuf url = STRBUF_INIT;

	if (!method || !*method || !path_is_valid(path) || !callback)
		return NULL;
	request = xcalloc(1, sizeof *request);
	request->client = client;
	request->easy = curl_easy_init();
	if (!request->easy) {
		free(request);
		return NULL;
	}
	request->method = xstrdup(method);
	request->path = xstrdup(path);
	request->callback = callback;
	request->ctx = ctx;
	request->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms
							   : client->request_timeout_ms;
	strbuf_printf(&url, "%s%s", client->base_url, path);
	curl_easy_setopt(request->easy, CURLOPT_URL, strbuf_str(&url));
	strbuf_free(&url);
	add_headers(request, body, opts);
	set_transport_options(request);
	set_method(request->easy, method, body);
	if (curl_multi_add_handle(client->multi, request->easy) != CURLM_OK) {
		request_free(request);
		return NULL;
	}
	request->started_ms = time_monotonic_ms();
	list_append(&client->active, request);
	return request;
}

void http_client_cancel(struct http_client *client, struct http_request *request)
{
	if (!request || request->completing)
		return;
	if (request->list == &client->active)
		curl_multi_remove_handle(client->multi, request->easy);
	request_free(request);
}

int http_client_poll(struct http_client *client, struct curl_waitfd *extra_fds, unsigned count,
		     int timeout_ms)
{
	int ready = 0;

	for (unsigned i = 0; i < count; i++)
		extra_fds[i].revents = 0;
	/* curl shortens the wait to its own next timeout; INT_MAX adds no limit of ours. */
	if (curl_multi_poll(client->multi, extra_fds, count, timeout_ms < 0 ? INT_MAX : timeout_ms,
			    NULL) != CURLM_OK)
		return -1;
	for (unsigned i = 0; i < count; i++)
		if (extra_fds[i].revents)
			ready++;
	return ready;
}

void http_client_wakeup(struct http_client *client)
{
	curl_multi_wakeup(client->multi);
}

size_t http_client_in_flight(const struct http_client *client)
{
	return client->active.count + client->finished.count;
}

const char *http_client_base_url(const struct http_client *client)
{
	return client->base_url;
}

void http_client_perform(struct http_client *client)
{
	CURLMsg *message;
	int running, left;

	curl_multi_perform(client->multi, &running);
	while ((message = curl_multi_info_read(client->multi, &left))) {
		char *private_data = NULL;
		if (message->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &private_data);
		struct http_request *request = (struct http_request *)(void *)private_data;
		request->result = message->data.result;
		curl_multi_remove_handle(client->multi, request->easy);
		list_remove(request);
		list_append(&client->finished, request);
	}
	/* Callbacks may send or cancel: take one finished request at a time. */
	while (client->finished.head) {
		struct http_request *request = client->finished.head;
		list_remove(request);
		request->completing = true;
		http_request_complete(request);
		request_free(request);
	}
}
