/* Issuing the demo principals' tokens and writing them to demo-tokens.json. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker/demo.h"
#include "common/crypto.h"

#define TOKENS_FILE "demo-tokens.json"

static bool issue(struct store *s, const char *principal, int64_t now, char *token, size_t size)
{
	char hash[SHA256_HEX_LEN];

	if (!token_generate(token, size))
		return false;
	sha256_hex(token, strlen(token), hash);
	return store_add_token(s, principal, hash, "demo", now) == STORE_OK;
}

/* Write the file under a temporary name with mode 0600, then rename it into place. */
static bool write_private_file(const char *path, const char *text, char *err, size_t errlen)
{
	char temporary[4200];
	size_t length = strlen(text);

	snprintf(temporary, sizeof temporary, "%s.tmp", path);
	int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %m", temporary);
		return false;
	}
	bool ok = fchmod(fd, 0600) == 0 && write(fd, text, length) == (ssize_t)length &&
		  fsync(fd) == 0;
	if (close(fd) != 0)
		ok = false;
	if (ok && rename(temporary, path) != 0)
		ok = false;
	if (!ok) {
		snprintf(err, errlen, "cannot write %s: %m", path);
		unlink(temporary);
	}
	return ok;
}

bool demo_write_tokens(struct store *s, const char *data_dir, int64_t now, char *err, size_t errlen)
{
	char admin[64], approver[64], requester[64], text[512], path[4096];
	bool ok;

	if (store_begin_write(s) != STORE_OK) {
		snprintf(err, errlen, "cannot issue demo tokens: %s", store_last_error(s));
		return false;
	}
	ok = issue(s, DEMO_ADMIN, now, admin, sizeof admin) &&
	     issue(s, DEMO_APPROVER, now, approver, sizeof approver) &&
	     issue(s, DEMO_REQUESTER, now, requester, sizeof requester);
	if (!ok || store_commit(s) != STORE_OK) {
		store_rollback(s);
		snprintf(err, errlen, "cannot issue demo tokens: %s", store_last_error(s));
		return false;
	}
	snprintf(text, sizeof text, "{\"admin\": \"%s\", \"approver\": \"%s\", \"requester\": \"%s\"}\n",
		 admin, approver, requester);
	snprintf(path, sizeof path, "%s/%s", data_dir, TOKENS_FILE);
	ok = write_private_file(path, text, err, errlen);
	secret_wipe(text, sizeof text);
	secret_wipe(admin, sizeof admin);
	secret_wipe(approver, sizeof approver);
	secret_wipe(requester, sizeof requester);
	return ok;
}
