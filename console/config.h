#ifndef GATEHOUSE_CONSOLE_CONFIG_H
#define GATEHOUSE_CONSOLE_CONFIG_H

/*
 * The console's config file and the files and folders it names. The file is
 * $XDG_CONFIG_HOME/gatehouse/config (~/.config/gatehouse/config by default),
 * GATEHOUSE_CONFIG, or --config FILE, in an INI-like format:
 *
 *   # comments start with '#' (at the start of a line or after a blank)
 *   theme = default
 *   broker = staging            # the section used when --broker is not given
 *   [broker prod]
 *   url = https://jit.example.internal
 *   token-file = ~/.config/gatehouse/prod.token
 *   ca-file = /etc/ssl/private-ca.pem
 *   cache = ~/.cache/gatehouse/prod.db
 *   theme = high-contrast
 *   [keys]
 *   bind pending A approve
 *
 * The top level takes url, token-file, ca-file, theme and broker. A [broker
 * NAME] section takes url, token-file, ca-file, cache and theme. [keys] takes
 * key binding lines (tui/keymap.h). A value starting with "~/" is under $HOME.
 */

#include <stdbool.h>
#include <stddef.h>

/* The settings of the top level or of one [broker NAME] section; NULL when not set. */
struct config_settings {
	char *url;
	char *token_file;
	char *ca_file;
	char *cache_path;
	char *theme;
};

struct config_broker {
	char *name;
	struct config_settings settings;
};

struct console_config {
	char *path;                    /* the file read, or the default that does not exist */
	bool exists;
	char *default_broker;          /* the top level's "broker =" */
	struct config_settings top;
	struct config_broker *brokers;
	size_t broker_count;
	/*
	 * The [keys] lines, with every other line of the file blank, so that
	 * keymap_parse()'s line numbers are the file's. NULL without [keys].
	 */
	char *keys_text;
};

/*
 * Read the config file: explicit_path (from --config) if given, else
 * GATEHOUSE_CONFIG, else the default, which may be missing. Returns false
 * with "FILE:LINE: message" (or "FILE: message") in err.
 */
bool console_config_load(const char *explicit_path, struct console_config *out, char *err,
			 size_t errlen);
void console_config_free(struct console_config *config);

/* Parse config text read from path (used in messages). Returns false with err. */
bool console_config_parse(const char *path, const char *text, struct console_config *out,
			  char *err, size_t errlen);

/*
 * The broker section to use: name (from --broker) if given, else the top
 * level's "broker =", else none (*out NULL). Returns false when the name is
 * not a section, with the known names in err.
 */
bool console_config_select_broker(const struct console_config *config, const char *name,
				  const struct config_broker **out, char *err, size_t errlen);

/* The value of one setting: the broker section's if set, else the top level's, else NULL. */
#define CONSOLE_CONFIG_VALUE(config, broker, field) \
	((broker) && (broker)->settings.field ? (broker)->settings.field : (config)->top.field)

/*
 * Paths of the console's files, each allocated (the caller frees) or NULL
 * when neither the XDG variable nor HOME is an absolute path. As the XDG
 * Base Directory Specification (0.8) requires, a relative XDG value is ignored.
 */
char *console_config_dir(void);           /* $XDG_CONFIG_HOME/gatehouse */
char *console_config_default_path(void);  /* $XDG_CONFIG_HOME/gatehouse/config */
char *console_keymap_path(void);          /* $XDG_CONFIG_HOME/gatehouse/keymap */
char *console_history_path(void);         /* $XDG_STATE_HOME/gatehouse/history */

/*
 * Load the key bindings: the defaults, then the keymap file if it exists,
 * then the config's [keys]. Returns false with "FILE:LINE:COLUMN: message"
 * in err, and the defaults in place.
 */
bool console_config_load_keys(const char *config_path, const char *keys_text, char *err,
			      size_t errlen);

#endif
