#!/bin/sh
# SIGKILL right after an action loses nothing: the console approves while the
# broker is stopped (SIGSTOP), so the call waits unanswered, and is killed.
# The next console sends the half-sent approval again at once, with its
# Idempotency-Key, and the broker applies it exactly once.
. "$(dirname "$0")/lib.sh"

start_small_broker
request=$(create_request requester res-one)
start_console 100 24
wait_for "Pending (1)"
wait_for "online"

kill -STOP "$E2E_BROKER_PID"
keys a
wait_for "Approve"
keys Enter
wait_for "outbox: 1 queued"
# Give the call a moment to be written to the stopped broker's socket.
sleep 0.5
pid=$(console_pid)
[ -n "$pid" ] || fail "cannot find the console's process"
kill -KILL "$pid"
wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"

start_console 100 24
wait_for "sending again 1 action that the last run sent without recording the answer"
kill -CONT "$E2E_BROKER_PID"
wait_for "approved request $request" 10
wait_gone "outbox: 1 queued"

status=$(api GET "/v1/requests/$request" admin | jq -r .status)
[ "$status" = approved ] || fail "request $request is $status, not approved"
approvals=$(audit_count request "$request" request.approve)
[ "$approvals" = 1 ] || fail "request $request has $approvals approvals in the audit trail, not 1"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "the approval of request $request, cut off by SIGKILL, was sent again at start and applied once"
