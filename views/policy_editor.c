/*
 * Editing the policy in the user's own editor: the text goes to a private
 * temporary file, the editor runs on it without a shell, and the file is read
 * back and deleted.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/file_read.h"
#include "common/strbuf.h"
#include "views/policy.h"

/* The editor gets at most this many arguments from $VISUAL or $EDITOR. */
#define EDITOR_WORDS_MAX 32
/* An edited policy larger than this is rejected: the broker takes bodies of 64 KiB at most. */
#define EDITED_MAX (1024 * 1024)

static const char *editor_command(void)
{
	const char *visual = getenv("VISUAL");
	const char *editor = getenv("EDITOR");

	if (visual && *visual)
		return visual;
	if (editor && *editor)
		return editor;
	return "vi";
}

bool policy_write_all(int fd, const char *text, size_t length)
{
	while (length > 0) {
		ssize_t n = write(fd, text, length);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		text += n;
		length -= (size_t)n;
	}
	return true;
}

/* Create the temporary file with text in it; the name goes to path. */
static bool write_temporary(const char *text, size_t length, struct strbuf *path, char *err,
			    size_t errlen)
{
	const char *directory = getenv("TMPDIR");
	int fd;

	if (!directory || !*directory)
		directory = "/tmp";
	strbuf_printf(path, "%s/gatehouse-policy-XXXXXX", directory);
	/* mkstemp creates the file with mode 0600 and O_EXCL, so nobody else can read or swap it. */
	fd = mkstemp(path->data);
	if (fd < 0) {
		snprintf(err, errlen, "creating a temporary file in %s failed: %s", directory,
			 strerror(errno));
		return false;
	}
	bool written = policy_write_all(fd, text, length);
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

/* Split the editor string on spaces into words, which point into copy. */
static size_t split_words(char *copy, char **words, size_t max)
{
	size_t count = 0;
	char *save = NULL;

	for (char *word = strtok_r(copy, " ", &save); word && count < max;
	     word = strtok_r(NULL, " ", &save))
		words[count++] = word;
	return count;
}

/* Run the editor on path and wait for it; false with err when it failed. */
static bool run_editor(const char *path, char *err, size_t errlen)
{
	char *copy = xstrdup(editor_command());
	char *words[EDITOR_WORDS_MAX + 2];
	size_t count = split_words(copy, words, EDITOR_WORDS_MAX);
	int status = 0;
	pid_t child, waited;

	if (count == 0) {
		snprintf(err, errlen, "$VISUAL or $EDITOR names no program");
		free(copy);
		return false;
	}
	words[count] = (char *)path;
	words[count + 1] = NULL;
	child = fork();
	if (child == 0) {
		/* The cache and the broker's connections stay with the console. */
		closefrom(STDERR_FILENO + 1);
		execvp(words[0], words);
		_exit(127);
	}
	if (child < 0) {
		snprintf(err, errlen, "starting %s failed: %s", words[0], strerror(errno));
		free(copy);
		return false;
	}
	do
		waited = waitpid(child, &status, 0);
	while (waited < 0 && errno == EINTR);
	bool ok = waited == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;

	if (!ok && waited == child && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(err, errlen, "the editor %s could not be run (exit status 127): set $VISUAL "
			 "or $EDITOR to an editor on your PATH", words[0]);
	else if (!ok && waited == child && WIFEXITED(status))
		snprintf(err, errlen, "the editor %s exited with status %d; the edit was discarded",
			 words[0], WEXITSTATUS(status));
	else if (!ok)
		snprintf(err, errlen, "the editor %s was stopped by a signal; the edit was discarded",
			 words[0]);
	free(copy);
	return ok;
}

/*
 * Read the edited file back. The editor may have replaced it with anything,
 * so file_read() rejects a FIFO, a link or a directory instead of waiting on it.
 */
static bool read_back(const char *path, char **edited, size_t *edited_length, char *err,
		      size_t errlen)
{
	struct strbuf text = STRBUF_INIT;

	if (file_read("edited policy", path, EDITED_MAX, FILE_READ_NOFOLLOW, &text, err, errlen) !=
	    FILE_READ_OK) {
		strbuf_free(&text);
		return false;
	}
	*edited_length = text.len;
	*edited = strbuf_detach(&text);
	return true;
}

bool policy_editor_run(const char *text, size_t length, char **edited, size_t *edited_length,
		       char *err, size_t errlen)
{
	struct strbuf path = STRBUF_INIT;
	bool ok;

	*edited = NULL;
	*edited_length = 0;
	ok = write_temporary(text, length, &path, err, errlen);
	if (ok) {
		ok = run_editor(path.data, err, errlen) &&
		     read_back(path.data, edited, edited_length, err, errlen);
		unlink(path.data);
	}
	strbuf_free(&path);
	return ok;
}
