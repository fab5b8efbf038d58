-- The peer of gatehouse report in bench/metrics.sh. sqlite3 computes the figures
-- that the report's --json prints as total, approved, denied and top_resources,
-- over the access-history CSV that bench/metrics.sh has imported as the table
-- history (.import makes every column TEXT). ACTION 1 is approved and any other
-- value denied, as gatehouse report reads that format. Ties in the top 10 are
-- ordered as the report orders them: resource numbers by value.
--
-- Prints total|approved|denied, then resource|count for the 10 most requested.

SELECT count(*), sum(ACTION = '1'), sum(ACTION <> '1') FROM history;
SELECT RESOURCE, count(*) AS n FROM history GROUP BY RESOURCE
ORDER BY n DESC, CAST(RESOURCE AS INTEGER), RESOURCE LIMIT 10;
