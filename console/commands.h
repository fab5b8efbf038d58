#ifndef GATEHOUSE_COMMANDS_H
#define GATEHOUSE_COMMANDS_H

/*
 * Subcommands of gatehouse that run without the full-screen console
 * ("gatehouse report --history FILE"). Each lives in a console/cli_*.c file
 * and has one line in the table in commands.c.
 */

struct console_command {
	const char *name;
	const char *summary;        /* one line for gatehouse --help */
	/* Run with argv[0] the command's name; returns the exit status. */
	int (*run)(int argc, char **argv);
};

/* The command named name, or NULL. */
const struct console_command *console_command_find(const char *name);

/* Call visit for each command, in the table's order (for --help). */
void console_commands_each(void (*visit)(const struct console_command *command, void *ctx),
			   void *ctx);

#endif
