#!/bin/sh
# Measure the gatehouse console beside less (Debian's pager) paging the same rows
# as text, on a pseudo-terminal of 80x24: the time to the first screen, the redraw
# after j (down one row), and resident memory. The console paints from a cache
# made by bench/make_cache, and its broker URL points at a loopback port that
# refuses connections, so every figure is local. Every process this script starts
# is stopped and its temporary folder deleted when it exits, on failure too.
#   sh bench/console.sh BUILD_DIR
# Settings (environment): BENCH_CONSOLE_STARTS starts of each program for the
# first-paint median (default 9), BENCH_CONSOLE_PRESSES keypresses per session
# (default 200).
set -eu

build=${1:?usage: sh bench/console.sh BUILD_DIR}
build=$(cd "$build" && pwd)
starts=${BENCH_CONSOLE_STARTS:-9}
presses=${BENCH_CONSOLE_PRESSES:-200}

small_rows=1000
large_rows=100000
# make_cache numbers the requests from 100001, oldest first. The first paint shows
# the first page only ("Pending (24+)"), before the full list loads. On 24 rows the console
# shows the title, the offline banner, the pane tabs, the column header, 19 requests
# and the status line, whose right end reads "? help". ncurses writes the
# bottom-right cell on its own, so the marker stops at "? hel". less shows the
# header line, 22 requests and its first prompt, the file name.
console_last_id=100019
console_status_text='? hel'
less_last_id=100022

timer_pid=""
work=""

cleanup() {
	if [ -n "$timer_pid" ]; then
		# pty_timer kills and reaps the program it runs when it gets SIGTERM.
		kill "$timer_pid" 2>/dev/null || true
		wait "$timer_pid" 2>/dev/null || true
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

check_settings() {
	for setting in "BENCH_CONSOLE_STARTS=$starts" "BENCH_CONSOLE_PRESSES=$presses"; do
		case ${setting#*=} in
		'' | *[!0-9]* | 0) fail "invalid $setting: give a whole number of at least 1" ;;
		esac
	done
}

check_programs() {
	for program in gatehouse bench/pty_timer bench/make_cache; do
		[ -x "$build/$program" ] || fail "no $program in $build; run make bench"
	done
	command -v less >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || fail "missing Debian package less; install it with: sudo apt-get install less"
	echo "installing: less"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends less ||
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends less; } ||
		fail "installing less failed"
}

# Write the cache and the text file of one size: cache-ROWS.db and rows-ROWS.txt.
make_rows() {
	"$build/bench/make_cache" --rows "$1" --cache "$work/cache-$1.db" --text "$work/rows-$1.txt" ||
		fail "make_cache --rows $1 failed"
}

# Run pty_timer with a clean environment, in the background so that a signal can
# stop it, and keep its figures in $work/NAME.out. Arguments: NAME PTY_TIMER_ARGUMENTS...
run_timer() {
	name=$1
	shift
	env -i PATH="$PATH" HOME="$work/home" XDG_CONFIG_HOME="$work/home/config" \
		XDG_CACHE_HOME="$work/home/cache" TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
		LESSHISTFILE=- "$build/bench/pty_timer" "$@" >"$work/$name.out" 2>"$work/$name.err" &
	timer_pid=$!
	if ! wait "$timer_pid"; then
		timer_pid=""
		cat "$work/$name.err" >&2
		fail "pty_timer failed in the $name run (its messages are above)"
	fi
	timer_pid=""
}

# The console on ROWS cached requests. Arguments: NAME ROWS [PTY_TIMER_ARGUMENTS...]
run_console() {
	name=$1 rows=$2
	shift 2
	run_timer "$name" --expect "Pending (" --expect "$console_last_id" \
		--expect "$console_status_text" --refused-url GATEHOUSE_URL "$@" -- \
		"$build/gatehouse" --token-file "$work/token" --cache "$work/cache-$rows.db"
}

# less on the text file of ROWS requests. Arguments: NAME ROWS [PTY_TIMER_ARGUMENTS...]
run_less() {
	name=$1 rows=$2
	shift 2
	run_timer "$name" --expect "$less_last_id" --expect "rows-$rows.txt" "$@" -- \
		"$less_binary" "$work/rows-$rows.txt"
}

# One figure of a run: the value of the line "KEY VALUE" in $work/NAME.out.
figure() {
	value=$(awk -v key="$2" '$1 == key { print $2 }' "$work/$1.out")
	[ -n "$value" ] || fail "no $2 in the $1 run"
	echo "$value"
}

# The first paint of STARTS runs of each program on ROWS, alternating, with the
# median of each into console_paint and less_paint. Arguments: ROWS
measure_first_paint() {
	: >"$work/console-paints" && : >"$work/less-paints"
	run=1
	while [ "$run" -le "$starts" ]; do
		run_console "paint-console-$1-$run" "$1"
		figure "paint-console-$1-$run" first_paint_ms >>"$work/console-paints"
		run_less "paint-less-$1-$run" "$1"
		figure "paint-less-$1-$run" first_paint_ms >>"$work/less-paints"
		run=$((run + 1))
	done
	console_paint=$(median "$work/console-paints")
	less_paint=$(median "$work/less-paints")
	echo "  first paint, $(thousands "$1") rows, $starts starts each (ms):" \
		"gatehouse $(tr '\n' ' ' <"$work/console-paints")| less $(tr '\n' ' ' <"$work/less-paints")"
}

# The nearest-rank median of the numbers in a file, one a line.
median() {
	sort -n "$1" | awk '{ value[NR] = $1 } END { print value[int((NR + 1) / 2)] }'
}

# A whole number with a comma between groups of three digits: 100000 is 100,000.
thousands() {
	digits=$1 grouped=""
	while [ "${#digits}" -gt 3 ]; do
		grouped=",${digits#"${digits%???}"}$grouped"
		digits=${digits%???}
	done
	echo "$digits$grouped"
}

milliseconds() {
	printf '%.1f ms' "$1"
}

whole() {
	printf '%.0f' "$1"
}

mebibytes() {
	awk -v kib="$1" 'BEGIN { printf "%.1f MiB", kib / 1024 }'
}

# "RSS X MiB, peak Y MiB" from the VmRSS and VmHWM of one step of a run. Arguments: NAME STEP
memory() {
	echo "$(mebibytes "$(figure "$1" "$2_vmrss_kib")"), peak $(mebibytes "$(figure "$1" "$2_vmhwm_kib")")"
}

# "M ms (p90 P)" of the presses of a run.
redraw() {
	printf '%.2f ms (p90 %.2f)' "$(figure "$1" press_median_ms)" "$(figure "$1" press_p90_ms)"
}

# Print one line of the summary: LABEL GATEHOUSE LESS
row() {
	printf '  %-40s %-28s %s\n' "$1" "$2" "$3"
}

check_settings
check_programs
less_binary=$(command -v less)
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench-console.XXXXXX")
mkdir "$work/home"
# Any token does: the broker URL refuses connections, so it is never sent.
(umask 077 && echo never-sent >"$work/token")

echo "console benchmark: $("$build/gatehouse" --version) beside $("$less_binary" --version | head -n 1)," \
	"80x24, TERM=xterm-256color, LANG=C.UTF-8, on $(nproc) cores"
echo "load average before the run: $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "writing caches of $(thousands $small_rows) and $(thousands $large_rows) pending requests" \
	"and the same rows as text..."
make_rows "$small_rows"
make_rows "$large_rows"
echo "  $(thousands $large_rows) rows: cache $(mebibytes $(($(wc -c <"$work/cache-$large_rows.db") / 1024)))," \
	"text $(mebibytes $(($(wc -c <"$work/rows-$large_rows.txt") / 1024)))"

# One uncounted run of each, so that both read their files from the page cache.
run_console warm-console "$large_rows"
run_less warm-less "$large_rows"

measure_first_paint "$large_rows"
console_paint_large=$console_paint less_paint_large=$less_paint
measure_first_paint "$small_rows"
console_paint_small=$console_paint less_paint_small=$less_paint

echo "  sessions: $presses presses of j each, then G on $(thousands $large_rows) rows"
run_console console-small "$small_rows" --presses "$presses"
run_less less-small "$small_rows" --presses "$presses"
run_console console-large "$large_rows" --presses "$presses" --end-key G
run_less less-large "$large_rows" --presses "$presses" --end-key G

for run in console-small less-small console-large less-large; do
	echo "  $run: at first paint $(memory "$run" first_paint); settled after" \
		"$(milliseconds "$(figure "$run" settled_ms)"), $(memory "$run" settled);" \
		"per j (median): CPU $(whole "$(figure "$run" press_cpu_median_us)") us," \
		"output $(whole "$(figure "$run" press_output_median_bytes)") bytes"
done

echo
printf '%-42s %-28s %s\n' "console ($(thousands $large_rows) cached rows)" gatehouse less
row "first paint (median of $starts starts)" "$(milliseconds "$console_paint_large")" \
	"$(milliseconds "$less_paint_large")"
row "first paint, $(thousands $small_rows) rows" "$(milliseconds "$console_paint_small")" \
	"$(milliseconds "$less_paint_small")"
row "settled: idle, full list loaded" "$(milliseconds "$(figure console-large settled_ms)")" \
	"$(milliseconds "$(figure less-large settled_ms)")"
row "redraw after j, $(thousands $small_rows) rows (median)" "$(redraw console-small)" "$(redraw less-small)"
row "redraw after j, $(thousands $large_rows) rows (median)" "$(redraw console-large)" "$(redraw less-large)"
row "CPU per j, $(thousands $large_rows) rows (median)" \
	"$(whole "$(figure console-large press_cpu_median_us)") us" \
	"$(whole "$(figure less-large press_cpu_median_us)") us"
# The console loads the full list on its own right after the first paint, so the
# memory after the first paint is read once both programs have settled.
row "resident memory after first paint" "$(memory console-large settled)" "$(memory less-large settled)"
row "resident memory after G (end)" "$(memory console-large end_key)" "$(memory less-large end_key)"
