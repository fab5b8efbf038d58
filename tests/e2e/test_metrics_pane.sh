#!/bin/sh
# The metrics pane (key 3) shows the broker's series, changes window with w
# and W, which the help lists, and says its figures are computed from the cache once the broker is gone.
# On a tall terminal the strip of key sparklines sits under the lists.
. "$(dirname "$0")/lib.sh"

start_broker
start_console 120 44
wait_for "Pending ("
wait_for "Metrics, last 24 hours"
wait_for "Pending requests"

keys 3
wait_for "Metrics, last 24 hours (w: window)"
wait_for "from the broker, as of"
wait_for "Requests created"
wait_for "Principals with access"

pending=$(api GET "/v1/metrics" admin | jq '.series.pending_requests[-1]')
[ -n "$pending" ] && [ "$pending" != null ] || fail "the broker gave no pending_requests series"
screen_text | grep "Pending requests" | grep -q -w "$pending" ||
	fail "the pane's pending requests do not show the broker's $pending: $(screen_text | grep 'Pending requests')"

keys w
wait_for "Metrics, last 7 days"
keys w
wait_for "Metrics, last 30 days"
keys W
wait_for "Metrics, last 7 days"

# The help lists the window keys under a heading of their own, like the policy pane's keys.
keys ?
wait_for "Help: keys"
keys G
wait_for "In the metrics pane"
wait_for "Show the next window of 24 hours, 7 days or 30 days"
wait_for "In a dialog"
keys PgUp
wait_for "In the policy pane"
wait_for "In a detail view or the outbox"
keys Escape
wait_for "Metrics, last 7 days"

stop_broker
wait_for "OFFLINE"
keys w
wait_for "Metrics, last 30 days"
wait_for "offline: computed from the cache"

keys 1
wait_for "Pending ("
wait_for "computed from the cache"
# At 80 columns the long metrics tab is cut, so that the policy tab still shows.
resize 80 24
wait_for "4 Policy"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "metrics pane online and offline, windows, strip under the lists"
