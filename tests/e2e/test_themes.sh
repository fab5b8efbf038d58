#!/bin/sh
# Each shipped theme renders the Pending pane on 8 colours (TERM=xterm) and on
# 256; NO_COLOR=1 leaves no colour on the screen; and "--broker prod" takes
# that config section's URL, token file and theme, warning about a token file
# that others can read.
. "$(dirname "$0")/lib.sh"

# colour_codes [capture-pane options]: print the SGR parameters of colour (30-38,
# 40-48, 90-97, 100-107) in the screen's escape sequences, one per line; 39 and
# 49, which reset to the default colours, are left out.
colour_codes() {
	tmux -L "$E2E_SOCKET" capture-pane -e -p -t "$E2E_SESSION" "$@" |
		grep -ao "$(printf '\033')\\[[0-9;:]*m" | tr -d 'm' | cut -c3- | tr ';:' '\n\n' |
		grep -E '^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$' || true
}

# The colours of the title bar's line, to compare two consoles' themes.
title_style() {
	colour_codes -S 0 -E 0 | sort -u | tr '\n' ' '
}

quit_console() {
	keys q
	wait_for "console exited with status 0"
	check_sanitizers
	tmux -L "$E2E_SOCKET" kill-server
}

# start_console_with ARGS...: a console on the test's config folder with only the
# given options, as start_console runs it but without --url and --token-file.
start_console_with() {
	E2E_CONSOLES=$((E2E_CONSOLES + 1))
	E2E_SOCKET="gatehouse-e2e-$$-$E2E_CONSOLES"
	E2E_SOCKETS="$E2E_SOCKETS $E2E_SOCKET"
	printf 'set -g status off\nset -g default-terminal "tmux-256color"\nset -g escape-time 0\n' \
		>"$E2E_DIR/tmux.conf"
	printf '#!/bin/sh\ncd "%s"\nexec env XDG_CACHE_HOME="%s/cache" XDG_CONFIG_HOME="%s/config" LANG=C.UTF-8 "%s/gatehouse" %s 2>"%s/console.err"\n' \
		"$E2E_DIR" "$E2E_DIR" "$E2E_DIR" "$BUILD" "$*" "$E2E_DIR" >"$E2E_DIR/console.sh"
	tmux -L "$E2E_SOCKET" -f "$E2E_DIR/tmux.conf" new-session -d -s "$E2E_SESSION" \
		-x 100 -y 24 "sh $E2E_DIR/console.sh; echo \"console exited with status \$?\"; sleep 600"
}

start_small_broker
create_request requester res-one >/dev/null

for theme in default light high-contrast mono; do
	for term in xterm xterm-256color; do
		infocmp "$term" >/dev/null 2>&1 || fail "no terminfo entry for $term: install ncurses-term"
		E2E_TERM=$term
		E2E_ENV="LANG=C.UTF-8"
		start_console 100 24 admin --theme "$theme"
		wait_for "Pending (1" 20
		wait_for "res-one"
		codes=$(colour_codes)
		if [ "$theme" = mono ]; then
			[ -z "$codes" ] || fail "the mono theme drew colours on $term: $(echo "$codes" | sort -u | tr '\n' ' ')"
		else
			[ -n "$codes" ] || fail "the $theme theme drew no colour on $term"
		fi
		quit_console
		echo "  ok $theme on $term"
	done
done

for theme in default high-contrast; do
	E2E_TERM=xterm-256color
	E2E_ENV="LANG=C.UTF-8 NO_COLOR=1"
	start_console 100 24 admin --theme "$theme"
	wait_for "res-one" 20
	codes=$(colour_codes)
	[ -z "$codes" ] || fail "NO_COLOR=1 with the $theme theme still drew colour codes: $(echo "$codes" | sort -u | tr '\n' ' ')"
	quit_console
	echo "  ok NO_COLOR=1 with $theme"
done

# The title bar of a console started with --theme high-contrast, to compare with --broker prod.
E2E_TERM=xterm-256color
E2E_ENV="LANG=C.UTF-8"
start_console 100 24 admin --theme high-contrast
wait_for "res-one" 20
# The right end of the title bar changes style as the connection comes up.
wait_for "online"
expected_title=$(title_style)
quit_console

cp "$E2E_DIR/admin.token" "$E2E_DIR/prod.token"
chmod 644 "$E2E_DIR/prod.token"
mkdir -p "$E2E_DIR/config/gatehouse"
cat >"$E2E_DIR/config/gatehouse/config" <<CONFIG
theme = mono
broker = staging            # not the one this test starts
[broker staging]
url = http://127.0.0.1:9
token-file = $E2E_DIR/requester.token
[broker prod]
url = $E2E_URL
token-file = $E2E_DIR/prod.token
theme = high-contrast
CONFIG
start_console_with --broker prod
wait_for "$E2E_URL" 20
wait_for "res-one"
wait_for "chmod 600"
wait_for "online"
actual_title=$(title_style)
[ "$actual_title" = "$expected_title" ] ||
	fail "--broker prod drew the title in colours $actual_title, not in the section's high-contrast theme ($expected_title)"
quit_console
grep -q "readable by other users.*chmod 600 $E2E_DIR/prod.token" "$E2E_DIR/console.err" ||
	fail "no token file warning on stderr: $(cat "$E2E_DIR/console.err")"
echo "  ok --broker prod"
pass "four themes on 8 and 256 colours, NO_COLOR, and a named broker's URL and theme"
