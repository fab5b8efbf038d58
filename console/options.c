#include "console/cli_error.h"
#include "console/options.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/crypto.h"
#include "common/strbuf.h"
#include "common/version.h"
#include "console/commands.h"
#include "console/config.h"

/* A token file larger than this is not a token file. */
#define TOKEN_FILE_MAX 4096

const char console_usage[] =
	"usage: gatehouse --url URL [--token-file FILE] [options]\n"
	"\n"
	"The Gatehouse console: triage pending access requests, approve, deny and\n"
	"revoke, on a broker (gatehoused) over HTTP or HTTPS.\n"
	"\n"
	"options:\n"
	"  --url URL            the broker, e.g. http://127.0.0.1:8080 (or GATEHOUSE_URL)\n"
	"  --token-file FILE    a file holding the bearer token (or GATEHOUSE_TOKEN_FILE;\n"
	"                       GATEHOUSE_TOKEN may hold the token itself)\n"
	"  --cache FILE         the offline cache (default $XDG_CACHE_HOME/gatehouse/)\n"
	"  --theme NAME|FILE    a colour theme: default, light, mono, high-contrast, a\n"
	"                       theme in $XDG_CONFIG_HOME/gatehouse/themes, or a file\n"
	"  --config FILE        the config file (or GATEHOUSE_CONFIG; default\n"
	"                       $XDG_CONFIG_HOME/gatehouse/config)\n"
	"  --broker NAME        use the config's [broker NAME] section\n"
	"  --read-only          look, but send no approvals, denials or revocations\n"
	"  --ca-file FILE       trust this CA certificate for https:// brokers\n"
	"  --insecure, --insecure-tls\n"
	"                       do not verify the broker's TLS certificate (testing only;\n"
	"                       the title bar then says TLS NOT VERIFIED)\n"
	"  --insecure-http      allow an http:// URL whose host is not loopback; the token\n"
	"                       then crosses the network in clear, so use it only through\n"
	"                       an SSH tunnel or a TLS proxy\n"
	"  --help, --version\n"
	"\n"
	"Keys: ? in the console lists them all.\n";

enum {
	OPT_URL = 256, OPT_TOKEN_FILE, OPT_CACHE, OPT_THEME, OPT_CA_FILE, OPT_INSECURE_TLS,
	OPT_INSECURE_HTTP, OPT_READ_ONLY, OPT_HELP, OPT_VERSION, OPT_CONFIG, OPT_BROKER,
};

static const struct option long_options[] = {
	{ "url", required_argument, NULL, OPT_URL },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "theme", required_argument, NULL, OPT_THEME },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "insecure-tls", no_argument, NULL, OPT_INSECURE_TLS },
	{ "insecure", no_argument, NULL, OPT_INSECURE_TLS },
	{ "insecure-http", no_argument, NULL, OPT_INSECURE_HTTP },
	{ "read-only", no_argument, NULL, OPT_READ_ONLY },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "broker", required_argument, NULL, OPT_BROKER },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static char *trim_token(const char *text, size_t length)
{
	size_t start = 0, end = strcspn(text, "\r\n");

	if (end > length)
		end = length;
	while (start < end && (text[start] == ' ' || text[start] == '\t'))
		start++;
	while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t'))
		end--;
	return end > start ? xstrndup(text + start, end - start) : NULL;
}

/* Whether text contains anything but spaces, tabs and line ends. */
static bool has_text(const char *text, size_t length)
{
	for (size_t i = 0; i < length; i++)
		if (!strchr(" \t\r\n", text[i]))
			return true;
	return false;
}

/* The token on the first line of text; NULL with err when that line is blank. */
static char *token_from_text(const char *path, const char *text, size_t length, char *err,
			     size_t errlen)
{
	char *token = trim_token(text, length);

	if (token)
		return token;
	if (has_text(text, length))
		snprintf(err, errlen, "the first line of the token file %s is empty; put the token on "
			 "the first line", path);
	else
		snprintf(err, errlen, "the token file %s is empty", path);
	return NULL;
}

/* Whether an open token file is a regular file small enough to be one; false with err. */
static bool check_token_file(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (S_ISDIR(st->st_mode))
		snprintf(err, errlen, "the token file %s is a directory", path);
	else if (!S_ISREG(st->st_mode))
		snprintf(err, errlen, "the token file %s is not a regular file", path);
	else if (st->st_size > TOKEN_FILE_MAX)
		snprintf(err, errlen, "the token file %s is larger than %d bytes; it should hold only "
			 "the token", path, TOKEN_FILE_MAX);
	else
		return true;
	return false;
}

/* Read the whole token file into buffer (TOKEN_FILE_MAX + 1 bytes); -1 with err. */
static ssize_t read_token_bytes(int fd, const char *path, char *buffer, char *err, size_t errlen)
{
	size_t used = 0;

	while (used <= TOKEN_FILE_MAX) {
		ssize_t n = read(fd, buffer + used, TOKEN_FILE_MAX + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read the token file %s: %s", path, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	/* The file grew after fstat. */
	if (used > TOKEN_FILE_MAX) {
		snprintf(err, errlen, "the token file %s is larger than %d bytes; it should hold only "
			 "the token", path, TOKEN_FILE_MAX);
		return -1;
	}
	return (ssize_t)used;
}

static char *describe_open_permissions(const char *path, mode_t mode)
{
	struct strbuf warning = STRBUF_INIT;

	strbuf_printf(&warning, "the token file %s is readable by other users (mode %04o); run "
		      "chmod 600 %s", path, (unsigned)(mode & 07777), path);
	return strbuf_detach(&warning);
}

char *console_read_token_file(const char *path, char **warning, char *err, size_t errlen)
{
	char buffer[TOKEN_FILE_MAX + 1];
	struct stat st;
	ssize_t n = -1;
	char *token = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; the type check then rejects it. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	*warning = NULL;
	if (fd < 0) {
		snprintf(err, errlen, "cannot read the token file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0)
		snprintf(err, errlen, "cannot read the token file %s: %s", path, strerror(errno));
	else if (check_token_file(path, &st, err, errlen))
		n = read_token_bytes(fd, path, buffer, err, errlen);
	close(fd);
	if (n >= 0) {
		buffer[n] = '\0';
		token = token_from_text(path, buffer, (size_t)n, err, errlen);
	}
	secret_wipe(buffer, sizeof buffer);
	if (token && (st.st_mode & 077))
		*warning = describe_open_permissions(path, st.st_mode);
	return token;
}

/*
 * Whether host, as libcurl's URL parser gives it (an IPv6 address in
 * brackets), is localhost or a loopback address: 127.0.0.0/8, ::1, or
 * 127.0.0.0/8 mapped into IPv6. Nothing is resolved.
 */
static bool host_is_loopback(const char *host)
{
	struct in_addr v4;
	struct in6_addr v6;
	char inner[INET6_ADDRSTRLEN];
	size_t length = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (length < 2 || host[0] != '[' || host[length - 1] != ']' || length - 2 >= sizeof inner)
		return false;
	memcpy(inner, host + 1, length - 2);
	inner[length - 2] = '\0';
	if (inet_pton(AF_INET6, inner, &v6) != 1)
		return false;
	return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

bool console_url_is_loopback(const char *url)
{
	CURLU *parsed = curl_url();
	char *host = NULL;
	bool loopback = false;

	if (parsed && curl_url_set(parsed, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		loopback = host_is_loopback(host);
	curl_free(host);
	curl_url_cleanup(parsed);
	return loopback;
}

/*
 * Check the broker URL: http:// or https:// in any case, and http:// only
 * to a loopback host unless --insecure-http, because the token would cross
 * the network in clear. libcurl's parser reads the host, so that the
 * console judges the host it will connect to. Prints why on failure.
 */
static bool check_url(const struct console_options *o)
{
	CURLU *parsed = curl_url();
	char *scheme = NULL, *host = NULL;
	bool ok = false;

	if (!parsed) {
		cli_print_error("gatehouse: out of memory while parsing the broker URL");
		return false;
	}
	if (curl_url_set(parsed, CURLUPART_URL, o->url, 0) != CURLUE_OK ||
	    curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		cli_print_error("gatehouse: invalid --url \"%s\": give http://HOST:PORT or "
			"https://HOST", o->url);
	} else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
		cli_print_error("gatehouse: invalid --url \"%s\": it must start with http:// or "
			"https://", o->url);
	} else if (strcasecmp(scheme, "http") == 0 && !o->insecure_http && !host_is_loopback(host)) {
		cli_print_error("gatehouse: refusing --url \"%s\": over http:// the token would cross "
			"the network to %s in clear; use https://, or add --insecure-http if an SSH "
			"tunnel or a TLS proxy protects the connection", o->url, host);
	} else {
		ok = true;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(parsed);
	return ok;
}

static bool read_token(struct console_options *o, const char *token_file)
{
	char err[512];

	o->token = console_read_token_file(token_file, &o->token_warning, err, sizeof err);
	if (!o->token) {
		cli_print_error("gatehouse: %s", err);
		return false;
	}
	o->token_source = xstrdup(token_file);
	return true;
}

/*
 * Take the token from the options' file, or else from the environment, or
 * else from the config's token-file. The config's token goes only to the
 * config's URL, because with a URL from --url or GATEHOUSE_URL it would be
 * one broker's token sent to another.
 */
static bool load_token(struct console_options *o, const char *token_file,
		       const char *config_token_file, bool url_from_config)
{
	const char *env_token = getenv("GATEHOUSE_TOKEN");

	if (!token_file)
		token_file = getenv("GATEHOUSE_TOKEN_FILE");
	if (token_file && *token_file)
		return read_token(o, token_file);
	if (env_token && *env_token) {
		o->token = trim_token(env_token, strlen(env_token));
		o->token_source = xstrdup("GATEHOUSE_TOKEN");
		if (o->token)
			return true;
	}
	if (config_token_file && url_from_config)
		return read_token(o, config_token_file);
	if (config_token_file) {
		cli_print_error("gatehouse: the broker %s comes from --url or GATEHOUSE_URL, but the "
			"token only from the config file's token-file %s, which is for the config's "
			"broker; give --token-file FILE as well", o->url, config_token_file);
		return false;
	}
	cli_print_error("gatehouse: no token: give --token-file FILE, or set GATEHOUSE_TOKEN_FILE "
		"or GATEHOUSE_TOKEN");
	return false;
}

static void set_string(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* Set a field that the command line left unset from the config, when the config sets it. */
static void set_from_config(char **field, const char *value)
{
	if (!*field && value)
		*field = xstrdup(value);
}

static void print_command(const struct console_command *command, void *ctx)
{
	bool *first = ctx;

	if (*first)
		fputs("\ncommands (gatehouse COMMAND --help for more):\n", stdout);
	*first = false;
	printf("  %-20s %s\n", command->name, command->summary);
}

static void print_usage(void)
{
	bool first = true;

	fputs(console_usage, stdout);
	console_commands_each(print_command, &first);
}

/*
 * Reject long options that are not spelled out in full. getopt_long takes any
 * unambiguous prefix, so "--token SECRET" would be read as "--token-file SECRET"
 * and the secret echoed in the error about a missing file. Returns false after
 * naming the option (never its value) on stderr.
 */
static bool long_options_exact(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		size_t length = strcspn(argv[i] + 2, "=");
		bool known = false;
		for (const struct option *o = long_options; o->name; o++)
			if (strlen(o->name) == length && strncmp(o->name, argv[i] + 2, length) == 0)
				known = true;
		if (known)
			continue;
		if (length == 5 && strncmp(argv[i] + 2, "token", 5) == 0)
			cli_print_error("gatehouse: --token is not accepted: a token on the command line "
				"shows in ps and in shell history; use --token-file FILE");
		else
			cli_print_error("gatehouse: unknown option --%.*s; see --help", (int)length,
				argv[i] + 2);
		return false;
	}
	return true;
}

/*
 * Complete the options after the command line: the URL from GATEHOUSE_URL
 * or the config, the other settings from the config, then the token.
 */
static int finish_options(struct console_options *o, const char *token_file,
			  const struct console_config *config, const struct config_broker *broker)
{
	const char *config_url = CONSOLE_CONFIG_VALUE(config, broker, url);
	bool url_from_config = false;

	if (!o->url && getenv("GATEHOUSE_URL") && *getenv("GATEHOUSE_URL"))
		set_string(&o->url, getenv("GATEHOUSE_URL"));
	if (!o->url && config_url) {
		set_string(&o->url, config_url);
		url_from_config = true;
	}
	if (!o->url) {
		cli_print_error("gatehouse: no broker: give --url URL, set GATEHOUSE_URL, or name "
			"one in the config file (see gatehouse paths)");
		return 2;
	}
	if (!check_url(o)) {
		if (url_from_config)
			cli_print_error("gatehouse: that URL is the url setting in %s", config->path);
		return 2;
	}
	size_t n = strlen(o->url);
	while (n > 0 && o->url[n - 1] == '/')
		o->url[--n] = '\0';
	if (n >= 3 && strcmp(o->url + n - 3, "/v1") == 0) {
		cli_print_error("gatehouse: invalid --url \"%s\": give the broker's base URL, without "
			"/v1 (the console adds it)", o->url);
		return 2;
	}
	set_from_config(&o->ca_file, CONSOLE_CONFIG_VALUE(config, broker, ca_file));
	/* A section's cache holds that broker's data, so it goes with the section's URL only. */
	if (url_from_config && broker)
		set_from_config(&o->cache_path, broker->settings.cache_path);
	set_from_config(&o->theme, CONSOLE_CONFIG_VALUE(config, broker, theme));
	set_from_config(&o->keys_text, config->keys_text);
	if (config->exists)
		set_from_config(&o->config_path, config->path);
	return load_token(o, token_file, CONSOLE_CONFIG_VALUE(config, broker, token_file),
			  url_from_config) ? -1 : 2;
}

/* Whether an argument reads as a mistyped command name: lowercase letters and hyphens. */
static bool looks_like_command(const char *arg)
{
	size_t length = strspn(arg, "abcdefghijklmnopqrstuvwxyz-");

	return length > 0 && length <= 24 && arg[length] == '\0';
}

static int parse_arguments(int argc, char **argv, struct console_options *o)
{
	const char *token_file = NULL, *config_file = NULL, *broker_name = NULL;
	struct console_config config;
	const struct config_broker *broker;
	char err[1024];
	int c, status;

	memset(o, 0, sizeof *o);
	if (!long_options_exact(argc, argv))
		return 2;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_URL: set_string(&o->url, optarg); break;
		case OPT_TOKEN_FILE: token_file = optarg; break;
		case OPT_CACHE: set_string(&o->cache_path, optarg); break;
		case OPT_THEME: set_string(&o->theme, optarg); break;
		case OPT_CA_FILE: set_string(&o->ca_file, optarg); break;
		case OPT_INSECURE_TLS: o->insecure_tls = true; break;
		case OPT_INSECURE_HTTP: o->insecure_http = true; break;
		case OPT_READ_ONLY: o->read_only = true; break;
		case OPT_CONFIG: config_file = optarg; break;
		case OPT_BROKER: broker_name = optarg; break;
		case 'h':
		case OPT_HELP: print_usage(); return 0;
		case OPT_VERSION: printf("gatehouse %s\n", GATEHOUSE_VERSION); return 0;
		default: cli_print_getopt_error("gatehouse", argv); return 2;
		}
	}
	if (optind != argc) {
		if (looks_like_command(argv[optind]))
			cli_print_error("gatehouse: unknown command \"%s\"; gatehouse --help lists the "
				"commands", argv[optind]);
		else
			cli_print_error("gatehouse: unexpected argument \"%s\"; the token is never given "
				"on the command line (see --help)", argv[optind]);
		return 2;
	}
	if (!console_config_load(config_file, &config, err, sizeof err) ||
	    !console_config_select_broker(&config, broker_name, &broker, err, sizeof err)) {
		cli_print_error("gatehouse: %s", err);
		console_config_free(&config);
		return 2;
	}
	status = finish_options(o, token_file, &config, broker);
	console_config_free(&config);
	return status;
}

bool console_option_takes_value(const char *arg)
{
	if (strncmp(arg, "--", 2) != 0 || strchr(arg, '='))
		return false;
	for (const struct option *option = long_options; option->name; option++)
		if (strcmp(arg + 2, option->name) == 0)
			return option->has_arg == required_argument;
	return false;
}

int console_options_parse(int argc, char **argv, struct console_options *o)
{
	int status = parse_arguments(argc, argv, o);

	if (status >= 0)
		console_options_free(o);
	return status;
}

void console_options_free(struct console_options *o)
{
	if (o->token)
		secret_wipe(o->token, strlen(o->token));
	free(o->token);
	free(o->token_source);
	free(o->url);
	free(o->cache_path);
	free(o->theme);
	free(o->ca_file);
	free(o->token_warning);
	free(o->config_path);
	free(o->keys_text);
	memset(o, 0, sizeof *o);
}
