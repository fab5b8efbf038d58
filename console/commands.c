#include "console/commands.h"

#include <stddef.h>
#include <string.h>

static const struct console_command commands[] = {
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
