#!/bin/sh
# The demo admin's own request: approving it is refused by the broker, and the
# console says so in plain words and leaves the request pending.
. "$(dirname "$0")/lib.sh"

start_broker
id=$(api GET "/v1/requests?status=pending&requester=demo-admin" admin | jq '.items[0].id')
[ -n "$id" ] && [ "$id" != null ] || fail "the demo has no pending request of demo-admin"
start_console 80 24
wait_for "Pending ("
filter_to "demo-admin"
wait_for "Pending (1 of"
keys a
wait_for "Approve"
keys Enter
wait_for "you cannot approve your own request $id"
status=$(api GET "/v1/requests/$id" admin | jq -r .status)
[ "$status" = pending ] || fail "request $id is $status, not pending"
wait_for "Pending (1 of"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "self-approval of request $id refused"
