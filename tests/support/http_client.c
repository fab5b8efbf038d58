#include "tests/support/http_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
{
	strbuf_append(userdata, data, size * count);
	return size * count;
}

static void copy_header_value(const char *line, size_t length, char *out, size_t size)
{
	const char *colon = memchr(line, ':', length);
	size_t start, end = length;

	if (!colon)
		return;
	start = (size_t)(colon - line) + 1;
	while (start < end && line[start] == ' ')
		start++;
	while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' '))
		end--;
	snprintf(out, size, "%.*s", (int)(end - start), line + start);
}

static size_t collect_header(char *line, size_t size, size_t count, void *userdata)
{
	struct http_result *r = userdata;
	size_t n = size * count;

	if (n > 5 && strncasecmp(line, "ETag:", 5) == 0)
		copy_header_value(line, n, r->etag, sizeof r->etag);
	else if (n > 13 && strncasecmp(line, "Content-Type:", 13) == 0)
		copy_header_value(line, n, r->content_type, sizeof r->content_type);
	else if (n > 9 && strncasecmp(line, "Location:", 9) == 0)
		copy_header_value(line, n, r->location, sizeof r->location);
	else if (n > 18 && strncasecmp(line, "Idempotent-Replay:", 18) == 0)
		r->replayed = 1;
	return n;
}

int http_call(const char *method, const char *base_url, const char *path, const char *token,
	      const char *body, const char *const *headers, struct http_result *result)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *list = NULL;
	struct strbuf response = STRBUF_INIT;
	char url[2048], auth[600];
	CURLcode rc;

	memset(result, 0, sizeof *result);
	snprintf(url, sizeof url, "%s%s", base_url, path);
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		list = curl_slist_append(list, auth);
	}
	if (body)
		list = curl_slist_append(list, "Content-Type: application/json");
	for (int i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, result);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 90L);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->status);
	curl_slist_free_all(list);
	curl_easy_cleanup(curl);

	result->body = strbuf_detach(&response);
	result->json = json_loads(result->body, 0, NULL);
	return rc == CURLE_OK ? 0 : -1;
}

void http_result_free(struct http_result *result)
{
	free(result->body);
	json_decref(result->json);
	memset(result, 0, sizeof *result);
}

const char *http_json_string(const struct http_result *result, const char *field)
{
	const char *v = json_string_value(json_object_get(result->json, field));

	return v ? v : "";
}

long long http_json_int(const struct http_result *result, const char *field)
{
	json_t *v = json_object_get(result->json, field);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}
