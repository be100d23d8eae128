#!/bin/bash
# t-sysctl-boot.sh: a guest whose boot reads only /etc/sysctl.conf (EL5's rc.sysinit before
# initscripts 8.45.37) gets hvclock's sysctl as a marked block at the end of that file, through
# hvclock itself: plan, rollout, a replay of what the guest's boot runs, idempotence, rollback
# byte for byte. Also: an admin line for the key earlier in the file (the block goes last and
# wins; the plan names the line), no /etc/sysctl.conf at all (created, then removed), and a
# begin marker without its end (blocked, nothing changed).
# And a systemd-like guest (systemd-sysctl, Debian's /etc/sysctl.d/99-sysctl.conf ->
# ../sysctl.conf): an admin's "xen.independent_wallclock = 0" in /etc/sysctl.conf is read after
# hvclock's drop-in and wins, so the sysctl is blocked naming that line; without it, the drop-in
# is applied. Replayed with the host's real systemd-sysctl (systemd 252) in a private mount
# namespace over copies of the guest's files.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap.sh"

. "$here/lab.sh"
sim_lab_dir sysctl-boot

# g1: sysctl.conf as the kind has it; g2: the admin set the key to 0 there; g3: no sysctl.conf.
# g4, g5: systemd-like (systemd-sysctl, 99-sysctl.conf -> ../sysctl.conf); g4 with the admin's 0.
export SIM_KINDS="xenlinux-pv"
sim_lab_start 5 12000 600
"$here/simfleet.sh" fleet-xml "$TMP/fleet.xml"
G=$SIM/guests
KEY=proc/sys/xen/independent_wallclock
printf '%s\n' "# admin's" "xen.independent_wallclock = 0" >>"$G/g2/etc/sysctl.conf"
rm -f "$G/g3/etc/sysctl.conf"
for g in g4 g5; do # new files only: the kind's read-only files are hard links shared by all
	mkdir -p "$G/$g/usr/lib/systemd" "$G/$g/etc/sysctl.d"
	printf '#!/bin/sh\nexec sysctl -p /etc/sysctl.d/*.conf\n' >"$G/$g/usr/lib/systemd/systemd-sysctl"
	chmod 755 "$G/$g/usr/lib/systemd/systemd-sysctl"
	ln -s ../sysctl.conf "$G/$g/etc/sysctl.d/99-sysctl.conf"
done
printf '%s\n' "# admin's" "xen.independent_wallclock = 0" >>"$G/g4/etc/sysctl.conf"
cp -p "$G/g4/etc/sysctl.conf" "$TMP/g4.sysctl.conf"
for g in g1 g2; do cp -p "$G/$g/etc/sysctl.conf" "$TMP/$g.sysctl.conf"; done

export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock" HVCLOCK_CONFIG=/dev/null
HV() { run_hvclock -c "test://$TMP/fleet.xml" -i "$SIM/client/id_ed25519" \
	--known-hosts "$SIM/client/known_hosts" --no-agent --connect-timeout 60 "$@"; }
tree() { (cd "$G/$1" && find . -path ./dev -prune -o -type f -print0 | sort -z |
	xargs -0 sha256sum) >"$2"; }
check_json() { # NAME PYTHON (d = the JSON document, s = the sysctl action by guest name)
	if python3 - "$TMP/out.json" "$2" 2>"$TMP/py.err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: next((a for a in x["actions"] if a["kind"] == "sysctl"), None) for x in d["guests"]}
exec(sys.argv[2])
PY
	then ok "$1"; else not_ok "$1"; sed 's/^/# /' "$TMP/py.err"; fi
}
# What EL5's boot does for sysctls, in the guest: the key back at its boot value (0), then the
# sysctl line of the guest's own rc.sysinit ("sysctl -e -p /etc/sysctl.conf"). On a fresh copy
# of the fake /proc/sys (busybox makes files there for keys a real kernel would refuse), put
# back afterwards.
boot_replay() { # GUEST -> the value after boot
	local line p=$G/$1/proc/sys
	line=$(grep -x 'sysctl .*' "$G/$1/etc/rc.d/rc.sysinit")
	rm -rf "$TMP/procsys" && cp -a "$p" "$TMP/procsys"
	echo 0 >"$G/$1/$KEY"
	chroot "$G/$1" /bin/sh -c "$line" </dev/null >/dev/null 2>&1
	cat "$G/$1/$KEY"
	rm -rf "$p" && cp -a "$TMP/procsys" "$p"
}
# What a systemd guest's boot does for sysctls: the host's own systemd-sysctl (sysctl.d(5):
# /etc, /run, /usr/local/lib, /usr/lib sysctl.d, by file name) in a private mount namespace
# where those directories, /etc/sysctl.conf (the 99-sysctl.conf link's target) and /proc/sys
# are copies of the guest's (the key back at 0 first). DROPIN: a file to put in place as
# /etc/sysctl.d/90-hvclock.conf first (what the boot would do had hvclock written it).
SYSTEMD_SYSCTL=
for f in /usr/lib/systemd/systemd-sysctl /lib/systemd/systemd-sysctl; do
	[ -x "$f" ] && SYSTEMD_SYSCTL=$f && break
done
why_no_replay=
if [ -z "$SYSTEMD_SYSCTL" ]; then why_no_replay="no systemd-sysctl on this host"
elif [ ! -f /etc/sysctl.conf ]; then why_no_replay="no /etc/sysctl.conf on this host to bind over"
elif ! unshare -m --propagation private true 2>/dev/null; then why_no_replay="unshare -m not permitted"
fi
systemd_replay() { # GUEST [DROPIN] -> the value after systemd-sysctl
	local r=$TMP/replay
	rm -rf "$r" && mkdir -p "$r/empty" && cp -a "$G/$1/etc/sysctl.d" "$r/sysctl.d" &&
		cp -a "$G/$1/proc/sys" "$r/procsys" || return 1
	[ -z "${2:-}" ] || cp "$2" "$r/sysctl.d/90-hvclock.conf"
	if [ -f "$G/$1/etc/sysctl.conf" ]; then cp "$G/$1/etc/sysctl.conf" "$r/sysctl.conf"; else : >"$r/sysctl.conf"; fi
	echo 0 >"$r/procsys/xen/independent_wallclock"
	R=$r unshare -m --propagation private sh -c '
		mount --bind "$R/sysctl.d" /etc/sysctl.d && mount --bind "$R/sysctl.conf" /etc/sysctl.conf &&
		for d in /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d; do
			[ ! -d "$d" ] || mount --bind "$R/empty" "$d" || exit 1
		done && mount --bind "$R/procsys" /proc/sys && exec "$1" >/dev/null 2>&1' sh \
		"$SYSTEMD_SYSCTL" || return 1
	cat "$r/procsys/xen/independent_wallclock"
}
replay_check() { # NAME GUEST DROPIN WANT
	if [ -n "$why_no_replay" ]; then ok "$1 # SKIP $why_no_replay"; return; fi
	check "$1" test "$(systemd_replay "$2" "$3")" = "$4"
}
for g in g1 g2 g3 g4 g5; do tree "$g" "$TMP/$g.m0"; done

rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan: the sysctl goes to /etc/sysctl.conf (the boot reads only that), with the evidence" '
for n in ("g1", "g2", "g3"):
    a = s[n]
    assert a and a["target"] == "/etc/sysctl.conf" and a["state"] == "pending", (n, a)
    assert "/etc/rc.d/rc.sysinit" in a["note"], a["note"]'
check_json "plan: systemd-like guests: the drop-in, the boot reader in the facts" '
f = {x["name"]: x["facts"] for x in d["guests"]}
for n in ("g4", "g5"):
    assert s[n]["target"] == "/etc/sysctl.d/90-hvclock.conf", (n, s[n])
    assert f[n]["sysctl_boot"] == "sysctl.d", f[n]
    assert f[n]["sysctl_boot_evidence"] == "/usr/lib/systemd/systemd-sysctl", f[n]
assert f["g1"]["sysctl_boot"] == "sysctl.conf" and f["g1"]["sysctl_boot_evidence"] == "/etc/rc.d/rc.sysinit", f["g1"]
assert s["g5"]["state"] == "pending", s["g5"]'
check_json "plan: g4: blocked, naming the sysctl.conf line that wins over the drop-in at boot" '
a = s["g4"]
assert a["state"] == "blocked", a
assert a["note"].startswith("at g4\x27s next boot /etc/sysctl.d/99-sysctl.conf -> /etc/sysctl.conf line 4 \x27xen.independent_wallclock = 0\x27 is read after /etc/sysctl.d/90-hvclock.conf (systemd-sysctl) and wins"), a["note"]'
check_json "plan: the admin line the block overrides is named" '
assert "overrides \x27xen.independent_wallclock = 0\x27 at line 4" in s["g2"]["note"], s["g2"]["note"]'

rc=0; HV rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check "rollout: exit 1 (g4 is blocked)" test "$rc" = 1
check_json "rollout: the sysctl applied in every guest but g4" '
assert s["g4"]["state"] == "blocked" and s["g4"]["result"] != "applied", s["g4"]
for n in ("g1", "g2", "g3", "g5"):
    assert s[n]["result"] == "applied", (n, s[n])'
block=$(printf '%s\n' "# BEGIN hvclock (written by hvclock; 'hvclock rollback' restores this file)" \
	"xen.independent_wallclock = 1" "# END hvclock")
check "g1: sysctl.conf is the original plus hvclock's block, last" \
	test "$(cat "$G/g1/etc/sysctl.conf")" = "$(cat "$TMP/g1.sysctl.conf")$(printf '\n%s' "$block")"
check "g2: the block comes after the admin's line" \
	test "$(cat "$G/g2/etc/sysctl.conf")" = "$(cat "$TMP/g2.sysctl.conf")$(printf '\n%s' "$block")"
check "g3: sysctl.conf created with the block only" test "$(cat "$G/g3/etc/sysctl.conf")" = "$block"
check "no /etc/sysctl.d made in an EL5 guest" test ! -e "$G/g1/etc/sysctl.d"
for g in g1 g2 g3; do
	check "$g: after a boot replay (sysctl -e -p /etc/sysctl.conf), independent_wallclock is 1" \
		test "$(boot_replay "$g")" = 1
done
check "g5: the drop-in holds the key; sysctl.conf untouched" \
	eval 'grep -qx "xen.independent_wallclock = 1" "$G/g5/etc/sysctl.d/90-hvclock.conf" &&
		! grep -q hvclock "$G/g5/etc/sysctl.conf"'
check "g4: nothing written: no drop-in, sysctl.conf as before" \
	eval '[ ! -e "$G/g4/etc/sysctl.d/90-hvclock.conf" ] && cmp -s "$TMP/g4.sysctl.conf" "$G/g4/etc/sysctl.conf"'
replay_check "g5: after a boot replay (systemd-sysctl), independent_wallclock is 1" g5 "" 1
replay_check "g4: a boot replay with g5's drop-in in place: the admin's 0 in sysctl.conf wins" \
	g4 "$G/g5/etc/sysctl.d/90-hvclock.conf" 0

for g in g1 g2 g3 g4 g5; do tree "$g" "$TMP/$g.m1"; done
rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan after rollout: the sysctl is in place (g4 still blocked)" '
for n in ("g1", "g2", "g3", "g5"):
    assert s[n]["state"] == "in-place", (n, s[n])
assert s["g4"]["state"] == "blocked", s["g4"]'
rc=0; HV rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
for g in g1 g2 g3 g4 g5; do tree "$g" "$TMP/$g.m2"; done
check "second rollout: no file changed in any guest" \
	cmp -s <(cat "$TMP"/g?.m1) <(cat "$TMP"/g?.m2)

rc=0; HV rollback --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
for g in g1 g2; do
	check "$g: rollback: /etc/sysctl.conf byte for byte as before" \
		cmp -s "$TMP/$g.sysctl.conf" "$G/$g/etc/sysctl.conf"
done
check "g3: rollback: the sysctl.conf hvclock created is removed" test ! -e "$G/g3/etc/sysctl.conf"
for g in g1 g2 g3 g4 g5; do
	tree "$g" "$TMP/$g.m3"
	check "$g: rollback: every file as before" cmp -s "$TMP/$g.m0" "$TMP/$g.m3"
done
check "rollback: the live value is back to 0" test "$(cat "$G/g1/$KEY")" = 0

# A begin marker without its end: hvclock does not guess where its block ends.
echo "# BEGIN hvclock (written by hvclock; 'hvclock rollback' restores this file)" \
	>>"$G/g1/etc/sysctl.conf"
cp -p "$G/g1/etc/sysctl.conf" "$TMP/g1.open"
rc=0; HV plan --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "an unterminated block is blocked, naming its line" '
a = s["g1"]
assert a["state"] == "blocked" and "line 3 without its end marker" in a["note"], a'
rc=0; HV rollout --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check "and a rollout leaves sysctl.conf alone, exit 1 (blocked)" \
	eval '[ "$rc" = 1 ] && cmp -s "$TMP/g1.open" "$G/g1/etc/sysctl.conf"'
HV rollback --json g1 >/dev/null 2>&1
tap_done
