#include "broker/outcome.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "broker/store.h"

void outcome_set(struct outcome *o, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	o->status = status;
	o->code = code;
	o->field = NULL;
	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof o->detail, fmt, ap);
	va_end(ap);
}

void outcome_invalid(struct outcome *o, const char *field, const char *fmt, ...)
{
	va_list ap;

	o->status = 400;
	o->code = "invalid";
	o->field = field;
	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof o->detail, fmt, ap);
	va_end(ap);
}

bool outcome_check_if_match(struct outcome *o, const char *kind, int64_t id, int64_t version,
			    int64_t if_match)
{
	if (if_match == IF_MATCH_ANY || if_match == version)
		return true;
	if (if_match == IF_MATCH_WEAK)
		outcome_set(o, 412, "stale_version",
			    "If-Match uses the strong comparison, so a weak tag (W/\"...\") never "
			    "matches; send %s %lld's ETag without W/", kind, (long long)id);
	else
		outcome_set(o, 412, "stale_version",
			    "%s %lld is at version %lld, not %lld; reload it and try again", kind,
			    (long long)id, (long long)version, (long long)if_match);
	return false;
}

void outcome_store_failure(struct outcome *o, int store_status, const char *what)
{
	if (store_status == STORE_BUSY)
		outcome_set(o, 503, "unavailable", "the database is busy (%s); retry shortly", what);
	else
		outcome_set(o, 500, "internal", "storage failed while %s; nothing was changed", what);
}

static const struct {
	const char *code;
	const char *title;
} titles[] = {
	{ "invalid", "Invalid input" },
	{ "unauthenticated", "Authentication required" },
	{ "forbidden", "Not allowed" },
	{ "self_approval", "Self-approval is not allowed" },
	{ "not_found", "Not found" },
	{ "method_not_allowed", "Method not allowed" },
	{ "not_pending", "Request is not pending" },
	{ "conflict", "Conflict" },
	{ "cursor_expired", "Feed cursor expired" },
	{ "stale_version", "Stale version" },
	{ "too_large", "Body too large" },
	{ "unsupported_media_type", "Unsupported media type" },
	{ "idempotency_key_reused", "Idempotency key reused" },
	{ "internal", "Internal error" },
	{ "unavailable", "Service unavailable" },
};

const char *problem_title(const char *code)
{
	for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
		if (strcmp(titles[i].code, code) == 0)
			return titles[i].title;
	return "Error";
}
