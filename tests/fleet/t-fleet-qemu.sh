#!/bin/bash
# t-fleet-qemu.sh: a real QEMU guest behind a fleet host (issue 13's test bed). Host 5 of the fleet
# bed (tests/fleet/bed.sh: a namespace with its own sshd and libvirtd, 10.79.5.1) runs one Debian
# guest (tests/e2e/mkguest.sh's image, QEMU/TCG unless KVM works) on an isolated libvirt network with
# DHCP on a bridge inside that namespace (10.80.1.0/24: no route of the controller's own leads there).
# From the controller, hvclock with a [host:h1] section (qemu+ssh://, jump = yes): the guest listed
# over the remote connection, its address from the lease, reached through the host, inspected,
# planned, rolled out (read back inside the guest); with --jump no it is not reached.
# env: HVCLOCK, HVC_FLEET_DIR (the bed), HVC_E2E_CACHE (mkguest.sh's cache, shared with the e2e tier)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap.sh"
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, bridge, sshd, libvirtd)"
[ -x /usr/sbin/libvirtd ] || skip_all "no /usr/sbin/libvirtd (libvirt-daemon)"
[ -x /usr/sbin/sshd ] || skip_all "no /usr/sbin/sshd (openssh-server)"
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"
missing=
for c in qemu-system-x86_64 virsh virtlogd python3 ssh ssh-keygen mke2fs sfdisk cpio depmod xz \
	apt-get apt-cache dpkg-deb; do
	command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
[ -x /usr/sbin/dnsmasq ] || command -v dnsmasq >/dev/null 2>&1 || missing="$missing dnsmasq"
[ -x /bin/busybox ] || missing="$missing busybox"
[ -z "$missing" ] || skip_all "missing:$missing (scripts/deps.sh installs them)"
command -v virt-ssh-helper >/dev/null || command -v nc >/dev/null ||
	skip_all "neither virt-ssh-helper nor nc for libvirt's ssh transport"
: "${HVCLOCK:?}"
. "$here/bed.sh"

# --- the guest image (mkguest.sh's cache, the e2e tier's when the build has one) ---
# Built before fleet_tier_enter: the controller's network namespace has no way out, and apt needs
# one; inside it the image then comes from the cache.
CACHE=${HVC_E2E_CACHE:-$top/build-fleet/e2e-cache}
make_image() { # LOG: sets G to the image directory, or SKIPs the tier (LOG removed then)
	local rc msg
	G=$("$top/tests/e2e/mkguest.sh" "$CACHE" 2>"$1")
	rc=$?
	if [ $rc -eq 3 ]; then
		apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1
		G=$("$top/tests/e2e/mkguest.sh" "$CACHE" 2>"$1")
		rc=$?
	fi
	if [ $rc -eq 3 ]; then
		msg=$(tail -n 1 "$1")
		rm -f "$1"
		skip_all "the guest image cannot be built: $msg"
	fi
	[ $rc -eq 0 ] || {
		diag <"$1"
		bail "mkguest.sh failed"
	}
}
if [ -z "${HVC_FLEET_CTL:-}" ]; then
	log=$(mktemp)
	make_image "$log"
	rm -f "$log"
fi
fleet_tier_enter qemu "$0" "$@"

TMP=$BED/run
rm -rf "$TMP"
mkdir -p "$TMP"
chmod 700 "$TMP" # hvclock's lock directory
cleanup() {
	fleet_down "$BED"
	echo "# wall time: $SECONDS s"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_image "$TMP/mkguest.log"
KVER=$(cat "$G/kver")
t_image=$SECONDS

# --- the host, its guests' network, the guest ---
# Host number K=5 (any would do: the tier's links are in its own network namespace, bed.sh).
K=5
fleet_down "$BED"
fleet_ctl_keys "$BED"
fleet_host_up "$BED" $K >"$TMP/bed.log" 2>&1 || {
	diag <"$TMP/bed.log"
	bail "the bed did not come up"
}
HA=$(fleet_addr $K) H1=$BED/h$K
hv1() { fleet_ns "$BED" $K virsh -q -c qemu:///system "$@"; }
hv1 capabilities 2>"$TMP/caps.err" | grep -q "<domain type='qemu'" ||
	skip_all "host h1 ($HA): its libvirtd has no usable qemu driver: $(head -n 1 "$TMP/caps.err")"
GIP=10.80.1.11 MAC=52:54:00:80:01:0b
cat >"$H1/net.xml" <<EOF
<network>
  <name>hvfq</name>
  <bridge name='hvfq0' stp='off' delay='0'/>
  <ip address='10.80.1.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.80.1.100' end='10.80.1.199'/>
      <host mac='$MAC' name='q1' ip='$GIP'/>
    </dhcp>
  </ip>
</network>
EOF
{ hv1 net-define "$H1/net.xml" && hv1 net-start hvfq; } >/dev/null 2>"$TMP/net.err" ||
	{
		diag <"$TMP/net.err"
		bail "host h1 ($HA): the guests' network did not start"
	}
# KVM only where hardware virtualisation really works (as t-e2e.sh decides); else TCG
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ ! -d /sys/module/kvm_pvm ]; then
	DOMTYPE=kvm
else
	DOMTYPE=qemu
fi
cp --sparse=always "$G/disk.img" "$H1/disks/q1.img"
cat >"$H1/q1.xml" <<EOF
<domain type='$DOMTYPE'>
  <name>q1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$G/vmlinux</kernel>
    <initrd>$G/initrd.img</initrd>
    <cmdline>root=UUID=$(cat "$G/root-uuid") ro console=ttyS0 hv.hostname=q1</cmdline>
  </os>
  <features><acpi/><tcg><tb-cache unit='MiB'>32</tb-cache></tcg></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$H1/disks/q1.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <source network='hvfq'/>
      <mac address='$MAC'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'><log file='/var/log/libvirt/qemu/q1-console.log' append='on'/></serial>
    <console type='pty'/>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='none'/>
  </devices>
  <seclabel type='none'/>
</domain>
EOF
{ hv1 define "$H1/q1.xml" && hv1 start q1; } >/dev/null 2>"$TMP/start.err" || {
	diag <"$TMP/start.err"
	tail -n 5 "$H1/log/libvirtd.log" | diag
	bail "host h1 ($HA): the guest did not start"
}
# gssh CMD: the test's own access to the guest, from inside the host (not hvclock's)
gssh() {
	fleet_ns "$BED" $K ssh -i "$G/id_ed25519" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
		-o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes "root@$GIP" "$@" </dev/null
}
# the boot, with a generous bound (a hang guard: TCG boots take 20-60 s on a quiet machine)
booted() { [ "$(gssh echo up 2>/dev/null)" = up ]; }
fleet_wait 300 booted || {
	tail -n 15 "$H1/log/qemu/q1-console.log" 2>/dev/null | tr -d '\r' | diag
	bail "host h1 ($HA): the guest q1 answered no SSH within 300 s"
}
t_boot=$((SECONDS - t_image))

# --- hvclock on the controller: the host's section, jump through its sshd ---
# The host's sshd lets the image's key in too (hvclock's -i is its one identity, for the host
# session and the guests; libvirt's ssh transport uses the controller's own key).
cat "$G/id_ed25519.pub" >>"$H1/ssh/authorized_keys"
grep "^$HA " "$BED/ctl/home/.ssh/known_hosts" >"$TMP/kh" # the host's key; the guest's: new
cat >"$TMP/hvclock.conf" <<EOF
[host:h1]
uri = qemu+ssh://root@$HA/system
ssh = $HA
jump = yes
EOF
chmod 600 "$TMP/hvclock.conf"
export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock" HVCLOCK_PROFILES_DIR=$top/tests/e2e/profiles
unset SSH_AUTH_SOCK LIBVIRT_DEFAULT_URI
HV() { run_hvclock --config "$TMP/hvclock.conf" -i "$G/id_ed25519" --known-hosts "$TMP/kh" --accept-new \
	--no-agent --connect-timeout 20 "$@"; }
check_json() { # NAME PYTHON (d = the JSON document, g = guests by name)
	if python3 - "$TMP/out.json" "$2" 2>"$TMP/py.err" <<-'PY'; then
		import json, sys
		d = json.load(open(sys.argv[1]))
		g = {x["name"]: x for x in d["guests"]}
		exec(sys.argv[2])
	PY
		ok "$1"
	else
		not_ok "$1"
		diag <"$TMP/py.err"
		diag <"$TMP/err"
	fi
}

# The controller reaches the host over the bed's link (its own namespace: no other bed's hvf$K).
ip route get "$HA" | grep -q " dev hvf$K " || bail "no route to $HA over hvf$K"

# --- plan: listed over qemu+ssh://, the lease's address, through the host, inspected inside ---
t0=$SECONDS
rc=0
HV plan --profile e2e-hpet --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
t_plan=$((SECONDS - t0))
if [ $rc -eq 4 ]; then ok "plan through host h1: exit 4 (changes pending)"; else
	not_ok "plan through host h1: exit $rc, expected 4"
	diag <"$TMP/err"
fi
check_json "plan: q1 listed on h1 over qemu+ssh://, its address from the lease, reached via h1, inspected ($KVER), e2e-hpet planned" "
assert sorted(g) == ['q1'], sorted(g)
x = g['q1']
assert x['host'] == 'h1' and x['uri'] == 'qemu+ssh://root@$HA/system', (x['host'], x['uri'])
assert x['address'].split(':')[0] == '$GIP' and x['address_source'] == 'libvirt lease', (x['address'], x['address_source'])
assert x['jump'] == 'h1' and x['identity'] == 'verified', (x['jump'], x['identity'])
f = x['facts']
assert f['inspected'], x['inspect_error']
assert f['kernel_release'] == '$KVER' and f['kernel_release_source'] == 'guest', (f['kernel_release'], f['kernel_release_source'])
assert x['remedy']['profile'] == 'e2e-hpet', x['remedy']
kinds = {a['kind'] for a in x['actions']}
assert {'host-cmdline', 'live-clocksource', 'sysctl'} <= kinds, kinds"
rc=0
HV plan --profile e2e-hpet q1 >"$TMP/out.txt" 2>"$TMP/err" || rc=$?
if grep -q "access: .*$GIP.* via h1" "$TMP/out.txt"; then ok "plan (text): the access line says via h1"; else
	not_ok "plan (text): no 'via h1' on the access line (exit $rc)"
	diag <"$TMP/out.txt"
fi

# --- rollout, read back inside the guest and on the host ---
t0=$SECONDS
rc=0
HV rollout --profile e2e-hpet --json q1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
t_rollout=$((SECONDS - t0))
if [ $rc -eq 0 ]; then ok "rollout through host h1: exit 0"; else
	not_ok "rollout through host h1: exit $rc, expected 0"
	diag <"$TMP/err"
fi
check_json "rollout: q1 done via h1 (the command line at the next boot, the rest live)" "
x = g['q1']
assert x['jump'] == 'h1', x['jump']
assert x['result'] in ('applied', 'deferred'), (x['result'], x.get('result_message'))"
gssh 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource; cat /proc/sys/kernel/panic
	grep -v "^#" /etc/sysctl.d/90-hvclock.conf' >"$TMP/inside" 2>&1
if [ "$(sed -n 1p "$TMP/inside")" = hpet ] && [ "$(sed -n 2p "$TMP/inside")" = 17 ] &&
	grep -q '^kernel.panic *= *17$' "$TMP/inside" && grep -q '^vm.swappiness *= *10$' "$TMP/inside"; then
	ok "inside q1: clocksource hpet live, kernel.panic 17, the sysctl drop-in written"
else
	not_ok "inside q1: expected hpet, 17 and the drop-in"
	diag <"$TMP/inside"
fi
if hv1 dumpxml --inactive q1 | grep -q '<cmdline>.*clocksource=hpet.*</cmdline>'; then
	ok "host h1: q1's <cmdline> has clocksource=hpet (for its next boot)"
else
	not_ok "host h1: q1's <cmdline> lacks clocksource=hpet"
fi

# --- not routable from the controller: --jump no does not reach it ---
# (Where the controller has a default route, the connection may get an answer from whatever is
# there, not from the guest: the handshake fails ("unreachable"), or no answer at all ("timeout",
# after --connect-timeout); with no route at all, ENETUNREACH ("unreachable"). None inspects it.)
rc=0
HV --jump no --connect-timeout 5 plan --profile e2e-hpet --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
if [ $rc -eq 1 ]; then ok "--jump no: exit 1"; else
	not_ok "--jump no: exit $rc, expected 1"
	diag <"$TMP/err"
fi
check_json "--jump no: q1 (at the lease's $GIP) not reached from the controller (unreachable or timeout), no jump" "
x = g['q1']
assert x['jump'] is None and not x['facts']['inspected'], (x['jump'], x['facts']['inspected'])
assert x['status'] == 'failed' and x['error_kind'] in ('unreachable', 'timeout'), (x['status'], x['error_kind'], x['status_reason'])
assert x['status_reason'].startswith('not inspected: $GIP:22: '), x['status_reason']"
grep -o '"status_reason": "[^"]*"' "$TMP/out.json" | head -n 1 | diag

echo "# times (s): image $t_image, bed + guest boot ($DOMTYPE) $t_boot, plan $t_plan, rollout $t_rollout, all $SECONDS; load $(cut -d' ' -f1 /proc/loadavg)"
tap_done
