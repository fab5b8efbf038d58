#ifndef GATEHOUSE_CLI_TABLE_H
#define GATEHOUSE_CLI_TABLE_H

/*
 * Output of the scriptable verbs: JSON as the broker sent it, or an aligned
 * table for people. Every cell is broker text, so each one goes through
 * text_sanitize() before it is printed.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"
#include "console/cli_http.h"

struct cli_column {
	const char *title;
	const char *field;          /* the object's field that the cell shows */
	/* Append the cell's untrusted text; NULL shows the field as cli_cell_field() does. */
	void (*cell)(const json_t *object, const char *field, struct strbuf *out);
	int max_width;              /* a longer cell is cut, with an ellipsis */
};

/*
 * Append a field's value: a string as it is, an integer in decimal, "-"
 * for null or a missing field, and any other JSON as compact JSON text.
 */
void cli_cell_field(const json_t *object, const char *field, struct strbuf *out);

/*
 * Print a header and one line per object of items, each column as wide as
 * its widest cell up to max_width, two spaces apart. The last column is
 * neither padded nor cut.
 */
void cli_print_table(const struct cli_column *columns, size_t count, const json_t *items);

/*
 * Fetch every page of the list at path, check each item with check_item,
 * and print the list: with json one JSON array of the broker's objects,
 * else a table of columns. Returns the exit status.
 */
int cli_list_and_print(struct cli_broker *broker, const char *path, cli_item_check *check_item,
		       bool json, const struct cli_column *columns, size_t count);

/*
 * Print value as indented JSON with every non-ASCII character and DEL
 * escaped (\uXXXX), so that no broker text reaches the terminal unescaped.
 */
void cli_print_json(const json_t *value);

#endif
