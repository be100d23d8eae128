#!/bin/bash
# t-xen.sh: hvclock's libxl backend in a real Xen dom0 (Xen 4.17 nested in QEMU/TCG, shared/testbed.md
# §3): a PV domU with a direct kernel; `hvclock plan` and `hvclock rollout` inside dom0 (profile
# xen-wa2 forced: clocksource=jiffies on the domU's kernel line); the domU restarted the way hvclock
# says (a reboot from inside the guest); /proc/cmdline and current_clocksource checked in the domU;
# rollout again: nothing to do; rollback: the config file back byte for byte.
# Budget: 8 minutes. SKIPs (exit 77) with the reason when the machine cannot run it.
# Env: HVCLOCK (built with the libxl backend), HVCLOCK_PROFILES_DIR, HVC_XEN_E2E_DIR (work directory:
# package cache, images, keys, logs; default /tmp/hvc-xen-e2e).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${HVC_XEN_E2E_DIR:-/tmp/hvc-xen-e2e}
BUDGET=${HVC_XEN_E2E_BUDGET:-480}
T0=$(date +%s)
n=0
failures=0
QEMU_PID=

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /'; }
elapsed() { echo $(($(date +%s) - T0)); }
skip_all() { echo "1..0 # SKIP $*"; exit 77; }
finish() {
	echo "# total $(elapsed) s"
	echo "1..$n"
	[ "$failures" -eq 0 ]
	exit $?
}
# bail NAME: a step the rest depends on failed; show the serial console's end and stop
bail() {
	not_ok "$1"
	{ echo "last lines of the serial console ($OUT/serial.log):"; tail -n 25 "$OUT/serial.log" 2>/dev/null; } | diag
	finish
}
stop_qemu() { [ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null && wait "$QEMU_PID" 2>/dev/null; QEMU_PID=; }
trap stop_qemu EXIT

# ---- can this machine run it? ----
[ "$(id -u)" = 0 ] || skip_all "needs root (the images are cpio archives of root-owned trees; depmod)"
for t in qemu-system-x86_64 ssh ssh-keygen cpio depmod modprobe dpkg-deb apt-get apt-cache file gzip python3 timeout; do
	command -v "$t" >/dev/null || skip_all "$t is not installed"
done
file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || skip_all "needs busybox-static (/bin/busybox)"
"$HVCLOCK" --version 2>/dev/null | grep -q libxl || skip_all "this hvclock was built without the libxl backend"
case $OUT in *[,\ ]*) skip_all "HVC_XEN_E2E_DIR must not contain commas or spaces (QEMU multiboot module paths)" ;; esac
mkdir -p "$OUT"

# ---- images ----
rc=0
"$HERE/mkimages.sh" "$OUT" "$HVCLOCK" "$HVCLOCK_PROFILES_DIR" >"$OUT/mkimages.log" 2>&1 || rc=$?
[ "$rc" -eq 3 ] && skip_all "$(tail -n1 "$OUT/mkimages.log")"
if [ "$rc" -ne 0 ]; then
	not_ok "build the images"
	tail -n 20 "$OUT/mkimages.log" | diag
	finish
fi
ok "images built from Debian packages ($(elapsed) s)"

# ---- boot Xen + dom0 ----
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cd "$OUT/img" || exit 1
qemu-system-x86_64 -accel tcg -m 3072 -smp 2 -nographic -no-reboot -kernel xen \
	-append "console=com1 com1=115200 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 noreboot" \
	-initrd "vmlinuz console=hvc0 earlyprintk=xen,dom0.cpio.gz" \
	-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device virtio-net-pci,netdev=n0 \
	</dev/null >"$OUT/serial.log" 2>&1 &
QEMU_PID=$!
cd "$OUT" || exit 1

KEY=$OUT/ssh/id_ed25519
SSHO="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes"
# S CMD: run CMD in dom0; D CMD: run CMD in the domU (through dom0)
S() { timeout 120 ssh -i "$KEY" $SSHO -p "$PORT" root@127.0.0.1 "$@"; }
D() { S "ssh -i /root/.ssh/id_ed25519 $SSHO root@10.99.0.2 '$1'"; }
# wait_for SECONDS CMD...: retry until CMD succeeds, within SECONDS and the overall budget
wait_for() {
	local until=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$until" ] || [ "$(elapsed)" -ge "$BUDGET" ]; then return 1; fi
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
		sleep 2
	done
}
H="env HVCLOCK_PROFILES_DIR=/usr/share/hvclock/profiles HVCLOCK_CONFIG=/dev/null hvclock -c xl:/// \
-i /root/.ssh/id_ed25519 --accept-new --guest-address domu1=10.99.0.2"

wait_for 180 S true || bail "dom0 boots and answers ssh"
ok "dom0 up, ssh works ($(elapsed) s)"

# ---- the domU ----
S "$H list" >list0.out 2>&1
if grep -q Domain-0 list0.out; then not_ok "hvclock list: Domain-0 is not a guest"; diag <list0.out; else ok "hvclock list: Domain-0 is not a guest"; fi

S "xl create /etc/xen/domu1.cfg" >create.log 2>&1 || bail "xl create domu1"
wait_for 180 D true || bail "the domU answers ssh"
ok "domU up, ssh from dom0 works ($(elapsed) s)"

# ---- plan ----
rc=0
S "$H plan --profile xen-wa2 --json domu1" >plan.json 2>plan.err || rc=$?
check_json() { # NAME FILE PYTHON: d = the document, g = the first guest
	if python3 -c "
import json, sys
d = json.load(open('$2'))
g = d['guests'][0]
a = {x['kind']: x for x in g['actions']}
$3
" 2>>"$2.check"; then ok "$1"; else not_ok "$1"; { cat "$2.check"; cat "$2"; } | head -60 | diag; fi
}
if [ "$rc" -eq 4 ]; then ok "plan: exit 4 (changes pending)"; else not_ok "plan: exit 4, got $rc"; diag <plan.err; fi
check_json "plan: domu1 is a libxl PV guest booted from a direct kernel, inspected over SSH" plan.json "
assert g['name'] == 'domu1' and g['backend'] == 'libxl' and g['hypervisor'] == 'xen', g
assert g['type'] == 'pv' and g['boot'] == 'direct-kernel', g
assert g['kernel'] == '/var/lib/hvtest/vmlinuz', g['kernel']
assert g['cmdline'] == 'console=hvc0 hvip=10.99.0.2', g['cmdline']
assert g['facts']['inspected'], g['inspect_error']"
check_json "plan: host-cmdline in /etc/xen/domu1.cfg extra=, pending until the next reboot" plan.json "
h = a['host-cmdline']
assert h['target'] == '/etc/xen/domu1.cfg extra=', h
assert h['after'] == 'console=hvc0 hvip=10.99.0.2 clocksource=jiffies', h
assert h['state'] == 'pending' and h['takes_effect'] == 'reboot', h"

# ---- rollout ----
rc=0
S "$H rollout --profile xen-wa2 --json domu1" >rollout.json 2>rollout.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollout: exit 0"; else not_ok "rollout: exit 0, got $rc"; { cat rollout.err; head -c 3000 rollout.json; } | diag; fi
check_json "rollout: written and read back, deferred to the guest's next reboot" rollout.json "
assert g['result'] == 'deferred', (g['result'], g['result_message'])
assert 'reboot' in g['result_message'] and 'power-cycle' not in g['result_message'], g['result_message']"

sed 's/^extra   = "console=hvc0 hvip=10.99.0.2"/extra   = "console=hvc0 hvip=10.99.0.2 clocksource=jiffies"/' \
	"$HERE/files/domu1.cfg" >expected.cfg
S "cat /etc/xen/domu1.cfg" >now.cfg
if cmp -s now.cfg expected.cfg; then ok "the config file: only extra='s value changed (comment kept)"; else not_ok "the config file: only extra='s value changed"; diff expected.cfg now.cfg | diag; fi
S "cat /etc/xen/domu1.cfg.hvclock-orig" >backup.cfg
if cmp -s backup.cfg "$HERE/files/domu1.cfg"; then ok "backup: the original, byte for byte"; else not_ok "backup: the original"; fi
S "cat /var/lib/hvclock/xen/domu1.record" >record.json 2>&1
if python3 -c "
import json
r = json.load(open('record.json'))
assert r['version'] == 1 and r['name'] == 'domu1' and r['config'] == '/etc/xen/domu1.cfg', r
assert r['profile'] == 'xen-wa2' and r['cmdline_changed'] and r['had_cmdline'], r
assert r['old_cmdline'] == 'console=hvc0 hvip=10.99.0.2', r
assert r['new_cmdline'] == 'console=hvc0 hvip=10.99.0.2 clocksource=jiffies', r" 2>record.err; then
	ok "record: /var/lib/hvclock/xen/domu1.record (old and new line, profile)"
else
	not_ok "record: /var/lib/hvclock/xen/domu1.record"; cat record.err record.json | diag
fi
S 'cat /var/lib/xen/userdata-d.*.xl' >userdata.cfg 2>&1
if cmp -s userdata.cfg expected.cfg; then ok "the domain's \"xl\" userdata is the new config (= xl config-update)"; else not_ok "the domain's \"xl\" userdata is the new config"; diag <userdata.cfg; fi

# ---- restart the domU the way hvclock says: a reboot from inside the guest ----
OLD=$(S "xl domid domu1")
D "reboot" >/dev/null 2>&1
new_domid() { local d; d=$(S "xl domid domu1" 2>/dev/null) && [ -n "$d" ] && [ "$d" != "$OLD" ]; }
wait_for 120 new_domid || bail "the domU reboots into a new domain (was domid $OLD)"
wait_for 180 D true || bail "the rebooted domU answers ssh"
ok "domU rebooted from inside: new domid $(S 'xl domid domu1'), ssh works ($(elapsed) s)"
CMDLINE=$(D "cat /proc/cmdline")
case " $CMDLINE " in
*" clocksource=jiffies "*) ok "domU /proc/cmdline carries clocksource=jiffies" ;;
*) not_ok "domU /proc/cmdline carries clocksource=jiffies"; echo "$CMDLINE" | diag ;;
esac
CUR=$(D "cat /sys/devices/system/clocksource/clocksource0/current_clocksource")
if [ "$CUR" = jiffies ]; then ok "domU current_clocksource is jiffies"; else not_ok "domU current_clocksource is jiffies, got '$CUR'"; fi

# ---- again: nothing to do ----
rc=0
S "$H rollout --profile xen-wa2 --json domu1" >rollout2.json 2>rollout2.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollout again: exit 0"; else not_ok "rollout again: exit 0, got $rc"; diag <rollout2.err; fi
check_json "rollout again: in place, nothing written" rollout2.json "
assert g['status'] == 'nothing-to-do' and g['result'] == 'in-place', (g['status'], g['result'], g['result_message'])"
S "cat /etc/xen/domu1.cfg" >now2.cfg
if cmp -s now2.cfg expected.cfg; then ok "rollout again: the config file is unchanged"; else not_ok "rollout again: the config file is unchanged"; fi
rc=0
S "$H plan --profile xen-wa2 domu1" >plan2.out 2>&1 || rc=$?
if [ "$rc" -eq 0 ]; then ok "plan again: exit 0 (nothing to do)"; else not_ok "plan again: exit 0, got $rc"; diag <plan2.out; fi

# ---- rollback: the file as it was ----
rc=0
S "$H rollback --json domu1" >rollback.json 2>rollback.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollback: exit 0"; else not_ok "rollback: exit 0, got $rc"; { cat rollback.err; head -c 3000 rollback.json; } | diag; fi
S "cat /etc/xen/domu1.cfg" >now3.cfg
if cmp -s now3.cfg "$HERE/files/domu1.cfg"; then ok "rollback: the config file is the original, byte for byte"; else not_ok "rollback: the config file is the original"; diff "$HERE/files/domu1.cfg" now3.cfg | diag; fi
if S "test ! -e /var/lib/hvclock/xen/domu1.record"; then ok "rollback: the record is gone"; else not_ok "rollback: the record is gone"; fi

S "poweroff -f" >/dev/null 2>&1
stop_qemu
echo "# serial console: $OUT/serial.log"
finish
