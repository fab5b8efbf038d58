#ifndef GATEHOUSE_CLI_POLICY_H
#define GATEHOUSE_CLI_POLICY_H

/*
 * gatehouse policy (lint and decide with a policy file) and gatehouse
 * simulate (replay history through a current and a proposed policy).
 */

#include <stdbool.h>
#include <stddef.h>

int cli_policy_run(int argc, char **argv);
int cli_simulate_run(int argc, char **argv);

/* Where to find the broker, as the console's options name it (console/options.h); NULL or false when not given. */
struct cli_simulate_broker {
	const char *url;
	const char *token_file;
	const char *ca_file;
	const char *config;
	const char *broker;
	bool insecure_tls;
	bool insecure_http;
};

struct cli_simulate_options {
	const char *proposed_path;
	const char *current_path;   /* NULL: the current policy is the broker's */
	const char *history_path;
	bool json;
	size_t changed_limit;       /* changed rows to list; SIZE_MAX for all */
	struct cli_simulate_broker broker;
};

/*
 * Run a simulation with the current policy's text given, named current_name
 * in diagnostics. The simulate command calls it with the --current file; a
 * caller that fetches the broker's policy calls it with that text. Returns
 * the exit status: 0, or 1 after printing why on stderr.
 */
int cli_simulate_with_current(const struct cli_simulate_options *options, const char *current_name,
			      const char *current_text, size_t current_length);

#endif
