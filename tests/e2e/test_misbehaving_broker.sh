#!/bin/sh
# A broker that misbehaves gets a clear message and no crash, and the console
# stays responsive. Each case runs its own tests/support/fake_broker and its
# own console, all at once: connection refused, a reply after 30 seconds,
# HTTP 500 with an HTML page (on every call, and on the feed alone, where the
# listed rows stay on screen), invalid and truncated JSON, a 50 MB body, 429
# with Retry-After in seconds and as an HTTP-date, a reset mid-body, and a
# redirect to another loopback host, which must receive nothing.
. "$(dirname "$0")/lib.sh"

umask 077
echo "fake-token-for-the-fake-broker" >"$E2E_DIR/admin.token"

# The redirect target: another host, which records every request it gets.
start_fake_broker elsewhere 127.0.0.2 --record "$E2E_DIR/elsewhere.requests"
: >"$E2E_DIR/elsewhere.requests"
# A port that refuses connections: a fake broker's, once it has stopped.
start_fake_broker gone 127.0.0.1
kill "$(pgrep -f "fake_broker --listen 127.0.0.1:0 --port-file $E2E_DIR/gone.port")"
retry_date=$(date -u -d "@$(( $(date +%s) + 8 ))" '+%a, %d %b %Y %H:%M:%S GMT')

start_fake_broker ok 127.0.0.1
start_fake_broker html500 127.0.0.1 --mode html500
start_fake_broker feed500 127.0.0.1 --mode html500 --on /v1/events
start_fake_broker invalid 127.0.0.1 --mode invalid-json
start_fake_broker truncated 127.0.0.1 --mode truncated-json
start_fake_broker huge 127.0.0.1 --mode huge
start_fake_broker reset 127.0.0.1 --mode reset
start_fake_broker redirect 127.0.0.1 --mode redirect --redirect-to "$(cat "$E2E_DIR/elsewhere.url")/v1/me"
start_fake_broker limited 127.0.0.1 --mode rate-limit --retry-after 4 --record "$E2E_DIR/limited.requests"
start_fake_broker dated 127.0.0.1 --mode rate-limit --retry-after "$retry_date" --record "$E2E_DIR/dated.requests"
start_fake_broker slow 127.0.0.1 --mode slow --delay 30

cases="ok html500 feed500 invalid truncated huge reset redirect limited dated"
for name in $cases gone; do
	options=""
	[ "$name" = ok ] && options="--insecure"
	start_named_console "$name" "$(cat "$E2E_DIR/$name.url")" 220 12 $options
done
E2E_ENV="GATEHOUSE_REQUEST_TIMEOUT_MS=2000" start_named_console slow "$(cat "$E2E_DIR/slow.url")" 220 12

# While the slow broker holds /v1/me, the keys still work.
use_console slow
wait_for "connecting to the broker"
keys '?'
wait_for "Help: keys" 2
keys Escape
wait_for "timed out after 2 s waiting for the broker" 10
pass "a reply after 30 s: timed out after 2 s, keys answered meanwhile"

expect() {
	use_console "$1"
	wait_for "$2" 15
	pass "$1: \"$2\""
}
expect ok "TLS NOT VERIFIED"
expect ok "fake reason 1"
expect gone "broker unreachable: connection refused"
expect html500 "broker error on GET /v1/me: the broker responded HTTP 500 with text/html"
expect feed500 "broker error on GET /v1/events: the broker responded HTTP 500 with text/html"
expect feed500 "Pending (3)"
expect invalid "GET /v1/me failed: the broker sent invalid JSON (HTTP 200)"
expect truncated "GET /v1/me failed: the broker sent invalid JSON (HTTP 200): premature end of input"
expect huge "GET /v1/me failed: the response is larger than 16 MiB; aborted"
expect reset "GET /v1/me failed: the broker closed the connection mid-response"
expect redirect "a redirect to $(cat "$E2E_DIR/elsewhere.url")/v1/me, which is not followed"
expect limited "retrying in 4 s, as the broker asked"
expect dated ", as the broker asked"

# The second /v1/me came no sooner than Retry-After asked: 4 s, or the date, which
# was 8 s ahead when the script made it and a few seconds less when the console read
# it. The usual first delay is 0.8 to 1.2 s.
gap() {
	wait_until 15 sh -c "[ \$(grep -c ' GET /v1/me ' '$1') -ge 2 ]"
	grep ' GET /v1/me ' "$1" | head -n 2 | awk 'NR == 1 { first = $1 } NR == 2 { print $1 - first }'
}
limited_gap=$(gap "$E2E_DIR/limited.requests")
[ "$limited_gap" -ge 3900 ] || fail "after Retry-After: 4 the console called again after $limited_gap ms"
dated_gap=$(gap "$E2E_DIR/dated.requests")
[ "$dated_gap" -ge 3000 ] || fail "after a Retry-After date 8 s ahead the console called again after $dated_gap ms"
pass "Retry-After honoured: next call after $limited_gap ms (seconds) and $dated_gap ms (date)"

# Not following the redirect means the other host never heard of us, token or not.
[ ! -s "$E2E_DIR/elsewhere.requests" ] ||
	fail "the redirect target received: $(cat "$E2E_DIR/elsewhere.requests")"
pass "the redirect target received nothing"

for name in $cases gone slow; do
	use_console "$name"
	keys q
	wait_for "console exited with status 0"
	check_sanitizers_of "$name"
done
pass "every console quit cleanly"
