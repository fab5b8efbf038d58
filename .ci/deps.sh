#!/bin/sh
# Install the Debian packages that building, testing and running Gatehouse need.
#   sh .ci/deps.sh               install whatever is missing (needs root)
#   sh .ci/deps.sh --if-missing  the same, but only say what is missing when not root
set -eu

packages="gcc make pkg-config libc6-dev
libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libsqlite3-dev libgnutls28-dev
libncurses-dev libedit-dev check libsubunit-dev
clang libclang-rt-14-dev
tmux curl jq openssl ca-certificates ncurses-term"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "missing Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install$missing" >&2
	[ "${1:-}" = "--if-missing" ] && exit 0
	exit 1
fi

echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when an install from the current ones fails.
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing ||
	{ apt-get update -q && apt-get install -y -q --no-install-recommends $missing; }
