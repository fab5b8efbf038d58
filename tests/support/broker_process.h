#ifndef GATEHOUSE_BROKER_PROCESS_H
#define GATEHOUSE_BROKER_PROCESS_H

/*
 * Tests start a real gatehoused on a free loopback port of their own, in a
 * temporary directory, and stop it with SIGTERM. The binary is $GATEHOUSED
 * (the Makefile sets it), else build/gatehoused.
 */

#include <stdbool.h>
#include <sys/types.h>

struct broker_process {
	pid_t pid;
	unsigned port;
	char dir[256];         /* the temporary directory: database, port file, tokens, log */
	char db_path[320];
	char url[64];          /* "http://127.0.0.1:PORT" */
	char admin_token[128]; /* from demo-tokens.json when started with --demo */
	char approver_token[128];
	char requester_token[128];
};

/*
 * Start gatehoused with the given extra arguments (NULL-terminated, may be NULL).
 * With demo true it passes --demo --demo-trickle 0 and reads the demo tokens.
 * Reuses bp->dir when it is already set (to restart on the same database).
 * Returns false, with the reason on stderr, when it does not come up within 20 s.
 */
bool broker_process_start(struct broker_process *bp, bool demo, const char *const *extra_args);
/* Send SIGTERM and wait for the exit; returns the exit status, or -1 if it did not exit in 10 s. */
int broker_process_stop(struct broker_process *bp);
/* Stop the broker if running and remove the temporary directory. */
void broker_process_cleanup(struct broker_process *bp);

/* Run "gatehoused ARGS..." to completion, capturing stdout; returns the exit status. */
int gatehoused_run(const char *const *args, char *output, size_t output_size);
/* The gatehoused binary to test. */
const char *gatehoused_path(void);

#endif
