#!/bin/sh
# Hostile text from the broker: every string of tests/fixtures/hostile-strings.json
# as a request's reason (and role, where it fits). The console must never write
# the escape sequences, C1 controls or bidi overrides raw to the terminal, must
# show visible placeholders, and must keep the columns aligned.
. "$(dirname "$0")/lib.sh"

fixtures="$(dirname "$0")/../fixtures/hostile-strings.json"
start_broker
count=$(jq length "$fixtures")
i=0
while [ "$i" -lt "$count" ]; do
	name=$(jq -r ".[$i].name" "$fixtures")
	length=$(jq ".[$i].text | length" "$fixtures")
	if [ "$name" != nul ] && [ "$length" -gt 0 ]; then
		body=$(jq -c ".[$i] | {resource: \"res-39353\", role: (if (.text | length) <= 64 then .text else \"read\" end),
			reason: .text[0:1000], duration_seconds: 3600}" "$fixtures")
		answer=$(api POST /v1/requests requester "$body")
		printf '%s' "$answer" | jq -e .id >/dev/null || fail "creating the $name request failed: $answer"
	fi
	i=$((i + 1))
done

export E2E_ENV="LANG=C.UTF-8"
start_console 160 40
tmux -L "$E2E_SOCKET" pipe-pane -o -t "$E2E_SESSION" "cat >> $E2E_DIR/output.raw"
wait_for "Pending ("
keys 1
filter_to "demo-requester"
wait_for "Pending ("
sleep 1
screen_text >"$E2E_DIR/screen.txt"

# Nothing hostile reaches the terminal raw.
raw="$E2E_DIR/output.raw"
for pattern in '\]52;' '\]8;;' '\[2Jgone' '31mred'; do
	if grep -a -q "$(printf '\033')$pattern" "$raw"; then
		fail "the terminal received the raw escape sequence ESC$pattern"
	fi
done
for bytes in '\302\233' '\342\200\256' '\342\200\213' '\007'; do
	if grep -a -q "$(printf "$bytes")" "$raw"; then
		fail "the terminal received the raw bytes $bytes"
	fi
done

# Placeholders show instead.
grep -q "<U+202E>" "$E2E_DIR/screen.txt" || fail "no <U+202E> placeholder on screen"
grep -q "<U+009B>" "$E2E_DIR/screen.txt" || fail "no <U+009B> placeholder on screen"
grep -q "␛" "$E2E_DIR/screen.txt" || fail "no ESC placeholder on screen"

# Columns stay aligned: in every hostile row the APPR cell ("0/1") ends in the
# same display column as its header, whatever the wide, combining or
# zero-width characters in the ROLE column before it.
export LC_ALL=C.UTF-8
header=$(grep -m1 "REQUESTER" "$E2E_DIR/screen.txt")
want=$(printf '%s' "${header%%APPR*}APPR" | wc -L)
grep -E "^[ *]+[0-9]+ .*demo-requester" "$E2E_DIR/screen.txt" >"$E2E_DIR/rows.txt" || fail "no hostile rows on screen"
rows=0
while IFS= read -r line; do
	got=$(printf '%s' "${line%%0/1*}0/1" | wc -L)
	[ "$got" = "$want" ] || fail "a row is misaligned (APPR ends at column $got, not $want): $line"
	rows=$((rows + 1))
done <"$E2E_DIR/rows.txt"
[ "$rows" -ge 10 ] || fail "only $rows hostile rows were on screen"
keys q
wait_for "console exited with status 0"
check_sanitizers
pass "hostile strings shown as placeholders, nothing raw, columns aligned"
