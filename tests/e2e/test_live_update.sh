#!/bin/sh
# Live updates through the change feed: a request created through the API
# shows within two seconds, an approval moves it to a grant as fast, and a
# request that expires (the broker runs with --pending-ttl 3s) leaves the list
# on time.
. "$(dirname "$0")/lib.sh"

start_small_broker --pending-ttl 3s
start_console 100 24
wait_for "online"
wait_for "Pending (0)"

# Seconds since the epoch, to the millisecond.
now() { date +%s.%N; }
elapsed_since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.1f", end - start }'; }

created=$(now)
request=$(create_request requester res-one)
wait_for "Pending (1)" 2
pass "request $request shown $(elapsed_since "$created") s after it was created"

approved=$(now)
api POST "/v1/requests/$request/approve" approver '{"reason": "live"}' >/dev/null
wait_for "Grants (1)" 2
wait_for "Pending (0)" 2
pass "its approval shown as a grant $(elapsed_since "$approved") s later"

created=$(now)
lapsing=$(create_request requester res-one)
wait_for "Pending (1)" 2
# It lapses 3 s after its creation (2 to 3 s, as expires_at is to the second):
# still there 1.5 s after, gone soon after it lapsed.
sleep "$(awk -v start="$created" -v now="$(now)" 'BEGIN { left = start + 1.5 - now; print (left > 0 ? left : 0) }')"
screen_text | grep -qF "Pending (1)" || fail "request $lapsing left the list before it expired"
wait_for "Pending (0)" 3
gone=$(elapsed_since "$created")
status=$(api GET "/v1/requests/$lapsing" admin | jq -r .status)
[ "$status" = expired ] || fail "request $lapsing is $status, not expired"
pass "request $lapsing, expiring 3 s after creation, left the list after $gone s"
keys q
wait_for "console exited with status 0"
check_sanitizers
