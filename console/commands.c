#include "console/commands.h"

#include <stddef.h>
#include <string.h>

#include "console/cli_paths.h"
#include "console/cli_policy.h"
#include "console/cli_report.h"
#include "console/cli_verbs.h"

static const struct console_command commands[] = {
	{ "policy", "check a policy file, or decide one request with it", cli_policy_run },
	{ "simulate", "replay past requests through a proposed policy", cli_simulate_run },
	{ "report", "measure an access flow from an exported request history", cli_report_run },
	{ "paths", "print the config, theme, cache and history files the console uses", cli_paths_run },
	{ "requests", "list requests: requests list [--status S] [--json]", cli_requests_run },
	{ "grants", "list grants: grants list [--principal P] [--json]", cli_grants_run },
	{ "approve", "approve a request: approve ID --reason R", cli_approve_run },
	{ "deny", "deny a request: deny ID --reason R", cli_deny_run },
	{ "revoke", "revoke grants: revoke ID|--principal P --reason R", cli_revoke_run },
	{ NULL, NULL, NULL },
};

const struct console_command *console_command_find(const char *name)
{
	for (const struct console_command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void console_commands_each(void (*visit)(const struct console_command *command, void *ctx),
			   void *ctx)
{
	for (const struct console_command *c = commands; c->name; c++)
		visit(c, ctx);
}
