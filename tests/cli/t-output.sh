#!/bin/sh
# t-output.sh: a report that cannot be written (a full disk, a closed pipe) is an error: exit 6
# and one line on stderr naming where stdout went and why; never silence, never a SIGPIPE death.
. "$(dirname "$0")/lib.sh"

# one_line WHERE CAUSE: stderr has exactly one "cannot write" line, naming both
one_line() {
	[ "$(grep -c "^hvclock: cannot write the report to stdout" "$TMP/err")" -eq 1 ] &&
		grep -q "^hvclock: cannot write the report to stdout ($1): $2\$" "$TMP/err"
}

for args in "plan --json" "plan" "list --json" "rollout --all-guests --json"; do
	rc=0
	# shellcheck disable=SC2086
	run_hvclock -c "$FLEET" $args >/dev/full 2>"$TMP/err" || rc=$?
	check "$args > /dev/full: exit 6" rc_is 6
	check "$args > /dev/full: one line naming /dev/full and the cause" one_line /dev/full "No space left on device"
done

# A pipe whose reader is gone before hvclock starts: no race with a reader that exits later.
# Python's subprocess gives the child SIGPIPE's default action, so hvclock must ignore it itself.
closed_pipe() {
	python3 - "$HVCLOCK" "$@" 2>"$TMP/err" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w)
sys.exit(128 - p.returncode if p.returncode < 0 else p.returncode)
PY
}
for args in "plan --json" "plan -q" "list"; do
	rc=0
	# shellcheck disable=SC2086
	closed_pipe -c "$FLEET" $args || rc=$?
	check "$args | closed pipe: exit 6 (not killed by SIGPIPE)" rc_is 6
	check "$args | closed pipe: one line naming the pipe and the cause" one_line "pipe:\[[0-9]*\]" "Broken pipe"
done

run -c "$FLEET" plan --json
no_write_error() { ! grep -q "cannot write" "$TMP/err"; }
check "plan --json to a file: exit 4" rc_is 4
check "plan --json to a file: no write error" no_write_error

finish
