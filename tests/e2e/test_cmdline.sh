#!/bin/sh
# The ":" command line: Tab completes a request id from the cache. Commands
# run through the same dialogs as the keys: approve with a reason after --, a
# bulk revoke by principal, the filter, a pane, a theme. :sort reorders the
# Pending rows and goes back to their own order. ":help COMMAND" shows
# its usage, a mistyped command gets a message, and the history survives a
# restart.
. "$(dirname "$0")/lib.sh"

start_small_broker
id=$(create_request requester res-one)

E2E_ENV="XDG_STATE_HOME=$E2E_DIR/state"
start_console 100 30
wait_for "Pending ("
wait_for " $id "

keys :
type_text "approve "
keys Tab
# The only pending id, and a blank after it (which capture-pane trims: the reason below needs it).
wait_for ":approve $id"
# type_text cannot send text that starts with "-", which tmux would read as an option.
tmux -L "$E2E_SOCKET" send-keys -t "$E2E_SESSION" -l -- "-- e2e: from the command line"
sleep 0.3
keys Enter
wait_for "approved request $id"
[ "$(api GET "/v1/requests/$id" admin | jq -r .status)" = approved ] ||
	fail "request $id is not approved at the broker"
[ "$(api GET "/v1/requests/$id" admin | jq -r '.approvals[0].reason')" = "e2e: from the command line" ] ||
	fail "the approval of request $id does not carry the reason typed after --"

# type_command TEXT: open the line, type TEXT and run it.
type_command() {
	keys :
	type_text "$1"
	keys Enter
}

# :sort on the Pending pane: three requesters, created in an order that no
# sort by requester gives, so each order below can only come from the command.
create_request approver res-two >/dev/null
create_request requester res-one >/dev/null
create_request admin res-one >/dev/null
# pending_order: the requesters of the Pending rows, top to bottom.
pending_order() {
	screen_text | grep "end to end test" | grep -o 'demo-[a-z]*' | tr '\n' ' '
}
# order_is WORDS: whether the Pending rows show these requesters in this order.
order_is() {
	[ "$(pending_order)" = "$1 " ]
}
# arrow_shows TITLE UTF8 ASCII: whether the header shows the title with the arrow of either charset.
arrow_shows() {
	screen_text | grep -qF -e "$1$2" -e "$1$3"
}
wait_until 10 order_is "demo-approver demo-requester demo-admin"
type_command "sort requester desc"
wait_until 10 order_is "demo-requester demo-approver demo-admin"
wait_until 10 arrow_shows REQUESTER "▼" v
wait_for "pending sorted by requester, descending"
type_command "sort REQUESTER"
wait_until 10 order_is "demo-admin demo-approver demo-requester"
wait_until 10 arrow_shows REQUESTER "▲" "^"
# A request that arrives while sorted lands in its sorted place.
create_request approver res-one >/dev/null
wait_until 10 order_is "demo-admin demo-approver demo-approver demo-requester"
type_command "sort nonsense"
wait_for 'no column "nonsense" in Pending: id, age, requester, resource, role, for, appr, group, reason'
wait_until 10 order_is "demo-admin demo-approver demo-approver demo-requester"
type_command "sort"
wait_until 10 order_is "demo-approver demo-requester demo-admin demo-approver"
wait_for "pending in its default order"
arrow_shows REQUESTER "▲" "^" && fail "the REQUESTER heading keeps its arrow after :sort"

type_command "pane grants"
wait_for "PRINCIPAL"
type_command "filter nomatch"
wait_for "Grants (0 of 1)"
type_command "filter"
wait_for "Grants (1)"
type_command "theme mono"
wait_for "theme mono"
type_command "theme no-such-theme"
wait_for 'theme "no-such-theme" not found'
type_command "revoke --principal demo-requester"
wait_for "Bulk revoke"
type_text "e2e: bulk from the command line"
keys Enter
wait_for "revoke 1"
type_text "revoke 1"
keys Enter
grant=$(api GET "/v1/requests/$id" admin | jq -r .grant_id)
grant_revoked() {
	[ "$(api GET "/v1/grants/$grant" admin | jq -r .status)" = revoked ]
}
wait_until 10 grant_revoked

keys :
type_text "help approve"
keys Enter
wait_for "usage: approve [ID...] [-- REASON]"

keys :
type_text "nonsense"
keys Enter
wait_for 'unknown command "nonsense"'

# The help lists the commands from the same table, after the keys.
keys ?
wait_for "Help: keys"
keys G
wait_for "revoke [ID...] | --principal P | --resource R [-- REASON]"
keys Escape
wait_gone "Help: keys"

keys :
type_text "quit"
keys Enter
wait_for "console exited with status 0"
check_sanitizers
history="$E2E_DIR/state/gatehouse/history"
[ "$(stat -c %a "$history")" = 600 ] || fail "the history file has mode $(stat -c %a "$history"), not 600"
[ "$(stat -c %a "$E2E_DIR/state/gatehouse")" = 700 ] || fail "the history folder is not mode 700"

start_console 100 30
wait_for "Pending ("
keys :
keys Up
wait_for ":quit"
keys Up
wait_for ":nonsense"
keys Escape
wait_gone ":nonsense"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "completion of request $id, approval, sort, help, a mistyped command and the history"
