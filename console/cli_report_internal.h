#ifndef GATEHOUSE_CLI_REPORT_INTERNAL_H
#define GATEHOUSE_CLI_REPORT_INTERNAL_H

/*
 * Shared by the files of gatehouse report: cli_report.c (options and output),
 * cli_report_read.c (the history formats) and cli_report_figures.c (the counting).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum report_format {
	REPORT_FORMAT_AUTO,
	REPORT_FORMAT_ACCESS_HISTORY,   /* the CSV of data/amazon_train.csv */
	REPORT_FORMAT_CSV,              /* any CSV, with --map */
	REPORT_FORMAT_JSON_LINES,       /* one request object of the broker's API a line */
};

/* The fields a history row can give, in the order of --map's names. */
enum report_field {
	REPORT_FIELD_DECISION,
	REPORT_FIELD_RESOURCE,
	REPORT_FIELD_REQUESTER,
	REPORT_FIELD_APPROVER,
	REPORT_FIELD_REQUESTED_AT,
	REPORT_FIELD_DECIDED_AT,
	REPORT_FIELD_ROLE,
	REPORT_FIELD_COUNT
};

#define REPORT_DENIED_VALUES_MAX 16

struct report_options {
	const char *path;
	bool json;
	enum report_format format;
	/* --map: the column of each field, by header name or 1-based number; NULL when unmapped. */
	const char *columns[REPORT_FIELD_COUNT];
	const char *approved_value;
	/* --denied-value: when none is given, every other non-empty decision is a denial. */
	const char *denied_values[REPORT_DENIED_VALUES_MAX];
	size_t denied_value_count;
	size_t top;                     /* entries of each list */
	int64_t many;                   /* approvals that make access an auto-approve candidate */
};

enum report_decision {
	REPORT_APPROVED,
	REPORT_DENIED,
	REPORT_OTHER,                   /* canceled, expired, pending, or no decision */
};

/* A string of the input, not NUL-terminated; length 0 for a field the row lacks. */
struct report_text {
	const char *text;
	size_t length;
};

struct report_row {
	struct report_text resource;
	struct report_text requester;
	struct report_text approver;
	struct report_text role;
	enum report_decision decision;
	int64_t requested_at;           /* seconds since the epoch, 0 when unknown */
	int64_t decided_at;
};

const char *report_field_name(enum report_field field);
const char *report_format_name(enum report_format format);

/* ---- cli_report_read.c ---- */

/*
 * Read the history at o->path into r, detecting the format when o->format is
 * REPORT_FORMAT_AUTO. Sets *format to the format read. False with a message that
 * names the file and line in err.
 */
struct report;
bool report_read_history(const struct report_options *o, struct report *r,
			 enum report_format *format, char *err, size_t errlen);

/* ---- cli_report_figures.c ---- */

struct report *report_new(void);
void report_free(struct report *r);
void report_add(struct report *r, const struct report_row *row);

/* One resource, approver or access (resource and role) and its counts. */
struct report_entry {
	const char *name;               /* resource or approver */
	const char *role;               /* access: the role, NULL when the history has none */
	int64_t requests;
	int64_t approved;
	int64_t denied;
	int64_t timed;                  /* approver: decisions with both times */
	int64_t mean_seconds;           /* approver: mean time from request to decision */
	int64_t median_seconds;
};

/* The figures, computed by report_finish. */
struct report_figures {
	int64_t total;
	int64_t approved;
	int64_t denied;
	int64_t other;
	/* Time to access of the approvals with both times; samples 0 when none has. */
	int64_t access_samples;
	int64_t access_mean;
	int64_t access_median;
	int64_t access_p90;
	/* Most requested first, then by name. */
	struct report_entry *resources;
	size_t resource_count;
	/* Slowest median first: approvers with at least one timed decision. */
	struct report_entry *approvers;
	size_t approver_count;
	/* Resources approved once or twice, by name. */
	struct report_entry *one_offs;
	size_t one_off_count;
	/* Access approved at least o->many times and never denied, most approved first. */
	struct report_entry *candidates;
	size_t candidate_count;
	bool has_roles;                 /* some row gave a role */
};

/* Compute the figures; they stay valid until report_free. */
const struct report_figures *report_finish(struct report *r, int64_t many);

#endif
