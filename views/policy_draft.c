/*
 * Setting a stale draft aside: after someone else published, the user's draft
 * goes to a private file next to the cache, so that the pane can show the new
 * published policy without losing the user's text or publishing it unseen.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "views/policy.h"

/* Files of the same draft version saved within one second get "-2" up to this suffix. */
#define SAME_SECOND_MAX 100

/* Write "DIRECTORY/policy-draft-vN-20261204T151108Z[-K].policy" into path, DIRECTORY being the cache's. */
static void draft_file_name(const char *cache_path, int64_t based_on, int64_t now, int attempt,
			    struct strbuf *path)
{
	const char *slash = strrchr(cache_path, '/');
	time_t seconds = (time_t)now;
	struct tm utc;
	char stamp[32];

	gmtime_r(&seconds, &utc);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
	strbuf_reset(path);
	if (slash)
		strbuf_append(path, cache_path, (size_t)(slash - cache_path) + 1);
	strbuf_printf(path, "policy-draft-v%lld-%s", (long long)based_on, stamp);
	if (attempt > 1)
		strbuf_printf(path, "-%d", attempt);
	strbuf_puts(path, ".policy");
}

/* Create a new file at path with mode 0600 that no one else can have made or linked; -1 with errno. */
static int create_private(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

bool policy_draft_save(const char *cache_path, const char *text, int64_t based_on, int64_t now,
		       struct strbuf *path, char *err, size_t errlen)
{
	int fd = -1;

	for (int attempt = 1; fd < 0 && attempt <= SAME_SECOND_MAX; attempt++) {
		draft_file_name(cache_path, based_on, now, attempt, path);
		fd = create_private(path->data);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		snprintf(err, errlen, "creating %s failed: %s", path->data, strerror(errno));
		return false;
	}
	bool written = policy_write_all(fd, text, strlen(text));
	int saved = errno;

	if (close(fd) != 0 && written) {
		written = false;
		saved = errno;
	}
	if (!written) {
		snprintf(err, errlen, "writing %s failed: %s", path->data, strerror(saved));
		unlink(path->data);
	}
	return written;
}
