#include "console/cli_table.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "console/cli_error.h"
#include "tui/text.h"

/* The space between two columns. */
#define COLUMN_GAP "  "

void cli_cell_field(const json_t *object, const char *field, struct strbuf *out)
{
	const json_t *value = json_object_get(object, field);
	char *text;

	if (json_is_string(value)) {
		/* With its length: a string may contain \u0000, which the sanitizer then shows. */
		strbuf_append(out, json_string_value(value), json_string_length(value));
	} else if (json_is_integer(value)) {
		strbuf_printf(out, "%lld", (long long)json_integer_value(value));
	} else if (!value || json_is_null(value)) {
		strbuf_putc(out, '-');
	} else {
		text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text)
			strbuf_puts(out, text);
		free(text);
	}
}

static char *sanitized_cell(const struct cli_column *column, const json_t *object,
			    enum text_charset charset)
{
	struct strbuf raw = STRBUF_INIT;
	struct strbuf clean = STRBUF_INIT;

	if (column->cell)
		column->cell(object, column->field, &raw);
	else
		cli_cell_field(object, column->field, &raw);
	text_sanitize(raw.data, raw.len, charset, &clean);
	strbuf_free(&raw);
	return strbuf_detach(&clean);
}

/* Append one line of cells, the last one neither padded nor cut, without trailing spaces. */
static void print_line(char *const *cells, const int *widths, size_t count,
		       enum text_charset charset)
{
	struct strbuf line = STRBUF_INIT;

	for (size_t c = 0; c < count; c++) {
		if (c + 1 < count) {
			text_fit(cells[c], widths[c], charset, &line);
			strbuf_puts(&line, COLUMN_GAP);
		} else {
			strbuf_puts(&line, cells[c]);
		}
	}
	while (line.len > 0 && line.data[line.len - 1] == ' ')
		line.data[--line.len] = '\0';
	puts(strbuf_str(&line));
	strbuf_free(&line);
}

void cli_print_table(const struct cli_column *columns, size_t count, const json_t *items)
{
	enum text_charset charset = text_charset_from_locale();
	size_t rows = json_array_size(items) + 1;
	char **cells = xcalloc(rows * count, sizeof *cells);
	int *widths = xcalloc(count, sizeof *widths);

	for (size_t c = 0; c < count; c++)
		cells[c] = xstrdup(columns[c].title);
	for (size_t r = 1; r < rows; r++)
		for (size_t c = 0; c < count; c++)
			cells[r * count + c] = sanitized_cell(&columns[c], json_array_get(items, r - 1),
							      charset);
	for (size_t c = 0; c < count; c++) {
		for (size_t r = 0; r < rows; r++) {
			int width = text_width(cells[r * count + c]);
			if (width > widths[c])
				widths[c] = width;
		}
		if (widths[c] > columns[c].max_width)
			widths[c] = columns[c].max_width;
	}
	for (size_t r = 0; r < rows; r++)
		print_line(cells + r * count, widths, count, charset);
	for (size_t i = 0; i < rows * count; i++)
		free(cells[i]);
	free(cells);
	free(widths);
}

void cli_print_json(const json_t *value)
{
	char *text = json_dumps(value, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);

	if (!text) {
		cli_print_error("gatehouse: out of memory while writing the JSON output");
		return;
	}
	/*
	 * JSON_ENSURE_ASCII escapes C0 controls and every non-ASCII character,
	 * C1 controls included, but jansson writes DEL (0x7f) as it is. Outside
	 * strings JSON text is printable ASCII, so each DEL is inside a string.
	 */
	for (const char *p = text; *p; p++) {
		if (*p == 0x7f)
			fputs("\\u007f", stdout);
		else
			fputc(*p, stdout);
	}
	fputc('\n', stdout);
	free(text);
}

int cli_list_and_print(struct cli_broker *broker, const char *path, cli_item_check *check_item,
		       bool json, const struct cli_column *columns, size_t count)
{
	json_t *items;
	int status = cli_broker_list(broker, path, check_item, &items);

	if (status != CLI_EXIT_DONE)
		return status;
	if (json)
		cli_print_json(items);
	else
		cli_print_table(columns, count, items);
	json_decref(items);
	return CLI_EXIT_DONE;
}
