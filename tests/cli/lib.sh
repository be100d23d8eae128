# lib.sh: TAP helpers for the CLI tests; each test drives the built hvclock binary.
# Needs: HVCLOCK (binary), HVC_DEMO_FLEET (absolute path), HVCLOCK_PROFILES_DIR.
set -u

n=0
failures=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FLEET="test://$HVC_DEMO_FLEET"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /'; }

# run ARGS...: run hvclock, stdout in $TMP/out, stderr in $TMP/err, exit code in $rc
run() {
	rc=0
	"$HVCLOCK" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}

# check NAME CONDITION...: one TAP line; on failure show the last command's output
check() {
	name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name"
		{ echo "rc=$rc"; echo "stdout:"; head -40 "$TMP/out"; echo "stderr:"; cat "$TMP/err"; } | diag
	fi
}

rc_is() { [ "$rc" -eq "$1" ]; }
err_lines() { [ "$(wc -l <"$TMP/err")" -eq "$1" ]; }
err_has() { grep -qF -- "$1" "$TMP/err"; }
out_has() { grep -qF -- "$1" "$TMP/out"; }
out_lacks() { ! grep -qF -- "$1" "$TMP/out"; }
# json_check PYTHON-EXPR-LINES: python code with `d` = parsed stdout; must not raise
json_check() {
	python3 -c "
import json, sys
d = json.load(open('$TMP/out'))
g = {x['name']: x for x in d['guests']}
$1
" 2>>"$TMP/err"
}

finish() {
	echo "1..$n"
	[ "$failures" -eq 0 ]
}
