#ifndef GATEHOUSE_TUI_SIGNALS_H
#define GATEHOUSE_TUI_SIGNALS_H

/*
 * Signals as events for the main loop (the self-pipe trick). The handlers
 * only write the signal's number to a non-blocking pipe, and the loop polls
 * signals_fd() beside the keyboard and reads the numbers with signals_next().
 * Handled: SIGWINCH (call screen_resize()), SIGTERM, SIGINT and SIGHUP
 * (quit cleanly), SIGTSTP (call screen_suspend(), which restores the
 * terminal before the process stops) and SIGCONT (redraw).
 *
 * A signal that arrives while the same signal is still unread is merged
 * into it, so the pipe never fills. The loop handles the unread one after
 * both have arrived, so nothing is lost.
 */

#include <stdbool.h>
#include <stddef.h>

/* Create the pipe and install the handlers. On failure, writes why to err and returns false. */
bool signals_open(char *err, size_t errlen);

/* Restore the previous handlers and close the pipe. */
void signals_close(void);

/* Return the pipe's read end, to poll for POLLIN; -1 while closed. */
int signals_fd(void);

/* Return the next pending signal number in arrival order, or 0 when none is pending. */
int signals_next(void);

#endif
