#include "broker/admin_cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/store.h"
#include "common/alloc.h"
#include "common/crypto.h"
#include "common/timeutil.h"

struct admin_options {
	const char *db;
	const char *principal;
	const char *id;
	const char *label;
	const char *name;
	const char *roles;
	const char *groups;
	const char *group;
	const char *approvals;
	const char *max_duration;
};

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

static bool parse_options(int argc, char **argv, struct admin_options *o)
{
	int c;

	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
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
		default: return false;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "gatehoused: unexpected argument \"%s\"\n", argv[optind]);
		return false;
	}
	if (!o->db) {
		fprintf(stderr, "gatehoused: --db FILE is required\n");
		return false;
	}
	return true;
}

static struct store *open_store(const char *path)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof err);

	if (!s)
		fprintf(stderr, "gatehoused: %s\n", err);
	return s;
}

static int token_create(const struct admin_options *o)
{
	char token[64], hash[SHA256_HEX_LEN];
	struct principal p = { 0 };
	struct store *s;
	int status = 1;

	if (!o->principal) {
		fprintf(stderr, "gatehoused: token create needs --principal ID\n");
		return 2;
	}
	if (!(s = open_store(o->db)))
		return 1;
	if (store_get_principal(s, o->principal, &p) != STORE_OK) {
		fprintf(stderr, "gatehoused: principal \"%s\" not found; add it with "
			"\"gatehoused principal add\"\n", o->principal);
	} else if (!token_generate(token, sizeof token)) {
		fprintf(stderr, "gatehoused: the system's random source failed\n");
	} else {
		sha256_hex(token, strlen(token), hash);
		if (store_add_token(s, o->principal, hash, o->label ? o->label : "cli", time_now()) == STORE_OK) {
			printf("%s\n", token);
			status = 0;
		} else {
			fprintf(stderr, "gatehoused: saving the token failed: %s\n", store_last_error(s));
		}
		secret_wipe(token, sizeof token);
	}
	if (p.id)
		principal_free(&p);
	store_close(s);
	return status;
}

/* Split a comma-separated list into a new array of strings. */
static char **split_list(const char *text, size_t *count)
{
	char **items = NULL;
	const char *p = text;

	*count = 0;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		if (n > 0) {
			items = xreallocarray(items, *count + 1, sizeof *items);
			items[(*count)++] = xstrndup(p, n);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return items;
}

static int principal_add(const struct admin_options *o)
{
	struct principal p = { 0 };
	struct store *s;
	int status = 1;

	if (!o->id || !*o->id || !o->roles) {
		fprintf(stderr, "gatehoused: principal add needs a non-empty --id ID and --roles LIST\n");
		return 2;
	}
	if (!roles_parse(o->roles, &p.roles) || p.roles == 0) {
		fprintf(stderr, "gatehoused: invalid --roles \"%s\": use requester, approver, admin "
			"and auditor, separated by commas\n", o->roles);
		return 2;
	}
	if (!(s = open_store(o->db)))
		return 1;
	p.id = xstrdup(o->id);
	p.display_name = xstrdup(o->name ? o->name : o->id);
	p.groups = split_list(o->groups, &p.group_count);
	if (store_begin_write(s) == STORE_OK && store_put_principal(s, &p) == STORE_OK &&
	    store_commit(s) == STORE_OK) {
		printf("principal %s saved\n", p.id);
		status = 0;
	} else {
		fprintf(stderr, "gatehoused: saving the principal failed: %s\n", store_last_error(s));
	}
	principal_free(&p);
	store_close(s);
	return status;
}

static int resource_set(const struct admin_options *o)
{
	struct resource_route route = { 0 };
	struct store *s;
	char *end = NULL;
	int status = 1;

	if (!o->id || !*o->id || !o->group || !*o->group) {
		fprintf(stderr, "gatehoused: resource set needs a non-empty --id ID and --group GROUP\n");
		return 2;
	}
	route.approvals_needed = o->approvals ? (int)strtol(o->approvals, &end, 10) : 1;
	if ((end && *end) || route.approvals_needed < 0 || route.approvals_needed > 10) {
		fprintf(stderr, "gatehoused: --approvals must be a whole number from 0 to 10\n");
		return 2;
	}
	route.max_duration_seconds = 8 * 3600;
	if (o->max_duration && (!duration_parse(o->max_duration, &route.max_duration_seconds) ||
				route.max_duration_seconds < 60)) {
		fprintf(stderr, "gatehoused: --max-duration must be a duration of at least 60s, "
			"such as 30m, 4h or 1d\n");
		return 2;
	}
	if (!(s = open_store(o->db)))
		return 1;
	route.id = (char *)o->id;
	route.owner_group = (char *)o->group;
	if (store_put_route(s, &route) == STORE_OK) {
		printf("resource %s: group %s, %d approvals, at most %llds\n", route.id,
		       route.owner_group, route.approvals_needed, (long long)route.max_duration_seconds);
		status = 0;
	} else {
		fprintf(stderr, "gatehoused: saving the route failed: %s\n", store_last_error(s));
	}
	store_close(s);
	return status;
}

static const struct {
	const char *noun, *verb;
	int (*run)(const struct admin_options *o);
} commands[] = {
	{ "token", "create", token_create },
	{ "principal", "add", principal_add },
	{ "resource", "set", resource_set },
};

int admin_cli_matches(int argc, char **argv)
{
	return argc >= 2 && (strcmp(argv[1], "token") == 0 || strcmp(argv[1], "principal") == 0 ||
			     strcmp(argv[1], "resource") == 0);
}

int admin_cli_run(int argc, char **argv)
{
	struct admin_options o;

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (argc < 3 || strcmp(argv[1], commands[i].noun) != 0 ||
		    strcmp(argv[2], commands[i].verb) != 0)
			continue;
		if (!parse_options(argc - 2, argv + 2, &o))
			return 2;
		return commands[i].run(&o);
	}
	fprintf(stderr, "gatehoused: unknown command \"%s %s\"; see gatehoused --help\n", argv[1],
		argc > 2 ? argv[2] : "");
	return 2;
}
