#!/bin/sh
# Revoke one grant from the Grants pane, with a reason and a y/n confirmation.
. "$(dirname "$0")/lib.sh"

start_broker
grant=$(api GET "/v1/grants?status=active&kind=jit&limit=1" admin | jq '.items[0].id')
[ -n "$grant" ] && [ "$grant" != null ] || fail "the demo has no active grant"
start_console 80 24
wait_for "Pending ("
keys 2
wait_for "Grants ("
filter_to "$grant"
wait_for "Grants (1 of"
keys r
wait_for "Revoke"
type_text "incident INC-7: contain"
keys Enter
wait_for "(y/n)"
keys y
wait_for "revoked grant $grant"
status=$(api GET "/v1/grants/$grant" admin | jq -r .status)
[ "$status" = revoked ] || fail "grant $grant is $status, not revoked"
by=$(api GET "/v1/grants/$grant" admin | jq -r .revoked_by)
[ "$by" = demo-admin ] || fail "grant $grant was revoked by $by"
wait_for "Grants (0 of"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "grant $grant revoked"
