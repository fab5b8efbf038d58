#ifndef GATEHOUSE_CACHE_H
#define GATEHOUSE_CACHE_H

/*
 * The console's local copy of what it has seen from one broker, in one
 * SQLite file: requests, grants, audit entries, a few metadata values and the
 * outbox of writes not yet confirmed by the broker. The views read it, the
 * client writes it, and nothing in it decides who may access what.
 *
 * A handle is for one thread at a time. Threads that need the cache at the
 * same time open a handle each: WAL mode lets one writer and many readers
 * work side by side.
 *
 * Conventions for every function in the cache headers: a bool result is
 * false on failure, a count of type int64_t is -1 on failure, and a function
 * that fills an array sets it to NULL on failure. After any failure
 * cache_last_error() names the operation and contains SQLite's message.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cache;

/* The result of a lookup that may find nothing. */
enum cache_result {
	CACHE_ERROR = -1,
	CACHE_NOT_FOUND = 0,
	CACHE_FOUND = 1,
};

/* The object kinds that a resync replaces. */
enum cache_object_kind {
	CACHE_REQUESTS,
	CACHE_GRANTS,
};

/*
 * Open the cache at path, creating the file and any missing parent
 * directories, and bring its schema up to date. Directories are created with
 * mode 0700 and the file, with its -wal and -shm files, has mode 0600 (an
 * existing file with a looser mode is tightened). Returns NULL with a message
 * in err when the file cannot be created or opened, is not a SQLite database,
 * belongs to another program, or has a schema newer than this build.
 *
 * NOTE: the process umask is set to 077 while the file opens, which also
 * affects files that other threads create at that moment.
 */
struct cache *cache_open(const char *path, char *err, size_t errlen);
void cache_close(struct cache *cache);

/*
 * Return the default cache file for a broker and a signed-in identity, which
 * the caller frees: $XDG_CACHE_HOME/gatehouse/cache-HASH.db, or
 * $HOME/.cache/gatehouse/... when XDG_CACHE_HOME is unset or relative. HASH is
 * the first 16 hex digits of the SHA-256 of broker_url exactly as given, a
 * newline, and identity (the console passes its bearer token, which the hash
 * does not reveal), so that two brokers, or two people on one broker, never
 * share a file. Returns NULL when neither variable is usable.
 */
char *cache_default_path(const char *broker_url, const char *identity);

/* The message of the last failure on this handle, "" when there was none. */
const char *cache_last_error(const struct cache *cache);

/*
 * Start, commit or roll back a write transaction. Puts made between
 * cache_begin and cache_commit commit together, so a page of 500 objects
 * takes the write lock and appends its changed pages to the WAL once, not 500
 * times, and readers see the whole page or none of it.
 */
bool cache_begin(struct cache *cache);
bool cache_commit(struct cache *cache);
bool cache_rollback(struct cache *cache);

/*
 * Metadata as strings. cache_meta_get sets *value to a string the caller
 * frees. cache_meta_set with a NULL value deletes the key.
 */
enum cache_result cache_meta_get(struct cache *cache, const char *key, char **value);
bool cache_meta_set(struct cache *cache, const char *key, const char *value);

/* The seq of the last event applied, 0 before the first. */
bool cache_get_last_seq(struct cache *cache, int64_t *seq);
bool cache_set_last_seq(struct cache *cache, int64_t seq);
/* The broker_id from /v1/me that the cached objects came from. */
enum cache_result cache_get_broker_id(struct cache *cache, char **broker_id);
bool cache_set_broker_id(struct cache *cache, const char *broker_id);
/* The time of the last successful contact with the broker, 0 before the first. */
bool cache_get_synced_at(struct cache *cache, int64_t *synced_at);
bool cache_set_synced_at(struct cache *cache, int64_t synced_at);
/* The body of the last /v1/me response. */
enum cache_result cache_get_me_json(struct cache *cache, char **json);
bool cache_set_me_json(struct cache *cache, const char *json);

/*
 * How far the one-time fetch of the broker's decided requests with one
 * status ("approved", "denied") has come. It is kept in the meta table, so a
 * fetch cut short resumes at cursor on the next start.
 */
struct cache_history_progress {
	char *cursor;               /* the next page's cursor; NULL for the first page, or when done */
	int64_t fetched;            /* requests stored so far */
	bool done;                  /* the last page, or the cap, was reached */
};

/* Read the progress of one status; CACHE_NOT_FOUND (and zeros) before its first page. */
enum cache_result cache_get_history_progress(struct cache *cache, const char *status,
					     struct cache_history_progress *out);
bool cache_set_history_progress(struct cache *cache, const char *status,
				const struct cache_history_progress *progress);
/* Forget the progress of one status, or of every status when status is NULL. */
bool cache_forget_history_progress(struct cache *cache, const char *status);
void cache_history_progress_free(struct cache_history_progress *progress);

/*
 * Replace every cached object of a kind with a fresh listing. The client
 * calls cache_resync_begin, puts every object of the listing (events that
 * arrive meanwhile may be put too), then calls cache_resync_end, which deletes
 * each object of that kind that no put has touched since cache_resync_begin.
 * A put that is ignored because the cache has a newer version still counts
 * as seen. With a status, cache_resync_end deletes only unseen objects in
 * that status, for a listing filtered by status such as
 * GET /v1/requests?status=pending. A resync that never ends deletes nothing.
 * cache_resync_end returns the number of objects deleted.
 */
bool cache_resync_begin(struct cache *cache, enum cache_object_kind kind);
int64_t cache_resync_end(struct cache *cache, enum cache_object_kind kind, const char *status);

/*
 * Delete every cached request, grant and audit entry, the stored last_seq
 * that pointed into their event stream and the progress of the fetch of
 * decided requests, for a client that finds
 * another broker_id behind its URL. The outbox is kept. Returns the number of
 * outbox items still queued or being sent, which were meant for the other
 * broker, so that the caller can tell the user before sending them.
 */
int64_t cache_clear_objects(struct cache *cache);

#endif
