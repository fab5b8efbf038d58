/*
 * pty_timer: run a full-screen terminal program on a pseudo-terminal and time
 * what it draws, for bench/console.sh.
 *
 *   pty_timer [options] -- PROGRAM [ARGUMENT...]
 *
 * The steps, each bounded by --timeout-ms:
 *   1. First paint: from just before the fork to the read that completes the
 *      last --expect text, the texts found in the output in the order given.
 *   2. Settled: the program wrote nothing and used no CPU for --settle-ms.
 *   3. --presses writes of --key, one at a time. Each counts from the write to
 *      the last byte of output before the output paused for --quiet-ms.
 *   4. --end-key, if given, then settled again.
 *   5. --quit-key, then the program's exit, which must be status 0.
 * Resident memory (VmRSS and VmHWM from /proc/PID/status) is read after steps
 * 1, 2 and 4, and CPU time from /proc/PID/task/TID/schedstat, summed over the
 * threads. The results go to standard output as "name value" lines.
 *
 * The program inherits the environment. The terminal is --rows by --cols.
 */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/strbuf.h"

#define MAX_EXPECT 8
/* A first screen larger than this means the --expect texts are wrong. */
#define FIRST_PAINT_MAX_BYTES (16u << 20)
/* After the first paint only the tail of the output is kept, for error messages. */
#define OUTPUT_TAIL_BYTES 2048
/* How often the settled check samples the program's CPU time. */
#define SETTLE_SAMPLE_MS 10
/* How long the program has to exit after the quit key, and then after SIGTERM. */
#define QUIT_GRACE_MS 5000
#define TERM_GRACE_MS 2000

struct settings {
	int rows;
	int cols;
	const char *expect[MAX_EXPECT];
	int expect_count;
	int presses;
	const char *key;
	const char *end_key;
	const char *quit_key;
	int quiet_ms;
	int settle_ms;
	int timeout_ms;
	const char *refused_url_variable;
	char **command;
};

struct session {
	pid_t pid;
	int master;
	int64_t started_ns;
	struct strbuf output;
	bool keep_all_output;       /* true until the first paint is found */
	uint64_t output_bytes;
	int64_t last_output_ns;
	bool closed;                /* the program closed the terminal */
};

struct press_result {
	double latency_ms;
	double cpu_us;
	double bytes;
};

/* The program's pid for the signal handler, 0 when none runs. */
static volatile sig_atomic_t running_pid;

static struct session *current_session;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double ns_to_ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* Kill and reap the program, so that it never outlives this process. */
static void kill_program(void)
{
	pid_t pid = (pid_t)running_pid;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	running_pid = 0;
}

static void stop_on_signal(int signal_number)
{
	kill_program();
	signal(signal_number, SIG_DFL);
	raise(signal_number);
}

/* Print the end of the program's output with control bytes escaped, to show why a step failed. */
static void print_output_tail(void)
{
	const struct strbuf *out = &current_session->output;
	size_t start = out->len > OUTPUT_TAIL_BYTES ? out->len - OUTPUT_TAIL_BYTES : 0;

	fprintf(stderr, "pty_timer: the program's last output, control bytes escaped:\n");
	for (size_t i = start; i < out->len; i++) {
		unsigned char c = (unsigned char)out->data[i];
		if (c == '\n')
			fputc('\n', stderr);
		else if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputc('\n', stderr);
}

__attribute__((format(printf, 1, 2), noreturn))
static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("pty_timer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (current_session)
		print_output_tail();
	kill_program();
	exit(1);
}

static void install_signal_handlers(void)
{
	struct sigaction action = { .sa_handler = stop_on_signal };
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP };

	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		sigaction(signals[i], &action, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Bind a TCP socket to 127.0.0.1 on a port that the kernel chooses and never
 * listen on it, so that connections to it are refused for as long as this
 * process keeps it open. Returns the port.
 */
static int bind_refusing_port(void)
{
	struct sockaddr_in address = { .sin_family = AF_INET };
	socklen_t length = sizeof address;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0 ||
	    getsockname(fd, (struct sockaddr *)&address, &length) != 0)
		fail("binding a socket on 127.0.0.1 failed: %s", strerror(errno));
	return ntohs(address.sin_port);
}

static void start_program(struct session *s, const struct settings *settings)
{
	struct winsize size = { .ws_row = (unsigned short)settings->rows,
				.ws_col = (unsigned short)settings->cols };

	memset(s, 0, sizeof *s);
	s->keep_all_output = true;
	current_session = s;
	s->started_ns = now_ns();
	s->pid = forkpty(&s->master, NULL, NULL, &size);
	if (s->pid < 0)
		fail("forkpty failed: %s", strerror(errno));
	if (s->pid == 0) {
		/* An ignored signal stays ignored across exec: give the program the default. */
		signal(SIGPIPE, SIG_DFL);
		execvp(settings->command[0], settings->command);
		fprintf(stderr, "pty_timer: cannot run %s: %s\n", settings->command[0], strerror(errno));
		_exit(127);
	}
	running_pid = s->pid;
}

static void keep_output_tail(struct session *s)
{
	if (s->keep_all_output || s->output.len <= 2 * OUTPUT_TAIL_BYTES)
		return;
	memmove(s->output.data, s->output.data + s->output.len - OUTPUT_TAIL_BYTES,
		OUTPUT_TAIL_BYTES);
	s->output.len = OUTPUT_TAIL_BYTES;
	s->output.data[s->output.len] = '\0';
}

/*
 * Wait up to timeout_ms for output and read what is there. Returns the number
 * of bytes read, 0 when none came in time, or -1 once the program has closed
 * the terminal (Linux returns EIO from the master then).
 */
static ssize_t read_output(struct session *s, int timeout_ms)
{
	struct pollfd pfd = { .fd = s->master, .events = POLLIN };
	char buffer[65536];

	if (s->closed)
		return -1;
	int ready = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
	if (ready < 0 && errno != EINTR)
		fail("poll on the terminal failed: %s", strerror(errno));
	if (ready <= 0)
		return 0;
	ssize_t n = read(s->master, buffer, sizeof buffer);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		s->closed = true;
		return -1;
	}
	s->last_output_ns = now_ns();
	s->output_bytes += (uint64_t)n;
	strbuf_append(&s->output, buffer, (size_t)n);
	keep_output_tail(s);
	return n;
}

static int remaining_ms(int64_t deadline_ns)
{
	int64_t left = deadline_ns - now_ns();

	return left > 0 ? (int)((left + 999999) / 1000000) : 0;
}

static void write_key(struct session *s, const char *key)
{
	size_t length = strlen(key);

	if (write(s->master, key, length) != (ssize_t)length)
		fail("writing the key \"%s\" to the terminal failed: %s", key, strerror(errno));
}

/* Read until each expected text has appeared, in order. Returns when the last one did. */
static int64_t wait_for_first_paint(struct session *s, const struct settings *settings)
{
	int64_t deadline = now_ns() + (int64_t)settings->timeout_ms * 1000000;
	size_t from = 0;
	int found = 0;

	while (found < settings->expect_count) {
		const char *text = settings->expect[found];
		size_t length = strlen(text);
		const char *hit = memmem(s->output.data ? s->output.data + from : "",
					 s->output.len - from, text, length);
		if (hit) {
			from = (size_t)(hit - s->output.data) + length;
			found++;
			continue;
		}
		/* The next search starts where a text split across two reads could begin. */
		if (s->output.len >= length && s->output.len - length + 1 > from)
			from = s->output.len - length + 1;
		if (s->output.len > FIRST_PAINT_MAX_BYTES)
			fail("%zu bytes of output and still no \"%s\"", s->output.len, text);
		if (remaining_ms(deadline) == 0)
			fail("\"%s\" did not appear within %d ms", text, settings->timeout_ms);
		if (read_output(s, remaining_ms(deadline)) < 0)
			fail("the program exited before \"%s\" appeared", text);
	}
	s->keep_all_output = false;
	keep_output_tail(s);
	return s->last_output_ns;
}

/* The CPU time of every thread of the program, in nanoseconds. */
static int64_t program_cpu_ns(pid_t pid)
{
	char path[64];
	int64_t total = 0;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *tasks = opendir(path);
	if (!tasks)
		fail("cannot read %s: %s", path, strerror(errno));
	struct dirent *entry;
	while ((entry = readdir(tasks)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		char stat_path[300];
		snprintf(stat_path, sizeof stat_path, "/proc/%d/task/%s/schedstat", (int)pid,
			 entry->d_name);
		FILE *f = fopen(stat_path, "r");
		long long on_cpu = 0;
		/* A thread that ended since readdir() has no file: its time is gone with it. */
		if (!f)
			continue;
		if (fscanf(f, "%lld", &on_cpu) != 1)
			fail("cannot parse %s: is the kernel built without CONFIG_SCHED_INFO?", stat_path);
		fclose(f);
		total += on_cpu;
	}
	closedir(tasks);
	return total;
}

/*
 * Read until the program has written nothing and used no CPU for settle_ms.
 * Returns the time of its last output or CPU use, found to within
 * SETTLE_SAMPLE_MS. CPU use is assumed at the start of the wait, because the
 * program may be busy then.
 */
static int64_t wait_until_settled(struct session *s, const struct settings *settings)
{
	int64_t start = now_ns();
	int64_t deadline = start + (int64_t)settings->timeout_ms * 1000000;
	int64_t settle_ns = (int64_t)settings->settle_ms * 1000000;
	int64_t cpu = program_cpu_ns(s->pid);
	int64_t cpu_changed = start;

	for (;;) {
		if (read_output(s, SETTLE_SAMPLE_MS) < 0)
			fail("the program exited while it was expected to settle");
		int64_t now = now_ns();
		int64_t sample = program_cpu_ns(s->pid);
		if (sample != cpu) {
			cpu = sample;
			cpu_changed = now;
		}
		int64_t active = s->last_output_ns > cpu_changed ? s->last_output_ns : cpu_changed;
		if (now - active >= settle_ns)
			return active;
		if (now > deadline)
			fail("the program did not settle (%d ms without output or CPU use) within %d ms",
			     settings->settle_ms, settings->timeout_ms);
	}
}

static struct press_result press_key(struct session *s, const struct settings *settings)
{
	int64_t deadline = now_ns() + (int64_t)settings->timeout_ms * 1000000;
	int64_t cpu_before = program_cpu_ns(s->pid);
	uint64_t bytes_before = s->output_bytes;
	int64_t written = now_ns();
	struct press_result result;

	write_key(s, settings->key);
	while (s->output_bytes == bytes_before) {
		if (remaining_ms(deadline) == 0)
			fail("no output within %d ms of the key \"%s\"", settings->timeout_ms, settings->key);
		if (read_output(s, remaining_ms(deadline)) < 0)
			fail("the program exited after the key \"%s\"", settings->key);
	}
	for (;;) {
		ssize_t n = read_output(s, settings->quiet_ms);
		if (n < 0)
			fail("the program exited after the key \"%s\"", settings->key);
		if (n == 0)
			break;
		if (remaining_ms(deadline) == 0)
			fail("the output after the key \"%s\" did not pause for %d ms within %d ms",
			     settings->key, settings->quiet_ms, settings->timeout_ms);
	}
	result.latency_ms = ns_to_ms(s->last_output_ns - written);
	result.cpu_us = (double)(program_cpu_ns(s->pid) - cpu_before) / 1e3;
	result.bytes = (double)(s->output_bytes - bytes_before);
	return result;
}

static void report_memory(const char *step, pid_t pid)
{
	char path[64], line[256];
	long long rss = -1, hwm = -1;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		fail("cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		sscanf(line, "VmRSS: %lld", &rss);
		sscanf(line, "VmHWM: %lld", &hwm);
	}
	fclose(f);
	if (rss < 0 || hwm < 0)
		fail("no VmRSS or VmHWM in %s", path);
	printf("%s_vmrss_kib %lld\n%s_vmhwm_kib %lld\n", step, rss, step, hwm);
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, int count, int percent)
{
	int rank = (count * percent + 99) / 100;

	return sorted[rank > 0 ? rank - 1 : 0];
}

/* Print the median, p90 and maximum of one field of the presses. */
static void report_distribution(const char *name, const char *unit, double *values, int count)
{
	qsort(values, (size_t)count, sizeof *values, compare_doubles);
	printf("%s_median_%s %.3f\n", name, unit, percentile(values, count, 50));
	printf("%s_p90_%s %.3f\n", name, unit, percentile(values, count, 90));
	printf("%s_max_%s %.3f\n", name, unit, values[count - 1]);
}

static void run_presses(struct session *s, const struct settings *settings)
{
	int count = settings->presses;
	double *latency = xcalloc((size_t)count, sizeof *latency);
	double *cpu = xcalloc((size_t)count, sizeof *cpu);
	double *bytes = xcalloc((size_t)count, sizeof *bytes);

	for (int i = 0; i < count; i++) {
		struct press_result result = press_key(s, settings);
		latency[i] = result.latency_ms;
		cpu[i] = result.cpu_us;
		bytes[i] = result.bytes;
	}
	printf("presses %d\n", count);
	report_distribution("press", "ms", latency, count);
	report_distribution("press_cpu", "us", cpu, count);
	report_distribution("press_output", "bytes", bytes, count);
	free(latency);
	free(cpu);
	free(bytes);
}

/* Quit with the quit key, and failing that with SIGTERM, then SIGKILL. Returns the wait status. */
static int quit_program(struct session *s, const struct settings *settings)
{
	int64_t quit_deadline = now_ns() + (int64_t)QUIT_GRACE_MS * 1000000;
	int64_t term_deadline = quit_deadline + (int64_t)TERM_GRACE_MS * 1000000;
	bool terminated = false;
	int status;

	write_key(s, settings->quit_key);
	for (;;) {
		pid_t done = waitpid(s->pid, &status, WNOHANG);
		if (done == s->pid)
			break;
		if (done < 0)
			fail("waiting for the program failed: %s", strerror(errno));
		if (!terminated && now_ns() > quit_deadline) {
			fprintf(stderr, "pty_timer: the program did not quit within %d ms of the key "
				"\"%s\"; sending SIGTERM\n", QUIT_GRACE_MS, settings->quit_key);
			kill(s->pid, SIGTERM);
			terminated = true;
		}
		if (now_ns() > term_deadline)
			fail("the program did not exit within %d ms of SIGTERM", TERM_GRACE_MS);
		/* Keep reading, so that a program writing its last screen does not block on a full terminal. */
		if (read_output(s, SETTLE_SAMPLE_MS) < 0)
			poll(NULL, 0, SETTLE_SAMPLE_MS);
	}
	running_pid = 0;
	close(s->master);
	if (terminated)
		fail("the program had to be stopped with SIGTERM");
	return status;
}

static void run_session(const struct settings *settings)
{
	struct session s;

	start_program(&s, settings);
	int64_t painted = wait_for_first_paint(&s, settings);
	printf("first_paint_ms %.3f\n", ns_to_ms(painted - s.started_ns));
	report_memory("first_paint", s.pid);
	int64_t settled = wait_until_settled(&s, settings);
	printf("settled_ms %.3f\n", ns_to_ms(settled - s.started_ns));
	report_memory("settled", s.pid);
	if (settings->presses > 0)
		run_presses(&s, settings);
	if (settings->end_key) {
		int64_t written = now_ns();
		write_key(&s, settings->end_key);
		int64_t ended = wait_until_settled(&s, settings);
		printf("end_key_ms %.3f\n", ns_to_ms(ended - written));
		report_memory("end_key", s.pid);
	}
	int status = quit_program(&s, settings);
	if (WIFSIGNALED(status))
		fail("the program was killed by signal %d", WTERMSIG(status));
	printf("exit_status %d\n", WEXITSTATUS(status));
	if (WEXITSTATUS(status) != 0)
		fail("the program exited with status %d", WEXITSTATUS(status));
	strbuf_free(&s.output);
	current_session = NULL;
}

static const char usage_text[] =
	"usage: pty_timer [options] -- PROGRAM [ARGUMENT...]\n"
	"Run PROGRAM on a pseudo-terminal; time its first screen and its redraws after keys.\n"
	"\n"
	"  --rows N, --cols N     terminal size (default 24 and 80)\n"
	"  --expect TEXT          the first screen is complete once the output has contained\n"
	"                         each TEXT, in the order given (required, up to 8)\n"
	"  --presses N            press --key N times, one at a time (default 0)\n"
	"  --key KEY              the key to time (default j)\n"
	"  --quiet-ms MS          a redraw ends when the output pauses this long (default 50)\n"
	"  --settle-ms MS         settled: no output and no CPU use for this long (default 300)\n"
	"  --end-key KEY          press this once after the presses, then settle (default none)\n"
	"  --quit-key KEY         the key that quits the program (default q)\n"
	"  --refused-url NAME     set the environment variable NAME to http://127.0.0.1:PORT,\n"
	"                         where PORT is bound but never listens, so connections are refused\n"
	"  --timeout-ms MS        the longest wait of any one step (default 60000)\n";

static int parse_int(const char *name, const char *text, int minimum)
{
	char *end;

	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno || end == text || *end || value < minimum || value > 1000000000) {
		fprintf(stderr, "pty_timer: invalid %s \"%s\": give a whole number of at least %d\n",
			name, text, minimum);
		exit(2);
	}
	return (int)value;
}

static void parse_settings(int argc, char **argv, struct settings *s)
{
	enum { ROWS = 256, COLS, EXPECT, PRESSES, KEY, QUIET, SETTLE, END_KEY, QUIT_KEY, REFUSED,
	       TIMEOUT };
	static const struct option options[] = {
		{ "rows", required_argument, NULL, ROWS },
		{ "cols", required_argument, NULL, COLS },
		{ "expect", required_argument, NULL, EXPECT },
		{ "presses", required_argument, NULL, PRESSES },
		{ "key", required_argument, NULL, KEY },
		{ "quiet-ms", required_argument, NULL, QUIET },
		{ "settle-ms", required_argument, NULL, SETTLE },
		{ "end-key", required_argument, NULL, END_KEY },
		{ "quit-key", required_argument, NULL, QUIT_KEY },
		{ "refused-url", required_argument, NULL, REFUSED },
		{ "timeout-ms", required_argument, NULL, TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*s = (struct settings){ .rows = 24, .cols = 80, .key = "j", .quit_key = "q",
				.quiet_ms = 50, .settle_ms = 300, .timeout_ms = 60000 };
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (c) {
		case ROWS: s->rows = parse_int("--rows", optarg, 2); break;
		case COLS: s->cols = parse_int("--cols", optarg, 2); break;
		case EXPECT:
			if (s->expect_count == MAX_EXPECT) {
				fprintf(stderr, "pty_timer: more than %d --expect texts\n", MAX_EXPECT);
				exit(2);
			}
			s->expect[s->expect_count++] = optarg;
			break;
		case PRESSES: s->presses = parse_int("--presses", optarg, 0); break;
		case KEY: s->key = optarg; break;
		case QUIET: s->quiet_ms = parse_int("--quiet-ms", optarg, 1); break;
		case SETTLE: s->settle_ms = parse_int("--settle-ms", optarg, 1); break;
		case END_KEY: s->end_key = optarg; break;
		case QUIT_KEY: s->quit_key = optarg; break;
		case REFUSED: s->refused_url_variable = optarg; break;
		case TIMEOUT: s->timeout_ms = parse_int("--timeout-ms", optarg, 1); break;
		default: fputs(usage_text, stderr); exit(2);
		}
	}
	if (optind >= argc || s->expect_count == 0 || !*s->key || !*s->quit_key ||
	    (s->end_key && !*s->end_key) || s->rows > 1000 || s->cols > 1000) {
		fputs(usage_text, stderr);
		exit(2);
	}
	s->command = argv + optind;
}

int main(int argc, char **argv)
{
	struct settings settings;

	parse_settings(argc, argv, &settings);
	install_signal_handlers();
	if (settings.refused_url_variable) {
		char url[64];
		snprintf(url, sizeof url, "http://127.0.0.1:%d", bind_refusing_port());
		setenv(settings.refused_url_variable, url, 1);
	}
	/* Line-buffered, so that a caller reading a pipe receives each figure as it is measured. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_session(&settings);
	return 0;
}
