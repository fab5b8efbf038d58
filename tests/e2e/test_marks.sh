#!/bin/sh
# Mark several requests with Space and approve them together with one reason.
. "$(dirname "$0")/lib.sh"

start_broker
# Three of demo-requester's own requests on one-approval routes, for the admin to approve.
ids=""
for i in 1 2 3; do
	id=$(api POST /v1/requests requester "{\"resource\": \"res-39353\", \"role\": \"read\", \"reason\": \"marked $i\", \"duration_seconds\": 3600}" | jq .id)
	ids="$ids $id"
done

start_console 100 30
wait_for "Pending ("
filter_to "marked"
wait_for "Pending (3 of"
keys Space Space Space
wait_for "* "
keys a
wait_for "3 marked requests"
type_text "batch ok"
keys Enter
wait_for "Pending (0 of" 20
for id in $ids; do
	status=$(api GET "/v1/requests/$id" admin | jq -r .status)
	[ "$status" = approved ] || fail "request $id is $status, not approved"
	reason=$(api GET "/v1/requests/$id" admin | jq -r '.approvals[0].reason')
	[ "$reason" = "batch ok" ] || fail "request $id was approved with reason \"$reason\""
done
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "three marked requests approved at once"
