#!/bin/sh
# The policy pane against a real demo broker. Key 4 shows the published policy.
# An edit with a syntax error shows its LINE:COL and cannot be published. The
# fixed edit simulates (the outcome matrix) and publishes through the outbox,
# after which the broker serves the next version. A publish over a version
# that someone else replaced meanwhile is rejected: the pane saves the draft to
# a file and shows the other author's version, and the outbox refuses to retry
# it. An approver's publish is refused before anything is queued.
. "$(dirname "$0")/lib.sh"

start_broker
version=$(api GET /v1/policy admin | jq -r .version)
[ "$version" -ge 1 ] 2>/dev/null || fail "the demo broker serves no policy (version \"$version\")"
first_version=$version

# A fake editor: "break" puts a rule with a syntax error first, "fix" removes
# it and adds a valid rule at the end, and "more" adds another.
cat >"$E2E_DIR/editor.sh" <<'EDITOR'
#!/bin/sh
mode=$(cat "$(dirname "$0")/edit-mode")
if [ "$mode" = break ]; then
	sed -i '1i rule "broken" { when resource.id == }' "$1"
elif [ "$mode" = more ]; then
	printf '\nrule "e2e writes" {\n  when request.role == "write"\n  allow\n}\n' >>"$1"
else
	sed -i '/^rule "broken"/d' "$1"
	printf '\nrule "e2e reads" {\n  when request.role == "read"\n  allow\n}\n' >>"$1"
fi
EDITOR
chmod 700 "$E2E_DIR/editor.sh"

E2E_ENV="VISUAL=$E2E_DIR/editor.sh"
start_console 120 40
wait_for "Pending ("
keys 4
wait_for "Policy v$version"
first_rule=$(api GET /v1/policy admin | jq -r .source | grep -m 1 '^rule ')
wait_for "default require 1 approval from"
wait_for "$first_rule"

echo break >"$E2E_DIR/edit-mode"
keys e
wait_for "Policy v$version (edited)"
wait_for "1:37"
keys w
wait_for "cannot publish: the draft has 1 error"
[ "$(api GET /v1/policy admin | jq -r .version)" = "$version" ] ||
	fail "the broker's policy changed although the draft did not lint"

echo fix >"$E2E_DIR/edit-mode"
keys e
wait_for "edited: no errors"
keys G
wait_for "rule \"e2e reads\" {"
keys g
keys s
wait_for "current -> proposed"
wait_for "Changed requests (Enter opens one)"
wait_for "risk:"
keys Escape
wait_for "Policy v$version (edited)"

# On a narrow terminal the question wraps and keeps its "(y/n)".
resize 60 24
keys w
wait_for "Publish the draft over version $version?"
wait_for "(y/n)"
resize 120 40
keys y
wait_for "published: the broker's policy is now version $((version + 1))" 20
published=$(api GET /v1/policy admin | jq -r .version)
[ "$published" = $((version + 1)) ] || fail "the broker serves policy version $published after the publish"
api GET /v1/policy admin | jq -r .source | grep -qF 'rule "e2e reads" {' ||
	fail "the published policy is not the edited one"
wait_for "Policy v$((version + 1))"

# The publish is in the outbox; Enter on it points at this pane, not at a detail view.
keys o
wait_for "Outbox, newest first"
keys Enter
wait_for "acts on the policy, which the policy pane (4) shows"
keys Escape
wait_for "Policy v$((version + 1))"

# Someone else publishes while the next draft is open: its publish is stale.
echo more >"$E2E_DIR/edit-mode"
keys e
wait_for "edited: no errors"
version=$((version + 1))
api GET /v1/policy admin |
	jq '{source: (.source + "\nrule \"other author\" {\n  when request.role == \"admin\"\n  deny \"no\"\n}\n")}' \
	>"$E2E_DIR/other.json"
curl -s --noproxy '*' -o /dev/null -X PUT -H "@$E2E_DIR/admin.header" -H "If-Match: \"$version\"" \
	-H 'Content-Type: application/json' --data "@$E2E_DIR/other.json" "$E2E_URL/v1/policy"
[ "$(api GET /v1/policy admin | jq -r .version)" = $((version + 1)) ] ||
	fail "the publish from outside the console did not go through"

# A refresh brings the new version, and the header says the draft's base is stale.
keys C-r
wait_for "published version $((version + 1)) is newer than your draft's base $version" 20
keys w
wait_for "Publish the draft over version $version?"
keys y
wait_for "Load the published policy, saving your draft to a file?" 20
wait_for "rejected the policy (based on version $version)"
keys y
wait_for "your draft is saved in $E2E_DIR/cache/gatehouse/policy-draft-v$version-" 20
keys m
wait_for "published version $((version + 1)) and re-apply your change"
keys Escape
wait_for "Policy v$((version + 1))"
screen_text | grep -q "Policy v$((version + 1)) (edited)" &&
	fail "the pane still shows a draft after loading the published policy"
keys G
wait_for "rule \"other author\" {"
saved=$(ls "$E2E_DIR"/cache/gatehouse/policy-draft-v"$version"-*.policy)
[ "$(echo "$saved" | wc -l)" = 1 ] || fail "expected one saved draft, found: $saved"
[ "$(stat -c %a "$saved")" = 600 ] || fail "the saved draft has mode $(stat -c %a "$saved")"
grep -qF 'rule "e2e writes" {' "$saved" || fail "the saved draft lacks the user's change"
grep -qF 'rule "other author"' "$saved" && fail "the saved draft was re-based on the new version"
[ "$(api GET /v1/policy admin | jq -r .version)" = $((version + 1)) ] ||
	fail "the broker's policy changed after the stale publish"

# Retrying the stale publish from the outbox is refused: it would undo the other change.
keys o
wait_for "Outbox, newest first"
keys r
wait_for "the published policy is now version $((version + 1)), and yours was based on version $version" 20
keys Escape
[ "$(api GET /v1/policy admin | jq -r .version)" = $((version + 1)) ] ||
	fail "the outbox retry published over the other change"

keys q
wait_for "console exited with status 0"
check_sanitizers

# An approver may edit the policy, but w shows at once that publishing needs an admin.
start_console 120 40 approver
wait_for "Pending ("
keys 4
wait_for "Policy v$((version + 1))"
keys e
wait_for "edited: no errors"
keys w
wait_for "publishing needs the admin role; you are demo-approver"
screen_text | grep -q "Publish the draft over" && fail "the approver was asked to publish"
keys q
wait_for "console exited with status 0"
check_sanitizers
[ "$(api GET /v1/policy admin | jq -r .version)" = $((version + 1)) ] ||
	fail "the approver's publish reached the broker"

# With the broker gone, gatehouse simulate takes the policy this console cached.
api GET /v1/policy admin | jq -r .source >"$E2E_DIR/draft.policy"
stop_broker
XDG_CACHE_HOME="$E2E_DIR/cache" "$BUILD/gatehouse" simulate --proposed "$E2E_DIR/draft.policy" \
	--history "$(dirname "$0")/../../data/amazon_train.csv" --url "$E2E_URL" \
	--token-file "$E2E_DIR/admin.token" >"$E2E_DIR/simulate.out" 2>"$E2E_DIR/simulate.err" ||
	fail "simulate with the broker gone failed: $(cat "$E2E_DIR/simulate.err")"
grep -q "using its policy version $((version + 1)) as the console cached it" "$E2E_DIR/simulate.err" ||
	fail "simulate did not say it used the cached policy: $(cat "$E2E_DIR/simulate.err")"
pass "policy v$first_version edited, refused while broken, simulated, published as v$published; a stale draft saved aside; an approver refused"
