#include "tui/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const int handled_signals[] = {
	SIGWINCH, SIGTERM, SIGINT, SIGHUP, SIGTSTP, SIGCONT,
};

#define HANDLED_COUNT (sizeof handled_signals / sizeof handled_signals[0])

static int pipe_fds[2] = { -1, -1 };
static struct sigaction previous_actions[HANDLED_COUNT];
/* Set while a signal's byte is in the pipe. atomic_flag is lock-free, so handlers may use it. */
static atomic_flag unread[NSIG];

static void on_signal(int signal_number)
{
	int saved_errno = errno;

	if (!atomic_flag_test_and_set(&unread[signal_number])) {
		unsigned char byte = (unsigned char)signal_number;

		/* The unread flags keep at most one byte per handled signal in the pipe, so it never fills. */
		if (write(pipe_fds[1], &byte, 1) != 1)
			atomic_flag_clear(&unread[signal_number]);
	}
	errno = saved_errno;
}

static void close_pipe(void)
{
	for (int i = 0; i < 2; i++) {
		if (pipe_fds[i] >= 0)
			close(pipe_fds[i]);
		pipe_fds[i] = -1;
	}
}

static void restore_handlers(size_t count)
{
	for (size_t i = 0; i < count; i++)
		sigaction(handled_signals[i], &previous_actions[i], NULL);
}

bool signals_open(char *err, size_t errlen)
{
	struct sigaction action;

	if (pipe_fds[0] >= 0) {
		snprintf(err, errlen, "signal handlers are already installed");
		return false;
	}
	if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
		snprintf(err, errlen, "failed to create the signal pipe: %s",
			 strerror(errno));
		return false;
	}
	for (size_t i = 0; i < HANDLED_COUNT; i++)
		atomic_flag_clear(&unread[handled_signals[i]]);

	memset(&action, 0, sizeof action);
	action.sa_handler = on_signal;
	/*
	 * The pipe wakes poll(), which fails with EINTR whatever the flags, so
	 * SA_RESTART only spares blocking calls elsewhere (libcurl, SQLite) a
	 * spurious EINTR.
	 */
	action.sa_flags = SA_RESTART;
	sigfillset(&action.sa_mask);
	for (size_t i = 0; i < HANDLED_COUNT; i++) {
		if (sigaction(handled_signals[i], &action, &previous_actions[i]) != 0) {
			snprintf(err, errlen, "failed to install a handler for %s: %s",
				 strsignal(handled_signals[i]), strerror(errno));
			restore_handlers(i);
			close_pipe();
			return false;
		}
	}
	return true;
}

void signals_close(void)
{
	if (pipe_fds[0] < 0)
		return;
	restore_handlers(HANDLED_COUNT);
	close_pipe();
}

int signals_fd(void)
{
	return pipe_fds[0];
}

int signals_next(void)
{
	unsigned char byte;

	if (pipe_fds[0] < 0 || read(pipe_fds[0], &byte, 1) != 1)
		return 0;
	atomic_flag_clear(&unread[byte]);
	return byte;
}
