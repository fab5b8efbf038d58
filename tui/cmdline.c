#include "tui/cmdline.h"

#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/file_read.h"
#include "common/strbuf.h"
#include "tui/draw.h"
#include "tui/input.h"
#include "tui/theme.h"

/* The history keeps this many lines, in memory and in the file. */
#define HISTORY_SIZE 1000
/* The maximum length of a line, in characters. */
#define LINE_MAX_CHARS 1000
/* A history line longer than this, decoded, cannot have come from the command line. */
#define LINE_MAX_BYTES (4 * LINE_MAX_CHARS)
/* HISTORY_SIZE lines of LINE_MAX_CHARS take far less; a larger file is not the console's. */
#define HISTORY_FILE_MAX (1024 * 1024)
/* The first line of every history file that libedit 3.1 writes. */
#define HISTORY_MARKER "_HiStOrY_V2_"
/* The maximum number of characters one key becomes for libedit ("\033[3~" for Delete). */
#define KEY_CHARS_MAX 4
/* How often the caller drains libedit's terminal output while it waits, in milliseconds. */
#define DRAIN_INTERVAL_MS 10
/* The maximum number of candidates a hint lists before it gives the count of the rest. */
#define HINT_CANDIDATES_MAX 12

/*
 * Ctrl-\ (FS): the character Esc becomes, bound to cancel the line. Esc
 * itself cannot be used, because libedit takes it as the start of a Meta
 * key and would wait for the next one.
 */
#define CANCEL_CHAR 0x1C

struct cmdline_completion {
	const char *prefix;     /* the word before the cursor */
	char **words;
	size_t count;
};

struct cmdline {
	EditLine *editline;
	History *history;
	char *history_path;
	int master;             /* the pseudo-terminal end whose output is thrown away */
	FILE *slave;            /* libedit's input and output */
	cmdline_complete_fn *complete;
	void *ctx;

	/* Shared with the editor thread, under lock. */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	wchar_t queue[KEY_CHARS_MAX];
	size_t queue_length;
	size_t queue_next;
	bool waiting;           /* the editor waits for a key with the queue empty */
	bool line_ended;        /* el_gets() returned since the last key was handed over */
	bool stopping;
	bool cancel_requested;  /* set by the cancel binding, read when el_gets() returns */
	enum cmdline_result result;
	struct strbuf submitted;
	struct strbuf hint;
	char error[256];

	/* The line the caller draws: a copy of el_line() taken while the editor waited. */
	struct strbuf text;
	size_t cursor;          /* a byte offset into text */
};

void cmdline_completion_add(struct cmdline_completion *completion, const char *word)
{
	size_t prefix_length = strlen(completion->prefix);

	if (strncmp(word, completion->prefix, prefix_length) != 0 || !*word)
		return;
	for (const unsigned char *p = (const unsigned char *)word; *p; p++)
		if (*p <= ' ' || *p == 0x7F)
			return;
	completion->words = xreallocarray(completion->words, completion->count + 1,
					  sizeof *completion->words);
	completion->words[completion->count++] = xstrdup(word);
}

static int compare_words(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the candidates and drop repeats: principals and resources come once per grant. */
static void completion_sort_unique(struct cmdline_completion *completion)
{
	size_t kept = 0;

	if (completion->count == 0)
		return;
	qsort(completion->words, completion->count, sizeof *completion->words, compare_words);
	for (size_t i = 0; i < completion->count; i++) {
		if (kept > 0 && strcmp(completion->words[kept - 1], completion->words[i]) == 0)
			free(completion->words[i]);
		else
			completion->words[kept++] = completion->words[i];
	}
	completion->count = kept;
}

static void completion_free(struct cmdline_completion *completion)
{
	for (size_t i = 0; i < completion->count; i++)
		free(completion->words[i]);
	free(completion->words);
}

static struct cmdline *cmdline_of(EditLine *editline)
{
	void *data = NULL;

	el_get(editline, EL_CLIENTDATA, &data);
	return data;
}

static char *empty_prompt(EditLine *editline)
{
	(void)editline;
	return "";
}

/* libedit's EL_GETCFN: wait for the next key from cmdline_key(), or end the line on stop. */
static int read_char(EditLine *editline, wchar_t *out)
{
	struct cmdline *cl = cmdline_of(editline);
	int count = 0;

	pthread_mutex_lock(&cl->lock);
	while (cl->queue_next == cl->queue_length && !cl->stopping) {
		cl->waiting = true;
		pthread_cond_broadcast(&cl->changed);
		pthread_cond_wait(&cl->changed, &cl->lock);
	}
	cl->waiting = false;
	if (!cl->stopping) {
		*out = cl->queue[cl->queue_next++];
		count = 1;
	}
	pthread_mutex_unlock(&cl->lock);
	return count;
}

/* Split the text before the cursor into its blank-separated words; the last may be "". */
static size_t split_words(const char *text, char ***out)
{
	char **words = NULL;
	size_t count = 0;
	const char *p = text;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		words = xreallocarray(words, count + 1, sizeof *words);
		words[count++] = xstrndup(start, (size_t)(p - start));
		if (!*p)
			break;
	}
	*out = words;
	return count;
}

static size_t common_prefix_length(const struct cmdline_completion *completion)
{
	size_t length = strlen(completion->words[0]);

	for (size_t i = 1; i < completion->count; i++) {
		size_t same = 0;
		while (same < length && completion->words[i][same] == completion->words[0][same])
			same++;
		length = same;
	}
	return length;
}

static void describe_candidates(struct cmdline *cl, const struct cmdline_completion *completion)
{
	size_t shown = completion->count < HINT_CANDIDATES_MAX ? completion->count : HINT_CANDIDATES_MAX;

	strbuf_reset(&cl->hint);
	for (size_t i = 0; i < shown; i++)
		strbuf_printf(&cl->hint, "%s%s", i ? "  " : "", completion->words[i]);
	if (shown < completion->count)
		strbuf_printf(&cl->hint, "  (%zu more)", completion->count - shown);
}

/*
 * The Tab binding: complete the word before the cursor as far as every
 * candidate agrees, and add a blank after a word that is the only one.
 */
static unsigned char complete_word(EditLine *editline, int ch)
{
	struct cmdline *cl = cmdline_of(editline);
	const LineInfo *line = el_line(editline);
	char *before = xstrndup(line->buffer, (size_t)(line->cursor - line->buffer));
	char **words;
	size_t count = split_words(before, &words);
	struct cmdline_completion completion = { words[count - 1], NULL, 0 };

	(void)ch;
	cl->complete(cl->ctx, (const char *const *)words, count - 1, &completion);
	completion_sort_unique(&completion);
	strbuf_reset(&cl->hint);
	if (completion.count == 0) {
		strbuf_printf(&cl->hint, "nothing completes \"%s\" here", words[count - 1]);
	} else {
		size_t typed = strlen(words[count - 1]);
		char *rest = xstrndup(completion.words[0] + typed, common_prefix_length(&completion) - typed);
		el_insertstr(editline, rest);
		free(rest);
		if (completion.count == 1)
			el_insertstr(editline, " ");
		else
			describe_candidates(cl, &completion);
	}
	completion_free(&completion);
	for (size_t i = 0; i < count; i++)
		free(words[i]);
	free(words);
	free(before);
	return CC_REFRESH;
}

/* The cancel binding: end el_gets() with the line marked as canceled. */
static unsigned char cancel_line(EditLine *editline, int ch)
{
	(void)ch;
	cmdline_of(editline)->cancel_requested = true;
	return CC_NEWLINE;
}

static void make_parent_directories(const char *path)
{
	char *copy = xstrdup(path);

	/* Start after the first byte so that an absolute path does not try mkdir(""). */
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST)
			break;
		*p = '/';
	}
	free(copy);
}

/* Write the history file with mode 0600, in the editor thread after each line. */
static void save_history(struct cmdline *cl)
{
	HistEvent event;
	struct stat st;
	int fd;
	FILE *file;

	make_parent_directories(cl->history_path);
	/* O_NONBLOCK: opening a FIFO with no reader fails at once instead of waiting for one. */
	fd = open(cl->history_path,
		  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		snprintf(cl->error, sizeof cl->error, "cannot write the history file %s: it is not a "
			 "regular file", cl->history_path);
		close(fd);
		return;
	}
	if (fd < 0 || fchmod(fd, 0600) != 0 || !(file = fdopen(fd, "w"))) {
		snprintf(cl->error, sizeof cl->error, "cannot write the history file %s: %s",
			 cl->history_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	if (history(cl->history, &event, H_SAVE_FP, file) < 0 || fclose(file) != 0)
		snprintf(cl->error, sizeof cl->error, "cannot write the history file %s",
			 cl->history_path);
}

/* A line ended: keep it, enter it in the history, and tell the waiting caller. */
static void finish_line(struct cmdline *cl, const char *line, int length)
{
	HistEvent event;
	bool canceled = cl->cancel_requested || !line;

	if (!canceled && length > 0 && line[length - 1] == '\n')
		length--;
	pthread_mutex_lock(&cl->lock);
	cl->result = canceled ? CMDLINE_CANCELED : CMDLINE_SUBMITTED;
	strbuf_reset(&cl->submitted);
	if (!canceled)
		strbuf_append(&cl->submitted, line, (size_t)length);
	pthread_mutex_unlock(&cl->lock);
	if (!canceled && length > 0) {
		history(cl->history, &event, H_ENTER, strbuf_str(&cl->submitted));
		if (cl->history_path)
			save_history(cl);
	}
	pthread_mutex_lock(&cl->lock);
	cl->cancel_requested = false;
	cl->line_ended = true;
	pthread_cond_broadcast(&cl->changed);
	pthread_mutex_unlock(&cl->lock);
}

static void *run_editor(void *arg)
{
	struct cmdline *cl = arg;

	for (;;) {
		int length = 0;
		const char *line = el_gets(cl->editline, &length);

		pthread_mutex_lock(&cl->lock);
		bool stopping = cl->stopping;
		pthread_mutex_unlock(&cl->lock);
		if (stopping)
			return NULL;
		finish_line(cl, line, length);
	}
}

static bool open_terminal(struct cmdline *cl, char *err, size_t errlen)
{
	/* Wide enough that libedit never wraps its copy of the line. */
	struct winsize size = { .ws_row = 1, .ws_col = 4096 };
	int slave;

	if (openpty(&cl->master, &slave, NULL, NULL, &size) != 0) {
		snprintf(err, errlen, "cannot open a pseudo-terminal for the command line: %s",
			 strerror(errno));
		return false;
	}
	fcntl(cl->master, F_SETFL, fcntl(cl->master, F_GETFL) | O_NONBLOCK);
	fcntl(cl->master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	cl->slave = fdopen(slave, "r+");
	if (!cl->slave) {
		snprintf(err, errlen, "cannot open a pseudo-terminal for the command line: %s",
			 strerror(errno));
		close(slave);
		return false;
	}
	return true;
}

/*
 * Decode one line of the history file as libedit 3.1's H_SAVE_FP writes
 * it, with strvis(3) and VIS_WHITE: "\040" and "\134" (octal), "\^A" and
 * "\^?" (controls), "\M-x" and "\M^A" (bytes with the high bit set), and
 * any other byte as it is. Returns false on a malformed escape.
 */
static bool history_unvis(const char *line, size_t length, struct strbuf *out)
{
	const char *p = line, *end = line + length;

	while (p < end) {
		unsigned char meta = 0;

		if (*p != '\\') {
			strbuf_putc(out, *p++);
			continue;
		}
		p++;
		if (end - p >= 3 && p[0] >= '0' && p[0] <= '3' && p[1] >= '0' && p[1] <= '7' &&
		    p[2] >= '0' && p[2] <= '7') {
			strbuf_putc(out, (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0')));
			p += 3;
			continue;
		}
		if (end - p >= 2 && p[0] == 'M' && (p[1] == '-' || p[1] == '^')) {
			meta = 0x80;
			p++;
		}
		if (end - p >= 2 && *p == '-' && meta) {
			strbuf_putc(out, (char)(meta | (unsigned char)p[1]));
			p += 2;
		} else if (end - p >= 2 && *p == '^') {
			strbuf_putc(out, (char)(meta | (p[1] == '?' ? 0x7f : p[1] & 0x1f)));
			p += 2;
		} else if (end - p >= 1 && *p == '\\' && !meta) {
			strbuf_putc(out, *p++);
		} else {
			return false;
		}
	}
	return true;
}

/*
 * Enter each line of the history file's text, oldest first. Lines that do
 * not decode, or decode longer than the command line takes, are skipped.
 * Returns the number skipped.
 */
static size_t enter_history_lines(struct cmdline *cl, const char *text)
{
	struct strbuf decoded = STRBUF_INIT;
	size_t skipped = 0;
	HistEvent event;

	/* The first line is libedit's format marker, "_HiStOrY_V2_". */
	text = strchr(text, '\n');
	while (text && *++text) {
		size_t length = strcspn(text, "\n");

		strbuf_reset(&decoded);
		if (!history_unvis(text, length, &decoded) || decoded.len > LINE_MAX_BYTES)
			skipped++;
		else if (decoded.len > 0)
			history(cl->history, &event, H_ENTER, strbuf_str(&decoded));
		text += length;
		if (!*text)
			break;
	}
	strbuf_free(&decoded);
	return skipped;
}

/*
 * Read the history file with file_read(), never with libedit's H_LOAD: it
 * would wait forever on a FIFO and take the whole of a huge file. A problem
 * is kept in cl->error, which the console shows once on the status line.
 */
static void load_history(struct cmdline *cl, const char *path)
{
	struct strbuf text = STRBUF_INIT;
	enum file_read_status status;
	size_t skipped;
	HistEvent event;

	cl->history = history_init();
	history(cl->history, &event, H_SETSIZE, HISTORY_SIZE);
	history(cl->history, &event, H_SETUNIQUE, 1);
	if (!path)
		return;
	cl->history_path = xstrdup(path);
	status = file_read("history file", path, HISTORY_FILE_MAX,
			   FILE_READ_NOFOLLOW | FILE_READ_TEXT, &text, cl->error, sizeof cl->error);
	if (status == FILE_READ_MISSING)
		cl->error[0] = '\0';
	if (status == FILE_READ_OK && strncmp(strbuf_str(&text), HISTORY_MARKER "\n",
					      sizeof HISTORY_MARKER) != 0)
		snprintf(cl->error, sizeof cl->error, "the history file %s does not start with %s; "
			 "it was not loaded", path, HISTORY_MARKER);
	else if (status == FILE_READ_OK && (skipped = enter_history_lines(cl, text.data)) > 0)
		snprintf(cl->error, sizeof cl->error, "the history file %s has %zu invalid or too "
			 "long line%s, which were left out", path, skipped, skipped == 1 ? "" : "s");
	strbuf_free(&text);
}

static void set_up_editline(struct cmdline *cl)
{
	EditLine *e = el_init("gatehouse", cl->slave, cl->slave, cl->slave);

	cl->editline = e;
	el_set(e, EL_CLIENTDATA, cl);
	el_set(e, EL_EDITOR, "emacs");
	el_set(e, EL_PROMPT, empty_prompt);
	el_set(e, EL_HIST, history, cl->history);
	el_set(e, EL_GETCFN, read_char);
	/* el_wset(), because el_set() copies the names and libedit 3.1 never frees the copies. */
	el_wset(e, EL_ADDFN, L"gatehouse-complete", L"Complete the word before the cursor",
		complete_word);
	el_wset(e, EL_ADDFN, L"gatehouse-cancel", L"Cancel the command line", cancel_line);
	el_set(e, EL_BIND, "\t", "gatehouse-complete", NULL);
	el_set(e, EL_BIND, "\034", "gatehouse-cancel", NULL);
	el_set(e, EL_BIND, "\033[3~", "ed-delete-next-char", NULL);
}

/* Start the editor thread with every signal blocked, so that signals reach the main loop. */
static bool start_thread(struct cmdline *cl, char *err, size_t errlen)
{
	sigset_t all, previous;
	int failed;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &previous);
	failed = pthread_create(&cl->thread, NULL, run_editor, cl);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	if (failed) {
		snprintf(err, errlen, "cannot start the command line: %s", strerror(failed));
		return false;
	}
	cl->thread_started = true;
	return true;
}

struct cmdline *cmdline_new(const char *history_path, cmdline_complete_fn *complete, void *ctx,
			    char *err, size_t errlen)
{
	struct cmdline *cl = xcalloc(1, sizeof *cl);

	cl->master = -1;
	cl->complete = complete;
	cl->ctx = ctx;
	pthread_mutex_init(&cl->lock, NULL);
	pthread_cond_init(&cl->changed, NULL);
	load_history(cl, history_path);
	if (!open_terminal(cl, err, errlen)) {
		cmdline_free(cl);
		return NULL;
	}
	set_up_editline(cl);
	if (!start_thread(cl, err, errlen)) {
		cmdline_free(cl);
		return NULL;
	}
	return cl;
}

/*
 * Throw away what libedit wrote to its terminal, so that its output does not
 * fill the pseudo-terminal and block the editor thread.
 */
static void drain_terminal(struct cmdline *cl)
{
	char buffer[4096];

	while (read(cl->master, buffer, sizeof buffer) > 0)
		;
}

void cmdline_free(struct cmdline *cl)
{
	if (!cl)
		return;
	if (cl->thread_started) {
		pthread_mutex_lock(&cl->lock);
		cl->stopping = true;
		pthread_cond_broadcast(&cl->changed);
		pthread_mutex_unlock(&cl->lock);
		drain_terminal(cl);
		pthread_join(cl->thread, NULL);
	}
	if (cl->editline)
		el_end(cl->editline);
	if (cl->history)
		history_end(cl->history);
	if (cl->slave)
		fclose(cl->slave);
	if (cl->master >= 0)
		close(cl->master);
	pthread_mutex_destroy(&cl->lock);
	pthread_cond_destroy(&cl->changed);
	strbuf_free(&cl->submitted);
	strbuf_free(&cl->hint);
	strbuf_free(&cl->text);
	free(cl->history_path);
	free(cl);
}

/* Translate a key into what libedit's emacs bindings expect; returns the count, 0 to ignore it. */
static size_t translate_key(const struct key_event *ev, wchar_t out[KEY_CHARS_MAX])
{
	static const struct { int code; int control; } function_keys[] = {
		{ KEY_UP, 'P' }, { KEY_DOWN, 'N' }, { KEY_LEFT, 'B' }, { KEY_RIGHT, 'F' },
		{ KEY_HOME, 'A' }, { KEY_END, 'E' },
	};

	if (!ev->function) {
		if (ev->code == 27)
			out[0] = CANCEL_CHAR;
		else if (ev->code < 0 || ev->code > 0x10FFFF)
			return 0;
		else
			out[0] = (wchar_t)ev->code;
		return 1;
	}
	if (ev->code == KEY_BACKSPACE) {
		out[0] = 0x7F;
		return 1;
	}
	if (ev->code == KEY_DC) {
		memcpy(out, L"\033[3~", 4 * sizeof *out);
		return 4;
	}
	for (size_t i = 0; i < sizeof function_keys / sizeof function_keys[0]; i++) {
		if (function_keys[i].code == ev->code) {
			out[0] = (wchar_t)(function_keys[i].control & 0x1F);
			return 1;
		}
	}
	return 0;
}

/* Wait, draining libedit's output, until it has taken every key and waits again or the line ended. */
static void wait_for_editor(struct cmdline *cl)
{
	while (!cl->line_ended && !(cl->waiting && cl->queue_next == cl->queue_length)) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += DRAIN_INTERVAL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&cl->changed, &cl->lock, &until);
		pthread_mutex_unlock(&cl->lock);
		drain_terminal(cl);
		pthread_mutex_lock(&cl->lock);
	}
}

/* Copy the line as libedit has it now; the editor thread is waiting, so it does not change. */
static void copy_line(struct cmdline *cl)
{
	const LineInfo *line = el_line(cl->editline);

	strbuf_reset(&cl->text);
	strbuf_append(&cl->text, line->buffer, (size_t)(line->lastchar - line->buffer));
	cl->cursor = (size_t)(line->cursor - line->buffer);
}

enum cmdline_result cmdline_key(struct cmdline *cl, const struct key_event *ev)
{
	wchar_t chars[KEY_CHARS_MAX];
	size_t count = translate_key(ev, chars);
	enum cmdline_result result = CMDLINE_EDITING;

	strbuf_reset(&cl->hint);
	if (count == 0)
		return CMDLINE_EDITING;
	pthread_mutex_lock(&cl->lock);
	memcpy(cl->queue, chars, count * sizeof *chars);
	cl->queue_next = 0;
	cl->queue_length = count;
	cl->line_ended = false;
	pthread_cond_broadcast(&cl->changed);
	wait_for_editor(cl);
	if (cl->line_ended) {
		result = cl->result;
		strbuf_reset(&cl->text);
		cl->cursor = 0;
	} else {
		copy_line(cl);
	}
	pthread_mutex_unlock(&cl->lock);
	drain_terminal(cl);
	return result;
}

const char *cmdline_submitted(const struct cmdline *cl)
{
	return strbuf_str(&cl->submitted);
}

const char *cmdline_hint(const struct cmdline *cl)
{
	return strbuf_str(&cl->hint);
}

const char *cmdline_take_error(struct cmdline *cl)
{
	static char taken[sizeof cl->error];

	pthread_mutex_lock(&cl->lock);
	snprintf(taken, sizeof taken, "%s", cl->error);
	cl->error[0] = '\0';
	pthread_mutex_unlock(&cl->lock);
	return taken;
}

/*
 * The line to show: during an incremental search libedit puts "\nbck:" and
 * the pattern after the line, which shows as the search, then the match.
 */
static void format_shown(const struct cmdline *cl, struct strbuf *before_cursor, struct strbuf *all)
{
	const char *text = strbuf_str(&cl->text);
	const char *newline = strchr(text, '\n');

	if (!newline) {
		strbuf_append(before_cursor, text, cl->cursor);
		strbuf_puts(all, text);
		return;
	}
	const char *search = newline + 1;
	bool failing = strncmp(search + 3, "?", 1) == 0;

	strbuf_printf(before_cursor, "%s search%s: %s",
		      strncmp(search, "fwd", 3) == 0 ? "forward" : "reverse",
		      failing ? " (no match)" : "", strlen(search) > 4 ? search + 4 : "");
	strbuf_printf(all, "%s  %.*s", strbuf_str(before_cursor), (int)(newline - text), text);
}

int cmdline_draw(struct cmdline *cl, WINDOW *w, int y, int width, enum text_charset cs)
{
	struct strbuf before_cursor = STRBUF_INIT, all = STRBUF_INIT;
	struct line_input shown;
	size_t cursor;
	int column;

	if (draw_clip_width(w, y, 0, width) == 0)
		return -1;
	format_shown(cl, &before_cursor, &all);
	line_input_init(&shown, LINE_MAX_CHARS + 64);
	/* The text is set twice, so that characters dropped for display do not move the cursor. */
	line_input_set(&shown, strbuf_str(&before_cursor));
	cursor = shown.text.len;
	line_input_set(&shown, strbuf_str(&all));
	shown.cursor = cursor < shown.text.len ? cursor : shown.text.len;
	draw_text(w, y, 0, 1, ":", THEME_KEY, cs);
	column = line_input_draw(w, y, 1, width - 1, &shown, cs);
	line_input_free(&shown);
	strbuf_free(&before_cursor);
	strbuf_free(&all);
	return column;
}
