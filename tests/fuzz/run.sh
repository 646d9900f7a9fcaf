#!/bin/sh
# Fuzzes one target with libFuzzer for a while: mail (tests/fuzz/fuzz_mail.c: mail_parse,
# reply_*, mail_token_*; seeds tests/fuzz/corpus/) or itip (tests/fuzz/fuzz_itip.c:
# itip_parse; seeds tests/fuzz/corpus_itip/), starting from a copy of its seeds. Builds
# nothing: `make fuzz` builds BUILD_DIR/tests/fuzz_TARGET (clang, ASan + UBSan).
# usage: tests/fuzz/run.sh [BUILD_DIR [SECONDS [TARGET]]]   (defaults: build-fuzz 30 mail)
# Ends with one line "fuzz TARGET parsing: N passed, M failed": 1 passed when the time ran
# out without a finding; 0 passed, 1 failed after a crash, leak, UB report, timeout or
# out-of-memory, with the sanitizer's report and the input's path above it (the input
# is kept in BUILD_DIR/fuzz-artifacts/). Without clang's libFuzzer (and no binary) it
# skips: "0 passed, 0 failed (skipped: no libFuzzer)", status 0.
set -u
build=${1:-build-fuzz}
seconds=${2:-30}
here=$(dirname "$0")
target=${3:-mail}
bin=$build/tests/fuzz_$target
name="fuzz $target parsing"
seeds=$here/corpus_$target
[ "$target" = mail ] && seeds=$here/corpus

case $seconds in
'' | *[!0-9]*)
	echo "usage: $0 [BUILD_DIR [SECONDS [TARGET]]]" >&2
	exit 2
	;;
esac
case $target in
'' | *[!a-z0-9_]*)
	echo "usage: $0 [BUILD_DIR [SECONDS [TARGET]]]" >&2
	exit 2
	;;
esac

# Whether clang's libFuzzer runtime is installed (old and new runtime layouts).
have_libfuzzer() {
	cc=${FUZZ_CC:-clang}
	command -v "$cc" >/dev/null 2>&1 || return 1
	dir=$("$cc" -print-resource-dir 2>/dev/null) || return 1
	for f in "$dir/lib/linux/libclang_rt.fuzzer-$(uname -m).a" "$dir"/lib/*/libclang_rt.fuzzer.a; do
		[ -f "$f" ] && return 0
	done
	return 1
}

if [ ! -x "$bin" ]; then
	if ! have_libfuzzer; then
		echo "$name: 0 passed, 0 failed (skipped: no libFuzzer)"
		exit 0
	fi
	echo "$bin is not built (make fuzz)"
	echo "$name: 0 passed, 1 failed"
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$build/fuzz-artifacts"
cp "$seeds"/* "$work/corpus/"
log=$work/log

# UBSan reports are fatal (the objects are built with recoverable checks); the
# caller's own options come last and win.
ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS UBSAN_OPTIONS

# libFuzzer stops itself after SECONDS; the outer timeout only guards against a hang it
# cannot see (it does not count the initial corpus read).
guard=
command -v timeout >/dev/null 2>&1 && guard="timeout -s KILL $((seconds + 300))"
$guard "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/" "$work/corpus" >"$log" 2>&1
rc=$?

crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
if [ $rc -eq 0 ] && [ -z "$crash" ]; then
	# "#123 DONE   cov: 1234 ft: 5678 corp: 300/40Kb lim: 4096 exec/s: 4115 rss: 400Mb"
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	statv() { sed -n "s/^stat::$1:[[:space:]]*//p" "$log" | tail -n 1; }
	field() { echo "$done_line" | sed -n "s/.* $1: \([^ ]*\).*/\1/p"; }
	echo "# fuzz_$target: $(statv number_of_executed_units) runs in $seconds s," \
		"$(statv average_exec_per_sec) exec/s, cov: $(field cov), ft: $(field ft)," \
		"corpus: $(field corp), peak rss: $(statv peak_rss_mb) MB"
	echo "$name: 1 passed, 0 failed"
	exit 0
fi

# The report: from the first sanitizer or libFuzzer error on (the whole tail if none).
start=$(grep -n -m 1 -E '^==[0-9]+==(ERROR|WARNING)|runtime error:|^==[0-9]+== ERROR: libFuzzer|ERROR: libFuzzer|^ALARM:|fuzz_[a-z0-9_]*: contract broken' "$log" | cut -d: -f1)
if [ -n "$start" ]; then
	tail -n "+$start" "$log"
else
	tail -n 60 "$log"
fi
if [ -n "$crash" ]; then
	echo "# crashing input: $crash (reproduce: UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $bin $crash)"
else
	echo "# $bin exited with status $rc and wrote no input"
fi
echo "$name: 0 passed, 1 failed"
exit 1
