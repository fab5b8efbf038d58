#!/bin/sh
# Approve a request from the Pending pane: the broker records the approval and
# the grant shows in the Grants pane.
. "$(dirname "$0")/lib.sh"

start_broker
id=$(oldest_approvable_request)
[ -n "$id" ] && [ "$id" != null ] || fail "the demo has no pending request to approve"

start_console 80 24
wait_for "Pending ("
filter_to "$id"
wait_for "Pending (1 of"
keys a
wait_for "Approve"
type_text "e2e: on-call needs it"
keys Enter
wait_for "approved request $id"

status=$(api GET "/v1/requests/$id" admin | jq -r .status)
[ "$status" = approved ] || fail "request $id is $status at the broker, not approved"
reason=$(api GET "/v1/requests/$id" admin | jq -r '.approvals[0].reason')
[ "$reason" = "e2e: on-call needs it" ] || fail "the approval's reason is \"$reason\""
grant=$(api GET "/v1/requests/$id" admin | jq -r .grant_id)

keys Tab
wait_for "Grants ("
filter_to "$grant"
wait_for "Grants (1 of"
requester=$(api GET "/v1/requests/$id" admin | jq -r .requester)
wait_for "$requester"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "request $id approved, grant $grant shown"
