#ifndef GATEHOUSE_ADMIN_CLI_H
#define GATEHOUSE_ADMIN_CLI_H

/*
 * The administrative subcommands that work on the database directly, a running
 * broker's included: token create, list and revoke; principal add, set and list;
 * resource set and list. "gatehoused NOUN VERB --help" prints each one's usage.
 * Each returns the process exit status.
 */

int admin_cli_run(int argc, char **argv);
/* Whether argv names one of the subcommands above. */
int admin_cli_matches(int argc, char **argv);

#endif
