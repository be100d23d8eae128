#!/bin/bash
# t-fleet.sh: hvclock against a lab of simulated guests (chroots behind real sshd):
# plan -> rollout -> plan -> rollout again -> rollback, checked in the guests' files.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap.sh"

. "$here/lab.sh"
sim_lab_dir fleet

# 18 guests: every healthy kind three times, plus two that fail (no sshd; key refused).
export SIM_KINDS="el6-kvm xenlinux-pv modern-kvm modern-xen-pv el7-kvm-grubby sles-kvm-mkconfig"
# Ports below Linux's ephemeral range (32768+), where outgoing connections cannot take them.
sim_lab_start 16 10000 1200
SIM_KINDS="closed noauth" "$here/simfleet.sh" start 2 $((base + 100)) >>"$TMP/start.log" 2>&1 ||
	{ sed 's/^/# /' "$TMP/start.log"; bail "fault guests did not start"; }
"$here/simfleet.sh" fleet-xml "$TMP/fleet.xml"
FLEET="test://$TMP/fleet.xml"
export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock"
export HVCLOCK_CONFIG=/dev/null
HV() { run_hvclock -c "$FLEET" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" \
	--no-agent --connect-timeout 60 --parallel 8 "$@"; }
manifest() { (cd "$SIM/guests" && find . -path '*/dev' -prune -o -type f -print0 | sort -z |
	xargs -0 sha256sum) >"$1"; }

check_json() { # NAME PYTHON (d = JSON document, g = guests by name, kind = kind by name)
	if python3 - "$TMP/out.json" "$2" 2>"$TMP/py.err" <<'PY'
import json, sys, subprocess, os
d = json.load(open(sys.argv[1]))
g = {x["name"]: x for x in d["guests"]}
kind = {}
for line in subprocess.run([os.environ["HERE"] + "/simfleet.sh", "inventory"], capture_output=True, text=True).stdout.splitlines():
    name, host, port, k = line.split()
    kind[name] = k
exec(sys.argv[2])
PY
	then ok "$1"; else
		not_ok "$1"
		sed 's/^/# /' "$TMP/py.err"
		return 1
	fi
}
export HERE=$here

manifest "$TMP/m0"

# --- plan ---
rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 1 ] && ok "plan: exit 1 (two guests cannot be reached)" || not_ok "plan: exit $rc, expected 1"
check_json "plan: every guest listed" 'assert len(d["guests"]) == 18, len(d["guests"])'
check_json "plan: healthy guests inspected over SSH, with evidence" '
for n, x in g.items():
    if kind[n] in ("closed", "noauth"): continue
    assert x["facts"]["inspected"], (n, x["inspect_error"])
    assert x["address_source"] == "domain metadata", x["address_source"]'
check_json "plan: per kind, the remedy of docs/remedies.md §4" '
want = {"el6-kvm": "el6-kvm", "xenlinux-pv": "xen-wa1", "modern-kvm": None,
        "modern-xen-pv": "xen-pvops", "el7-kvm-grubby": "kvm-modern-tsc-unstable",
        "sles-kvm-mkconfig": None}
for n, x in g.items():
    if kind[n] in want:
        assert x["remedy"]["profile"] == want[kind[n]], (n, kind[n], x["remedy"])'
check_json "plan: EL6 evidence: the tsc-unstable line and clocksource tsc" '
for n, x in g.items():
    if kind[n] == "el6-kvm":
        f = x["facts"]
        assert f["current_clocksource"] == "tsc" and f["kernel_release"].endswith(".el6.x86_64"), f
        assert any(l["symptom"] == "clocksource-unstable" for l in f["log"]), f["log"]'
check_json "plan: classic Xen gets jiffies, the sysctl (key exists) and a live switch" '
for n, x in g.items():
    if kind[n] == "xenlinux-pv":
        k = {a["kind"]: a for a in x["actions"]}
        assert "sysctl" in k and k["sysctl"]["key"] == "xen.independent_wallclock", k
        assert k["live-clocksource"]["after"] == "jiffies", k["live-clocksource"]'
check_json "plan: modern Xen PV: no xen.independent_wallclock pushed (key absent)" '
for n, x in g.items():
    if kind[n] == "modern-xen-pv":
        assert all(a["kind"] != "sysctl" for a in x["actions"]), x["actions"]'
check_json "plan: unreachable guests fail with the reason" '
assert g["g17"]["status"] == "failed" and "refused" in g["g17"]["status_reason"].lower(), g["g17"]["status_reason"]
assert g["g18"]["status"] == "failed" and "auth" in g["g18"]["status_reason"].lower(), g["g18"]["status_reason"]'
check_json "plan: error_kind says why, for scripts: refused, auth; none elsewhere" '
assert g["g17"]["error_kind"] == "refused" and g["g17"]["inspect_error_kind"] == "refused", g["g17"]["error_kind"]
assert g["g18"]["error_kind"] == "auth" and g["g18"]["inspect_error_kind"] == "auth", g["g18"]["error_kind"]
for n, x in g.items():
    assert x["changed"] is False, n
    if kind[n] not in ("closed", "noauth"):
        assert x["error_kind"] is None and x["inspect_error_kind"] is None, (n, x["error_kind"])'

# --- rollout ---
rc=0; HV rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 1 ] && ok "rollout: exit 1 (two guests failed)" || not_ok "rollout: exit $rc, expected 1"
check_json "rollout: the failing guests did not stop the others" '
for n, x in g.items():
    if kind[n] in ("closed", "noauth"):
        assert x["result"] == "failed", (n, x["result"])
    else:
        assert x["result"] in ("applied", "deferred", "in-place", "skipped"), (n, x["result"], x["result_message"])'
check_json "rollout: EL6 guests: boot loader changed, live switch to kvm-clock read back" '
for n, x in g.items():
    if kind[n] == "el6-kvm":
        k = {a["kind"]: a for a in x["actions"]}
        assert k["live-clocksource"]["result"] == "applied", k["live-clocksource"]
        assert k["guest-bootloader"]["result"] in ("applied", "deferred"), k["guest-bootloader"]'
check_json "rollout: JSON summary counts the failures" 'assert d["summary"]["failed"] == 2, d["summary"]'
check_json "rollout: changed where a change was made, error_kind only on the failed" '
for n, x in g.items():
    if kind[n] in ("closed", "noauth"):
        assert x["changed"] is False and x["error_kind"] in ("refused", "auth"), (n, x["error_kind"])
        continue
    assert x["error_kind"] is None, (n, x["error_kind"])
    made = [a["kind"] for a in x["actions"] if a["changed"]]
    assert x["changed"] == bool(made), (n, made)
    if kind[n] == "el6-kvm":
        assert "guest-bootloader" in made and "live-clocksource" in made, (n, made)'
for i in 1 7 13; do
	if [ "$(cat "$SIM/guests/g$i/sys/devices/system/clocksource/clocksource0/current_clocksource")" = kvm-clock ]; then
		ok "g$i: current_clocksource is kvm-clock in the guest"
	else not_ok "g$i: current_clocksource not switched"; fi
done
[ -d "$HVCLOCK_STATE_DIR/guests" ] && [ "$(ls "$HVCLOCK_STATE_DIR/guests" | wc -l)" -ge 6 ] &&
	ok "rollout: host state files written" || not_ok "rollout: host state files missing"
manifest "$TMP/m1"

# --- plan again, rollout again ---
rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan after rollout: nothing pending on any healthy guest" '
for n, x in g.items():
    if kind[n] in ("closed", "noauth"): continue
    assert x["status"] in ("nothing-to-do", "waiting-power-cycle", "no-remedy"), (n, x["status"], [(a["kind"], a["state"]) for a in x["actions"]])'
# Exit 5: nothing to change, but a guest waits for its power-cycle or reboot (an EL6 direct-kernel
# guest's <cmdline> takes effect at the next power-cycle); 0 once nothing waits.
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
st = {x["name"]: x["status"] for x in d["guests"]}
print(next((n for n in sorted(st) if st[n] == "waiting-power-cycle"), "-"),
      next((n for n in sorted(st) if st[n] == "nothing-to-do"), "-"))' "$TMP/out.json" >"$TMP/wn"
read -r waiting nothing <"$TMP/wn"
rc=0; HV plan "$waiting" >"$TMP/out" 2>"$TMP/err" || rc=$?
[ "$waiting" != - ] && [ $rc -eq 5 ] && ok "plan of a guest waiting for its restart ($waiting): exit 5" ||
	{ not_ok "plan of a waiting guest ($waiting): exit $rc, expected 5"; sed 's/^/# /' "$TMP/err"; }
rc=0; HV plan "$nothing" >"$TMP/out" 2>"$TMP/err" || rc=$?
[ "$nothing" != - ] && [ $rc -eq 0 ] && ok "plan of a guest with nothing to do ($nothing): exit 0" ||
	{ not_ok "plan of a guest with nothing to do ($nothing): exit $rc, expected 0"; sed 's/^/# /' "$TMP/err"; }
rc=0; HV rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "second rollout: changes nothing and says so" '
for n, x in g.items():
    if kind[n] in ("closed", "noauth"): continue
    assert x["result"] in ("in-place", "deferred", "skipped"), (n, x["result"])
    for a in x["actions"]:
        assert a["result"] != "applied", (n, a)'
check_json "second rollout: changed is false for every guest and action" '
for n, x in g.items():
    assert x["changed"] is False, (n, [(a["kind"], a["result"]) for a in x["actions"] if a["changed"]])'
manifest "$TMP/m2"
cmp -s "$TMP/m1" "$TMP/m2" && ok "second rollout: no file in any guest changed" ||
	{ not_ok "second rollout changed files"; diff "$TMP/m1" "$TMP/m2" | head -20 | sed 's/^/# /'; }

# --- rollback ---
rc=0; HV rollback --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "rollback: every changed guest restored" '
for n, x in g.items():
    if kind[n] in ("closed", "noauth"): continue
    assert x["result"] != "failed", (n, x["result_message"])'
manifest "$TMP/m3"
cmp -s "$TMP/m0" "$TMP/m3" && ok "rollback: every file of every guest byte-for-byte as before" ||
	{ not_ok "rollback left differences"; diff "$TMP/m0" "$TMP/m3" | head -20 | sed 's/^/# /'; }

# --- dom0, the host row: the test driver's Domain-0 stands for dom0 while HVCLOCK_LOCAL_ROOT
# points the local transport into a lab tree (g4: a Debian pvops kernel with update-grub; g8: a
# classic XenLinux kernel with xen.independent_wallclock) ---
# The trees that play dom0 (g4, g8) are left out of this fleet: a guest's own rollback would
# otherwise undo what the host row did in the same tree.
python3 - "$TMP/fleet.xml" "$TMP/fleet-dom0.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1])
node = t.getroot()
for dom in node.findall("domain"):
    if dom.findtext("name") in ("g4", "g8"):
        node.remove(dom)
node.append(ET.fromstring("<domain type='test'><name>Domain-0</name>"
    "<uuid>00000000-0000-0000-0000-000000000000</uuid><memory unit='MiB'>1024</memory>"
    "<vcpu>1</vcpu><os><type arch='x86_64'>xen</type></os></domain>"))
t.write(sys.argv[2])
PY
HVD() { run_hvclock -c "test://$TMP/fleet-dom0.xml" -i "$SIM/client/id_ed25519" \
	--known-hosts "$SIM/client/known_hosts" --no-agent --connect-timeout 60 "$@"; }
tree() { (cd "$SIM/guests/$1" && find . -path ./dev -prune -o -type f -print0 | sort -z |
	xargs -0 sha256sum) >"$2"; }
D0=$SIM/guests/g4
echo 'GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"' >>"$D0/etc/default/grub"
chroot "$D0" /usr/sbin/update-grub # a dom0's grub.cfg has its Xen entry before hvclock comes
cp "$D0/etc/default/grub" "$TMP/dom0-grub.orig"
# dom0's own hvclock state (the host's state directory and lock) lives where the scripts keep
# theirs: a dom0 rollback must leave it alone (the byte-for-byte tree comparison below, too).
mkdir -p "$D0/var/lib/hvclock/guests" "$D0/run/hvclock"
echo "5e1a0000-0000-4000-8000-000000000001 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfAnotherGuest" \
	>"$D0/var/lib/hvclock/known_hosts"
echo '{ "remedy": { "profile": "el6-kvm" } }' >"$D0/var/lib/hvclock/guests/5e1a0000-0000-4000-8000-000000000001.json"
echo 4242 >"$D0/run/hvclock/lock"
tree g4 "$TMP/d0"
rc=0; HVD plan --profile xen-wa2 --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "host row: without HVCLOCK_LOCAL_ROOT the test fleet has none, and Domain-0 is no guest" '
assert d["host"] is None, d["host"]
assert list(g) == ["g2"], list(g)'
export HVCLOCK_LOCAL_ROOT=$D0
rc=0; HVD plan --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "host row: none when no chosen remedy changes dom0 (g1, el6-kvm)" 'assert d["host"] is None, d["host"]'
rc=0; HVD plan --profile xen-wa2 --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 4 ] && ok "host row: plan exit 4" || { not_ok "host row: plan exit $rc"; sed 's/^/# /' "$TMP/err"; }
check_json "host row: dom0 inspected locally, clocksource=jiffies planned into GRUB_CMDLINE_LINUX" '
h = d["host"]
assert h["name"] == "Domain-0" and h["address"] is None and h["facts"]["inspected"], h
assert h["facts"]["bootloader"] == "update-grub", h["facts"]
assert "xen-wa2 (chosen for g2)" in h["remedy"]["reason"], h["remedy"]
assert [a["kind"] for a in h["actions"]] == ["guest-bootloader", "timesync"], h["actions"]
t = h["actions"][1]
assert t["check_only"] and t["target"] == "time sync daemon in dom0" and t["before"] == h["facts"]["timesync"], t
a = h["actions"][0]
assert a["target"].startswith("dom0 /etc/default/grub GRUB_CMDLINE_LINUX"), a
assert a["before"] == "" and a["after"] == "clocksource=jiffies" and a["state"] == "pending", a
assert h["status"] == "changes-pending" and d["summary"]["guests"] == 1, (h["status"], d["summary"])'
HVD plan --profile xen-wa2 g2 >"$TMP/out" 2>&1
grep -q '^Domain-0 *xen dom0 *firmware *xen-wa2 *changes pending' "$TMP/out" &&
	grep -q '^host Domain-0: changes pending' "$TMP/out" && ok "host row: a row in the table and a summary line" ||
	{ not_ok "host row: text report"; sed 's/^/# /' "$TMP/out" | head -30; }
rc=0; HVD rollout --profile xen-wa2 --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 0 ] && ok "host row: rollout exit 0" || { not_ok "host row: rollout exit $rc"; sed 's/^/# /' "$TMP/err"; }
check_json "host row: dom0 written, deferred to the host reboot" '
h = d["host"]
assert h["result"] == "deferred", (h["result"], h["result_message"])
assert g["g2"]["result"] in ("applied", "deferred"), g["g2"]["result_message"]'
diff "$TMP/dom0-grub.orig" "$D0/etc/default/grub" >"$TMP/grub.diff"
if [ "$(grep -c '^[<>]' "$TMP/grub.diff")" -eq 2 ] && grep -q '^> GRUB_CMDLINE_LINUX="clocksource=jiffies"$' "$TMP/grub.diff" &&
	grep -qx 'GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"' "$D0/etc/default/grub"; then
	ok "host row: only GRUB_CMDLINE_LINUX changed in dom0, GRUB_CMDLINE_XEN untouched"
else not_ok "host row: /etc/default/grub of dom0"; sed 's/^/# /' "$TMP/grub.diff"; fi
[ -f "$HVCLOCK_STATE_DIR/guests/00000000-0000-0000-0000-000000000000.json" ] &&
	ok "host row: a state file under dom0's UUID" || not_ok "host row: no state file for dom0"
grep -q 'module2 /boot/vmlinuz-.* clocksource=jiffies' "$D0/boot/grub/grub.cfg" &&
	ok "host row: update-grub ran in dom0; the dom0 kernel's module2 line carries it" ||
	{ not_ok "host row: dom0 grub.cfg"; sed 's/^/# /' "$D0/boot/grub/grub.cfg"; }
tree g4 "$TMP/d1"
rc=0; HVD rollout --profile xen-wa2 --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "host row: rollout again changes nothing in dom0 (waits for the host reboot)" '
h = d["host"]
assert h["status"] == "waiting-power-cycle", h["status"]
assert all(a["result"] != "applied" for a in h["actions"]), h["actions"]'
tree g4 "$TMP/d2"
cmp -s "$TMP/d1" "$TMP/d2" && ok "host row: second rollout: no dom0 file changed" || not_ok "host row: second rollout changed dom0"
rc=0; HVD rollback --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "host row: rollback of a guest leaves dom0 alone" 'assert d["host"] is None, d["host"]'
rc=0; HVD rollback --json Domain-0 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "host row: rollback Domain-0 restores dom0" '
h = d["host"]
assert d["guests"] == [] and h["result"] == "applied", (h["result"], h["result_message"])
assert [a["kind"] for a in h["actions"]] == ["guest-restore"], h["actions"]'
tree g4 "$TMP/d3"
cmp -s "$TMP/d0" "$TMP/d3" && ok "host row: every dom0 file byte-for-byte as before" ||
	{ not_ok "host row: rollback left differences in dom0"; diff "$TMP/d0" "$TMP/d3" | head | sed 's/^/# /'; }
[ -s "$D0/var/lib/hvclock/known_hosts" ] && [ -s "$D0/var/lib/hvclock/guests/5e1a0000-0000-4000-8000-000000000001.json" ] &&
	[ -s "$D0/run/hvclock/lock" ] && [ ! -e "$D0/var/lib/hvclock/dom0" ] &&
	ok "host row: dom0 rollback keeps the host's known_hosts, guest records and lock; removes only its own directory" ||
	{ not_ok "host row: dom0 rollback and the host's state"; find "$D0/var/lib/hvclock" "$D0/run" | sed 's/^/# /'; }
[ ! -e "$HVCLOCK_STATE_DIR/guests/00000000-0000-0000-0000-000000000000.json" ] &&
	ok "host row: dom0's state file removed" || not_ok "host row: dom0 state file left"
# GRUB_CMDLINE_LINUX_XEN_REPLACE gives dom0 another line: the read-back of grub.cfg sees that
# the change would not boot, puts /etc/default/grub back and fails the host row.
echo 'GRUB_CMDLINE_LINUX_XEN_REPLACE="console=hvc0"' >>"$D0/etc/default/grub"
cp "$D0/etc/default/grub" "$TMP/dom0-grub.replace"
rc=0; HVD rollout --profile xen-wa2 --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "host row: an override of dom0's line is caught by reading grub.cfg back" '
a = d["host"]["actions"][0]
assert d["host"]["result"] == "failed" and a["result"] == "failed", (d["host"]["result"], a)
assert "GRUB_CMDLINE_LINUX_XEN_REPLACE" in a["result_message"] and "put back" in a["result_message"], a'
[ $rc -eq 1 ] && cmp -s "$TMP/dom0-grub.replace" "$D0/etc/default/grub" &&
	! grep -q clocksource=jiffies "$D0/boot/grub/grub.cfg" &&
	ok "host row: exit 1, /etc/default/grub put back, grub.cfg regenerated without the change" ||
	not_ok "host row: after the refused override (rc=$rc)"
HVD rollback --json g2 Domain-0 >/dev/null 2>&1
# A classic XenLinux dom0 has the key: workaround #1 sets it there too.
export HVCLOCK_LOCAL_ROOT=$SIM/guests/g8
tree g8 "$TMP/e0"
rc=0; HVD rollout --profile xen-wa1 --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "host row: xen.independent_wallclock=1 in a dom0 that has the key" '
h = d["host"]
k = {a["kind"]: a for a in h["actions"]}
assert list(k) == ["sysctl"], (list(k), h)
assert k["sysctl"]["key"] == "xen.independent_wallclock" and k["sysctl"]["after"] == "1", k
assert k["sysctl"]["result"] == "applied", k["sysctl"]'
# an EL5 dom0 whose boot reads only /etc/sysctl.conf: hvclock's block at its end
[ "$(tail -n 2 "$SIM/guests/g8/etc/sysctl.conf")" = "$(printf '%s\n' 'xen.independent_wallclock = 1' '# END hvclock')" ] &&
	ok "host row: dom0's sysctl in its /etc/sysctl.conf block" || not_ok "host row: dom0's sysctl.conf block"
rc=0; HVD rollback --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "host row: rollback --all-guests includes dom0" 'assert d["host"]["result"] == "applied", d["host"]'
tree g8 "$TMP/e1"
cmp -s "$TMP/e0" "$TMP/e1" && ok "host row: that dom0 restored byte for byte" ||
	{ not_ok "host row: rollback left differences in the XenLinux dom0"; diff "$TMP/e0" "$TMP/e1" | head | sed 's/^/# /'; }
unset HVCLOCK_LOCAL_ROOT

# --- one writer at a time ---
(umask 077 && : >"$HVCLOCK_LOCK_FILE") # hvclock refuses a lock file others may open
exec 9>"$HVCLOCK_LOCK_FILE"
flock 9
echo 4242 >"$HVCLOCK_LOCK_FILE"
rc=0; HV rollout --all-guests >"$TMP/out" 2>"$TMP/err" || rc=$?
{ [ $rc -eq 3 ] && grep -q "another hvclock run (pid 4242)" "$TMP/err"; } &&
	ok "a second writer is refused and told which process holds the lock" ||
	{ not_ok "lock: rc=$rc"; sed 's/^/# /' "$TMP/err"; }
exec 9>&-

# --- host keys: unknown refused, --accept-new records each once, then they are known ---
kh=$TMP/known_hosts.fresh
: >"$kh"
HVK() { run_hvclock -c "$FLEET" -i "$SIM/client/id_ed25519" --known-hosts "$kh" --no-agent \
	--connect-timeout 60 --parallel 8 "$@"; }
rc=0; HVK plan --json g1 g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "unknown host keys are refused, with the fingerprint and the way out" '
for n in ("g1", "g2"):
    r = g[n]["status_reason"]
    assert g[n]["status"] == "failed" and "SHA256:" in r and "--accept-new" in r, r'
check_json "unknown host keys: error_kind host-key" '
assert [g[n]["error_kind"] for n in ("g1", "g2")] == ["host-key", "host-key"], d["guests"]'
[ ! -s "$kh" ] && ok "nothing recorded without --accept-new" || not_ok "keys recorded without --accept-new"
rc=0; HVK --accept-new plan --json g1 g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "--accept-new: guests inspected" '
assert all(x["facts"]["inspected"] for x in d["guests"]), [x["inspect_error"] for x in d["guests"]]'
[ "$(wc -l <"$kh")" -eq 2 ] && ok "--accept-new: one line per guest" || not_ok "--accept-new: $(wc -l <"$kh") lines"
rc=0; HVK plan --json g1 g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "recorded keys are known on the next run" '
assert all(x["facts"]["inspected"] for x in d["guests"]), [x["inspect_error"] for x in d["guests"]]'

# --- guest identity: host keys pinned to the domain's UUID, the guest's own UUID checked ---
port_of() { SIM=$SIM "$here/simfleet.sh" inventory | awk -v g="$1" '$1 == g { print $3 }'; }
P1=$(port_of g1) P2=$(port_of g2)
rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "identity: every inspected guest reports its domain's UUID (SMBIOS, SMBIOS byte order, Xen)" '
for n, x in g.items():
    if kind[n] in ("closed", "noauth"): continue
    assert x["identity"] == "verified", (n, x["identity"], x["identity_detail"], x["inspect_error"])
    want = {"el6-kvm": "(SMBIOS byte order)", "xenlinux-pv": "/sys/hypervisor/uuid",
            "modern-xen-pv": "/sys/hypervisor/uuid"}.get(kind[n], "SMBIOS product_uuid")
    assert want in x["identity_detail"], (n, x["identity_detail"])'
manifest "$TMP/id0"
rc=0; HV --guest-address "g1=127.0.0.1:$P2" rollout --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "identity: g1 sent to g2's address: g2's key is not g1's pinned key, refused" '
x = g["g1"]
assert x["result"] == "failed" and x["status"] == "failed", (x["status"], x["result"])
assert "host key changed for 5e1a0000-0000-4000-8000-000000000001" in x["status_reason"], x["status_reason"]
assert "ssh-keygen -R" in x["status_reason"], x["status_reason"]'
check_json "identity: a changed host key is error_kind host-key" 'assert g["g1"]["error_kind"] == "host-key", g["g1"]["error_kind"]'
kh2=$TMP/known_hosts.identity
: >"$kh2"
rc=0; run_hvclock -c "$FLEET" -i "$SIM/client/id_ed25519" --known-hosts "$kh2" --no-agent --accept-new \
	--guest-address "g1=127.0.0.1:$P2" rollout --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "identity: with --accept-new, g1 sent to g2 is blocked: g2 reports its own UUID" '
x = g["g1"]
assert x["status"] == "blocked" and x["result"] == "failed", (x["status"], x["result"])
assert x["identity"] == "mismatch", x["identity"]
assert "not this guest" in x["status_reason"] and "5e1a0000-0000-4000-8000-000000000002" in x["status_reason"], x["status_reason"]
assert not x["facts"]["inspected"], "facts of another guest kept"'
check_json "identity: the blocked guest is error_kind identity" 'assert g["g1"]["error_kind"] == "identity", g["g1"]["error_kind"]'
[ $rc -eq 1 ] && [ ! -s "$kh2" ] && ok "identity: exit 1, and g2's key was not pinned for g1" ||
	{ not_ok "identity: rc=$rc, known_hosts: $(cat "$kh2")"; }
manifest "$TMP/id1"
cmp -s "$TMP/id0" "$TMP/id1" && ok "identity: nothing changed in any guest (g2 byte for byte)" ||
	{ not_ok "identity: a guest changed"; diff "$TMP/id0" "$TMP/id1" | head | sed 's/^/# /'; }
rc=0; HV --guest-address "g1=localhost:$P1" plan --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "identity: g1 at a new address keeps its pinned key" '
x = g["g1"]
assert x["facts"]["inspected"] and x["identity"] == "verified", (x["inspect_error"], x["identity"])
assert x["address"] == "localhost:'"$P1"'", x["address"]'
U7=$SIM/guests/g7/sys/class/dmi/id/product_uuid # g7: el6-kvm, a remedy is pending
cp -p "$U7" "$TMP/g7.uuid"
rm "$U7"
rc=0; HV rollout --json g7 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "identity: a guest that reports no UUID is refused changes, with the way to allow it" '
x = g["g7"]
assert x["status"] == "blocked" and x["identity"] == "unknown", (x["status"], x["identity"])
assert "--no-verify-identity" in x["status_reason"], x["status_reason"]'
rc2=0; HV plan --json g7 >"$TMP/plan7.json" 2>"$TMP/err" || rc2=$?
printf '[guest:g7]\nverify-identity = no\n' >"$TMP/noverify.conf"
rc=0; HV --config "$TMP/noverify.conf" plan --json g7 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "identity: verify-identity = no in the configuration allows it (said so)" '
x = g["g7"]
assert x["identity"] == "allowed" and x["facts"]["inspected"], (x["identity"], x["inspect_error"])
assert x["status"] == "changes-pending", x["status"]'
rc=0; HV --no-verify-identity plan --json g7 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "identity: so does --no-verify-identity" 'assert g["g7"]["identity"] == "allowed", g["g7"]["identity"]'
cp -p "$TMP/g7.uuid" "$U7"
manifest "$TMP/id2"
[ $rc2 -eq 1 ] && cmp -s "$TMP/id0" "$TMP/id2" && ok "identity: plan exit 1 for it; nothing changed in any guest" ||
	{ not_ok "identity: no-UUID guest: plan rc=$rc2, or files changed"; diff "$TMP/id0" "$TMP/id2" | head | sed 's/^/# /'; }

# --- no leftovers in a guest: a hung script ends itself; one changing run at a time ---
guest_procs() { # processes (not sshd) whose root is guest $1's tree
	local p r n=0
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$SIM/guests/$1" ] || continue
		case "$(cat "$p/comm" 2>/dev/null)" in sshd) continue ;; esac
		n=$((n + 1))
	done
	echo $n
}
wait_no_procs() { # up to $2 s for guest $1 to have no process of a run left
	local i=0
	while [ "$(guest_procs "$1")" != 0 ] && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(guest_procs "$1")" = 0 ]
}
G=g1 GT=$SIM/guests/g1
cp "$GT/bin/uname" "$TMP/uname.g1"
rm -f "$GT/bin/uname" # its own copy, not the kind's shared (hardlinked) one
printf '#!/bin/sh
exec sleep 3600
' >"$GT/bin/uname"
chmod 755 "$GT/bin/uname"
for i in 1 2 3 4 5; do
	HV --command-timeout 1 plan --json g1 >"$TMP/out.json" 2>"$TMP/err" || :
done
check_json "leftovers: a hung inspection times out (5 runs)" '
assert "timed out" in g["g1"]["status_reason"], g["g1"]["status_reason"]'
wait_no_procs g1 30 && ok "leftovers: every hung run ended itself in the guest (its deadline, its process group)" ||
	{ not_ok "leftovers: $(guest_procs g1) processes left in g1"; }
# The connection lost mid-run (hvclock killed): the script still ends itself.
printf '#!/bin/sh\necho >/tmp/hvc-reached\nexec sleep 3600\n' >"$GT/bin/uname"
rm -f "$GT/tmp/hvc-reached"
mkfifo "$GT/tmp/hvc-reached"
"$HVCLOCK" -c "$FLEET" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" \
	--no-agent --connect-timeout 60 --command-timeout 2 plan --json g1 >/dev/null 2>&1 &
pid=$!
timeout 300 cat "$GT/tmp/hvc-reached" >/dev/null # the guest says it is there (300: a hang guard)
kill -KILL $pid; wait $pid 2>/dev/null
wait_no_procs g1 30 && ok "leftovers: hvclock killed mid-run: the guest's run still ends itself" ||
	not_ok "leftovers: $(guest_procs g1) processes left after hvclock was killed"
rm -f "$GT/bin/uname" "$GT/tmp/hvc-reached"
cp "$TMP/uname.g1" "$GT/bin/uname"
# One changing run at a time: a live run's lock in the guest makes a rollout change nothing;
# a lock whose run is gone is taken over. (This lab has no flock(1): the mkdir lock.)
# The holder is this shell's child (killed and waited for below: no zombie that kill -0 finds).
mkdir "$GT/run/hvclock-guest.lock.d"
chroot "$GT" sleep 3600 >/dev/null 2>&1 &
holder=$!
echo "$holder" >"$GT/run/hvclock-guest.lock.d/pid"
rc=0; HV rollout --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "guest lock: a rollout while another run holds the guest lock changes nothing, says why" '
x = g["g1"]
why = (x["status"], x["status_reason"], x["error_kind"], x["result"], x.get("result_message"),
    [(a["result"], a.get("result_message")) for a in x["actions"]])
assert x["result"] == "failed", why
m = [a["result_message"] for a in x["actions"] if a["result"] == "failed"]
assert m and all("another hvclock run (pid" in s for s in m), why' ||
	{ diag <"$TMP/err"; ls -la "$GT/run/hvclock-guest.lock.d" 2>&1 | diag
	kill -0 "$holder" 2>/dev/null && echo "holder $holder alive" | diag; }
manifest "$TMP/id4"
grep -v 'hvclock-guest.lock.d/pid$' "$TMP/id4" | cmp -s "$TMP/id0" - && ok "guest lock: nothing changed meanwhile" ||
	{ not_ok "guest lock: files changed"; diff "$TMP/id0" "$TMP/id4" | head | sed 's/^/# /'; }
kill "$holder"
wait "$holder" 2>/dev/null
rc=0; HV rollout --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "guest lock: a lock left by a run that is gone is taken over" '
assert g["g1"]["result"] in ("applied", "deferred"), (g["g1"]["result"], g["g1"]["result_message"])'
[ ! -e "$GT/run/hvclock-guest.lock.d" ] && ok "guest lock: released at the end of the run" ||
	not_ok "guest lock: left behind"
HV rollback --json g1 >/dev/null 2>&1 || :
manifest "$TMP/id5"
cmp -s "$TMP/id0" "$TMP/id5" && ok "guest lock: rollback: g1 byte for byte as before" ||
	{ not_ok "guest lock: rollback left differences"; diff "$TMP/id0" "$TMP/id5" | head | sed 's/^/# /'; }

# --- the configuration file: per-guest skip and profile, file:line errors ---
printf '[run]\nparallel = 4\n[guest:g3]\nskip = yes\n[guest:g2]\nprofile = xen-wa2\n' >"$TMP/hvclock.conf"
rc=0; HV --config "$TMP/hvclock.conf" plan --json g2 g3 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "config: [guest:g3] skip, [guest:g2] profile" '
assert g["g3"]["status"] == "skipped" and "configuration" in g["g3"]["status_reason"], g["g3"]
assert g["g2"]["remedy"]["profile"] == "xen-wa2" and g["g2"]["remedy"]["forced"], g["g2"]["remedy"]'
printf '[ssh]\nport = 22\ncolour = blue\n' >"$TMP/bad.conf"
rc=0; HV --config "$TMP/bad.conf" plan >"$TMP/out" 2>"$TMP/err" || rc=$?
{ [ $rc -eq 3 ] && grep -q "bad.conf:3: unknown key 'colour'" "$TMP/err"; } &&
	ok "config: a bad key is exit 3 with file:line" || { not_ok "config error: rc=$rc"; sed 's/^/# /' "$TMP/err"; }

# --- --wait-ssh: a guest whose sshd comes up late (as right after virsh start) is waited for ---
# g4's sshd is gone (its pid, not a guess at how long that takes). In its place a listener holds
# the first connection hvclock makes, and says so; only then does the real sshd start, and the
# held connection is closed (to hvclock: "not yet"). So hvclock was turned away while g4 had no
# sshd, however busy the machine is, and must try again. The listener also ends, and says why,
# if hvclock ends first; the test reads it through a pipe, so nothing here can wait forever.
st=$SIM/state
g4pid=$(cat "$st/sshd-g4.pid")
g4port=$("$here/simfleet.sh" inventory | awk '$1 == "g4" { print $3 }')
kill "$g4pid" 2>/dev/null
for _ in $(seq 1 300); do kill -0 "$g4pid" 2>/dev/null || break; sleep 0.1; done
"$HVCLOCK" -c "$FLEET" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" \
	--no-agent --connect-timeout 60 --wait-ssh 120 plan --json g4 >"$TMP/out.json" 2>"$TMP/err" &
pid=$!
cat >"$TMP/hold.py" <<'PY'
import os, select, socket, sys
c = None
try:
    l = socket.socket()
    # SO_REUSEADDR: sshd can bind the port while the held connection is still open.
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((sys.argv[1], int(sys.argv[2])))
    l.listen(1)
    gone = os.pidfd_open(int(sys.argv[3]))
    if l in select.select([l, gone], [], [])[0]:
        c, _ = l.accept()
        l.close() # before saying so: the port is sshd's from then on
        print("held", flush=True)
    else:
        l.close()
        print("hvclock ended without connecting", flush=True)
except Exception as e:
    print("listener: %s" % e, flush=True)
sys.stdin.read() # until the test closes its end
if c:
    c.close()
PY
coproc HOLD { python3 "$TMP/hold.py" "${SIM_LISTEN:-127.0.0.1}" "$g4port" "$pid"; }
hold=$HOLD_PID hold_in=${HOLD[1]:-} held=
read -r held <&"${HOLD[0]}" || :
[ "$held" = held ] || kill "$pid" 2>/dev/null
# g4's sshd again (also when the case failed: the cases after it need g4)
/usr/sbin/sshd -f "$st/sshd-g4.conf" -E "$st/sshd-g4.log"
for _ in $(seq 1 600); do [ -s "$st/sshd-g4.pid" ] && break; sleep 0.1; done # a hang guard
cat "$st/sshd-g4.pid" >>"$st/pids"
[ -z "$hold_in" ] || exec {hold_in}>&- # the listener closes the held connection
wait "$hold" 2>/dev/null
rc=0; wait $pid || rc=$?
[ "$held" = held ] && ok "--wait-ssh: hvclock was turned away while g4 had no sshd" ||
	{ not_ok "--wait-ssh: no connection was held"; echo "$held" | diag; }
{ [ $rc -eq 0 ] || [ $rc -eq 4 ]; } && ok "--wait-ssh: plan exit $rc" ||
	{ not_ok "--wait-ssh: plan exit $rc"; diag <"$TMP/err"; }
check_json "--wait-ssh: it tried again: the late guest is reached and inspected" '
assert g["g4"]["facts"]["inspected"], g["g4"]["inspect_error"]'
rc=0; HV --wait-ssh 2 plan g17 >"$TMP/out" 2>"$TMP/err" || rc=$?
[ $rc -eq 1 ] && ok "--wait-ssh is bounded: a guest that never answers fails" || not_ok "--wait-ssh bound: rc=$rc"

# --- Ctrl-C: guests in flight finish, the others are reported as not reached ---
# g1 (first with --parallel 1) stops in its inspection until released; SIGINT comes then.
GT=$SIM/guests/g1
cp "$GT/bin/uname" "$TMP/uname.g1"
rm -f "$GT/bin/uname" "$GT/tmp/hvc-reached"
mkfifo "$GT/tmp/hvc-release" "$GT/tmp/hvc-reached"
{ echo '#!/bin/sh'; echo 'echo >/tmp/hvc-reached; read x </tmp/hvc-release'; tail -n +2 "$TMP/uname.g1"; } >"$GT/bin/uname"
chmod 755 "$GT/bin/uname"
exec 8<>"$GT/tmp/hvc-release" # held open: the release below never waits for a reader
"$HVCLOCK" -c "$FLEET" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" \
	--no-agent --connect-timeout 60 --parallel 1 rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" &
pid=$!
timeout 300 cat "$GT/tmp/hvc-reached" >/dev/null # g1's inspection is held there (300: a hang guard)
kill -INT $pid
echo go >&8
rc=0; wait $pid || rc=$?
exec 8>&- # (after the run: the guest's read may open the fifo late)
rm -f "$GT/bin/uname" "$GT/tmp/hvc-release" "$GT/tmp/hvc-reached"
cp "$TMP/uname.g1" "$GT/bin/uname"
check_json "interrupted rollout: every guest either carried out or reported not reached" '
nr = [n for n, x in g.items() if x["result_message"] and "not reached" in x["result_message"]]
assert nr, "nothing was interrupted (SIGINT came while g1 was held: it should have been)"
for n, x in g.items():
    if n not in nr:
        assert x["result"] != "none", (n, x["result"])'
check_json "interrupted rollout: the guests not reached are error_kind interrupted" '
for n, x in g.items():
    if x["result_message"] and "not reached" in x["result_message"]:
        assert x["error_kind"] == "interrupted", (n, x["error_kind"])'
{ [ $rc -eq 1 ] && grep -q "^hvclock: interrupted: finishing the guests in flight, starting no other" "$TMP/err" &&
	grep -q "^hvclock: interrupted: guests in flight were finished" "$TMP/err"; } &&
	ok "interrupted rollout: exit 1, says so at the signal and at the end" ||
	{ not_ok "interrupted rollout: rc=$rc"; sed 's/^/# /' "$TMP/err"; }

tap_done
