/*
 * Schema step 2: the rollups behind GET /v1/metrics (see docs/API.md for what each
 * figure counts). Triggers update them in the statement that changes a request or a
 * grant, so they commit or roll back with it, whichever program writes.
 *
 * metrics_hours has one row per hour that something happened in:
 *   created                  requests made (by created_at)
 *   allowed                  requests approved with no person's approval: the route
 *                            needs none, or the approval was the system's (by decided_at)
 *   approved                 requests approved by people (by decided_at)
 *   denied, expired, canceled
 *   access_seconds           time to access (decided_at - created_at, at least 0) summed
 *                            over the hour's approvals, allowed and approved
 *   revoked                  grants revoked (by revoked_at)
 *   jit_change, standing_change, holders_change
 *                            how the number of active JIT grants, active standing grants
 *                            and principals holding any grant changes: +1 in the hour a
 *                            grant (or a span of holding) starts and -1 in the hour it
 *                            ends, both left out when that is the same hour. Summed over
 *                            every hour before T, they give the value at an hour-aligned
 *                            T. Ends are known in advance, so rows for future hours exist.
 *
 * A grant is held in the interval (granted_at, end], where end is revoked_at when it
 * was revoked before expires_at, else expires_at (NULL for a standing grant that never
 * expires): so it counts at T when granted_at < T <= end.
 *
 * metrics_holder_spans keeps, for each principal, the union of their grants'
 * intervals as disjoint spans, with touching ones merged: a principal holds access
 * at T when one of their spans does. A new grant merges into the spans it meets. A
 * grant whose interval changes (a revocation) has its old span rebuilt from that
 * principal's grants inside it, and is then merged again.
 *
 * metrics_access_histogram counts the hour's approvals by time to access in the bins
 * of metrics_access_bins (see STORE_METRICS_EXACT_BELOW in store.h).
 *
 * The triggers write the hours themselves rather than through triggers on
 * metrics_holder_spans: a trigger that fires inside another costs a few
 * microseconds more on every grant the broker makes.
 */

#include "broker/store_sqlite_metrics_schema.h"

/* The largest INTEGER, standing for "no end" where a comparison needs a number. */
#define NO_END "9223372036854775807"

/* The end of grant row R's interval, NULL when it never ends. */
#define GRANT_END(R)                                                              \
	"(CASE WHEN " R ".status = 'revoked' AND " R ".revoked_at IS NOT NULL"      \
	" AND (" R ".expires_at IS NULL OR " R ".revoked_at < " R ".expires_at)"    \
	" THEN " R ".revoked_at ELSE " R ".expires_at END)"
#define GRANT_END_OR_MAX(R) "coalesce(" GRANT_END(R) ", " NO_END ")"

/* Whether grant row R's interval holds any time at all. */
#define GRANT_HOLDS(R) "(" GRANT_END(R) " IS NULL OR " GRANT_END(R) " > " R ".granted_at)"

/* 1 when request row R was approved without a person's approval, else 0. */
#define REQUEST_ALLOWED(R)                                                        \
	"(" R ".status = 'approved' AND (" R ".approvals_needed = 0"                \
	" OR coalesce(" R ".decided_by, '') = 'system'))"
#define REQUEST_BY_PEOPLE(R) "((" R ".status = 'approved') - " REQUEST_ALLOWED(R) ")"
#define ACCESS_SECONDS(R) "max(" R ".decided_at - " R ".created_at, 0)"

#define ADD_TO_HOURS(columns) " ON CONFLICT(hour) DO UPDATE SET " columns ";"
#define ADD_HOLDERS ADD_TO_HOURS("holders_change = holders_change + excluded.holders_change")

/* Add SIGN (1 or -1) times request row R's creation to its hour, where CONDITION holds. */
#define REQUEST_CREATED(R, SIGN, CONDITION)                                       \
	"INSERT INTO metrics_hours(hour, created)"                                  \
	" SELECT " R ".created_at / 3600, " SIGN " WHERE " CONDITION                \
	ADD_TO_HOURS("created = created + excluded.created")

/* Add SIGN times request row R's decision, if it has one, to its hour and the histogram. */
#define REQUEST_DECIDED(R, SIGN)                                                  \
	"INSERT INTO metrics_hours(hour, allowed, approved, denied, expired, canceled,"  \
	" access_seconds)"                                                          \
	" SELECT " R ".decided_at / 3600, " SIGN " * " REQUEST_ALLOWED(R) ","       \
	" " SIGN " * " REQUEST_BY_PEOPLE(R) ", " SIGN " * (" R ".status = 'denied'),"  \
	" " SIGN " * (" R ".status = 'expired'), " SIGN " * (" R ".status = 'canceled'),"  \
	" " SIGN " * (CASE WHEN " R ".status = 'approved' THEN " ACCESS_SECONDS(R) " ELSE 0 END)"  \
	" WHERE " R ".status <> 'pending' AND " R ".decided_at IS NOT NULL"         \
	ADD_TO_HOURS("allowed = allowed + excluded.allowed,"                        \
		     " approved = approved + excluded.approved,"                    \
		     " denied = denied + excluded.denied,"                          \
		     " expired = expired + excluded.expired,"                       \
		     " canceled = canceled + excluded.canceled,"                    \
		     " access_seconds = access_seconds + excluded.access_seconds")  \
	"INSERT INTO metrics_access_histogram(hour, lower, count)"                  \
	" SELECT " R ".decided_at / 3600, (SELECT max(lower) FROM metrics_access_bins" \
	"  WHERE lower <= " ACCESS_SECONDS(R) "), " SIGN                            \
	" WHERE " R ".status = 'approved' AND " R ".decided_at IS NOT NULL"         \
	" ON CONFLICT(hour, lower) DO UPDATE SET count = count + excluded.count;"

/* Whether an update of a request only decided it: a pending request counts no decision. */
#define REQUEST_DECISION_ONLY                                                     \
	"(old.status = 'pending' AND new.status <> 'pending'"                       \
	" AND old.created_at IS new.created_at)"

/* The start of the latest span of R's principal that starts at or before R's grant. */
#define SPAN_BEFORE(R)                                                            \
	"(SELECT max(starts_at) FROM metrics_holder_spans WHERE principal = " R ".principal" \
	" AND starts_at <= " R ".granted_at)"

/* Whether the span before R's grant reaches its start, or covers it. */
#define SPAN_REACHES(R)                                                           \
	"EXISTS (SELECT 1 FROM metrics_holder_spans WHERE principal = " R ".principal" \
	" AND starts_at = " SPAN_BEFORE(R) " AND (ends_at IS NULL OR ends_at >= " R ".granted_at))"

/* Whether a span of R's principal starts after R's grant and no later than its end. */
#define SPAN_INSIDE(R)                                                            \
	"EXISTS (SELECT 1 FROM metrics_holder_spans WHERE principal = " R ".principal" \
	" AND starts_at > " R ".granted_at AND starts_at <= " GRANT_END_OR_MAX(R) ")"

/* Whether grant row R's interval meets no span, and so becomes one of its own. */
#define SPAN_NEW(R)                                                               \
	"(" GRANT_HOLDS(R) " AND NOT " SPAN_REACHES(R) " AND NOT " SPAN_INSIDE(R) ")"

/*
 * Add SIGN times grant row R's interval and revocation to the hours. HOLDERS is
 * what the interval adds to the principals holding access (0 or SPAN_NEW(R)).
 */
#define GRANT_COUNTED(R, SIGN, HOLDERS)                                           \
	"INSERT INTO metrics_hours(hour, jit_change, standing_change, holders_change)"  \
	" SELECT " R ".granted_at / 3600, " SIGN " * (" R ".kind = 'jit'),"        \
	"  " SIGN " * (" R ".kind = 'standing'), " HOLDERS                          \
	"  WHERE " GRANT_END(R) " IS NULL OR " GRANT_END(R) " / 3600 > " R ".granted_at / 3600" \
	" UNION ALL SELECT " GRANT_END(R) " / 3600, -1 * " SIGN " * (" R ".kind = 'jit')," \
	"  -1 * " SIGN " * (" R ".kind = 'standing'), -1 * " HOLDERS                \
	"  WHERE " GRANT_END(R) " / 3600 > " R ".granted_at / 3600"                 \
	ADD_TO_HOURS("jit_change = jit_change + excluded.jit_change,"               \
		     " standing_change = standing_change + excluded.standing_change,"  \
		     " holders_change = holders_change + excluded.holders_change")  \
	"INSERT INTO metrics_hours(hour, revoked)"                                  \
	" SELECT " R ".revoked_at / 3600, " SIGN                                    \
	" WHERE " R ".status = 'revoked' AND " R ".revoked_at IS NOT NULL"          \
	ADD_TO_HOURS("revoked = revoked + excluded.revoked")

/* The spans of R's principal that start inside the span in metrics_span_scratch. */
#define SPANS_IN_SCRATCH                                                          \
	" FROM metrics_holder_spans AS x JOIN metrics_span_scratch AS c"            \
	" ON x.principal = c.principal"                                             \
	" AND x.starts_at BETWEEN c.starts_at AND coalesce(c.ends_at, " NO_END ")"

/* Add SIGN times the starts and ends of the spans that FROM_SPANS yields (as x) to the hours. */
#define SPANS_COUNTED(FROM_SPANS, SIGN)                                           \
	"INSERT INTO metrics_hours(hour, holders_change)"                           \
	" SELECT x.starts_at / 3600, " SIGN FROM_SPANS                              \
	" UNION ALL SELECT x.ends_at / 3600, -1 * " SIGN FROM_SPANS                 \
	" WHERE x.ends_at IS NOT NULL" ADD_HOLDERS

/*
 * Merging grant row R's interval into its principal's spans takes one of three
 * cases, which exclude each other and leave the interval covered:
 *
 * 1. It meets no span: it becomes one (GRANT_COUNTED has counted it).
 * 2. The span before it reaches its start and ends earlier: that span grows.
 * 3. Spans start inside it. The spans it meets are those and the one before it when
 *    that reaches its start. Merged, they cover exactly the spans that start inside
 *    the merged bounds, which are deleted and replaced.
 *
 * An interval that a span already covers changes nothing. Cases 2 and 3 are
 * triggers of their own with the case as the WHEN clause: a trigger whose WHEN is
 * false costs less than statements that find nothing to do.
 */
#define SPAN_ADD(R)                                                               \
	"INSERT INTO metrics_holder_spans(principal, starts_at, ends_at)"           \
	" SELECT " R ".principal, " R ".granted_at, " GRANT_END(R)                  \
	" WHERE " SPAN_NEW(R) ";"

/* The span before grant row R, when case 2 applies to R. */
#define SPAN_GROWS_WHERE(R)                                                       \
	" WHERE principal = " R ".principal AND starts_at = " SPAN_BEFORE(R)        \
	" AND ends_at >= " R ".granted_at AND " GRANT_END_OR_MAX(R) " > ends_at"      \
	" AND NOT " SPAN_INSIDE(R)
#define SPAN_GROWS(R) "EXISTS (SELECT 1 FROM metrics_holder_spans" SPAN_GROWS_WHERE(R) ")"
#define SPAN_GROW(R)                                                              \
	"INSERT INTO metrics_hours(hour, holders_change)"                           \
	" SELECT ends_at / 3600, 1 FROM metrics_holder_spans" SPAN_GROWS_WHERE(R)   \
	" AND " GRANT_END_OR_MAX(R) " / 3600 > ends_at / 3600"                      \
	" UNION ALL SELECT " GRANT_END(R) " / 3600, -1 FROM metrics_holder_spans"   \
	SPAN_GROWS_WHERE(R) " AND " GRANT_END(R) " / 3600 > ends_at / 3600" ADD_HOLDERS \
	"UPDATE metrics_holder_spans SET ends_at = " GRANT_END(R) SPAN_GROWS_WHERE(R) ";"

#define SPAN_JOIN(R)                                                              \
	"INSERT INTO metrics_span_scratch(principal, starts_at, ends_at)"           \
	" SELECT " R ".principal, merged_start, merged_end FROM ("                  \
	"  SELECT min(" R ".granted_at, coalesce(min(starts_at), " R ".granted_at)) AS merged_start," \
	"   CASE WHEN " GRANT_END(R) " IS NULL OR count(*) > count(ends_at) THEN NULL" \
	"    ELSE max(" GRANT_END(R) ", coalesce(max(ends_at), " GRANT_END(R) ")) END AS merged_end" \
	"  FROM (SELECT starts_at, ends_at FROM metrics_holder_spans"               \
	"   WHERE principal = " R ".principal"                                      \
	"   AND starts_at > " R ".granted_at AND starts_at <= " GRANT_END_OR_MAX(R)  \
	"   UNION ALL SELECT starts_at, ends_at FROM metrics_holder_spans"          \
	"   WHERE principal = " R ".principal AND starts_at = " SPAN_BEFORE(R)      \
	"   AND (ends_at IS NULL OR ends_at >= " R ".granted_at)))"                 \
	" WHERE " SPAN_INSIDE(R) ";"                                                \
	SPANS_COUNTED(SPANS_IN_SCRATCH, "-1")                                       \
	"DELETE FROM metrics_holder_spans WHERE principal = " R ".principal"        \
	" AND starts_at BETWEEN (SELECT starts_at FROM metrics_span_scratch)"       \
	" AND coalesce((SELECT ends_at FROM metrics_span_scratch), " NO_END ");"    \
	"INSERT INTO metrics_holder_spans(principal, starts_at, ends_at)"           \
	" SELECT principal, starts_at, ends_at FROM metrics_span_scratch;"          \
	SPANS_COUNTED(SPANS_IN_SCRATCH, "1")                                        \
	"DELETE FROM metrics_span_scratch;"

/*
 * The spans of a set of grants (SOURCE yields principal, s = granted_at and
 * e = the end, NULL for none), PARTITION the window clause that keeps principals
 * apart: an interval opens a new span unless it starts at or before the latest
 * end so far.
 */
#define SPANS_OF(SOURCE, PARTITION)                                               \
	"SELECT principal, min(s), CASE WHEN max(e IS NULL) THEN NULL ELSE max(e) END FROM (" \
	" SELECT principal, s, e, sum(fresh) OVER (" PARTITION " ORDER BY s"          \
	"  ROWS UNBOUNDED PRECEDING) AS island FROM ("                              \
	"  SELECT principal, s, e, CASE WHEN s <= max(coalesce(e, " NO_END ")) OVER (" \
	"   " PARTITION " ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)" \
	"   THEN 0 ELSE 1 END AS fresh FROM (" SOURCE ")))"                         \
	" GROUP BY principal, island"

/*
 * Take out grant row R's old interval: rebuild the span that contained it from the
 * grants of its principal that start inside that span, as they are now.
 */
#define SPAN_REBUILD(R)                                                           \
	"INSERT INTO metrics_span_scratch(principal, starts_at, ends_at)"           \
	" SELECT principal, starts_at, ends_at FROM metrics_holder_spans"           \
	" WHERE principal = " R ".principal AND starts_at = " SPAN_BEFORE(R)        \
	" AND " GRANT_HOLDS(R) ";"                                                  \
	SPANS_COUNTED(SPANS_IN_SCRATCH, "-1")                                       \
	"DELETE FROM metrics_holder_spans WHERE principal = " R ".principal"        \
	" AND starts_at = (SELECT starts_at FROM metrics_span_scratch);"            \
	"INSERT INTO metrics_holder_spans(principal, starts_at, ends_at) "          \
	SPANS_OF("SELECT g.principal AS principal, g.granted_at AS s, " GRANT_END("g") " AS e" \
		 " FROM metrics_span_scratch AS a JOIN grants AS g ON g.principal = a.principal" \
		 " AND g.granted_at BETWEEN a.starts_at AND coalesce(a.ends_at, " NO_END ")" \
		 " WHERE " GRANT_HOLDS("g"), "") ";"                                \
	SPANS_COUNTED(SPANS_IN_SCRATCH, "1")                                        \
	"DELETE FROM metrics_span_scratch;"

const char store_metrics_schema[] =
	"CREATE TABLE metrics_hours("
	"  hour INTEGER PRIMARY KEY,"
	"  created INTEGER NOT NULL DEFAULT 0, allowed INTEGER NOT NULL DEFAULT 0,"
	"  approved INTEGER NOT NULL DEFAULT 0, denied INTEGER NOT NULL DEFAULT 0,"
	"  expired INTEGER NOT NULL DEFAULT 0, canceled INTEGER NOT NULL DEFAULT 0,"
	"  access_seconds INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0,"
	"  jit_change INTEGER NOT NULL DEFAULT 0, standing_change INTEGER NOT NULL DEFAULT 0,"
	"  holders_change INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE metrics_access_bins(lower INTEGER PRIMARY KEY);"
	"WITH RECURSIVE exact(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM exact WHERE v < 31),"
	"  mantissa(m) AS (SELECT 16 UNION ALL SELECT m + 1 FROM mantissa WHERE m < 31),"
	"  octave(e) AS (SELECT 1 UNION ALL SELECT e + 1 FROM octave WHERE e < 31)"
	" INSERT INTO metrics_access_bins SELECT v FROM exact"
	" UNION SELECT m << e FROM mantissa, octave;"
	"CREATE TABLE metrics_access_histogram("
	"  hour INTEGER NOT NULL, lower INTEGER NOT NULL, count INTEGER NOT NULL,"
	"  PRIMARY KEY(hour, lower)) WITHOUT ROWID;"
	"CREATE TABLE metrics_holder_spans("
	"  principal TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER,"
	"  PRIMARY KEY(principal, starts_at)) WITHOUT ROWID;"
	/* Holds the one span being merged or rebuilt, between a trigger's statements. */
	"CREATE TABLE metrics_span_scratch("
	"  principal TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER);"
	/* A principal's grants in time order, for rebuilding a span. */
	"CREATE INDEX grants_principal_granted ON grants(principal, granted_at);"

	/* The backfill of what the database held before this step. */
	"INSERT INTO metrics_hours(hour, created)"
	" SELECT created_at / 3600, count(*) FROM requests WHERE true GROUP BY 1"
	ADD_TO_HOURS("created = created + excluded.created")
	"INSERT INTO metrics_hours(hour, allowed, approved, denied, expired, canceled, access_seconds)"
	" SELECT r.decided_at / 3600, sum(" REQUEST_ALLOWED("r") "), sum(" REQUEST_BY_PEOPLE("r") "),"
	" sum(r.status = 'denied'), sum(r.status = 'expired'), sum(r.status = 'canceled'),"
	" sum(CASE WHEN r.status = 'approved' THEN " ACCESS_SECONDS("r") " ELSE 0 END)"
	" FROM requests AS r WHERE r.status <> 'pending' AND r.decided_at IS NOT NULL GROUP BY 1"
	ADD_TO_HOURS("allowed = allowed + excluded.allowed, approved = approved + excluded.approved,"
		     " denied = denied + excluded.denied, expired = expired + excluded.expired,"
		     " canceled = canceled + excluded.canceled,"
		     " access_seconds = access_seconds + excluded.access_seconds")
	"INSERT INTO metrics_access_histogram(hour, lower, count)"
	" SELECT r.decided_at / 3600, (SELECT max(lower) FROM metrics_access_bins"
	"  WHERE lower <= " ACCESS_SECONDS("r") ") AS bin, count(*)"
	" FROM requests AS r WHERE r.status = 'approved' AND r.decided_at IS NOT NULL GROUP BY 1, 2;"
	"INSERT INTO metrics_hours(hour, jit_change, standing_change)"
	" SELECT g.granted_at / 3600, sum(g.kind = 'jit'), sum(g.kind = 'standing')"
	" FROM grants AS g WHERE " GRANT_HOLDS("g") " GROUP BY 1"
	" UNION ALL SELECT " GRANT_END("g") " / 3600, -sum(g.kind = 'jit'), -sum(g.kind = 'standing')"
	" FROM grants AS g WHERE " GRANT_END("g") " > g.granted_at GROUP BY 1"
	ADD_TO_HOURS("jit_change = jit_change + excluded.jit_change,"
		     " standing_change = standing_change + excluded.standing_change")
	"INSERT INTO metrics_hours(hour, revoked)"
	" SELECT revoked_at / 3600, count(*) FROM grants"
	" WHERE status = 'revoked' AND revoked_at IS NOT NULL GROUP BY 1"
	ADD_TO_HOURS("revoked = revoked + excluded.revoked")
	"INSERT INTO metrics_holder_spans(principal, starts_at, ends_at) "
	SPANS_OF("SELECT g.principal AS principal, g.granted_at AS s, " GRANT_END("g") " AS e"
		 " FROM grants AS g WHERE " GRANT_HOLDS("g"), "PARTITION BY principal") ";"
	"INSERT INTO metrics_hours(hour, holders_change)"
	" SELECT starts_at / 3600, count(*) FROM metrics_holder_spans WHERE true GROUP BY 1"
	" UNION ALL SELECT ends_at / 3600, -count(*) FROM metrics_holder_spans"
	" WHERE ends_at IS NOT NULL GROUP BY 1" ADD_HOLDERS

	/* From here on, the triggers keep the rollups. */
	"CREATE TRIGGER metrics_request_insert AFTER INSERT ON requests BEGIN "
	REQUEST_CREATED("new", "1", "true")
	"END;"
	"CREATE TRIGGER metrics_request_insert_decided AFTER INSERT ON requests"
	" WHEN new.status <> 'pending' BEGIN "
	REQUEST_DECIDED("new", "1")
	"END;"
	/* The broker's own change: a pending request decided, which only adds a decision. */
	"CREATE TRIGGER metrics_request_decided AFTER UPDATE OF status ON requests"
	" WHEN " REQUEST_DECISION_ONLY " BEGIN "
	REQUEST_DECIDED("new", "1")
	"END;"
	"CREATE TRIGGER metrics_request_update"
	" AFTER UPDATE OF status, decided_at, created_at, approvals_needed, decided_by ON requests"
	" WHEN (old.status IS NOT new.status OR old.decided_at IS NOT new.decided_at"
	"  OR old.created_at IS NOT new.created_at OR old.approvals_needed IS NOT new.approvals_needed"
	"  OR old.decided_by IS NOT new.decided_by) AND NOT " REQUEST_DECISION_ONLY " BEGIN "
	REQUEST_CREATED("old", "-1", "old.created_at IS NOT new.created_at")
	REQUEST_CREATED("new", "1", "old.created_at IS NOT new.created_at")
	REQUEST_DECIDED("old", "-1")
	REQUEST_DECIDED("new", "1")
	"END;"
	"CREATE TRIGGER metrics_grant_insert AFTER INSERT ON grants BEGIN "
	GRANT_COUNTED("new", "1", SPAN_NEW("new"))
	SPAN_ADD("new")
	"END;"
	"CREATE TRIGGER metrics_grant_insert_grows AFTER INSERT ON grants"
	" WHEN " SPAN_GROWS("new") " BEGIN "
	SPAN_GROW("new")
	"END;"
	"CREATE TRIGGER metrics_grant_insert_joins AFTER INSERT ON grants"
	" WHEN " SPAN_INSIDE("new") " BEGIN "
	SPAN_JOIN("new")
	"END;"
	"CREATE TRIGGER metrics_grant_update"
	" AFTER UPDATE OF status, revoked_at, expires_at, granted_at, kind, principal ON grants"
	" WHEN " GRANT_END("old") " IS NOT " GRANT_END("new")
	"  OR old.granted_at IS NOT new.granted_at OR old.kind IS NOT new.kind"
	"  OR old.principal IS NOT new.principal OR old.revoked_at IS NOT new.revoked_at"
	"  OR (old.status = 'revoked') IS NOT (new.status = 'revoked') BEGIN "
	GRANT_COUNTED("old", "-1", "0")
	SPAN_REBUILD("old")
	GRANT_COUNTED("new", "1", SPAN_NEW("new"))
	SPAN_ADD("new")
	SPAN_GROW("new")
	SPAN_JOIN("new")
	"END;";
