#!/bin/sh
# A resize storm: from 200 columns down to 1 and back, on the lists, inside a
# dialog and with a filter typed. The console must never crash (it runs under
# AddressSanitizer in make check), and says when the terminal is too small.
. "$(dirname "$0")/lib.sh"

start_broker
start_console 200 50
wait_for "Pending ("

storm() {
	for size in "200 50" "160 40" "120 30" "80 24" "60 20" "40 12" "20 6" "19 5" "10 3" \
		"2 2" "1 1" "20 6" "80 24" "200 50" "1 1" "133 7" "80 24"; do
		set -- $size
		resize "$1" "$2"
		sleep 0.05
	done
}

storm
wait_for "Pending ("
console_running || fail "the console exited during the resize storm"

resize 10 3
wait_for "small"
resize 80 24
wait_for "Pending ("

# Inside a dialog.
keys a
wait_for "Approve"
storm
console_running || fail "the console exited while resizing a dialog"
wait_for "Approve"
keys Escape
wait_for "canceled"

# With a filter being typed.
keys /
type_text "emp"
storm
console_running || fail "the console exited while resizing with a filter typed"
keys Enter
wait_for "Pending ("

keys q
wait_for "console exited with status 0"
check_sanitizers
pass "survived three resize storms"
