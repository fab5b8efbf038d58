/* gatehouse requests list: the broker's access requests, as a table or JSON. */

#include <stdio.h>
#include <string.h>

#include "api/json.h"
#include "console/cli_args.h"
#include "console/cli_error.h"
#include "console/cli_table.h"
#include "console/cli_verbs.h"

static const char requests_usage[] =
	"usage: gatehouse requests list [--status STATUS] [--json] [connection options]\n"
	"\n"
	"List the access requests that the token may see, newest first, every page\n"
	"of them. Broker text in the table is shown with control characters and\n"
	"bidirectional overrides replaced by visible placeholders.\n"
	"\n"
	"options:\n"
	"  --status STATUS   only requests in this status: pending, approved, denied,\n"
	"                    canceled or expired\n"
	"  --json            print one JSON array of the broker's request objects, with\n"
	"                    the field names of the broker's API, instead of a table\n"
	"\n"
	CLI_COMMON_USAGE;

static const struct cli_verb requests_list_verb = {
	"requests list", requests_usage, CLI_OPTION_STATUS | CLI_OPTION_JSON,
};

static const char *const request_statuses[] = {
	"pending", "approved", "denied", "canceled", "expired", NULL,
};

/* "1/2": the approvals given, of those needed. */
static void append_approvals(const json_t *request, const char *field, struct strbuf *out)
{
	strbuf_printf(out, "%zu/%lld", json_array_size(json_object_get(request, field)),
		      (long long)json_integer_value(json_object_get(request, "approvals_needed")));
}

static const struct cli_column request_columns[] = {
	{ "ID", "id", NULL, 20 },
	{ "STATUS", "status", NULL, 10 },
	{ "REQUESTER", "requester", NULL, 32 },
	{ "RESOURCE", "resource", NULL, 32 },
	{ "ROLE", "role", NULL, 16 },
	{ "APPROVALS", "approvals", append_approvals, 10 },
	{ "CREATED", "created_at", NULL, 20 },
	{ "REASON", "reason", NULL, 0 },
};

/* Decode the item as the console's cache does, so that a reply that breaks the API is caught. */
static bool check_request(const json_t *item, char *err, size_t errlen)
{
	struct access_request request;

	if (!request_from_json(item, &request, err, errlen))
		return false;
	access_request_free(&request);
	return true;
}

static int list_requests(int argc, char **argv)
{
	struct cli_args args;
	struct cli_broker *broker;
	struct strbuf path = STRBUF_INIT;
	int status = cli_args_parse(&requests_list_verb, argc, argv, &args);

	if (status >= 0)
		return status;
	if (args.status && !cli_value_is_one_of(args.status, request_statuses)) {
		status = cli_usage_error(&requests_list_verb, "invalid --status \"%s\": give pending, "
					 "approved, denied, canceled or expired", args.status);
	} else if (!(broker = cli_args_connect(&args))) {
		status = CLI_EXIT_USAGE;
	} else {
		strbuf_puts(&path, "/v1/requests");
		if (args.status)
			cli_append_query(&path, "status", args.status);
		status = cli_list_and_print(broker, strbuf_str(&path), check_request, args.json, request_columns,
					    sizeof request_columns / sizeof request_columns[0]);
		cli_broker_close(broker);
	}
	strbuf_free(&path);
	cli_args_free(&args);
	return status;
}

int cli_requests_run(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(requests_usage, stdout);
		return CLI_EXIT_DONE;
	}
	if (argc < 2 || strcmp(argv[1], "list") != 0) {
		cli_print_error("gatehouse requests: give the subcommand list; see gatehouse requests "
			"--help");
		return CLI_EXIT_USAGE;
	}
	return list_requests(argc - 1, argv + 1);
}
