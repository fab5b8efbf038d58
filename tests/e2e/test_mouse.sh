#!/bin/sh
# The mouse: a click selects a list row, the wheel moves the selection, a
# click on a pane's tab or on the other list (side by side) focuses that pane,
# and no mouse report ever acts as typed text. tmux cannot make mouse events
# from send-keys, so the test types the SGR 1006 reports that an xterm sends
# once the console requests the mouse (ESC [ < BUTTON ; COLUMN ; ROW M, then m
# on release; 1-based; the wheel is buttons 64 and 65).
. "$(dirname "$0")/lib.sh"

# mouse BUTTON COLUMN ROW: press and release at 0-based COLUMN, ROW.
mouse() {
	tmux -L "$E2E_SOCKET" send-keys -t "$E2E_SESSION" -l \
		"$(printf '\033[<%d;%d;%dM\033[<%d;%d;%dm' "$1" $(($2 + 1)) $(($3 + 1)) "$1" $(($2 + 1)) $(($3 + 1)))"
	sleep 0.3
}

start_small_broker
for i in 1 2 3 4 5; do
	create_request requester res-one >/dev/null
done
granted=$(create_request requester res-one)
grant=$(api POST "/v1/requests/$granted/approve" approver '{"reason": "for the mouse"}' | jq -e .grant_id) ||
	fail "approving request $granted failed"

E2E_TERM=xterm-256color start_console 100 30
wait_for "Pending (5)"
# A mouse report right after Esc would read as Alt and the report, so each
# step waits for the Esc to be taken. Rows: 0 title, 1 tabs, 2 column names, 3 the first request (the oldest, id 1).
mouse 0 20 4
keys Enter
wait_for "Request 2: pending"
keys Escape
wait_gone "Request 2: pending"

mouse 65 20 4
keys Enter
wait_for "Request 5: pending"
keys Escape
wait_gone "Request 5: pending"
mouse 64 20 4
keys Enter
wait_for "Request 2: pending"
keys Escape
wait_gone "Request 2: pending"

# The tabs: " 1 Pending (5)   2 Grants (1)": column 20 is in the second.
mouse 0 20 1
wait_for "PRINCIPAL"
mouse 0 3 1
wait_for "REQUESTER"
screen_text | grep -q "Messages" && fail "a mouse report was read as the key m (messages)"
# From a pane that is not a list, the tab of the first pane still goes back to it.
keys 3
wait_for "Metrics, last 24 hours (w: window)"
mouse 0 3 1
wait_for "REQUESTER"
keys q
wait_for "console exited with status 0"
check_sanitizers

# Side by side: a click on the grants list focuses it and selects the grant.
E2E_TERM=xterm-256color start_console 160 30
wait_for "Grants (1)"
mouse 0 100 3
keys Enter
wait_for "Grant $grant"
keys Escape
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "click, wheel, tabs and the side-by-side lists"
