#include "tests/support/broker_process.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *gatehoused_path(void)
{
	const char *path = getenv("GATEHOUSED");

	return path && *path ? path : "build/gatehoused";
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool read_file(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	return n > 0;
}

/* Copy the value of "name": "VALUE" from the demo tokens file. */
static bool token_value(const char *json, const char *name, char *out, size_t size)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof key, "\"%s\": \"", name);
	p = strstr(json, key);
	if (!p)
		return false;
	p += strlen(key);
	size_t n = strcspn(p, "\"");
	if (n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static bool read_demo_tokens(struct broker_process *bp)
{
	char path[400], json[1024];

	snprintf(path, sizeof path, "%s/demo-tokens.json", bp->dir);
	return read_file(path, json, sizeof json) &&
	       token_value(json, "admin", bp->admin_token, sizeof bp->admin_token) &&
	       token_value(json, "approver", bp->approver_token, sizeof bp->approver_token) &&
	       token_value(json, "requester", bp->requester_token, sizeof bp->requester_token);
}

static void exec_broker(struct broker_process *bp, bool demo, const char *const *extra_args,
			const char *port_file)
{
	const char *argv[64];
	int n = 0;
	char log_path[400];

	argv[n++] = gatehoused_path();
	argv[n++] = "--db";
	argv[n++] = bp->db_path;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--port-file";
	argv[n++] = port_file;
	argv[n++] = "--data-dir";
	argv[n++] = bp->dir;
	if (demo) {
		argv[n++] = "--demo";
		argv[n++] = "--demo-trickle";
		argv[n++] = "0";
	}
	for (int i = 0; extra_args && extra_args[i] && n < 62; i++)
		argv[n++] = extra_args[i];
	argv[n] = NULL;

	snprintf(log_path, sizeof log_path, "%s/broker.log", bp->dir);
	int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	execv(argv[0], (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

bool broker_process_start(struct broker_process *bp, bool demo, const char *const *extra_args)
{
	char port_file[400], text[32];

	if (!bp->dir[0]) {
		snprintf(bp->dir, sizeof bp->dir, "/tmp/gatehouse-test-XXXXXX");
		if (!mkdtemp(bp->dir)) {
			perror("mkdtemp");
			return false;
		}
		snprintf(bp->db_path, sizeof bp->db_path, "%s/broker.db", bp->dir);
	}
	snprintf(port_file, sizeof port_file, "%s/port", bp->dir);
	unlink(port_file);

	bp->pid = fork();
	if (bp->pid < 0)
		return false;
	if (bp->pid == 0)
		exec_broker(bp, demo, extra_args, port_file);

	/* Seeding the demo under the sanitizers takes several seconds. */
	for (int waited = 0; waited < 60000; waited += 20) {
		int status;
		if (waitpid(bp->pid, &status, WNOHANG) == bp->pid) {
			fprintf(stderr, "gatehoused exited during start-up (see %s/broker.log)\n", bp->dir);
			bp->pid = 0;
			return false;
		}
		if (read_file(port_file, text, sizeof text)) {
			bp->port = (unsigned)strtoul(text, NULL, 10);
			snprintf(bp->url, sizeof bp->url, "http://127.0.0.1:%u", bp->port);
			return !demo || read_demo_tokens(bp);
		}
		sleep_ms(20);
	}
	fprintf(stderr, "gatehoused did not start in time (see %s/broker.log)\n", bp->dir);
	broker_process_stop(bp);
	return false;
}

int broker_process_stop(struct broker_process *bp)
{
	int status;

	if (bp->pid <= 0)
		return 0;
	kill(bp->pid, SIGTERM);
	for (int waited = 0; waited < 10000; waited += 20) {
		if (waitpid(bp->pid, &status, WNOHANG) == bp->pid) {
			bp->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		sleep_ms(20);
	}
	kill(bp->pid, SIGKILL);
	waitpid(bp->pid, &status, 0);
	bp->pid = 0;
	return -1;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void broker_process_cleanup(struct broker_process *bp)
{
	broker_process_stop(bp);
	if (bp->dir[0] && !getenv("GATEHOUSE_KEEP_TEST_DIRS"))
		nftw(bp->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	bp->dir[0] = '\0';
}

int gatehoused_run(const char *const *args, char *output, size_t output_size)
{
	int pipe_fds[2];
	pid_t pid;
	int status;
	size_t used = 0;

	if (pipe(pipe_fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		const char *argv[32];
		int n = 0;
		argv[n++] = gatehoused_path();
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		dup2(pipe_fds[1], STDOUT_FILENO);
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipe_fds[1]);
	for (;;) {
		ssize_t n = read(pipe_fds[0], output + used, output_size - used - 1);
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used + 1 >= output_size)
			break;
	}
	output[used] = '\0';
	close(pipe_fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
