/*
 * The cache file and its directories, created or tightened to private modes
 * before SQLite opens them.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/internal.h"
#include "common/alloc.h"
#include "common/strbuf.h"

static bool make_parent_directories(const char *path, char *err, size_t errlen)
{
	char *prefix = xstrdup(path);
	bool ok = true;

	/* Start after the first byte so that an absolute path does not try mkdir(""). */
	for (char *slash = strchr(prefix + 1, '/'); ok && slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(prefix, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "create cache directory %s: %s", prefix, strerror(errno));
			ok = false;
		}
		*slash = '/';
	}
	free(prefix);
	return ok;
}

/* Set a file's mode to 0600 when group or others have any permission on it. */
static bool tighten_mode(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "stat %s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file: choose another cache path", path);
		return false;
	}
	if ((st.st_mode & 077) && fchmod(fd, 0600) != 0) {
		snprintf(err, errlen, "set mode 0600 on %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

/*
 * Open path (creating it when create is set), tighten its mode, and close it.
 * O_NOFOLLOW rejects a symbolic link, which could point the cache anywhere.
 */
static bool prepare_file(const char *path, bool create, char *err, size_t errlen)
{
	int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0);
	int fd = open(path, flags, 0600);

	if (fd < 0 && !create && errno == ENOENT)
		return true;
	if (fd < 0 && errno == ELOOP) {
		snprintf(err, errlen, "open cache file %s: the path is a symbolic link, which the"
			 " cache does not follow. Remove the link or choose another cache path", path);
		return false;
	}
	if (fd < 0) {
		snprintf(err, errlen, "open cache file %s: %s", path, strerror(errno));
		return false;
	}
	bool ok = tighten_mode(fd, path, err, errlen);
	close(fd);
	return ok;
}

bool cache_files_prepare(const char *path, char *err, size_t errlen)
{
	static const char *const sqlite_suffixes[] = { "-wal", "-shm" };
	struct strbuf sibling = STRBUF_INIT;
	bool ok;

	ok = make_parent_directories(path, err, errlen) && prepare_file(path, true, err, errlen);
	for (size_t i = 0; ok && i < sizeof sqlite_suffixes / sizeof sqlite_suffixes[0]; i++) {
		strbuf_reset(&sibling);
		strbuf_printf(&sibling, "%s%s", path, sqlite_suffixes[i]);
		ok = prepare_file(sibling.data, false, err, errlen);
	}
	strbuf_free(&sibling);
	return ok;
}
