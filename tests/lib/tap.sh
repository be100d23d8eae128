# shellcheck shell=sh
# tap.sh (POSIX sh): the one TAP library of the shell tests (git's t/test-lib.sh is the model). Source it first:
#   . "$top/tests/lib/tap.sh"
# ok NAME / not_ok NAME: one TAP line each (the counter is $n, the failures $failures)
# check NAME COMMAND...: ok when COMMAND succeeds; else not ok, then check_failed_hook if the test
#   defines one (its diagnostics)
# diag: stdin as TAP comments         skip_all REASON: "1..0 # SKIP REASON", exit 0 (meson: SKIP)
# bail REASON: "Bail out!", exit 1    tap_done: the plan line "1..N", exit status 0 only if all passed
# run_hvclock ARGS...: runs $HVCLOCK; an exit 66 or a sanitizer report on its stderr is recorded
#
# Sanitizers: a report fails the test. ASan and LSan write theirs to files under $HVC_SAN_DIR
# (log_path), for every sanitized process the test starts, however it is started (background,
# timeout, killed); UBSan (halt_on_error) ends the process with exit 66 (the GCC 12 runtime ignores
# UBSan's log_path beside ASan, so run_hvclock also looks at the exit code and the stderr file).
# tap_done (and san_check) turn any of them into a failure.
#
# JSON: every document run_hvclock prints with --json into a regular file (not mixed with
# stderr) is validated against docs/hvclock.schema.json by tests/lib/jsonschema-check.py
# (python3-jsonschema); tap_done adds one TAP line for all of them ($HVC_JSON_SCHEMA and
# $HVC_JSON_CHECK, set by tests/meson.build, say where they are).

n=0
failures=0

HVC_SAN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hvc-san.XXXXXX") || {
	echo "Bail out! mktemp for the sanitizer logs"
	exit 1
}
export HVC_SAN_DIR
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=66:log_path=$HVC_SAN_DIR/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=66"
HVC_SAN_PATTERN='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:'
HVC_JSON_LOG=$(mktemp -d "${TMPDIR:-/tmp}/hvc-json.XXXXXX") || {
	echo "Bail out! mktemp for the JSON schema log"
	exit 1
}

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failures=$((failures + 1))
	echo "not ok $n - $1"
}
diag() { sed 's/^/# /'; }

check() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name"
		if command -v check_failed_hook >/dev/null; then check_failed_hook; fi
	fi
	return 0
}

# run_hvclock ARGS...: the binary under test, in the foreground (for a process the test kills, run
# "$HVCLOCK" itself: ASan/LSan still log to $HVC_SAN_DIR)
run_hvclock() {
	local rc=0 err
	"$HVCLOCK" "$@" || rc=$?
	# where this call's stderr went (readlink inherits it: no redirection of its own here)
	err=$(readlink -f /proc/self/fd/2) || err=
	if [ "$rc" -eq 66 ]; then
		echo "exit 66 (a sanitizer's exit code): hvclock $*" >>"$HVC_SAN_DIR/exit66"
	elif [ -n "$err" ] && [ -f "$err" ] && grep -Eq "$HVC_SAN_PATTERN" "$err" 2>/dev/null; then
		echo "a sanitizer report on stderr ($err): hvclock $*" >>"$HVC_SAN_DIR/exit66"
	fi
	case " $* " in
	*" -h "* | *" --help "* | *" --version "* | *" help "*) ;; # help text, no document
	*" --json "*)
		case $rc in 0 | 1 | 4) json_schema_validate "$err" "$@" ;; esac
		;;
	esac
	return $rc
}

# json_schema_validate STDERR-FILE ARGS...: validate what this shell's stdout holds (a regular
# file, not also stderr) against the schema; the result goes to $HVC_JSON_LOG for tap_done
json_schema_validate() {
	local out err=$1 check=${HVC_JSON_CHECK:-} schema=${HVC_JSON_SCHEMA:-} res
	shift
	# fd 3: this function's stdout (inside $(...), fd 1 is the substitution's pipe)
	{ out=$(readlink -f /proc/self/fd/3); } 3>&1 || return 0
	[ -f "$out" ] && [ -s "$out" ] && [ "$out" != "$err" ] || return 0
	[ -n "$check" ] && [ -n "$schema" ] || return 0
	res=$(mktemp "$HVC_JSON_LOG/doc.XXXXXX") || return 0
	if ! /usr/bin/python3 "$check" "$schema" "$out" >"$res" 2>&1; then
		{ echo "hvclock $*:"; cat "$res"; } >"$res.bad"
	fi
}

# san_check: 0 when no process of this test reported to a sanitizer; else show the reports, return 1
san_check() {
	local f
	[ -d "$HVC_SAN_DIR" ] || return 0
	[ -z "$(ls -A "$HVC_SAN_DIR")" ] && return 0
	for f in "$HVC_SAN_DIR"/*; do
		echo "$f:"
		head -n 60 "$f"
	done | diag
	return 1
}
san_cleanup() { rm -rf "$HVC_SAN_DIR"; }

skip_all() {
	echo "1..0 # SKIP $*"
	san_cleanup
	rm -rf "$HVC_JSON_LOG"
	exit 0
}
bail() {
	san_check || :
	echo "Bail out! $*"
	san_cleanup
	rm -rf "$HVC_JSON_LOG"
	exit 1
}
# json_schema_done: one TAP line for every JSON document json_schema_validate looked at
json_schema_done() {
	local docs bad
	docs=$(find "$HVC_JSON_LOG" -name 'doc.*' ! -name '*.bad' | wc -l)
	bad=$(find "$HVC_JSON_LOG" -name '*.bad' | wc -l)
	if [ "$bad" -gt 0 ]; then
		not_ok "JSON: $bad of $docs documents hvclock printed are not valid against docs/hvclock.schema.json"
		find "$HVC_JSON_LOG" -name '*.bad' -exec head -n 20 {} + | diag
	elif [ "$docs" -gt 0 ]; then
		ok "JSON: all $docs documents hvclock printed are valid against docs/hvclock.schema.json"
	fi
	rm -rf "$HVC_JSON_LOG"
}

tap_done() {
	san_check || not_ok "no sanitizer report from any process this test started"
	san_cleanup
	json_schema_done
	echo "1..$n"
	[ "$failures" -eq 0 ]
}
