#!/bin/sh
# Measure the access metrics beside sqlite3 computing the same figures:
#   1. GET /v1/metrics for the last 30 days at hourly steps, from a gatehoused
#      database of 1,000,000 requests that bench/metrics_store.sql fills. Beside it,
#      sqlite3 runs bench/metrics_peer.sql on the same database (the peer), which
#      computes the same series from the requests and grants tables. The script
#      checks that both return the same numbers.
#   2. gatehouse report --history FILE --json over BENCH_REPORT_ROWS rows
#      (1,000,000) in the format of data/amazon_train.csv, beside sqlite3's .import
#      of the same file and bench/metrics_report_peer.sql, with the same check.
# gatehoused listens on 127.0.0.1 only. Every process this script starts is
# stopped, and its temporary folder deleted, when it exits.
#   sh bench/metrics.sh BUILD_DIR
# Settings (environment): BENCH_METRICS_CALLS timed metrics calls (default 9),
# BENCH_METRICS_PEER_RUNS runs of the peer query (default 3), BENCH_REPORT_ROWS
# (default 1000000), BENCH_REPORT_RUNS runs of the report and of its peer (default 3).
set -eu

build=${1:?usage: sh bench/metrics.sh BUILD_DIR}
build=$(cd "$build" && pwd)
bench_dir=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$bench_dir/.." && pwd)
calls=${BENCH_METRICS_CALLS:-9}
peer_runs=${BENCH_METRICS_PEER_RUNS:-3}
report_rows=${BENCH_REPORT_ROWS:-1000000}
report_runs=${BENCH_REPORT_RUNS:-3}

work=""
broker_pid=""
child_pid=""

cleanup() {
	for pid in "$child_pid" "$broker_pid"; do
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
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
	for setting in "BENCH_METRICS_CALLS=$calls" "BENCH_METRICS_PEER_RUNS=$peer_runs" \
		"BENCH_REPORT_ROWS=$report_rows" "BENCH_REPORT_RUNS=$report_runs"; do
		case ${setting#*=} in
		'' | *[!0-9]* | 0) fail "invalid $setting: give a whole number of at least 1" ;;
		esac
	done
}

check_tools() {
	for program in gatehouse gatehoused libcommon.a; do
		[ -e "$build/$program" ] || fail "no $program in $build; run make all first"
	done
	for tool in sqlite3 curl jq pkg-config; do
		command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing; install the Debian package $tool"
	done
}

# Run a command in the background, so that a signal can stop it, and wait for it.
run_child() {
	"$@" &
	child_pid=$!
	if ! wait "$child_pid"; then
		child_pid=""
		return 1
	fi
	child_pid=""
}

now_ns() {
	date +%s%N
}

calculate() {
	awk "BEGIN { printf \"$1\", $2 }"
}

# The median of the numbers on standard input, one a line.
median() {
	sort -n | awk '{ value[NR] = $1 } END { print (NR % 2) ? value[(NR + 1) / 2] : (value[NR / 2] + value[NR / 2 + 1]) / 2 }'
}

smallest() {
	sort -n | head -n 1
}

epoch_of() {
	date -u -d "$1" +%s
}

# Create the database with gatehoused's schema and an admin whose token goes
# straight into a 0600 header file for curl, so that it never reaches a command line.
create_database() {
	db="$work/metrics.db"
	"$build/gatehoused" principal add --db "$db" --id bench-admin --roles admin >/dev/null ||
		fail "gatehoused principal add failed"
	(umask 077 && "$build/gatehoused" token create --db "$db" --principal bench-admin \
		>"$work/admin.token") || fail "gatehoused token create failed"
	(umask 077 && sed 's/^/Authorization: Bearer /' "$work/admin.token" >"$work/admin.header")
}

# Fill the database with bench/metrics_store.sql. The schema's triggers keep the
# rollups as the rows arrive.
fill_database() {
	store_now=$(date +%s)
	started=$(now_ns)
	run_child sqlite3 -bail "$db" ".parameter set :now $store_now" ".read $bench_dir/metrics_store.sql" ||
		fail "sqlite3 failed to run bench/metrics_store.sql"
	fill_seconds=$(calculate "%.1f" "($(now_ns) - $started) / 1e9")
	sqlite3 "$db" "SELECT count(*) FROM requests; SELECT count(*) FROM grants;
		SELECT count(*) FROM metrics_hours" >"$work/counts"
	echo "  filled in $fill_seconds s with sqlite3 $(sqlite3 --version | cut -d ' ' -f 1):" \
		"$(sed -n 1p "$work/counts") requests, $(sed -n 2p "$work/counts") grants," \
		"$(sed -n 3p "$work/counts") hourly rollup rows"
}

start_broker() {
	"$build/gatehoused" --db "$db" --listen 127.0.0.1:0 --port-file "$work/port" \
		--data-dir "$work" --quiet 2>"$work/broker.log" &
	broker_pid=$!
	waited=0
	while [ ! -s "$work/port" ]; do
		if ! kill -0 "$broker_pid" 2>/dev/null; then
			cat "$work/broker.log" >&2
			fail "gatehoused failed to start (its log is above)"
		fi
		[ "$waited" -lt 600 ] || fail "gatehoused did not write its port within 60 s"
		sleep 0.1
		waited=$((waited + 1))
	done
	broker_url="http://127.0.0.1:$(cat "$work/port")"
}

# GET the metrics into FILE and print curl's total time in seconds. Fails unless the status is 200.
get_metrics() {
	result=$(curl -sS --noproxy '*' --max-time 60 -H @"$work/admin.header" -o "$1" \
		-w '%{http_code} %{time_total}' "$broker_url$metrics_path") || fail "GET $metrics_path failed"
	[ "${result% *}" = 200 ] || fail "GET $metrics_path returned ${result% *}: $(head -c 300 "$1")"
	echo "${result#* }"
}

measure_broker() {
	to=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	from=$(date -u -d "@$(($(epoch_of "$to") - 30 * 86400))" +%Y-%m-%dT%H:%M:%SZ)
	metrics_path="/v1/metrics?from=$from&to=$to&step=1h"
	# The first call reads the database's pages from disk, so it is not counted.
	get_metrics "$work/metrics.json" >/dev/null
	: >"$work/broker.times"
	call=0
	while [ "$call" -lt "$calls" ]; do
		call=$((call + 1))
		get_metrics "$work/metrics.json" >>"$work/broker.times"
	done
	broker_median=$(calculate "%.1f" "$(median <"$work/broker.times") * 1000")
	broker_best=$(calculate "%.1f" "$(smallest <"$work/broker.times") * 1000")
	points=$(jq -r .points "$work/metrics.json")
	bytes=$(wc -c <"$work/metrics.json")
	echo "  GET $metrics_path as an admin ($points points, $bytes bytes): $calls calls," \
		"median $broker_median ms, best $broker_best ms (curl's total time, one connection a call)"
}

# Run the peer on the window of the broker's last response, at its as_of.
measure_peer() {
	window_from=$(epoch_of "$(jq -r .from "$work/metrics.json")")
	as_of=$(epoch_of "$(jq -r .as_of "$work/metrics.json")")
	step=$(jq -r .step_seconds "$work/metrics.json")
	: >"$work/peer.times"
	run=0
	while [ "$run" -lt "$peer_runs" ]; do
		run=$((run + 1))
		started=$(now_ns)
		run_child sqlite3 -bail "$db" ".parameter set :from $window_from" ".parameter set :step $step" \
			".parameter set :points $points" ".parameter set :now $as_of" \
			".read $bench_dir/metrics_peer.sql" >"$work/peer.txt" ||
			fail "sqlite3 failed to run bench/metrics_peer.sql"
		calculate "%.3f\n" "($(now_ns) - $started) / 1e9" >>"$work/peer.times"
	done
	peer_median=$(calculate "%.1f" "$(median <"$work/peer.times") * 1000")
	peer_best=$(calculate "%.1f" "$(smallest <"$work/peer.times") * 1000")
	echo "  sqlite3 -bail DB .read bench/metrics_peer.sql, the same window at the broker's as_of:" \
		"$peer_runs runs, median $peer_median ms, best $peer_best ms"
}

# Print the broker's response as the peer's lines (i|created|...|holders), null as empty.
broker_lines() {
	jq -r '.series as $s | range(0; .points) as $i
		| [$i, $s.requests_created[$i], $s.allowed_by_policy[$i], $s.approved_by_people[$i],
		   $s.denied[$i], $s.expired[$i], $s.canceled[$i], $s.time_to_access_mean_seconds[$i],
		   $s.time_to_access_median_seconds[$i], $s.time_to_access_p90_seconds[$i],
		   $s.pending_requests[$i], $s.active_jit_grants[$i], $s.standing_grants[$i],
		   $s.revocations[$i], $s.principals_with_access[$i]]
		| map(if . == null then "" else tostring end) | join("|")' "$work/metrics.json"
}

# Compare the broker's series with the peer's, value by value:
#   - counts, the mean and completed steps' points in time exactly;
#   - the median and 90th percentile within docs/API.md's precision: the middle of a
#     histogram bin, at most 1/32 of the value away, plus 1 s for rounding up;
#   - the step in progress's decisions and points in time within the rows that
#     end about as_of (bench/metrics_boundary.sql explains why they may differ).
compare_metrics() {
	broker_lines >"$work/broker.txt"
	sqlite3 "$db" ".parameter set :now $as_of" ".parameter set :stop $stopped_at" \
		".read $bench_dir/metrics_boundary.sql" \
		>"$work/boundary.txt" || fail "sqlite3 failed to run bench/metrics_boundary.sql"
	[ "$(wc -l <"$work/peer.txt")" = "$points" ] ||
		fail "the peer printed $(wc -l <"$work/peer.txt") lines for $points points"
	paste -d '|' "$work/peer.txt" "$work/broker.txt" | awk -F '|' \
		-v from="$window_from" -v step="$step" -v as_of="$as_of" -v boundary="$(cat "$work/boundary.txt")" '
		BEGIN {
			split("created allowed approved denied expired canceled mean median p90 pending jit standing revocations holders", name, " ")
			split(boundary, edge, "|")
			# The columns of the step in progress that the rows of
			# bench/metrics_boundary.sql may change: decisions, then points in time.
			for (c = 3; c <= 7; c++) slack[c] = edge[1]
			slack[11] = edge[1]; slack[12] = edge[2]; slack[13] = edge[3]; slack[15] = edge[4]
		}
		{
			live = from + ($1 + 1) * step > as_of
			for (c = 2; c <= 15; c++) {
				peer = $c; broker = $(c + 15); compared++
				if (c == 9 || c == 10) {
					if (peer == "" || broker == "") { if (peer != broker) bad(); continue }
					gap = broker - peer; if (gap < 0) gap = -gap
					if (peer > 0 && gap / peer > worst) worst = gap / peer
					if (gap > peer / 32 + 1) bad()
				} else if (live && (c in slack)) {
					gap = broker - peer; if (gap < 0) gap = -gap
					if (gap > slack[c]) bad()
					if (gap > 0) live_note = live_note sprintf(" %s %s (sqlite3 %s)", name[c - 1], broker, peer)
				} else if (peer != broker) {
					bad()
				}
			}
		}
		function bad() {
			mismatches++
			if (mismatches <= 10)
				printf "    step %d, %s: gatehoused %s, sqlite3 %s\n", $1, name[c - 1], broker, peer
		}
		END {
			if (mismatches) { printf "  %d of %d values differ\n", mismatches, compared; exit 1 }
			printf "  the same %d values (%d steps of 14 series); median and p90 within %.1f%%, the bins of docs/API.md\n", compared, NR, worst * 100
			if (live_note != "")
				printf "  step in progress: gatehoused%s; within the %s requests and %s grants that end about as_of (bench/metrics_boundary.sql)\n", live_note, edge[1], edge[4]
		}' || fail "gatehoused and sqlite3 disagree on the metrics (values above)"
}

# policy_bench writes the history's rows. The Makefile has no rule for it.
make_history() {
	# shellcheck disable=SC2046
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -I"$source_dir" -o "$work/policy_bench" \
		"$bench_dir/policy_bench.c" "$build/libcommon.a" \
		$(pkg-config --cflags --libs jansson) -lpthread -lm ||
		fail "building bench/policy_bench.c failed"
	run_child "$work/policy_bench" requests "$source_dir/data/amazon_train.csv" "$report_rows" \
		"$work/history.csv" || fail "policy_bench requests failed"
}

measure_report() {
	: >"$work/report.times"
	: >"$work/report-peer.times"
	run=0
	while [ "$run" -lt "$report_runs" ]; do
		run=$((run + 1))
		started=$(now_ns)
		run_child "$build/gatehouse" report --history "$work/history.csv" --json \
			>"$work/report.json" 2>"$work/report.err" ||
			{ cat "$work/report.err" >&2; fail "gatehouse report failed"; }
		calculate "%.3f\n" "($(now_ns) - $started) / 1e9" >>"$work/report.times"
		started=$(now_ns)
		run_child sqlite3 -bail :memory: ".import --csv $work/history.csv history" \
			".read $bench_dir/metrics_report_peer.sql" >"$work/report-peer.txt" ||
			fail "sqlite3 failed to import the history or run bench/metrics_report_peer.sql"
		calculate "%.3f\n" "($(now_ns) - $started) / 1e9" >>"$work/report-peer.times"
	done
	report_median=$(median <"$work/report.times")
	report_best=$(smallest <"$work/report.times")
	report_peer_median=$(median <"$work/report-peer.times")
	report_peer_best=$(smallest <"$work/report-peer.times")
	echo "  gatehouse report --history FILE --json: $report_runs runs, median $report_median s, best $report_best s"
	echo "  sqlite3 :memory: .import --csv FILE, then bench/metrics_report_peer.sql:" \
		"median $report_peer_median s, best $report_peer_best s"
}

compare_report() {
	jq -r '"\(.total)|\(.approved)|\(.denied)", (.top_resources[] | "\(.resource)|\(.count)")' \
		"$work/report.json" >"$work/report.txt"
	if ! cmp -s "$work/report.txt" "$work/report-peer.txt"; then
		diff "$work/report-peer.txt" "$work/report.txt" | sed 's/^/    /' >&2
		fail "gatehouse report and sqlite3 disagree (diff above: < sqlite3, > gatehouse)"
	fi
	echo "  the same total, approved and denied ($(head -n 1 "$work/report.txt")) and the same" \
		"$(($(wc -l <"$work/report.txt") - 1)) top resources with their counts"
}

check_settings
check_tools
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench-metrics.XXXXXX")
echo "metrics benchmark on $(nproc) cores; load average before the run: $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "metrics store: a gatehoused database filled by bench/metrics_store.sql"
create_database
fill_database
start_broker
measure_broker
# Stop the broker before the peer reads, so that its reaper changes nothing meanwhile.
kill "$broker_pid" 2>/dev/null || true
wait "$broker_pid" 2>/dev/null || true
broker_pid=""
stopped_at=$(date +%s)
measure_peer
compare_metrics

echo "report: $report_rows rows in the format of data/amazon_train.csv (its rows reshuffled each pass)"
make_history
measure_report
compare_report

metrics_verdict=$(calculate "%s" "($broker_median <= $peer_median) ? \"met\" : \"MISSED\"")
report_verdict=$(calculate "%s" "($report_median <= $report_peer_median) ? \"met\" : \"MISSED\"")
echo
printf '%-44s gatehoused %8.1f ms   sqlite3 %8.1f ms   ratio Y/X = %.0f (target: no slower) %s\n' \
	"metrics, 30 days hourly, 1M requests" "$broker_median" "$peer_median" \
	"$(calculate "%f" "$peer_median / $broker_median")" "$metrics_verdict"
printf '%-44s gatehouse  %8.2f s    sqlite3 %8.2f s    ratio Y/X = %.1f (target: no slower) %s\n' \
	"report --json, $report_rows rows" "$report_median" "$report_peer_median" \
	"$(calculate "%f" "$report_peer_median / $report_median")" "$report_verdict"
