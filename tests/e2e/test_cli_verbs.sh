#!/bin/sh
# The scriptable verbs against a demo broker: gatehouse requests list, grants
# list, approve, deny and revoke, their JSON and table output, and their exit
# statuses (0 done, 1 refused by the broker, 2 bad usage, 3 broker unreachable).
. "$(dirname "$0")/lib.sh"

# run_cli STATUS ROLE ARGS...: run gatehouse ARGS... with ROLE's token file,
# stdout in $E2E_DIR/out and stderr in $E2E_DIR/err; fail unless it exits STATUS.
run_cli() {
	expected=$1
	role=$2
	shift 2
	XDG_CONFIG_HOME="$E2E_DIR/config" XDG_CACHE_HOME="$E2E_DIR/cache" timeout 120 "$BUILD/gatehouse" "$@" \
		--url "$E2E_URL" --token-file "$E2E_DIR/$role.token" >"$E2E_DIR/out" 2>"$E2E_DIR/err"
	status=$?
	if grep -q -e "AddressSanitizer" -e "runtime error:" -e "LeakSanitizer" "$E2E_DIR/err"; then
		cat "$E2E_DIR/err" >&2
		fail "gatehouse $* reported a sanitizer error"
	fi
	[ "$status" = "$expected" ] ||
		fail "gatehouse $* exited $status, expected $expected; stderr: $(cat "$E2E_DIR/err")"
}

# check_json_array [STATUS]: the output is one JSON array (of objects in STATUS, when given).
check_json_array() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c '
import json, sys
items = json.load(open(sys.argv[1]))
assert isinstance(items, list), "not an array"
for item in items:
    assert sys.argv[2] == "" or item["status"] == sys.argv[2], "status %s" % item["status"]
' "$E2E_DIR/out" "${1:-}" || fail "the output is not a JSON array of ${1:-any} objects: $(head -c 300 "$E2E_DIR/out")"
	else
		tr -d ' \n\t' <"$E2E_DIR/out" | grep -q '^\[.*\]$' ||
			fail "the output is not a JSON array: $(head -c 300 "$E2E_DIR/out")"
	fi
}

# table_rows: the number of rows below the table's header line.
table_rows() {
	tail -n +2 "$E2E_DIR/out" | wc -l | tr -d ' '
}

start_broker

run_cli 0 admin --help
grep -q "approve ID --reason R" "$E2E_DIR/out" || fail "gatehouse --help does not list approve"
run_cli 0 admin approve --help
grep -q "exit status" "$E2E_DIR/out" || fail "gatehouse approve --help does not give the exit statuses"

# Lists: the pending requests as JSON and as a table of the same length.
run_cli 0 admin requests list --status pending --json
check_json_array pending
json_pending=$(grep -c '"id":' "$E2E_DIR/out")
[ "$json_pending" -gt 0 ] || fail "the demo has no pending requests"
run_cli 0 admin requests list --status pending
head -n 1 "$E2E_DIR/out" | grep -q "^ID  *STATUS  *REQUESTER" || fail "the table has no header: $(head -n 1 "$E2E_DIR/out")"
[ "$(table_rows)" = "$json_pending" ] || fail "the table has $(table_rows) rows, the JSON $json_pending"

# Approve a request that one approval completes: 0, and again 1 (not_pending).
id=$(awk 'NR > 1 && $3 != "demo-admin" && $6 == "0/1" { print $1; exit }' "$E2E_DIR/out")
[ -n "$id" ] || fail "the demo has no pending request that one approval completes"
mine=$(awk 'NR > 1 && $3 == "demo-admin" { print $1; exit }' "$E2E_DIR/out")
[ -n "$mine" ] || fail "the demo has no pending request of demo-admin"
run_cli 0 admin approve "$id" --reason "e2e: on call"
grep -q "^approved request $id: grant [0-9]" "$E2E_DIR/out" || fail "approve printed: $(cat "$E2E_DIR/out")"
api GET "/v1/requests/$id" admin | grep -q '"status": *"approved"' || fail "request $id is not approved at the broker"
run_cli 1 admin approve "$id" --reason "e2e: again"
grep -q "^gatehouse: not_pending: " "$E2E_DIR/err" || fail "a second approval printed: $(cat "$E2E_DIR/err")"

# Self-approval: refused by the broker, with its code on stderr.
run_cli 1 admin approve "$mine" --reason "e2e: my own"
grep -q "^gatehouse: self_approval: " "$E2E_DIR/err" || fail "self-approval printed: $(cat "$E2E_DIR/err")"

# Deny, with the resulting request as JSON.
run_cli 0 admin requests list --status pending
deny_id=$(awk 'NR > 1 && $3 != "demo-admin" { print $1; exit }' "$E2E_DIR/out")
run_cli 0 admin deny "$deny_id" --reason "e2e: not needed" --json
grep -q '"status": "denied"' "$E2E_DIR/out" || fail "deny --json printed: $(head -c 300 "$E2E_DIR/out")"

# Bad usage: 2, checked before any call to the broker.
run_cli 2 admin approve "$deny_id"
grep -q -- "--reason is required" "$E2E_DIR/err" || fail "a write without --reason printed: $(cat "$E2E_DIR/err")"
run_cli 2 admin approve --reason "no id"
run_cli 2 admin approve 12x --reason "bad id"
run_cli 2 admin requests list --status bogus
run_cli 2 admin grants list --reas x
run_cli 2 admin revoke 5 --principal demo-requester --reason "both"
run_cli 2 admin requests

# Untrusted text: a reason with an escape sequence and a bidi override reaches no terminal raw.
printf '{"resource": "res-39353", "role": "read", "reason": "osc \\u001b]52;c;aGk=\\u0007 \\u202etxt.exe", "duration_seconds": 3600}' >"$E2E_DIR/hostile.json"
api POST /v1/requests requester "$(cat "$E2E_DIR/hostile.json")" >/dev/null
run_cli 0 admin requests list --status pending
grep -q "osc " "$E2E_DIR/out" || fail "the table lacks the hostile request"
if tr -d '\n' <"$E2E_DIR/out" | LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')"; then
	fail "the table holds a raw control character"
fi
grep -q '<U+202E>txt.exe' "$E2E_DIR/out" || fail "the bidi override is not shown as <U+202E>"

# Revoke one grant: 0, and again 1 (conflict).
run_cli 0 admin grants list --principal demo-requester --status active
grant=$(awk 'NR > 1 { print $1; exit }' "$E2E_DIR/out")
[ -n "$grant" ] || fail "demo-requester has no active grant after the approval"
run_cli 0 admin revoke "$grant" --reason "e2e: done"
grep -q "^revoked grant $grant$" "$E2E_DIR/out" || fail "revoke printed: $(cat "$E2E_DIR/out")"
run_cli 1 admin revoke "$grant" --reason "e2e: again"
grep -q "^gatehouse: conflict: " "$E2E_DIR/err" || fail "a second revocation printed: $(cat "$E2E_DIR/err")"

# Revoke by principal: give demo-requester three grants, then revoke them all at once.
for i in 1 2 3; do
	body="{\"resource\": \"res-39353\", \"role\": \"read\", \"reason\": \"bulk $i\", \"duration_seconds\": 3600}"
	rid=$(api POST /v1/requests requester "$body" | sed -n 's/^{"id": *\([0-9]*\).*/\1/p')
	[ -n "$rid" ] || fail "creating request $i of demo-requester failed"
	run_cli 0 admin approve "$rid" --reason "e2e: bulk $i"
	if grep -q "still pending" "$E2E_DIR/out"; then
		run_cli 0 approver approve "$rid" --reason "e2e: bulk $i"
	fi
done
run_cli 0 admin grants list --principal demo-requester --status active
count=$(table_rows)
[ "$count" -ge 3 ] || fail "demo-requester has $count active grants, expected at least 3"
run_cli 1 requester revoke --principal demo-requester --reason "e2e: not an admin"
grep -q "^gatehouse: forbidden: " "$E2E_DIR/err" || fail "a requester's bulk revoke printed: $(cat "$E2E_DIR/err")"
run_cli 0 admin revoke --principal demo-requester --reason "e2e: incident"
grep -q "^revoked $count of $count matching grants: " "$E2E_DIR/out" ||
	fail "revoke --principal printed: $(cat "$E2E_DIR/out"), expected $count grants"
run_cli 0 admin grants list --principal demo-requester --status active --json
check_json_array active
! grep -q '"id":' "$E2E_DIR/out" || fail "demo-requester still has active grants: $(head -c 300 "$E2E_DIR/out")"
run_cli 0 admin revoke --principal demo-requester --reason "e2e: nothing left" --json
grep -q '"revoked": 0' "$E2E_DIR/out" || fail "revoke --principal --json printed: $(cat "$E2E_DIR/out")"

# A broker that responds with HTTP 500, or with a redirect: unreachable, 3.
broker_url=$E2E_URL
start_fake_broker html500 127.0.0.1 --mode html500
E2E_URL=$(cat "$E2E_DIR/html500.url")
run_cli 3 admin requests list
start_fake_broker redirect 127.0.0.1 --mode redirect --redirect-to "http://127.0.0.1:9/v1/requests"
E2E_URL=$(cat "$E2E_DIR/redirect.url")
run_cli 3 admin grants list
grep -q "not followed" "$E2E_DIR/err" || fail "a redirect printed: $(cat "$E2E_DIR/err")"
E2E_URL=$broker_url

# Connection options may come before the verb, as they do for the console.
XDG_CONFIG_HOME="$E2E_DIR/config" XDG_CACHE_HOME="$E2E_DIR/cache" "$BUILD/gatehouse" \
	--url "$E2E_URL" --token-file "$E2E_DIR/admin.token" requests list --status pending --json \
	>"$E2E_DIR/out" 2>"$E2E_DIR/err" || fail "options before the verb: $(cat "$E2E_DIR/err")"
check_json_array pending
XDG_CONFIG_HOME="$E2E_DIR/config" "$BUILD/gatehouse" --url "$E2E_URL" reqests list \
	>"$E2E_DIR/out" 2>"$E2E_DIR/err" && fail "a mistyped verb exited 0"
grep -q 'unknown command "reqests"' "$E2E_DIR/err" ||
	fail "a mistyped verb is not named as an unknown command: $(cat "$E2E_DIR/err")"

# start_list_server NAME MODE: a loopback HTTP server whose /v1/requests and
# /v1/grants misbehave as MODE says; its URL is then in $E2E_DIR/NAME.url.
#   cycle       next_cursor goes a, b, a, ... and never ends
#   endless     next_cursor goes 1, 2, 3, ... and never ends
#   wrongtypes  one page of a valid item and then a number
#   controls    one valid item whose reason holds DEL and the C1 control CSI
start_list_server() {
	python3 - "$E2E_DIR/$1.port" "$2" "$E2E_DIR/item.json" <<'PY' 2>>"$E2E_DIR/$1.log" &
import http.server, json, sys, urllib.parse

port_file, mode, item_file = sys.argv[1:4]
item = json.load(open(item_file))


def page(query):
    cursor = query.get("cursor", [""])[0]
    if mode == "cycle":
        return [item], {"": "a", "a": "b", "b": "a"}[cursor]
    if mode == "endless":
        return [item], str(int(cursor or 0) + 1)
    if mode == "wrongtypes":
        return [item, 5], None
    return [dict(item, reason="del \x7f csi \x9b[2J end")], None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        items, cursor = page(urllib.parse.parse_qs(url.query))
        body = json.dumps({"items": items, "next_cursor": cursor}, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
PY
	pid=$!
	E2E_OTHER_PIDS="$E2E_OTHER_PIDS $pid"
	wait_for_file "$E2E_DIR/$1.port" "$pid"
	echo "http://127.0.0.1:$(cat "$E2E_DIR/$1.port")" >"$E2E_DIR/$1.url"
}

# Lists that break the API: 3, and a message that says how.
api GET "/v1/requests/$deny_id" admin >"$E2E_DIR/item.json"
broker_url=$E2E_URL
start_list_server cycle cycle
E2E_URL=$(cat "$E2E_DIR/cycle.url")
run_cli 3 admin requests list
grep -q "repeats an earlier page" "$E2E_DIR/err" || fail "a cursor cycle printed: $(cat "$E2E_DIR/err")"
start_list_server endless endless
E2E_URL=$(cat "$E2E_DIR/endless.url")
run_cli 3 admin requests list --json
grep -q "did not end after 10000 pages" "$E2E_DIR/err" || fail "an endless list printed: $(cat "$E2E_DIR/err")"
start_list_server wrongtypes wrongtypes
E2E_URL=$(cat "$E2E_DIR/wrongtypes.url")
run_cli 3 admin requests list
grep -q "item 2 of the list" "$E2E_DIR/err" || fail "a number as an item printed: $(cat "$E2E_DIR/err")"
[ ! -s "$E2E_DIR/out" ] || fail "a list with an invalid item printed rows: $(cat "$E2E_DIR/out")"
run_cli 3 admin grants list
grep -q "item 1 of the list" "$E2E_DIR/err" || fail "a request as a grant printed: $(cat "$E2E_DIR/err")"

# JSON output escapes DEL and C1 controls as it does C0 controls.
start_list_server controls controls
E2E_URL=$(cat "$E2E_DIR/controls.url")
run_cli 0 admin requests list --json
grep -qi 'del \\u007f csi \\u009b\[2J end' "$E2E_DIR/out" ||
	fail "DEL and CSI are not escaped: $(grep reason "$E2E_DIR/out")"
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$E2E_DIR/out"; then
	fail "the JSON output holds a raw control character"
fi
E2E_URL=$broker_url

# Arguments that end up in error messages reach stderr sanitized.
# check_no_escape: stderr holds no raw ESC.
check_no_escape() {
	if LC_ALL=C grep -q "$(printf '\033')" "$E2E_DIR/err"; then
		fail "an argument reached stderr with a raw ESC: $(cat -v "$E2E_DIR/err")"
	fi
}
run_cli 2 admin approve "$(printf '1\033]52;c;aGk=\007')" --reason "escape in the id"
check_no_escape
run_cli 2 admin requests list --status "$(printf 'x\033[2J')"
check_no_escape
grep -q 'invalid --status "x' "$E2E_DIR/err" || fail "a bad --status printed: $(cat "$E2E_DIR/err")"
run_cli 2 admin grants list "$(printf -- '--x\033[2J')"
check_no_escape
run_cli 2 admin --broker "$(printf 'b\033]52;c;aGk=\007')" requests list
check_no_escape
grep -q 'unknown broker "b' "$E2E_DIR/err" || fail "an unknown --broker printed: $(cat "$E2E_DIR/err")"
for command in "" paths; do
	run_cli 2 admin $command "-$(printf '\033')"
	check_no_escape
	grep -q "invalid option" "$E2E_DIR/err" || fail "gatehouse $command -ESC printed: $(cat -v "$E2E_DIR/err")"
done
"$BUILD/gatehouse" report "-$(printf '\033')" >"$E2E_DIR/out" 2>"$E2E_DIR/err"
[ $? = 2 ] || fail "gatehouse report -ESC did not exit 2: $(cat -v "$E2E_DIR/err")"
check_no_escape

# No broker on the port any more: unreachable, 3.
stop_broker
run_cli 3 admin requests list --status pending --json
grep -q "could not connect" "$E2E_DIR/err" || fail "an unreachable broker printed: $(cat "$E2E_DIR/err")"

pass "lists, approve, deny, revoke and bulk revoke, with exit statuses 0 to 3"
