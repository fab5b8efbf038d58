#!/bin/sh
# Run each Check program given as an argument; report every failing one, exit 1 if any failed.
failed=""
for test in "$@"; do
	echo "== $(basename "$test")"
	if ! "$test"; then
		failed="$failed $(basename "$test")"
	fi
done
if [ -n "$failed" ]; then
	echo "unit tests failed:$failed" >&2
	exit 1
fi
echo "all unit tests passed"
