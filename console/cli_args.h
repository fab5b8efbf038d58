#ifndef GATEHOUSE_CLI_ARGS_H
#define GATEHOUSE_CLI_ARGS_H

/*
 * The command line of the scriptable verbs: each verb's own options, and
 * the connection options (--url, --token-file, --ca-file, --insecure,
 * --insecure-http, --config, --broker), which go to console_options_parse()
 * so that the verbs find the broker and the token exactly as the console does.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "console/cli_http.h"

/* The end of every verb's --help: the connection options and the exit statuses. */
#define CLI_COMMON_USAGE \
	"connection options, read as the console reads them (see gatehouse --help):\n" \
	"  --url URL, --token-file FILE, --ca-file FILE, --insecure, --insecure-http,\n" \
	"  --config FILE, --broker NAME, or GATEHOUSE_URL, GATEHOUSE_TOKEN_FILE and\n" \
	"  GATEHOUSE_TOKEN\n" \
	"\n" \
	"exit status: 0 done; 1 refused by the broker (\"gatehouse: CODE: DETAIL\" on\n" \
	"stderr); 2 bad usage; 3 broker unreachable (no connection, a timeout, an\n" \
	"HTTP 5xx answer, or a reply that is not what the API promises)\n"

/* The options a verb accepts besides the connection options. */
enum cli_option_flag {
	CLI_OPTION_STATUS = 1 << 0,
	CLI_OPTION_PRINCIPAL = 1 << 1,
	CLI_OPTION_RESOURCE = 1 << 2,
	CLI_OPTION_REASON = 1 << 3,
	CLI_OPTION_JSON = 1 << 4,
	CLI_OPTION_ID = 1 << 5,     /* one positional ID */
};

struct cli_verb {
	const char *name;           /* "requests list", as messages name it */
	const char *usage;          /* the text of --help */
	unsigned options;           /* the cli_option_flag bits it accepts */
};

struct cli_args {
	const char *status;
	const char *principal;
	const char *resource;
	const char *reason;
	int64_t id;                 /* 0 when no ID was given */
	bool json;
	/* The connection options, as an argv for console_options_parse(). */
	int connection_argc;
	char **connection_argv;
};

/*
 * Parse argv, whose argv[0] is the verb's last word. Returns -1 to go on,
 * or the exit status after printing --help (0) or what is wrong (2). The
 * strings in out point into argv.
 */
int cli_args_parse(const struct cli_verb *verb, int argc, char **argv, struct cli_args *out);
void cli_args_free(struct cli_args *args);

/*
 * Read the connection options and the environment as the console does
 * (GATEHOUSE_URL, GATEHOUSE_TOKEN_FILE, GATEHOUSE_TOKEN) and open a client.
 * Returns NULL after printing why, and the verb then exits CLI_EXIT_USAGE.
 */
struct cli_broker *cli_args_connect(const struct cli_args *args);

/* Print "gatehouse VERB: MESSAGE; see gatehouse VERB --help" and return CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_verb *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether value is one of the NULL-terminated names. */
bool cli_value_is_one_of(const char *value, const char *const *names);

#endif
