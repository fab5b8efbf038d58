#!/bin/sh
# Run every end-to-end test script in tests/e2e (test_*.sh) with BUILD set to
# the folder holding the binaries; report each failure and exit 1 if any failed.
set -u
here=$(dirname "$0")
failed=""
count=0
for test in "$here"/test_*.sh; do
	[ -e "$test" ] || continue
	count=$((count + 1))
	echo "== $(basename "$test")"
	if ! sh "$test"; then
		failed="$failed $(basename "$test")"
	fi
done
if [ -n "$failed" ]; then
	echo "end-to-end tests failed:$failed" >&2
	exit 1
fi
echo "all $count end-to-end tests passed"
