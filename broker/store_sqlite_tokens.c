/* The SQLite store: bearer tokens, kept as the SHA-256 of each token. */

#include "broker/store_sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const char SQL_ADD_TOKEN[] =
	"INSERT INTO tokens(hash, principal_id, label, created_at) VALUES(?, ?, ?, ?)";
/* ?1 is a principal or NULL for any, ?2 a start of the hash or NULL for any. */
static const char SQL_LIST_TOKENS[] =
	"SELECT substr(hash, 1, 12), principal_id, label, created_at FROM tokens"
	" WHERE (?1 IS NULL OR principal_id = ?1)"
	" AND (?2 IS NULL OR substr(hash, 1, length(?2)) = ?2)"
	" ORDER BY principal_id, created_at, hash";
static const char SQL_DELETE_TOKENS[] =
	"DELETE FROM tokens WHERE (?1 IS NULL OR principal_id = ?1)"
	" AND (?2 IS NULL OR substr(hash, 1, length(?2)) = ?2)";

enum store_status store_add_token(struct store *s, const char *principal_id,
				  const char *token_hash, const char *label, int64_t created_at)
{
	sqlite3_stmt *st = store_statement(s, SQL_ADD_TOKEN);

	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, token_hash);
	store_bind_text(st, 2, principal_id);
	store_bind_text(st, 3, label);
	sqlite3_bind_int64(st, 4, created_at);
	return store_step_done(s, st, "saving a token");
}

static void read_token(sqlite3_stmt *st, struct token_info *out)
{
	const unsigned char *id = sqlite3_column_text(st, 0);

	snprintf(out->id, sizeof out->id, "%s", id ? (const char *)id : "");
	out->principal_id = store_column_text(st, 1);
	out->label = store_column_text(st, 2);
	out->created_at = sqlite3_column_int64(st, 3);
}

enum store_status store_list_tokens(struct store *s, const char *principal, const char *hash_prefix,
				    struct token_info **out, size_t *count)
{
	sqlite3_stmt *st = store_statement(s, SQL_LIST_TOKENS);
	size_t capacity = 0;
	int rc;

	*out = NULL;
	*count = 0;
	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, principal);
	store_bind_text(st, 2, hash_prefix);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count == capacity) {
			capacity = capacity ? capacity * 2 : 16;
			*out = xreallocarray(*out, capacity, sizeof **out);
		}
		read_token(st, &(*out)[(*count)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < *count; i++)
			token_info_free(&(*out)[i]);
		free(*out);
		*out = NULL;
		*count = 0;
		return store_fail(s, "listing tokens");
	}
	return STORE_OK;
}

enum store_status store_delete_tokens(struct store *s, const char *principal,
				      const char *hash_prefix, int64_t *deleted)
{
	sqlite3_stmt *st = store_statement(s, SQL_DELETE_TOKENS);
	enum store_status status;

	*deleted = 0;
	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, principal);
	store_bind_text(st, 2, hash_prefix);
	status = store_step_done(s, st, "deleting tokens");
	if (status == STORE_OK)
		*deleted = sqlite3_changes(s->db);
	return status;
}

void token_info_free(struct token_info *t)
{
	free(t->principal_id);
	free(t->label);
	memset(t, 0, sizeof *t);
}
