#!/bin/sh
# The broker goes down mid-session: the banner says offline, and browsing and
# filtering go on from the cache. A revoke queued offline is sent once the
# broker is back on the same port, and applied exactly once. Then actions
# queued on stale rows conflict, and the outbox pane retries one (after a
# question that shows what changed) and drops the other (after a y/n), while
# its row says what became of each.
. "$(dirname "$0")/lib.sh"

start_small_broker
stale=$(create_request requester res-two)
decided=$(create_request requester res-one)
other=$(create_request requester res-one)
granted=$(create_request requester res-one)
grant=$(api POST "/v1/requests/$granted/approve" approver '{"reason": "for the revoke"}' | jq -e .grant_id) ||
	fail "approving request $granted made no grant"

start_console 120 30
wait_for "Pending (3)"
wait_for "Grants (1)"

# The broker dies: the data stays browsable and filterable.
kill_broker
wait_for "OFFLINE"
wait_for "offline: showing cached data"
filter_to "$other"
wait_for "Pending (1 of 3)"
keys Enter
wait_for "Request $other"
keys Escape
keys Escape
wait_for "Pending (3)"

# A revoke queued offline waits in the outbox.
keys 2
wait_for "Grants (1)"
keys r
wait_for "Revoke"
type_text "contain the incident"
keys Enter
wait_for "(y/n)"
keys y
wait_for "outbox: 1 queued"
wait_for "queued: broker unreachable"

restart_broker
wait_for "revoked grant $grant" 20
wait_gone "outbox: 1 queued"
status=$(api GET "/v1/grants/$grant" admin | jq -r .status)
[ "$status" = revoked ] || fail "grant $grant is $status, not revoked"
revokes=$(audit_count grant "$grant" grant.revoke)
[ "$revokes" = 1 ] || fail "grant $grant has $revokes revocations in the audit trail, not 1"
pass "a revoke queued offline was applied once after the broker came back"

# While the console is away, demo-approver decides one request and adds the first
# of two approvals to another. The console comes back with the broker down, so it
# acts on its stale copies.
keys q
wait_for "console exited with status 0"
api POST "/v1/requests/$decided/approve" approver '{"reason": "first"}' >/dev/null
api POST "/v1/requests/$stale/approve" approver '{"reason": "one of two"}' >/dev/null
kill_broker
start_console 120 30
wait_for "offline"
queued=0
for request in "$decided" "$stale"; do
	filter_to "$request"
	wait_for "Pending (1 of"
	keys a
	wait_for "Approve"
	keys Enter
	queued=$((queued + 1))
	wait_for "outbox: $queued queued"
	keys Escape
done
restart_broker
keys o
wait_for "Outbox, newest first"
wait_for "0 waiting, 2 to retry or drop" 20

# The newest item, the approval of the stale request, is selected: retry it.
keys r
wait_for "request $stale changed since you acted (version 1, now 2): 1 of 2"
wait_for "approvals (demo-approver); approve anyway? (y/n)"
keys y
wait_for "approved request $stale"
wait_for "retried as #"
status=$(api GET "/v1/requests/$stale" admin | jq -r .status)
[ "$status" = approved ] || fail "request $stale is $status after the retry, not approved"

# The approval of the decided request cannot be retried, only explained and dropped.
keys j
keys r
wait_for "request $decided is now approved by demo-approver; there is nothing to approve"
keys x
wait_for "Drop \"approve request $decided\" (conflict)?"
keys y
wait_for "dropped outbox item 2"
# The row of item 2 (the revoke was 1) says so too.
wait_for "2 dropped "
approvals=$(audit_count request "$decided" request.approve)
[ "$approvals" = 1 ] || fail "request $decided has $approvals approvals, not demo-approver's alone"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "conflicts kept with the broker's words; one retried with the current version, one dropped"
