#!/bin/sh
# t-ansible.sh: docs/examples/ansible-hvclock.yml run by ansible-playbook (connection local) on the
# demo fleet: its changed_when/failed_when follow the exit codes. SKIP without ansible-core.
. "$(dirname "$0")/lib.sh"

command -v ansible-playbook >/dev/null ||
	skip_all "ansible-playbook not found (ansible-core is not installed; apt-get install ansible-core)"
play=$(cd "$(dirname "$0")/../.." && pwd)/docs/examples/ansible-hvclock.yml
export ANSIBLE_LOCAL_TEMP="$TMP/ansible" ANSIBLE_HOME="$TMP/ansible" ANSIBLE_NOCOLOR=1
export HOME="$TMP" ANSIBLE_RETRY_FILES_ENABLED=0

# playbook EXTRA-VARS-JSON: stdout/stderr in $TMP/out/$TMP/err, exit code in $rc
playbook() {
	rc=0
	ansible-playbook -i localhost, -c local -e "$1" "$play" >"$TMP/out" 2>"$TMP/err" || rc=$?
}
recap() { grep -q "localhost *: .*$1" "$TMP/out"; }

mkdir -p "$TMP/prof"
cp "$HVCLOCK_PROFILES_DIR/tsc-reliable.profile" "$TMP/prof/"
playbook '{"hvclock_bin": "'"$HVCLOCK"'", "hvclock_args": ["-c", "'"$FLEET"'", "--profiles-dir", "'"$TMP/prof"'"]}'
check "plan exit 0: the play succeeds, nothing changed, no rollout" sh -c '[ '$rc' -eq 0 ] && grep -q "changed=0 .*failed=0" '"$TMP/out"

playbook '{"hvclock_bin": "'"$HVCLOCK"'", "hvclock_args": ["-c", "'"$FLEET"'"], "hvclock_guests": ["retired-vm"]}'
check "plan of a named shut-off guest (exit 1): the play fails" sh -c '[ '$rc' -ne 0 ] && grep -q "failed=1" '"$TMP/out"

playbook '{"hvclock_bin": "'"$HVCLOCK"'", "hvclock_args": ["-c", "'"$FLEET"'"]}'
check "plan exit 4 then a rollout that fails (no addresses): the play fails in the rollout" sh -c '[ '$rc' -ne 0 ] && grep -q "TASK \[Roll out" '"$TMP/out"' && grep -q "failed=1" '"$TMP/out"

finish
