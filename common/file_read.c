#include "common/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum file_read_status fail(char *err, size_t errlen, const char *what, const char *path,
				  const char *reason)
{
	snprintf(err, errlen, "the %s %s %s", what, path, reason);
	return FILE_READ_FAILED;
}

static const char *describe_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return "is a directory, not a regular file";
	if (S_ISFIFO(mode))
		return "is a FIFO, not a regular file";
	if (S_ISSOCK(mode))
		return "is a socket, not a regular file";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "is a device, not a regular file";
	return "is not a regular file";
}

/* Read fd to its end, failing once more than max_bytes arrive. */
static enum file_read_status read_all(int fd, const char *what, const char *path,
				      size_t max_bytes, struct strbuf *text, char *err,
				      size_t errlen)
{
	size_t start = text->len;
	char chunk[8192];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read the %s %s: %s", what, path, strerror(errno));
			return FILE_READ_FAILED;
		}
		if (n == 0)
			return FILE_READ_OK;
		if (text->len - start + (size_t)n > max_bytes) {
			snprintf(err, errlen, "the %s %s is larger than %zu bytes; is it the right file?",
				 what, path, max_bytes);
			return FILE_READ_FAILED;
		}
		strbuf_append(text, chunk, (size_t)n);
	}
}

static enum file_read_status read_open_file(int fd, const char *what, const char *path,
					    size_t max_bytes, unsigned flags, struct strbuf *text,
					    char *err, size_t errlen)
{
	size_t start = text->len;
	struct stat st;
	enum file_read_status status;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read the %s %s: %s", what, path, strerror(errno));
		return FILE_READ_FAILED;
	}
	if (!S_ISREG(st.st_mode))
		return fail(err, errlen, what, path, describe_type(st.st_mode));
	if ((unsigned long long)st.st_size > max_bytes) {
		snprintf(err, errlen, "the %s %s is larger than %zu bytes; is it the right file?",
			 what, path, max_bytes);
		return FILE_READ_FAILED;
	}
	status = read_all(fd, what, path, max_bytes, text, err, errlen);
	if (status == FILE_READ_OK && (flags & FILE_READ_TEXT) &&
	    memchr(strbuf_str(text) + start, '\0', text->len - start))
		return fail(err, errlen, what, path, "is not a text file (it contains a NUL byte)");
	return status;
}

enum file_read_status file_read(const char *what, const char *path, size_t max_bytes,
				unsigned flags, struct strbuf *text, char *err, size_t errlen)
{
	int open_flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	enum file_read_status status;
	int fd;

	if (flags & FILE_READ_NOFOLLOW)
		open_flags |= O_NOFOLLOW;
	fd = open(path, open_flags);
	if (fd < 0) {
		int open_errno = errno;

		if (open_errno == ELOOP && (flags & FILE_READ_NOFOLLOW))
			return fail(err, errlen, what, path, "is a symbolic link, which is not followed");
		snprintf(err, errlen, "cannot read the %s %s: %s", what, path, strerror(open_errno));
		return open_errno == ENOENT ? FILE_READ_MISSING : FILE_READ_FAILED;
	}
	status = read_open_file(fd, what, path, max_bytes, flags, text, err, errlen);
	close(fd);
	return status;
}
