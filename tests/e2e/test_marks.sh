#!/bin/sh
# Mark several requests and approve them together with one reason. One of them
# is the admin's own, which the broker refuses: the summary must say so.
. "$(dirname "$0")/lib.sh"

start_broker
# Three of demo-requester's own requests on one-approval routes, for the admin to approve.
ids=""
for i in 1 2 3; do
	id=$(api POST /v1/requests requester "{\"resource\": \"res-39353\", \"role\": \"read\", \"reason\": \"marked $i\", \"duration_seconds\": 3600}" | jq .id)
	ids="$ids $id"
done
own=$(api POST /v1/requests admin '{"resource": "res-39353", "role": "read", "reason": "marked own", "duration_seconds": 3600}' | jq .id)

start_console 100 30
wait_for "Pending ("
filter_to "marked"
wait_for "Pending (4 of"
keys Space Space Space Space
wait_for "[4 marked]"
# A canceled approval keeps the marks for the next try.
keys a
wait_for "4 marked requests"
keys Escape
wait_for "canceled"
wait_for "[4 marked]"
keys a
wait_for "4 marked requests"
type_text "batch ok"
keys Enter
wait_for "approved 3 of 4 requests; 1 failed, the first: you cannot approve your own request $own" 20
wait_for "Pending (1 of"
screen_text | grep -q "marked\]" && fail "the marks outlived the approval they chose"
for id in $ids; do
	status=$(api GET "/v1/requests/$id" admin | jq -r .status)
	[ "$status" = approved ] || fail "request $id is $status, not approved"
	reason=$(api GET "/v1/requests/$id" admin | jq -r '.approvals[0].reason')
	[ "$reason" = "batch ok" ] || fail "request $id was approved with reason \"$reason\""
done

# Acting on another request, by id, leaves the marks of the rows it did not touch.
other=$(api POST /v1/requests requester '{"resource": "res-39353", "role": "read", "reason": "unmarked", "duration_seconds": 3600}' | jq .id)
keys Space
wait_for "[1 marked]"
keys :
type_text "approve $other -- by id"
keys Enter
wait_for "approved request $other" 20
wait_for "[1 marked]"
keys q
wait_for "console exited with status 0"
check_sanitizers
status=$(api GET "/v1/requests/$own" admin | jq -r .status)
[ "$status" = pending ] || fail "the admin's own request $own is $status"
pass "marked requests approved at once, the refused one reported"
