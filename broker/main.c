/* gatehoused: the Gatehouse access broker. */

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/admin_cli.h"
#include "broker/broker.h"
#include "broker/demo.h"
#include "broker/http_server.h"
#include "broker/reaper.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/version.h"

static const char usage[] =
	"usage: gatehoused --db FILE [options]\n"
	"       gatehoused token create --db FILE --principal ID [--label TEXT]\n"
	"       gatehoused token list --db FILE [--principal ID]\n"
	"       gatehoused token revoke --db FILE (--id HASHPREFIX | --principal ID)\n"
	"       gatehoused principal add --db FILE --id ID --roles LIST [--groups LIST] [--name TEXT]\n"
	"       gatehoused principal set --db FILE --id ID [--roles LIST] [--groups LIST] [--name TEXT]\n"
	"       gatehoused principal list --db FILE\n"
	"       gatehoused resource set --db FILE --id ID [--group GROUP] [--approvals N]\n"
	"                               [--max-duration DURATION]\n"
	"       gatehoused resource list --db FILE\n"
	"       gatehoused NOUN VERB --help   (the usage of one command)\n"
	"\n"
	"The Gatehouse broker: serves the access-request API (docs/API.md) from one\n"
	"SQLite database, and expires requests and grants on time.\n"
	"\n"
	"options:\n"
	"  --db FILE              the SQLite database; created (mode 0600) when missing\n"
	"  --listen HOST:PORT     address to serve on (default 127.0.0.1:8080; port 0 picks a free one)\n"
	"  --port-file FILE       write the bound port to FILE once listening\n"
	"  --data-dir DIR         where the broker writes its own files (default: the folder of --db)\n"
	"  --demo                 seed an empty database from the demo history, write\n"
	"                         DIR/demo-tokens.json, and keep adding pending requests\n"
	"  --history FILE         the demo history CSV (default: data/amazon_train.csv)\n"
	"  --demo-trickle DURATION  time between new demo requests (default 20s; 0 stops them)\n"
	"  --pending-ttl DURATION how long a request may wait for a decision (default 24h)\n"
	"  --event-retention N    how many change-feed events to keep (default 100000)\n"
	"  --page-cache MIB       memory for cached pages of request and grant listings,\n"
	"                         in MiB (default 8; 0 turns the cache off)\n"
	"  --tls-cert FILE        serve HTTPS with this PEM certificate (needs --tls-key)\n"
	"  --tls-key FILE         the PEM private key for --tls-cert\n"
	"  --insecure-http        allow plain HTTP on an address other than loopback\n"
	"  --max-connections-per-ip N  open connections one client address may hold\n"
	"                         (default 64; 0 for no limit; the server takes 256 in all)\n"
	"  --idle-timeout DURATION  close a connection after this long without a request\n"
	"                         in progress (default 30s)\n"
	"  --max-long-polls N     long polls (GET /v1/events with wait) one principal may\n"
	"                         hold open; beyond them wait counts as 0 (default 8)\n"
	"  --quiet                do not log each request\n"
	"  --help, --version\n"
	"\n"
	"DURATION is seconds, or a number with s, m, h or d (90s, 15m, 4h, 1d).\n";

enum {
	OPT_DB = 256, OPT_LISTEN, OPT_PORT_FILE, OPT_DATA_DIR, OPT_DEMO, OPT_HISTORY,
	OPT_TRICKLE, OPT_PENDING_TTL, OPT_RETENTION, OPT_TLS_CERT, OPT_TLS_KEY, OPT_INSECURE,
	OPT_QUIET, OPT_PAGE_CACHE, OPT_MAX_PER_IP, OPT_IDLE_TIMEOUT, OPT_MAX_LONG_POLLS, OPT_HELP,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
	{ "demo", no_argument, NULL, OPT_DEMO },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "demo-trickle", required_argument, NULL, OPT_TRICKLE },
	{ "pending-ttl", required_argument, NULL, OPT_PENDING_TTL },
	{ "event-retention", required_argument, NULL, OPT_RETENTION },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "insecure-http", no_argument, NULL, OPT_INSECURE },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "page-cache", required_argument, NULL, OPT_PAGE_CACHE },
	{ "max-connections-per-ip", required_argument, NULL, OPT_MAX_PER_IP },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "max-long-polls", required_argument, NULL, OPT_MAX_LONG_POLLS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static bool parse_duration_option(const char *name, const char *value, int64_t min, int64_t *out)
{
	if (duration_parse(value, out) && *out >= min)
		return true;
	fprintf(stderr, "gatehoused: invalid %s \"%s\": give a duration of at least %llds, "
		"such as 90s, 15m or 4h\n", name, value, (long long)min);
	return false;
}

/* The largest --page-cache: far above any useful size, and small enough not to overflow. */
#define PAGE_CACHE_MAX_MIB 65536

static bool parse_page_cache_option(const char *value, size_t *bytes)
{
	char *end;
	long long mib = strtoll(value, &end, 10);

	if (end == value || *end || mib < 0 || mib > PAGE_CACHE_MAX_MIB) {
		fprintf(stderr, "gatehoused: invalid --page-cache \"%s\": give a whole number of MiB "
			"from 0 to %d\n", value, PAGE_CACHE_MAX_MIB);
		return false;
	}
	*bytes = (size_t)mib * 1024 * 1024;
	return true;
}

/* The largest --max-connections-per-ip and --max-long-polls: the server's own connection limit. */
#define CONNECTION_COUNT_MAX 256

static bool parse_count_option(const char *name, const char *value, int *out)
{
	char *end;
	long long n = strtoll(value, &end, 10);

	if (end == value || *end || n < 0 || n > CONNECTION_COUNT_MAX) {
		fprintf(stderr, "gatehoused: invalid %s \"%s\": give a whole number from 0 to %d\n",
			name, value, CONNECTION_COUNT_MAX);
		return false;
	}
	*out = (int)n;
	return true;
}

/* Parse the serve options; returns -1 to go on, else an exit status. */
static int parse_serve_options(int argc, char **argv, struct broker_config *config,
			       char *data_dir, size_t data_dir_size)
{
	char *end;
	int c, count;

	broker_config_defaults(config);
	config->data_dir = NULL;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_DB: config->db_path = optarg; break;
		case OPT_LISTEN: config->listen = optarg; break;
		case OPT_PORT_FILE: config->port_file = optarg; break;
		case OPT_DATA_DIR: config->data_dir = optarg; break;
		case OPT_DEMO: config->demo = true; break;
		case OPT_HISTORY: config->history_path = optarg; break;
		case OPT_TLS_CERT: config->tls_cert_path = optarg; break;
		case OPT_TLS_KEY: config->tls_key_path = optarg; break;
		case OPT_INSECURE: config->insecure_http = true; break;
		case OPT_QUIET: config->quiet = true; break;
		case OPT_TRICKLE:
			if (!parse_duration_option("--demo-trickle", optarg, 0, &config->demo_trickle))
				return 2;
			break;
		case OPT_PENDING_TTL:
			if (!parse_duration_option("--pending-ttl", optarg, 1, &config->pending_ttl))
				return 2;
			break;
		case OPT_RETENTION:
			config->event_retention = strtoll(optarg, &end, 10);
			if (*end || config->event_retention < 1) {
				fprintf(stderr, "gatehoused: --event-retention must be a whole number of at least 1\n");
				return 2;
			}
			break;
		case OPT_PAGE_CACHE:
			if (!parse_page_cache_option(optarg, &config->page_cache_bytes))
				return 2;
			break;
		case OPT_MAX_PER_IP:
			if (!parse_count_option("--max-connections-per-ip", optarg, &count))
				return 2;
			config->max_connections_per_ip = (unsigned)count;
			break;
		case OPT_IDLE_TIMEOUT:
			if (!parse_duration_option("--idle-timeout", optarg, 1, &config->idle_timeout))
				return 2;
			break;
		case OPT_MAX_LONG_POLLS:
			if (!parse_count_option("--max-long-polls", optarg, &config->max_long_polls))
				return 2;
			break;
		case 'h':
		case OPT_HELP: fputs(usage, stdout); return 0;
		case OPT_VERSION: printf("gatehoused %s\n", GATEHOUSE_VERSION); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "gatehoused: unexpected argument \"%s\"; see --help\n", argv[optind]);
		return 2;
	}
	if (!config->db_path) {
		fprintf(stderr, "gatehoused: --db FILE is required; see --help\n");
		return 2;
	}
	if (!config->data_dir) {
		const char *slash = strrchr(config->db_path, '/');
		if (slash)
			snprintf(data_dir, data_dir_size, "%.*s", (int)(slash - config->db_path),
				 slash == config->db_path ? "/" : config->db_path);
		else
			snprintf(data_dir, data_dir_size, ".");
		config->data_dir = data_dir;
	}
	return -1;
}

static bool write_port_file(const char *path, unsigned port)
{
	char temporary[PATH_MAX];
	FILE *f;

	snprintf(temporary, sizeof temporary, "%s.tmp", path);
	f = fopen(temporary, "we");
	if (!f)
		return false;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		return false;
	return rename(temporary, path) == 0; /* readers never see a half-written port */
}

/* Block the termination signals in every thread; the main thread waits for them with sigwait. */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int serve(struct broker_config *config)
{
	struct broker broker;
	struct http_server *server;
	struct reaper *reaper;
	struct demo_trickle *trickle = NULL;
	char err[1024];
	sigset_t signals;
	int signal_number = 0;

	block_signals(&signals);
	if (!broker_init(&broker, config, err, sizeof err)) {
		fprintf(stderr, "gatehoused: %s\n", err);
		return 1;
	}
	if (config->demo && !demo_prepare(&broker, err, sizeof err)) {
		fprintf(stderr, "gatehoused: %s\n", err);
		broker_destroy(&broker);
		return 1;
	}
	reaper = reaper_start(&broker, err, sizeof err);
	server = reaper ? http_server_start(&broker, err, sizeof err) : NULL;
	if (!server || !reaper) {
		fprintf(stderr, "gatehoused: %s\n", err);
		broker_signal_stop(&broker);
		reaper_join(reaper);
		http_server_stop(server);
		broker_destroy(&broker);
		return 1;
	}
	unsigned port = http_server_port(server);
	if (config->port_file && !write_port_file(config->port_file, port))
		log_error("cannot write the port file %s: %m", config->port_file);
	if (config->demo && config->demo_trickle > 0)
		trickle = demo_trickle_start(&broker);
	log_info("gatehoused %s listening on %s %s (port %u), database %s, broker id %s",
		 GATEHOUSE_VERSION, config->tls_cert_path ? "HTTPS" : "HTTP", config->listen, port,
		 config->db_path, broker.broker_id);

	sigwait(&signals, &signal_number);
	log_info("received %s; finishing requests in flight", strsignal(signal_number));
	broker_signal_stop(&broker);
	http_server_stop(server);
	demo_trickle_join(trickle);
	reaper_join(reaper);
	broker_destroy(&broker);
	log_info("stopped");
	return 0;
}

int main(int argc, char **argv)
{
	struct broker_config config;
	char data_dir[PATH_MAX];

	if (admin_cli_matches(argc, argv))
		return admin_cli_run(argc, argv);
	int status = parse_serve_options(argc, argv, &config, data_dir, sizeof data_dir);
	if (status >= 0)
		return status;
	log_set_quiet(0);
	return serve(&config);
}
