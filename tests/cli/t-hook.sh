#!/bin/sh
# t-hook.sh: the libvirt hook example (docs/examples/libvirt-hook-qemu) with stand-ins for
# hvclock and systemd-run in PATH: on "started" it hands the guest to hvclock detached and
# returns while that hvclock is still running (the stand-in blocks until the test releases it;
# a hook that waited would hit the 20 s bound); other operations start nothing; the guest's
# name reaches hvclock as one argument, never through a shell; two guests started together get
# their rollouts one after the other (queued on the hook's lock), not a refused second one; the
# settings come from the hook's settings file (libvirtd passes its hooks almost no environment);
# with the real hvclock, a hook run while another run holds hvclock's lock (a guest that
# `rollout --restart` started again) waits for that lock and then does its rollout, not exit 3.
. "$(dirname "$0")/lib.sh"

HOOK=$(cd "$(dirname "$0")/../.." && pwd)/docs/examples/libvirt-hook-qemu
command -v setsid >/dev/null || skip_all "no setsid (util-linux)"

mkdir "$TMP/bin"
# The hvclock stand-in: its argv, one per line; says so on the started FIFO; waits for the
# release FIFO; says so on the ended FIFO. The test waits on those, never on time.
cat >"$TMP/bin/hvclock" <<EOS
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/args.tmp"
printf '%s\n' "\${LIBVIRT_DEFAULT_URI-unset}" "\${FOO-unset}" >"$TMP/env"
mv "$TMP/args.tmp" "$TMP/args"
echo >"$TMP/started"
timeout 60 cat "$TMP/release" >/dev/null # bounded: a test that fails half-way leaves nothing behind
: >"$TMP/finished"
echo >"$TMP/ended"
EOS
cat >"$TMP/bin/systemd-run" <<EOS
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/sdrun"
EOS
chmod +x "$TMP/bin/hvclock" "$TMP/bin/systemd-run"

# hook ARGS...: the hook as libvirtd runs it (domain XML on stdin), under a 20 s bound; not
# given fd 9 (the test's hold of hvclock's lock, below)
hook() {
	rc=0
	echo '<domain/>' | PATH="$TMP/bin:$PATH" HVCLOCK_HOOK_LOG="$TMP/hook.log" \
		HVCLOCK_HOOK_LOCK="$TMP/hook.lock" HVCLOCK_HOOK_CONF="${CONF:-$TMP/no-such.conf}" \
		timeout 20 "$HOOK" "$@" >"$TMP/out" 2>"$TMP/err" 9>&- || rc=$?
}
# started / ended: the stand-in hvclock got that far (20 s: a hang guard, not a timing)
started() { timeout 20 cat "$TMP/started" >/dev/null && [ -e "$TMP/args" ]; }
ended() { timeout 20 cat "$TMP/ended" >/dev/null && [ -e "$TMP/finished" ]; }
args_are() { [ "$(cat "$TMP/args")" = "$(printf '%s\n' "$@")" ]; }

mkfifo "$TMP/release" "$TMP/started" "$TMP/ended"
HVCLOCK_HOOK_DETACH=setsid hook web1 started begin -
check "started (setsid): exit 0 at once, hvclock still running" sh -c "[ $rc -eq 0 ] && [ ! -e '$TMP/finished' ]"
check "started (setsid): hvclock was started" started
check "started (setsid): rollout --wait-ssh 300 --wait-lock 3600 -- GUEST" args_are rollout --wait-ssh 300 --wait-lock 3600 -- web1
check "started (setsid): hvclock in a session of its own (not the hook's)" sh -c "pid=\$(pgrep -f '^/bin/sh $TMP/bin/hvclock' | head -1) && [ -n \"\$pid\" ] && [ \"\$(ps -o sid= -p \$pid)\" != \"\$(ps -o sid= -p $$)\" ]"
echo >"$TMP/release"
check "started (setsid): hvclock finished once released" ended
rm -f "$TMP/args" "$TMP/finished"

for op in prepare start stopped release reconnect migrate; do
	HVCLOCK_HOOK_DETACH=setsid hook web1 "$op" begin -
	check "$op: exit 0, nothing started" sh -c "[ $rc -eq 0 ] && [ ! -e '$TMP/args' ]"
done

# A hostile name: one argument, after "--".
name='-x; touch '"$TMP"'/pwned $(touch '"$TMP"'/pwned2)'
HVCLOCK_HOOK_DETACH=setsid HVCLOCK_HOOK_WAIT_SSH='1; touch x' hook "$name" started begin -
check "hostile name: exit 0" rc_is 0
check "hostile name: one argument after --; a bad --wait-ssh falls back to 300" sh -c "timeout 20 cat '$TMP/started' >/dev/null && [ \"\$(cat '$TMP/args')\" = \"\$(printf '%s\n' rollout --wait-ssh 300 --wait-lock 3600 -- '$name')\" ]"
echo >"$TMP/release"
ended || :
check "hostile name: nothing ran it as shell" sh -c "[ ! -e '$TMP/pwned' ] && [ ! -e '$TMP/pwned2' ]"
rm -f "$TMP/args" "$TMP/finished"

HVCLOCK_HOOK_DETACH=systemd-run HVCLOCK_HOOK_WAIT_SSH=120 hook web2 started begin -
check "started (systemd-run): exit 0" rc_is 0
check "started (systemd-run): --no-block, then flock LOCK hvclock rollout --wait-ssh 120 --wait-lock 3600 -- GUEST" sh -c "grep -qx -- '--no-block' '$TMP/sdrun' && [ \"\$(sed -n '/^flock\$/,\$p' '$TMP/sdrun')\" = \"\$(printf '%s\n' flock '$TMP/hook.lock' hvclock rollout --wait-ssh 120 --wait-lock 3600 -- web2)\" ]"
# systemd expands $VAR and ${VAR} in a unit's command line: a name with $ reaches it as $$
HVCLOCK_HOOK_DETACH=systemd-run hook 'a$X${Y}b$' started begin -
check "started (systemd-run): each \$ of the name is written \$\$ for the service manager" \
	sh -c "[ \"\$(tail -n 1 '$TMP/sdrun')\" = 'a\$\$X\$\${Y}b\$\$' ]"

# Two guests started together: both hooks return at once; the second rollout starts only when
# the first has ended.
HVCLOCK_HOOK_DETACH=setsid hook a1 started begin -
check "two guests: the first hook returns" rc_is 0
check "two guests: the first rollout runs" started
args_are rollout --wait-ssh 300 --wait-lock 3600 -- a1 || not_ok "two guests: the first rollout is a1's"
mv "$TMP/args" "$TMP/args-a1"
HVCLOCK_HOOK_DETACH=setsid hook a2 started begin -
check "two guests: the second hook returns while the first rollout runs" sh -c "[ $rc -eq 0 ] && [ ! -e '$TMP/finished' ]"
check "two guests: the second rollout waits for the first" sh -c "[ ! -e '$TMP/args' ]"
echo >"$TMP/release"
check "two guests: the first ends" ended
check "two guests: then the second runs" started
check "two guests: ... for a2" args_are rollout --wait-ssh 300 --wait-lock 3600 -- a2
rm -f "$TMP/finished"
echo >"$TMP/release"
check "two guests: the second ends" ended

# The settings file: NAME=VALUE lines, read (never run), the environment winning; only the
# hook's and hvclock's names; what hvclock reads also reaches a systemd-run unit (--setenv).
cat >"$TMP/hook.conf" <<EOS
# a comment
HVCLOCK_HOOK_WAIT_SSH=77
HVCLOCK_HOOK_WAIT_LOCK=99
HVCLOCK_HOOK_ACCEPT_NEW=yes
LIBVIRT_DEFAULT_URI=test:///a b
FOO=bar
HVCLOCK_HOOK_LOG=\$(touch $TMP/pwned3)
EOS
CONF=$TMP/hook.conf HVCLOCK_HOOK_DETACH=setsid hook c1 started begin -
check "settings file: exit 0" rc_is 0
check "settings file: hvclock started" started
check "settings file: --wait-ssh, --wait-lock and --accept-new from it" args_are rollout --wait-ssh 77 --wait-lock 99 --accept-new -- c1
check "settings file: LIBVIRT_DEFAULT_URI passed to hvclock, FOO not" sh -c "[ \"\$(cat '$TMP/env')\" = \"\$(printf '%s\n' 'test:///a b' unset)\" ]"
echo >"$TMP/release"
check "settings file: hvclock ends" ended
check "settings file: the environment wins (HVCLOCK_HOOK_LOG), nothing in it is run" sh -c "[ ! -e '$TMP/pwned3' ] && [ -e '$TMP/hook.log' ]"
rm -f "$TMP/args" "$TMP/finished"
CONF=$TMP/hook.conf HVCLOCK_HOOK_DETACH=systemd-run hook c2 started begin -
check "settings file (systemd-run): --setenv=LIBVIRT_DEFAULT_URI, not the hook's own settings" sh -c "grep -qx -- '--setenv=LIBVIRT_DEFAULT_URI' '$TMP/sdrun' && ! grep -q -- '--setenv=HVCLOCK_HOOK' '$TMP/sdrun' && ! grep -q FOO '$TMP/sdrun'"

# The real hvclock, started by the hook while another run holds hvclock's lock (as when
# `rollout --restart` starts a guest again: libvirtd runs this hook's "started" then): it
# waits for the lock (says so once), and once the lock is free does its rollout.
export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lockdir/lock" HVCLOCK_CONFIG=/dev/null
mkdir -m 700 "$TMP/lockdir"
(umask 077 && : >"$HVCLOCK_LOCK_FILE")
exec 9>"$HVCLOCK_LOCK_FILE"
flock 9
echo 4242 >"$HVCLOCK_LOCK_FILE"
# hvclock as the hook runs it, its exit code in a file (the test waits on that file's FIFO)
mkfifo "$TMP/real-ended"
cat >"$TMP/bin/hvclock-real" <<EOS
#!/bin/sh
rc=0
"$HVCLOCK" "\$@" || rc=\$?
echo \$rc >"$TMP/real-rc"
echo >"$TMP/real-ended"
EOS
chmod +x "$TMP/bin/hvclock-real"
: >"$TMP/hook.log"
# (--wait-ssh 1: this demo guest has no address, which --wait-ssh would wait for)
LIBVIRT_DEFAULT_URI=$FLEET HVCLOCK_HOOK_HVCLOCK="$TMP/bin/hvclock-real" HVCLOCK_HOOK_DETACH=setsid \
	HVCLOCK_HOOK_WAIT_SSH=1 hook debian12-web started begin -
check "lock held: the hook returns at once (exit 0)" rc_is 0
# a condition, polled with a 20 s bound (a hang guard)
waited() {
	i=0
	until grep -q "waiting up to 3600 s for another hvclock run (pid 4242)" "$TMP/hook.log"; do
		i=$((i + 1))
		[ $i -le 200 ] || return 1
		sleep 0.1
	done
}
check "lock held: the hook's hvclock waits for it, saying so once" waited
check "lock held: ... and has not given up" sh -c "[ ! -e '$TMP/real-rc' ]"
# --wait-lock is a bound: still held after it, exit 3 and one line that says so
run -c "$FLEET" rollout --wait-lock 1 debian12-web
check "--wait-lock 1, lock held throughout: exit 3, says it waited and that the holder did not finish" sh -c "[ $rc -eq 3 ] &&
	[ \"\$(sed 's/(pid [0-9]*)/(pid N)/; s/(lock [^)]*)/(lock L)/' '$TMP/err')\" = \"\$(printf '%s\n' \
		'hvclock: waiting up to 1 s for another hvclock run (pid N) to finish (lock L)' \
		'hvclock: another hvclock run (pid N) is changing guests (lock L); it did not finish within --wait-lock')\" ]"
exec 9>&-
check "lock freed: the hook's hvclock ends" sh -c "timeout 60 cat '$TMP/real-ended' >/dev/null"
check "lock freed: it did its rollout (a report; not exit 3, no refusal)" sh -c "[ \"\$(cat '$TMP/real-rc')\" != 3 ] && grep -q '^1 guests:' '$TMP/hook.log' && ! grep -q 'is changing guests' '$TMP/hook.log'"

finish
