#include "console/cli_policy.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"
#include "cache/policy.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/cli_error.h"
#include "console/cli_http.h"
#include "console/options.h"
#include "policy/policy.h"
#include "policy/simulate.h"

/* A policy file larger than this is rejected: the broker takes bodies of 64 KiB at most. */
#define POLICY_FILE_MAX (1024 * 1024)
#define TEXT_CHANGED_LIMIT 20
#define ATTRIBUTES_MAX 256

static const char policy_usage[] =
	"usage: gatehouse policy lint [--attributes LIST] FILE\n"
	"       gatehouse policy decide [--at TIME] FILE [ATTRIBUTE=VALUE...]\n"
	"\n"
	"lint     Check a policy file. Each problem is printed on stderr as\n"
	"         FILE:LINE:COLUMN: message. Exits 0 when there is no error (warnings\n"
	"         are printed but do not fail), 1 when there is one, 2 on bad usage.\n"
	"         --attributes LIST  the attributes that requests have, comma-separated;\n"
	"                            requester.* accepts every requester attribute.\n"
	"                            Without it, attribute names are not checked.\n"
	"decide   Decide one request with the policy and explain the decision.\n"
	"         Repeat ATTRIBUTE=VALUE to give an attribute several values.\n"
	"         --at TIME  when the request was made, in RFC 3339\n"
	"                    (2026-03-30T08:30:00Z); the current time by default\n"
	"\n"
	"docs/POLICY.md describes the language.\n";

static const char simulate_usage[] =
	"usage: gatehouse simulate --proposed FILE --current FILE --history FILE [--json]\n"
	"                          [--changed-limit N]\n"
	"       gatehouse simulate --proposed FILE --history FILE [--json] [--changed-limit N]\n"
	"                          [connection options]\n"
	"\n"
	"Replay past requests through the current and the proposed policy and count\n"
	"what would change: the outcome matrix, risk, friction, the requests each rule\n"
	"decides, and the projected mean time to access.\n"
	"\n"
	"options:\n"
	"  --proposed FILE     the policy to try\n"
	"  --current FILE      the policy in force now; without it, the broker's active\n"
	"                      policy (GET /v1/policy), found with the connection options\n"
	"  --history FILE      past requests: the access-history CSV format of\n"
	"                      data/amazon_train.csv, or JSON lines of requests as the\n"
	"                      broker's API writes them\n"
	"  --json              print one JSON object instead of text\n"
	"  --changed-limit N   list at most N changed requests (default: 20 as text,\n"
	"                      all with --json)\n"
	"\n"
	"connection options, read as the console reads them (see gatehouse --help), and\n"
	"used only without --current:\n"
	"  --url URL, --token-file FILE, --ca-file FILE, --insecure, --insecure-http,\n"
	"  --config FILE, --broker NAME, or GATEHOUSE_URL, GATEHOUSE_TOKEN_FILE and\n"
	"  GATEHOUSE_TOKEN\n"
	"\n"
	"Exits 0 after a simulation, 1 when a policy has errors, a file cannot be read\n"
	"or the broker's policy cannot be fetched, and 2 on bad usage. docs/POLICY.md\n"
	"defines every figure.\n";

/* Reject long options that are not spelled out in full, as the console's own options do. */
static bool options_exact(int argc, char **argv, const struct option *options, const char *command)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		size_t length = strcspn(argv[i] + 2, "=");
		bool known = false;

		for (const struct option *o = options; o->name; o++)
			if (strlen(o->name) == length && strncmp(o->name, argv[i] + 2, length) == 0)
				known = true;
		if (!known) {
			cli_print_error("gatehouse %s: unknown option --%.*s; see --help", command,
				(int)length, argv[i] + 2);
			return false;
		}
	}
	return true;
}

/* Read a whole file of at most limit bytes; NULL after printing why. */
static char *read_file(const char *command, const char *path, size_t limit, size_t *length)
{
	FILE *f = fopen(path, "rb");
	struct strbuf text = STRBUF_INIT;
	char chunk[16384];
	size_t n;

	if (!f) {
		cli_print_error("gatehouse %s: cannot open %s: %s", command, path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len <= limit)
		strbuf_append(&text, chunk, n);
	bool failed = ferror(f);

	fclose(f);
	if (failed || text.len > limit) {
		if (failed)
			cli_print_error("gatehouse %s: reading %s failed", command, path);
		else
			cli_print_error("gatehouse %s: %s is larger than %zu bytes", command, path, limit);
		strbuf_free(&text);
		return NULL;
	}
	*length = text.len;
	return strbuf_detach(&text);
}

static void print_diagnostics(const struct policy_diagnostics *diagnostics)
{
	struct strbuf lines = STRBUF_INIT;

	policy_diagnostics_format(diagnostics, &lines);
	/* A message may quote the policy file, so each line goes out sanitized. */
	for (const char *line = strbuf_str(&lines); *line;) {
		size_t length = strcspn(line, "\n");
		cli_print_error("%.*s", (int)length, line);
		line += length + (line[length] == '\n');
	}
	strbuf_free(&lines);
}

/* Parse and lint a policy's text; NULL after printing its errors. Warnings are printed too. */
static struct policy *load_policy(const char *name, const char *text, size_t length,
				  const struct policy_schema *known,
				  const struct policy_history *history)
{
	struct policy_diagnostics diagnostics;
	struct policy *policy;

	policy_diagnostics_init(&diagnostics, name);
	policy = policy_parse(text, length, &diagnostics);
	if (policy && policy_lint(policy, known, &diagnostics) && history)
		policy_lint_history(policy, history, &diagnostics);
	print_diagnostics(&diagnostics);
	if (diagnostics.error_count > 0) {
		policy_free(policy);
		policy = NULL;
	}
	policy_diagnostics_free(&diagnostics);
	return policy;
}

/* ---- gatehouse policy lint ---- */

/* Split a comma-separated list of attributes into a schema; the strings point into list. */
static bool parse_attribute_list(char *list, const char **names, struct policy_schema *schema)
{
	size_t count = 0;

	for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
		if (count == ATTRIBUTES_MAX) {
			cli_print_error("gatehouse policy lint: --attributes lists more than %d names",
				ATTRIBUTES_MAX);
			return false;
		}
		names[count++] = name;
	}
	schema->attributes = names;
	schema->count = count;
	return true;
}

static int run_lint(int argc, char **argv)
{
	static const struct option options[] = {
		{ "attributes", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *names[ATTRIBUTES_MAX];
	struct policy_schema schema;
	char *attributes = NULL;
	int c;

	if (!options_exact(argc, argv, options, "policy lint"))
		return 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'a':
			attributes = optarg;
			break;
		case 'h':
			fputs(policy_usage, stdout);
			return 0;
		default:
			fputs(policy_usage, stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		cli_print_error("gatehouse policy lint: give one policy FILE; see --help");
		return 2;
	}
	if (attributes && !parse_attribute_list(attributes, names, &schema))
		return 2;

	size_t length;
	char *text = read_file("policy lint", argv[optind], POLICY_FILE_MAX, &length);

	if (!text)
		return 1;
	struct policy *policy = load_policy(argv[optind], text, length, attributes ? &schema : NULL,
					    NULL);

	free(text);
	policy_free(policy);
	return policy ? 0 : 1;
}

/* ---- gatehouse policy decide ---- */

/* Add ATTRIBUTE=VALUE arguments to a request; false after printing what is wrong. */
static bool add_arguments(struct policy_request *request, const struct policy *policy, int argc,
			  char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *equals = strchr(argv[i], '=');

		if (!equals) {
			cli_print_error("gatehouse policy decide: \"%s\" is not ATTRIBUTE=VALUE", argv[i]);
			return false;
		}
		char *name = xstrndup(argv[i], (size_t)(equals - argv[i]));

		if (policy_attribute_index(policy, name) < 0)
			cli_print_error("gatehouse policy decide: note: no condition reads %s", name);
		policy_request_add_named(request, name, equals + 1);
		free(name);
	}
	return true;
}

static int decide(const struct policy *policy, int64_t at, int argc, char **argv)
{
	struct policy_request *request = policy_request_new(policy);
	struct policy_decision decision;
	struct strbuf explanation = STRBUF_INIT;
	int status = 2;

	if (add_arguments(request, policy, argc, argv)) {
		policy_request_set_time(request, at);
		policy_decide(request, &decision);
		policy_explain(policy, &decision, &explanation);
		fputs(strbuf_str(&explanation), stdout);
		status = 0;
	}
	strbuf_free(&explanation);
	policy_request_free(request);
	return status;
}

static int run_decide(int argc, char **argv)
{
	static const struct option options[] = {
		{ "at", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t at = time_now();
	int c;

	if (!options_exact(argc, argv, options, "policy decide"))
		return 2;
	optind = 1;
	/* "+" stops at the first operand, so that a VALUE starting with "-" stays one. */
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!time_parse_rfc3339(optarg, &at)) {
				cli_print_error("gatehouse policy decide: invalid --at \"%s\": give an "
					"RFC 3339 time such as 2026-03-30T08:30:00Z", optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(policy_usage, stdout);
			return 0;
		default:
			fputs(policy_usage, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		cli_print_error("gatehouse policy decide: give a policy FILE; see --help");
		return 2;
	}

	size_t length;
	char *text = read_file("policy decide", argv[optind], POLICY_FILE_MAX, &length);

	if (!text)
		return 1;
	struct policy *policy = load_policy(argv[optind], text, length, NULL, NULL);
	int status = policy ? decide(policy, at, argc - optind - 1, argv + optind + 1) : 1;

	free(text);
	policy_free(policy);
	return status;
}

int cli_policy_run(int argc, char **argv)
{
	if (argc < 2) {
		fputs(policy_usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(policy_usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "lint") == 0)
		return run_lint(argc - 1, argv + 1);
	if (strcmp(argv[1], "decide") == 0)
		return run_decide(argc - 1, argv + 1);
	cli_print_error("gatehouse policy: unknown command \"%s\"; use lint or decide (see --help)",
		argv[1]);
	return 2;
}

/* ---- gatehouse simulate ---- */

static void print_text(const struct cli_simulate_options *options, const char *current_name,
		       const struct policy *current, const struct policy *proposed,
		       const struct policy_history *history, const struct policy_simulation *simulation)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_printf(&out, "history: %s, %zu requests%s\n", options->history_path,
		      policy_history_count(history),
		      policy_history_has_times(history) ? "" : ", none with a time");
	strbuf_printf(&out, "current policy: %s (%zu rule%s); proposed policy: %s (%zu rule%s)\n\n",
		      current_name, policy_rule_count(current), policy_rule_count(current) == 1 ? "" : "s",
		      options->proposed_path, policy_rule_count(proposed),
		      policy_rule_count(proposed) == 1 ? "" : "s");
	policy_simulation_format(simulation, current, proposed, history,
				 options->changed_limit == SIZE_MAX ? TEXT_CHANGED_LIMIT
								    : options->changed_limit,
				 &out);
	fputs(strbuf_str(&out), stdout);
	strbuf_free(&out);
}

static void print_json(const struct cli_simulate_options *options, const struct policy *current,
		       const struct policy *proposed, const struct policy_history *history,
		       const struct policy_simulation *simulation)
{
	json_t *j = policy_simulation_to_json(simulation, current, proposed, history,
					      options->changed_limit);

	json_dumpf(j, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(j);
}

static int simulate(const struct cli_simulate_options *options, const char *current_name,
		    const struct policy *current, const struct policy *proposed,
		    const struct policy_history *history)
{
	struct policy_simulation simulation;

	policy_simulate(current, proposed, history, &simulation);
	if (options->json)
		print_json(options, current, proposed, history, &simulation);
	else
		print_text(options, current_name, current, proposed, history, &simulation);
	policy_simulation_free(&simulation);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_print_error("gatehouse simulate: writing the output failed: %s", strerror(errno));
		return 1;
	}
	return 0;
}

int cli_simulate_with_current(const struct cli_simulate_options *options, const char *current_name,
			      const char *current_text, size_t current_length)
{
	struct policy_history *history = policy_history_new();
	struct policy *current = NULL, *proposed = NULL;
	char err[1024];
	char *proposed_text = NULL;
	size_t proposed_length = 0;
	int status = 1;

	if (!policy_history_read_file(history, options->history_path, err, sizeof err)) {
		cli_print_error("gatehouse simulate: %s", err);
		goto done;
	}
	proposed_text = read_file("simulate", options->proposed_path, POLICY_FILE_MAX, &proposed_length);
	if (!proposed_text)
		goto done;
	current = load_policy(current_name, current_text, current_length, NULL, history);
	proposed = load_policy(options->proposed_path, proposed_text, proposed_length, NULL, history);
	if (current && proposed)
		status = simulate(options, current_name, current, proposed, history);
done:
	free(proposed_text);
	policy_free(current);
	policy_free(proposed);
	policy_history_free(history);
	return status;
}

static bool parse_limit(const char *text, size_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-')
		return false;
	*out = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
	return true;
}

static int parse_simulate_options(int argc, char **argv, struct cli_simulate_options *o)
{
	static const struct option options[] = {
		{ "proposed", required_argument, NULL, 'p' },
		{ "current", required_argument, NULL, 'c' },
		{ "history", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "changed-limit", required_argument, NULL, 'l' },
		{ "url", required_argument, NULL, 'U' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "ca-file", required_argument, NULL, 'A' },
		{ "insecure", no_argument, NULL, 'I' },
		{ "insecure-http", no_argument, NULL, 'P' },
		{ "config", required_argument, NULL, 'C' },
		{ "broker", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	o->changed_limit = SIZE_MAX;
	if (!options_exact(argc, argv, options, "simulate"))
		return 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'p': o->proposed_path = optarg; break;
		case 'c': o->current_path = optarg; break;
		case 'H': o->history_path = optarg; break;
		case 'j': o->json = true; break;
		case 'l':
			if (!parse_limit(optarg, &o->changed_limit)) {
				cli_print_error("gatehouse simulate: invalid --changed-limit \"%s\": give a "
					"whole number", optarg);
				return 2;
			}
			break;
		case 'U': o->broker.url = optarg; break;
		case 'T': o->broker.token_file = optarg; break;
		case 'A': o->broker.ca_file = optarg; break;
		case 'I': o->broker.insecure_tls = true; break;
		case 'P': o->broker.insecure_http = true; break;
		case 'C': o->broker.config = optarg; break;
		case 'B': o->broker.broker = optarg; break;
		case 'h': fputs(simulate_usage, stdout); return 0;
		default: fputs(simulate_usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		cli_print_error("gatehouse simulate: unexpected argument \"%s\"; see --help", argv[optind]);
		return 2;
	}
	if (!o->proposed_path || !o->history_path) {
		cli_print_error("gatehouse simulate: give --proposed FILE and --history FILE; see --help");
		return 2;
	}
	return -1;
}

/* The connection options as an argv for console_options_parse(); returns its length. */
static int connection_argv(const struct cli_simulate_broker *b, const char *argv[16])
{
	const struct {
		const char *option;
		const char *value;
	} valued[] = {
		{ "--url", b->url }, { "--token-file", b->token_file }, { "--ca-file", b->ca_file },
		{ "--config", b->config }, { "--broker", b->broker },
	};
	int argc = 0;

	argv[argc++] = "gatehouse";
	for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++) {
		if (valued[i].value) {
			argv[argc++] = valued[i].option;
			argv[argc++] = valued[i].value;
		}
	}
	if (b->insecure_tls)
		argv[argc++] = "--insecure";
	if (b->insecure_http)
		argv[argc++] = "--insecure-http";
	argv[argc] = NULL;
	return argc;
}

/*
 * The policy the console's cache at path kept, for a broker out of reach; frees
 * path. Returns 0 with *reply as GET /v1/policy's shape, or 1.
 */
static int cached_broker_policy(char *path, json_t **reply)
{
	char err[512];
	struct cache *cache = path && access(path, R_OK) == 0 ? cache_open(path, err, sizeof err) : NULL;
	struct cached_policy policy;
	char stamp[RFC3339_LEN];

	if (!cache || cache_policy_load(cache, &policy) != CACHE_FOUND) {
		cli_print_error("gatehouse simulate: no current policy: the broker is out of reach and "
			"the console's cache %s holds none%s%s; give --current FILE", path ? path : "",
			cache ? "" : ": ", cache ? "" : (path && access(path, R_OK) == 0 ? err : "no file"));
		cache_close(cache);
		free(path);
		return 1;
	}
	free(path);
	time_format_rfc3339(policy.fetched_at, stamp);
	cli_print_error("gatehouse simulate: the broker is out of reach: using its policy version "
		"%lld as the console cached it at %s", (long long)policy.version, stamp);
	*reply = json_pack("{s:I, s:s}", "version", (json_int_t)policy.version, "source", policy.source);
	cached_policy_free(&policy);
	cache_close(cache);
	return 0;
}

/*
 * GET /v1/policy into *reply (the caller frees it), or the cached copy when the
 * broker cannot be reached. Returns 0, or the exit status after printing why: 2
 * when no broker is named, 1 when the call fails.
 */
static int fetch_broker_policy(const struct cli_simulate_broker *b, json_t **reply)
{
	const char *argv[16];
	int argc = connection_argv(b, argv);
	struct console_options connection;
	struct cli_broker *broker;
	int status;

	*reply = NULL;
	if (console_options_parse(argc, (char **)argv, &connection) >= 0) {
		cli_print_error("gatehouse simulate: no current policy: give --current FILE, or the "
			"broker whose policy to use");
		return 2;
	}
	/* The cache's name comes from the token, which opening the broker takes. */
	char *cache_path = connection.cache_path ? xstrdup(connection.cache_path)
						 : cache_default_path(connection.url, connection.token);
	broker = cli_broker_open(&connection);
	console_options_free(&connection);
	if (!broker) {
		free(cache_path);
		return 2;
	}
	status = cli_broker_get(broker, "/v1/policy", reply);
	cli_broker_close(broker);
	if (status == CLI_EXIT_UNREACHABLE)
		return cached_broker_policy(cache_path, reply);
	free(cache_path);
	return status == CLI_EXIT_DONE ? 0 : 1;
}

/* Simulate against the broker's active policy, as --current would against a file. */
static int simulate_with_broker(const struct cli_simulate_options *options)
{
	json_t *reply;
	int status = fetch_broker_policy(&options->broker, &reply);
	json_t *source = json_object_get(reply, "source");
	json_t *version = json_object_get(reply, "version");
	char name[64];

	if (status != 0)
		return status;
	if (json_is_string(source) && json_is_integer(version)) {
		snprintf(name, sizeof name, "broker-policy-v%lld", (long long)json_integer_value(version));
		status = cli_simulate_with_current(options, name, json_string_value(source),
						   json_string_length(source));
	} else {
		cli_invalid_reply("GET /v1/policy has no source or version");
		status = 1;
	}
	json_decref(reply);
	return status;
}

int cli_simulate_run(int argc, char **argv)
{
	struct cli_simulate_options options;
	int status = parse_simulate_options(argc, argv, &options);

	if (status >= 0)
		return status;
	if (!options.current_path)
		return simulate_with_broker(&options);

	size_t length;
	char *text = read_file("simulate", options.current_path, POLICY_FILE_MAX, &length);

	if (!text)
		return 1;
	status = cli_simulate_with_current(&options, options.current_path, text, length);
	free(text);
	return status;
}
