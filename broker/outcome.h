#ifndef GATEHOUSE_OUTCOME_H
#define GATEHOUSE_OUTCOME_H

/*
 * The result of a broker operation: success, or the HTTP status and stable
 * problem code that the API reports (see the error table in docs/API.md).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outcome {
	int status;          /* an HTTP status; 200 or 201 on success */
	const char *code;    /* a stable problem code, NULL on success */
	const char *field;   /* the offending field for "invalid", else NULL */
	char detail[320];
};

static inline bool outcome_ok(const struct outcome *o)
{
	return o->code == NULL;
}

void outcome_set(struct outcome *o, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void outcome_invalid(struct outcome *o, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* If-Match values besides a version: none given (or "*"), and a weak tag, which never matches. */
#define IF_MATCH_ANY (-1)
#define IF_MATCH_WEAK (-2)

/*
 * Check an If-Match value against the version of the object kind ("request") id.
 * False sets o to 412 stale_version.
 */
bool outcome_check_if_match(struct outcome *o, const char *kind, int64_t id, int64_t version,
			    int64_t if_match);

/* A storage failure: 503 when the database is busy, 500 otherwise. */
void outcome_store_failure(struct outcome *o, int store_status, const char *what);

/* The problem title for a code ("Request is not pending"). */
const char *problem_title(const char *code);

#endif
