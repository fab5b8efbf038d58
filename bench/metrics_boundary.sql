-- For bench/metrics.sh: the rows that may count differently in the step in
-- progress of GET /v1/metrics and of bench/metrics_peer.sql. Two causes:
--   - The broker counts that step's points in time from the status that its
--     reaper keeps, and the reaper ends a grant or a pending request in the second
--     of its deadline, or a second later under load. bench/metrics_peer.sql counts
--     by time and includes an end equal to :now, so a row that ends in
--     [:now - 1, :now] may count in one and not in the other.
--   - The reaper may expire a pending request after the broker's response and
--     before bench/metrics.sh stops the broker at :stop, and the peer reads the
--     database after that.
-- sqlite3 binds :now (the broker's as_of) and :stop.
--
-- Prints requests|jit|standing|grants: the requests decided in [:now - 1, :stop],
-- and the JIT, standing and all grants that end in [:now - 1, :now]. The last
-- bounds the difference in principals with access.

WITH ends AS (
	SELECT kind,
	       CASE WHEN status = 'revoked' AND revoked_at IS NOT NULL
			 AND (expires_at IS NULL OR revoked_at < expires_at)
		    THEN revoked_at ELSE expires_at END AS e
	FROM grants WHERE granted_at < :now)
SELECT (SELECT count(*) FROM requests
	WHERE created_at < :now AND decided_at BETWEEN :now - 1 AND :stop),
       (SELECT count(*) FROM ends WHERE kind = 'jit' AND e BETWEEN :now - 1 AND :now),
       (SELECT count(*) FROM ends WHERE kind = 'standing' AND e BETWEEN :now - 1 AND :now),
       (SELECT count(*) FROM ends WHERE e BETWEEN :now - 1 AND :now);
