/* gatehouse grants list: the broker's grants, as a table or JSON. */

#include <stdio.h>
#include <string.h>

#include "api/json.h"
#include "console/cli_args.h"
#include "console/cli_error.h"
#include "console/cli_table.h"
#include "console/cli_verbs.h"

static const char grants_usage[] =
	"usage: gatehouse grants list [--principal ID] [--resource ID] [--status STATUS]\n"
	"                             [--json] [connection options]\n"
	"\n"
	"List the grants that the token may see, newest first, every page of them.\n"
	"Broker text in the table is shown with control characters and bidirectional\n"
	"overrides replaced by visible placeholders.\n"
	"\n"
	"options:\n"
	"  --principal ID    only the grants held by this principal\n"
	"  --resource ID     only the grants on this resource\n"
	"  --status STATUS   only grants in this status: active, expired or revoked\n"
	"  --json            print one JSON array of the broker's grant objects, with\n"
	"                    the field names of the broker's API, instead of a table\n"
	"\n"
	CLI_COMMON_USAGE;

static const struct cli_verb grants_list_verb = {
	"grants list", grants_usage,
	CLI_OPTION_PRINCIPAL | CLI_OPTION_RESOURCE | CLI_OPTION_STATUS | CLI_OPTION_JSON,
};

static const char *const grant_statuses[] = { "active", "expired", "revoked", NULL };

/* The end of a grant, "never" for a standing grant without one. */
static void append_expiry(const json_t *grant, const char *field, struct strbuf *out)
{
	const json_t *expires_at = json_object_get(grant, field);

	if (json_is_null(expires_at))
		strbuf_puts(out, "never");
	else
		cli_cell_field(grant, field, out);
}

static const struct cli_column grant_columns[] = {
	{ "ID", "id", NULL, 20 },
	{ "STATUS", "status", NULL, 10 },
	{ "PRINCIPAL", "principal", NULL, 32 },
	{ "RESOURCE", "resource", NULL, 32 },
	{ "ROLE", "role", NULL, 16 },
	{ "KIND", "kind", NULL, 10 },
	{ "EXPIRES", "expires_at", append_expiry, 20 },
	{ "REASON", "reason", NULL, 0 },
};

static void append_filters(const struct cli_args *args, struct strbuf *path)
{
	if (args->principal)
		cli_append_query(path, "principal", args->principal);
	if (args->resource)
		cli_append_query(path, "resource", args->resource);
	if (args->status)
		cli_append_query(path, "status", args->status);
}

/* Decode the item as the console's cache does, so that a reply that breaks the API is caught. */
static bool check_grant(const json_t *item, char *err, size_t errlen)
{
	struct grant grant;

	if (!grant_from_json(item, &grant, err, errlen))
		return false;
	grant_free(&grant);
	return true;
}

static int list_grants(int argc, char **argv)
{
	struct cli_args args;
	struct cli_broker *broker;
	struct strbuf path = STRBUF_INIT;
	int status = cli_args_parse(&grants_list_verb, argc, argv, &args);

	if (status >= 0)
		return status;
	if (args.status && !cli_value_is_one_of(args.status, grant_statuses)) {
		status = cli_usage_error(&grants_list_verb, "invalid --status \"%s\": give active, "
					 "expired or revoked", args.status);
	} else if (!(broker = cli_args_connect(&args))) {
		status = CLI_EXIT_USAGE;
	} else {
		strbuf_puts(&path, "/v1/grants");
		append_filters(&args, &path);
		status = cli_list_and_print(broker, strbuf_str(&path), check_grant, args.json, grant_columns,
					    sizeof grant_columns / sizeof grant_columns[0]);
		cli_broker_close(broker);
	}
	strbuf_free(&path);
	cli_args_free(&args);
	return status;
}

int cli_grants_run(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(grants_usage, stdout);
		return CLI_EXIT_DONE;
	}
	if (argc < 2 || strcmp(argv[1], "list") != 0) {
		cli_print_error("gatehouse grants: give the subcommand list; see gatehouse grants "
			"--help");
		return CLI_EXIT_USAGE;
	}
	return list_grants(argc - 1, argv + 1);
}
