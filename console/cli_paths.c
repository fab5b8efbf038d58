/*
 * gatehouse paths: print every file and folder the console would use, as
 * "NAME: PATH" lines, with " (does not exist)" after the missing ones, so
 * that a user can see which config, theme, cache and history files apply.
 */

#include "console/cli_error.h"
#include "console/cli_paths.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/cache.h"
#include "common/alloc.h"
#include "common/crypto.h"
#include "console/config.h"
#include "console/options.h"
#include "tui/text.h"
#include "tui/theme.h"

static const char paths_usage[] =
	"usage: gatehouse paths [--config FILE] [--broker NAME] [--url URL]\n"
	"                       [--token-file FILE] [--cache FILE]\n"
	"\n"
	"Print each file and folder the console uses, one per line as NAME: PATH,\n"
	"marking the ones that do not exist. The options choose them as they do for\n"
	"the console. The token is read only to name the default cache file.\n";

enum {
	PATHS_CONFIG = 256, PATHS_BROKER, PATHS_URL, PATHS_TOKEN_FILE, PATHS_CACHE, PATHS_HELP,
};

static const struct option paths_options[] = {
	{ "config", required_argument, NULL, PATHS_CONFIG },
	{ "broker", required_argument, NULL, PATHS_BROKER },
	{ "url", required_argument, NULL, PATHS_URL },
	{ "token-file", required_argument, NULL, PATHS_TOKEN_FILE },
	{ "cache", required_argument, NULL, PATHS_CACHE },
	{ "help", no_argument, NULL, PATHS_HELP },
	{ NULL, 0, NULL, 0 },
};

/* The command line of gatehouse paths. */
struct paths_arguments {
	const char *config;
	const char *broker;
	const char *url;
	const char *token_file;
	const char *cache;
};

/*
 * Print one "NAME: PATH" line. Paths come from options, the config file and
 * XDG variables, so they are sanitized: a raw ESC in one would reach the
 * terminal.
 */
static void print_path(const char *name, const char *path)
{
	struct stat st;
	struct strbuf shown = STRBUF_INIT;

	text_sanitize(path, TEXT_NUL_TERMINATED, text_charset_from_locale(), &shown);
	printf("%s: %s%s\n", name, strbuf_str(&shown), stat(path, &st) == 0 ? "" : " (does not exist)");
	strbuf_free(&shown);
}

/* Print a path that may be NULL because neither HOME nor the XDG variable is usable. */
static void print_home_path(const char *name, char *path)
{
	if (path)
		print_path(name, path);
	else
		printf("%s: unknown (set HOME or the XDG base directory variables)\n", name);
	free(path);
}

static void print_theme_dirs(void)
{
	char dir[PATH_MAX];

	if (theme_user_dir(dir, sizeof dir))
		print_path("user-themes-dir", dir);
	else
		printf("user-themes-dir: unknown (set HOME or XDG_CONFIG_HOME)\n");
	if (theme_shipped_dir(dir, sizeof dir))
		print_path("shipped-themes-dir", dir);
}

/*
 * Return the broker URL as the console resolves it, without trailing
 * slashes, or NULL. Sets *from_config when it comes from the config file.
 */
static char *resolve_url(const struct paths_arguments *args, const struct console_config *config,
			 const struct config_broker *broker, bool *from_config)
{
	const char *environment_url = getenv("GATEHOUSE_URL");
	const char *url = args->url;
	char *copy;
	size_t length;

	*from_config = false;
	if (!url && environment_url && *environment_url)
		url = environment_url;
	if (!url) {
		url = CONSOLE_CONFIG_VALUE(config, broker, url);
		*from_config = url != NULL;
	}
	if (!url)
		return NULL;
	copy = xstrdup(url);
	length = strlen(copy);
	while (length > 0 && copy[length - 1] == '/')
		copy[--length] = '\0';
	return copy;
}

/*
 * The token file the console would read, in its order: --token-file,
 * GATEHOUSE_TOKEN_FILE, then (unless GATEHOUSE_TOKEN is set) the config's,
 * which it uses only with the config's URL. NULL when there is none.
 */
static const char *resolve_token_file(const struct paths_arguments *args,
				      const struct console_config *config,
				      const struct config_broker *broker, bool url_from_config)
{
	const char *environment_file = getenv("GATEHOUSE_TOKEN_FILE");
	const char *environment_token = getenv("GATEHOUSE_TOKEN");

	if (args->token_file)
		return args->token_file;
	if (environment_file && *environment_file)
		return environment_file;
	if ((environment_token && *environment_token) || !url_from_config)
		return NULL;
	return CONSOLE_CONFIG_VALUE(config, broker, token_file);
}

/* Print the cache file, whose default name is a hash of the URL and the token. */
static void print_cache_path(const char *cache, const char *url, const char *token_file)
{
	const char *environment_token = getenv("GATEHOUSE_TOKEN");
	char *token = NULL, *warning = NULL, *path;
	char err[512];

	if (cache) {
		print_path("cache-file", cache);
		return;
	}
	if (!url) {
		printf("cache-file: unknown (no broker URL: give --url or --broker)\n");
		return;
	}
	if (token_file)
		token = console_read_token_file(token_file, &warning, err, sizeof err);
	else if (environment_token && *environment_token)
		token = xstrdup(environment_token);
	if (!token) {
		printf("cache-file: unknown (its name depends on the token, which was not "
		       "readable: give --token-file or --cache)\n");
		free(warning);
		return;
	}
	path = cache_default_path(url, token);
	secret_wipe(token, strlen(token));
	free(token);
	free(warning);
	print_home_path("cache-file", path);
}

static void print_paths(const struct paths_arguments *args, const struct console_config *config,
			const struct config_broker *broker)
{
	bool url_from_config;
	char *url = resolve_url(args, config, broker, &url_from_config);
	const char *token_file = resolve_token_file(args, config, broker, url_from_config);
	const char *cache = args->cache;
	const char *ca_file = CONSOLE_CONFIG_VALUE(config, broker, ca_file);

	if (!cache && broker && url_from_config)
		cache = broker->settings.cache_path;

	if (config->path)
		print_path("config-file", config->path);
	else
		printf("config-file: unknown (set HOME or XDG_CONFIG_HOME)\n");
	print_home_path("config-dir", console_config_dir());
	print_theme_dirs();
	print_cache_path(cache, url, token_file);
	print_home_path("keymap-file", console_keymap_path());
	print_home_path("history-file", console_history_path());
	if (token_file)
		print_path("token-file", token_file);
	else
		printf("token-file: none%s\n", getenv("GATEHOUSE_TOKEN") && *getenv("GATEHOUSE_TOKEN")
		       ? " (the token comes from GATEHOUSE_TOKEN)" : "");
	if (ca_file)
		print_path("ca-file", ca_file);
	free(url);
}

/*
 * Reject long options that are not spelled out in full, because getopt_long
 * would take "--token SECRET" as "--token-file SECRET" and print the secret
 * as the token file's path.
 */
static bool options_exact(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		size_t length;
		bool known = false;

		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		length = strcspn(argv[i] + 2, "=");
		for (const struct option *o = paths_options; o->name; o++)
			if (strlen(o->name) == length && strncmp(o->name, argv[i] + 2, length) == 0)
				known = true;
		if (!known) {
			cli_print_error("gatehouse paths: unknown option --%.*s; see --help",
				(int)length, argv[i] + 2);
			return false;
		}
	}
	return true;
}

/* Parse the command line into args; returns -1 to go on, else an exit status. */
static int parse_paths_arguments(int argc, char **argv, struct paths_arguments *args)
{
	int c;

	memset(args, 0, sizeof *args);
	if (!options_exact(argc, argv))
		return 2;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", paths_options, NULL)) != -1) {
		switch (c) {
		case PATHS_CONFIG: args->config = optarg; break;
		case PATHS_BROKER: args->broker = optarg; break;
		case PATHS_URL: args->url = optarg; break;
		case PATHS_TOKEN_FILE: args->token_file = optarg; break;
		case PATHS_CACHE: args->cache = optarg; break;
		case 'h':
		case PATHS_HELP: fputs(paths_usage, stdout); return 0;
		default: cli_print_getopt_error("gatehouse paths", argv); return 2;
		}
	}
	if (optind != argc) {
		cli_print_error("gatehouse paths: unexpected argument \"%s\"", argv[optind]);
		return 2;
	}
	return -1;
}

int cli_paths_run(int argc, char **argv)
{
	struct paths_arguments args;
	struct console_config config;
	const struct config_broker *broker;
	char err[1024];
	int status = parse_paths_arguments(argc, argv, &args);

	if (status >= 0)
		return status;
	/* The key bindings are checked too, so that paths rejects what the console rejects. */
	if (!console_config_load(args.config, &config, err, sizeof err) ||
	    !console_config_select_broker(&config, args.broker, &broker, err, sizeof err) ||
	    !console_config_load_keys(config.path, config.keys_text, err, sizeof err)) {
		cli_print_error("gatehouse paths: %s", err);
		console_config_free(&config);
		return 2;
	}
	print_paths(&args, &config, broker);
	console_config_free(&config);
	return 0;
}
