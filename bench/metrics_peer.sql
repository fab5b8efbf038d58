-- The peer of GET /v1/metrics in bench/metrics.sh: the same series, by the
-- definitions in docs/API.md, computed by one aggregate query over the requests
-- and grants tables, without the rollups. sqlite3 binds :from (the window's start,
-- on an hour), :step (seconds), :points and :now (the broker's as_of).
--
-- Prints one line per step: i|created|allowed|approved|denied|expired|canceled|
-- mean|median|p90|pending|jit|standing|revocations|holders. Percentiles are exact
-- nearest-rank values.
--
-- Points in time: an interval (start, end] counts at the step ends T it holds,
-- start < T <= end. For a step that ends at or before now, the first step that
-- counts it is the one whose end first passes start, (start - :from) / :step, and
-- the first that no longer does is (end - :from) / :step; the step in progress
-- counts what holds at :now.

WITH RECURSIVE
p AS (SELECT :from AS from_t, :step AS step, :points AS points, :now AS now_t,
	     :from + :points * :step AS to_t),
steps(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM steps, p WHERE i + 1 < p.points),
created AS (
	SELECT (created_at - from_t) / step AS i, count(*) AS n
	FROM requests, p WHERE created_at >= from_t AND created_at < to_t GROUP BY 1),
decided AS (
	SELECT (decided_at - from_t) / step AS i,
	       sum(status = 'approved' AND (approvals_needed = 0 OR coalesce(decided_by, '') = 'system')) AS allowed,
	       sum(status = 'approved' AND NOT (approvals_needed = 0 OR coalesce(decided_by, '') = 'system')) AS approved,
	       sum(status = 'denied') AS denied, sum(status = 'expired') AS expired,
	       sum(status = 'canceled') AS canceled,
	       sum(CASE WHEN status = 'approved' THEN max(decided_at - created_at, 0) ELSE 0 END) AS access_sum,
	       sum(status = 'approved') AS access_count
	FROM requests, p
	WHERE status <> 'pending' AND decided_at >= from_t AND decided_at < to_t GROUP BY 1),
ranked AS (
	SELECT (decided_at - from_t) / step AS i, max(decided_at - created_at, 0) AS s,
	       row_number() OVER (PARTITION BY (decided_at - from_t) / step
				  ORDER BY max(decided_at - created_at, 0)) AS rank,
	       count(*) OVER (PARTITION BY (decided_at - from_t) / step) AS n
	FROM requests, p
	WHERE status = 'approved' AND decided_at >= from_t AND decided_at < to_t),
percentiles AS (
	SELECT i, max(CASE WHEN rank = (n + 1) / 2 THEN s END) AS median,
	       max(CASE WHEN rank = (9 * n + 9) / 10 THEN s END) AS p90
	FROM ranked GROUP BY i),
revoked AS (
	SELECT (revoked_at - from_t) / step AS i, count(*) AS n
	FROM grants, p WHERE status = 'revoked' AND revoked_at >= from_t AND revoked_at < to_t
	GROUP BY 1),
-- Each grant's interval: the end is revoked_at when revoked before expires_at.
grant_intervals AS (
	SELECT principal, kind, granted_at AS s,
	       CASE WHEN status = 'revoked' AND revoked_at IS NOT NULL
			 AND (expires_at IS NULL OR revoked_at < expires_at)
		    THEN revoked_at ELSE expires_at END AS e
	FROM grants),
held AS (SELECT * FROM grant_intervals WHERE e IS NULL OR e > s),
-- Each principal's spans of holding any grant: an interval opens a span unless it
-- starts at or before the latest end so far.
opened AS (
	SELECT principal, s, e,
	       CASE WHEN s <= max(coalesce(e, 9223372036854775807)) OVER (
			PARTITION BY principal ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
		    THEN 0 ELSE 1 END AS fresh
	FROM held),
numbered AS (
	SELECT principal, s, e,
	       sum(fresh) OVER (PARTITION BY principal ORDER BY s ROWS UNBOUNDED PRECEDING) AS span
	FROM opened),
spans AS (
	SELECT min(s) AS s, CASE WHEN max(e IS NULL) THEN NULL ELSE max(e) END AS e
	FROM numbered GROUP BY principal, span),
intervals(gauge, s, e) AS (
	SELECT 'pending', created_at, decided_at FROM requests
	UNION ALL SELECT kind, s, e FROM held
	UNION ALL SELECT 'holders', s, e FROM spans),
changes AS (
	SELECT gauge, max((s - from_t) / step, 0) AS i, 1 AS d FROM intervals, p
	WHERE s < to_t AND (e IS NULL OR e >= from_t + step)
	UNION ALL
	SELECT gauge, (e - from_t) / step, -1 FROM intervals, p
	WHERE e IS NOT NULL AND e < to_t AND e >= from_t + step AND s < to_t),
change_sums AS (SELECT gauge, i, sum(d) AS d FROM changes GROUP BY 1, 2),
gauges AS (
	SELECT steps.i,
	       sum(coalesce((SELECT d FROM change_sums c WHERE c.gauge = 'pending' AND c.i = steps.i), 0))
		       OVER w AS pending,
	       sum(coalesce((SELECT d FROM change_sums c WHERE c.gauge = 'jit' AND c.i = steps.i), 0))
		       OVER w AS jit,
	       sum(coalesce((SELECT d FROM change_sums c WHERE c.gauge = 'standing' AND c.i = steps.i), 0))
		       OVER w AS standing,
	       sum(coalesce((SELECT d FROM change_sums c WHERE c.gauge = 'holders' AND c.i = steps.i), 0))
		       OVER w AS holders
	FROM steps WINDOW w AS (ORDER BY steps.i ROWS UNBOUNDED PRECEDING)),
live AS (
	SELECT (SELECT count(*) FROM intervals WHERE gauge = 'pending' AND s < now_t
		AND (e IS NULL OR e >= now_t)) AS pending,
	       (SELECT count(*) FROM held WHERE kind = 'jit' AND s < now_t AND (e IS NULL OR e >= now_t)) AS jit,
	       (SELECT count(*) FROM held WHERE kind = 'standing' AND s < now_t
		AND (e IS NULL OR e >= now_t)) AS standing,
	       (SELECT count(DISTINCT principal) FROM held WHERE s < now_t
		AND (e IS NULL OR e >= now_t)) AS holders
	FROM p)
SELECT steps.i, coalesce(created.n, 0), coalesce(allowed, 0), coalesce(decided.approved, 0),
       coalesce(denied, 0), coalesce(expired, 0), coalesce(canceled, 0),
       CASE WHEN access_count > 0 THEN (2 * access_sum + access_count) / (2 * access_count) END,
       median, p90,
       CASE WHEN from_t + (steps.i + 1) * step > now_t THEN live.pending ELSE gauges.pending END,
       CASE WHEN from_t + (steps.i + 1) * step > now_t THEN live.jit ELSE gauges.jit END,
       CASE WHEN from_t + (steps.i + 1) * step > now_t THEN live.standing ELSE gauges.standing END,
       coalesce(revoked.n, 0),
       CASE WHEN from_t + (steps.i + 1) * step > now_t THEN live.holders ELSE gauges.holders END
FROM steps CROSS JOIN p CROSS JOIN live
LEFT JOIN created ON created.i = steps.i
LEFT JOIN decided ON decided.i = steps.i
LEFT JOIN percentiles ON percentiles.i = steps.i
LEFT JOIN revoked ON revoked.i = steps.i
LEFT JOIN gauges ON gauges.i = steps.i
ORDER BY steps.i;
