#!/bin/sh
# The console starts, shows the selection and quits cleanly under several
# terminal types, without colour, and without a UTF-8 locale.
. "$(dirname "$0")/lib.sh"

start_broker
run_one() {
	label=$1
	E2E_TERM=$2
	E2E_ENV=$3
	start_console 80 24
	wait_for "Pending (" 20
	keys j
	keys 2
	wait_for "Grants ("
	keys q
	wait_for "console exited with status 0"
	check_sanitizers
	tmux -L "$E2E_SOCKET" kill-server
	echo "  ok $label"
}

for term in tmux-256color screen screen-256color xterm vt100 linux; do
	if infocmp "$term" >/dev/null 2>&1; then
		run_one "TERM=$term" "$term" "LANG=C.UTF-8"
	else
		echo "  skipped TERM=$term: no terminfo entry on this machine"
	fi
done
run_one "NO_COLOR=1" tmux-256color "LANG=C.UTF-8 NO_COLOR=1"
run_one "LANG=C" tmux-256color "LANG=C LC_ALL=C"
run_one "only LC_CTYPE=C.UTF-8" tmux-256color "LANG= LC_ALL= LC_CTYPE=C.UTF-8"

# Without UTF-8, borders and markers fall back to ASCII: no UTF-8 line drawing bytes.
E2E_TERM=tmux-256color
E2E_ENV="LANG=C LC_ALL=C"
start_console 160 24
tmux -L "$E2E_SOCKET" pipe-pane -o -t "$E2E_SESSION" "cat >> $E2E_DIR/ascii.raw"
wait_for "Pending ("
keys q
wait_for "console exited with status 0"
if grep -a -q "$(printf '\342\224\202')" "$E2E_DIR/ascii.raw"; then
	fail "the console drew a UTF-8 box line in the C locale"
fi
pass "every terminal type, NO_COLOR and the C locale"
