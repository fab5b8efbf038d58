#!/bin/sh
# Bulk revoke every grant of one principal: a choice of scope, a reason, and a
# typed confirmation that names how many grants go.
. "$(dirname "$0")/lib.sh"

start_broker
# Give demo-requester at least three active grants: approve three of its requests.
before=$(api GET "/v1/grants?status=active&principal=demo-requester&limit=500" admin | jq '.items | length')
for i in 1 2 3; do
	rid=$(api POST /v1/requests requester "{\"resource\": \"res-39353\", \"role\": \"read\", \"reason\": \"bulk $i\", \"duration_seconds\": 3600}" | jq .id)
	api POST "/v1/requests/$rid/approve" admin '{"reason": "ok"}' >/dev/null
	status=$(api GET "/v1/requests/$rid" admin | jq -r .status)
	if [ "$status" != approved ]; then
		# A two-approval route: the demo approver adds the second approval.
		api POST "/v1/requests/$rid/approve" approver '{"reason": "ok"}' >/dev/null
	fi
done
count=$(api GET "/v1/grants?status=active&principal=demo-requester&limit=500" admin | jq '.items | length')
[ "$count" -ge 3 ] || fail "demo-requester has $count active grants, expected at least 3 (had $before)"

start_console 100 30
wait_for "Pending ("
keys 2
wait_for "Grants ("
filter_to "demo-requester"
wait_for "Grants ($count of"
keys R
wait_for "Bulk revoke"
keys p
wait_for "Reason"
type_text "incident: demo-requester laptop stolen"
keys Enter
wait_for "revoke $count"
type_text "revoke $count"
keys Enter
wait_for "revoked $count grants"
left=$(api GET "/v1/grants?status=active&principal=demo-requester&limit=500" admin | jq '.items | length')
[ "$left" = 0 ] || fail "demo-requester still has $left active grants"
wait_for "Grants (0 of"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "bulk revoke took all $count grants of demo-requester"
