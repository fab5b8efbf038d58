/* Opening and closing the cache, and where its file lives by default. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/internal.h"
#include "common/alloc.h"
#include "common/crypto.h"
#include "common/strbuf.h"

/*
 * How long a statement waits for another connection's write lock before it
 * fails with "database is locked". A transaction of one page of puts should
 * take a small fraction of this, so a longer wait means a stuck writer.
 */
#define BUSY_TIMEOUT_MS 5000

/* The URL's SHA-256 digits in the file name: 64 bits, so two brokers never collide in practice. */
#define URL_HASH_DIGITS 16

static bool open_database(struct cache *cache)
{
	/* NOMUTEX: a handle is used by one thread at a time, so SQLite's per-call locking is wasted. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX;

	if (sqlite3_open_v2(cache->path, &cache->db, flags, NULL) != SQLITE_OK)
		return cache_fail(cache, "open %s", cache->path);
	sqlite3_busy_timeout(cache->db, BUSY_TIMEOUT_MS);
	/* The first statement reads the file header, so a file that is not a database fails here. */
	if (sqlite3_exec(cache->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
		return cache_fail(cache, "open %s", cache->path);
	/*
	 * SQLite's PRAGMA synchronous documentation: in WAL mode NORMAL keeps the
	 * file consistent, but power loss or an OS crash may roll back the last
	 * commits. cache_outbox_add commits with FULL because of that.
	 */
	return cache_exec(cache, "PRAGMA synchronous = NORMAL", "set synchronous mode") &&
	       cache_exec(cache, "PRAGMA foreign_keys = ON", "enable foreign keys");
}

struct cache *cache_open(const char *path, char *err, size_t errlen)
{
	struct cache *cache = xcalloc(1, sizeof *cache);
	/*
	 * SQLite creates -wal and -shm itself. SQLite 3.40 gives them the database
	 * file's mode, and the umask keeps them private with a build that does not.
	 */
	mode_t saved_umask = umask(077);
	bool ok;

	cache->path = xstrdup(path);
	ok = cache_files_prepare(path, cache->error, sizeof cache->error) &&
	     open_database(cache) &&
	     cache_migrate(cache);
	umask(saved_umask);
	if (!ok) {
		snprintf(err, errlen, "%s", cache->error);
		cache_close(cache);
		return NULL;
	}
	return cache;
}

void cache_close(struct cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(cache->statements[i]);
	sqlite3_close(cache->db);
	free(cache->path);
	free(cache);
}

char *cache_default_path(const char *broker_url, const char *identity)
{
	const char *xdg_cache = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char digest[SHA256_HEX_LEN];
	struct strbuf path = STRBUF_INIT, key = STRBUF_INIT;

	strbuf_printf(&key, "%s\n%s", broker_url, identity ? identity : "");
	sha256_hex(key.data, key.len, digest);
	secret_wipe(key.data, key.len);
	strbuf_free(&key);
	/* The XDG Base Directory Specification (0.8) requires ignoring a relative XDG_CACHE_HOME. */
	if (xdg_cache && xdg_cache[0] == '/')
		strbuf_printf(&path, "%s/gatehouse/", xdg_cache);
	else if (home && home[0] == '/')
		strbuf_printf(&path, "%s/.cache/gatehouse/", home);
	else
		return NULL;
	strbuf_printf(&path, "cache-%.*s.db", URL_HASH_DIGITS, digest);
	return strbuf_detach(&path);
}
