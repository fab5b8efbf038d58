#include "console/cli_error.h"

#include <stdio.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "tui/text.h"

void cli_vprint_error(const char *fmt, va_list ap)
{
	struct strbuf raw = STRBUF_INIT;
	struct strbuf line = STRBUF_INIT;

	strbuf_vprintf(&raw, fmt, ap);
	text_sanitize(raw.data, raw.len, text_charset_from_locale(), &line);
	strbuf_putc(&line, '\n');
	fputs(strbuf_str(&line), stderr);
	strbuf_free(&raw);
	strbuf_free(&line);
}

void cli_print_getopt_error(const char *program, char **argv)
{
	cli_print_error("%s: invalid option, or an option without its value: \"%s\"; see --help",
			program, optind > 0 ? argv[optind - 1] : "");
}

void cli_print_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprint_error(fmt, ap);
	va_end(ap);
}
