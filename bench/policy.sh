#!/bin/sh
# Measure the policy engine in policy/: decisions per second for bench/policy_50.policy
# over 1,000,000 requests built from data/amazon_train.csv, beside Cedar (npm's
# @cedar-policy/cedar-wasm) deciding the same requests with the same policy
# translated to Cedar; and the wall time of gatehouse simulate over the 1,000,000 rows.
# npm installs Cedar into a temporary folder. That folder and everything else this
# script writes are deleted on exit, and nothing is written into the repository.
#   sh bench/policy.sh BUILD_DIR
# Settings (environment): BENCH_POLICY_REQUESTS requests (default 1000000),
# BENCH_POLICY_RUNS runs of each Gatehouse measurement (default 3),
# BENCH_CEDAR_REQUESTS requests that Cedar decides with the policy parsed once
# (default 20000), BENCH_CEDAR_PARSED_REQUESTS requests that Cedar decides parsing
# the policy on every call (default 2000), BENCH_CEDAR_VERSION (default 4.13.0).
set -eu

build=${1:?usage: sh bench/policy.sh BUILD_DIR}
build=$(cd "$build" && pwd)
bench_dir=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$bench_dir/.." && pwd)
requests=${BENCH_POLICY_REQUESTS:-1000000}
runs=${BENCH_POLICY_RUNS:-3}
cedar_requests=${BENCH_CEDAR_REQUESTS:-20000}
cedar_parsed_requests=${BENCH_CEDAR_PARSED_REQUESTS:-2000}
cedar_version=${BENCH_CEDAR_VERSION:-4.13.0}

decision_target=1000000 # decisions per second on one core
simulate_target=1.0     # seconds for the simulation

child_pid=""
work=""

cleanup() {
	if [ -n "$child_pid" ]; then
		kill "$child_pid" 2>/dev/null || true
		wait "$child_pid" 2>/dev/null || true
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
	for setting in "BENCH_POLICY_REQUESTS=$requests" "BENCH_POLICY_RUNS=$runs" \
		"BENCH_CEDAR_REQUESTS=$cedar_requests" "BENCH_CEDAR_PARSED_REQUESTS=$cedar_parsed_requests"; do
		case ${setting#*=} in
		'' | *[!0-9]* | 0) fail "invalid $setting: give a whole number of at least 1" ;;
		esac
	done
	if [ "$cedar_requests" -gt "$requests" ] || [ "$cedar_parsed_requests" -gt "$requests" ]; then
		fail "BENCH_CEDAR_REQUESTS and BENCH_CEDAR_PARSED_REQUESTS must not exceed BENCH_POLICY_REQUESTS"
	fi
}

check_tools() {
	[ -x "$build/gatehouse" ] || fail "no gatehouse in $build; run make all first"
	[ -f "$build/libcommon.a" ] || fail "no libcommon.a in $build; run make all first"
	for tool in node npm; do
		command -v "$tool" >/dev/null 2>&1 ||
			fail "$tool is missing; install Node.js 18 or later (Debian: sudo apt-get install nodejs npm)"
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

# Print the CPU seconds (user + system) used so far by the children that this shell
# waited for. times must run in this shell, not in a command substitution's subshell,
# so it writes to a file: call "times >FILE" first, then this with FILE.
children_cpu() {
	awk 'NR == 2 {
		total = 0
		for (i = 1; i <= 2; i++) {
			split($i, part, "m")
			total += part[1] * 60 + substr(part[2], 1, length(part[2]) - 1)
		}
		printf "%.3f\n", total
	}' "$1"
}

calculate() {
	awk "BEGIN { printf \"$1\", $2 }"
}

# policy_bench links against the library that make all built; the Makefile has no rule for it.
build_tool() {
	# shellcheck disable=SC2046
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -I"$source_dir" -o "$work/policy_bench" \
		"$bench_dir/policy_bench.c" "$build/libcommon.a" \
		$(pkg-config --cflags --libs jansson) -lpthread -lm ||
		fail "building bench/policy_bench.c failed"
}

install_cedar() {
	mkdir -p "$work/cedar"
	# The npm cache goes into the temporary folder too, so that nothing outlives the run.
	run_child env npm_config_cache="$work/npm-cache" npm install --prefix "$work/cedar" --no-audit \
		--no-fund --no-save --loglevel=error "@cedar-policy/cedar-wasm@$cedar_version" \
		>"$work/npm.log" 2>&1 || { cat "$work/npm.log" >&2; fail "npm install of @cedar-policy/cedar-wasm@$cedar_version failed"; }
}

# Median of numbers, one a line, on standard input.
median() {
	sort -n | awk '{ value[NR] = $1 } END { print (NR % 2) ? value[(NR + 1) / 2] : (value[NR / 2] + value[NR / 2 + 1]) / 2 }'
}

measure_gatehouse() {
	run_child "$work/policy_bench" decide "$bench_dir/policy_50.policy" "$work/requests.csv" "$runs" \
		"$work/gatehouse.outcomes" "$cedar_requests" >"$work/decide.out" ||
		fail "policy_bench decide failed"
	sed 's/^/  /' "$work/decide.out"
	gatehouse_rate=$(awk '/^run / { print $(NF - 3) }' "$work/decide.out" | median)
}

# Arguments: MODE COUNT. Sets cedar_rate and checks Cedar's outcomes against Gatehouse's.
measure_cedar() {
	run_child node "$bench_dir/policy_cedar.mjs" "$work/cedar" "$work/cedar-policy.json" \
		"$work/requests.csv" "$2" "$1" "$work/cedar-$1.outcomes" >"$work/cedar-$1.out" ||
		fail "Cedar ($1) failed"
	sed 's/^/  /' "$work/cedar-$1.out"
	cedar_rate=$(awk '{ print $(NF - 1) }' "$work/cedar-$1.out")
	head -n "$2" "$work/gatehouse.outcomes" >"$work/gatehouse-$1.outcomes"
	cmp -s "$work/gatehouse-$1.outcomes" "$work/cedar-$1.outcomes" ||
		fail "Cedar ($1) and Gatehouse decided differently: $(cmp "$work/gatehouse-$1.outcomes" \
			"$work/cedar-$1.outcomes" 2>&1 | head -n 1)"
	echo "  the same outcome and deciding rule as Gatehouse for all $2 requests"
}

# Arguments: NAME, then gatehouse simulate's options. Sets simulate_seconds and
# simulate_cpu, the medians of the wall time and of the CPU time.
measure_simulate() {
	name=$1
	shift
	: >"$work/simulate-$name.times"
	: >"$work/simulate-$name.cpu"
	run=0
	while [ "$run" -lt "$runs" ]; do
		run=$((run + 1))
		start=$(now_ns)
		times >"$work/times"
		cpu_start=$(children_cpu "$work/times")
		run_child "$build/gatehouse" simulate --current "$bench_dir/policy_50.policy" \
			--proposed "$work/proposed.policy" --history "$work/requests.csv" "$@" \
			>"$work/simulate-$name.out" 2>"$work/simulate-$name.err" ||
			{ cat "$work/simulate-$name.err" >&2; fail "gatehouse simulate failed"; }
		calculate "%.3f\n" "($(now_ns) - $start) / 1e9" >>"$work/simulate-$name.times"
		times >"$work/times"
		calculate "%.3f\n" "$(children_cpu "$work/times") - $cpu_start" >>"$work/simulate-$name.cpu"
	done
	simulate_seconds=$(median <"$work/simulate-$name.times")
	simulate_cpu=$(median <"$work/simulate-$name.cpu")
	echo "  gatehouse simulate ($name): wall $(tr '\n' ' ' <"$work/simulate-$name.times")s," \
		"CPU $(tr '\n' ' ' <"$work/simulate-$name.cpu")s; medians $simulate_seconds s and $simulate_cpu s"
}

check_settings
check_tools
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench-policy.XXXXXX")
echo "policy benchmark on $(nproc) cores; load average before the run: $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "tools: node $(node --version), @cedar-policy/cedar-wasm $cedar_version, $(${CC:-cc} --version | head -n 1)"
build_tool
run_child "$work/policy_bench" requests "$source_dir/data/amazon_train.csv" "$requests" \
	"$work/requests.csv" || fail "policy_bench requests failed"
run_child "$work/policy_bench" cedar "$bench_dir/policy_50.policy" >"$work/cedar-policy.json" ||
	fail "translating bench/policy_50.policy to Cedar failed"
cat "$bench_dir/policy_50.policy" "$bench_dir/policy_proposed.policy" >"$work/proposed.policy"
install_cedar

echo "decisions: bench/policy_50.policy on $requests requests (data/amazon_train.csv, reshuffled each pass)"
measure_gatehouse
measure_cedar preparsed "$cedar_requests"
cedar_preparsed_rate=$cedar_rate
measure_cedar parsed-per-call "$cedar_parsed_requests"
cedar_parsed_rate=$cedar_rate

echo "simulation: bench/policy_50.policy against it plus bench/policy_proposed.policy, $requests rows"
measure_simulate text
simulate_text=$simulate_seconds
simulate_text_cpu=$simulate_cpu
measure_simulate json --json
simulate_json=$simulate_seconds
simulate_json_cpu=$simulate_cpu

decision_verdict=$(calculate "%s" "($gatehouse_rate >= $decision_target) ? \"met\" : \"MISSED\"")
simulate_verdict=$(calculate "%s" "($simulate_text < $simulate_target) ? \"met\" : \"MISSED\"")
echo
printf '%-44s gatehouse %9.0f/s   cedar %7.0f/s   ratio X/Y = %.0f (target >= %d/s on one core) %s\n' \
	"policy decisions (50 rules, CPU time)" "$gatehouse_rate" "$cedar_preparsed_rate" \
	"$(calculate "%f" "$gatehouse_rate / $cedar_preparsed_rate")" "$decision_target" "$decision_verdict"
printf '%-44s gatehouse %9.0f/s   cedar %7.0f/s   ratio X/Y = %.0f (no target)\n' \
	"  Cedar parsing the policy on every call" "$gatehouse_rate" "$cedar_parsed_rate" \
	"$(calculate "%f" "$gatehouse_rate / $cedar_parsed_rate")"
printf '%-44s %.2f s wall (%.2f s CPU), with --json %.2f s (%.2f s CPU) (target < %.1f s) %s\n' \
	"gatehouse simulate, $requests rows" "$simulate_text" "$simulate_text_cpu" "$simulate_json" \
	"$simulate_json_cpu" "$simulate_target" "$simulate_verdict"
