#include "console/options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/crypto.h"
#include "common/version.h"

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
	"  --theme NAME|FILE    a colour theme: default, mono, high-contrast, or a file\n"
	"  --read-only          look, but send no approvals, denials or revocations\n"
	"  --ca-file FILE       trust this CA certificate for https:// brokers\n"
	"  --insecure-tls       do not verify the broker's TLS certificate (testing only)\n"
	"  --help, --version\n"
	"\n"
	"Keys: ? in the console lists them all.\n";

enum {
	OPT_URL = 256, OPT_TOKEN_FILE, OPT_CACHE, OPT_THEME, OPT_CA_FILE, OPT_INSECURE_TLS,
	OPT_READ_ONLY, OPT_HELP, OPT_VERSION,
};

static const struct option long_options[] = {
	{ "url", required_argument, NULL, OPT_URL },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "theme", required_argument, NULL, OPT_THEME },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "insecure-tls", no_argument, NULL, OPT_INSECURE_TLS },
	{ "read-only", no_argument, NULL, OPT_READ_ONLY },
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

char *console_read_token_file(const char *path, char *err, size_t errlen)
{
	char buffer[TOKEN_FILE_MAX + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *token;

	if (fd < 0) {
		snprintf(err, errlen, "cannot read the token file %s: %s", path, strerror(errno));
		return NULL;
	}
	n = read(fd, buffer, TOKEN_FILE_MAX + 1);
	close(fd);
	if (n < 0 || n > TOKEN_FILE_MAX) {
		snprintf(err, errlen, "the token file %s is unreadable or larger than %d bytes", path,
			 TOKEN_FILE_MAX);
		secret_wipe(buffer, sizeof buffer);
		return NULL;
	}
	buffer[n] = '\0';
	token = trim_token(buffer, (size_t)n);
	secret_wipe(buffer, sizeof buffer);
	if (!token)
		snprintf(err, errlen, "the token file %s is empty", path);
	return token;
}

static bool valid_url(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* Take the token from the options' file, or else from the environment. */
static bool load_token(struct console_options *o, const char *token_file)
{
	char err[512];
	const char *env_token = getenv("GATEHOUSE_TOKEN");

	if (!token_file)
		token_file = getenv("GATEHOUSE_TOKEN_FILE");
	if (token_file && *token_file) {
		o->token = console_read_token_file(token_file, err, sizeof err);
		if (!o->token) {
			fprintf(stderr, "gatehouse: %s\n", err);
			return false;
		}
		o->token_source = xstrdup(token_file);
		return true;
	}
	if (env_token && *env_token) {
		o->token = trim_token(env_token, strlen(env_token));
		o->token_source = xstrdup("GATEHOUSE_TOKEN");
		if (o->token)
			return true;
	}
	fprintf(stderr, "gatehouse: no token: give --token-file FILE, or set GATEHOUSE_TOKEN_FILE "
		"or GATEHOUSE_TOKEN\n");
	return false;
}

static void set_string(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
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
			fprintf(stderr, "gatehouse: --token is not accepted: a token on the command line "
				"shows in ps and in shell history; use --token-file FILE\n");
		else
			fprintf(stderr, "gatehouse: unknown option --%.*s; see --help\n", (int)length,
				argv[i] + 2);
		return false;
	}
	return true;
}

int console_options_parse(int argc, char **argv, struct console_options *o)
{
	const char *token_file = NULL;
	int c;

	memset(o, 0, sizeof *o);
	if (!long_options_exact(argc, argv))
		return 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_URL: set_string(&o->url, optarg); break;
		case OPT_TOKEN_FILE: token_file = optarg; break;
		case OPT_CACHE: set_string(&o->cache_path, optarg); break;
		case OPT_THEME: set_string(&o->theme, optarg); break;
		case OPT_CA_FILE: set_string(&o->ca_file, optarg); break;
		case OPT_INSECURE_TLS: o->insecure_tls = true; break;
		case OPT_READ_ONLY: o->read_only = true; break;
		case 'h':
		case OPT_HELP: fputs(console_usage, stdout); return 0;
		case OPT_VERSION: printf("gatehouse %s\n", GATEHOUSE_VERSION); return 0;
		default: fputs(console_usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "gatehouse: unexpected argument \"%s\"; the token is never given "
			"on the command line (see --help)\n", argv[optind]);
		return 2;
	}
	if (!o->url && getenv("GATEHOUSE_URL") && *getenv("GATEHOUSE_URL"))
		set_string(&o->url, getenv("GATEHOUSE_URL"));
	if (!o->url) {
		fprintf(stderr, "gatehouse: no broker: give --url URL or set GATEHOUSE_URL\n");
		return 2;
	}
	if (!valid_url(o->url)) {
		fprintf(stderr, "gatehouse: invalid --url \"%s\": it must start with http:// or https://\n",
			o->url);
		return 2;
	}
	size_t n = strlen(o->url);
	while (n > 0 && o->url[n - 1] == '/')
		o->url[--n] = '\0';
	if (n >= 3 && strcmp(o->url + n - 3, "/v1") == 0) {
		fprintf(stderr, "gatehouse: invalid --url \"%s\": give the broker's base URL, without "
			"/v1 (the console adds it)\n", o->url);
		return 2;
	}
	return load_token(o, token_file) ? -1 : 2;
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
	memset(o, 0, sizeof *o);
}
