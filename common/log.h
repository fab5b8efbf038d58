#ifndef GATEHOUSE_LOG_H
#define GATEHOUSE_LOG_H

/*
 * Log lines to stderr, one write(2) per line so that lines from several
 * threads never interleave. Each line starts with an RFC 3339 time and a level.
 * Callers must not pass secrets: tokens are never logged, only principal ids.
 */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Turn all logging off (benchmarks and tests that flood the log). */
void log_set_quiet(int quiet);

#endif
