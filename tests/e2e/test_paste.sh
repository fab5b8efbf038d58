#!/bin/sh
# Pasted text never acts as keys: a newline inside a paste does not submit the
# reason, and the letters after it do not run as commands (j, d would move on
# and deny the next request). Both with bracketed paste and without it, where
# the text arrives as one burst of keys.
. "$(dirname "$0")/lib.sh"

start_broker
ids=$(api GET "/v1/requests?status=pending&limit=500" admin |
	jq -r '[.items[] | select(.requester != "demo-admin" and .approvals_needed == 1)]
	       | sort_by(.created_at, .id) | .[0:2] | map(.id) | join(" ")')
first=${ids% *}
second=${ids#* }
start_console 100 30
wait_for "Pending ("
filter_to "$first"
wait_for "Pending (1 of"
keys Escape
wait_for "Pending ("

# Without bracketed paste: one burst of keys, as a terminal that does not mark pastes sends it.
keys a
wait_for "Approve"
tmux -L "$E2E_SOCKET" send-keys -t "$E2E_SESSION" -l "$(printf 'INC-3 restore billing\njd see ticket\n')"
sleep 1
wait_for "Approve"
[ "$(api GET "/v1/requests/$first" admin | jq -r .status)" = pending ] ||
	fail "the burst's newline submitted the approval of request $first"
[ "$(api GET "/v1/requests/$second" admin | jq -r .status)" = pending ] ||
	fail "the keys after the burst's newline acted on request $second"

# With bracketed paste: an Esc inside the paste must not cancel the dialog either.
paste_text "$(printf ' pasted\033jd\nmore')"
wait_for "Approve"
keys Enter
wait_for "approved request $first"
reason=$(api GET "/v1/requests/$first" admin | jq -r '.approvals[0].reason')
case $reason in
*"see ticket"*"pasted"*"more"*) ;;
*) fail "the approval's reason is \"$reason\"" ;;
esac
[ "$(api GET "/v1/requests/$second" admin | jq -r .status)" = pending ] ||
	fail "request $second was decided by pasted text"

# A paste into the list, with no text field open, is ignored rather than run as keys.
paste_text "jjd"
wait_for "pasted text ignored"
screen_text | grep -q "Deny" && fail "a paste into the list opened the deny dialog"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "pasted newlines and escapes stayed text; a paste into the list was ignored"
