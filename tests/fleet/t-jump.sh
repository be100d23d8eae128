#!/bin/bash
# t-jump.sh: guests reached through their host (jump): a network namespace "host" with its own
# sshd on a veth link (10.78.0.1) and simulated guests (tests/sim/simfleet.sh) on an address of a
# bridge inside it (10.78.1.1) that the controller cannot route to; hvclock runs in a
# namespace "controller" (10.78.0.2, a route to 10.78.0.0/24 only: 10.78.1.1 is ENETUNREACH at once).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
sim=$top/tests/sim
. "$top/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, sshd)"
command -v ip >/dev/null || skip_all "no ip (iproute2)"
command -v python3 >/dev/null || skip_all "no python3"
here=$sim # lab.sh finds simfleet.sh through $here
. "$sim/lab.sh"
here=$(cd "$(dirname "$0")" && pwd)

CNS=hvc-jump-ctl-$$ HNS=hvc-jump-host-$$
ip netns add "$CNS" 2>/dev/null || skip_all "cannot make a network namespace (ip netns add)"
ip netns add "$HNS" || { ip netns del "$CNS"; skip_all "cannot make a second network namespace"; }

sim_lab_dir jump
cleanup() {
	[ -s "$TMP/hostsshd.pid" ] && kill "$(cat "$TMP/hostsshd.pid")" 2>/dev/null
	sim_lab_cleanup
	ip netns del "$CNS" 2>/dev/null
	ip netns del "$HNS" 2>/dev/null
}
trap cleanup EXIT

inh() { ip netns exec "$HNS" "$@"; }
ip link add hvj0 netns "$CNS" type veth peer name hvj1 netns "$HNS" || bail "veth pair"
ip -n "$CNS" addr add 10.78.0.2/24 dev hvj0 && ip -n "$CNS" link set hvj0 up &&
	ip -n "$CNS" link set lo up || bail "controller side of the link"
ip -n "$HNS" addr add 10.78.0.1/24 dev hvj1 && ip -n "$HNS" link set hvj1 up &&
	ip -n "$HNS" link set lo up || bail "host side of the link"
# The guests' network: a bridge (no ports: nothing outside the host reaches it), else a dummy.
{ ip -n "$HNS" link add gbr0 type bridge 2>/dev/null || ip -n "$HNS" link add gbr0 type dummy; } &&
	ip -n "$HNS" addr add 10.78.1.1/24 dev gbr0 && ip -n "$HNS" link set gbr0 up ||
	bail "the guests' network in the host (no bridge or dummy link type)"

# Five guests inside the host namespace, on 10.78.1.1; g5 (Debian pvops, update-grub) plays a
# remote dom0 below and is left out of the guests' fleet.
export SIM_KINDS="el6-kvm xenlinux-pv modern-kvm el7-kvm-grubby modern-xen-pv" SIM_LISTEN=10.78.1.1
for try in 1 2 3; do
	base=$((20000 + (($$ * 7 + try * 1009) % 600) * 16))
	"$sim/simfleet.sh" stop >/dev/null 2>&1
	rm -rf "$SIM"
	mkdir -p "$SIM"
	inh "$sim/simfleet.sh" start 5 "$base" >"$TMP/start.log" 2>&1 && break
	[ $try = 3 ] && { diag <"$TMP/start.log"; bail "the guests did not start"; }
done
"$sim/simfleet.sh" fleet-xml "$TMP/all.xml"
# The guests' fleet: g1..g4; the dom0 fleet: Domain-0 (played by g5, over SSH) and g2.
python3 - "$TMP/all.xml" "$TMP/fleet.xml" "$TMP/fleet-dom0.xml" <<'PY'
import sys, copy, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]); node = t.getroot()
d0 = copy.deepcopy(t)
for dom in node.findall("domain"):
    if dom.findtext("name") == "g5":
        node.remove(dom)
t.write(sys.argv[2])
n0 = d0.getroot()
for dom in n0.findall("domain"):
    if dom.findtext("name") != "g2":
        n0.remove(dom)
n0.append(ET.fromstring("<domain type='test'><name>Domain-0</name>"
    "<uuid>00000000-0000-0000-0000-000000000000</uuid><memory unit='MiB'>1024</memory>"
    "<vcpu>1</vcpu><os><type arch='x86_64'>xen</type></os></domain>"))
d0.write(sys.argv[3])
PY
FLEET="test://$TMP/fleet.xml"

# The host's own sshd (no chroot): the client's key for root, forwarding allowed, every login logged.
ssh-keygen -q -t ed25519 -N '' -C jump-host -f "$TMP/hostkey"
ssh-keygen -q -t ed25519 -N '' -C other -f "$TMP/otherkey"
cat >"$TMP/hostsshd.conf" <<EOF
Port 22
ListenAddress 10.78.0.1
HostKey $TMP/hostkey
AuthorizedKeysFile $SIM/client/id_ed25519.pub
StrictModes no
PidFile $TMP/hostsshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
LogLevel VERBOSE
EOF
inh /usr/sbin/sshd -f "$TMP/hostsshd.conf" -E "$TMP/hostsshd.log" || bail "the host's sshd did not start"
for _ in $(seq 1 1200); do [ -s "$TMP/hostsshd.pid" ] && break; sleep 0.05; done # 60 s: a hang guard
[ -s "$TMP/hostsshd.pid" ] || bail "the host's sshd wrote no pid file"

# known_hosts: the guests (simfleet's, under their UUIDs) and the host under its own name.
cp "$SIM/client/known_hosts" "$TMP/kh"
echo "10.78.0.1 $(cut -d' ' -f1,2 "$TMP/hostkey.pub")" >>"$TMP/kh"
cp "$TMP/kh" "$TMP/kh-changed"
sed -i "s|^10.78.0.1 .*|10.78.0.1 $(cut -d' ' -f1,2 "$TMP/otherkey.pub")|" "$TMP/kh-changed"

{
	echo "[host:h1]"
	echo "uri = $FLEET"
	echo "ssh = 10.78.0.1"
	echo "jump = yes"
	while read -r g host port _; do
		[ "$g" = g5 ] && continue
		printf '[guest:%s]\naddress = %s:%s\n' "$g" "$host" "$port"
	done < <("$sim/simfleet.sh" inventory)
} >"$TMP/hvclock.conf"
chmod 600 "$TMP/hvclock.conf"

# hvclock in the controller namespace.
cat >"$TMP/hvclock-ctl" <<EOF
#!/bin/sh
exec ip netns exec $CNS $HVCLOCK "\$@"
EOF
chmod 755 "$TMP/hvclock-ctl"
REAL_HVCLOCK=$HVCLOCK HVCLOCK=$TMP/hvclock-ctl
export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock"
HV() { run_hvclock --config "$TMP/hvclock.conf" -c "$FLEET" -i "$SIM/client/id_ed25519" \
	--no-agent --connect-timeout 60 --parallel 4 "$@"; }
logins() { grep -c "Accepted publickey" "$TMP/hostsshd.log"; }

check_json() { # NAME PYTHON (d = JSON document, g = guests by name)
	if python3 - "$TMP/out.json" "$2" 2>"$TMP/py.err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["name"]: x for x in d["guests"]}
exec(sys.argv[2])
PY
	then ok "$1"; else not_ok "$1"; diag <"$TMP/py.err"; diag <"$TMP/err"; fi
}

# --- jump = yes: plan through the host ---
l0=$(logins)
rc=0; HV --known-hosts "$TMP/kh" plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 4 ] && ok "plan through the host: exit 4 (changes pending)" || { not_ok "plan through the host: exit $rc, expected 4"; diag <"$TMP/err"; }
check_json "plan through the host: every guest inspected, reached via h1 at its unroutable address" '
assert len(g) == 4, g.keys()
for n, x in g.items():
    assert x["facts"]["inspected"], (n, x["inspect_error"])
    assert x["jump"] == "h1", (n, x["jump"])
    assert x["address"].startswith("10.78.1.1:"), x["address"]
    assert x["identity"] == "verified", (n, x["identity"])'
l1=$(logins)
[ $((l1 - l0)) -eq 1 ] && ok "one host session for 4 guests (one login in the host's sshd log)" ||
	not_ok "host sessions for 4 guests: $((l1 - l0)), expected 1"

rc=0; HV --known-hosts "$TMP/kh" plan g1 >"$TMP/out.txt" 2>"$TMP/err" || rc=$?
grep -q "access: .*10.78.1.1:.* via h1" "$TMP/out.txt" && ok "text: the access line says via h1" ||
	{ not_ok "text: no 'via h1' on the access line"; diag <"$TMP/out.txt"; }

# --- rollout through the host ---
rc=0; HV --known-hosts "$TMP/kh" rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 0 ] && ok "rollout through the host: exit 0" || { not_ok "rollout through the host: exit $rc"; diag <"$TMP/err"; }
check_json "rollout through the host: every guest done (skipped: no remedy), via h1" '
for n, x in g.items():
    assert x["jump"] == "h1", (n, x["jump"])
    assert x["result"] in ("applied", "deferred", "in-place", "skipped"), (n, x["result"])
assert sum(x["result"] in ("applied", "deferred") for x in g.values()) >= 3, [x["result"] for x in g.values()]'
cs=$(cat "$SIM/guests/g1/sys/devices/system/clocksource/clocksource0/current_clocksource")
[ "$cs" = kvm-clock ] && ok "rollout through the host: g1 (EL6 KVM) switched to kvm-clock in the guest" ||
	not_ok "rollout through the host: g1's clocksource is $cs, expected kvm-clock"

# --- jump = no: the guests are not routable from here, and that is known at once ---
rc=0; HV --known-hosts "$TMP/kh" --jump no plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 1 ] && ok "--jump no: exit 1 (guests not reached)" || not_ok "--jump no: exit $rc, expected 1"
check_json "--jump no: every guest not reached, unreachable, no jump" '
for n, x in g.items():
    assert x["jump"] is None and not x["facts"]["inspected"], (n, x)
    assert x["status"] == "failed" and x["error_kind"] == "unreachable", (n, x["status"], x["error_kind"], x["status_reason"])'
grep -o '"status_reason": "[^"]*"' "$TMP/out.json" | head -1 | diag
# Known at once: the kernel's answer (ENETUNREACH), not the connect timeout running out.
check_json "--jump no: fails fast: 'Network is unreachable', not a timeout" '
for n, x in g.items():
    r = x["status_reason"]
    assert "unreachable" in r.lower() and "timed out" not in r, (n, r)'

# --- jump = auto: the unroutable guests go through the host ---
rc=0; HV --known-hosts "$TMP/kh" --jump auto plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "--jump auto: unroutable guests reached via h1" '
for n, x in g.items():
    assert x["jump"] == "h1" and x["facts"]["inspected"], (n, x["jump"], x["inspect_error"])'

# --- the host's key changed: every guest behind it refused, with the ssh-keygen -R line ---
l0=$(logins)
rc=0; HV --known-hosts "$TMP/kh-changed" plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 1 ] && ok "host key changed: exit 1" || not_ok "host key changed: exit $rc, expected 1"
check_json "host key changed: every guest not reached: host h1 key changed, with ssh-keygen -R" '
for n, x in g.items():
    r = x["status_reason"]
    assert x["status"] == "failed" and not x["facts"]["inspected"], (n, x["status"])
    assert "via host h1: 10.78.0.1:22: host key changed for 10.78.0.1" in r and "ssh-keygen -R" in r, r'
grep -o '"status_reason": "[^"]*"' "$TMP/out.json" | head -1 | diag
[ "$(logins)" -eq "$l0" ] && ok "host key changed: no login to the host" || not_ok "host key changed: logged in anyway"

# --- a remote dom0: the host row's scripts run in that dom0 over SSH (its ssh =), not here ---
# hvclock runs in the host namespace (where the sim dom0's sshd is); HVCLOCK_LOCAL_ROOT (what
# makes the test driver's Domain-0 a host row) points into an empty tree: a run through the
# local transport would find no dom0 there.
D0=$SIM/guests/g5
d0port=$("$sim/simfleet.sh" inventory | awk '$1 == "g5" { print $3 }')
echo 'GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"' >>"$D0/etc/default/grub"
chroot "$D0" /usr/sbin/update-grub >/dev/null 2>&1
cp "$D0/etc/default/grub" "$TMP/dom0-grub.orig"
mkdir -p "$TMP/not-dom0"
printf '[host:d0]\nuri = test://%s\nssh = 10.78.1.1:%s\n' "$TMP/fleet-dom0.xml" "$d0port" >"$TMP/d0.conf"
chmod 600 "$TMP/d0.conf"
printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$HNS" "$REAL_HVCLOCK" >"$TMP/hvclock-host"
chmod 755 "$TMP/hvclock-host"
HVCLOCK=$TMP/hvclock-host
HVD() { HVCLOCK_LOCAL_ROOT=$TMP/not-dom0 run_hvclock --config "$TMP/d0.conf" -c "test://$TMP/fleet-dom0.xml" \
	-i "$SIM/client/id_ed25519" --known-hosts "$TMP/kh" --no-agent --connect-timeout 60 "$@"; }
rc=0; HVD plan --profile xen-wa2 --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 4 ] && ok "remote dom0: plan exit 4" || { not_ok "remote dom0: plan exit $rc"; diag <"$TMP/err"; }
check_json "remote dom0: the host row inspected over SSH in that dom0 (update-grub), its change planned" '
h = d["host"]
assert h and h["name"] == "Domain-0" and h["facts"]["inspected"], h and h["inspect_error"]
assert h["facts"]["bootloader"] == "update-grub", h["facts"]["bootloader"]
a = h["actions"][0]
assert a["target"].startswith("dom0 /etc/default/grub GRUB_CMDLINE_LINUX") and a["after"] == "clocksource=jiffies", a'
check_json "remote dom0: the host row says it was reached over SSH (boot_detail, identity_detail), not locally" '
h = d["host"]
assert h["boot_detail"].endswith("changed in that dom0 over SSH"), h["boot_detail"]
assert "locally" not in h["boot_detail"], h["boot_detail"]
assert h["identity"] == "local" and "over SSH" in h["identity_detail"], (h["identity"], h["identity_detail"])'
rc=0; HVD rollout --profile xen-wa2 --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 0 ] && ok "remote dom0: rollout exit 0" || { not_ok "remote dom0: rollout exit $rc"; diag <"$TMP/err"; }
diff "$TMP/dom0-grub.orig" "$D0/etc/default/grub" >"$TMP/grub.diff"
grep -q '^> GRUB_CMDLINE_LINUX="clocksource=jiffies"$' "$TMP/grub.diff" &&
	ok "remote dom0: GRUB_CMDLINE_LINUX written in that dom0" ||
	{ not_ok "remote dom0: /etc/default/grub of the remote dom0"; diag <"$TMP/grub.diff"; }
[ -z "$(ls -A "$TMP/not-dom0")" ] && ok "remote dom0: nothing run through the local transport" ||
	not_ok "remote dom0: the local tree was touched"
sed -i "s|^\[10.78.1.1\]:$d0port .*|[10.78.1.1]:$d0port $(cut -d' ' -f1,2 "$TMP/otherkey.pub")|" "$TMP/kh"
rc=0; HVD plan --profile xen-wa2 --json g2 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "remote dom0: a changed key refuses the host row, with the ssh-keygen -R line" "
h = d['host']
assert h['status'] == 'failed' and 'ssh-keygen -R' in h['status_reason'] and '[10.78.1.1]:$d0port' in h['status_reason'], h['status_reason']"

grep -o '"status_reason": "[^"]*"' "$TMP/out.json" | tail -1 | diag

HVCLOCK=$REAL_HVCLOCK
tap_done
