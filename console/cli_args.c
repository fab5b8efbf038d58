#include "console/cli_args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "console/cli_error.h"
#include "console/options.h"

/* Marks the connection options, which every verb accepts and passes on. */
#define CLI_OPTION_CONNECTION (1u << 31)

struct option_spec {
	const char *name;
	unsigned flag;
	bool takes_value;
};

static const struct option_spec option_specs[] = {
	{ "status", CLI_OPTION_STATUS, true },
	{ "principal", CLI_OPTION_PRINCIPAL, true },
	{ "resource", CLI_OPTION_RESOURCE, true },
	{ "reason", CLI_OPTION_REASON, true },
	{ "json", CLI_OPTION_JSON, false },
	{ "url", CLI_OPTION_CONNECTION, true },
	{ "token-file", CLI_OPTION_CONNECTION, true },
	{ "ca-file", CLI_OPTION_CONNECTION, true },
	{ "insecure", CLI_OPTION_CONNECTION, false },
	{ "insecure-tls", CLI_OPTION_CONNECTION, false },
	{ "insecure-http", CLI_OPTION_CONNECTION, false },
	{ "config", CLI_OPTION_CONNECTION, true },
	{ "broker", CLI_OPTION_CONNECTION, true },
	{ NULL, 0, false },
};

int cli_usage_error(const struct cli_verb *verb, const char *fmt, ...)
{
	struct strbuf message = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&message, fmt, ap);
	va_end(ap);
	cli_print_error("gatehouse %s: %s; see gatehouse %s --help", verb->name,
			strbuf_str(&message), verb->name);
	strbuf_free(&message);
	return CLI_EXIT_USAGE;
}

bool cli_value_is_one_of(const char *value, const char *const *names)
{
	for (const char *const *name = names; *name; name++)
		if (strcmp(value, *name) == 0)
			return true;
	return false;
}

/* The option spelled out in full as name (length bytes) that verb accepts, or NULL. */
static const struct option_spec *find_option(const struct cli_verb *verb, const char *name,
					     size_t length)
{
	for (const struct option_spec *spec = option_specs; spec->name; spec++)
		if (strlen(spec->name) == length && strncmp(spec->name, name, length) == 0 &&
		    (spec->flag & (verb->options | CLI_OPTION_CONNECTION)))
			return spec;
	return NULL;
}

/*
 * Name an option the verb does not accept, never its value. A prefix is not
 * taken for the full name, so that "--token SECRET" is not read as
 * "--token-file SECRET" and the secret then echoed in an error.
 */
static int reject_option(const struct cli_verb *verb, const char *name, size_t length)
{
	if (length == 5 && strncmp(name, "token", 5) == 0)
		return cli_usage_error(verb, "--token is not accepted, because a token on the command "
				       "line shows in ps and in shell history; use --token-file FILE");
	return cli_usage_error(verb, "unknown option --%.*s", (int)length, name);
}

static int parse_id(const struct cli_verb *verb, const char *text, struct cli_args *out)
{
	char *end;
	long long id;

	if (!(verb->options & CLI_OPTION_ID))
		return cli_usage_error(verb, "unexpected argument \"%s\"", text);
	if (out->id != 0)
		return cli_usage_error(verb, "give one ID, not several");
	errno = 0;
	id = strtoll(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || id <= 0)
		return cli_usage_error(verb, "invalid ID \"%s\": give a positive whole number", text);
	out->id = id;
	return -1;
}

static int store_option(const struct cli_verb *verb, const struct option_spec *spec,
			const char *value, struct cli_args *out)
{
	if (spec->takes_value && !*value)
		return cli_usage_error(verb, "--%s needs a value that is not empty", spec->name);
	switch (spec->flag) {
	case CLI_OPTION_STATUS: out->status = value; break;
	case CLI_OPTION_PRINCIPAL: out->principal = value; break;
	case CLI_OPTION_RESOURCE: out->resource = value; break;
	case CLI_OPTION_REASON: out->reason = value; break;
	case CLI_OPTION_JSON: out->json = true; break;
	default: break;
	}
	return -1;
}

/*
 * Take the long option at argv[*index], and its value from the same
 * argument ("--url=URL") or the next one. Connection options are copied to
 * the connection argv as they were given.
 */
static int parse_long_option(const struct cli_verb *verb, int argc, char **argv, int *index,
			     struct cli_args *out)
{
	const char *name = argv[*index] + 2;
	size_t length = strcspn(name, "=");
	const char *value = name[length] == '=' ? name + length + 1 : NULL;
	const struct option_spec *spec = find_option(verb, name, length);

	if (!spec)
		return reject_option(verb, name, length);
	if (!spec->takes_value && value)
		return cli_usage_error(verb, "--%s takes no value", spec->name);
	if (spec->flag == CLI_OPTION_CONNECTION)
		out->connection_argv[out->connection_argc++] = argv[*index];
	if (spec->takes_value && !value) {
		if (*index + 1 >= argc)
			return cli_usage_error(verb, "--%s needs a value", spec->name);
		value = argv[++*index];
		if (spec->flag == CLI_OPTION_CONNECTION)
			out->connection_argv[out->connection_argc++] = argv[*index];
	}
	return spec->flag == CLI_OPTION_CONNECTION ? -1 : store_option(verb, spec, value, out);
}

static int parse_argument(const struct cli_verb *verb, int argc, char **argv, int *index,
			  bool *options_ended, struct cli_args *out)
{
	const char *arg = argv[*index];

	if (*options_ended || arg[0] != '-' || arg[1] == '\0')
		return parse_id(verb, arg, out);
	if (strcmp(arg, "--") == 0) {
		*options_ended = true;
		return -1;
	}
	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
		fputs(verb->usage, stdout);
		return CLI_EXIT_DONE;
	}
	if (strncmp(arg, "--", 2) != 0)
		return cli_usage_error(verb, "unknown option %s", arg);
	return parse_long_option(verb, argc, argv, index, out);
}

int cli_args_parse(const struct cli_verb *verb, int argc, char **argv, struct cli_args *out)
{
	static char program_name[] = "gatehouse";
	bool options_ended = false;
	int status = -1;

	memset(out, 0, sizeof *out);
	/* Room for "gatehouse", every argument and the final NULL. */
	out->connection_argv = xcalloc((size_t)argc + 2, sizeof *out->connection_argv);
	out->connection_argv[out->connection_argc++] = program_name;
	for (int i = 1; i < argc && status < 0; i++)
		status = parse_argument(verb, argc, argv, &i, &options_ended, out);
	if (status >= 0)
		cli_args_free(out);
	return status;
}

void cli_args_free(struct cli_args *args)
{
	free(args->connection_argv);
	memset(args, 0, sizeof *args);
}

struct cli_broker *cli_args_connect(const struct cli_args *args)
{
	struct console_options options;
	struct cli_broker *broker;

	if (console_options_parse(args->connection_argc, args->connection_argv, &options) >= 0)
		return NULL;
	broker = cli_broker_open(&options);
	console_options_free(&options);
	return broker;
}
