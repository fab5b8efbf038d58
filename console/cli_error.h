#ifndef GATEHOUSE_CLI_ERROR_H
#define GATEHOUSE_CLI_ERROR_H

/*
 * The one way the console and its verbs print an error or warning on
 * stderr. Messages quote what the user or the environment gave (a --broker
 * name, a config key, a keymap key, an XDG path, an argument) and what the
 * broker sent, so the whole line goes through text_sanitize(): a raw ESC
 * in it could run terminal escape sequences such as OSC 52.
 */

#include <stdarg.h>

/* Print the formatted text, sanitized, and a newline on stderr. */
void cli_print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_vprint_error(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * Print that getopt_long() rejected argv[optind - 1] as an unknown option or
 * an option without its value. Callers set opterr to 0 first, because
 * getopt's own message writes the option's bytes to stderr unsanitized.
 */
void cli_print_getopt_error(const char *program, char **argv);

#endif
