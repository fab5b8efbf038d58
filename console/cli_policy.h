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

struct cli_simulate_options {
	const char *proposed_path;
	const char *current_path;   /* NULL: the current policy comes from elsewhere */
	const char *history_path;
	bool json;
	size_t changed_limit;       /* changed rows to list; SIZE_MAX for all */
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
