/*
 * gatehouse report --history FILE [--json]: the baseline of an access flow from an
 * exported history. Options, and the figures printed as text or as one JSON object.
 */

#include "console/cli_error.h"
#include "console/cli_report.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/cli_report_internal.h"
#include "tui/text.h"

#define DEFAULT_TOP 10
#define DEFAULT_MANY 10
#define TOP_MAX 100000

static const char report_usage[] =
	"usage: gatehouse report --history FILE [--json] [--format FORMAT]\n"
	"                        [--map FIELD=COLUMN,...] [--approved-value TEXT]\n"
	"                        [--denied-value TEXT] [--top N] [--many N]\n"
	"\n"
	"Measure an access flow from an exported history of access requests: volume,\n"
	"approval and denial rates, time to access, the most requested resources, the\n"
	"slowest approvers, one-off approvals and candidates for an auto-approve rule.\n"
	"\n"
	"options:\n"
	"  --history FILE        the history; its format is found from its first line\n"
	"  --json                print one JSON object instead of text\n"
	"  --format FORMAT       access-history: the CSV of data/amazon_train.csv\n"
	"                        (ACTION,RESOURCE,MGR_ID,...; ACTION 1 is approved,\n"
	"                        MGR_ID is the approver; it has no times)\n"
	"                        csv: any CSV with a header line, read with --map\n"
	"                        json-lines: one request object of the broker's API a line\n"
	"  --map FIELD=COLUMN,... the columns of a CSV, by header name or number from 1\n"
	"                        (a name with a comma in it: by number).\n"
	"                        FIELD is decision, resource, requester, approver,\n"
	"                        requested_at, decided_at or role; decision and\n"
	"                        resource are required. Times are RFC 3339,\n"
	"                        YYYY-MM-DD HH:MM:SS in UTC, or seconds since 1970.\n"
	"  --approved-value TEXT the decision that means approved (default: approved;\n"
	"                        compared without case)\n"
	"  --denied-value TEXT   a decision that means denied; repeat it or separate\n"
	"                        values with commas. Without it, every other non-empty\n"
	"                        decision is a denial; with it, the rest count as other.\n"
	"  --top N               entries in each list (default: 10)\n"
	"  --many N              approvals of the same access (resource and role), with\n"
	"                        no denial, that make it an auto-approve candidate\n"
	"                        (default: 10)\n"
	"\n"
	"Rates are shares of the decided requests (approved and denied). Time to access\n"
	"runs from request to approval; percentiles are nearest-rank values.\n"
	"Exits 0 after a report, 1 when the history cannot be read, 2 on bad usage.\n";

static const char *const field_names[REPORT_FIELD_COUNT] = {
	[REPORT_FIELD_DECISION] = "decision",
	[REPORT_FIELD_RESOURCE] = "resource",
	[REPORT_FIELD_REQUESTER] = "requester",
	[REPORT_FIELD_APPROVER] = "approver",
	[REPORT_FIELD_REQUESTED_AT] = "requested_at",
	[REPORT_FIELD_DECIDED_AT] = "decided_at",
	[REPORT_FIELD_ROLE] = "role",
};

static const char *const format_names[] = {
	[REPORT_FORMAT_AUTO] = "auto",
	[REPORT_FORMAT_ACCESS_HISTORY] = "access-history",
	[REPORT_FORMAT_CSV] = "csv",
	[REPORT_FORMAT_JSON_LINES] = "json-lines",
};

const char *report_field_name(enum report_field field)
{
	return field_names[field];
}

const char *report_format_name(enum report_format format)
{
	return format_names[format];
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a usage problem; returns the exit status for bad usage. */
static int usage_error(const char *fmt, ...)
{
	struct strbuf message = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&message, fmt, ap);
	va_end(ap);
	cli_print_error("gatehouse report: %s; see gatehouse report --help", strbuf_str(&message));
	strbuf_free(&message);
	return 2;
}

/* Reject long options that are not spelled out in full, as the console's own options do. */
static bool options_exact(int argc, char **argv, const struct option *options)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		size_t length = strcspn(argv[i] + 2, "=");
		bool known = false;
		for (const struct option *o = options; o->name; o++)
			if (strlen(o->name) == length && strncmp(o->name, argv[i] + 2, length) == 0)
				known = true;
		if (!known) {
			cli_print_error("gatehouse report: unknown option --%.*s; see --help",
				(int)length, argv[i] + 2);
			return false;
		}
	}
	return true;
}

/* Parse FIELD=COLUMN,... into o->columns; the strings point into text, which is changed. */
static bool parse_map(char *text, struct report_options *o)
{
	char *saveptr = NULL;

	for (char *pair = strtok_r(text, ",", &saveptr); pair; pair = strtok_r(NULL, ",", &saveptr)) {
		char *equals = strchr(pair, '=');
		int field = 0;
		if (!equals || equals[1] == '\0') {
			usage_error("--map takes FIELD=COLUMN pairs, not \"%s\"", pair);
			return false;
		}
		*equals = '\0';
		while (field < REPORT_FIELD_COUNT && strcmp(field_names[field], pair) != 0)
			field++;
		if (field == REPORT_FIELD_COUNT) {
			usage_error("--map: unknown field %s (decision, resource, requester, approver, "
				    "requested_at, decided_at or role)", pair);
			return false;
		}
		o->columns[field] = equals + 1;
	}
	return true;
}

static bool parse_denied(char *text, struct report_options *o)
{
	char *saveptr = NULL;

	for (char *value = strtok_r(text, ",", &saveptr); value; value = strtok_r(NULL, ",", &saveptr)) {
		if (o->denied_value_count == REPORT_DENIED_VALUES_MAX) {
			usage_error("--denied-value: at most 16 values, not more with %s", value);
			return false;
		}
		o->denied_values[o->denied_value_count++] = value;
	}
	return true;
}

static bool parse_count(const char *option, const char *text, int64_t min, int64_t max, int64_t *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		cli_print_error("gatehouse report: %s must be a whole number from %lld to %lld, not \"%s\"",
			option, (long long)min, (long long)max, text);
		return false;
	}
	*out = v;
	return true;
}

static bool parse_format(const char *text, struct report_options *o)
{
	for (size_t f = 0; f < sizeof format_names / sizeof format_names[0]; f++) {
		if (strcmp(format_names[f], text) == 0) {
			o->format = (enum report_format)f;
			return true;
		}
	}
	usage_error("--format must be auto, access-history, csv or json-lines, not %s", text);
	return false;
}

static bool parse_option(int c, struct report_options *o)
{
	int64_t n;

	switch (c) {
	case 'H':
		o->path = optarg;
		return true;
	case 'j':
		o->json = true;
		return true;
	case 'f':
		return parse_format(optarg, o);
	case 'm':
		return parse_map(optarg, o);
	case 'a':
		o->approved_value = optarg;
		return true;
	case 'd':
		return parse_denied(optarg, o);
	case 't':
		if (!parse_count("--top", optarg, 1, TOP_MAX, &n))
			return false;
		o->top = (size_t)n;
		return true;
	case 'n':
		return parse_count("--many", optarg, 1, INT32_MAX, &o->many);
	default:
		fputs(report_usage, stderr);
		return false;
	}
}

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, struct report_options *o)
{
	static const struct option options[] = {
		{ "history", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "map", required_argument, NULL, 'm' },
		{ "approved-value", required_argument, NULL, 'a' },
		{ "denied-value", required_argument, NULL, 'd' },
		{ "top", required_argument, NULL, 't' },
		{ "many", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct report_options){ .approved_value = "approved", .top = DEFAULT_TOP,
				      .many = DEFAULT_MANY };
	if (!options_exact(argc, argv, options))
		return 2;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'h') {
			fputs(report_usage, stdout);
			return 0;
		}
		if (c == '?') {
			cli_print_getopt_error("gatehouse report", argv);
			return 2;
		}
		if (!parse_option(c, o))
			return 2;
	}
	if (optind != argc)
		return usage_error("unexpected argument %s", argv[optind]);
	if (!o->path)
		return usage_error("give the history with --history FILE");
	if (o->format == REPORT_FORMAT_CSV &&
	    (!o->columns[REPORT_FIELD_DECISION] || !o->columns[REPORT_FIELD_RESOURCE]))
		return usage_error("a CSV needs --map with at least decision=COLUMN,resource=COLUMN");
	return -1;
}

/* ---- JSON ---- */

static json_t *rate_json(int64_t part, int64_t decided)
{
	return decided ? json_real((double)part / (double)decided) : json_null();
}

static json_t *entries_json(const struct report_entry *entries, size_t count, size_t top,
			    json_t *(*entry_json)(const struct report_entry *e))
{
	json_t *list = json_array();

	for (size_t i = 0; i < count && i < top; i++)
		json_array_append_new(list, entry_json(&entries[i]));
	return list;
}

static json_t *resource_json(const struct report_entry *e)
{
	return json_pack("{s:s, s:I, s:I, s:I}", "resource", e->name, "count", (json_int_t)e->requests,
			 "approved", (json_int_t)e->approved, "denied", (json_int_t)e->denied);
}

static json_t *approver_json(const struct report_entry *e)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I}", "approver", e->name, "decisions",
			 (json_int_t)e->requests, "timed_decisions", (json_int_t)e->timed,
			 "median_seconds", (json_int_t)e->median_seconds, "mean_seconds",
			 (json_int_t)e->mean_seconds);
}

static json_t *candidate_json(const struct report_entry *e)
{
	return json_pack("{s:s, s:o, s:I, s:I}", "resource", e->name, "role",
			 e->role ? json_string(e->role) : json_null(), "requests", (json_int_t)e->requests,
			 "approved", (json_int_t)e->approved);
}

static json_t *access_json(const struct report_figures *f)
{
	if (f->access_samples == 0)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I}", "samples", (json_int_t)f->access_samples,
			 "mean_seconds", (json_int_t)f->access_mean, "median_seconds",
			 (json_int_t)f->access_median, "p90_seconds", (json_int_t)f->access_p90);
}

static void print_json(const struct report_options *o, enum report_format format,
		       const struct report_figures *f)
{
	int64_t decided = f->approved + f->denied;
	json_t *report = json_pack(
		"{s:{s:s, s:s}, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o,"
		" s:{s:I, s:o}, s:{s:I, s:I, s:o}}",
		"source", "file", o->path, "format", report_format_name(format),
		"total", (json_int_t)f->total, "approved", (json_int_t)f->approved,
		"denied", (json_int_t)f->denied, "other", (json_int_t)f->other,
		"approval_rate", rate_json(f->approved, decided),
		"denial_rate", rate_json(f->denied, decided),
		"time_to_access", access_json(f),
		"top_resources", entries_json(f->resources, f->resource_count, o->top, resource_json),
		"slowest_approvers", f->approver_count
			? entries_json(f->approvers, f->approver_count, o->top, approver_json) : json_null(),
		"one_off_approvals", "resources", (json_int_t)f->one_off_count,
		"items", entries_json(f->one_offs, f->one_off_count, o->top, resource_json),
		"auto_approve_candidates", "min_approvals", (json_int_t)o->many,
		"count", (json_int_t)f->candidate_count,
		"items", entries_json(f->candidates, f->candidate_count, o->top, candidate_json));
	char *text = json_dumps(report, JSON_INDENT(2) | JSON_REAL_PRECISION(4) | JSON_PRESERVE_ORDER);

	puts(text);
	free(text);
	json_decref(report);
}

/* ---- Text ---- */

/* A name from the history, made safe for the terminal. */
static const char *shown(const char *name, struct strbuf *buf)
{
	strbuf_reset(buf);
	text_sanitize(name, TEXT_NUL_TERMINATED, text_charset_from_locale(), buf);
	return strbuf_str(buf);
}

static void print_summary(const struct report_options *o, enum report_format format,
			  const struct report_figures *f, struct strbuf *buf)
{
	int64_t decided = f->approved + f->denied;
	char mean[16], median[16], p90[16];

	printf("History: %s (%s), %lld requests\n", shown(o->path, buf), report_format_name(format),
	       (long long)f->total);
	printf("Decisions: %lld approved (%.1f%%), %lld denied (%.1f%%), %lld other\n",
	       (long long)f->approved, decided ? 100.0 * (double)f->approved / (double)decided : 0.0,
	       (long long)f->denied, decided ? 100.0 * (double)f->denied / (double)decided : 0.0,
	       (long long)f->other);
	if (f->access_samples == 0) {
		printf("Time to access: unknown, because no approval has both a request and a decision time\n");
		return;
	}
	duration_format(f->access_mean, mean, sizeof mean);
	duration_format(f->access_median, median, sizeof median);
	duration_format(f->access_p90, p90, sizeof p90);
	printf("Time to access (%lld approvals with times): mean %s, median %s, 90th percentile %s\n",
	       (long long)f->access_samples, mean, median, p90);
}

static void print_resources(const struct report_options *o, const struct report_figures *f,
			    struct strbuf *buf)
{
	printf("\nMost requested resources:\n%10s %10s %10s  %s\n", "REQUESTS", "APPROVED", "DENIED",
	       "RESOURCE");
	for (size_t i = 0; i < f->resource_count && i < o->top; i++)
		printf("%10lld %10lld %10lld  %s\n", (long long)f->resources[i].requests,
		       (long long)f->resources[i].approved, (long long)f->resources[i].denied,
		       shown(f->resources[i].name, buf));
}

static void print_approvers(const struct report_options *o, const struct report_figures *f,
			    struct strbuf *buf)
{
	char median[16], mean[16];

	if (f->approver_count == 0) {
		printf("\nSlowest approvers: unknown, because no decision has an approver and both times\n");
		return;
	}
	printf("\nSlowest approvers, by median time from request to decision:\n%10s %10s %10s  %s\n",
	       "MEDIAN", "MEAN", "DECISIONS", "APPROVER");
	for (size_t i = 0; i < f->approver_count && i < o->top; i++) {
		duration_format(f->approvers[i].median_seconds, median, sizeof median);
		duration_format(f->approvers[i].mean_seconds, mean, sizeof mean);
		printf("%10s %10s %10lld  %s\n", median, mean, (long long)f->approvers[i].requests,
		       shown(f->approvers[i].name, buf));
	}
}

static void print_one_offs(const struct report_options *o, const struct report_figures *f,
			   struct strbuf *buf)
{
	printf("\nOne-off approvals: %zu resources were approved only once or twice%s\n",
	       f->one_off_count, f->one_off_count ? ", the first by name:" : "");
	for (size_t i = 0; i < f->one_off_count && i < o->top; i++)
		printf("%10lld approved of %lld requests  %s\n", (long long)f->one_offs[i].approved,
		       (long long)f->one_offs[i].requests, shown(f->one_offs[i].name, buf));
}

static void print_candidates(const struct report_options *o, const struct report_figures *f,
			     struct strbuf *buf)
{
	struct strbuf role = STRBUF_INIT;

	printf("\nAuto-approve candidates: %zu %s approved %lld times or more and never denied%s\n",
	       f->candidate_count, f->has_roles ? "resource and role pairs" : "resources",
	       (long long)o->many, f->candidate_count ? ", most approved first:" : "");
	for (size_t i = 0; i < f->candidate_count && i < o->top; i++) {
		const struct report_entry *e = &f->candidates[i];
		strbuf_reset(&role);
		if (e->role)
			text_sanitize(e->role, TEXT_NUL_TERMINATED, text_charset_from_locale(), &role);
		printf("%10lld approved of %lld requests  %s%s%s\n", (long long)e->approved,
		       (long long)e->requests, shown(e->name, buf), e->role ? ", role " : "",
		       strbuf_str(&role));
	}
	strbuf_free(&role);
}

static void print_text(const struct report_options *o, enum report_format format,
		       const struct report_figures *f)
{
	struct strbuf buf = STRBUF_INIT;

	print_summary(o, format, f, &buf);
	print_resources(o, f, &buf);
	print_approvers(o, f, &buf);
	print_one_offs(o, f, &buf);
	print_candidates(o, f, &buf);
	strbuf_free(&buf);
}

int cli_report_run(int argc, char **argv)
{
	struct report_options o;
	enum report_format format;
	char err[600];
	int status = parse_options(argc, argv, &o);

	if (status >= 0)
		return status;
	struct report *r = report_new();
	if (!report_read_history(&o, r, &format, err, sizeof err)) {
		cli_print_error("gatehouse report: %s", err);
		report_free(r);
		return 1;
	}
	const struct report_figures *f = report_finish(r, o.many);
	if (o.json)
		print_json(&o, format, f);
	else
		print_text(&o, format, f);
	report_free(r);
	return fflush(stdout) == 0 ? 0 : 1;
}
