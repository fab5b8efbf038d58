/*
 * The administrative subcommands: option parsing, help, and what they share for
 * printing. Everything a subcommand prints passes through admin_shown, because
 * ids, names and labels come from anyone who can write to the database.
 */

#include "broker/admin_cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/admin_cli_internal.h"
#include "common/alloc.h"
#include "common/strbuf.h"

/* Each option's short code, used in the commands' lists of the options they accept. */
static const struct option long_options[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "principal", required_argument, NULL, 'p' },
	{ "id", required_argument, NULL, 'i' },
	{ "label", required_argument, NULL, 'l' },
	{ "name", required_argument, NULL, 'n' },
	{ "roles", required_argument, NULL, 'r' },
	{ "groups", required_argument, NULL, 'G' },
	{ "group", required_argument, NULL, 'g' },
	{ "approvals", required_argument, NULL, 'a' },
	{ "max-duration", required_argument, NULL, 'm' },
	{ NULL, 0, NULL, 0 },
};

static const struct command {
	const char *noun, *verb;
	const char *accepted;    /* the short codes of the options it takes */
	const char *usage;
	int (*run)(const struct admin_options *o);
} commands[] = {
	{ "token", "create", "dpl", "token create --db FILE --principal ID [--label TEXT]\n"
	  "  Print a new bearer token for the principal. Only its SHA-256 is stored.\n",
	  admin_token_create },
	{ "token", "list", "dp", "token list --db FILE [--principal ID]\n"
	  "  List the tokens (all, or one principal's): an id (the first 12 hex digits of\n"
	  "  the token's SHA-256), when it was made, its principal and its label.\n",
	  admin_token_list },
	{ "token", "revoke", "dip", "token revoke --db FILE (--id HASHPREFIX | --principal ID)\n"
	  "  Delete the token whose id starts with HASHPREFIX, or every token of a principal.\n"
	  "  A running broker rejects it with 401 from the next request on.\n",
	  admin_token_revoke },
	{ "principal", "add", "dirGn",
	  "principal add --db FILE --id ID --roles LIST [--groups LIST] [--name TEXT]\n"
	  "  Add a principal. LIST is comma-separated; roles are requester, approver, admin\n"
	  "  and auditor. Fails when the id exists: change it with principal set.\n",
	  admin_principal_add },
	{ "principal", "set", "dirGn",
	  "principal set --db FILE --id ID [--roles LIST] [--groups LIST] [--name TEXT]\n"
	  "  Change an existing principal: only the options given change (--groups \"\"\n"
	  "  removes every group).\n",
	  admin_principal_set },
	{ "principal", "list", "d", "principal list --db FILE\n"
	  "  List the principals with their roles, groups and names.\n",
	  admin_principal_list },
	{ "resource", "set", "digam",
	  "resource set --db FILE --id ID [--group GROUP] [--approvals N] [--max-duration DURATION]\n"
	  "  Add or change a resource's route: the group whose approvers decide its requests\n"
	  "  (required for a new resource), the approvals needed (0 to 10, default 1) and the\n"
	  "  longest grant (at least 60s, default 8h). Options not given keep their values.\n",
	  admin_resource_set },
	{ "resource", "list", "d", "resource list --db FILE\n"
	  "  List the resources with their group, approvals and longest grant.\n",
	  admin_resource_list },
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

/* Escaped copies handed out by admin_shown, freed when the command ends. */
static struct {
	char **texts;
	size_t count;
} shown;

/* The length of the UTF-8 sequence at p, whose first byte is 0x80 or more; 0 when it is invalid. */
static size_t utf8_length(const unsigned char *p, unsigned *code_point)
{
	size_t n;
	unsigned cp;

	if (p[0] >= 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
	} else if (p[0] >= 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xc2) {
		n = 2;
		cp = p[0] & 0x1f;
	} else {
		return 0;
	}
	if (p[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*code_point = cp;
	return n;
}

static bool is_hidden_code_point(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

const char *admin_shown(const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(text ? text : "");

	while (*p) {
		unsigned cp = 0;
		size_t n = *p >= 0x80 ? utf8_length(p, &cp) : 1;
		if (n == 0 || *p < 0x20 || *p == 0x7f) {
			strbuf_printf(&sb, "\\x%02x", *p);
			p++;
		} else if (n > 1 && is_hidden_code_point(cp)) {
			strbuf_printf(&sb, "<U+%04X>", cp);
			p += n;
		} else {
			strbuf_append(&sb, p, n);
			p += n;
		}
	}
	shown.texts = xreallocarray(shown.texts, shown.count + 1, sizeof *shown.texts);
	shown.texts[shown.count] = strbuf_detach(&sb);
	return shown.texts[shown.count++];
}

static void forget_shown(void)
{
	for (size_t i = 0; i < shown.count; i++)
		free(shown.texts[i]);
	free(shown.texts);
	shown.texts = NULL;
	shown.count = 0;
}

static void print_prefixed(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "gatehoused: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void admin_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_prefixed("", fmt, ap);
	va_end(ap);
}

void admin_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_prefixed("warning: ", fmt, ap);
	va_end(ap);
}

struct store *admin_open_store(const char *path)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof err);

	if (!s)
		admin_error("%s", admin_shown(err));
	return s;
}

void admin_table_init(struct admin_table *t, const char *const *header, size_t columns)
{
	memset(t, 0, sizeof *t);
	t->columns = columns;
	admin_table_add(t, header);
}

void admin_table_add(struct admin_table *t, const char *const *row)
{
	if (t->count + t->columns > t->capacity) {
		t->capacity = t->capacity ? t->capacity * 2 : 8 * t->columns;
		t->cells = xreallocarray(t->cells, t->capacity, sizeof *t->cells);
	}
	for (size_t i = 0; i < t->columns; i++)
		t->cells[t->count++] = admin_shown(row[i]);
}

void admin_table_print(const struct admin_table *t)
{
	size_t *widths = xcalloc(t->columns, sizeof *widths);

	for (size_t i = 0; i < t->count; i++) {
		size_t length = strlen(t->cells[i]);
		if (length > widths[i % t->columns])
			widths[i % t->columns] = length;
	}
	for (size_t i = 0; i < t->count; i++) {
		size_t column = i % t->columns;
		if (column + 1 < t->columns)
			printf("%-*s  ", (int)widths[column], t->cells[i]);
		else
			printf("%s\n", t->cells[i]);
	}
	free(widths);
}

void admin_table_free(struct admin_table *t)
{
	free(t->cells);
	memset(t, 0, sizeof *t);
}

static const char *option_name(int code)
{
	for (const struct option *o = long_options; o->name; o++)
		if (o->val == code)
			return o->name;
	return "?";
}

static bool parse_options(const struct command *command, int argc, char **argv,
			  struct admin_options *o)
{
	int c;

	memset(o, 0, sizeof *o);
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (c == '?')
			return false;
		if (!strchr(command->accepted, c)) {
			admin_error("%s %s does not take --%s; see gatehoused %s %s --help", command->noun,
				    command->verb, option_name(c), command->noun, command->verb);
			return false;
		}
		switch (c) {
		case 'd': o->db = optarg; break;
		case 'p': o->principal = optarg; break;
		case 'i': o->id = optarg; break;
		case 'l': o->label = optarg; break;
		case 'n': o->name = optarg; break;
		case 'r': o->roles = optarg; break;
		case 'G': o->groups = optarg; break;
		case 'g': o->group = optarg; break;
		case 'a': o->approvals = optarg; break;
		case 'm': o->max_duration = optarg; break;
		}
	}
	if (optind != argc) {
		admin_error("unexpected argument \"%s\"; see gatehoused %s %s --help",
			    admin_shown(argv[optind]), command->noun, command->verb);
		return false;
	}
	if (!o->db) {
		admin_error("--db FILE is required; see gatehoused %s %s --help", command->noun,
			    command->verb);
		return false;
	}
	return true;
}

static bool asks_for_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* Print the usage of every command of noun. */
static void print_usages(FILE *f, const char *noun)
{
	fputs("usage:\n", f);
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(commands[i].noun, noun) == 0)
			fprintf(f, "gatehoused %s", commands[i].usage);
}

static int run_command(const struct command *command, int argc, char **argv)
{
	struct admin_options o;

	if (asks_for_help(argc, argv)) {
		printf("usage: gatehoused %s", command->usage);
		return 0;
	}
	if (!parse_options(command, argc, argv, &o))
		return 2;
	return command->run(&o);
}

int admin_cli_matches(int argc, char **argv)
{
	return argc >= 2 && (strcmp(argv[1], "token") == 0 || strcmp(argv[1], "principal") == 0 ||
			     strcmp(argv[1], "resource") == 0);
}

int admin_cli_run(int argc, char **argv)
{
	const char *verb = argc > 2 ? argv[2] : NULL;
	int status;

	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		if (verb && strcmp(argv[1], commands[i].noun) == 0 &&
		    strcmp(verb, commands[i].verb) == 0) {
			status = run_command(&commands[i], argc - 2, argv + 2);
			forget_shown();
			return status;
		}
	}
	if (verb && (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)) {
		print_usages(stdout, argv[1]);
		return 0;
	}
	if (verb)
		admin_error("unknown command \"%s %s\"; see gatehoused %s --help", argv[1],
			    admin_shown(verb), argv[1]);
	else
		admin_error("unknown command \"%s\"; see gatehoused %s --help", argv[1], argv[1]);
	forget_shown();
	return 2;
}
