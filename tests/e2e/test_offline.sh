#!/bin/sh
# The first screen comes from the cache: with the broker down, the console
# still shows the requests it saw last time, with a banner saying since when.
# An idle console with the broker down uses almost no CPU, and an action
# queued offline outlives a quit.
. "$(dirname "$0")/lib.sh"

start_broker
start_console 80 24
wait_for "Pending (6"
keys q
wait_for "console exited with status 0"
tmux -L "$E2E_SOCKET" kill-server
stop_broker

start_console 80 24
wait_for "offline"
wait_for "Pending (6"
wait_for "cached data"

pid=$(console_pid)
[ -n "$pid" ] || fail "cannot find the console's process"
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
start=$(ticks "$pid")
sleep 10
end=$(ticks "$pid")
used=$((end - start))
hz=$(getconf CLK_TCK)
# Under 1% of one CPU over 10 s is 0.1 s of CPU time.
limit=$((hz / 10))
echo "  idle and offline for 10 s: $used clock ticks of CPU (limit $limit, $hz per second)"
[ "$used" -le "$limit" ] || fail "the idle console used $used ticks of CPU in 10 s"

# An approval queued offline is kept when quitting, and the console says so.
keys a
wait_for "Approve"
type_text "offline"
keys Enter
wait_for "outbox: 1 queued"
screen_text | head -n 1 | grep -q "[^ ]OFFLINE" &&
	fail "the title runs into the connection word: $(screen_text | head -n 1)"
keys q
wait_for "Quit anyway?"
keys y
wait_for "console exited with status 0"
grep -q "1 action is still queued; it is sent the next time" "$E2E_DIR/console.err" ||
	fail "the exit message about the queued action reads: $(cat "$E2E_DIR/console.err")"
check_sanitizers
pass "first paint from the cache while offline, idle CPU $used ticks in 10 s"
