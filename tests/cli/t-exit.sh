#!/bin/sh
# t-exit.sh: every row of hvclock(1) EXIT STATUS that the demo fleet can show (5, waiting for a
# restart, needs inspected guests: tests/sim/t-fleet.sh), and the start-up checks of -i,
# --known-hosts, --user, --config and SSH credentials.
. "$(dirname "$0")/lib.sh"

# No default identity and no agent unless a test gives one.
mkdir -p "$TMP/home"
export HOME="$TMP/home"
unset SSH_AUTH_SOCK

# 0: looked, nothing to do (the shipped profile that matches no demo guest before inspection).
mkdir -p "$TMP/prof"
cp "$HVCLOCK_PROFILES_DIR/tsc-reliable.profile" "$TMP/prof/"
run -c "$FLEET" --profiles-dir "$TMP/prof" plan
check "0: plan of the fleet, nothing to do" rc_is 0

# 1: a guest named on the command line that hvclock could not look at.
for g in retired-vm transient-el6 debian12-web el6-batch-paused; do
	for c in plan rollout; do
		run -c "$FLEET" "$c" "$g"
		# (a rollout reports the paused guest as failed itself)
		check "1: $c of named $g (not looked at)" sh -c '[ '$rc' -eq 1 ] && grep -q "^hvclock: '"$g"': named but not looked at: \|^'"$g"': failed: the guest is paused" '"$TMP/err $TMP/out"
	done
done
run -c "$FLEET" --wait-ssh 2 plan debian12-web
check "1: --wait-ssh does not turn a named guest without address into 0" rc_is 1
run -c "$FLEET" plan retired-vm centos6-db
check "1: one named guest not looked at beats pending (4)" rc_is 1
run -c "$FLEET" plan
check "4, not 1: without names, shut-off and transient guests are not an error" rc_is 4

# 2: usage errors, among them --user checked once, with the rule of user = in hvclock.conf.
run -c "$FLEET" --user 'root@evil' plan
check "2: --user with '@'" sh -c '[ '$rc' -eq 2 ] && grep -q "invalid --user" '"$TMP/err"
run -c "$FLEET" --user '' plan
check "2: empty --user" rc_is 2

# 3: could not start, checked once before any connection.
run -c "$FLEET" --no-agent plan
check "3: --no-agent and no identity: no credentials, one line" sh -c '[ '$rc' -eq 3 ] && [ $(wc -l <'"$TMP/err"') -eq 1 ] && grep -q "no credentials" '"$TMP/err"
check "3: ... and no report" sh -c '[ ! -s '"$TMP/out"' ]'
run -c "$FLEET" -i "$TMP/no-such-key" plan
check "3: -i naming a missing file" sh -c '[ '$rc' -eq 3 ] && grep -q "no-such-key: cannot read the identity file" '"$TMP/err"
run -c "$FLEET" -i "$TMP" plan
check "3: -i naming a directory" sh -c '[ '$rc' -eq 3 ] && grep -q "is not a regular file" '"$TMP/err"
run -c "$FLEET" --known-hosts "$TMP" plan
check "3: --known-hosts naming a directory" sh -c '[ '$rc' -eq 3 ] && grep -q "known_hosts file .* is not a regular file" '"$TMP/err"
run -c "$FLEET" --known-hosts "$TMP/no-dir/known_hosts" plan
check "3: --known-hosts in a missing directory" sh -c '[ '$rc' -eq 3 ] && grep -q "does not exist" '"$TMP/err"
run -c "$FLEET" --known-hosts "$TMP/new_known_hosts" plan
check "4: --known-hosts not there yet (--accept-new makes it) is fine" rc_is 4
run -c "$FLEET" --config "$TMP" plan
check "3: --config naming a directory" sh -c '[ '$rc' -eq 3 ] && grep -q "not a regular file" '"$TMP/err"
run -c "$FLEET" -i "$TMP/no-such-key" rollout --all-guests
check "3: rollout with a missing -i, before the lock or any guest" sh -c '[ '$rc' -eq 3 ] && [ ! -s '"$TMP/out"' ]'

# 1: a named guest with an address that does not answer is failed, as before.
run -c "$FLEET" plan centos6-db --guest-address centos6-db=127.0.0.1:1 --connect-timeout 2
check "1: a named guest with an address that does not answer" rc_is 1

finish
