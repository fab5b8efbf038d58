-- Fill a gatehoused database with 1,000,000 decided and pending requests, their
-- grants and 2,000 standing grants, for bench/metrics.sh. sqlite3 runs it after
-- gatehoused has created the schema; the schema's triggers keep the metrics
-- rollups as the rows arrive, as they do for the broker's own writes.
-- bench/metrics.sh replaces :now with the current time in seconds.
--
-- The requests are spread over the 30 days before :now, oldest first, with
-- outcomes drawn from a hash of their number: 5% allowed by policy, 75% approved
-- by one of 500 managers after 2 minutes to 6 hours, 8% denied, 4% expired, 3%
-- canceled and 5% pending or expired. 20,000 employees ask for 5,000 resources.
-- 2% of the grants are revoked 10 minutes after they start.

PRAGMA foreign_keys = OFF;
BEGIN;

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
INSERT INTO principals(id, display_name, roles, attributes)
SELECT 'emp-' || i, 'Employee ' || i, 1, NULL FROM n;

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 499)
INSERT INTO principals(id, display_name, roles, attributes)
SELECT 'mgr-' || i, 'Manager ' || i, 3, NULL FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000),
drawn AS (
	SELECT i,
	       :now - 30 * 86400 + i * (30 * 86400 - 7200) / 1000000 AS created,
	       (i * 2654435761) % 1000 AS u,
	       (i * 40503) % 997 AS v
	FROM n
),
planned AS (
	SELECT i, created, u, v,
	       CASE WHEN u < 50 THEN 'approved'
		    WHEN u < 800 THEN 'approved'
		    WHEN u < 880 THEN 'denied'
		    WHEN u < 920 THEN 'expired'
		    WHEN u < 950 THEN 'canceled'
		    ELSE 'expired' END AS outcome,
	       CASE WHEN u < 50 THEN created
		    WHEN u < 800 THEN created + 120 + (v * v * 23) % 21600
		    WHEN u < 880 THEN created + 300 + v * 30
		    WHEN u < 920 THEN created + 86400
		    WHEN u < 950 THEN created + 60 + v
		    ELSE created + 86400 END AS decided
	FROM drawn
)
INSERT INTO requests(status, requester, resource, role, reason, duration, created_at,
		     decided_at, expires_at, approvals_needed, approver_group, decided_by,
		     decision_reason, grant_id, version)
SELECT CASE WHEN decided > :now THEN 'pending' ELSE outcome END,
       'emp-' || (i * 7919 % 20000), 'res-' || (i * 104729 % 5000), 'read', 'benchmark',
       3600 * (1 + v % 8), created,
       CASE WHEN decided > :now THEN NULL ELSE decided END,
       created + 86400, CASE WHEN u < 50 THEN 0 ELSE 1 END, 'bench-owners',
       CASE WHEN decided > :now THEN NULL
	    WHEN u < 50 OR outcome = 'expired' THEN 'system'
	    WHEN outcome = 'canceled' THEN 'emp-' || (i * 7919 % 20000)
	    ELSE 'mgr-' || (i % 500) END,
       NULL, NULL, 2
FROM planned ORDER BY i;

INSERT INTO grants(request_id, principal, resource, role, kind, status, granted_at, expires_at,
		   revoked_at, revoked_by, reason, request_reason, version)
SELECT id, requester, resource, role, 'jit',
       CASE WHEN id % 50 = 7 AND decided_at + 600 <= :now THEN 'revoked'
	    WHEN decided_at + duration <= :now THEN 'expired'
	    ELSE 'active' END,
       decided_at, decided_at + duration,
       CASE WHEN id % 50 = 7 AND decided_at + 600 <= :now THEN decided_at + 600 END,
       CASE WHEN id % 50 = 7 AND decided_at + 600 <= :now THEN 'mgr-0' END,
       reason, reason, 1
FROM requests WHERE status = 'approved' ORDER BY decided_at, id;

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999)
INSERT INTO grants(request_id, principal, resource, role, kind, status, granted_at, expires_at,
		   reason, version)
SELECT NULL, 'emp-' || (i * 10), 'res-' || (i % 5000), 'read', 'standing', 'active',
       :now - 400 * 86400 + i, NULL, 'standing access from before just-in-time access', 1
FROM n;

COMMIT;
