#!/bin/sh
# Measure the console's sync and its idle cost:
#   1. a cold sync of BENCH_SYNC_OBJECTS requests and as many grants (100,000 each)
#      into an empty cache, from bench/sync_bench's in-memory broker stand-in, beside
#      sqlite3's .import of the same rows, as CSV, into the same tables of an empty
#      cache file (the ceiling), in alternating rounds;
#   2. the events per second the sync applies from the feed (BENCH_SYNC_EVENTS);
#   3. the CPU time and wake-ups of an idle console on a demo gatehoused for
#      BENCH_IDLE_SECONDS (60), in tmux, counted from /proc/PID/stat and the
#      voluntary context switches of its threads, then its system calls with strace -c
#      when strace is installed.
# Everything listens on and connects to 127.0.0.1 only; every process this script
# starts is stopped, and its temporary folder deleted, when it exits.
#   sh bench/sync.sh BUILD_DIR
set -eu

build=${1:?usage: sh bench/sync.sh BUILD_DIR}
build=$(cd "$build" && pwd)
objects=${BENCH_SYNC_OBJECTS:-100000}
events=${BENCH_SYNC_EVENTS:-100000}
rounds=${BENCH_SYNC_ROUNDS:-3}
idle_seconds=${BENCH_IDLE_SECONDS:-60}
target_ratio=2.0

work=""
broker_pid=""
tmux_socket="gatehouse-bench-$$"

cleanup() {
	tmux -L "$tmux_socket" kill-server 2>/dev/null || true
	if [ -n "$broker_pid" ]; then
		kill "$broker_pid" 2>/dev/null || true
		wait "$broker_pid" 2>/dev/null || true
	fi
	[ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

fail() {
	echo "bench: $*" >&2
	exit 1
}

for setting in "BENCH_SYNC_OBJECTS=$objects" "BENCH_SYNC_EVENTS=$events" \
	"BENCH_SYNC_ROUNDS=$rounds" "BENCH_IDLE_SECONDS=$idle_seconds"; do
	case ${setting#*=} in
	'' | *[!0-9]* | 0) fail "invalid $setting: give a whole number of at least 1" ;;
	esac
done
for program in gatehouse gatehoused bench/sync_bench; do
	[ -x "$build/$program" ] || fail "no $program in $build; run make bench"
done
for tool in sqlite3 tmux; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing; install the Debian package $tool"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-sync-bench.XXXXXX")

calculate() {
	awk "BEGIN { printf \"$1\", $2 }"
}

# Seconds since the epoch, with nanoseconds.
now() {
	date +%s.%N
}

# The median of the numbers on standard input.
median() {
	sort -n | awk '{ value[NR] = $1 } END { print (NR % 2) ? value[(NR + 1) / 2] : (value[NR / 2] + value[NR / 2 + 1]) / 2 }'
}

echo "cold sync of $objects requests and $objects grants into an empty cache, beside"
echo "  sqlite3 $(sqlite3 --version | cut -d' ' -f1) .import of the same rows as CSV into the same tables; $rounds rounds"
printf '  %-6s %12s %12s %8s %14s\n' round "sync (s)" "import (s)" ratio "feed events/s"
round=1
while [ "$round" -le "$rounds" ]; do
	mkdir "$work/csv"
	"$build/bench/sync_bench" sync --cache "$work/sync.db" --objects "$objects" \
		--events "$events" --csv-dir "$work/csv" >"$work/sync.out" ||
		fail "sync_bench failed: $(cat "$work/sync.out")"
	sync_seconds=$(sed -n 's/^cold sync: .* in \([0-9.]*\) s .*/\1/p' "$work/sync.out")
	feed_rate=$(sed -n 's/^feed: .* (\([0-9]*\) events\/s)/\1/p' "$work/sync.out")
	"$build/bench/sync_bench" empty --cache "$work/import.db"
	started=$(now)
	sqlite3 "$work/import.db" -cmd "PRAGMA synchronous = NORMAL" \
		".import --csv $work/csv/requests.csv requests" ".import --csv $work/csv/grants.csv grants"
	import_seconds=$(calculate "%.3f" "$(now) - $started")
	imported=$(sqlite3 "$work/import.db" "SELECT (SELECT count(*) FROM requests) + (SELECT count(*) FROM grants)")
	[ "$imported" = $((2 * objects)) ] || fail ".import stored $imported rows, not $((2 * objects))"
	ratio=$(calculate "%.2f" "$sync_seconds / $import_seconds")
	printf '  %-6s %12s %12s %8s %14s\n' "$round" "$sync_seconds" "$import_seconds" "$ratio" "$feed_rate"
	echo "$ratio" >>"$work/ratios"
	echo "$feed_rate" >>"$work/feed_rates"
	rm -rf "$work/csv" "$work/sync.db" "$work/sync.db-wal" "$work/sync.db-shm" \
		"$work/import.db" "$work/import.db-wal" "$work/import.db-shm"
	round=$((round + 1))
done
median_ratio=$(median <"$work/ratios")
verdict=$(calculate "%s" "($median_ratio <= $target_ratio) ? \"met\" : \"MISSED\"")
echo "  median: sync time / .import time = $median_ratio (target <= $target_ratio) $verdict;" \
	"feed $(median <"$work/feed_rates") events/s"

# The idle console: a demo broker that nothing changes, and a console that watches it.
"$build/gatehoused" --db "$work/broker.db" --listen 127.0.0.1:0 --port-file "$work/port" \
	--data-dir "$work" --demo --demo-trickle 0 --quiet 2>"$work/broker.log" &
broker_pid=$!
waited=0
while [ ! -s "$work/port" ]; do
	kill -0 "$broker_pid" 2>/dev/null || fail "gatehoused failed to start: $(cat "$work/broker.log")"
	[ "$waited" -lt 600 ] || fail "gatehoused did not write its port within 60 s"
	sleep 0.1
	waited=$((waited + 1))
done
(umask 077 && sed -n 's/.*"admin": *"\([^"]*\)".*/\1/p' "$work/demo-tokens.json" >"$work/admin.token")
tmux -L "$tmux_socket" new-session -d -s idle -x 120 -y 40 \
	"XDG_CACHE_HOME=$work/cache $build/gatehouse --url http://127.0.0.1:$(cat "$work/port") --token-file $work/admin.token"
waited=0
until tmux -L "$tmux_socket" capture-pane -p -t idle | grep -q " online"; do
	[ "$waited" -lt 300 ] || fail "the console did not come online within 30 s"
	sleep 0.1
	waited=$((waited + 1))
done
pane_pid=$(tmux -L "$tmux_socket" display-message -p -t idle '#{pane_pid}')
console_pid=$(pgrep -P "$pane_pid" -f "$build/gatehouse" | head -n 1)
[ -z "$console_pid" ] && console_pid=$pane_pid
# Let the first full load and the first feed call settle.
sleep 3

cpu_ticks() {
	# shellcheck disable=SC2046
	set -- $(sed 's/.*) //' /proc/"$1"/stat)
	echo $(( ${12} + ${13} ))
}
switches() {
	cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ { total += $2 } END { print total }'
}
ticks_before=$(cpu_ticks "$console_pid")
switches_before=$(switches "$console_pid")
sleep "$idle_seconds"
ticks=$(( $(cpu_ticks "$console_pid") - ticks_before ))
wakeups=$(( $(switches "$console_pid") - switches_before ))
hz=$(getconf CLK_TCK)
echo "idle console on a demo broker for $idle_seconds s: $ticks clock ticks of CPU" \
	"($(calculate "%.3f" "$ticks * 100 / ($hz * $idle_seconds)") % of one core; target < 1 %)," \
	"$wakeups context switches ($(calculate "%.1f" "$wakeups * 60 / $idle_seconds") a minute)"
if command -v strace >/dev/null 2>&1; then
	timeout "$idle_seconds" strace -c -f -p "$console_pid" -o "$work/strace.txt" 2>/dev/null || true
	echo "  system calls of the idle console over another $idle_seconds s (strace -c -f):"
	# Columns: % time, seconds, usecs/call, calls, errors (often empty), syscall.
	awk 'NR > 2 && $NF != "total" && $1 !~ /^-/ { print "    " $NF ": " $4 " calls" }' \
		"$work/strace.txt" | head -n 12
fi
tmux -L "$tmux_socket" kill-server
