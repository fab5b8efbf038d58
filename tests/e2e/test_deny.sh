#!/bin/sh
# Deny a request from its detail view: a reason is required, and the broker
# records the denial.
. "$(dirname "$0")/lib.sh"

start_broker
id=$(oldest_approvable_request)
start_console 80 24
wait_for "Pending ("
filter_to "$id"
wait_for "Pending (1 of"
# From the request's detail, as from the list.
keys Enter
wait_for "Request $id: pending"
keys d
wait_for "Deny"
keys Enter
# An empty reason is refused in the dialog itself.
wait_for "Deny"
type_text "not needed for this role"
keys Enter
wait_for "denied request $id"
wait_for "Request $id: denied"
# A decided request has nothing left to deny.
keys d
wait_for "request $id is denied: there is nothing to deny"
keys Escape
status=$(api GET "/v1/requests/$id" admin | jq -r .status)
[ "$status" = denied ] || fail "request $id is $status at the broker, not denied"
reason=$(api GET "/v1/requests/$id" admin | jq -r .decision_reason)
[ "$reason" = "not needed for this role" ] || fail "the denial's reason is \"$reason\""
wait_for "Pending (0 of"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "request $id denied"
