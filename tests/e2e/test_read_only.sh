#!/bin/sh
# --read-only: the title says so, and approve, revoke and the command line's
# approve are refused before anything reaches the outbox or the broker.
. "$(dirname "$0")/lib.sh"

start_broker
id=$(oldest_approvable_request)
[ -n "$id" ] && [ "$id" != null ] || fail "the demo has no pending request to approve"
before=$(audit_count request "$id" request.approve)

start_console 100 30 admin --read-only
wait_for "Pending ("
wait_for "read-only"
filter_to "$id"
wait_for "Pending (1 of"
keys a
wait_for "read-only: started with --read-only, so nothing is sent"
screen_text | grep -q "Approve" && fail "an approval dialog opened in read-only mode"
keys Escape
keys :
type_text "approve $id -- read only"
keys Enter
wait_for "read-only: started with --read-only, so nothing is sent"
keys 2
wait_for "Grants ("
keys r
wait_for "read-only: started with --read-only, so nothing is sent"
screen_text | grep -q "outbox:" && fail "an action was queued in read-only mode"
keys q
wait_for "console exited with status 0"
check_sanitizers

status=$(api GET "/v1/requests/$id" admin | jq -r .status)
[ "$status" = pending ] || fail "request $id is $status after a read-only session"
after=$(audit_count request "$id" request.approve)
[ "$after" = "$before" ] || fail "request $id gained an approval in read-only mode"
pass "read-only refused approve, revoke and :approve; request $id still pending"
