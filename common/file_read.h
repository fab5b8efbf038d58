#ifndef GATEHOUSE_FILE_READ_H
#define GATEHOUSE_FILE_READ_H

/*
 * Read a small file that the user names (config, keymap, theme, history)
 * without ever blocking: a FIFO, a device or a directory is rejected before
 * anything is read from it, because opening or reading a FIFO with no
 * writer waits forever.
 */

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

/* The outcome of file_read(). */
enum file_read_status {
	FILE_READ_OK,
	FILE_READ_MISSING,      /* the path does not exist */
	FILE_READ_FAILED,       /* err contains the reason: not a regular file, too large, an I/O error */
};

enum file_read_flags {
	FILE_READ_NOFOLLOW = 1,  /* reject a symbolic link as the last component */
	FILE_READ_TEXT = 2,      /* reject a file that contains a NUL byte */
};

/*
 * Append the whole file at path to text: open it with O_NONBLOCK, check
 * with fstat that it is a regular file of at most max_bytes bytes, and read
 * it all. what names the file in err ("theme file"), as in "the theme file
 * PATH is not a regular file". A file that grows past max_bytes while it is
 * read is rejected too.
 */
enum file_read_status file_read(const char *what, const char *path, size_t max_bytes,
				unsigned flags, struct strbuf *text, char *err, size_t errlen);

#endif
