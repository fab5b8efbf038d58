#include "broker/auth.h"

#include <string.h>
#include <strings.h>

#include "common/crypto.h"

/* Longer than any token gatehoused issues, short enough to bound the hashing work. */
#define TOKEN_MAX 512

static void reject(struct http_exchange *x, const char *detail)
{
	exchange_fail(x, 401, "unauthenticated", "%s", detail);
}

bool auth_authenticate(struct http_exchange *x)
{
	const char *header = exchange_header(x, MHD_HTTP_HEADER_AUTHORIZATION);
	char hash[SHA256_HEX_LEN];
	bool own_store = x->store == NULL;
	enum store_status status;

	if (!header) {
		reject(x, "send Authorization: Bearer TOKEN");
		return false;
	}
	if (strncasecmp(header, "Bearer ", 7) != 0) {
		reject(x, "the Authorization header must use the Bearer scheme");
		return false;
	}
	const char *token = header + 7;
	while (*token == ' ')
		token++;
	size_t length = strlen(token);
	if (length == 0 || length > TOKEN_MAX) {
		reject(x, "the bearer token is empty or too long");
		return false;
	}

	sha256_hex(token, length, hash);
	if (own_store && !(x->store = exchange_acquire_store(x)))
		return false;
	status = store_principal_by_token_hash(x->store, hash, &x->principal);
	if (own_store) {
		store_pool_release(x->broker->pool, x->store);
		x->store = NULL;
	}
	if (status == STORE_NOT_FOUND) {
		reject(x, "the bearer token is not valid");
		return false;
	}
	if (status != STORE_OK) {
		struct outcome o;
		outcome_store_failure(&o, status, "checking the token");
		exchange_respond_problem(x, &o);
		return false;
	}
	return true;
}
