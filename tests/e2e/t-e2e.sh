#!/bin/bash
# t-e2e.sh: hvclock end to end on real guests (Debian's kernel under QEMU, TCG here) behind a private
# libvirtd: plan -> rollout -> rollout --restart (a guest ignoring the shutdown request left running;
# then every guest restarted and verified by hvclock) -> verify inside the guests -> plan -> rollout again ->
# rollback -> power-cycle -> verify; provisioning (rollout --wait-ssh right after virsh start); faults
# on real parts (guest destroyed in the middle of a rollout, libvirtd stopped in the middle of a run,
# a guest's host key changed after re-creation). TAP; SKIPs only where the machine cannot run it.
#
# Guests (bed.sh, mkguest.sh): d1 d2 direct kernel boot (<kernel>/<initrd>/<cmdline>: hvclock's
# host-side rewrite), g1 disk-booted through a real GRUB (its kernel line comes from its own
# /etc/default/grub + update-grub: hvclock's guest boot loader path), p1 the provisioned guest.
# Each has its own root disk (ext4), so /etc, /boot and /var/lib/hvclock persist across power-cycles.
# Every guest's definition has VNC and SPICE console passwords, <sysinfo>, metadata of another namespace and
# <seclabel>: saved with `virsh dumpxml --inactive --security-info` before the rollout, it must be the same
# after the rollout and after the rollback (canonicalized) but for <os><cmdline> and hvclock's record.
# The remedy is the test-only profile profiles/e2e-hpet.profile (forced with --profile): clocksource=hpet
# on the kernel command line, a live switch to hpet, kernel.panic and vm.swappiness in the drop-in.
#
# env: HVCLOCK (the binary), HVC_E2E_DIR (work directory: bed, run, image cache; default build-e2e),
#      HVC_E2E_CACHE (where mkguest.sh keeps the image and the .debs; default HVC_E2E_DIR/cache)
# shellcheck disable=SC2016,SC2015 # guest-side code in single quotes; "a && ok || not_ok" is meant
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=bed.sh
. "$here/bed.sh"
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

T0=$(date +%s.%N)
TL=$T0
. "$here/../lib/tap.sh"
el() { echo "$(date +%s.%N) $1" | awk '{ printf "%.1f", $1 - $2 }'; }
# mark NAME: the time since the last mark and since the start, as a TAP comment
TIMES=()
mark() {
	local d
	d=$(el "$TL")
	TL=$(date +%s.%N)
	TIMES+=("$(printf '%6.1f s  %s' "$d" "$1")")
	echo "# [$(printf '%6.1f' "$(el "$T0")") s] $1 ($d s)"
}

# --- can this machine run it at all? ---
[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, bridge, libvirtd)"
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"
: "${HVCLOCK:?HVCLOCK must name the hvclock binary}"
[ -x "$HVCLOCK" ] || bail "HVCLOCK=$HVCLOCK is not executable"
missing=
for c in unshare nsenter virsh libvirtd virtlogd qemu-system-x86_64 python3 ssh ssh-keygen mke2fs sfdisk \
	cpio depmod modprobe apt-get apt-cache dpkg-deb xz flock xmllint virt-xml-validate; do
	command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
[ -x /usr/sbin/dnsmasq ] || command -v dnsmasq >/dev/null 2>&1 || missing="$missing dnsmasq"
[ -x /bin/busybox ] || missing="$missing busybox"
[ -z "$missing" ] || skip_all "missing:$missing (scripts/deps.sh installs them)"
unshare --mount --net true 2>/dev/null || skip_all "cannot create mount and network namespaces"

E2E=${HVC_E2E_DIR:-$top/build-e2e}
mkdir -p "$E2E"
E2E=$(cd "$E2E" && pwd)
CACHE=${HVC_E2E_CACHE:-$E2E/cache}
exec 8>"$E2E/.run-lock"
flock -w 900 8 || bail "another e2e run holds $E2E/.run-lock"
S=$E2E/bed
RUN=$E2E/run
rm -rf "$RUN"
mkdir -p "$RUN"

HVPID=
cleanup() {
	[ -n "$HVPID" ] && kill "$HVPID" 2>/dev/null
	bed_down "$S"
	echo "# e2e wall time: $(el "$T0") s"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the guest image (cached under the work directory, keyed on the kernel package) ---
G=$("$here/mkguest.sh" "$CACHE" 2>"$RUN/mkguest.log")
rc=$?
if [ $rc -eq 3 ]; then
	apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1
	G=$("$here/mkguest.sh" "$CACHE" 2>"$RUN/mkguest.log")
	rc=$?
	[ $rc -eq 3 ] && skip_all "cannot download Debian packages with apt-get: $(tail -n 1 "$RUN/mkguest.log")"
fi
[ $rc -eq 0 ] || { diag <"$RUN/mkguest.log"; bail "mkguest.sh failed"; }
KVER=$(cat "$G/kver")
mark "guest image ready ($KVER)"

# KVM only where hardware virtualisation really works (shared/testbed.md §0.2); else TCG
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ ! -d /sys/module/kvm_pvm ]; then
	BED_DOMTYPE=kvm
else
	BED_DOMTYPE=qemu
fi
export BED_DOMTYPE

# --- helpers ---
export HVCLOCK_STATE_DIR=$RUN/state HVCLOCK_LOCK_FILE=$RUN/lockdir/lock HVCLOCK_CONFIG=/dev/null
unset SSH_AUTH_SOCK LIBVIRT_DEFAULT_URI
KH=$RUN/known_hosts
: >"$KH"
# the test-only profile (profiles/e2e-hpet.profile), forced
PROFILE=(--profiles-dir "$here/profiles" --profile e2e-hpet)
# HV ARGS...: hvclock inside the bed's namespaces, against the private daemon's qemu:///system, with the
# image's key, a known_hosts file that starts empty, and --accept-new
HV() {
	bed_ns "$S" timeout "${HV_TIMEOUT:-300}" "$HVCLOCK" -c qemu:///system -i "$G/id_ed25519" --known-hosts "$KH" \
		--accept-new --no-agent --connect-timeout 10 "$@"
}
# hv ARGS...: the same; stdout in $RUN/out, stderr in $RUN/err, exit code in $rc
hv() {
	rc=0
	HV "$@" >"$RUN/out" 2>"$RUN/err" || rc=$?
	cp "$RUN/out" "$RUN/out.$n.json" 2>/dev/null
}
show_run() { # the last run, short: exit code, stderr, per guest its status/result and actions
	{
		echo "exit $rc; stderr:"
		head -c 2000 "$RUN/err"
		python3 - "$RUN/out" <<'PY' 2>&1 | head -n 60
import json, sys
d = json.load(open(sys.argv[1]))
for x in d["guests"]:
    print(x["name"], x["status"], x.get("result"), "|", x["status_reason"] or "", x.get("result_message") or "", x["inspect_error"] or "")
    for a in x["actions"]:
        print("   ", a["kind"], a["key"] or "", a["state"], repr(a["before"]), "->", repr(a["after"]), a.get("result"), a.get("result_message") or "")
PY
	} | diag
}

# check_json NAME PYTHON: d = the JSON document of the last hvclock run, g = its guests by name,
# rc = its exit code, ctx = what the test recorded (orig.<guest>.<key>, ...)
check_json() {
	if python3 - "$RUN/out" "$rc" "$RUN/ctx" "$2" 2>"$RUN/py.err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
ctx = {}
for line in open(sys.argv[3]):
    k, _, v = line.rstrip("\n").partition("=")
    ctx[k] = v
g = {x["name"]: x for x in d["guests"]}
def acts(name):
    return {a["kind"] + (":" + a["key"] if a["key"] else ""): a for a in g[name]["actions"]}
exec(sys.argv[4])
PY
	then ok "$1"; else
		not_ok "$1"
		diag <"$RUN/py.err"
		show_run
	fi
}
: >"$RUN/ctx"
ctx_set() { echo "$1=$2" >>"$RUN/ctx"; }
ctx_get() { sed -n "s/^$1=//p" "$RUN/ctx" | tail -n 1; }
# t NAME CMD...: one TAP line for a shell condition
t() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

gssh() { # NAME CMD: ssh to the guest with the image's key (the test's own access, not hvclock's)
	local name=$1
	shift
	bed_ns "$S" ssh -i "$G/id_ed25519" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
		-o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes -o ServerAliveInterval=5 \
		"root@$(bed_ip "$name")" "$@"
}
boot_id() { gssh "$1" cat /proc/sys/kernel/random/boot_id </dev/null 2>/dev/null; }
wait_boot() { # NAME [OLD_BOOT_ID] [SECONDS]: until SSH answers from a boot other than OLD
	local name=$1 old=${2:-} lim=${3:-240} t1 id
	t1=$(($(date +%s) + lim))
	while [ "$(date +%s)" -lt "$t1" ]; do
		id=$(boot_id "$name")
		[ -n "$id" ] && [ "$id" != "$old" ] && return 0
		sleep 1
	done
	echo "# $name: no SSH from a new boot within $lim s; console:"
	tail -n 15 "$S/log/qemu/$name-console.log" 2>/dev/null | tr -d '\r' | diag
	return 1
}
# snap NAME FILE: what the test verifies inside a guest, as KEY=VALUE lines
snap() {
	gssh "$1" sh -s >"$2" 2>/dev/null <<'EOF'
cs=/sys/devices/system/clocksource/clocksource0
echo "cmdline=$(cat /proc/cmdline)"
echo "cs=$(cat $cs/current_clocksource)"
echo "avail=$(cat $cs/available_clocksource)"
echo "panic=$(cat /proc/sys/kernel/panic)"
echo "swappiness=$(cat /proc/sys/vm/swappiness)"
if [ -f /etc/sysctl.d/90-hvclock.conf ]; then
	echo "dropin=$(grep -v '^#' /etc/sysctl.d/90-hvclock.conf | tr '\n' ';')"
else
	echo "dropin=absent"
fi
[ -e /var/lib/hvclock ] && echo "gstate=present" || echo "gstate=absent"
echo "grubdef=$(md5sum </etc/default/grub | cut -c1-32)"
echo "grubline=$(grep '^GRUB_CMDLINE_LINUX=' /etc/default/grub)"
echo "grubcfg=$(awk '$1 == "linux" { $1 = ""; $2 = ""; print; exit }' /boot/grub/grub.cfg | sed 's/^ *//; s/ *$//')"
echo "tree=$(find /etc/sysctl.d /var/lib/hvclock /etc/default /boot/grub/grub.cfg -type f 2>/dev/null | sort | xargs md5sum 2>/dev/null | md5sum | cut -c1-32)"
echo "tscunstable=$(dmesg | grep -c "Marking clocksource 'tsc' as unstable")"
echo "bootid=$(cat /proc/sys/kernel/random/boot_id)"
EOF
}
sv() { sed -n "s/^$2=//p" "$1" | head -n 1; } # FILE KEY
# shellcheck disable=SC2086 # splitting is the point
words() { echo $1; } # normalise blanks

xml_cmdline() { # NAME [--inactive]: <os><cmdline> of the live or the persistent definition
	bed_virsh "$S" dumpxml "${@:2}" "$1" | xmllint --xpath 'string(/domain/os/cmdline)' - 2>/dev/null
}
xml_valid() { # NAME: the persistent definition passes libvirt's schema
	bed_virsh "$S" dumpxml --inactive "$1" >"$RUN/$1.check.xml" && virt-xml-validate "$RUN/$1.check.xml" domain >/dev/null 2>&1
}
# secure_xml NAME FILE: the persistent definition with its secrets (console passwords), as an operator
# would save it before a change: virsh dumpxml --inactive --security-info
secure_xml() { bed_virsh "$S" dumpxml --inactive --security-info "$1" >"$2"; }
# has_secrets FILE NAME: the definition of NAME carries what bed.sh gave it: the VNC and SPICE passwords,
# <sysinfo>, the metadata of the bed's own namespace, <seclabel>
has_secrets() {
	python3 - "$1" "$2" <<'PY'
import sys, xml.etree.ElementTree as ET
d, n = ET.parse(sys.argv[1]).getroot(), sys.argv[2]
pw = {gr.get("type"): gr.get("passwd") for gr in d.findall("devices/graphics")}
assert pw == {"vnc": "v%spw!" % n, "spice": "spice-%s-s3cret" % n}, pw
assert d.find("sysinfo/system/entry[@name='serial']").text == "E2E-" + n
assert d.find("metadata/{http://example.org/xmlns/hvclock-e2e-bed/1}bed") is not None
assert d.find("seclabel").get("type") == "none"
PY
}
# same_but_hvclock BEFORE AFTER: the two definitions, canonicalized (C14N 2.0, blank text between elements
# dropped), are identical once <os><cmdline> and hvclock's record in <metadata> are taken out of both;
# prints what differs
same_but_hvclock() {
	python3 - "$1" "$2" <<'PY'
import difflib, sys, xml.etree.ElementTree as ET
def canon(path):
    d = ET.parse(path).getroot()
    for parent, tag in (("os", "cmdline"), ("metadata", "{http://hvclock.org/xmlns/state/1}state")):
        for p in d.findall(parent):
            for e in p.findall(tag):
                p.remove(e)
    return ET.canonicalize(ET.tostring(d, encoding="unicode"), strip_text=True).replace("><", ">\n<").splitlines()
a, b = canon(sys.argv[1]), canon(sys.argv[2])
if a != b:
    print("\n".join(difflib.unified_diff(a, b, sys.argv[1], sys.argv[2], lineterm="", n=1)))
    sys.exit(1)
PY
}
REC_NS=http://hvclock.org/xmlns/state/1 # hvclock's record in <metadata>
# invariant STAGE WHEN: d1 d2 g1's definitions now (saved as NAME.STAGE.xml) against before the rollout
invariant() {
	local x
	for x in d1 d2 g1; do
		secure_xml "$x" "$RUN/$x.$1.xml"
		if same_but_hvclock "$RUN/$x.sec0.xml" "$RUN/$x.$1.xml" >"$RUN/$x.$1.diff" 2>&1; then
			ok "$x: $2 the definition (--inactive --security-info) is the one from before, but for <os><cmdline> and hvclock's record"
		else
			not_ok "$x: $2 the definition differs from the one before beyond <os><cmdline> and hvclock's record"
			head -n 40 "$RUN/$x.$1.diff" | diag
		fi
		if has_secrets "$RUN/$x.$1.xml" "$x" 2>"$RUN/py.err"; then
			ok "$x: $2 the VNC and SPICE passwords, <sysinfo>, other metadata and <seclabel> are there"
		else
			not_ok "$x: $2 the VNC and SPICE passwords, <sysinfo>, other metadata or <seclabel> are lost"
			diag <"$RUN/py.err"
		fi
	done
}
power_cycle() { # NAME...: destroy + start (a new QEMU process), at once, as an operator would
	local name
	for name in "$@"; do
		bed_virsh "$S" destroy "$name" >/dev/null
		bed_virsh "$S" start "$name" >/dev/null
	done
}
# cycle_as_told JSONFILE: each guest as hvclock's report says: "power-cycle" -> destroy + start,
# "reboot" -> virsh reboot; prints "NAME HOW" lines
cycle_plan() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for x in d["guests"]:
    w = {a["takes_effect"] for a in x["actions"] if a.get("result") == "deferred"}
    print(x["name"], "power-cycle" if "power-cycle" in w else "reboot" if "reboot" in w else "none")
PY
}

# Fault injection: the guest scripts run an executable /run/hvclock-test-hook at named points (a
# test-only hook, templates/guest/lib.sh hvc_hook). The bed's hook, armed for one point, says so on
# the console and waits on a FIFO until the host releases it (or the guest is destroyed): "lock"
# (apply-locked: the apply run holds its guest lock, before any change), "sysctl" (sysctl-written:
# the drop-in is written, the run is half-way). Unarmed it returns at once.
HOOK='#!/bin/sh
case "$(cat /run/hvc-fault/armed 2>/dev/null):$1" in
lock:apply-locked | sysctl:sysctl-written)
	rm -f /run/hvc-fault/armed
	echo "HVWATCH $(cat /run/hvc-fault/token) frozen $$" >/dev/console
	read -r _ </run/hvc-fault/release
	;;
esac
'
arm_fault() { # NAME POINT TOKEN: stop the next apply run in NAME at POINT (lock, sysctl)
	printf '%s' "$HOOK" | gssh "$1" 'mkdir -p /run/hvc-fault && cat >/run/hvclock-test-hook &&
		chmod 755 /run/hvclock-test-hook &&
		rm -f /run/hvc-fault/release && mkfifo /run/hvc-fault/release &&
		echo '"$3"' >/run/hvc-fault/token && echo '"$2"' >/run/hvc-fault/armed'
}
release_fault() { # NAME
	gssh "$1" 'echo go >/run/hvc-fault/release' </dev/null
}
wait_console() { # NAME TEXT SECONDS
	local t1=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt "$t1" ]; do
		grep -aq "$2" "$S/log/qemu/$1-console.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ======================================================================================
# 1. The bed: private libvirtd, isolated DHCP network, three guests
# ======================================================================================
bed_up "$S" || bail "the private libvirtd did not start: $(tail -n 3 "$S/ns.log" 2>/dev/null)"
ok "private libvirtd (qemu:///system) in its own mount and network namespaces"
bed_define "$S" "$G" d1 direct && bed_define "$S" "$G" d2 direct && bed_define "$S" "$G" g1 grub ||
	bail "cannot define the guests"
for x in d1 d2 g1; do bed_virsh "$S" start "$x" >/dev/null || bail "virsh start $x failed"; done
mark "bed up, 3 guests defined and started (domain type $BED_DOMTYPE)"
booted=yes
for x in d1 d2 g1; do wait_boot "$x" || booted=no; done
[ $booted = yes ] || bail "the guests did not come up"
for x in d1 d2 g1; do
	snap "$x" "$RUN/$x.0"
	for k in cmdline cs avail panic swappiness grubdef grubline; do ctx_set "orig.$x.$k" "$(sv "$RUN/$x.0" $k)"; done
done
for x in d1 d2; do ctx_set "xml.$x" "$(xml_cmdline "$x" --inactive)"; done
ctx_set kver "$KVER"
mark "3 guests answer SSH"
# the invariant of the definitions (issue 9, item 1): saved with their secrets before any change
ok_sec=yes
for x in d1 d2 g1; do
	secure_xml "$x" "$RUN/$x.sec0.xml" && has_secrets "$RUN/$x.sec0.xml" "$x" 2>"$RUN/py.err" || { ok_sec=no; diag <"$RUN/py.err"; }
	bed_virsh "$S" dumpxml --inactive "$x" | grep -q "passwd=" && ok_sec=no
done
t "the definitions carry VNC and SPICE passwords (only with --security-info), <sysinfo>, other metadata, <seclabel>" \
	[ $ok_sec = yes ]
t "the guests run Debian's kernel $KVER and offer hpet (TCG: tsc hpet acpi_pm)" \
	sh -c "grep -q 'hpet' '$RUN/d1.0' && grep -q 'hpet' '$RUN/g1.0' && grep -q 'BOOT_IMAGE=/boot/vmlinuz-$KVER' '$RUN/g1.0'"
[ "$(sv "$RUN/g1.0" cmdline | grep -c BOOT_IMAGE)" = 1 ] && ok "g1 booted through GRUB from its own disk (BOOT_IMAGE= on /proc/cmdline)" ||
	not_ok "g1 did not boot through GRUB"

# ======================================================================================
# 2. plan: evidence from the real guests; the shipped profiles leave a modern Debian guest alone
# ======================================================================================
hv plan --profiles-dir "$top/templates/profiles" --json
check_json "plan with the shipped profiles: every guest inspected, no remedy for Debian 6.1 (exit 0)" '
assert rc == 0, rc
for n in ("d1", "d2", "g1"):
    x = g[n]
    assert x["facts"]["inspected"], (n, x["inspect_error"])
    assert x["status"] == "no-remedy", (n, x["status"], x["remedy"])'
hv plan "${PROFILE[@]}" --json
check_json "plan --profile e2e-hpet: exit 4, every guest has changes pending" '
assert rc == 4, rc
assert sorted(g) == ["d1", "d2", "g1"], sorted(g)
for x in g.values():
    assert x["status"] == "changes-pending", (x["name"], x["status"], x["status_reason"])'
check_json "plan: addresses from libvirt (DHCP lease), no hvclock metadata needed" '
for n, x in g.items():
    assert x["address_source"] == "libvirt lease", (n, x["address_source"])
    assert x["address"].startswith("10.77.0."), x["address"]'
check_json "plan: each guest proved it is its domain (SMBIOS product_uuid = the domain UUID)" '
for n, x in g.items():
    assert x["identity"] == "verified", (n, x["identity"], x["identity_detail"])
    assert "SMBIOS product_uuid" in x["identity_detail"], x["identity_detail"]'
check_json "plan: evidence from the real kernel: uname, sysfs clocksources, kernel log" '
for n, x in g.items():
    f = x["facts"]
    assert f["kernel_release"] == ctx["kver"] and f["kernel_release_source"] == "guest", f["kernel_release"]
    assert f["current_clocksource"] == ctx["orig." + n + ".cs"], (f["current_clocksource"], ctx["orig." + n + ".cs"])
    assert "hpet" in f["available_clocksources"] and "acpi_pm" in f["available_clocksources"], f["available_clocksources"]
    assert f["proc_cmdline"].split() == ctx["orig." + n + ".cmdline"].split(), f["proc_cmdline"]
    assert f["log_source"] == "dmesg", f["log_source"]
    assert any(l["symptom"] == "switched" and "Switched to clocksource" in l["line"] for l in f["log"]), f["log"]'
check_json "plan: direct-kernel guests get the host <cmdline> rewrite, exact before/after" '
for n in ("d1", "d2"):
    x = g[n]
    assert x["boot"] == "direct-kernel", x["boot"]
    a = acts(n)["host-cmdline"]
    assert a["state"] == "pending" and a["takes_effect"] == "power-cycle", a
    assert a["before"] == ctx["xml." + n], (a["before"], ctx["xml." + n])
    assert a["after"] == ctx["xml." + n] + " clocksource=hpet", a["after"]'
check_json "plan: the GRUB guest gets a guest boot loader edit (update-grub), never a host <cmdline>" '
x = g["g1"]
assert x["boot"] == "firmware" and x["cmdline"] is None, (x["boot"], x["cmdline"])
a = acts("g1")
assert "host-cmdline" not in a, a.keys()
b = a["guest-bootloader"]
assert x["facts"]["bootloader"] == "update-grub", x["facts"]["bootloader"]
assert b["before"] == "console=ttyS0" and b["after"] == "console=ttyS0 clocksource=hpet", (b["before"], b["after"])
assert b["takes_effect"] == "reboot", b'
check_json "plan: sysctls that exist are planned with their live values, an absent key is left out" '
for n, x in g.items():
    a = acts(n)
    assert a["sysctl:kernel.panic"]["before"] == ctx["orig." + n + ".panic"], a["sysctl:kernel.panic"]
    assert a["sysctl:kernel.panic"]["after"] == "17", a["sysctl:kernel.panic"]
    assert a["sysctl:vm.swappiness"]["before"] == ctx["orig." + n + ".swappiness"], a["sysctl:vm.swappiness"]
    assert "sysctl:xen.independent_wallclock" not in a, a.keys()
    assert a["live-clocksource"]["after"] == "hpet", a["live-clocksource"]'
mark "plan (shipped profiles, then --profile e2e-hpet)"

# ======================================================================================
# 3. rollout --all-guests, with d2 destroyed in the middle of its apply run
# ======================================================================================
arm_fault d2 sysctl t3
HV rollout "${PROFILE[@]}" --all-guests --json --command-timeout 20 >"$RUN/out" 2>"$RUN/err" &
HVPID=$!
if wait_console d2 "HVWATCH t3 frozen" 150; then
	bed_virsh "$S" destroy d2 >/dev/null
	ok "fault: d2 destroyed while hvclock's apply script was half-way (frozen after its first change)"
else
	not_ok "fault: the apply run in d2 was not caught (no HVWATCH line on d2's console)"
fi
rc=0
wait $HVPID || rc=$?
HVPID=
cp "$RUN/out" "$RUN/rollout1.json"
check_json "rollout: exit 1, d2 failed alone; d1 and g1 deferred (changes made, verified in the guest)" '
assert rc == 1, rc
assert g["d2"]["result"] == "failed", g["d2"]["result"]
for n in ("d1", "g1"):
    assert g[n]["result"] == "deferred", (n, g[n]["result"], g[n]["result_message"])
    a = acts(n)
    assert a["sysctl:kernel.panic"]["result"] == "applied", a["sysctl:kernel.panic"]
    assert a["sysctl:vm.swappiness"]["result"] == "applied", a["sysctl:vm.swappiness"]
    assert a["live-clocksource"]["result"] == "applied", a["live-clocksource"]
assert acts("d1")["host-cmdline"]["result"] == "deferred", acts("d1")["host-cmdline"]
assert acts("g1")["guest-bootloader"]["result"] == "deferred", acts("g1")["guest-bootloader"]'
check_json "fault: d2 has a clear per-guest error, and its host side was not touched" '
x = g["d2"]
assert x["result_message"], x
a = acts("d2")
assert a["host-cmdline"]["result"] == "skipped", a["host-cmdline"]
assert "guest-side" in a["host-cmdline"]["result_message"], a["host-cmdline"]["result_message"]
print("d2:", x["result_message"], file=sys.stderr)'
grep -h '^d2:' "$RUN/py.err" | diag
t "fault: d2's definition is the old one and valid (<cmdline> unchanged, virt-xml-validate)" \
	sh -c "[ \"\$1\" = \"\$2\" ]" _ "$(xml_cmdline d2 --inactive)" "$(ctx_get xml.d2)"
t "fault: d2's persistent XML passes libvirt's schema" xml_valid d2
t "d1: the persistent definition has the new <cmdline>, the running one the old" \
	sh -c "[ \"\$1\" = \"\$3 clocksource=hpet\" ] && [ \"\$2\" = \"\$3\" ]" _ \
	"$(xml_cmdline d1 --inactive)" "$(xml_cmdline d1)" "$(ctx_get xml.d1)"
xml_valid d1 && ok "d1: the rewritten XML passes libvirt's schema" || not_ok "d1: rewritten XML invalid"
for x in d1 g1; do snap "$x" "$RUN/$x.1"; done
t "d1, g1: live clocksource hpet and kernel.panic 17 right after the rollout (read inside the guests)" \
	sh -c "[ '$(sv "$RUN/d1.1" cs)/$(sv "$RUN/d1.1" panic)' = hpet/17 ] && [ '$(sv "$RUN/g1.1" cs)/$(sv "$RUN/g1.1" panic)' = hpet/17 ]"
mark "rollout --all-guests with d2 destroyed mid-apply"

hv plan "${PROFILE[@]}" --json
check_json "plan after the rollout (exit 5): d1 waits for a power-cycle, g1 for a reboot, d2 (shut off) left out" '
assert rc == 5, rc  # nothing pending, two guests wait for their restart
assert g["d1"]["status"] == "waiting-power-cycle", (g["d1"]["status"], [(a["kind"], a["state"]) for a in g["d1"]["actions"]])
assert g["g1"]["status"] == "waiting-power-cycle", (g["g1"]["status"], [(a["kind"], a["state"]) for a in g["g1"]["actions"]])
assert acts("g1")["guest-bootloader"]["state"] == "waiting-power-cycle", acts("g1")["guest-bootloader"]
assert acts("g1")["guest-bootloader"]["takes_effect"] == "reboot", acts("g1")["guest-bootloader"]
assert "d2" not in g, g["d2"]["status"]'
mark "plan after rollout"

# ======================================================================================
# 4. libvirtd stopped in the middle of a run (d2 again, after its restart)
# ======================================================================================
bed_virsh "$S" start d2 >/dev/null
wait_boot d2 || bail "d2 did not come back"
arm_fault d2 lock t4
HV rollout "${PROFILE[@]}" d2 --json >"$RUN/out" 2>"$RUN/err" &
HVPID=$!
if wait_console d2 "HVWATCH t4 frozen" 150; then
	lvpid=$(bed_libvirtd_pid "$S")
	bed_libvirtd_stop "$S"
	release_fault d2
	ok "fault: libvirtd (pid $lvpid) stopped while hvclock's apply run in d2 was in flight"
else
	not_ok "fault: the apply run in d2 was not caught"
fi
rc=0
wait $HVPID || rc=$?
HVPID=
cp "$RUN/out" "$RUN/rollout-nolibvirtd.json"
if [ -s "$RUN/out" ]; then
	check_json "fault: the run ends (exit 1) with a report: a clear error for d2's host side" '
assert rc == 1, rc
x = g["d2"]
assert x["result"] == "failed", x["result"]
a = acts("d2")
assert a["host-cmdline"]["result"] == "failed", a["host-cmdline"]
assert a["host-cmdline"]["result_message"], a["host-cmdline"]
print("d2:", a["host-cmdline"]["result_message"], file=sys.stderr)'
	grep -h '^d2:' "$RUN/py.err" | diag
else
	not_ok "fault: the run ends (exit 1) with a report: a clear error for d2's host side"
	{
		echo "hvclock exited $rc$([ $rc -eq 141 ] && echo ' (killed by SIGPIPE)') and printed no report; stderr:"
		cat "$RUN/err"
	} | diag
fi
t "fault: d2's persistent XML on disk is whole and valid while libvirtd is down" \
	sh -c "virt-xml-validate '$S/etc/qemu/d2.xml' domain >/dev/null 2>&1 &&
		[ \"\$(xmllint --xpath 'string(/domain/os/cmdline)' '$S/etc/qemu/d2.xml')\" = \"\$1\" ]" _ "$(ctx_get xml.d2)"
bed_libvirtd_start "$S" && ok "libvirtd started again" || bail "libvirtd did not start again"
t "the guests kept running across the daemon restart" \
	sh -c "[ \"\$(echo \$1)\" = 'd1 d2 g1' ]" _ "$(bed_virsh "$S" list --name | sort | tr '\n' ' ')"
mark "libvirtd stopped mid-run, restarted"

hv rollout "${PROFILE[@]}" --all-guests --json
cp "$RUN/out" "$RUN/rollout2.json"
check_json "the next run recovers: exit 0; d2's host side written now, nothing failed" '
assert rc == 0, rc
for n, x in g.items():
    assert x["result"] in ("deferred", "in-place", "applied"), (n, x["result"], x["result_message"])
assert acts("d2")["host-cmdline"]["result"] == "deferred", acts("d2")["host-cmdline"]'
t "d2: the persistent definition now has the new <cmdline>" \
	sh -c "[ \"\$1\" = \"\$2 clocksource=hpet\" ]" _ "$(xml_cmdline d2 --inactive)" "$(ctx_get xml.d2)"
invariant sec1 "after the rollout"
t "d1, d2: the definitions compared carry the new <cmdline> and hvclock's record (g1's is not hvclock's to change)" \
	sh -c "grep -q 'clocksource=hpet</cmdline>' '$RUN/d1.sec1.xml' && grep -q 'clocksource=hpet</cmdline>' '$RUN/d2.sec1.xml' &&
		grep -q '$REC_NS' '$RUN/d1.sec1.xml' && grep -q '$REC_NS' '$RUN/d2.sec1.xml' && ! grep -q '$REC_NS' '$RUN/g1.sec1.xml'"
mark "recovery rollout"

# ======================================================================================
# 5. rollout --restart: hvclock restarts each guest as its change needs and verifies the remedy
# inside it; first a guest that ignores the shutdown request is reported and left running
# ======================================================================================
cycle_plan "$RUN/rollout2.json" >"$RUN/cycle"
diag <"$RUN/cycle"
t "hvclock says: power-cycle the direct-kernel guests, reboot the GRUB guest" \
	sh -c "grep -qx 'd1 power-cycle' '$RUN/cycle' && grep -qx 'd2 power-cycle' '$RUN/cycle' && grep -qx 'g1 reboot' '$RUN/cycle'"
# d2 ignores a shutdown request: its ACPI power button handler (acpid) and what the guest agent runs
# for guest-shutdown (/sbin/shutdown) are bind-mounted over with a no-op, in memory only
gssh d2 'printf "#!/bin/sh\nexit 0\n" >/run/noop && chmod 755 /run/noop &&
	mount -o bind /run/noop /etc/acpi/PWRF/00000080 && mount -o bind /run/noop /sbin/shutdown' </dev/null
ctx_set boot.d2 "$(boot_id d2)"
hv rollout "${PROFILE[@]}" --restart --restart-timeout 20 d2 --json
cp "$RUN/out" "$RUN/restart-fault.json"
check_json "fault: d2 ignores the shutdown request: reported (exit 1), left running, no power-off without --force-off" '
assert rc == 1, rc
r = g["d2"]["restart"]
assert r["needed"] == "shutdown-start" and r["action"] == "none" and r["result"] == "left-running", r
assert "did not shut down within 20 s" in r["reason"] and "--force-off" in r["reason"], r
assert g["d2"]["verification"] is None, g["d2"]["verification"]
assert r["boot_id_before"] == ctx["boot.d2"] and r["boot_id_after"] is None, (r, ctx["boot.d2"])
assert d["summary"]["restart"]["not_restarted"] == 1, d["summary"]'
t "fault: d2 is still running, in the same boot" \
	sh -c '[ "$1" = running ] && [ "$2" = "$3" ]' _ "$(bed_virsh "$S" domstate d2 | head -n 1)" "$(boot_id d2)" "$(ctx_get boot.d2)"
gssh d2 'umount /sbin/shutdown && umount /etc/acpi/PWRF/00000080' </dev/null
mark "rollout --restart: d2 ignoring the shutdown request, left running"

# hvclock check: d1's clock is set 5 s ahead inside the guest (these guests run no time sync
# daemon); check measures it NTP-style within its error bound (busybox date has whole seconds)
hv check --json d1
ctx_set check.off0 "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["guests"][0]["offset_seconds"])' "$RUN/out")"
ctx_set check.err0 "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["guests"][0]["offset_error_seconds"])' "$RUN/out")"
check_json "check d1 before: exit 0 or 1, one guest measured" '
assert rc in (0, 1), rc
assert g["d1"]["offset_seconds"] is not None and g["d1"]["samples"] > 0, g["d1"]'
gssh d1 'date -s "@$(($(date +%s) + 5))" >/dev/null' </dev/null
hv check --json d1
cp "$RUN/out" "$RUN/check-ahead.json"
check_json "check d1 set 5 s ahead (date -s): the offset within its error bound of the truth, critical, exit 1" '
x = g["d1"]
o0, e0, o, e = float(ctx["check.off0"]), float(ctx["check.err0"]), x["offset_seconds"], x["offset_error_seconds"]
# date -s takes whole seconds: the clock moved by 4 < s <= 5
assert o0 + 4 - e0 - e <= o <= o0 + 5 + e0 + e, (o0, e0, o, e)
assert x["health"] == "critical" and rc == 1, (x["health"], x["reasons"], rc)'
for x in d1 d2 g1; do ctx_set "boot.$x" "$(boot_id "$x")"; done
HV_TIMEOUT=900 hv rollout "${PROFILE[@]}" --restart --canary --batch 2 --wait-ssh 240 --all-guests --json
cp "$RUN/out" "$RUN/restart.json"
check_json "rollout --restart --canary --batch 2: exit 0; d1, d2 shut down and started, g1 rebooted; each verified inside" '
assert rc == 0, rc
want = {"d1": "shutdown-start", "d2": "shutdown-start", "g1": "reboot"}
assert sorted(g) == sorted(want), sorted(g)
for n, how in want.items():
    r, v = g[n]["restart"], g[n]["verification"]
    assert r["needed"] == how and r["action"] == how and r["result"] == "restarted", (n, r)
    assert v == {"result": "verified", "differences": []}, (n, v)
    assert g[n]["result"] == "applied" and g[n]["result_message"] == "restarted (%s) and verified" % how, (n, g[n]["result"], g[n]["result_message"])
    assert all(a["result"] != "deferred" for a in g[n]["actions"]), (n, g[n]["actions"])
    assert r["boot_id_before"] == ctx["boot." + n], (n, r, ctx["boot." + n])
    assert r["boot_id_after"] and r["boot_id_after"] != r["boot_id_before"], (n, r)
assert d["summary"]["restart"] == {"verified": 3, "failed": 0, "not_restarted": 0, "not_needed": 0}, d["summary"]'
for x in d1 d2 g1; do wait_boot "$x" "$(ctx_get boot.$x)" 30 || not_ok "$x did not come back"; done
mark "rollout --restart --canary --batch 2 (shutdown+start d1 d2, reboot g1)"
# after its power-cycle d1 set its clock from the emulated RTC again: the 5 s are gone. Not
# more: the RTC has whole seconds, TCG boots slowly and these guests run no time sync daemon
# (a clock within 1 s needs one), so the health is whatever that gives
hv check --json d1
check_json "check d1 after rollout --restart: the 5 s are gone (within 2.5 s of the host, the RTC read at boot)" '
x = g["d1"]
assert abs(x["offset_seconds"]) <= 2.5 + x["offset_error_seconds"], (x["offset_seconds"], x["offset_error_seconds"], x["health"])'
mark "check: a clock 5 s ahead measured, and back after the restart"
for x in d1 d2 g1; do
	snap "$x" "$RUN/$x.2"
	f=$RUN/$x.2
	case $x in
	g1) want="$(words "$(ctx_get orig.g1.cmdline)") clocksource=hpet" ;;
	*) want="$(words "$(ctx_get orig.$x.cmdline)") clocksource=hpet" ;;
	esac
	t "$x: /proc/cmdline carries the remedy: $(words "$(sv "$f" cmdline)")" [ "$(words "$(sv "$f" cmdline)")" = "$want" ]
	t "$x: current_clocksource is hpet after the power-cycle" [ "$(sv "$f" cs)" = hpet ]
	t "$x: the sysctl drop-in survived the power-cycle (kernel.panic, vm.swappiness; no absent key)" \
		[ "$(sv "$f" dropin)" = "kernel.panic = 17;vm.swappiness = 10;" ]
	t "$x: the drop-in was applied at boot (kernel.panic 17, vm.swappiness 10)" \
		[ "$(sv "$f" panic)/$(sv "$f" swappiness)" = 17/10 ]
done
t "g1: GRUB_CMDLINE_LINUX and the regenerated grub.cfg carry clocksource=hpet" \
	sh -c "[ '$(sv "$RUN/g1.2" grubline)' = 'GRUB_CMDLINE_LINUX=\"console=ttyS0 clocksource=hpet\"' ] &&
		echo '$(sv "$RUN/g1.2" grubcfg)' | grep -qw clocksource=hpet"
mark "verified inside the guests"

# ======================================================================================
# 6. plan: nothing pending; a second rollout changes nothing
# ======================================================================================
hv plan "${PROFILE[@]}" --json
check_json "plan after the power-cycle: exit 0, nothing to do on every guest" '
assert rc == 0, rc
for n, x in g.items():
    assert x["status"] == "nothing-to-do", (n, x["status"], [(a["kind"], a["state"], a["before"], a["after"]) for a in x["actions"]])'
for x in d1 d2; do ctx_set "xml2.$x" "$(xml_cmdline "$x" --inactive)"; bed_virsh "$S" dumpxml --inactive "$x" >"$RUN/$x.xml2"; done
hv rollout "${PROFILE[@]}" --all-guests --json
check_json "second rollout: exit 0, every guest in place, nothing applied" '
assert rc == 0, rc
for n, x in g.items():
    assert x["result"] == "in-place", (n, x["result"], x["result_message"])
    for a in x["actions"]:
        assert a["result"] not in ("applied", "deferred", "failed"), (n, a)'
same=yes
for x in d1 d2; do
	bed_virsh "$S" dumpxml --inactive "$x" | cmp -s - "$RUN/$x.xml2" || same=no
done
t "second rollout: the domain definitions are byte-for-byte unchanged" [ $same = yes ]
same=yes
for x in d1 d2 g1; do
	snap "$x" "$RUN/$x.3"
	[ "$(sv "$RUN/$x.3" tree)" = "$(sv "$RUN/$x.2" tree)" ] || same=no
done
t "second rollout: no file changed in any guest (sysctl.d, /etc/default, grub.cfg, /var/lib/hvclock)" [ $same = yes ]
mark "plan + second rollout"

# ======================================================================================
# 7. rollback --all-guests + power-cycle restores everything
# ======================================================================================
hv rollback "${PROFILE[0]}" "${PROFILE[1]}" --all-guests --json
cp "$RUN/out" "$RUN/rollback.json"
# Under host load (TCG) a guest's kernel may mark tsc unstable and withdraw it: then no write
# brings it back before the next boot, and the rollback says so instead of failing.
for x in d1 d2 g1; do
	snap "$x" "$RUN/$x.4"
	f=$RUN/$x.4
	w=no
	if [ "$(sv "$f" tscunstable)" != 0 ] && [ "$(ctx_get orig.$x.cs)" = tsc ]; then
		case " $(sv "$f" avail) " in *" tsc "*) ;; *) w=yes ;; esac
	fi
	ctx_set "withdrawn.$x" $w
done
check_json "rollback: exit 0; guest side restored in every guest, host <cmdline> restored for d1 and d2" '
assert rc == 0, rc
for n, x in g.items():
    assert x["result"] in ("deferred", "applied"), (n, x["result"], x["result_message"])
    r = acts(n)["guest-restore"]
    if ctx["withdrawn." + n] == "yes":
        assert r["result"] == "deferred" and "tsc is not offered in this boot" in r["result_message"], (n, r)
    else:
        assert r["result"] == "applied", (n, r)
for n in ("d1", "d2"):
    a = acts(n)["host-cmdline"]
    assert a["result"] == "deferred" and a["after"] == ctx["xml." + n], a'
for x in d1 d2 g1; do
	f=$RUN/$x.4
	cs0=$(ctx_get orig.$x.cs)
	if [ "$(ctx_get withdrawn.$x)" = yes ]; then
		t "$x: the kernel withdrew tsc in this boot (host load): the live clocksource stays hpet, the sysctls are restored" \
			[ "$(sv "$f" cs)/$(sv "$f" panic)/$(sv "$f" swappiness)" = "hpet/$(ctx_get orig.$x.panic)/$(ctx_get orig.$x.swappiness)" ]
	else
		t "$x: rollback switched the live clocksource back ($cs0) and the sysctls (panic, swappiness)" \
			[ "$(sv "$f" cs)/$(sv "$f" panic)/$(sv "$f" swappiness)" = "$cs0/$(ctx_get orig.$x.panic)/$(ctx_get orig.$x.swappiness)" ]
	fi
	t "$x: drop-in and /var/lib/hvclock removed, /etc/default/grub byte for byte as before" \
		[ "$(sv "$f" dropin)/$(sv "$f" gstate)/$(sv "$f" grubdef)" = "absent/absent/$(ctx_get orig.$x.grubdef)" ]
done
for x in d1 d2; do
	t "$x: persistent <cmdline> is the original again" [ "$(xml_cmdline "$x" --inactive)" = "$(ctx_get xml.$x)" ]
done
invariant sec2 "after the rollback"
t "d1, d2, g1: no hvclock record left in the definitions after the rollback" \
	sh -c "! grep -q '$REC_NS' '$RUN/d1.sec2.xml' '$RUN/d2.sec2.xml' '$RUN/g1.sec2.xml'"
t "host state files removed after the rollback" sh -c "[ -z \"\$(ls -A '$HVCLOCK_STATE_DIR/guests' 2>/dev/null)\" ]"
cycle_plan "$RUN/rollback.json" >"$RUN/cycle"
diag <"$RUN/cycle"
while read -r x how; do
	ctx_set "boot.$x" "$(boot_id "$x")"
	case $how in
	power-cycle) power_cycle "$x" ;;
	*)
		# g1: the restored GRUB configuration takes effect at its next boot
		bed_virsh "$S" reboot "$x" >/dev/null || bed_virsh "$S" reboot "$x" --mode acpi >/dev/null
		;;
	esac
done <"$RUN/cycle"
for x in d1 d2 g1; do wait_boot "$x" "$(ctx_get boot.$x)" || not_ok "$x did not come back"; done
mark "rollback + power-cycle"
for x in d1 d2 g1; do
	snap "$x" "$RUN/$x.5"
	f=$RUN/$x.5
	t "$x: /proc/cmdline is the original again" [ "$(words "$(sv "$f" cmdline)")" = "$(words "$(ctx_get orig.$x.cmdline)")" ]
	if [ "$(sv "$f" tscunstable)" = 0 ]; then
		t "$x: current_clocksource is the original again ($(ctx_get orig.$x.cs))" [ "$(sv "$f" cs)" = "$(ctx_get orig.$x.cs)" ]
	else
		ok "$x: current_clocksource $(sv "$f" cs) # the kernel marked tsc unstable in this boot (host load)"
	fi
	t "$x: kernel.panic and vm.swappiness are the kernel defaults again" \
		[ "$(sv "$f" panic)/$(sv "$f" swappiness)" = "$(ctx_get orig.$x.panic)/$(ctx_get orig.$x.swappiness)" ]
done
hv plan "${PROFILE[@]}" --json
check_json "plan after the rollback: exit 4, the remedy is pending again on every guest" '
assert rc == 4, rc
for n, x in g.items():
    assert x["status"] == "changes-pending", (n, x["status"])'
mark "verified after rollback"

# ======================================================================================
# 8. provisioning (rollout --wait-ssh right after virsh start); d2 re-installed (same domain, same
# UUID: hvclock pins a guest's key under its domain UUID, not its address) with a new host key
# ======================================================================================
d2_uuid=$(bed_virsh "$S" domuuid d2 | tr -d '[:space:]')
old_d2_key=$(grep "^$d2_uuid " "$KH")
bed_virsh "$S" destroy d2 >/dev/null
bed_virsh "$S" undefine d2 >/dev/null
bed_define "$S" "$G" d2 direct "$d2_uuid" && bed_define "$S" "$G" p1 direct || bail "cannot define d2/p1"
bed_virsh "$S" start p1 >/dev/null && bed_virsh "$S" start d2 >/dev/null || bail "cannot start p1/d2"
tp=$(date +%s.%N)
hv rollout "${PROFILE[@]}" p1 --wait-ssh 120 --json
ctx_set "xml.p1" "root=UUID=$(cat "$G/root-uuid") ro console=ttyS0 hv.hostname=p1"
check_json "provisioning: rollout p1 --wait-ssh 120 right after virsh start: exit 0 once p1 is done" '
assert rc == 0, rc
x = g["p1"]
assert x["facts"]["inspected"], x["inspect_error"]
assert x["result"] == "deferred", (x["result"], x["result_message"])
a = acts("p1")
for k in ("sysctl:kernel.panic", "sysctl:vm.swappiness", "live-clocksource"):
    assert a[k]["result"] == "applied", a[k]
assert a["host-cmdline"]["result"] == "deferred", a["host-cmdline"]'
echo "# provisioning rollout took $(el "$tp") s from virsh start"
mark "provisioning: rollout --wait-ssh after virsh start"

wait_boot d2 || bail "the re-created d2 did not come up"
newfp=$(grep -a 'hvinit: ssh up' "$S/log/qemu/d2-console.log" | tail -n 1 | sed -n 's/.* key //p' | tr -d '\r')
hv rollout "${PROFILE[@]}" d2 --json
check_json "re-installed d2 with a new host key: refused (exit 1), with the new key's fingerprint" '
assert rc == 1, rc
x = g["d2"]
assert x["status"] == "failed" and x["result"] == "failed", (x["status"], x["result"])
r = x["inspect_error"] or ""
assert "SHA256:" in r, r
print("d2:", r, file=sys.stderr)'
grep -h '^d2:' "$RUN/py.err" | diag
t "the refusal names the key the guest now has ($newfp)" grep -qF "$newfp" "$RUN/out"
t "nothing changed for d2: <cmdline> as defined, known_hosts keeps the old key" \
	sh -c "[ \"\$1\" = \"\$2\" ] && grep -qxF \"\$3\" '$KH'" _ "$(xml_cmdline d2 --inactive)" "$(ctx_get xml.d2)" "$old_d2_key"
snap d2 "$RUN/d2.6"
t "nothing changed inside d2 (no drop-in, no /var/lib/hvclock)" [ "$(sv "$RUN/d2.6" dropin)/$(sv "$RUN/d2.6" gstate)" = absent/absent ]
t "the refusal says how to drop the old key (ssh-keygen -R with d2's UUID)" grep -qF "ssh-keygen -R '$d2_uuid'" "$RUN/out"
ssh-keygen -R "$d2_uuid" -f "$KH" >/dev/null 2>&1
hv rollout "${PROFILE[@]}" d2 --json
check_json "after the operator removes the old key, the next run recovers (exit 0, --accept-new)" '
assert rc == 0, rc
assert g["d2"]["result"] == "deferred", (g["d2"]["result"], g["d2"]["result_message"])'
mark "host key change refused, then recovered"

# the provisioning script goes on: hvclock restarts both at once and verifies (text report: the
# transcript; HVC_TRANSCRIPT_DIR gets a copy)
for x in p1 d2; do ctx_set "boot.$x" "$(boot_id "$x")"; done
HV_TIMEOUT=900 hv rollout "${PROFILE[@]}" --restart --batch 2 --wait-ssh 240 p1 d2
cp "$RUN/out" "$RUN/restart-provision.txt"
if [ -n "${HVC_TRANSCRIPT_DIR:-}" ]; then
	{
		echo "# hvclock -c qemu:///system ... rollout --profile e2e-hpet --restart --batch 2 --wait-ssh 240 p1 d2"
		cat "$RUN/out"
		echo "# exit status $rc"
	} >"$HVC_TRANSCRIPT_DIR/restart-transcript.txt"
fi
t "provisioning: rollout --restart --batch 2 p1 d2: exit 0, both shut down, started and verified (text report)" \
	sh -c "[ $rc = 0 ] && grep -qx 'restart: 2 verified, 0 failed, 0 not restarted, 0 not needed' '$RUN/out' &&
		[ \$(grep -c '^  restart:  restarted (shutdown-start): shut down, started; the remedy is in effect\$' '$RUN/out') = 2 ] &&
		[ \$(grep -cx '  verify:   verified' '$RUN/out') = 2 ] &&
		[ \$(grep -cx '\(p1\|d2\): applied: restarted (shutdown-start) and verified' '$RUN/out') = 2 ]"
[ "$rc" = 0 ] || { diag <"$RUN/out"; diag <"$RUN/err"; }
for x in p1 d2; do wait_boot "$x" "$(ctx_get boot.$x)" 30 || not_ok "$x did not come back"; done
for x in p1 d2; do
	snap "$x" "$RUN/$x.7"
	f=$RUN/$x.7
	t "$x (provisioned): /proc/cmdline has clocksource=hpet, clocksource hpet, drop-in applied at boot" \
		[ "$(words "$(sv "$f" cmdline)")/$(sv "$f" cs)/$(sv "$f" panic)" = "$(ctx_get xml.$x) clocksource=hpet/hpet/17" ]
done
mark "provisioned guests power-cycled and verified"

# ======================================================================================
# 9. the libvirt hook (docs/examples/libvirt-hook-qemu, as shipped) on this libvirtd: starting a
# guest ends, with no other action, with its remedy applied, and libvirtd answers meanwhile; a
# restart by `hvclock rollout --restart` runs the hook again, whose rollout waits for the lock
# ======================================================================================
mkdir -p "$S/etc/hooks"
install -m 755 "$top/docs/examples/libvirt-hook-qemu" "$S/etc/hooks/qemu"
# libvirtd gives hooks almost no environment: the settings file beside the hook
cat >"$RUN/hook-hvclock.conf" <<EOF
[ssh]
identity = $G/id_ed25519
known-hosts = $KH
agent = no
connect-timeout = 10
[guest:p2]
profile = e2e-hpet
EOF
cat >"$S/etc/hooks/hvclock-hook.conf" <<EOF
# the test's: its hvclock, state, lock and configuration
HVCLOCK_HOOK_HVCLOCK=$HVCLOCK
HVCLOCK_HOOK_WAIT_SSH=240
HVCLOCK_HOOK_ACCEPT_NEW=yes
HVCLOCK_HOOK_LOG=$RUN/hook.log
HVCLOCK_CONFIG=$RUN/hook-hvclock.conf
HVCLOCK_PROFILES_DIR=$here/profiles
HVCLOCK_STATE_DIR=$HVCLOCK_STATE_DIR
HVCLOCK_LOCK_FILE=$HVCLOCK_LOCK_FILE
EOF
: >"$RUN/hook.log"
if bed_ns "$S" test -d /run/systemd/system; then detach=systemd-run; else detach=setsid; fi
echo "# hook: detached with $detach (the bed's /run is its own tmpfs: no /run/systemd/system)"
# libvirtd looks for its hooks when it starts
bed_libvirtd_stop "$S"
bed_libvirtd_start "$S" || bail "libvirtd did not start again with the hook"
bed_define "$S" "$G" p2 direct || bail "cannot define p2"
ctx_set "xml.p2" "$(xml_cmdline p2 --inactive)"
hook_busy() { pgrep -f -- "rollout --wait-ssh 240 --wait-lock 3600 --accept-new -- p2" >/dev/null; }
# hook_watch SECONDS: while the hook's hvclock runs, `virsh list` (bounded by 10 s) every second;
# their slowest time in $slowest, their number in $lists; 1 if still running after SECONDS
hook_watch() {
	local t1=$(($(date +%s) + $1)) t
	slowest=0 lists=0
	while hook_busy; do
		[ "$(date +%s)" -lt "$t1" ] || return 1
		t=$(date +%s.%N)
		bed_ns "$S" timeout 10 virsh -q -c qemu:///system list --name >/dev/null || { slowest=timeout; return 0; }
		t=$(el "$t")
		lists=$((lists + 1))
		[ "$slowest" = timeout ] || slowest=$(echo "$t $slowest" | awk '{ print ($1 > $2 ? $1 : $2) }')
		sleep 1
	done
}
ts=$(date +%s.%N)
bed_virsh "$S" start p2 >/dev/null || bail "cannot start p2"
start_s=$(el "$ts")
t "hook: virsh start p2 returns (${start_s} s, the hook included) with the hook's hvclock still running" hook_busy
hook_watch 400
hrc=$?
echo "# hook: virsh start p2 took $start_s s; $lists x virsh list while the hook's hvclock ran, the slowest $slowest s; that rollout ended $(el "$ts") s after the start"
t "hook: libvirtd answers while the hook's rollout runs (virsh list within 10 s; slowest $slowest s)" \
	sh -c "[ $lists -ge 1 ] && [ '$slowest' != timeout ]"
t "hook: the rollout it started ended (within 400 s)" [ $hrc = 0 ]
t "hook: its report: p2 done, the <cmdline> deferred until the power-cycle, nothing failed" \
	grep -qx '1 guests: 0 applied, 0 already in place, 1 deferred until power-cycle/reboot, 0 skipped, 0 failed' "$RUN/hook.log"
snap p2 "$RUN/p2.1"
t "hook: in p2: clocksource hpet (live), the drop-in applied (kernel.panic 17)" \
	[ "$(sv "$RUN/p2.1" cs)/$(sv "$RUN/p2.1" panic)" = hpet/17 ]
t "hook: p2's persistent <cmdline> has clocksource=hpet" \
	[ "$(words "$(xml_cmdline p2 --inactive)")" = "$(words "$(ctx_get xml.p2) clocksource=hpet")" ]
grep -q '0 failed$' "$RUN/hook.log" || diag <"$RUN/hook.log"
mark "hook: virsh start -> remedy applied"

# hvclock's own restart starts p2 again: libvirtd runs the hook's "started" while this rollout holds
# hvclock's lock; the hook's rollout waits for it (--wait-lock), then finds p2 done
ctx_set "boot.p2" "$(boot_id p2)"
: >"$RUN/hook.log"
HV_TIMEOUT=900 hv rollout "${PROFILE[@]}" --restart --wait-ssh 240 p2 --json
check_json "hook: rollout --restart p2 (exit 0, verified) while the hook runs for p2 again" '
assert rc == 0, rc
assert g["p2"]["result"] == "applied", (g["p2"]["result"], g["p2"]["result_message"])'
hook_watch 400
hrc=$?
t "hook: the restart ran the hook, whose hvclock waited for the restarting run's lock" \
	grep -q '^hvclock: waiting up to 3600 s for another hvclock run (pid [0-9]*) to finish' "$RUN/hook.log"
t "hook: ... then did its rollout: p2 already in place, no refusal (within 400 s)" sh -c "[ $hrc = 0 ] &&
	grep -qx '1 guests: 0 applied, 1 already in place, 0 deferred until power-cycle/reboot, 0 skipped, 0 failed' '$RUN/hook.log' &&
	! grep -q 'is changing guests' '$RUN/hook.log'"
grep -q 'already in place, 0 deferred' "$RUN/hook.log" || diag <"$RUN/hook.log"
mark "hook: re-run by rollout --restart waits for the lock"

echo "# times per step:"
printf '#   %s\n' "${TIMES[@]}"
tap_done
