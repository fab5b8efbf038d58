#ifndef GATEHOUSE_CLI_HTTP_H
#define GATEHOUSE_CLI_HTTP_H

/*
 * Blocking calls to the broker for the scriptable verbs (gatehouse requests
 * list, approve, revoke...). Each call runs the console's asynchronous client
 * (client/http.h) until its response arrives, so the verbs follow the same TLS,
 * redirect, size, timeout and proxy rules as the console.
 *
 * A failed call prints one line on stderr, with the broker's words sanitized,
 * and returns the verb's exit status.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "console/options.h"

/* The exit statuses of the verbs, as gatehouse(1) documents them. */
enum cli_exit {
	CLI_EXIT_DONE = 0,
	CLI_EXIT_REFUSED = 1,       /* the broker responded with a 4xx status */
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_UNREACHABLE = 3,   /* no connection, a timeout, 5xx, or an invalid reply */
};

struct cli_broker;

/*
 * Create a client from parsed connection options and wipe the options'
 * copy of the token. Prints the token file and trace warnings. Returns
 * NULL after printing why.
 */
struct cli_broker *cli_broker_open(struct console_options *options);
void cli_broker_close(struct cli_broker *broker);

/*
 * GET path (already URL-encoded). On success stores the JSON reply, which
 * the caller frees with json_decref, and returns CLI_EXIT_DONE.
 */
int cli_broker_get(struct cli_broker *broker, const char *path, json_t **reply);

/*
 * POST body to path with a new random Idempotency-Key and, when if_match is
 * positive, If-Match with that version. On success stores the reply as
 * cli_broker_get does.
 */
int cli_broker_post(struct cli_broker *broker, const char *path, const json_t *body,
		    int64_t if_match, json_t **reply);

/*
 * Whether item is a valid object of the list, as the API defines it; false
 * with err naming what is wrong.
 */
typedef bool cli_item_check(const json_t *item, char *err, size_t errlen);

/*
 * GET path page after page (limit 500, then each next_cursor) and store
 * every item in *items, a new array. path may carry filters in its query.
 * Returns CLI_EXIT_UNREACHABLE after printing why when an item fails
 * check_item, a next_cursor repeats one of the last 64, or the list goes
 * past 10,000 pages or 256 MiB of replies.
 */
int cli_broker_list(struct cli_broker *broker, const char *path, cli_item_check *check_item,
		    json_t **items);

/*
 * Append "?name=value", or "&name=value" when path already has a query,
 * with value percent-encoded (every byte but A-Z a-z 0-9 - . _ ~).
 */
void cli_append_query(struct strbuf *path, const char *name, const char *value);

/* Print that the broker's reply lacks what the API promises, and return CLI_EXIT_UNREACHABLE. */
int cli_invalid_reply(const char *what);

#endif
