#ifndef GATEHOUSE_ADMIN_CLI_INTERNAL_H
#define GATEHOUSE_ADMIN_CLI_INTERNAL_H

/* Shared by the admin_cli*.c files; nothing else includes this. */

#include <stdbool.h>
#include <stddef.h>

#include "broker/store.h"

struct admin_options {
	const char *db;
	const char *principal;
	const char *id;
	const char *label;
	const char *name;
	const char *roles;
	const char *groups;
	const char *group;
	const char *approvals;
	const char *max_duration;
};

/* The subcommands; each returns the process exit status. */
int admin_token_create(const struct admin_options *o);
int admin_token_list(const struct admin_options *o);
int admin_token_revoke(const struct admin_options *o);
int admin_principal_add(const struct admin_options *o);
int admin_principal_set(const struct admin_options *o);
int admin_principal_list(const struct admin_options *o);
int admin_resource_set(const struct admin_options *o);
int admin_resource_list(const struct admin_options *o);

/* Open the database, or print why not and return NULL. */
struct store *admin_open_store(const char *path);

/*
 * A copy of text that is safe to print to a terminal: C0 controls, DEL and bytes
 * that are not UTF-8 become \xNN, C1 controls and the bidirectional controls
 * (U+202A to U+202E, U+2066 to U+2069) become <U+NNNN>. Valid until the command ends.
 */
const char *admin_shown(const char *text);

/* Print an error or a warning, prefixed with "gatehoused: ", to stderr; escape values with admin_shown. */
void admin_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void admin_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Rows of text columns printed aligned to stdout, with a header row; cells are escaped when added. */
struct admin_table {
	size_t columns;
	const char **cells;      /* row-major; the first row is the header */
	size_t count;
	size_t capacity;
};

void admin_table_init(struct admin_table *t, const char *const *header, size_t columns);
void admin_table_add(struct admin_table *t, const char *const *row);
void admin_table_print(const struct admin_table *t);
void admin_table_free(struct admin_table *t);

#endif
