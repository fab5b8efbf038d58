/* Blocking broker calls for the scriptable verbs, run on the console's asynchronous client. */

#include "console/cli_error.h"
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
/*
 * The limits of one list, past which the broker is taken to page forever:
 * 10,000 pages of 500 items, or 256 MiB of response bodies. The parsed
 * items take a few times the bytes received.
 */
#define CLI_LIST_MAX_PAGES 10000
#define CLI_LIST_MAX_BYTES ((size_t)256 * 1024 * 1024)
/* A cursor that repeats one of the last this many pages means the list is a cycle. */
#define CLI_RECENT_CURSORS 64
/* 128 random bits, written as 32 hex digits: as many as the console's outbox uses. */
#define CLI_KEY_BYTES 16

struct cli_broker {
	struct http_client *http;
	size_t bytes_received;      /* the response bodies of every call so far */
};

/* One call in flight: filled in by its callback. */
struct cli_call {
	bool done;
	int status;
	json_t *reply;
	size_t body_length;
};

int cli_invalid_reply(const char *what)
{
	cli_print_error("gatehouse: the broker's reply is invalid: %s", what);
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
		cli_print_error("gatehouse: %s", err);
		free(broker);
		return NULL;
	}
	if (options->token_warning)
		cli_print_error("gatehouse: warning: %s", options->token_warning);
	trace_warning = http_client_trace_warning(broker->http);
	if (trace_warning)
		cli_print_error("gatehouse: warning: %s", trace_warning);
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
 * which has every copy of the token replaced; cli_print_error() sanitizes
 * it because it may quote the broker.
 */
static int report_failure(const struct http_response *response)
{
	const char *code = response->problem_code;

	cli_print_error("gatehouse: %s%s%s", code ? code : "", code ? ": " : "", response->error);
	if (response->status >= 400 && response->status < 500)
		return CLI_EXIT_REFUSED;
	return CLI_EXIT_UNREACHABLE;
}

static void finish_call(void *ctx, const struct http_response *response)
{
	struct cli_call *call = ctx;

	call->done = true;
	call->body_length = response->body_length;
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
		cli_print_error("gatehouse: starting the call %s %s failed in libcurl", method, path);
		return CLI_EXIT_UNREACHABLE;
	}
	/* The client's connect and request timeouts end every call, so this loop ends too. */
	while (!call.done) {
		if (http_client_poll(broker->http, NULL, 0, -1) < 0) {
			http_client_cancel(broker->http, request);
			cli_print_error("gatehouse: waiting for the broker failed in libcurl");
			return CLI_EXIT_UNREACHABLE;
		}
		http_client_perform(broker->http);
	}
	broker->bytes_received += call.body_length;
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
		cli_print_error("gatehouse: the system's random source failed, so no Idempotency-Key "
			"could be made; nothing was sent");
		return CLI_EXIT_UNREACHABLE;
	}
	text = json_dumps(body, JSON_COMPACT);
	if (!text) {
		cli_print_error("gatehouse: out of memory while writing the request body");
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

/* The cursors of the last pages of a list, oldest overwritten first. */
struct cursor_ring {
	char *cursors[CLI_RECENT_CURSORS];
	size_t next;
};

static bool cursor_ring_contains(const struct cursor_ring *ring, const char *cursor)
{
	for (size_t i = 0; i < CLI_RECENT_CURSORS; i++)
		if (ring->cursors[i] && strcmp(ring->cursors[i], cursor) == 0)
			return true;
	return false;
}

static void cursor_ring_add(struct cursor_ring *ring, const char *cursor)
{
	free(ring->cursors[ring->next]);
	ring->cursors[ring->next] = xstrdup(cursor);
	ring->next = (ring->next + 1) % CLI_RECENT_CURSORS;
}

static void cursor_ring_free(struct cursor_ring *ring)
{
	for (size_t i = 0; i < CLI_RECENT_CURSORS; i++)
		free(ring->cursors[i]);
}

/* The state of one cli_broker_list() call. */
struct list_walk {
	const char *path;
	cli_item_check *check_item;
	json_t *items;
	char *cursor;               /* the next page's, NULL for the first and after the last */
	struct cursor_ring seen;
	size_t pages;
	size_t start_bytes;
};

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

/* Check each item of a page with the verb's decoder, numbering them across the whole list. */
static int check_items(const struct list_walk *walk, const json_t *items)
{
	char err[512];
	size_t index;
	const json_t *item;

	json_array_foreach(items, index, item) {
		if (!walk->check_item(item, err, sizeof err)) {
			cli_print_error("gatehouse: the broker's reply is invalid: item %zu of the list: %s",
					json_array_size(walk->items) + index + 1, err);
			return CLI_EXIT_UNREACHABLE;
		}
	}
	return CLI_EXIT_DONE;
}

/*
 * Before the next page is fetched, reject a list that has gone on too long
 * or come back to a cursor that it has already had.
 */
static int check_progress(struct list_walk *walk, struct cli_broker *broker)
{
	if (!walk->cursor)
		return CLI_EXIT_DONE;
	if (cursor_ring_contains(&walk->seen, walk->cursor))
		return cli_invalid_reply("the list's next_cursor repeats an earlier page's, so it "
					 "would never end");
	if (++walk->pages >= CLI_LIST_MAX_PAGES) {
		cli_print_error("gatehouse: the list did not end after %d pages; stopped there",
				CLI_LIST_MAX_PAGES);
		return CLI_EXIT_UNREACHABLE;
	}
	if (broker->bytes_received - walk->start_bytes > CLI_LIST_MAX_BYTES) {
		cli_print_error("gatehouse: the list did not end within %zu MiB of replies; stopped "
				"there", CLI_LIST_MAX_BYTES / (1024 * 1024));
		return CLI_EXIT_UNREACHABLE;
	}
	cursor_ring_add(&walk->seen, walk->cursor);
	return CLI_EXIT_DONE;
}

/*
 * Fetch the page at walk->cursor, append its items to walk->items, and
 * replace walk->cursor with the next page's, NULL after the last.
 */
static int fetch_page(struct cli_broker *broker, struct list_walk *walk)
{
	struct strbuf page_path = STRBUF_INIT;
	json_t *page;
	const json_t *next;
	int status;

	strbuf_puts(&page_path, walk->path);
	cli_append_query(&page_path, "limit", CLI_PAGE_LIMIT);
	if (walk->cursor)
		cli_append_query(&page_path, "cursor", walk->cursor);
	status = cli_broker_get(broker, strbuf_str(&page_path), &page);
	strbuf_free(&page_path);
	if (status == CLI_EXIT_DONE)
		status = check_page(page, walk->cursor);
	if (status == CLI_EXIT_DONE)
		status = check_items(walk, json_object_get(page, "items"));
	if (status == CLI_EXIT_DONE) {
		json_array_extend(walk->items, json_object_get(page, "items"));
		next = json_object_get(page, "next_cursor");
		free(walk->cursor);
		walk->cursor = json_is_string(next) ? xstrdup(json_string_value(next)) : NULL;
	}
	json_decref(page);
	return status;
}

int cli_broker_list(struct cli_broker *broker, const char *path, cli_item_check *check_item,
		    json_t **items)
{
	struct list_walk walk = {
		.path = path, .check_item = check_item, .items = json_array(),
		.start_bytes = broker->bytes_received,
	};
	int status;

	do {
		status = fetch_page(broker, &walk);
		if (status == CLI_EXIT_DONE)
			status = check_progress(&walk, broker);
	} while (status == CLI_EXIT_DONE && walk.cursor);
	free(walk.cursor);
	cursor_ring_free(&walk.seen);
	if (status != CLI_EXIT_DONE) {
		json_decref(walk.items);
		walk.items = NULL;
	}
	*items = walk.items;
	return status;
}
