#!/bin/sh
# t-hook.sh: the libvirt hook example (docs/examples/libvirt-hook-qemu) with stand-ins for
# hvclock and systemd-run in PATH: on "started" it hands the guest to hvclock detached and
# returns while that hvclock is still running (the stand-in blocks until the test releases it;
# a hook that waited would hit the 20 s bound); other operations start nothing; the guest's
# name reaches hvclock as one argument, never through a shell; two guests started together get
# their rollouts one after the other (queued on the hook's lock), not a refused second one.
. "$(dirname "$0")/lib.sh"

HOOK=$(cd "$(dirname "$0")/../.." && pwd)/docs/examples/libvirt-hook-qemu
command -v setsid >/dev/null || skip_all "no setsid (util-linux)"

mkdir "$TMP/bin"
# The hvclock stand-in: its argv, one per line; says so on the started FIFO; waits for the
# release FIFO; says so on the ended FIFO. The test waits on those, never on time.
cat >"$TMP/bin/hvclock" <<EOS
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/args.tmp"
mv "$TMP/args.tmp" "$TMP/args"
echo >"$TMP/started"
cat "$TMP/release" >/dev/null
: >"$TMP/finished"
echo >"$TMP/ended"
EOS
cat >"$TMP/bin/systemd-run" <<EOS
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/sdrun"
EOS
chmod +x "$TMP/bin/hvclock" "$TMP/bin/systemd-run"

# hook ARGS...: the hook as libvirtd runs it (domain XML on stdin), under a 20 s bound
hook() {
	rc=0
	echo '<domain/>' | PATH="$TMP/bin:$PATH" HVCLOCK_HOOK_LOG="$TMP/hook.log" \
		HVCLOCK_HOOK_LOCK="$TMP/hook.lock" \
		timeout 20 "$HOOK" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}
# started / ended: the stand-in hvclock got that far (20 s: a hang guard, not a timing)
started() { timeout 20 cat "$TMP/started" >/dev/null && [ -e "$TMP/args" ]; }
ended() { timeout 20 cat "$TMP/ended" >/dev/null && [ -e "$TMP/finished" ]; }
args_are() { [ "$(cat "$TMP/args")" = "$(printf '%s\n' "$@")" ]; }

mkfifo "$TMP/release" "$TMP/started" "$TMP/ended"
HVCLOCK_HOOK_DETACH=setsid hook web1 started begin -
check "started (setsid): exit 0 at once, hvclock still running" sh -c "[ $rc -eq 0 ] && [ ! -e '$TMP/finished' ]"
check "started (setsid): hvclock was started" started
check "started (setsid): rollout --wait-ssh 300 -- GUEST" args_are rollout --wait-ssh 300 -- web1
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
check "hostile name: one argument after --; a bad --wait-ssh falls back to 300" sh -c "timeout 20 cat '$TMP/started' >/dev/null && [ \"\$(cat '$TMP/args')\" = \"\$(printf '%s\n' rollout --wait-ssh 300 -- '$name')\" ]"
echo >"$TMP/release"
ended || :
check "hostile name: nothing ran it as shell" sh -c "[ ! -e '$TMP/pwned' ] && [ ! -e '$TMP/pwned2' ]"
rm -f "$TMP/args" "$TMP/finished"

HVCLOCK_HOOK_DETACH=systemd-run HVCLOCK_HOOK_WAIT_SSH=120 hook web2 started begin -
check "started (systemd-run): exit 0" rc_is 0
check "started (systemd-run): --no-block, then flock LOCK hvclock rollout --wait-ssh 120 -- GUEST" sh -c "grep -qx -- '--no-block' '$TMP/sdrun' && [ \"\$(sed -n '/^flock\$/,\$p' '$TMP/sdrun')\" = \"\$(printf '%s\n' flock '$TMP/hook.lock' hvclock rollout --wait-ssh 120 -- web2)\" ]"
# systemd expands $VAR and ${VAR} in a unit's command line: a name with $ reaches it as $$
HVCLOCK_HOOK_DETACH=systemd-run hook 'a$X${Y}b$' started begin -
check "started (systemd-run): each \$ of the name is written \$\$ for the service manager" \
	sh -c "[ \"\$(tail -n 1 '$TMP/sdrun')\" = 'a\$\$X\$\${Y}b\$\$' ]"

# Two guests started together: both hooks return at once; the second rollout starts only when
# the first has ended.
HVCLOCK_HOOK_DETACH=setsid hook a1 started begin -
check "two guests: the first hook returns" rc_is 0
check "two guests: the first rollout runs" started
args_are rollout --wait-ssh 300 -- a1 || not_ok "two guests: the first rollout is a1's"
mv "$TMP/args" "$TMP/args-a1"
HVCLOCK_HOOK_DETACH=setsid hook a2 started begin -
check "two guests: the second hook returns while the first rollout runs" sh -c "[ $rc -eq 0 ] && [ ! -e '$TMP/finished' ]"
check "two guests: the second rollout waits for the first" sh -c "[ ! -e '$TMP/args' ]"
echo >"$TMP/release"
check "two guests: the first ends" ended
check "two guests: then the second runs" started
check "two guests: ... for a2" args_are rollout --wait-ssh 300 -- a2
rm -f "$TMP/finished"
echo >"$TMP/release"
check "two guests: the second ends" ended

finish
