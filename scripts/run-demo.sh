#!/bin/sh
# Start a demo broker on a free loopback port with a fresh database, open the
# console on it as the demo admin, and stop the broker when the console exits.
#   sh scripts/run-demo.sh BUILD_DIR [console options...]
set -eu

build=${1:?usage: run-demo.sh BUILD_DIR [console options]}
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-demo.XXXXXX")
broker_pid=""

cleanup() {
	if [ -n "$broker_pid" ]; then
		kill "$broker_pid" 2>/dev/null || true
		wait "$broker_pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

echo "starting the demo broker (seeding a fresh database takes a few seconds)..."
"$build/gatehoused" --db "$dir/demo.db" --listen 127.0.0.1:0 --port-file "$dir/port" \
	--data-dir "$dir" --demo 2>"$dir/broker.log" &
broker_pid=$!

waited=0
while [ ! -s "$dir/port" ]; do
	if ! kill -0 "$broker_pid" 2>/dev/null; then
		echo "the demo broker failed to start:" >&2
		cat "$dir/broker.log" >&2
		exit 1
	fi
	if [ "$waited" -ge 600 ]; then
		echo "the demo broker did not start within 60 s; its log:" >&2
		cat "$dir/broker.log" >&2
		exit 1
	fi
	sleep 0.1
	waited=$((waited + 1))
done
port=$(cat "$dir/port")

# The token goes from the broker's 0600 file to another 0600 file, never through argv.
umask 077
sed -n 's/.*"admin": *"\([^"]*\)".*/\1/p' "$dir/demo-tokens.json" >"$dir/admin.token"

# A fresh broker each run: keep the console's cache with it rather than in ~/.cache.
XDG_CACHE_HOME="$dir/cache" "$build/gatehouse" --url "http://127.0.0.1:$port" \
	--token-file "$dir/admin.token" "$@"
