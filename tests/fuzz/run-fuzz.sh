#!/bin/sh
# run-fuzz.sh TARGET CORPUS: one TAP line for the seed corpus replayed (every file once, the
# regression inputs among them), one for HVC_FUZZ_RUNS (default 10000) generated inputs from a
# fixed seed. Sanitizer and libFuzzer reports (crash, leak, timeout, out of memory) fail the line.
set -u
. "$(dirname "$0")/../lib/tap.sh"
target=$1
corpus=$2
runs=${HVC_FUZZ_RUNS:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# libFuzzer prints its own reports; the target's sanitizers too (to stderr, not log_path).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=66"
# libxlutil's own leak on a syntax error inside a list (see lsan.supp); nothing of hvclock's.
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp:print_suppressions=0"

if "$target" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/" "$corpus"/* >"$work/replay.log" 2>&1; then
	ok "$(basename "$target"): the seed corpus ($(ls "$corpus" | wc -l) inputs)"
else
	not_ok "$(basename "$target"): the seed corpus"
	tail -n 60 "$work/replay.log" | diag
fi
mkdir "$work/corpus"
if "$target" -seed=1 -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/" \
	"$work/corpus" "$corpus" >"$work/fuzz.log" 2>&1; then
	ok "$(basename "$target"): $runs generated inputs"
else
	not_ok "$(basename "$target"): $runs generated inputs"
	tail -n 60 "$work/fuzz.log" | diag
	ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null | diag
fi
tap_done
