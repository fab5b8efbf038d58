/* The SQLite store: settings, principals, group membership and routes. */

#include "broker/store_sqlite.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const char SQL_PRINCIPAL_BY_TOKEN[] =
	"SELECT p.id, p.display_name, p.roles, p.attributes FROM tokens t"
	" JOIN principals p ON p.id = t.principal_id WHERE t.hash = ?";
static const char SQL_PRINCIPAL_BY_ID[] =
	"SELECT id, display_name, roles, attributes FROM principals WHERE id = ?";
static const char SQL_GROUPS_OF[] =
	"SELECT group_id FROM group_members WHERE principal_id = ? ORDER BY group_id";
static const char SQL_PUT_PRINCIPAL[] =
	"INSERT INTO principals(id, display_name, roles, attributes) VALUES(?, ?, ?, ?)"
	" ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name,"
	" roles = excluded.roles, attributes = excluded.attributes";
static const char SQL_LIST_PRINCIPALS[] =
	"SELECT id, display_name, roles, attributes FROM principals ORDER BY id";
static const char SQL_COUNT_GROUP_APPROVERS[] =
	"SELECT count(*) FROM group_members m JOIN principals p ON p.id = m.principal_id"
	" WHERE m.group_id = ? AND (p.roles & ?) != 0";
static const char SQL_CLEAR_GROUPS[] = "DELETE FROM group_members WHERE principal_id = ?";
static const char SQL_ADD_GROUP[] =
	"INSERT OR IGNORE INTO group_members(group_id, principal_id) VALUES(?, ?)";
static const char SQL_GET_ROUTE[] =
	"SELECT resource, owner_group, approvals_needed, max_duration FROM routes WHERE resource = ?";
static const char SQL_PUT_ROUTE[] =
	"INSERT INTO routes(resource, owner_group, approvals_needed, max_duration) VALUES(?, ?, ?, ?)"
	" ON CONFLICT(resource) DO UPDATE SET owner_group = excluded.owner_group,"
	" approvals_needed = excluded.approvals_needed, max_duration = excluded.max_duration";
static const char SQL_LIST_ROUTES[] =
	"SELECT resource, owner_group, approvals_needed, max_duration FROM routes"
	" WHERE resource > ? ORDER BY resource LIMIT ?";

static const char SQL_META_GET[] = "SELECT value FROM meta WHERE key = ?";
static const char SQL_META_SET[] =
	"INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value";

enum store_status store_meta_get(struct store *s, const char *key, char **value)
{
	sqlite3_stmt *st = store_statement(s, SQL_META_GET);
	int rc;

	*value = NULL;
	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = store_column_text(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOT_FOUND : store_fail(s, "reading a setting");
}

enum store_status store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = store_statement(s, SQL_META_SET);

	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, key);
	store_bind_text(st, 2, value);
	return store_step_done(s, st, "saving a setting");
}

static enum store_status load_groups(struct store *s, struct principal *p)
{
	sqlite3_stmt *st = store_statement(s, SQL_GROUPS_OF);
	size_t cap = 0;
	int rc;

	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, p->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (p->group_count == cap) {
			cap = cap ? cap * 2 : 4;
			p->groups = xreallocarray(p->groups, cap, sizeof *p->groups);
		}
		p->groups[p->group_count++] = store_column_text(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "loading groups");
}

/* Read the principal columns (id, display_name, roles, attributes) of the current row. */
static void read_principal_columns(sqlite3_stmt *st, struct principal *out)
{
	memset(out, 0, sizeof *out);
	out->id = store_column_text(st, 0);
	out->display_name = store_column_text(st, 1);
	out->roles = (unsigned)sqlite3_column_int(st, 2);
	out->attributes_json = store_column_text(st, 3);
}

/* Read a principal row (id, display_name, roles, attributes) from a statement, then its groups. */
static enum store_status read_principal(struct store *s, sqlite3_stmt *st, struct principal *out)
{
	int rc = sqlite3_step(st);

	memset(out, 0, sizeof *out);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return STORE_NOT_FOUND;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_fail(s, "loading a principal");
	}
	read_principal_columns(st, out);
	sqlite3_reset(st);

	enum store_status status = load_groups(s, out);
	if (status != STORE_OK)
		principal_free(out);
	return status;
}

enum store_status store_principal_by_token_hash(struct store *s, const char *token_hash,
						struct principal *out)
{
	sqlite3_stmt *st = store_statement(s, SQL_PRINCIPAL_BY_TOKEN);

	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, token_hash);
	return read_principal(s, st, out);
}

enum store_status store_get_principal(struct store *s, const char *id, struct principal *out)
{
	sqlite3_stmt *st = store_statement(s, SQL_PRINCIPAL_BY_ID);

	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, id);
	return read_principal(s, st, out);
}

enum store_status store_list_principals(struct store *s, struct principal **out, size_t *count)
{
	sqlite3_stmt *st = store_statement(s, SQL_LIST_PRINCIPALS);
	enum store_status status;
	size_t capacity = 0;
	int rc;

	*out = NULL;
	*count = 0;
	if (!st)
		return STORE_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count == capacity) {
			capacity = capacity ? capacity * 2 : 16;
			*out = xreallocarray(*out, capacity, sizeof **out);
		}
		read_principal_columns(st, &(*out)[(*count)++]);
	}
	sqlite3_reset(st);
	status = rc == SQLITE_DONE ? STORE_OK : store_fail(s, "listing principals");
	for (size_t i = 0; status == STORE_OK && i < *count; i++)
		status = load_groups(s, &(*out)[i]);
	if (status != STORE_OK) {
		for (size_t i = 0; i < *count; i++)
			principal_free(&(*out)[i]);
		free(*out);
		*out = NULL;
		*count = 0;
	}
	return status;
}

enum store_status store_count_group_approvers(struct store *s, const char *group, int64_t *count)
{
	sqlite3_stmt *st = store_statement(s, SQL_COUNT_GROUP_APPROVERS);
	int rc;

	*count = 0;
	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, group);
	sqlite3_bind_int(st, 2, ROLE_APPROVER);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "counting a group's approvers");
}

enum store_status store_put_principal(struct store *s, const struct principal *p)
{
	sqlite3_stmt *st = store_statement(s, SQL_PUT_PRINCIPAL);
	enum store_status status;

	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, p->id);
	store_bind_text(st, 2, p->display_name);
	sqlite3_bind_int(st, 3, (int)p->roles);
	store_bind_text(st, 4, p->attributes_json);
	status = store_step_done(s, st, "saving a principal");
	if (status != STORE_OK)
		return status;

	st = store_statement(s, SQL_CLEAR_GROUPS);
	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, p->id);
	status = store_step_done(s, st, "clearing groups");
	for (size_t i = 0; status == STORE_OK && i < p->group_count; i++) {
		st = store_statement(s, SQL_ADD_GROUP);
		if (!st)
			return STORE_ERROR;
		store_bind_text(st, 1, p->groups[i]);
		store_bind_text(st, 2, p->id);
		status = store_step_done(s, st, "adding a group member");
	}
	return status;
}

static void read_route(sqlite3_stmt *st, struct resource_route *out)
{
	out->id = store_column_text(st, 0);
	out->owner_group = store_column_text(st, 1);
	out->approvals_needed = sqlite3_column_int(st, 2);
	out->max_duration_seconds = sqlite3_column_int64(st, 3);
}

enum store_status store_get_route(struct store *s, const char *resource, struct resource_route *out)
{
	sqlite3_stmt *st = store_statement(s, SQL_GET_ROUTE);
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, resource);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_route(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOT_FOUND : store_fail(s, "loading a route");
}

enum store_status store_put_route(struct store *s, const struct resource_route *route)
{
	sqlite3_stmt *st = store_statement(s, SQL_PUT_ROUTE);

	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, route->id);
	store_bind_text(st, 2, route->owner_group);
	sqlite3_bind_int(st, 3, route->approvals_needed);
	sqlite3_bind_int64(st, 4, route->max_duration_seconds);
	return store_step_done(s, st, "saving a route");
}

enum store_status store_list_routes(struct store *s, const char *after_id, int limit,
				    struct resource_route **out, size_t *count)
{
	sqlite3_stmt *st = store_statement(s, SQL_LIST_ROUTES);
	int rc;

	*out = NULL;
	*count = 0;
	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, after_id ? after_id : "");
	sqlite3_bind_int(st, 2, limit);
	*out = xcalloc((size_t)limit, sizeof **out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_route(st, &(*out)[(*count)++]);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < *count; i++)
			resource_route_free(&(*out)[i]);
		free(*out);
		*out = NULL;
		*count = 0;
		return store_fail(s, "listing routes");
	}
	return STORE_OK;
}

void resource_route_free(struct resource_route *route)
{
	free(route->id);
	free(route->owner_group);
	memset(route, 0, sizeof *route);
}
