#!/bin/sh
# Build the libFuzzer targets in tests/fuzz with clang and run each for an
# equal share of a time budget in seconds. Exits 1 when a target crashes or
# breaks a property, after printing the path of the input that did it.
#
#   sh tests/fuzz/run.sh SECONDS          fuzz (make fuzz)
#   sh tests/fuzz/run.sh --smoke SECONDS  the same, but exit 0 with a notice when
#                                         clang cannot link libFuzzer (make fuzz-smoke)
#
# tests/fuzz/fuzz_NAME.c is a target, built into build/fuzz/fuzz_NAME.
# tests/fuzz/corpus/NAME/ contains its seed inputs and tests/fuzz/regressions/NAME/
# inputs that once failed; both are replayed before fuzzing starts. New corpus
# entries, crash reproducers and logs go to FUZZ_WORK (by default a new folder
# from mktemp -d), never into the repository. Pass an earlier run's folder as
# FUZZ_WORK to continue from its corpus. A smoke run that passes deletes the
# folder it made, and so does a run that stops before fuzzing. FUZZ_CC picks
# the compiler (default clang).
set -eu

cd "$(dirname "$0")/../.."

smoke=false
if [ "${1:-}" = "--smoke" ]; then
	smoke=true
	shift
fi
total_seconds=${1:-300}
case $total_seconds in
'' | *[!0-9]*)
	echo "run.sh: SECONDS must be a whole number, got '$total_seconds'" >&2
	exit 2
	;;
esac

cc=${FUZZ_CC:-clang}
targets="sanitize input json_codec timeutil policy"
build=build/fuzz
# The Makefile's language and warning flags, with libFuzzer, ASan and UBSan added.
cflags="-std=c11 -D_GNU_SOURCE -I. -g -O1 -fno-omit-frame-pointer
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes
-Wmissing-prototypes -Wno-unused-parameter"

# Print the project sources and the pkg-config packages that target $1 needs.
target_sources() {
	case $1 in
	sanitize) echo "tui/text.c common/strbuf.c common/alloc.c" ;;
	input) echo "tui/input.c tui/draw.c tui/theme.c themes/default_theme.c tui/text.c common/strbuf.c common/alloc.c common/file_read.c" ;;
	json_codec) echo "api/json.c api/model.c common/timeutil.c common/alloc.c" ;;
	timeutil) echo "common/timeutil.c" ;;
	policy) echo "$(ls policy/*.c) api/json.c api/model.c common/timeutil.c common/strbuf.c common/alloc.c" ;;
	esac
}

target_packages() {
	case $1 in
	input) echo "ncursesw" ;;
	json_codec | policy) echo "jansson" ;;
	esac
}

# A folder this script made is deleted on exit unless it contains a corpus or reproducers worth keeping.
work_made=false
keep_work=false
if [ -n "${FUZZ_WORK:-}" ]; then
	work=$FUZZ_WORK
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-fuzz.XXXXXX")
	work_made=true
fi
remove_work() {
	if [ "$work_made" = true ] && [ "$keep_work" = false ]; then
		rm -rf "$work"
	fi
}
trap remove_work EXIT

can_link_libfuzzer() {
	command -v "$cc" >/dev/null 2>&1 || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return 0; }' \
		>"$work/probe.c"
	linked=0
	"$cc" -fsanitize=fuzzer,address,undefined -o "$work/probe" "$work/probe.c" >/dev/null 2>&1 || linked=$?
	rm -f "$work/probe" "$work/probe.c"
	return "$linked"
}

if ! can_link_libfuzzer; then
	if $smoke; then
		echo "fuzz smoke run skipped: $cc cannot link -fsanitize=fuzzer (install clang and libclang-rt-14-dev)"
		exit 0
	fi
	echo "run.sh: $cc cannot link -fsanitize=fuzzer: install clang and libclang-rt-14-dev (sh .ci/deps.sh)" >&2
	exit 1
fi

# Build target $1 unless its binary is newer than every source and header it may use.
build_target() {
	binary=$build/fuzz_$1
	if [ -e "$binary" ] &&
		[ -z "$(find tui api common themes policy tests/fuzz -newer "$binary" \( -name '*.c' -o -name '*.h' \) | head -n 1)" ]; then
		return 0
	fi
	mkdir -p "$build"
	packages=$(target_packages "$1")
	pkg_flags=""
	if [ -n "$packages" ]; then
		# shellcheck disable=SC2086
		pkg_flags=$(pkg-config --cflags --libs $packages)
	fi
	echo "  CC      $binary"
	# tui/theme.c needs GATEHOUSE_DATADIR defined, but no target reads theme files.
	# shellcheck disable=SC2046,SC2086
	"$cc" $cflags -DGATEHOUSE_DATADIR='"/usr/local/share/gatehouse"' -o "$binary" \
		"tests/fuzz/fuzz_$1.c" tests/fuzz/fuzz_support.c $(target_sources "$1") $pkg_flags
}

for name in $targets; do
	build_target "$name"
done

count=$(echo "$targets" | wc -w)
seconds=$((total_seconds / count))
[ "$seconds" -ge 1 ] || seconds=1
echo "fuzzing $count targets for $seconds s each; corpus and logs in $work"
$smoke || keep_work=true

# Run target $1 for $seconds; the first corpus folder is the one libFuzzer writes to.
run_target() {
	mkdir -p "$work/corpus/$1" "$work/artifacts"
	set -- "$1" "$work/corpus/$1" "tests/fuzz/corpus/$1"
	if [ -d "tests/fuzz/regressions/$1" ]; then
		set -- "$@" "tests/fuzz/regressions/$1"
	fi
	name=$1
	shift
	"$build/fuzz_$name" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/$name-" "$@" >"$work/$name.log" 2>&1
}

# Print the line of libFuzzer's log with the final coverage and speed.
summarize() {
	grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$1.log" | tail -n 1 || true
}

# Print " (tests/fuzz/...)" when the input $2 that broke target $1 is a saved seed or regression.
find_saved_copy() {
	for saved in "tests/fuzz/corpus/$1/"* "tests/fuzz/regressions/$1/"*; do
		if [ -f "$saved" ] && cmp -s "$saved" "$2"; then
			printf ' (%s)' "$saved"
			return
		fi
	done
}

failed=""
for name in $targets; do
	if run_target "$name"; then
		echo "== $name: $(summarize "$name")"
	else
		failed="$failed $name"
		keep_work=true
		echo "== $name: FAILED; the end of $work/$name.log:"
		grep -v -E '^(#[0-9]+|INFO:|MS:|base unit:|0x)' "$work/$name.log" | tail -n 40
		for reproducer in "$work/artifacts/$name-"*; do
			[ -e "$reproducer" ] || continue
			echo "reproducer: $reproducer$(find_saved_copy "$name" "$reproducer")"
			echo "  replay it: $build/fuzz_$name $reproducer"
		done
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz targets failed:$failed (corpus, logs and reproducers in $work)" >&2
	exit 1
fi
if $smoke; then
	echo "all fuzz targets passed"
else
	echo "all fuzz targets passed; new corpus entries are in $work/corpus"
fi
