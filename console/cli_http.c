/* Blocking broker calls for the scriptable verbs, run on the console's asynchronous client. */

#include "console/cli_http.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "client/http.h"
#include "common/alloc.h"
#include "common/crypto.h"
#include "tui/text.h"

/* Items per page: the most that /v1/requests and /v1/grants return at once. */
#define CLI_PAGE_LIMIT "500"
/* 128 random bits, written as 32 hex digits: as many as the console's outbox uses. */
#define CLI_KEY_BYTES 16

struct cli_broker {
	struct http_client *http;
};

/* One call in flight: filled in by its callback. */
struct cli_call {
	bool done;
	int status;
	json_t *reply;
};

static void append_sanitized(struct strbuf *out, const char *untrusted)
{
	text_sanitize(untrusted, TEXT_NUL_TERMINATED, text_charset_from_locale(), out);
}

int cli_invalid_reply(const char *what)
{
	fprintf(stderr, "gatehouse: the broker's reply is invalid: %s\n", what);
	return CLI_EXIT_UNREACHABLE;
}

struct cli_broker *cli_broker_open(struct console_options *options)
{
	struct http_client_options http = {
		.base_url = options->url,
		.token = options->token,
		.insecure_tls = options->insecure_tls,
		.ca_file = options->ca_file,
		/* As in the console: a loopback broker is never reached through a proxy. */
		.use_proxy_environment = !console_url_is_loopback(options->url),
	};
	struct cli_broker *broker = xcalloc(1, sizeof *broker);
	char err[1024];
	const char *trace_warning;

	broker->http = http_client_new(&http, err, sizeof err);
	/* The client keeps its own copy of the token. */
	secret_wipe(options->token, strlen(options->token));
	if (!broker->http) {
		fprintf(stderr, "gatehouse: %s\n", err);
		free(broker);
		return NULL;
	}
	if (options->token_warning)
		fprintf(stderr, "gatehouse: warning: %s\n", options->token_warning);
	trace_warning = http_client_trace_warning(broker->http);
	if (trace_warning)
		fprintf(stderr, "gatehouse: warning: %s\n", trace_warning);
	return broker;
}

void cli_broker_close(struct cli_broker *broker)
{
	if (!broker)
		return;
	http_client_free(broker->http);
	free(broker);
}

/*
 * Print a failed call as "gatehouse: CODE: MESSAGE" when the broker sent a
 * problem, else "gatehouse: MESSAGE". The message is the client's error,
 * which has every copy of the token replaced, and it is sanitized because
 * it may quote the broker.
 */
static int report_failure(const struct http_response *response)
{
	struct strbuf line = STRBUF_INIT;

	strbuf_puts(&line, "gatehouse: ");
	if (response->problem_code) {
		append_sanitized(&line, response->problem_code);
		strbuf_puts(&line, ": ");
	}
	append_sanitized(&line, response->error);
	fprintf(stderr, "%s\n", strbuf_str(&line));
	strbuf_free(&line);
	if (response->status >= 400 && response->status < 500)
		return CLI_EXIT_REFUSED;
	return CLI_EXIT_UNREACHABLE;
}

static void finish_call(void *ctx, const struct http_response *response)
{
	struct cli_call *call = ctx;

	call->done = true;
	if (response->error) {
		call->status = report_failure(response);
		return;
	}
	call->status = CLI_EXIT_DONE;
	call->reply = json_incref(response->json);
}

static int run_call(struct cli_broker *broker, const char *method, const char *path,
		    const char *body, const struct http_request_options *opts, json_t **reply)
{
	struct cli_call call = { .done = false };
	struct http_request *request;

	*reply = NULL;
	request = http_client_send(broker->http, method, path, body, opts, finish_call, &call);
	if (!request) {
		fprintf(stderr, "gatehouse: starting the call %s %s failed in libcurl\n", method, path);
		return CLI_EXIT_UNREACHABLE;
	}
	/* The client's connect and request timeouts end every call, so this loop ends too. */
	while (!call.done) {
		if (http_client_poll(broker->http, NULL, 0, -1) < 0) {
			http_client_cancel(broker->http, request);
			fprintf(stderr, "gatehouse: waiting for the broker failed in libcurl\n");
			return CLI_EXIT_UNREACHABLE;
		}
		http_client_perform(broker->http);
	}
	if (call.status == CLI_EXIT_DONE && !call.reply)
		return cli_invalid_reply("an empty answer where the API promises a JSON object");
	*reply = call.reply;
	return call.status;
}

int cli_broker_get(struct cli_broker *broker, const char *path, json_t **reply)
{
	return run_call(broker, "GET", path, NULL, NULL, reply);
}

static bool make_idempotency_key(char key[2 * CLI_KEY_BYTES + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[CLI_KEY_BYTES];

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return false;
	for (size_t i = 0; i < sizeof raw; i++) {
		key[2 * i] = hex[raw[i] >> 4];
		key[2 * i + 1] = hex[raw[i] & 15];
	}
	key[2 * CLI_KEY_BYTES] = '\0';
	return true;
}

int cli_broker_post(struct cli_broker *broker, const char *path, const json_t *body,
		    int64_t if_match, json_t **reply)
{
	char key[2 * CLI_KEY_BYTES + 1];
	struct http_request_options opts = { .if_match = if_match, .idempotency_key = key };
	char *text;
	int status;

	*reply = NULL;
	if (!make_idempotency_key(key)) {
		fprintf(stderr, "gatehouse: the system's random source failed, so no Idempotency-Key "
			"could be made; nothing was sent\n");
		return CLI_EXIT_UNREACHABLE;
	}
	text = json_dumps(body, JSON_COMPACT);
	if (!text) {
		fprintf(stderr, "gatehouse: out of memory while writing the request body\n");
		return CLI_EXIT_UNREACHABLE;
	}
	status = run_call(broker, "POST", path, text, &opts, reply);
	free(text);
	return status;
}

void cli_append_query(struct strbuf *path, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	strbuf_putc(path, strchr(strbuf_str(path), '?') ? '&' : '?');
	strbuf_printf(path, "%s=", name);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p)) {
			strbuf_putc(path, (char)*p);
		} else {
			strbuf_putc(path, '%');
			strbuf_putc(path, hex[*p >> 4]);
			strbuf_putc(path, hex[*p & 15]);
		}
	}
}

/*
 * Check one page of a list: an items array and a next_cursor that is null
 * or a new string. A page that is not the last always contains items, and
 * its cursor differs from the one that fetched it. A broker that breaks
 * either rule would keep the list paging forever.
 */
static int check_page(const json_t *page, const char *cursor)
{
	const json_t *items = json_object_get(page, "items");
	const json_t *next = json_object_get(page, "next_cursor");

	if (!json_is_array(items))
		return cli_invalid_reply("a page of the list has no items array");
	if (!json_is_null(next) && !json_is_string(next))
		return cli_invalid_reply("a page of the list has no next_cursor");
	if (json_is_string(next) && json_array_size(items) == 0)
		return cli_invalid_reply("an empty page of the list names a next page");
	if (json_is_string(next) && cursor && strcmp(json_string_value(next), cursor) == 0)
		return cli_invalid_reply("a page of the list names itself as the next page");
	return CLI_EXIT_DONE;
}

/*
 * Fetch the page at *cursor (NULL for the first), append its items to
 * items, and replace *cursor with the next page's, NULL after the last.
 */
static int fetch_page(struct cli_broker *broker, const char *path, char **cursor,
		      json_t *items)
{
	struct strbuf page_path = STRBUF_INIT;
	json_t *page;
	const json_t *next;
	int status;

	strbuf_puts(&page_path, path);
	cli_append_query(&page_path, "limit", CLI_PAGE_LIMIT);
	if (*cursor)
		cli_append_query(&page_path, "cursor", *cursor);
	status = cli_broker_get(broker, strbuf_str(&page_path), &page);
	strbuf_free(&page_path);
	if (status == CLI_EXIT_DONE)
		status = check_page(page, *cursor);
	if (status == CLI_EXIT_DONE) {
		json_array_extend(items, json_object_get(page, "items"));
		next = json_object_get(page, "next_cursor");
		free(*cursor);
		*cursor = json_is_string(next) ? xstrdup(json_string_value(next)) : NULL;
	}
	json_decref(page);
	return status;
}

int cli_broker_list(struct cli_broker *broker, const char *path, json_t **items)
{
	char *cursor = NULL;
	int status;

	*items = json_array();
	/* NOTE: nothing limits the number of pages, so a broker that never ends its list fills memory. */
	do {
		status = fetch_page(broker, path, &cursor, *items);
	} while (status == CLI_EXIT_DONE && cursor);
	free(cursor);
	if (status != CLI_EXIT_DONE) {
		json_decref(*items);
		*items = NULL;
	}
	return status;
}
