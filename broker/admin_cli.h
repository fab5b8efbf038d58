#ifndef GATEHOUSE_ADMIN_CLI_H
#define GATEHOUSE_ADMIN_CLI_H

/*
 * The administrative subcommands that work on the database directly:
 *   gatehoused token create --db FILE --principal ID [--label TEXT]
 *   gatehoused principal add --db FILE --id ID --roles LIST [--groups LIST] [--name TEXT]
 *   gatehoused resource set --db FILE --id ID --group GROUP [--approvals N] [--max-duration DUR]
 * Each returns the process exit status.
 */

int admin_cli_run(int argc, char **argv);
/* Whether argv names one of the subcommands above. */
int admin_cli_matches(int argc, char **argv);

#endif
