#!/bin/sh
# t-hosts.sh: many hosts in one run: [host:] sections and -c NAME, one host down is that host's
# error (exit 1, its row, the others planned and rolled out), the HOST column, JSON host and hosts[].
# Hosts are test:/// fleet files; a missing and an invalid file are the hosts that are down.
. "$(dirname "$0")/lib.sh"

DATA=$(dirname "$HVC_DEMO_FLEET")
ARCH="test://$DATA/libvirt/arch.xml"
printf '<node><domain type="test"><name>broken</name>\n' >"$TMP/invalid.xml"
cat >"$TMP/hosts.conf" <<CONF
[host:kvm1]
uri = $FLEET
[host:kvm2]
uri = test://$TMP/missing.xml
[host:kvm3]
uri = $ARCH
parallel = 1
[host:kvm4]
uri = test://$TMP/invalid.xml
CONF
C="--config $TMP/hosts.conf"

run $C plan
check "every [host:]: exit 1 (two hosts down), not 3" rc_is 1
check "HOST column first in the table" sh -c 'head -1 '"$TMP/out"' | grep -q "^HOST  *GUEST  *KIND  *BOOT  *REMEDY  *STATUS"'
check "a guest of kvm1 and one of kvm3 planned, with their host" sh -c 'grep -q "^kvm1  *centos6-db  *kvm  *direct-kernel  *el6-kvm  *changes pending" '"$TMP/out"' && grep -q "^kvm3  " '"$TMP/out"
check "the missing host's row: host, URI, cause" out_has "host kvm2 (test://$TMP/missing.xml): failed: cannot connect to 'test://$TMP/missing.xml': "
check "the invalid host's row" out_has "host kvm4 (test://$TMP/invalid.xml): failed: cannot connect to "

run $C plan --json
check "json: exit 1" rc_is 1
check "json: hosts[] in file order, ok or failed with the error" json_check '
h = d["hosts"]
assert [x["name"] for x in h] == ["kvm1", "kvm2", "kvm3", "kvm4"], h
assert [x["status"] for x in h] == ["ok", "failed", "ok", "failed"], h
assert h[1]["error"].startswith("cannot connect to ") and h[1]["error_kind"] == "backend", h[1]
assert h[0]["error"] is None and h[0]["error_kind"] is None and h[0]["guests"] == 10, h[0]
assert h[2]["guests"] == 3 and h[3]["guests"] == 0, h'
check "json: each guest names its host" json_check '
hosts = {x["host"] for x in d["guests"]}
assert hosts == {"kvm1", "kvm3"}, hosts
assert g["centos6-db"]["host"] == "kvm1"'

run $C -c kvm1 -c kvm3 plan
check "-c NAME -c NAME: exit 4 (changes pending, no host down)" rc_is 4
check "-c NAME: only those hosts" sh -c '! grep -q "^kvm2\|host kvm2" '"$TMP/out"' && grep -q "^kvm3 " '"$TMP/out"

run $C -c "$FLEET" plan --json
check "-c URI of a [host:]: labelled by its NAME, one host: no failure" json_check '
assert [x["name"] for x in d["hosts"]] == ["kvm1"], d["hosts"]
assert {x["host"] for x in d["guests"]} == {"kvm1"}'
run $C -c kvm1 plan
check "one host: no HOST column" sh -c 'head -1 '"$TMP/out"' | grep -q "^GUEST  *KIND"'

run -c "$FLEET" -c "$ARCH" plan --json
check "no [host:]: two local URIs, the second labelled by its URI" json_check '
assert [x["name"] for x in d["hosts"]] == ["localhost", "'"$ARCH"'"], d["hosts"]'

run $C -c nosuch plan
check "-c NAME with no such [host:]: exit 3" rc_is 3
check "-c NAME with no such [host:]: one line, libvirt's cause and the missing [host:]" sh -c \
	'[ "$(wc -l <'"$TMP/err"')" -eq 1 ] && grep -q "(and no \[host:nosuch\] in the configuration)\$" '"$TMP/err"

run $C -c kvm2 -c kvm4 plan
check "every host down: exit 3, each host named" sh -c '[ '"$rc"' -eq 3 ] && grep -q "host kvm2: failed: cannot connect" '"$TMP/err"' && grep -q "host kvm4: failed: " '"$TMP/err"

run $C -c kvm1 -c kvm2 plan no-such-guest
check "a guest not found while a host failed: says which hosts answered" \
	err_has "guest 'no-such-guest' not found on the hosts that answered (kvm2 failed)"
check "a guest not found: exit 3" rc_is 3

run $C -c kvm1 -c kvm2 -q plan
check "-q: the host down is named on stderr (its guests are not on stdout)" \
	err_has "hvclock: host kvm2 (test:///"

run $C list
check "list: one host down is exit 1, the others listed (HOST column)" sh -c '[ '"$rc"' -eq 1 ] && grep -q "^kvm1  *centos6-db " '"$TMP/out"' && grep -q "host kvm2: failed: cannot connect" '"$TMP/err"

run $C rollout --all-guests --json
check "rollout: exit 1; the answering hosts' guests rolled out, the down host in hosts[]" json_check '
a = [a for a in g["centos6-db"]["actions"] if a["kind"] == "host-cmdline"][0]
assert a["result"] == "deferred" and a["changed"] is True, a
assert g["centos6-db"]["host"] == "kvm1"
assert [x["status"] for x in d["hosts"]] == ["ok", "failed", "ok", "failed"], d["hosts"]'

run $C -c kvm1 -c kvm2 check --nagios
check "check --nagios: a host down is UNKNOWN, naming the host" sh -c \
	'[ '"$rc"' -eq 3 ] && grep -q "^HVCLOCK UNKNOWN - host kvm2 (test://.*): failed: cannot connect" '"$TMP/out"

run $C --parallel-per-host 0 plan
check "--parallel-per-host 0: usage error" sh -c '[ '"$rc"' -eq 2 ] && grep -qF "invalid --parallel-per-host" '"$TMP/err"
run $C -c kvm1 --parallel-per-host 1 --parallel 4 plan
check "--parallel-per-host 1: the plan is the same (exit 4)" rc_is 4
printf '[run]\nparallel-per-host = 2\n' >"$TMP/pph.conf"
run --config "$TMP/pph.conf" -c "$FLEET" plan
check "[run] parallel-per-host is read" rc_is 4

# list --json: hosts[] as plan's (one function for both), here with several -c URIs, one failing.
run -c "$FLEET" -c "test://$TMP/missing.xml" -c "$ARCH" list --json
check "list --json: exit 1, hosts[] in -c order, ok or failed with the error" json_check '
h = d["hosts"]
assert [x["uri"] for x in h] == ["'"$FLEET"'", "test://'"$TMP"'/missing.xml", "'"$ARCH"'"], h
assert [x["status"] for x in h] == ["ok", "failed", "ok"], h
assert h[0]["name"] == "localhost" and h[0]["guests"] == 10 and h[0]["error"] is None, h[0]
assert h[1]["error"].startswith("cannot connect to ") and h[1]["error_kind"] == "backend", h[1]
assert h[2]["guests"] == 3 and h[2]["error_kind"] is None, h[2]' && rc_is 1

# -q with several hosts: HOST/NAME, and the selection takes it back. Two hosts, the same guests.
cp "$HVC_DEMO_FLEET" "$TMP/twin.xml"
printf '[host:kvm1]\nuri = %s\n[host:twin]\nuri = test://%s/twin.xml\n' "$FLEET" "$TMP" >"$TMP/twins.conf"
T="--config $TMP/twins.conf"
run $T plan -q
cp "$TMP/out" "$TMP/quiet"
check "-q, two hosts: HOST/NAME, each guest once per host" sh -c \
	'grep -qx "kvm1/centos6-db" '"$TMP/quiet"' && grep -qx "twin/centos6-db" '"$TMP/quiet"' && ! grep -v "^kvm1/\|^twin/" '"$TMP/quiet"
set --
while IFS= read -r l; do set -- "$@" "$l"; done <"$TMP/quiet"
run $T plan --json "$@"
check "plan -q fed back (one argument a line): exactly those guests, each on its host" json_check '
want = [l.rstrip("\n") for l in open("'"$TMP/quiet"'")]
got = [x["host"] + "/" + x["name"] for x in d["guests"]]
assert got == want, (got, want)'
run $T plan --json twin/centos6-db
check "HOST/NAME selects the guest of that host only" json_check '
assert [(x["host"], x["name"]) for x in d["guests"]] == [("twin", "centos6-db")], d["guests"]'
run $T plan --json twin/4a1c6e2b-9f0d-4e57-8b3a-1c2d3e4f5001 # centos6-db
check "HOST/UUID selects the guest of that host only" json_check '
assert [(x["host"], x["name"]) for x in d["guests"]] == [("twin", "centos6-db")], d["guests"]'
run $T plan centos6-db
check "a bare name on two hosts: exit 3, one line naming both hosts" sh -c '[ '"$rc"' -eq 3 ] && [ "$(wc -l <'"$TMP/err"')" -eq 1 ] && grep -qF "guest name '"'centos6-db'"' is ambiguous (2 guests, on hosts kvm1, twin); name it HOST/NAME or by UUID" '"$TMP/err"
run $T plan nosuch/centos6-db
check "HOST/NAME of no such host: not found, exit 3" sh -c '[ '"$rc"' -eq 3 ] && grep -qF "guest '"'nosuch/centos6-db'"' not found" '"$TMP/err"
run $T -c kvm1 plan -q
check "-q, one host: bare names as before" sh -c 'grep -qx "centos6-db" '"$TMP/out"' && ! grep -q / '"$TMP/out"

# A jump is the [host:] section's, also when libvirt names the connection otherwise: test:/PATH
# is opened as test:///PATH (virConnectGetURI()). The jump host answers nowhere: the guest says
# "via host".
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" && : >"$TMP/known_hosts"
printf '[host:kvmj]\nuri = test:%s\njump = yes\nssh = 127.0.0.1:1\n' "$HVC_DEMO_FLEET" >"$TMP/jump.conf"
run --config "$TMP/jump.conf" -i "$TMP/id" --known-hosts "$TMP/known_hosts" --connect-timeout 5 \
	plan --json centos6-db --guest-address centos6-db=127.0.0.1:1
check "jump: the host's URI is canonicalized, its guest still goes through the jump" json_check '
assert d["hosts"][0]["uri"] == "'"$FLEET"'", d["hosts"]
e = g["centos6-db"]["inspect_error"]
assert e.startswith("via host kvmj: "), e'

finish
