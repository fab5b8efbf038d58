#ifndef GATEHOUSE_CONSOLE_OPTIONS_H
#define GATEHOUSE_CONSOLE_OPTIONS_H

/*
 * The console's command line, environment and config file (console/config.h),
 * in that order of precedence. The bearer token is read from a file
 * (--token-file, GATEHOUSE_TOKEN_FILE or the config's token-file) or from
 * GATEHOUSE_TOKEN, never from argv, so that it does not show in ps or shell
 * history.
 */

#include <stdbool.h>
#include <stddef.h>

struct console_options {
	char *url;            /* the broker's base URL, without a trailing slash */
	char *token;          /* secret: wiped by console_options_free */
	char *token_source;   /* where the token came from, for messages */
	char *cache_path;     /* NULL: the default under $XDG_CACHE_HOME */
	char *theme;          /* a theme name or path, NULL for the default */
	char *ca_file;
	char *config_path;    /* the config file read, NULL when there was none */
	char *keys_text;      /* the config's [keys] lines (console/config.h), or NULL */
	/* A warning for stderr about the token file (readable by other users), or NULL. */
	char *token_warning;
	bool insecure_tls;
	bool insecure_http;   /* allow http:// to a host that is not loopback */
	bool read_only;
	bool show_help;
	bool show_version;
};

/*
 * Parse argv and the environment. Returns -1 to go on, or an exit status
 * after printing help, the version, or an error to stderr; out is then
 * already freed.
 */
int console_options_parse(int argc, char **argv, struct console_options *out);
void console_options_free(struct console_options *o);

/* Whether arg ("--url", not "--url=X") is a console option that takes the next word as its value. */
bool console_option_takes_value(const char *arg);

/*
 * Read a token file: the first line, without surrounding white space.
 * Only a regular file is read, so that a FIFO cannot block the start.
 * Returns NULL with the reason in err. Sets *warning (the caller frees it)
 * when group or others have any permission on the file, else NULL.
 */
char *console_read_token_file(const char *path, char **warning, char *err, size_t errlen);

/*
 * Whether a URL's host is localhost or a loopback address (127.0.0.0/8, ::1),
 * as read by libcurl's URL parser, without resolving anything. A loopback
 * broker is never reached through a proxy, which could not reach it anyway
 * and would receive the token of an http:// URL in clear.
 */
bool console_url_is_loopback(const char *url);

extern const char console_usage[];

#endif
