# Shared helpers for the end-to-end tests: a demo broker on a free loopback port,
# the console in a tmux session of its own (a private tmux server socket), and
# assertions on what the screen shows. Source it; it needs BUILD (the folder
# holding gatehoused and gatehouse).
set -u

: "${BUILD:?set BUILD to the folder that holds gatehoused and gatehouse}"
E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-e2e.XXXXXX")
E2E_SOCKET="gatehouse-e2e-$$-0"
E2E_SOCKETS=""
E2E_CONSOLES=0
E2E_SESSION=console
E2E_BROKER_PID=""
E2E_OTHER_PIDS=""
E2E_FAILED=0
E2E_NAME=$(basename "$0" .sh)
# tmux keeps its sockets here, so they go away with the test's folder.
export TMUX_TMPDIR="$E2E_DIR"

e2e_cleanup() {
	for socket in $E2E_SOCKETS; do
		tmux -L "$socket" kill-server 2>/dev/null || true
	done
	for pid in $E2E_BROKER_PID $E2E_OTHER_PIDS; do
		kill -CONT "$pid" 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ "$E2E_FAILED" = 0 ] && [ -z "${GATEHOUSE_KEEP_TEST_DIRS:-}" ]; then
		rm -rf "$E2E_DIR"
	else
		echo "  test files kept in $E2E_DIR" >&2
	fi
}
trap e2e_cleanup EXIT

fail() {
	E2E_FAILED=1
	echo "FAIL $E2E_NAME: $*" >&2
	if tmux -L "$E2E_SOCKET" has-session -t "$E2E_SESSION" 2>/dev/null; then
		echo "--- screen ---" >&2
		screen_text >&2
		echo "--------------" >&2
	fi
	exit 1
}

pass() {
	echo "ok $E2E_NAME: $*"
}

# Start a demo broker (no trickle, so the data only changes when a test changes it).
start_broker() {
	"$BUILD/gatehoused" --db "$E2E_DIR/broker.db" --listen 127.0.0.1:0 \
		--port-file "$E2E_DIR/port" --data-dir "$E2E_DIR" --demo --demo-trickle 0 "$@" \
		2>>"$E2E_DIR/broker.log" &
	E2E_BROKER_PID=$!
	waited=0
	while [ ! -s "$E2E_DIR/port" ]; do
		kill -0 "$E2E_BROKER_PID" 2>/dev/null || fail "the broker exited at start-up: $(cat "$E2E_DIR/broker.log")"
		[ "$waited" -lt 1200 ] || fail "the broker did not start within 120 s"
		sleep 0.1
		waited=$((waited + 1))
	done
	E2E_PORT=$(cat "$E2E_DIR/port")
	E2E_URL="http://127.0.0.1:$E2E_PORT"
	umask 077
	for role in admin approver requester; do
		sed -n "s/.*\"$role\": *\"\\([^\"]*\\)\".*/\\1/p" "$E2E_DIR/demo-tokens.json" >"$E2E_DIR/$role.token"
		printf 'Authorization: Bearer %s\n' "$(cat "$E2E_DIR/$role.token")" >"$E2E_DIR/$role.header"
	done
}

stop_broker() {
	kill "$E2E_BROKER_PID" 2>/dev/null || true
	wait "$E2E_BROKER_PID" 2>/dev/null || true
	E2E_BROKER_PID=""
}

# api METHOD PATH ROLE [BODY]: call the broker; the token goes through a header file, not argv.
api() {
	if [ $# -ge 4 ]; then
		curl -s --noproxy '*' -X "$1" -H "@$E2E_DIR/$3.header" \
			-H 'Content-Type: application/json' --data "$4" "$E2E_URL$2"
	else
		curl -s --noproxy '*' -X "$1" -H "@$E2E_DIR/$3.header" "$E2E_URL$2"
	fi
}

# start_console COLUMNS ROWS [ROLE] [extra console options...]
start_console() {
	cols=$1
	rows=$2
	role=${3:-admin}
	if [ $# -ge 3 ]; then shift 3; else shift $#; fi
	# A tmux server of its own for each console: a new server on the socket of
	# one that is still shutting down can exit at once.
	E2E_CONSOLES=$((E2E_CONSOLES + 1))
	E2E_SOCKET="gatehouse-e2e-$$-$E2E_CONSOLES"
	E2E_SOCKETS="$E2E_SOCKETS $E2E_SOCKET"
	cat >"$E2E_DIR/tmux.conf" <<CONF
set -g status off
set -g default-terminal "${E2E_TERM:-tmux-256color}"
set -g escape-time 0
set -g history-limit 0
CONF
	printf '#!/bin/sh\ncd "%s"\nexec env XDG_CACHE_HOME="%s/cache" XDG_CONFIG_HOME="%s/config" %s "%s/gatehouse" --url "%s" --token-file "%s/%s.token" %s 2>"%s/console.err"\n' \
		"$E2E_DIR" "$E2E_DIR" "$E2E_DIR" "${E2E_ENV:-}" "$BUILD" "$E2E_URL" "$E2E_DIR" "$role" "$*" "$E2E_DIR" \
		>"$E2E_DIR/console.sh"
	tmux -L "$E2E_SOCKET" -f "$E2E_DIR/tmux.conf" new-session -d -s "$E2E_SESSION" \
		-x "$cols" -y "$rows" "sh $E2E_DIR/console.sh; echo \"console exited with status \$?\"; sleep 600"
}

screen_text() {
	tmux -L "$E2E_SOCKET" capture-pane -p -t "$E2E_SESSION"
}

keys() {
	tmux -L "$E2E_SOCKET" send-keys -t "$E2E_SESSION" "$@"
}

# Type literal text (no key-name lookup), e.g. a reason. The pause keeps the
# next key from arriving in the same read, where the console would take an
# Enter as part of the text (its guard against pasted newlines).
type_text() {
	tmux -L "$E2E_SOCKET" send-keys -t "$E2E_SESSION" -l "$1"
	sleep 0.3
}

# paste TEXT: paste like a terminal does, wrapped in bracketed-paste markers
# when the console asked for them.
paste_text() {
	tmux -L "$E2E_SOCKET" set-buffer -b e2e -- "$1"
	tmux -L "$E2E_SOCKET" paste-buffer -p -b e2e -t "$E2E_SESSION"
	sleep 0.3
}

resize() {
	tmux -L "$E2E_SOCKET" resize-window -t "$E2E_SESSION" -x "$1" -y "$2"
}

# wait_for TEXT [SECONDS]: until the screen shows TEXT (a fixed string).
wait_for() {
	limit=$(( ${2:-10} * 10 ))
	i=0
	while [ "$i" -lt "$limit" ]; do
		screen_text | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "the screen did not show \"$1\" within ${2:-10} s"
}

# wait_gone TEXT [SECONDS]: until the screen no longer shows TEXT.
wait_gone() {
	limit=$(( ${2:-10} * 10 ))
	i=0
	while [ "$i" -lt "$limit" ]; do
		screen_text | grep -qF -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "the screen still shows \"$1\" after ${2:-10} s"
}

# wait_until SECONDS COMMAND...: until the command succeeds.
wait_until() {
	limit=$(( $1 * 10 ))
	shift
	i=0
	while [ "$i" -lt "$limit" ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "timed out after $limit tenths of a second waiting for: $*"
}

console_running() {
	! screen_text | grep -q "console exited with status"
}

# The id of the oldest pending request that the demo admin may approve alone.
oldest_approvable_request() {
	api GET "/v1/requests?status=pending&limit=500" admin |
		jq '[.items[] | select(.requester != "demo-admin" and .approvals_needed == 1)]
		    | sort_by(.created_at, .id) | .[0].id'
}

# filter_to TEXT: open the filter in the focused list, type TEXT, keep it with Enter.
filter_to() {
	keys /
	type_text "$1"
	keys Enter
}

# console_pid: the console's process id, from the tmux pane.
console_pid() {
	pane_pid=$(tmux -L "$E2E_SOCKET" display-message -p -t "$E2E_SESSION" '#{pane_pid}')
	pgrep -P "$pane_pid" -f "$BUILD/gatehouse" | head -n 1
}

# Fail when the console's stderr contains a sanitizer report.
check_sanitizers() {
	if grep -q -e "AddressSanitizer" -e "runtime error:" -e "LeakSanitizer" "$E2E_DIR/console.err" 2>/dev/null; then
		cat "$E2E_DIR/console.err" >&2
		fail "the console reported a sanitizer error"
	fi
}

# ---- Brokers without the demo seed, fake brokers and several consoles at once ----

# Wait until FILE is not empty, failing after 20 s or when process PID exits.
wait_for_file() {
	waited=0
	while [ ! -s "$1" ]; do
		kill -0 "$2" 2>/dev/null || fail "process $2 exited before writing $1"
		[ "$waited" -lt 200 ] || fail "$1 was not written within 20 s"
		sleep 0.1
		waited=$((waited + 1))
	done
}

# small_broker_admin NOUN VERB [options...]: run an admin command on the small broker's database.
small_broker_admin() {
	"$BUILD/gatehoused" "$@" --db "$E2E_DIR/broker.db" >/dev/null 2>>"$E2E_DIR/broker.log" ||
		fail "gatehoused $1 $2 failed: $(tail -n 1 "$E2E_DIR/broker.log")"
}

# start_small_broker [gatehoused options...]: a broker on a database made with the
# admin commands instead of the demo seed, which takes seconds: demo-admin (admin),
# demo-approver (approver in ops), demo-requester (requester), res-one (ops, one
# approval) and res-two (ops, two approvals): no digits, so that filtering a list
# by a request id finds that request alone. The tokens go where start_broker puts them.
start_small_broker() {
	db="$E2E_DIR/broker.db"
	small_broker_admin principal add --id demo-admin --roles admin
	small_broker_admin principal add --id demo-approver --roles approver --groups ops
	small_broker_admin principal add --id demo-requester --roles requester
	small_broker_admin resource set --id res-one --group ops --approvals 1 --max-duration 8h
	small_broker_admin resource set --id res-two --group ops --approvals 2 --max-duration 8h
	umask 077
	for role in admin approver requester; do
		"$BUILD/gatehoused" token create --db "$db" --principal "demo-$role" >"$E2E_DIR/$role.token" 2>>"$E2E_DIR/broker.log" ||
			fail "creating the $role token failed"
		printf 'Authorization: Bearer %s\n' "$(cat "$E2E_DIR/$role.token")" >"$E2E_DIR/$role.header"
	done
	E2E_BROKER_OPTIONS="$*"
	rm -f "$E2E_DIR/port"
	# shellcheck disable=SC2086
	"$BUILD/gatehoused" --db "$db" --listen 127.0.0.1:0 --port-file "$E2E_DIR/port" $E2E_BROKER_OPTIONS \
		2>>"$E2E_DIR/broker.log" &
	E2E_BROKER_PID=$!
	wait_for_file "$E2E_DIR/port" "$E2E_BROKER_PID"
	E2E_PORT=$(cat "$E2E_DIR/port")
	E2E_URL="http://127.0.0.1:$E2E_PORT"
}

# kill_broker: stop the broker at once, as a crash would (SIGKILL).
kill_broker() {
	kill -KILL "$E2E_BROKER_PID" 2>/dev/null || true
	wait "$E2E_BROKER_PID" 2>/dev/null || true
	E2E_BROKER_PID=""
}

# restart_broker: start the broker again on the same database and port, with
# the options of start_small_broker, and wait until it responds.
restart_broker() {
	# shellcheck disable=SC2086
	"$BUILD/gatehoused" --db "$E2E_DIR/broker.db" --listen "127.0.0.1:$E2E_PORT" $E2E_BROKER_OPTIONS \
		2>>"$E2E_DIR/broker.log" &
	E2E_BROKER_PID=$!
	wait_until 20 curl -s -f --noproxy '*' -o /dev/null "$E2E_URL/healthz"
}

# create_request ROLE RESOURCE [DURATION_SECONDS]: create a request as ROLE; prints its id.
create_request() {
	body="{\"resource\": \"$2\", \"role\": \"read\", \"reason\": \"end to end test\", \"duration_seconds\": ${3:-3600}}"
	api POST /v1/requests "$1" "$body" | jq -e .id || fail "creating a request on $2 failed"
}

# start_fake_broker NAME HOST [fake_broker options...]: a tests/support/fake_broker
# listening on HOST (a loopback address) at a free port; its URL is then in $E2E_DIR/NAME.url.
start_fake_broker() {
	name=$1
	host=$2
	shift 2
	"$BUILD/tests/fake_broker" --listen "$host:0" --port-file "$E2E_DIR/$name.port" "$@" \
		2>>"$E2E_DIR/$name.log" &
	pid=$!
	E2E_OTHER_PIDS="$E2E_OTHER_PIDS $pid"
	wait_for_file "$E2E_DIR/$name.port" "$pid"
	echo "http://$host:$(cat "$E2E_DIR/$name.port")" >"$E2E_DIR/$name.url"
}

# start_named_console NAME URL COLUMNS ROWS [console options...]: a console as the
# admin of tmux server NAME, with its stderr in $E2E_DIR/NAME.err. use_console NAME
# points screen_text, keys and wait_for at it.
start_named_console() {
	name=$1
	url=$2
	cols=$3
	rows=$4
	shift 4
	cat >"$E2E_DIR/tmux.conf" <<CONF
set -g status off
set -g default-terminal "${E2E_TERM:-tmux-256color}"
set -g escape-time 0
set -g history-limit 0
CONF
	printf '#!/bin/sh\ncd "%s"\nexec env XDG_CACHE_HOME="%s/cache-%s" XDG_CONFIG_HOME="%s/config" %s "%s/gatehouse" --url "%s" --token-file "%s/admin.token" %s 2>"%s/%s.err"\n' \
		"$E2E_DIR" "$E2E_DIR" "$name" "$E2E_DIR" "${E2E_ENV:-}" "$BUILD" "$url" "$E2E_DIR" "$*" "$E2E_DIR" "$name" \
		>"$E2E_DIR/$name.sh"
	E2E_SOCKETS="$E2E_SOCKETS gatehouse-e2e-$$-$name"
	tmux -L "gatehouse-e2e-$$-$name" -f "$E2E_DIR/tmux.conf" new-session -d -s "$E2E_SESSION" \
		-x "$cols" -y "$rows" "sh $E2E_DIR/$name.sh; echo \"console exited with status \$?\"; sleep 600"
}

use_console() {
	E2E_SOCKET="gatehouse-e2e-$$-$1"
}

# Fail when the stderr file of a named console contains a sanitizer report.
check_sanitizers_of() {
	if grep -q -e "AddressSanitizer" -e "runtime error:" -e "LeakSanitizer" "$E2E_DIR/$1.err" 2>/dev/null; then
		cat "$E2E_DIR/$1.err" >&2
		fail "console $1 reported a sanitizer error"
	fi
}

# audit_count KIND ID ACTION: how many audit entries record ACTION ("request.approve") on the object.
audit_count() {
	api GET "/v1/audit?object=$1&object_id=$2&limit=500" admin | jq "[.items[] | select(.action == \"$3\")] | length"
}
