#ifndef GATEHOUSE_CLI_REPORT_H
#define GATEHOUSE_CLI_REPORT_H

/*
 * gatehouse report --history FILE: the baseline of a team's access flow before
 * just-in-time access, from an exported history of access requests.
 */

/* Run with argv[0] "report"; returns 0, 1 when the history cannot be read, 2 on bad usage. */
int cli_report_run(int argc, char **argv);

#endif
