#!/bin/sh
# Measure gatehoused with wrk: requests per second for listing pending requests,
# printed beside nginx serving the same bytes as a static file (the ceiling), and
# for approvals. Then bench/console.sh measures the console beside less, and
# bench/policy.sh the policy engine beside Cedar. Everything listens on and
# connects to 127.0.0.1 only, except the npm install in bench/policy.sh, which
# fetches Cedar from the npm registry. Every process this script starts is
# stopped when it exits, on failure too.
#   sh bench/run.sh BUILD_DIR
# Settings (environment): BENCH_DURATION seconds per measurement (default 10),
# BENCH_WARMUP seconds of warm-up before each (default 2), BENCH_CONNECTIONS
# (default 16) and BENCH_THREADS (default 2) for wrk.
set -eu

build=${1:?usage: sh bench/run.sh BUILD_DIR}
[ -x "$build/gatehoused" ] || { echo "bench: no gatehoused in $build; run make all first" >&2; exit 1; }
build=$(cd "$build" && pwd)
bench_dir=$(cd "$(dirname "$0")" && pwd)
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
connections=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}

listing_path='/v1/requests?status=pending&limit=50'
listing_target=0.50     # the broker's listing rate over nginx's static rate
approval_target=2000    # approvals per second
wrk_timeout=10s         # a slow response counts as slow, not as a socket error

broker_pid=""
uncached_pid=""
nginx_pid=""
wrk_pid=""
console_pid=""
policy_pid=""
metrics_pid=""
work=""
nginx_dir=""

stop_process() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	waited=0
	while kill -0 "$1" 2>/dev/null && [ "$waited" -lt 50 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

cleanup() {
	stop_process "$metrics_pid"
	stop_process "$policy_pid"
	stop_process "$console_pid"
	stop_process "$wrk_pid"
	stop_process "$nginx_pid"
	stop_process "$uncached_pid"
	stop_process "$broker_pid"
	[ -z "$work" ] || rm -rf "$work"
	[ -z "$nginx_dir" ] || rm -rf "$nginx_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

fail() {
	echo "bench: $*" >&2
	exit 1
}

check_settings() {
	for setting in "BENCH_DURATION=$duration" "BENCH_WARMUP=$warmup" \
		"BENCH_CONNECTIONS=$connections" "BENCH_THREADS=$threads"; do
		case ${setting#*=} in
		'' | *[!0-9]* | 0) fail "invalid $setting: give a whole number of at least 1" ;;
		esac
	done
	[ "$threads" -le "$connections" ] ||
		fail "BENCH_THREADS ($threads) must not exceed BENCH_CONNECTIONS ($connections)"
}

require_tools() {
	missing=""
	command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
	command -v curl >/dev/null 2>&1 || missing="$missing curl"
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		fail "missing Debian packages:$missing; install them with: sudo apt-get install$missing"
	fi
	echo "installing:$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing ||
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends $missing; } ||
		fail "installing$missing failed"
}

# Print a number with the given printf format, computed by awk from an expression.
calculate() {
	awk "BEGIN { printf \"$1\", $2 }"
}

# Clock ticks of CPU time (user + system) used so far by a process and its children.
cpu_ticks() {
	total=0
	for pid in $1 $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		stat=$(cat /proc/"$pid"/stat 2>/dev/null) || continue
		# The fields after the command name start at field 3; utime and stime are 14 and 15.
		# shellcheck disable=SC2086
		set -- ${stat##*) }
		total=$((total + ${12} + ${13}))
	done
	echo "$total"
}

memory_line() {
	awk '/^VmHWM|^VmRSS/ { printf "%s%s %.1f MiB", separator, $1, $2 / 1024; separator = ", " }' \
		/proc/"$broker_pid"/status
}

start_broker() {
	"$build/gatehoused" --db "$work/bench.db" --listen 127.0.0.1:0 --port-file "$work/port" \
		--data-dir "$work" --demo --demo-trickle 0 --quiet 2>"$work/broker.log" &
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
	# curl reads the header from a 0600 file, so the token never reaches a command line.
	sed -n 's/.*"admin": *"\([^"]*\)".*/Authorization: Bearer \1/p' \
		"$work/demo-tokens.json" >"$work/admin.header"
	[ -s "$work/admin.header" ] || fail "no admin token in $work/demo-tokens.json"
}

# Start a second gatehoused on the benchmark's database with its page cache off, so
# that every listing is read from SQLite. Sets uncached_pid and uncached_url.
start_uncached_broker() {
	"$build/gatehoused" --db "$work/bench.db" --listen 127.0.0.1:0 --port-file "$work/uncached.port" \
		--data-dir "$work" --page-cache 0 --quiet 2>"$work/uncached.log" &
	uncached_pid=$!
	waited=0
	while [ ! -s "$work/uncached.port" ]; do
		if ! kill -0 "$uncached_pid" 2>/dev/null; then
			cat "$work/uncached.log" >&2
			fail "the second gatehoused (page cache off) failed to start (its log is above)"
		fi
		[ "$waited" -lt 600 ] || fail "the second gatehoused did not write its port within 60 s"
		sleep 0.1
		waited=$((waited + 1))
	done
	uncached_url="http://127.0.0.1:$(cat "$work/uncached.port")"
}

# GET a broker path as the admin into a file; fails unless the response status is 200.
broker_get() {
	code=$(curl -sS --noproxy '*' --max-time 30 -H @"$work/admin.header" -o "$2" \
		-w '%{http_code}' "$broker_url$1") || fail "GET $1 failed"
	[ "$code" = 200 ] || fail "GET $1 returned $code: $(head -c 300 "$2")"
}

random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
}

write_nginx_config() {
	cat >"$nginx_dir/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	default_type application/json;
	sendfile on;
	keepalive_requests 1000000;
	client_body_temp_path $nginx_dir/client_body;
	proxy_temp_path $nginx_dir/proxy;
	fastcgi_temp_path $nginx_dir/fastcgi;
	uwsgi_temp_path $nginx_dir/uwsgi;
	scgi_temp_path $nginx_dir/scgi;
	server {
		listen 127.0.0.1:$1;
		root $nginx_dir/html;
	}
}
EOF
}

nginx_binary() {
	command -v nginx 2>/dev/null || echo /usr/sbin/nginx
}

nginx_version() {
	"$(nginx_binary)" -v 2>&1 | sed 's/^nginx version: //'
}

# nginx cannot listen on port 0, so try random loopback ports until one is free.
start_nginx() {
	nginx_bin=$(nginx_binary)
	attempt=0
	while [ "$attempt" -lt 20 ]; do
		attempt=$((attempt + 1))
		port=$(random_port)
		write_nginx_config "$port"
		: >"$nginx_dir/error.log"
		"$nginx_bin" -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -e "$nginx_dir/error.log" &
		nginx_pid=$!
		waited=0
		while [ "$waited" -lt 100 ]; do
			if ! kill -0 "$nginx_pid" 2>/dev/null; then
				wait "$nginx_pid" 2>/dev/null || true
				nginx_pid=""
				grep -q 'Address already in use' "$nginx_dir/error.log" && continue 2
				cat "$nginx_dir/error.log" >&2
				fail "nginx failed to start (its log is above)"
			fi
			if curl -s --noproxy '*' --max-time 2 -o "$nginx_dir/check.json" \
				"http://127.0.0.1:$port/listing.json" 2>/dev/null; then
				nginx_url="http://127.0.0.1:$port"
				return 0
			fi
			sleep 0.1
			waited=$((waited + 1))
		done
		fail "nginx did not respond on 127.0.0.1:$port within 10 s"
	done
	fail "found no free loopback port for nginx in 20 attempts"
}

# Run wrk in the background (so that a signal can stop it) and keep its output in
# $work/NAME.out. Arguments: NAME SECONDS SCRIPT URL [SCRIPT_ARGUMENTS...]
run_wrk() {
	name=$1 seconds=$2 script=$3 url=$4
	shift 4
	wrk --threads "$threads" --connections "$connections" --duration "${seconds}s" \
		--timeout "$wrk_timeout" --latency --script "$bench_dir/$script" "$url" -- "$@" \
		>"$work/$name.out" 2>&1 &
	wrk_pid=$!
	if ! wait "$wrk_pid"; then
		wrk_pid=""
		cat "$work/$name.out" >&2
		fail "wrk failed in the $name run (its output is above)"
	fi
	wrk_pid=""
}

wrk_rate() {
	awk '/^Requests\/sec:/ { print $2 }' "$work/$1.out"
}

wrk_requests() {
	awk '/ requests in / { print $1 }' "$work/$1.out"
}

# The run's length in seconds as wrk measured it, from "N requests in 10.01s, ...".
wrk_seconds() {
	awk '/ requests in / {
		value = $4; sub(/,$/, "", value); number = value + 0
		if (value ~ /ms$/) number /= 1000
		else if (value ~ /m$/) number *= 60
		else if (value ~ /h$/) number *= 3600
		print number
	}' "$work/$1.out"
}

# Sum of the "bench-tally KEY COUNT" lines whose key matches a pattern.
tally() {
	awk -v pattern="$2" '$1 == "bench-tally" && $2 ~ pattern { n += $3 } END { print n + 0 }' \
		"$work/$1.out"
}

wrk_problems() {
	non_2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/$1.out")
	sockets=$(grep 'Socket errors' "$work/$1.out" || true)
	[ -z "$non_2xx" ] || echo "    $non_2xx responses were not 2xx"
	[ -z "$sockets" ] || echo "    $sockets"
}

latency_summary() {
	awk '$1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 } END { printf "latency p50 %s, p99 %s", p50, p99 }' \
		"$work/$1.out"
}

# Measure one server's listing: warm-up, then the measured run, with its CPU time.
# Arguments: NAME URL PID. Sets rate and cpu_per_request.
measure_listing() {
	run_wrk "$1-warmup" "$warmup" listing.lua "$2"
	before=$(cpu_ticks "$3")
	run_wrk "$1" "$duration" listing.lua "$2"
	after=$(cpu_ticks "$3")
	rate=$(wrk_rate "$1")
	requests=$(wrk_requests "$1")
	cpu_per_request=$(calculate "%.0f" "($after - $before) * 1000000 / $clock_ticks / $requests")
	seconds=$(wrk_seconds "$1")
	cores=$(calculate "%.2f" "($after - $before) / $clock_ticks / $seconds")
	echo "  $1: $rate req/s ($requests in $seconds s), $(latency_summary "$1"),"
	echo "    $cores cores busy, $cpu_per_request us of CPU per request"
	wrk_problems "$1"
	if [ -n "$non_2xx" ] || [ -n "$sockets" ]; then
		fail "the $1 run had failed requests; its output is in the lines above"
	fi
}

# The resources whose route needs one approval, so that one admin approval
# completes a request. Walks the pages of /v1/resources until 16 are found.
one_approval_resources() {
	cursor=""
	found=""
	count=0
	while [ "$count" -lt 16 ]; do
		broker_get "/v1/resources?limit=500$cursor" "$work/resources.json"
		# Each route is a flat object, so splitting on "{" gives one route a line.
		for id in $(tr '{' '\n' <"$work/resources.json" |
			grep '"approvals_needed":1[,}]' |
			sed -n 's/.*"id":"\([^"]*\)".*/\1/p'); do
			[ "$count" -lt 16 ] || break
			found="$found $id"
			count=$((count + 1))
		done
		next=$(sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p' "$work/resources.json")
		[ -n "$next" ] || break
		cursor="&cursor=$next"
	done
	[ -n "$found" ] || fail "no resource with approvals_needed 1 in /v1/resources"
	echo "$found"
}

# Create pending requests for SECONDS into IDS_FILE. Sets create_rate and created.
create_requests() {
	# shellcheck disable=SC2086
	run_wrk "$1" "$2" create.lua "$broker_url" "$work/$3" $resources
	created=$(wc -l <"$work/$3")
	create_rate=$(calculate "%.0f" "$created / $(wrk_seconds "$1")")
	failed=$(($(tally "$1" '.') - $(tally "$1" '^201$')))
	[ "$failed" = 0 ] || { cat "$work/$1.out" >&2; fail "$failed requests were not created"; }
	[ "$created" -gt 0 ] || fail "no requests were created"
}

# Approve the ids in IDS_FILE for SECONDS. Sets approved, rejected and exhausted.
approve_requests() {
	run_wrk "$1" "$2" approve.lua "$broker_url" "$work/$3" "$threads"
	approved=$(tally "$1" '^200-approved$')
	rejected=$(($(tally "$1" '.') - approved - $(tally "$1" '^healthz$')))
	exhausted=$(grep -c '^bench-exhausted' "$work/$1.out" || true)
}

print_rejections() {
	awk '$1 == "bench-tally" && $2 != "200-approved" && $2 != "healthz" {
		printf "    %s responses: %s\n", $3, $2 }' "$work/$1.out"
}

measure_approvals() {
	resources=$(one_approval_resources)
	echo "  creating pending requests as demo-requester on$resources"
	# Creating usually outpaces approving, so twice the warm-up's length is plenty.
	create_requests create-warmup $((warmup * 2)) ids-warmup
	echo "  created $created requests in $((warmup * 2)) s ($create_rate req/s) for the warm-up"
	approve_requests approve-warmup "$warmup" ids-warmup
	[ "$rejected" = 0 ] || { print_rejections approve-warmup; fail "approvals failed in the warm-up"; }

	# Create enough pending requests for the measured run at 1.5 times the warm-up's
	# rate. A warm-up that ran out only gives a lower bound, so its rate counts double.
	# A measured run that still runs out is repeated with twice as many requests.
	estimate=$(calculate "%.0f" "$approved / $warmup * ($exhausted > 0 ? 2 : 1)")
	margin=1.5
	attempt=1
	while :; do
		needed=$(calculate "%.0f" "$estimate * $duration * $margin + 500")
		seconds=$(calculate "%d" "$needed / $create_rate + 1")
		create_requests create "$seconds" ids
		echo "  created $created pending requests in $seconds s ($create_rate req/s)"
		before=$(cpu_ticks "$broker_pid")
		approve_requests approve "$duration" ids
		after=$(cpu_ticks "$broker_pid")
		[ "$exhausted" -gt 0 ] || break
		[ "$attempt" -lt 3 ] || fail "the approvals ran out of pending requests in 3 attempts"
		echo "  the approvals ran out of pending requests; measuring again with twice as many"
		margin=$(calculate "%.1f" "$margin * 2")
		attempt=$((attempt + 1))
	done
	approval_rate=$(calculate "%.0f" "$approved / $(wrk_seconds approve)")
	requests=$(wrk_requests approve)
	cpu_per_request=$(calculate "%.0f" "($after - $before) * 1000000 / $clock_ticks / $requests")
	cores=$(calculate "%.2f" "($after - $before) / $clock_ticks / $(wrk_seconds approve)")
	seconds=$(wrk_seconds approve)
	echo "  gatehoused: $approval_rate approvals/s ($approved returned 200 with status approved" \
		"in $seconds s), $(latency_summary approve),"
	echo "    $cores cores busy, $cpu_per_request us of CPU per request"
	print_rejections approve
	wrk_problems approve
	if [ "$rejected" != 0 ] || [ -n "$non_2xx" ] || [ -n "$sockets" ]; then
		fail "$rejected approvals did not return 200 with status approved (counts above)"
	fi
}

check_settings
require_tools
clock_ticks=$(getconf CLK_TCK)
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench.XXXXXX")
# nginx's workers run as "nobody" when started by root, so its folder must be readable.
nginx_dir=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench-nginx.XXXXXX")
chmod 755 "$nginx_dir"
mkdir "$nginx_dir/html"
chmod 755 "$nginx_dir/html"
export BENCH_SCRIPTS="$bench_dir"
# The wrk scripts read the tokens from this 0600 file, so no token is passed on argv.
export BENCH_TOKENS="$work/demo-tokens.json"

echo "gatehoused benchmark on $(nproc) cores: wrk $threads threads, $connections connections," \
	"$warmup s warm-up, $duration s per measurement, 127.0.0.1 only"
echo "tools: $(wrk --version 2>&1 | head -n 1 | cut -d ' ' -f 1-2), $(nginx_version)"
# Other work on the machine lowers both servers' figures; the ratio suffers less.
echo "load average before the run: $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "starting gatehoused with a fresh demo database (seeding takes a few seconds)..."
start_broker
echo "  memory after the demo seed: $(memory_line)"
# Reset VmHWM (Linux 4.0 and later), so that the peak reported at the end is the
# benchmark's and not the seed's.
echo 5 >/proc/"$broker_pid"/clear_refs 2>/dev/null ||
	echo "  (cannot reset VmHWM: the final peak includes the seed)"

broker_get "$listing_path" "$nginx_dir/html/listing.json"
chmod 644 "$nginx_dir/html/listing.json"
listing_bytes=$(wc -c <"$nginx_dir/html/listing.json")
listing_rows=$(grep -o '"status":"pending"' "$nginx_dir/html/listing.json" | wc -l)
start_nginx
cmp -s "$nginx_dir/html/listing.json" "$nginx_dir/check.json" ||
	fail "nginx does not serve the saved listing byte for byte"

echo "listing pending requests: GET $listing_path as demo-admin ($listing_rows rows, $listing_bytes bytes);"
echo "  nginx ($(nproc) workers, access log off) serves the same bytes from a static file"
measure_listing gatehoused "$broker_url$listing_path" "$broker_pid"
broker_listing_rate=$rate
measure_listing nginx "$nginx_url/listing.json" "$nginx_pid"
nginx_listing_rate=$rate
stop_process "$nginx_pid"
nginx_pid=""
echo "  memory after the listing: $(memory_line)"
# Every call above after the first is a page cache hit. For comparison only (no
# target), the same listing from a second gatehoused that reads SQLite every time.
start_uncached_broker
measure_listing gatehoused-uncached "$uncached_url$listing_path" "$uncached_pid"
uncached_listing_rate=$rate
stop_process "$uncached_pid"
uncached_pid=""

echo "approvals: POST /v1/requests/ID/approve as demo-admin, each id once, on 1-approval resources"
measure_approvals
echo "  memory after the approvals: $(memory_line)"

ratio=$(calculate "%.2f" "$broker_listing_rate / $nginx_listing_rate")
listing_verdict=$(calculate "%s" "($ratio >= $listing_target) ? \"met\" : \"MISSED\"")
approval_verdict=$(calculate "%s" "($approval_rate >= $approval_target) ? \"met\" : \"MISSED\"")
echo
printf '%-44s gatehoused %7.0f req/s   nginx static %7.0f req/s   ratio X/Y = %s (target >= %s) %s\n' \
	"listing pending (GET, $listing_rows rows, $listing_bytes bytes)" \
	"$broker_listing_rate" "$nginx_listing_rate" "$ratio" "$listing_target" "$listing_verdict"
printf '%-44s gatehoused %7.0f req/s   ratio X/Y = %s (no target: every call reads SQLite)\n' \
	"listing pending, page cache off" "$uncached_listing_rate" \
	"$(calculate "%.2f" "$uncached_listing_rate / $nginx_listing_rate")"
printf '%-44s gatehoused %7.0f req/s   target >= %s %s\n' \
	"approvals (POST, 1-approval resources)" "$approval_rate" "$approval_target" "$approval_verdict"
echo "gatehoused peak resident memory after the seed (VmHWM): $(awk '/^VmHWM/ { printf "%.1f MiB", $2 / 1024 }' \
	/proc/"$broker_pid"/status)"

# The console's benchmark needs no broker: stop it, so that the console and less
# have the cores to themselves. console.sh cleans up after itself when stopped.
stop_process "$broker_pid"
broker_pid=""
echo
sh "$bench_dir/console.sh" "$build" &
console_pid=$!
wait "$console_pid" || { console_pid=""; fail "the console benchmark failed (its messages are above)"; }
console_pid=""

# The policy benchmark needs no broker either. policy.sh cleans up after itself when stopped.
echo
sh "$bench_dir/policy.sh" "$build" &
policy_pid=$!
wait "$policy_pid" || { policy_pid=""; fail "the policy benchmark failed (its messages are above)"; }
policy_pid=""

# The console's sync and its idle cost: bench/sync.sh (no wrk or nginx needed).
echo
sh "$bench_dir/sync.sh" "$build" || fail "the sync benchmark failed (its messages are above)"

# The access metrics and gatehouse report beside sqlite3 (no wrk or nginx needed).
# metrics.sh cleans up after itself when stopped.
echo
sh "$bench_dir/metrics.sh" "$build" &
metrics_pid=$!
wait "$metrics_pid" || { metrics_pid=""; fail "the metrics benchmark failed (its messages are above)"; }
metrics_pid=""
