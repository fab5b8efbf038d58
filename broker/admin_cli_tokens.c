/* gatehoused token create, list and revoke. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/admin_cli_internal.h"
#include "common/crypto.h"
#include "common/timeutil.h"

/* The shortest --id accepted by token revoke: shorter prefixes match too many tokens by chance. */
#define TOKEN_ID_MIN_DIGITS 6

/* Whether principal exists; prints why not. */
static bool principal_exists(struct store *s, const char *id)
{
	struct principal p;
	enum store_status status = store_get_principal(s, id, &p);

	if (status == STORE_OK) {
		principal_free(&p);
		return true;
	}
	if (status == STORE_NOT_FOUND)
		admin_error("principal \"%s\" not found; add it with \"gatehoused principal add\"",
			    admin_shown(id));
	else
		admin_error("reading principal \"%s\" failed: %s", admin_shown(id),
			    admin_shown(store_last_error(s)));
	return false;
}

int admin_token_create(const struct admin_options *o)
{
	char token[64], hash[SHA256_HEX_LEN];
	struct store *s;
	int status = 1;

	if (!o->principal) {
		admin_error("token create needs --principal ID");
		return 2;
	}
	if (!(s = admin_open_store(o->db)))
		return 1;
	if (!principal_exists(s, o->principal)) {
		store_close(s);
		return 1;
	}
	if (!token_generate(token, sizeof token)) {
		admin_error("the system's random source failed");
	} else {
		sha256_hex(token, strlen(token), hash);
		if (store_add_token(s, o->principal, hash, o->label ? o->label : "cli", time_now()) == STORE_OK) {
			printf("%s\n", token);
			status = 0;
		} else {
			admin_error("saving the token failed: %s", admin_shown(store_last_error(s)));
		}
		secret_wipe(token, sizeof token);
	}
	store_close(s);
	return status;
}

int admin_token_list(const struct admin_options *o)
{
	static const char *const header[] = { "ID", "CREATED", "PRINCIPAL", "LABEL" };
	struct admin_table table;
	struct token_info *tokens;
	size_t count;
	struct store *s = admin_open_store(o->db);

	if (!s)
		return 1;
	if (store_list_tokens(s, o->principal, NULL, &tokens, &count) != STORE_OK) {
		admin_error("listing the tokens failed: %s", admin_shown(store_last_error(s)));
		store_close(s);
		return 1;
	}
	admin_table_init(&table, header, 4);
	for (size_t i = 0; i < count; i++) {
		char created[RFC3339_LEN];
		time_format_rfc3339(tokens[i].created_at, created);
		const char *row[] = { tokens[i].id, created, tokens[i].principal_id,
				      tokens[i].label ? tokens[i].label : "" };
		admin_table_add(&table, row);
		token_info_free(&tokens[i]);
	}
	free(tokens);
	admin_table_print(&table);
	admin_table_free(&table);
	store_close(s);
	return 0;
}

/* Check and lowercase a token id given to --id into prefix (SHA256_HEX_LEN bytes). */
static bool parse_token_id(const char *id, char *prefix)
{
	size_t n = strlen(id);

	if (n < TOKEN_ID_MIN_DIGITS || n > SHA256_HEX_LEN - 1 || strspn(id, "0123456789abcdefABCDEF") != n) {
		admin_error("invalid --id \"%s\": give the first %d or more hex digits of a token's id "
			    "from gatehoused token list", admin_shown(id), TOKEN_ID_MIN_DIGITS);
		return false;
	}
	for (size_t i = 0; i <= n; i++)
		prefix[i] = (char)tolower((unsigned char)id[i]);
	return true;
}

/* Check that the tokens to revoke are what the caller means; prints why not. */
static bool check_revocation(struct store *s, const char *principal, const char *prefix)
{
	struct token_info *tokens;
	size_t count;

	if (principal && !principal_exists(s, principal))
		return false;
	if (!prefix)
		return true;
	if (store_list_tokens(s, NULL, prefix, &tokens, &count) != STORE_OK) {
		admin_error("listing the tokens failed: %s", admin_shown(store_last_error(s)));
		return false;
	}
	for (size_t i = 0; i < count; i++)
		token_info_free(&tokens[i]);
	free(tokens);
	if (count == 0)
		admin_error("no token has an id that starts with %s; see gatehoused token list", prefix);
	else if (count > 1)
		admin_error("%zu tokens have an id that starts with %s; give more digits", count, prefix);
	return count == 1;
}

int admin_token_revoke(const struct admin_options *o)
{
	char prefix[SHA256_HEX_LEN];
	int64_t deleted = 0;
	struct store *s;
	bool ok;

	if (!o->id == !o->principal) {
		admin_error("token revoke needs --id HASHPREFIX or --principal ID, not both");
		return 2;
	}
	if (o->id && !parse_token_id(o->id, prefix))
		return 2;
	if (!(s = admin_open_store(o->db)))
		return 1;
	ok = store_begin_write(s) == STORE_OK &&
	     check_revocation(s, o->principal, o->id ? prefix : NULL) &&
	     store_delete_tokens(s, o->principal, o->id ? prefix : NULL, &deleted) == STORE_OK &&
	     store_commit(s) == STORE_OK;
	if (!ok) {
		if (store_last_error(s)[0])
			admin_error("revoking failed: %s", admin_shown(store_last_error(s)));
		store_rollback(s);
		store_close(s);
		return 1;
	}
	if (o->id)
		printf("revoked token %s\n", prefix);
	else
		printf("revoked %lld tokens of %s\n", (long long)deleted, admin_shown(o->principal));
	store_close(s);
	return 0;
}
