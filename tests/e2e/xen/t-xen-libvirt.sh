#!/bin/bash
# t-xen-libvirt.sh: hvclock's libvirt backend on a Xen host managed by libvirt (xen:///system, libvirt's
# libxl driver), in the same nested Xen machine as t-xen.sh (mkimages.sh: Xen 4.17 nested in QEMU/TCG,
# booted from its disk through GRUB; shared/testbed.md §3). libvirtd is in dom0's root but not started
# at boot (t-xen.sh does not pay for it); this test starts it.
#   1. libvirtd (monolithic, only its libxl connection driver) started in dom0; virsh -c xen:///system.
#   2. A PV domU (direct kernel, busybox initramfs: files/lvdomu.xml) defined and started through libvirt.
#   3. hvclock -c xen:///system, profile xen-wa2 forced on it: list (Domain-0 is not a guest), plan (the
#      domain XML's <os><cmdline>, pending until the guest's reboot; the host row Domain-0 with dom0's
#      GRUB_CMDLINE_LINUX), rollout (the persistent definition rewritten, deferred). Before the rollout,
#      hvclock on this machine against the same dom0 remotely (xen+ssh://root@127.0.0.1:PORT/system, the
#      forwarded port; virt-ssh-helper in dom0): list and plan equal dom0's own, the host row's scripts
#      run in dom0 over SSH, the domU reached through dom0 (jump = yes).
#   4. The domU rebooted from inside: libvirt's libxl driver starts it again as a new Xen domain, from its
#      persistent definition (libxlDomainCleanup() -> virDomainObjRemoveTransientDef()): /proc/cmdline
#      and current_clocksource in the domU.
#   5. rollout again: in place; rollback of the domU and Domain-0: <cmdline> and dom0's
#      /etc/default/grub as they were.
# Budget: 8 minutes. SKIPs (exit 77) with the reason when the machine cannot run it.
# Env: HVCLOCK (built with the libvirt backend), HVCLOCK_PROFILES_DIR, HVC_XEN_E2E_DIR (work directory:
# package cache, images, keys, logs; default /tmp/hvc-xen-libvirt-e2e).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${HVC_XEN_E2E_DIR:-/tmp/hvc-xen-libvirt-e2e}
NAME=lvdomu
URI=xen:///system

. "$HERE/lib.sh"
bail_more() {
	{ echo "last lines of dom0's /var/log/libvirt/libvirtd.log:"; S "tail -n 25 /var/log/libvirt/libvirtd.log"; } 2>&1 | diag
}
# V ARGS: virsh -c xen:///system in dom0
V() { S "virsh -c $URI $*"; }

# ---- can this machine run it? ----
xen_e2e_guards libvirt

# ---- images (mkimages.sh, the same as t-xen.sh's; libvirt is in dom0's root unless it could not be fetched) ----
xen_e2e_image
[ -f "$OUT/img/no-libvirt" ] && skip_all "$(cat "$OUT/img/no-libvirt")"
ok "disk image built from Debian packages, with libvirtd + its libxl driver and virsh in dom0 ($(elapsed) s)"

# ---- boot the host from its disk (as t-xen.sh does) ----
start_qemu "$OUT/serial.log"
cd "$OUT" || exit 1

H="env HVCLOCK_PROFILES_DIR=/usr/share/hvclock/profiles HVCLOCK_CONFIG=/dev/null hvclock -c $URI \
-i /root/.ssh/id_ed25519 --accept-new --guest-address $NAME=10.99.0.2"
# cmdline_of XMLFILE: the text of <os><cmdline> (empty when none)
cmdline_of() { python3 -c "
import sys, xml.etree.ElementTree as E
c = E.parse(sys.argv[1]).getroot().find('os/cmdline')
print(c.text if c is not None and c.text else '')
" "$1"; }

wait_for 180 S true || bail "dom0 boots from its disk and answers ssh"
ok "host booted from its disk (SeaBIOS, GRUB, Xen, dom0), ssh to dom0 works ($(elapsed) s)"
S "cat /etc/default/grub" >grub-default.0
ORIG_LINUX=$(grub_var grub-default.0 GRUB_CMDLINE_LINUX)

# ---- libvirtd with its libxl driver ----
S "libvirtd -d" >libvirtd-start.log 2>&1 || { diag <libvirtd-start.log; bail "libvirtd -d in dom0"; }
wait_for 90 V list || bail "virsh -c $URI list answers"
V "version" >virsh-version.out 2>&1
ok "libvirtd with its libxl driver runs in dom0: virsh -c $URI list works ($(elapsed) s)"
sed '/^$/d; s/^/virsh version: /' virsh-version.out | diag

# ---- the domU, defined and started through libvirt ----
V "define /var/lib/hvtest/$NAME.xml" >define.log 2>&1 || { diag <define.log; bail "virsh define $NAME"; }
V "dumpxml --inactive $NAME" >xml.0
ORIG=$(cmdline_of xml.0)
V "start $NAME" >start.log 2>&1 || { diag <start.log; bail "virsh start $NAME"; }
wait_for 180 D true || bail "the domU started by libvirt answers ssh"
DOMID1=$(V "domid $NAME" | tr -d '[:space:]')
ok "domU $NAME defined and started through libvirt (domid $DOMID1), ssh from dom0 works ($(elapsed) s)"
D "cat /proc/cmdline" >cmdline.0
echo "domU /proc/cmdline at the first start: $(cat cmdline.0)" | diag

# ---- list ----
rc=0
S "$H list --json" >list.json 2>list.err || rc=$?
[ "$rc" -eq 0 ] || { not_ok "list: exit 0, got $rc"; diag <list.err; }
check_json "list: $NAME is a libvirt Xen PV guest booted from a direct kernel; Domain-0 is not a guest" list.json "
names = [x['name'] for x in gs]
assert 'Domain-0' not in names, names
assert names == ['$NAME'], names
assert g['backend'] == 'libvirt' and g['hypervisor'] == 'xen', g
assert g['type'] == 'pv' and g['boot'] == 'direct-kernel', g
assert g['uri'] == '$URI', g['uri']
assert g['cmdline'] == 'console=hvc0 hvip=10.99.0.2', g['cmdline']"

# ---- plan ----
rc=0
S "$H plan --profile xen-wa2 --json $NAME" >plan.json 2>plan.err || rc=$?
if [ "$rc" -eq 4 ]; then ok "plan: exit 4 (changes pending)"; else not_ok "plan: exit 4, got $rc"; diag <plan.err; fi
check_json "plan: $NAME inspected over SSH" plan.json "
assert g['name'] == '$NAME' and g['backend'] == 'libvirt' and g['hypervisor'] == 'xen', g
assert g['facts']['inspected'], g.get('inspect_error')"
check_json "plan: host-cmdline in the domain XML's <os><cmdline> + clocksource=jiffies, pending until the guest's reboot" plan.json "
x = a['host-cmdline']
assert x['target'] == 'domain XML <os><cmdline>', x
assert x['before'] == 'console=hvc0 hvip=10.99.0.2', x
assert x['after'] == 'console=hvc0 hvip=10.99.0.2 clocksource=jiffies', x
assert x['state'] == 'pending' and x['takes_effect'] == 'reboot', x"
check_json "plan: host row Domain-0 (local xen:///system): guest-bootloader on dom0's GRUB_CMDLINE_LINUX" plan.json "
assert h is not None, 'no host row'
assert h['name'] == 'Domain-0' and h['hypervisor'] == 'xen', h
b = [x for x in h['actions'] if x['kind'] == 'guest-bootloader']
assert len(b) == 1, h['actions']
b = b[0]
assert 'GRUB_CMDLINE_LINUX' in b['target'], b
assert b['state'] == 'pending' and b['takes_effect'] == 'reboot', b
assert b['before'] == '$ORIG_LINUX', (b['before'], 'dom0 has GRUB_CMDLINE_LINUX=\"$ORIG_LINUX\"')
assert b['after'] == '$ORIG_LINUX clocksource=jiffies', b['after']"

# ---- the same host from outside: hvclock here, xen+ssh:// to dom0 ----
# libvirt's remote client runs ssh here and virt-ssh-helper in dom0 (dropbear; busybox's nc has no -U).
# That ssh reads root's ~/.ssh: hvclock runs as the fleet bed's controller (fleet_ctl: a private mount
# namespace whose /root is OUT/ctl/home), with the tier's key and a known_hosts that pins dom0's key.
# hvclock's own SSH (the host row in dom0, the domU through dom0: jump = yes) checks its known_hosts:
# dom0 under [127.0.0.1]:PORT, the domU under its UUID (the same dropbear key, mkimages.sh).
RURI="xen+ssh://root@127.0.0.1:$PORT/system"
RT0=$(date +%s)
UUID=$(V "domuuid $NAME" | tr -d '[:space:]')
mkdir -p "$OUT/ctl/home/.ssh"
chmod 700 "$OUT/ctl/home" "$OUT/ctl/home/.ssh"
install -m 600 "$KEY" "$OUT/ctl/home/.ssh/id_ed25519"
DKEY=$(cat "$OUT/ssh/dropbear_ed25519_host_key.pub")
echo "[127.0.0.1]:$PORT $DKEY" >"$OUT/ctl/home/.ssh/known_hosts"
printf '[127.0.0.1]:%s %s\n%s %s\n' "$PORT" "$DKEY" "$UUID" "$DKEY" >"$OUT/ctl/known_hosts"
printf '[host:dom0]\nuri = %s\njump = yes\n' "$RURI" >"$OUT/ctl/hvclock.conf"
printf '#!/bin/bash\n. %q\nfleet_ctl %q %q "$@"\n' "$HERE/../../fleet/bed.sh" "$OUT" "$HVCLOCK" >"$OUT/ctl/hvclock"
chmod 755 "$OUT/ctl/hvclock"
R() { HVCLOCK=$OUT/ctl/hvclock run_hvclock --config "$OUT/ctl/hvclock.conf" -c "$RURI" -i "$KEY" \
	--known-hosts "$OUT/ctl/known_hosts" --no-agent --connect-timeout 30 --guest-address "$NAME=10.99.0.2" "$@"; }
rc=0
R list --json >rlist.json 2>rlist.err || rc=$?
[ "$rc" -eq 0 ] || { not_ok "remote list: exit 0, got $rc"; diag <rlist.err; }
check_json "remote list ($RURI, from this machine): the same guests as the list in dom0" rlist.json "
l = json.load(open('list.json'))['guests']
assert [x['uri'] for x in gs] == ['$RURI'] * len(l), [x['uri'] for x in gs]
strip = lambda xs: [{k: v for k, v in x.items() if k not in ('uri', 'host')} for x in xs]
assert strip(gs) == strip(l), (strip(gs), strip(l))"
RT1=$(date +%s)
rc=0
R plan --profile xen-wa2 --json "$NAME" >rplan.json 2>rplan.err || rc=$?
if [ "$rc" -eq 4 ]; then ok "remote plan: exit 4 (changes pending)"; else not_ok "remote plan: exit 4, got $rc"; diag <rplan.err; fi
check_json "remote plan: $NAME reached through dom0's SSH session (jump), its actions as in dom0's plan" rplan.json "
assert g['facts']['inspected'], g.get('inspect_error')
assert g.get('jump'), g.get('jump')
l = json.load(open('plan.json'))['guests'][0]
assert g['actions'] == l['actions'], (g['actions'], l['actions'])"
check_json "remote plan: host row Domain-0 computed in dom0 over SSH: evidence and remedy as in dom0's own plan" rplan.json "
l = json.load(open('plan.json'))['host']
assert h is not None, 'no host row'
assert h['uri'] == '$RURI', h['uri']
assert h['boot_detail'].endswith('changed in that dom0 over SSH'), h['boot_detail']
assert 'over SSH' in h['identity_detail'], h['identity_detail']
for k in ('name', 'uuid', 'hypervisor', 'type', 'status', 'remedy', 'actions'):
    assert h[k] == l[k], (k, h[k], l[k])
for k in ('inspected', 'kernel_release', 'os_release', 'current_clocksource', 'available_clocksources',
          'proc_cmdline', 'timesync', 'timesync_active', 'bootloader', 'bootloader_file',
          'bootloader_default_file', 'uuid_xen', 'hvclock_state_in_guest'):
    assert h['facts'][k] == l['facts'][k], (k, h['facts'][k], l['facts'][k])"
echo "from this machine over xen+ssh://: list $((RT1 - RT0)) s, plan $(($(date +%s) - RT1)) s" | diag

# ---- rollout ----
rc=0
S "$H rollout --profile xen-wa2 --json $NAME" >rollout.json 2>rollout.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollout: exit 0"; else not_ok "rollout: exit 0, got $rc"; { cat rollout.err; head -c 3000 rollout.json; } | diag; fi
check_json "rollout: $NAME deferred to its next reboot" rollout.json "
assert g['result'] == 'deferred', (g['result'], g['result_message'])
assert 'reboot' in g['result_message'], g['result_message']"
check_json "rollout: host row Domain-0 written, deferred to the host's reboot" rollout.json "
assert h is not None and h['name'] == 'Domain-0', h
assert h['result'] == 'deferred', (h['result'], h.get('result_message'))"
V "dumpxml --inactive $NAME" >xml.1
V "dumpxml $NAME" >xml.live.1
NEW=$(cmdline_of xml.1)
if [ "$NEW" = "$ORIG clocksource=jiffies" ]; then
	ok "virsh dumpxml --inactive: <cmdline>$NEW</cmdline>"
else
	not_ok "virsh dumpxml --inactive: <cmdline> is the old one + clocksource=jiffies, got '$NEW'"
fi
echo "live XML <cmdline>: $(cmdline_of xml.live.1)" | diag

# ---- the key fact: a reboot from inside the guest; libvirt starts it again from the persistent definition? ----
D "reboot" >/dev/null 2>&1
new_domid() { local d; d=$(V "domid $NAME" 2>/dev/null | tr -d '[:space:]') && [ -n "$d" ] && [ "$d" != "-" ] && [ "$d" != "$DOMID1" ]; }
wait_for 120 new_domid || bail "the domU rebooted from inside comes back as a new Xen domain (was domid $DOMID1)"
wait_for 180 D true || bail "the rebooted domU answers ssh"
DOMID2=$(V "domid $NAME" | tr -d '[:space:]')
ok "domU rebooted from inside: libvirt started it again, domid $DOMID1 -> $DOMID2, ssh works ($(elapsed) s)"
D "cat /proc/cmdline" >cmdline.1
echo "domU /proc/cmdline after the in-guest reboot: $(cat cmdline.1)" | diag
case " $(cat cmdline.1) " in
*" clocksource=jiffies "*) ok "domU /proc/cmdline after the in-guest reboot carries clocksource=jiffies" ;;
*) not_ok "domU /proc/cmdline after the in-guest reboot carries clocksource=jiffies" ;;
esac
CUR=$(D "cat /sys/devices/system/clocksource/clocksource0/current_clocksource")
if [ "$CUR" = jiffies ]; then ok "domU current_clocksource is jiffies"; else not_ok "domU current_clocksource is jiffies, got '$CUR'"; fi
V "dumpxml $NAME" >xml.live.2
echo "live XML <cmdline> after the reboot: $(cmdline_of xml.live.2)" | diag

# ---- again: nothing to do ----
rc=0
S "$H rollout --profile xen-wa2 --json $NAME" >rollout2.json 2>rollout2.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollout again: exit 0"; else not_ok "rollout again: exit 0, got $rc"; diag <rollout2.err; fi
check_json "rollout again: $NAME in place, nothing to do" rollout2.json "
assert g['status'] == 'nothing-to-do' and g['result'] == 'in-place', (g['status'], g['result'], g['result_message'])"
V "dumpxml --inactive $NAME" >xml.2
if cmp -s xml.1 xml.2; then ok "rollout again: the persistent definition is unchanged"; else not_ok "rollout again: the persistent definition is unchanged"; diff xml.1 xml.2 | diag; fi

# ---- rollback of the domU and the host ----
rc=0
S "$H rollback --json $NAME Domain-0" >rollback.json 2>rollback.err || rc=$?
if [ "$rc" -eq 0 ]; then ok "rollback $NAME Domain-0: exit 0"; else not_ok "rollback $NAME Domain-0: exit 0, got $rc"; { cat rollback.err; head -c 3000 rollback.json; } | diag; fi
check_json "rollback: $NAME and the host row Domain-0 in the report" rollback.json "
assert [x['name'] for x in gs] == ['$NAME'], gs
assert h is not None and h['name'] == 'Domain-0', h"
V "dumpxml --inactive $NAME" >xml.3
if [ "$(cmdline_of xml.3)" = "$ORIG" ]; then
	ok "rollback: virsh dumpxml --inactive shows the original <cmdline>$ORIG</cmdline>"
else
	not_ok "rollback: the original <cmdline>, got '$(cmdline_of xml.3)'"
fi
S "cat /etc/default/grub" >grub-default.3
if cmp -s grub-default.3 grub-default.0; then
	ok "rollback: dom0's /etc/default/grub is the original, byte for byte"
else
	not_ok "rollback: dom0's /etc/default/grub is the original"; diff grub-default.0 grub-default.3 | diag
fi

V "destroy $NAME" >/dev/null 2>&1
S "poweroff" >/dev/null 2>&1
for _ in $(seq 1 30); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 1; done
stop_qemu
echo "# serial console: $OUT/serial.log; dom0's libvirtd log: /var/log/libvirt/libvirtd.log in $OUT/disk.img"
finish
