/* The SQLite store: grants, and the deadlines the reaper waits for. */

#include "broker/store_sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define GRANT_COLUMNS                                                                \
	"id, request_id, principal, resource, role, kind, status, granted_at, expires_at," \
	" revoked_at, revoked_by, reason, request_reason, last_used_at, version"

static const char SQL_INSERT_GRANT[] =
	"INSERT INTO grants(request_id, principal, resource, role, kind, status, granted_at,"
	" expires_at, revoked_at, revoked_by, reason, request_reason, last_used_at, version)"
	" VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_GET_GRANT[] = "SELECT " GRANT_COLUMNS " FROM grants WHERE id = ?";
static const char SQL_UPDATE_GRANT[] =
	"UPDATE grants SET status = ?, revoked_at = ?, revoked_by = ?, reason = ?,"
	" last_used_at = ?, version = ? WHERE id = ?";
/*
 * The deadline queries name their partial indexes: without statistics SQLite picks
 * grants_status and requests_status instead and reads every active grant and
 * pending request. With the 40,000 pending requests of the approvals benchmark,
 * the reaper's two store_next_deadline calls a second took 6% of the broker's CPU.
 */
static const char SQL_DUE_GRANTS[] =
	"SELECT id FROM grants INDEXED BY grants_active_expiry"
	" WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY id";
static const char SQL_ACTIVE_BY_PRINCIPAL[] =
	"SELECT id FROM grants WHERE principal = ? AND status = 'active' ORDER BY id";
static const char SQL_ACTIVE_BY_RESOURCE[] =
	"SELECT id FROM grants WHERE resource = ? AND status = 'active' ORDER BY id";
static const char SQL_ACTIVE_BY_BOTH[] =
	"SELECT id FROM grants WHERE principal = ? AND resource = ? AND status = 'active' ORDER BY id";
static const char SQL_NEXT_DEADLINE[] =
	"SELECT min(t) FROM ("
	" SELECT min(expires_at) AS t FROM requests INDEXED BY requests_pending_expiry"
	"  WHERE status = 'pending'"
	" UNION ALL"
	" SELECT min(expires_at) FROM grants INDEXED BY grants_active_expiry"
	"  WHERE status = 'active' AND expires_at IS NOT NULL)";

static void bind_grant_fields(sqlite3_stmt *st, const struct grant *g)
{
	store_bind_time(st, 1, g->request_id);
	store_bind_text(st, 2, g->principal);
	store_bind_text(st, 3, g->resource);
	store_bind_text(st, 4, g->role);
	sqlite3_bind_text(st, 5, grant_kind_name(g->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, grant_status_name(g->status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, g->granted_at);
	store_bind_time(st, 8, g->expires_at);
	store_bind_time(st, 9, g->revoked_at);
	store_bind_text(st, 10, g->revoked_by);
	store_bind_text(st, 11, g->reason);
	store_bind_text(st, 12, g->request_reason);
	store_bind_time(st, 13, g->last_used_at);
	sqlite3_bind_int64(st, 14, g->version);
}

enum store_status store_insert_grant(struct store *s, struct grant *g)
{
	sqlite3_stmt *st = store_statement(s, SQL_INSERT_GRANT);
	enum store_status status;

	if (!st)
		return STORE_ERROR;
	bind_grant_fields(st, g);
	status = store_step_done(s, st, "saving a grant");
	if (status == STORE_OK)
		g->id = sqlite3_last_insert_rowid(s->db);
	return status;
}

static void read_grant_row(sqlite3_stmt *st, struct grant *g)
{
	const char *kind = (const char *)sqlite3_column_text(st, 5);
	const char *status = (const char *)sqlite3_column_text(st, 6);

	memset(g, 0, sizeof *g);
	g->id = sqlite3_column_int64(st, 0);
	g->request_id = sqlite3_column_int64(st, 1);
	g->principal = store_column_text(st, 2);
	g->resource = store_column_text(st, 3);
	g->role = store_column_text(st, 4);
	if (!kind || !grant_kind_parse(kind, &g->kind))
		g->kind = GRANT_JIT; /* the CHECK constraint makes this unreachable */
	if (!status || !grant_status_parse(status, &g->status))
		g->status = GRANT_EXPIRED;
	g->granted_at = sqlite3_column_int64(st, 7);
	g->expires_at = sqlite3_column_int64(st, 8);
	g->revoked_at = sqlite3_column_int64(st, 9);
	g->revoked_by = store_column_text(st, 10);
	g->reason = store_column_text(st, 11);
	g->request_reason = store_column_text(st, 12);
	g->last_used_at = sqlite3_column_int64(st, 13);
	g->version = sqlite3_column_int64(st, 14);
}

enum store_status store_get_grant(struct store *s, int64_t id, struct grant *out)
{
	sqlite3_stmt *st = store_statement(s, SQL_GET_GRANT);
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_grant_row(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOT_FOUND : store_fail(s, "loading a grant");
}

enum store_status store_update_grant(struct store *s, const struct grant *g)
{
	sqlite3_stmt *st = store_statement(s, SQL_UPDATE_GRANT);
	enum store_status status;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, grant_status_name(g->status), -1, SQLITE_STATIC);
	store_bind_time(st, 2, g->revoked_at);
	store_bind_text(st, 3, g->revoked_by);
	store_bind_text(st, 4, g->reason);
	store_bind_time(st, 5, g->last_used_at);
	sqlite3_bind_int64(st, 6, g->version);
	sqlite3_bind_int64(st, 7, g->id);
	status = store_step_done(s, st, "updating a grant");
	if (status == STORE_OK && sqlite3_changes(s->db) == 0)
		return STORE_NOT_FOUND;
	return status;
}

/*
 * The listing statement for each combination of filters, built once so that
 * SQLite plans each with the index that fits. As for requests, the status is
 * written into the SQL, because a bound one is compared with the partial index
 * grants_active_expiry and the statement is then recompiled on every run.
 */
enum {
	LIST_BY_KIND = 1, LIST_BY_PRINCIPAL = 2, LIST_BY_RESOURCE = 4, LIST_FILTER_FORMS = 8
};
#define LIST_STATUS_CHOICES (GRANT_STATUS_COUNT + 1) /* any status, or one */
static char grant_list_sql[LIST_STATUS_CHOICES][LIST_FILTER_FORMS][512];
static pthread_once_t grant_list_sql_once = PTHREAD_ONCE_INIT;

static void build_grant_list_sql(void)
{
	char status_filter[64];

	for (int choice = 0; choice < LIST_STATUS_CHOICES; choice++) {
		status_filter[0] = '\0';
		if (choice > 0)
			snprintf(status_filter, sizeof status_filter, " AND status = '%s'",
				 grant_status_name((enum grant_status)(choice - 1)));
		for (int form = 0; form < LIST_FILTER_FORMS; form++)
			snprintf(grant_list_sql[choice][form], sizeof grant_list_sql[choice][form],
				 "SELECT " GRANT_COLUMNS " FROM grants WHERE id < ?5%s%s%s%s"
				 " ORDER BY id DESC LIMIT ?6", status_filter,
				 form & LIST_BY_KIND ? " AND kind = ?2" : "",
				 form & LIST_BY_PRINCIPAL ? " AND principal = ?3" : "",
				 form & LIST_BY_RESOURCE ? " AND resource = ?4" : "");
	}
}

static const char *grant_list_statement(const struct grant_query *q)
{
	int form = (q->kind >= 0 ? LIST_BY_KIND : 0) | (q->principal ? LIST_BY_PRINCIPAL : 0) |
		   (q->resource ? LIST_BY_RESOURCE : 0);
	int choice = q->status >= 0 ? q->status + 1 : 0;

	pthread_once(&grant_list_sql_once, build_grant_list_sql);
	return grant_list_sql[choice][form];
}

enum store_status store_list_grants(struct store *s, const struct grant_query *q,
				    struct grant **out, size_t *count)
{
	sqlite3_stmt *st = store_statement(s, grant_list_statement(q));
	int rc;

	*out = NULL;
	*count = 0;
	if (!st)
		return STORE_ERROR;
	if (q->kind >= 0)
		sqlite3_bind_text(st, 2, grant_kind_name((enum grant_kind)q->kind), -1, SQLITE_STATIC);
	store_bind_text(st, 3, q->principal);
	store_bind_text(st, 4, q->resource);
	sqlite3_bind_int64(st, 5, q->before_id > 0 ? q->before_id : INT64_MAX);
	sqlite3_bind_int(st, 6, q->limit);

	*out = xcalloc((size_t)q->limit, sizeof **out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_grant_row(st, &(*out)[(*count)++]);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < *count; i++)
			grant_free(&(*out)[i]);
		free(*out);
		*out = NULL;
		*count = 0;
		return store_fail(s, "listing grants");
	}
	return STORE_OK;
}

enum store_status store_active_grant_ids(struct store *s, const char *principal,
					 const char *resource, int64_t **ids, size_t *count)
{
	sqlite3_stmt *st;

	if (principal && resource) {
		st = store_statement(s, SQL_ACTIVE_BY_BOTH);
		if (st) {
			store_bind_text(st, 1, principal);
			store_bind_text(st, 2, resource);
		}
	} else if (principal) {
		st = store_statement(s, SQL_ACTIVE_BY_PRINCIPAL);
		if (st)
			store_bind_text(st, 1, principal);
	} else {
		st = store_statement(s, SQL_ACTIVE_BY_RESOURCE);
		if (st)
			store_bind_text(st, 1, resource);
	}
	if (!st)
		return STORE_ERROR;
	return store_collect_ids(s, st, ids, count);
}

enum store_status store_due_grants(struct store *s, int64_t now, int64_t **ids, size_t *count)
{
	sqlite3_stmt *st = store_statement(s, SQL_DUE_GRANTS);

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, now);
	return store_collect_ids(s, st, ids, count);
}

enum store_status store_next_deadline(struct store *s, int64_t *at)
{
	sqlite3_stmt *st = store_statement(s, SQL_NEXT_DEADLINE);
	int rc;

	*at = 0;
	if (!st)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*at = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "finding the next deadline");
}
