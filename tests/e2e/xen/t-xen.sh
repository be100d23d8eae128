#!/bin/bash
# t-xen.sh: hvclock's libxl backend and its dom0 host row in a real Xen host (Xen 4.17 nested in
# QEMU/TCG, shared/testbed.md §3). The nested machine boots from its own disk (mkimages.sh): SeaBIOS ->
# GRUB 2 (i386-pc, in the MBR) -> grub.cfg written by Debian's grub-mkconfig -> multiboot2 Xen + module2
# dom0 kernel + initrd -> dom0's ext4 root, so dom0's /etc, /boot and /var/lib/hvclock persist across
# host reboots. A PV domU (direct kernel, busybox initramfs) runs on it.
#   1. dom0 up through GRUB; Debian's update-grub in dom0 writes the same grub.cfg as the image's.
#   2. `hvclock plan` and `rollout` in dom0, profile xen-wa2 forced on domu1: clocksource=jiffies on
#      the domU's kernel line (extra= in /etc/xen/domu1.cfg) and, through the host row "Domain-0", on
#      dom0's own (GRUB_CMDLINE_LINUX in dom0's /etc/default/grub + update-grub; GRUB_CMDLINE_XEN is
#      left alone): the JSON, the files, the record.
#   3. The domU restarted the way hvclock says: `rollout --restart` (libxl_domain_reboot; hvclock
#      verifies the new boot), then /proc/cmdline and current_clocksource in the domU.
#   4. The whole host rebooted (`reboot` in dom0: busybox init's shutdown, then Xen resets the machine;
#      QEMU runs with -no-reboot, so the reset ends it and the test starts it again on the same disk):
#      dom0's /proc/cmdline and current_clocksource, its files kept; the domU created again.
#   5. rollout again: nothing to do, domU and host in place; rollback of domu1 and Domain-0: the files
#      as they were, byte for byte.
# Budget: 12 minutes (the restart through hvclock included; 3.5-5.5 without it, with the load of
# the day). SKIPs (exit 77) with the reason
# when the machine cannot run it.
# Env: HVCLOCK (built with the libxl backend), HVCLOCK_PROFILES_DIR, HVC_XEN_E2E_DIR (work directory:
# package cache, images, keys, logs; default /tmp/hvc-xen-e2e).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${HVC_XEN_E2E_DIR:-/tmp/hvc-xen-e2e}
. "$HERE/lib.sh"
# rollout --restart waits for the domU's reboot through hvclock (inspections included): more than
# the other Xen test needs
BUDGET=${HVC_XEN_E2E_BUDGET:-720}

# ---- can this machine run it? ----
xen_e2e_guards libxl

# ---- images ----
xen_e2e_image
ok "disk image built from Debian packages: GRUB in the MBR, ext4 root with Xen, dom0's kernel and tools ($(elapsed) s)"

# ---- boot the host from its disk ----
start_qemu "$OUT/serial.log"
cd "$OUT" || exit 1

H="env HVCLOCK_PROFILES_DIR=/usr/share/hvclock/profiles HVCLOCK_CONFIG=/dev/null hvclock -c xl:/// \
-i /root/.ssh/id_ed25519 --accept-new --guest-address domu1=10.99.0.2"
# diff_only_line ORIG NOW VAR: NOW is ORIG with only VAR='s line changed (exit 1 and a message if not)
diff_only_line() { python3 -c "
import sys
o = open(sys.argv[1]).read().split('\n'); w = open(sys.argv[2]).read().split('\n')
assert len(o) == len(w), 'line count %d -> %d' % (len(o), len(w))
d = [i for i in range(len(o)) if o[i] != w[i]]
assert len(d) == 1 and o[d[0]].startswith(sys.argv[3] + '='), 'changed lines: %r' % [(o[i], w[i]) for i in d]
" "$1" "$2" "$3"; }
# kernel_lines_changed CFG_BEFORE CFG_AFTER OLD NEW: grub.cfg AFTER is BEFORE with OLD replaced by NEW
# in the dom0 kernel's lines (module2 under Xen, linux natively) and nothing else; Xen's lines keep theirs
kernel_lines_changed() { python3 -c "
import re, sys
b = open(sys.argv[1]).read().split('\n'); a = open(sys.argv[2]).read().split('\n')
old, new = sys.argv[3], sys.argv[4]
kern = re.compile(r'^\s*(module2|linux)\s+/boot/vmlinuz-')
want = [l.replace(' ' + old + ' ', ' ' + new + ' ') if kern.match(l) else l for l in b]
assert sum(1 for l in b if kern.match(l)) >= 2, 'no dom0 kernel lines'
bad = [(x, y) for x, y in zip(want, a) if x != y]
assert len(a) == len(want) and not bad, 'unexpected: %r' % bad[:4]
for l in a:
    if kern.match(l): assert ' clocksource=jiffies ' in l + ' ', l
    if re.match(r'^\s*multiboot2\s', l): assert 'clocksource' not in l, l
" "$1" "$2" "$3" "$4"; }

wait_for 180 S true || bail "dom0 boots from its disk and answers ssh"
ok "host booted from its disk (SeaBIOS, GRUB, Xen, dom0), ssh to dom0 works ($(elapsed) s)"
S "cat /proc/cmdline; xl info | sed -n 's/^xen_commandline *: //p'; mount | grep ' on / '" >boot1.out 2>&1
if grep -q 'Bootloader: GRUB 2' serial.log &&
	[ "$(sed -n 1p boot1.out)" = "placeholder root=/dev/vda1 ro console=hvc0 earlyprintk=xen" ] &&
	[ "$(sed -n 2p boot1.out)" = "placeholder console=com1 com1=115200 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 noreboot" ] &&
	grep -q '^/dev/vda1 on / type ext4 (rw' boot1.out; then
	ok "Xen loaded by GRUB; dom0's and Xen's command lines from /etc/default/grub; dom0's root: ext4 on /dev/vda1"
else
	not_ok "Xen loaded by GRUB; command lines from /etc/default/grub; root ext4 on /dev/vda1"
	{ grep -a 'Bootloader' serial.log; cat boot1.out; } | diag
fi
S "cat /etc/default/grub" >grub-default.0
S "cat /boot/grub/grub.cfg" >grub.cfg.0
rc=0
S "update-grub" >update-grub.log 2>&1 || rc=$?
S "cat /boot/grub/grub.cfg" >grub.cfg.1
if [ "$rc" -eq 0 ] && cmp -s grub.cfg.0 grub.cfg.1 && grep -q '^[[:space:]]*multiboot2[[:space:]]/boot/xen-' grub.cfg.1; then
	ok "update-grub in dom0: exit 0, the same grub.cfg as the image's (20_linux_xen: multiboot2 Xen, module2 dom0) ($(elapsed) s)"
else
	not_ok "update-grub in dom0: exit 0 (got $rc), the same grub.cfg as the image's"
	{ cat update-grub.log; diff grub.cfg.0 grub.cfg.1; } | head -40 | diag
fi
ORIG_LINUX=$(grub_var grub-default.0 GRUB_CMDLINE_LINUX)
ORIG_XEN=$(grub_var grub-default.0 GRUB_CMDLINE_XEN)

# ---- the domU ----
S "$H list" >list0.out 2>&1
if grep -q Domain-0 list0.out; then not_ok "hvclock list: Domain-0 is not a guest"; diag <list0.out; else ok "hvclock list: Domain-0 is not a guest"; fi

S "xl create /etc/xen/domu1.cfg" >create.log 2>&1 || bail "xl create domu1"
wait_for 180 D true || bail "the domU answers ssh"
ok "domU up, ssh from dom0 works ($(elapsed) s)"

# ---- plan ----
rc=0
S "$H plan --profile xen-wa2 --json domu1" >plan.json 2>plan.err || rc=$?
if [ "$rc" -eq 4 ]; then ok "plan: exit 4 (changes pending)"; else not_ok "plan: exit 4, got $rc"; diag <plan.err; fi
check_json "plan: domu1 is a libxl PV guest booted from a direct kernel, inspected over SSH" plan.json "
assert g['name'] == 'domu1' and g['backend'] == 'libxl' and g['hypervisor'] == 'xen', g
assert g['type'] == 'pv' and g['boot'] == 'direct-kernel', g
assert g['kernel'] == '/var/lib/hvtest/vmlinuz', g['kernel']
assert g['cmdline'] == 'console=hvc0 hvip=10.99.0.2', g['cmdline']
assert g['facts']['inspected'], g['inspect_error']"
check_json "plan: host-cmdline in /etc/xen/domu1.cfg extra=, pending until the next reboot" plan.json "
x = a['host-cmdline']
assert x['target'] == '/etc/xen/domu1.cfg extra=', x
assert x['after'] == 'console=hvc0 hvip=10.99.0.2 clocksource=jiffies', x
assert x['state'] == 'pending' and x['takes_effect'] == 'reboot', x"
check_json "plan: host row Domain-0 (xen-wa2 [host]): dom0's GRUB_CMDLINE_LINUX + clocksource=jiffies, pending until the host reboots" plan.json "
assert 'host' in d, 'no \"host\" key in the document'
assert h is not None, 'host is null'
assert h['name'] == 'Domain-0' and h['hypervisor'] == 'xen', h
b = [x for x in h['actions'] if x['kind'] == 'guest-bootloader']
assert len(b) == 1, h['actions']
b = b[0]
assert b['state'] == 'pending' and b['takes_effect'] == 'reboot', b
assert b['before'] == '$ORIG_LINUX', (b['before'], 'dom0 has GRUB_CMDLINE_LINUX=\"$ORIG_LINUX\"')
assert b['after'] == '$ORIG_LINUX clocksource=jiffies', b['after']"

# ---- rollout ----
rc=0
S "$H rollout --profile xen-wa2 --json domu1" >rollout.json 2>rollout.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollout: exit 0"; else not_ok "rollout: exit 0, got $rc"; { cat rollout.err; head -c 3000 rollout.json; } | diag; fi
check_json "rollout: written and read back, deferred to the guest's next reboot" rollout.json "
assert g['result'] == 'deferred', (g['result'], g['result_message'])
assert 'reboot' in g['result_message'] and 'power-cycle' not in g['result_message'], g['result_message']"
check_json "rollout: host row Domain-0 written, deferred to the host's reboot" rollout.json "
assert h is not None, 'no host row'
assert h['name'] == 'Domain-0', h
assert h['result'] == 'deferred', (h['result'], h.get('result_message'))
assert h['result_message'] == 'takes effect at the host\\'s next reboot', h['result_message']"

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

# dom0's boot loader: GRUB_CMDLINE_LINUX only, then update-grub
S "cat /etc/default/grub" >grub-default.1
NEW_LINUX=$(grub_var grub-default.1 GRUB_CMDLINE_LINUX)
if diff_only_line grub-default.0 grub-default.1 GRUB_CMDLINE_LINUX 2>grub-default.err &&
	[ "$NEW_LINUX" = "$ORIG_LINUX clocksource=jiffies" ] &&
	[ "$(grub_var grub-default.1 GRUB_CMDLINE_XEN)" = "$ORIG_XEN" ]; then
	ok "dom0's /etc/default/grub: only GRUB_CMDLINE_LINUX changed (+ clocksource=jiffies), GRUB_CMDLINE_XEN kept"
else
	not_ok "dom0's /etc/default/grub: only GRUB_CMDLINE_LINUX changed (+ clocksource=jiffies), GRUB_CMDLINE_XEN kept"
	{ cat grub-default.err; diff grub-default.0 grub-default.1; } | diag
fi
S "cat /boot/grub/grub.cfg" >grub.cfg.2
if kernel_lines_changed grub.cfg.1 grub.cfg.2 "$ORIG_LINUX" "$NEW_LINUX" 2>grub.cfg.err; then
	ok "dom0's grub.cfg regenerated by update-grub: clocksource=jiffies on dom0's kernel lines (module2, linux), not on Xen's (multiboot2)"
else
	not_ok "dom0's grub.cfg regenerated by update-grub: clocksource=jiffies on dom0's kernel lines, not on Xen's"
	{ cat grub.cfg.err; diff grub.cfg.1 grub.cfg.2; } | head -30 | diag
fi

# ---- restart the domU the way hvclock says: rollout --restart (libxl_domain_reboot), verified ----
OLD=$(S "xl domid domu1")
rc=0
# S's 120 s is too short here: the reboot request, the probes until the old boot stops answering, the
# new boot and its inspection, all in nested TCG
# shellcheck disable=SC2086 # SSHO is a list of options
timeout 420 ssh -i "$KEY" $SSHO -p "$PORT" root@127.0.0.1 \
	"$H rollout --profile xen-wa2 --restart --restart-timeout 60 --wait-ssh 240 --json domu1" >restart.json 2>restart.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollout --restart: exit 0"; else not_ok "rollout --restart: exit 0, got $rc"; { cat restart.err; head -c 3000 restart.json; } | diag; fi
check_json "rollout --restart: domu1 rebooted through libxl (a new boot id) and the remedy verified inside" restart.json "
r, v = g['restart'], g['verification']
assert r['needed'] == 'reboot' and r['action'] == 'reboot' and r['result'] == 'restarted', r
assert r['boot_id_before'] and r['boot_id_after'] and r['boot_id_after'] != r['boot_id_before'], r
assert v == {'result': 'verified', 'differences': []}, v
assert d['summary']['restart']['verified'] == 1, d['summary']"
new_domid() { local d; d=$(S "xl domid domu1" 2>/dev/null) && [ -n "$d" ] && [ "$d" != "$OLD" ]; }
wait_for 30 new_domid || bail "the domU rebooted into a new domain (was domid $OLD)"
wait_for 60 D true || bail "the rebooted domU answers ssh"
ok "domU rebooted by hvclock: new domid $(S 'xl domid domu1'), ssh works ($(elapsed) s)"
CMDLINE=$(D "cat /proc/cmdline")
case " $CMDLINE " in
*" clocksource=jiffies "*) ok "domU /proc/cmdline carries clocksource=jiffies" ;;
*) not_ok "domU /proc/cmdline carries clocksource=jiffies"; echo "$CMDLINE" | diag ;;
esac
CUR=$(D "cat /sys/devices/system/clocksource/clocksource0/current_clocksource")
if [ "$CUR" = jiffies ]; then ok "domU current_clocksource is jiffies"; else not_ok "domU current_clocksource is jiffies, got '$CUR'"; fi

# ---- reboot the whole host: dom0's reboot resets the machine; QEMU (-no-reboot) ends, is started again ----
TR=$(date +%s)
S "reboot" >/dev/null 2>&1
until ! kill -0 "$QEMU_PID" 2>/dev/null || [ $(($(date +%s) - TR)) -ge 60 ]; do sleep 1; done
if kill -0 "$QEMU_PID" 2>/dev/null; then
	echo "the machine did not reset within 60 s of dom0's reboot: QEMU stopped" | diag
	stop_qemu
fi
wait "$QEMU_PID" 2>/dev/null
QEMU_PID=
grep -a 'HVT' serial.log | tail -n 3 | tr -d '\r' | diag
start_qemu "$OUT/serial2.log"
wait_for 180 S true || bail "the host boots again from its disk and dom0 answers ssh"
ok "host rebooted (dom0 reboot -> machine reset -> GRUB), dom0 answers ssh $(($(date +%s) - TR)) s after the reboot ($(elapsed) s)"
S "cat /proc/cmdline" >cmdline.dom0
if grep -qw 'clocksource=jiffies' cmdline.dom0; then
	ok "dom0 /proc/cmdline carries clocksource=jiffies (booted through the regenerated grub.cfg)"
else
	not_ok "dom0 /proc/cmdline carries clocksource=jiffies"; diag <cmdline.dom0
fi
S "cat /sys/devices/system/clocksource/clocksource0/current_clocksource /sys/devices/system/clocksource/clocksource0/available_clocksource; dmesg | grep -i clocksource" >clocksource.dom0 2>&1
echo "dom0 current_clocksource: $(sed -n 1p clocksource.dom0), available: $(sed -n 2p clocksource.dom0)" | diag
if [ "$(sed -n 1p clocksource.dom0)" = jiffies ]; then
	ok "dom0 current_clocksource is jiffies"
else
	not_ok "dom0 current_clocksource is jiffies"; diag <clocksource.dom0
fi
S "cat /etc/xen/domu1.cfg" >now-boot2.cfg
S "cat /etc/default/grub" >grub-default.boot2
S "cat /boot/grub/grub.cfg" >grub.cfg.boot2
if cmp -s now-boot2.cfg now.cfg && cmp -s grub-default.boot2 grub-default.1 && cmp -s grub.cfg.boot2 grub.cfg.2 &&
	S "test -s /var/lib/hvclock/xen/domu1.record"; then
	ok "dom0's disk kept its state across the reboot: domu1.cfg, /etc/default/grub, grub.cfg, /var/lib/hvclock"
else
	not_ok "dom0's disk kept its state across the reboot"
	{ diff now.cfg now-boot2.cfg; diff grub-default.1 grub-default.boot2; S "ls -lR /var/lib/hvclock"; } 2>&1 | diag
fi
S "xl create /etc/xen/domu1.cfg" >create2.log 2>&1 || bail "xl create domu1 after the host reboot"
wait_for 180 D true || bail "the domU created again answers ssh"
CMDLINE=$(D "cat /proc/cmdline")
case " $CMDLINE " in
*" clocksource=jiffies "*) ok "domU created again after the host reboot, from the rewritten config: clocksource=jiffies ($(elapsed) s)" ;;
*) not_ok "domU created again after the host reboot, from the rewritten config"; echo "$CMDLINE" | diag ;;
esac

# ---- again: nothing to do ----
rc=0
S "$H rollout --profile xen-wa2 --json domu1" >rollout2.json 2>rollout2.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollout again: exit 0"; else not_ok "rollout again: exit 0, got $rc"; diag <rollout2.err; fi
check_json "rollout again: in place, nothing written" rollout2.json "
assert g['status'] == 'nothing-to-do' and g['result'] == 'in-place', (g['status'], g['result'], g['result_message'])"
check_json "rollout again: host row Domain-0 in place" rollout2.json "
assert h is not None, 'no host row'
assert h['name'] == 'Domain-0' and h['result'] == 'in-place', (h['status'], h['result'], h.get('result_message'))"
S "cat /etc/xen/domu1.cfg" >now2.cfg
if cmp -s now2.cfg expected.cfg; then ok "rollout again: the config file is unchanged"; else not_ok "rollout again: the config file is unchanged"; fi
S "cat /etc/default/grub" >grub-default.2
S "cat /boot/grub/grub.cfg" >grub.cfg.3
if cmp -s grub-default.2 grub-default.1 && cmp -s grub.cfg.3 grub.cfg.2; then
	ok "rollout again: dom0's /etc/default/grub and grub.cfg unchanged"
else
	not_ok "rollout again: dom0's /etc/default/grub and grub.cfg unchanged"; diff grub-default.1 grub-default.2 | diag
fi
rc=0
S "$H plan --profile xen-wa2 domu1" >plan2.out 2>&1 || rc=$?
if [ "$rc" -eq 0 ]; then ok "plan again: exit 0 (nothing to do)"; else not_ok "plan again: exit 0, got $rc"; diag <plan2.out; fi

# ---- rollback of the domU and the host: the files as they were ----
rc=0
S "$H rollback --json domu1 Domain-0" >rollback.json 2>rollback.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollback domu1 Domain-0: exit 0"; else not_ok "rollback domu1 Domain-0: exit 0, got $rc"; { cat rollback.err; head -c 3000 rollback.json; } | diag; fi
S "cat /etc/xen/domu1.cfg" >now3.cfg
if cmp -s now3.cfg "$HERE/files/domu1.cfg"; then ok "rollback: the config file is the original, byte for byte"; else not_ok "rollback: the config file is the original"; diff "$HERE/files/domu1.cfg" now3.cfg | diag; fi
if S "test ! -e /var/lib/hvclock/xen/domu1.record"; then ok "rollback: the record is gone"; else not_ok "rollback: the record is gone"; fi
check_json "rollback: the host row Domain-0 is in the report" rollback.json "
assert h is not None and h['name'] == 'Domain-0', h"
S "cat /etc/default/grub" >grub-default.3
if cmp -s grub-default.3 grub-default.0; then
	ok "rollback: dom0's /etc/default/grub is the original, byte for byte"
else
	not_ok "rollback: dom0's /etc/default/grub is the original"; diff grub-default.0 grub-default.3 | diag
fi
S "cat /boot/grub/grub.cfg" >grub.cfg.4
if ! grep -q clocksource=jiffies grub.cfg.4 && cmp -s grub.cfg.4 grub.cfg.1; then
	ok "rollback: grub.cfg regenerated without clocksource=jiffies (= the original)"
else
	not_ok "rollback: grub.cfg regenerated without clocksource=jiffies"; grep -n clocksource grub.cfg.4 | diag
fi

S "poweroff" >/dev/null 2>&1
for _ in $(seq 1 30); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 1; done
stop_qemu
echo "# serial consoles: $OUT/serial.log (first boot), $OUT/serial2.log (after the host reboot)"
finish
