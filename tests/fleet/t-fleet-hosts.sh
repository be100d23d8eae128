#!/bin/bash
# t-fleet-hosts.sh: hvclock against two "hypervisor hosts" (tests/fleet/bed.sh: namespaces, each with
# its own sshd and libvirtd, over veth links) through libvirt's remote protocol (test+ssh://): plan
# across both hosts, the listing over the link equal to the local one, never a prompt (unknown host
# key on a terminal), a changed host key refused with the ssh-keygen -R line, a host's libvirtd
# stopped (that host's row fails), a host's link dropped mid-run (its guests not yet started: not
# reached).
# The test runs as the controller: in private mount and network namespaces (the bed's links are the
# test's own), /root is the bed's controller home (libvirt's ssh transport runs the ssh binary, which
# reads root's ~/.ssh; the machine's is never touched).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, sshd, libvirtd)"
[ -x /usr/sbin/libvirtd ] || skip_all "no /usr/sbin/libvirtd (libvirt-daemon)"
[ -x /usr/sbin/sshd ] || skip_all "no /usr/sbin/sshd (openssh-server)"
command -v virt-ssh-helper >/dev/null || command -v nc >/dev/null ||
	skip_all "neither virt-ssh-helper nor nc for libvirt's ssh transport"
command -v script >/dev/null || skip_all "no script (bsdutils) for the terminal test"
: "${HVCLOCK:?}"
. "$here/bed.sh"
fleet_tier_enter hosts "$0" "$@"

# simulated guests (one per host), reached from the controller at their hvclock:address
here=$top/tests/sim # lab.sh's functions run simfleet.sh from $here
. "$here/lab.sh"
sim_lab_dir fleet-hosts
cleanup() {
	fleet_down "$BED"
	sim_lab_cleanup
}
trap cleanup EXIT
SIM_KINDS="el6-kvm xenlinux-pv el6-kvm" sim_lab_start 3 12000 600
t_lab=$SECONDS
fleet_up "$BED" 2 >"$TMP/bed.log" 2>&1 || {
	diag <"$TMP/bed.log"
	bail "the bed did not come up"
}
"$top/tests/sim/simfleet.sh" fleet-xml "$TMP/all.xml"
# host K: guest gK of the lab and three address-less test guests hK-vm1..3 (vm3 shut off);
# host 2's drop.xml (the link-drop scenario): its fleet.xml and the lab's g3, a second reached guest
host_xml() { # OUT TEST-XML LAB-GUEST...
	python3 - "$TMP/all.xml" "$@" <<-'PY'
		import sys, xml.etree.ElementTree as ET
		lab, out, extra, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
		node = ET.parse(extra).getroot()
		for d in ET.parse(lab).getroot().findall("domain"):
		    if d.findtext("name") in names:
		        node.append(d)
		ET.ElementTree(node).write(out)
	PY
}
for k in 1 2; do
	fleet_test_xml "$TMP/t$k.xml" 3 "h$k-vm"
	host_xml "$BED/h$k/fleet.xml" "$TMP/t$k.xml" "g$k"
done
host_xml "$BED/h2/drop.xml" "$TMP/t2.xml" g2 g3
t_bed=$((SECONDS - t_lab))
URI1="test+ssh://root@$(fleet_addr 1)$BED/h1/fleet.xml"
URI2="test+ssh://root@$(fleet_addr 2)$BED/h2/fleet.xml"
export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock" HVCLOCK_CONFIG=/dev/null
HV() { run_hvclock -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" --no-agent \
	--connect-timeout 20 "$@"; }

# --- plan across both hosts over ssh ---
rc=0
HV -c "$URI1" -c "$URI2" plan --json >"$TMP/plan.json" 2>"$TMP/err" || rc=$?
if [ $rc -eq 4 ]; then ok "plan over two hosts: exit 4 (changes pending)"; else
	not_ok "plan over two hosts: exit $rc, expected 4"
	diag <"$TMP/err"
fi
if python3 - "$TMP/plan.json" "$URI1" "$URI2" 2>"$TMP/py.err" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	g = {x["name"]: x for x in d["guests"]}
	assert sorted(g) == ["g1", "g2", "h1-vm1", "h1-vm2", "h2-vm1", "h2-vm2"], sorted(g)
	for k, uri in ((1, sys.argv[2]), (2, sys.argv[3])):
	    for n in ("g%d" % k, "h%d-vm1" % k, "h%d-vm2" % k):
	        assert g[n]["uri"] == uri, (n, g[n]["uri"], uri)
	    assert g["g%d" % k]["facts"]["inspected"], g["g%d" % k].get("inspect_error")
	assert g["g1"]["remedy"]["profile"] == "el6-kvm", g["g1"]["remedy"]
	assert g["g2"]["remedy"]["profile"] == "xen-wa1", g["g2"]["remedy"]
PY
then ok "plan: each host's guests under its own URI, the lab guests inspected over SSH"; else
	not_ok "plan: each host's guests under its own URI, the lab guests inspected over SSH"
	diag <"$TMP/py.err"
fi

# --- the listing through the remote daemon equals the in-process one (bulk calls, parallel reads) ---
rc=0
HV -c "$URI1" list --json >"$TMP/remote.json" 2>"$TMP/err" || rc=$?
HV -c "test://$BED/h1/fleet.xml" list --json >"$TMP/local.json" 2>>"$TMP/err" || rc=$?
if [ $rc -eq 0 ] && python3 - "$TMP/remote.json" "$TMP/local.json" 2>"$TMP/py.err" <<-'PY'; then
	import json, sys
	r, l = (json.load(open(f)) for f in sys.argv[1:3])
	# The URI and the host label (the remote host's address; localhost) name where it was listed.
	strip = lambda d: [{k: v for k, v in x.items() if k not in ("uri", "host")} for x in d["guests"]]
	assert strip(r) == strip(l), (strip(r), strip(l))
	assert {x["host"] for x in l["guests"]} == {"localhost"}, l
	assert len({x["host"] for x in r["guests"]}) == 1 and r["guests"][0]["host"] != "localhost", r
	assert len(r["guests"]) == 4 and [x["state"] for x in r["guests"]].count("shutoff") == 1, r
PY
	ok "list over ssh: the same guests, states and facts as the in-process test driver"
else
	not_ok "list over ssh: the same guests, states and facts as the in-process test driver (exit $rc)"
	diag <"$TMP/err"
	diag <"$TMP/py.err"
fi

# --- never prompt: host 2's key unknown, hvclock on a terminal ---
# (timeout 60 is a hang guard, not a timing check: before no_tty=1, ssh asked on the terminal forever)
fleet_forget_host "$BED" 2
rc=0
timeout 60 script -qec "'$HVCLOCK' -c '$URI2' list 2>'$TMP/tty.err'" /dev/null </dev/null \
	>"$TMP/tty.out" 2>&1 || rc=$?
if [ $rc -eq 3 ] && [ "$(wc -l <"$TMP/tty.err")" -eq 1 ] &&
	grep -q "host $(fleet_addr 2): its SSH host key is not in known_hosts" "$TMP/tty.err" &&
	! grep -q 'yes/no' "$TMP/tty.out"; then
	ok "unknown host key on a terminal: exit 3 with one line naming the host, no prompt"
else
	not_ok "unknown host key on a terminal: exit $rc (124: hung), expected 3 and one line"
	cat "$TMP/tty.err" "$TMP/tty.out" | diag
fi
rc=0
timeout 60 script -qec "'$HVCLOCK' -c '${URI2/+ssh:/+libssh:}' list 2>'$TMP/tty.err'" /dev/null \
	</dev/null >"$TMP/tty.out" 2>&1 || rc=$?
if [ $rc -eq 3 ] && [ "$(wc -l <"$TMP/tty.err")" -eq 1 ] &&
	grep -q "host $(fleet_addr 2): its SSH host key is unknown or changed" "$TMP/tty.err"; then
	ok "unknown host key over +libssh on a terminal: exit 3 with one line, no prompt"
else
	not_ok "unknown host key over +libssh on a terminal: exit $rc (124: hung), expected 3 and one line"
	cat "$TMP/tty.err" "$TMP/tty.out" | diag
fi

# --- a host's key changed: refused, with the line to run ---
fleet_known_host "$BED" 2
fleet_rekey "$BED" 2 || bail "host 2: sshd did not restart with its new key"
rc=0
HV -c "$URI1" -c "$URI2" plan >"$TMP/out" 2>"$TMP/err" || rc=$?
# One host down is that host's error (exit 1), its row in the report; the other host's guests
# are still planned.
if [ $rc -eq 1 ] && [ "$(grep -c "$(fleet_addr 2)" "$TMP/out")" -eq 1 ] &&
	grep -q "^host $(fleet_addr 2) (.*): failed: .*host $(fleet_addr 2) has another SSH host key" "$TMP/out" &&
	grep -q "ssh-keygen -R '$(fleet_addr 2)'" "$TMP/out" && ! grep -q '@@@' "$TMP/out" "$TMP/err" &&
	grep -q '^g1: changes pending' "$TMP/out"; then
	ok "changed host key: that host refused, one line with the host and the ssh-keygen -R line; the other host planned"
else
	not_ok "changed host key: exit $rc, expected 1, one line with ssh-keygen -R and the other host planned"
	diag <"$TMP/err"
	diag <"$TMP/out"
fi

# --- host 2's libvirtd stopped: its row fails, host 1 planned ---
fleet_known_host "$BED" 2 # host 2's new key (above) trusted from here on
fleet_libvirtd_stop "$BED" 2
rc=0
HV -c "$URI1" -c "$URI2" plan >"$TMP/out" 2>"$TMP/err" || rc=$?
if [ $rc -eq 1 ] && [ "$(grep -c "$(fleet_addr 2)" "$TMP/out")" -eq 1 ] &&
	grep '^host ' "$TMP/out" | grep -F "host $(fleet_addr 2) ($URI2): failed: " | grep -q 'libvirt-sock' &&
	grep -q '^g1: changes pending' "$TMP/out" && ! grep -q '^g2' "$TMP/out"; then
	ok "host 2's libvirtd stopped: exit 1, its row failed in one line naming the cause; host 1 planned"
	grep "^host $(fleet_addr 2) " "$TMP/out" | diag
else
	not_ok "host 2's libvirtd stopped: exit $rc, expected 1, host 2's row failed (one line), host 1 planned"
	diag <"$TMP/err"
	diag <"$TMP/out"
fi
rc=0
HV -c "$URI1" -c "$URI2" plan --json >"$TMP/down.json" 2>"$TMP/err" || rc=$?
if [ $rc -eq 1 ] && python3 - "$TMP/down.json" "$URI1" "$URI2" 2>"$TMP/py.err" <<-'PY'; then
	import json, sys
	d = json.load(open(sys.argv[1]))
	h = {x["uri"]: x for x in d["hosts"]}
	assert h[sys.argv[2]]["status"] == "ok", h[sys.argv[2]]
	x = h[sys.argv[3]]
	assert x["status"] == "failed" and x["error_kind"] and x["error"], x
	assert "\n" not in x["error"], x["error"]
	g = {x["name"]: x for x in d["guests"]}
	assert sorted(g) == ["g1", "h1-vm1", "h1-vm2"], sorted(g)
	assert g["g1"]["facts"]["inspected"] and g["g1"]["remedy"]["profile"] == "el6-kvm", g["g1"]
PY
	ok "host 2's libvirtd stopped, JSON: its hosts[] entry failed with error and error_kind; host 1's guests planned"
else
	not_ok "host 2's libvirtd stopped, JSON: exit $rc, expected 1, host 2 failed with error_kind, host 1 planned"
	diag <"$TMP/err"
	diag <"$TMP/py.err"
fi
fleet_libvirtd_start "$BED" 2 || bail "host 2: libvirtd did not start again"

# --- host 2 silent: its sshd stopped (SIGSTOP), the kernel still takes the TCP connection into
# the listen backlog and no SSH banner ever comes. libvirt runs ssh with no timeout; hvclock has it
# run hvclock-ssh (ConnectTimeout 30), so that host's open ends with a timeout row and the other
# host is planned; host 2 alone: exit 3. (timeout 300 is a hang guard, not a timing check: without
# the bound ssh waits for the banner forever.) Both runs at once: one wait for the bound.
fleet_kill STOP "$BED/h2/ssh/sshd.pid" sshd || bail "host 2: cannot stop its sshd"
hvq() { timeout 300 "$HVCLOCK" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" \
	--no-agent --connect-timeout 20 "$@"; }
hvq -c "$URI1" -c "$URI2" plan >"$TMP/silent.out" 2>"$TMP/silent.err" &
p_both=$!
hvq -c "$URI2" plan >"$TMP/silent2.out" 2>"$TMP/silent2.err" &
p_one=$!
rc=0
wait $p_both || rc=$?
rc2=0
wait $p_one || rc2=$?
fleet_kill CONT "$BED/h2/ssh/sshd.pid" sshd || bail "host 2: cannot continue its sshd"
if [ $rc -eq 1 ] && [ "$(grep -c "$(fleet_addr 2)" "$TMP/silent.out")" -eq 1 ] &&
	grep '^host ' "$TMP/silent.out" | grep -F "host $(fleet_addr 2) ($URI2): failed: " |
	grep -q 'timeout: host .* did not complete the SSH connection in time' &&
	grep -q '^g1: changes pending' "$TMP/silent.out" && ! grep -q '^g2' "$TMP/silent.out"; then
	ok "host 2 silent (sshd stopped): exit 1, its row failed with a timeout; host 1 planned"
	grep "^host $(fleet_addr 2) " "$TMP/silent.out" | diag
else
	not_ok "host 2 silent (sshd stopped): exit $rc (124: hung), expected 1, host 2's row a timeout, host 1 planned"
	diag <"$TMP/silent.err"
	diag <"$TMP/silent.out"
fi
if [ $rc2 -eq 3 ] && [ "$(wc -l <"$TMP/silent2.err")" -eq 1 ] &&
	grep -q "timeout: host $(fleet_addr 2) did not complete" "$TMP/silent2.err"; then
	ok "host 2 silent, the only host: exit 3 with one line naming the timeout"
else
	not_ok "host 2 silent, the only host: exit $rc2 (124: hung), expected 3 and one timeout line"
	diag <"$TMP/silent2.err"
fi

# --- host 2's link lost mid-run: its guests not yet started are not reached ---
# One guest of host 2 at a time (--parallel-per-host 1); g2's inspection holds in the guest (its
# uname reads a FIFO) while the test cuts host 2's link, then lets g2 go on: g3, started after, finds
# the connection lost. Two ways to lose it:
#   closed  the ssh process libvirt runs for host 2 (hvclock's child) killed: a closed socket
#   silent  the controller's end of host 2's link down: nothing comes back, nothing is refused;
#           libvirt's keepalive (5 s x 3) or hvclock-ssh's ServerAliveInterval (5 s x 3) gives up
# No timing: the test waits for g2 to be at the FIFO, then for the ssh process to be gone: libvirt
# reaps it when it closes the connection, so from then on the connection is known lost whatever the
# load (the bound, 120 s, is only there for a run that never notices; --command-timeout and
# --deadline are far above it, so g2 is not cut while it is held).
GT=$SIM/guests/g2
URI2D="test+ssh://root@$(fleet_addr 2)$BED/h2/drop.xml"
cp "$GT/bin/uname" "$TMP/uname.g2"
drop_run() { # closed|silent: sets rc and dropped; the report in $TMP/drop.json, drop.err
	local how=$1 sshpid hv
	rm -f "$GT/bin/uname" "$GT/tmp/hvc-reached" "$GT/tmp/hvc-release" # its own copy, not the shared one
	mkfifo "$GT/tmp/hvc-reached" "$GT/tmp/hvc-release"
	{ echo '#!/bin/sh'; echo 'echo >/tmp/hvc-reached; read x </tmp/hvc-release'; tail -n +2 "$TMP/uname.g2"; } >"$GT/bin/uname"
	chmod 755 "$GT/bin/uname"
	"$HVCLOCK" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" --no-agent \
		--connect-timeout 20 --command-timeout 600 --deadline 900 -c "$URI1" -c "$URI2D" \
		--parallel-per-host 1 plan --json >"$TMP/drop.json" 2>"$TMP/drop.err" &
	hv=$!
	dropped=no
	if timeout 120 cat "$GT/tmp/hvc-reached" >/dev/null; then # g2 is held at its FIFO
		sshpid=$(pgrep -P $hv -f "$(fleet_addr 2)" | head -n 1)
		if [ -n "$sshpid" ]; then
			case $how in
			closed) kill -KILL "$sshpid" ;;
			silent) ip link set "hvf2" down ;;
			esac
			# until libvirt's client has reaped it (it does when it closes the connection): no
			# longer a zombie of hvclock's; only then is host 2's connection known lost
			fleet_wait 120 sh -c "! kill -0 $sshpid 2>/dev/null" && dropped=yes
		fi
		# (bounded: a reader gone at the guest's deadline would block the write; a link never
		# known lost would leave g3 on a dead connection: that run is over, not waited for)
		# shellcheck disable=SC2016,SC2015 # expanded by the inner shell; kill if either fails
		[ $dropped = yes ] && timeout 60 sh -c 'echo go >"$1"' sh "$GT/tmp/hvc-release" ||
			kill -KILL $hv
	else
		kill -KILL $hv
	fi
	rc=0
	wait $hv || rc=$?
	ip link set "hvf2" up
	rm -f "$GT/bin/uname" "$GT/tmp/hvc-reached" "$GT/tmp/hvc-release"
	cp "$TMP/uname.g2" "$GT/bin/uname"
	[ $rc -ne 1 ] || json_schema_validate "$TMP/drop.err" plan --json >>"$TMP/drop.json"
}
drop_check() { # TITLE: the report of drop_run
	if [ $dropped = yes ] && [ $rc -eq 1 ] && python3 - "$TMP/drop.json" "$(fleet_addr 2)" 2>"$TMP/py.err" <<-'PY'; then
		import json, sys
		d = json.load(open(sys.argv[1]))
		g = {x["name"]: x for x in d["guests"]}
		lost = "not reached: connection to host %s lost" % sys.argv[2]
		assert g["g3"]["status"] == "failed" and g["g3"]["status_reason"] == lost, g["g3"]
		assert g["g3"]["error_kind"] == "unreachable" and not (g["g3"]["facts"] or {}).get("inspected"), g["g3"]
		assert g["g2"]["facts"]["inspected"], g["g2"]  # in flight at the drop: finished
		assert g["g1"]["facts"]["inspected"] and g["g1"]["remedy"]["profile"] == "el6-kvm", g["g1"]
		for n in ("h1-vm1", "h1-vm2"):
		    assert lost not in json.dumps(g[n]), g[n]
	PY
		ok "$1: exit 1, its guest not yet started 'not reached: connection to host lost'; host 1 planned"
		diag <"$TMP/drop.err"
	else
		not_ok "$1: dropped=$dropped, exit $rc (expected 1), g3 not reached, host 1 planned"
		diag <"$TMP/drop.err"
		diag <"$TMP/py.err"
	fi
}
drop_run closed
drop_check "link to host 2 closed mid-run (its ssh killed)"
t0=$SECONDS
drop_run silent
drop_check "link to host 2 silent mid-run (the controller's end down)"
echo "# the silent link: noticed and the run done in $((SECONDS - t0)) s"

echo "# times (s): lab of 3 sim guests $t_lab, bed of 2 hosts $t_bed, all $SECONDS; load $(cut -d' ' -f1 /proc/loadavg)"
tap_done
