#!/bin/bash
# t-sysctl-boot.sh: a guest whose boot reads only /etc/sysctl.conf (EL5's rc.sysinit before
# initscripts 8.45.37) gets hvclock's sysctl as a marked block at the end of that file, through
# hvclock itself: plan, rollout, a replay of what the guest's boot runs, idempotence, rollback
# byte for byte. Also: an admin line for the key earlier in the file (the block goes last and
# wins; the plan names the line), no /etc/sysctl.conf at all (created, then removed), and a
# begin marker without its end (blocked, nothing changed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap.sh"

. "$here/lab.sh"
sim_lab_dir sysctl-boot

# g1: sysctl.conf as the kind has it; g2: the admin set the key to 0 there; g3: no sysctl.conf.
export SIM_KINDS="xenlinux-pv"
sim_lab_start 3 12000 600
"$here/simfleet.sh" fleet-xml "$TMP/fleet.xml"
G=$SIM/guests
KEY=proc/sys/xen/independent_wallclock
printf '%s\n' "# admin's" "xen.independent_wallclock = 0" >>"$G/g2/etc/sysctl.conf"
rm -f "$G/g3/etc/sysctl.conf"
for g in g1 g2; do cp -p "$G/$g/etc/sysctl.conf" "$TMP/$g.sysctl.conf"; done

export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock" HVCLOCK_CONFIG=/dev/null
HV() { run_hvclock -c "test://$TMP/fleet.xml" -i "$SIM/client/id_ed25519" \
	--known-hosts "$SIM/client/known_hosts" --no-agent --connect-timeout 10 "$@"; }
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
for g in g1 g2 g3; do tree "$g" "$TMP/$g.m0"; done

rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan: the sysctl goes to /etc/sysctl.conf (the boot reads only that), with the evidence" '
for n in ("g1", "g2", "g3"):
    a = s[n]
    assert a and a["target"] == "/etc/sysctl.conf" and a["state"] == "pending", (n, a)
    assert "/etc/rc.d/rc.sysinit" in a["note"], a["note"]'
check_json "plan: the admin line the block overrides is named" '
assert "overrides \x27xen.independent_wallclock = 0\x27 at line 4" in s["g2"]["note"], s["g2"]["note"]'

rc=0; HV rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "rollout: the sysctl applied in every guest" '
for n in ("g1", "g2", "g3"):
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

for g in g1 g2 g3; do tree "$g" "$TMP/$g.m1"; done
rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan after rollout: the sysctl is in place" '
for n in ("g1", "g2", "g3"):
    assert s[n]["state"] == "in-place", (n, s[n])'
rc=0; HV rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
for g in g1 g2 g3; do tree "$g" "$TMP/$g.m2"; done
check "second rollout: no file changed in any guest" \
	cmp -s <(cat "$TMP"/g?.m1) <(cat "$TMP"/g?.m2)

rc=0; HV rollback --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
for g in g1 g2; do
	check "$g: rollback: /etc/sysctl.conf byte for byte as before" \
		cmp -s "$TMP/$g.sysctl.conf" "$G/$g/etc/sysctl.conf"
done
check "g3: rollback: the sysctl.conf hvclock created is removed" test ! -e "$G/g3/etc/sysctl.conf"
for g in g1 g2 g3; do
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
