#ifndef GATEHOUSE_CLI_VERBS_H
#define GATEHOUSE_CLI_VERBS_H

/*
 * The scriptable verbs: the console's actions from a shell, one call each,
 * with the exit statuses of enum cli_exit. Each runs with argv[0] its name.
 */

/* gatehouse requests list [--status S] [--json] */
int cli_requests_run(int argc, char **argv);
/* gatehouse grants list [--principal P] [--resource R] [--status S] [--json] */
int cli_grants_run(int argc, char **argv);
/* gatehouse approve ID --reason R, gatehouse deny ID --reason R */
int cli_approve_run(int argc, char **argv);
int cli_deny_run(int argc, char **argv);
/* gatehouse revoke ID --reason R, gatehouse revoke --principal P [--resource R] --reason R */
int cli_revoke_run(int argc, char **argv);

#endif
