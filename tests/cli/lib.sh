# lib.sh: helpers for the CLI tests; each test drives the built hvclock binary (TAP: tests/lib/tap.sh).
# Needs: HVCLOCK (binary), HVC_DEMO_FLEET (absolute path), HVCLOCK_PROFILES_DIR.
set -u
. "$(dirname "$0")/../lib/tap.sh"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FLEET="test://$HVC_DEMO_FLEET"

# run ARGS...: run hvclock, stdout in $TMP/out, stderr in $TMP/err, exit code in $rc
run() {
	rc=0
	run_hvclock "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}

# check's diagnostics: the last command's output
check_failed_hook() {
	{ echo "rc=$rc"; echo "stdout:"; head -40 "$TMP/out"; echo "stderr:"; cat "$TMP/err"; } | diag
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

finish() { tap_done; }
