#!/bin/sh
# t-plan.sh: `hvclock plan` on the demo fleet, as a table and as JSON (parsed and checked).
. "$(dirname "$0")/lib.sh"


run -c "$FLEET" plan
check "table: exit 4 (changes pending)" rc_is 4
check "table: on stderr only that xen-wa1's dom0 half needs a run in dom0" err_lines 1
check "table: the dom0 warning names the profile and the way" \
	err_has "warning: xen-wa1 also changes dom0 ([host]), which hvclock does only when it runs there (-c xl:/// or xen:///system in dom0)"
check "table: header" sh -c 'head -1 '"$TMP/out"' | grep -q "^GUEST  *KIND  *BOOT  *REMEDY  *STATUS"'
check "table: direct-boot EL6 guest gets el6-kvm" sh -c 'grep -q "^centos6-db  *kvm  *direct-kernel  *el6-kvm  *changes pending" '"$TMP/out"
check "table: odd names printed" sh -c 'grep -q "^legacy app (centos 6) " '"$TMP/out"' && grep -q "^web 01 (spaces) " '"$TMP/out"' && grep -q "Ωmega" '"$TMP/out"
check "table: shut-off guest not planned" out_lacks "retired-vm"
check "table: exact <cmdline> before/after" sh -c 'grep -qx "        before: ro root=/dev/vda1 console=ttyS0 rhgb quiet" '"$TMP/out"' && grep -qx "        after:  ro root=/dev/vda1 console=ttyS0 rhgb quiet clocksource_failover=acpi_pm" '"$TMP/out"
check "table: power-cycle, not reboot" out_has "power-cycle (shutdown or destroy, then start), not at a reboot"
check "table: summary line" sh -c 'tail -1 '"$TMP/out"' | grep -q "^9 guests: "'

run -c "$FLEET" plan --json
check "json: exit 4" rc_is 4
check "json: schema header" json_check '
assert d["schema"] == 1 and d["command"] == "plan" and d["hvclock"]'
check "json: every running guest listed, shut-off one not" json_check '
names = set(g)
assert "retired-vm" not in names, names
assert len(names) == 9, names'
check "json: each guest has a boot path and a remedy or a reason" json_check '
for n, x in g.items():
    assert x["boot"] in ("direct-kernel", "bootloader", "pvgrub", "firmware"), (n, x["boot"])
    if x["status"] == "skipped":
        assert x["status_reason"], n
    else:
        assert x["remedy"]["profile"] or x["remedy"]["reason"], n'
check "json: plan changes nothing: changed false, no error_kind on guests that did not fail" json_check '
for n, x in g.items():
    assert x["changed"] is False, n
    assert all(a["changed"] is False and a["error_kind"] is None for a in x["actions"]), n
    if x["status"] not in ("failed", "blocked"):
        assert x["error_kind"] is None, (n, x["error_kind"])'
check "json: direct-boot guest: host <cmdline> before/after exact" json_check '
a = [a for a in g["centos6-db"]["actions"] if a["kind"] == "host-cmdline"]
assert len(a) == 1, a
a = a[0]
assert a["before"] == "ro root=/dev/vda1 console=ttyS0 rhgb quiet", a
assert a["after"] == "ro root=/dev/vda1 console=ttyS0 rhgb quiet clocksource_failover=acpi_pm", a
assert a["takes_effect"] == "power-cycle" and a["state"] == "pending", a
assert g["centos6-db"]["remedy"]["profile"] == "el6-kvm"'
check "json: disk-booted guest: guest-bootloader action, never host <cmdline>" json_check '
x = g["legacy app (centos 6)"]
kinds = [a["kind"] for a in x["actions"]]
assert "guest-bootloader" in kinds and "host-cmdline" not in kinds, kinds
assert x["boot"] == "firmware" and x["remedy"]["profile"] == "el6-kvm", x["remedy"]'
check "json: no guest without a kernel gets a host-side cmdline" json_check '
for n, x in g.items():
    if x["kernel"] is None:
        assert all(a["kind"] != "host-cmdline" for a in x["actions"]), n'
check "json: classic Xen PV gets workaround #1" json_check '
x = g["xen-classic-web"]
assert x["hypervisor"] == "xen" and x["type"] == "pv", x
assert x["remedy"]["profile"] == "xen-wa1", x["remedy"]
a = [a for a in x["actions"] if a["kind"] == "host-cmdline"][0]
assert a["after"] == "root=/dev/xvda1 ro console=xvc0 clocksource=jiffies", a
assert any(a["kind"] == "sysctl" and a["key"] == "xen.independent_wallclock" and a["after"] == "1" for a in x["actions"])
assert "sysctl-exists xen.independent_wallclock" in x["remedy"]["unverified"], x["remedy"]'
check "json: transient guest skipped with a reason" json_check '
x = g["transient-el6"]
assert x["status"] == "skipped" and "transient" in x["status_reason"], x
assert x["actions"] == []'
check "json: modern disk-booted guest: no remedy, reason names inspection" json_check '
x = g["debian12-web"]
assert x["status"] == "no-remedy" and x["remedy"]["profile"] is None, x
assert "inspect" in x["remedy"]["reason"], x["remedy"]'
check "json: guest without a <cmdline> gets one created" json_check '
a = [a for a in g["web 01 (spaces)"]["actions"] if a["kind"] == "host-cmdline"][0]
assert a["before"] is None and a["after"] == "clocksource_failover=acpi_pm", a'
check "json: paused guest still planned" json_check '
x = g["el6-batch-paused"]
assert x["state"] == "paused" and x["status"] == "changes-pending", x'
check "json: summary counts add up" json_check '
s = d["summary"]
assert s["guests"] == len(d["guests"]) == 9
assert sum(s[k] for k in ("changes_pending","nothing_to_do","waiting_power_cycle","no_remedy","skipped","blocked","failed")) == 9, s'

run -c "$FLEET" plan --json 4a1c6e2b-9f0d-4e57-8b3a-1c2d3e4f5001
check "plan by UUID selects that guest" json_check '
assert [x["uuid"] for x in d["guests"]] == ["4a1c6e2b-9f0d-4e57-8b3a-1c2d3e4f5001"], d["guests"]'

run -c "$FLEET" plan --json --profile xen-wa2 xen-classic-web
check "--profile forces a profile" json_check '
x = g["xen-classic-web"]
assert x["remedy"]["profile"] == "xen-wa2" and x["remedy"]["forced"] is True, x["remedy"]'

run -c "$FLEET" plan retired-vm
check "named shut-off guest: skipped, not running, exit 1" sh -c '[ '$rc' -eq 1 ] && grep -q "not running" '"$TMP/out"

run -c "$FLEET" -c "$FLEET" plan --json centos6-db
check "the same URI twice: guests listed once" json_check '
assert len(d["guests"]) == 1, d["guests"]'

# Selection by a sorted index (cmd/common.c): a guest named again, by name or by UUID in any
# case, is planned once, and the guests come in the order first named.
run -c "$FLEET" plan --json xen-classic-web centos6-db 4A1C6E2B-9F0D-4E57-8B3A-1C2D3E4F5001 xen-classic-web
check "a guest named twice (by name and by UUID): planned once, in the order named" json_check '
assert [x["name"] for x in d["guests"]] == ["xen-classic-web", "centos6-db"], d["guests"]'

run -c "$FLEET" -q plan
printf '%s\n' centos6-db el6-batch-paused "legacy app (centos 6)" "web 01 (spaces)" xen-classic-web >"$TMP/want"
check "quiet: only the names of the guests with changes pending, one a line, in natural order" cmp -s "$TMP/want" "$TMP/out"
check "quiet: nothing on stderr but the dom0 warning (nothing failed)" sh -c '! grep -v "also changes dom0" '"$TMP/err"

run -c "$FLEET" list
check "list: all guests incl. shut-off, with boot path" sh -c '[ '$rc' -eq 0 ] && grep -q "^retired-vm  *shutoff" '"$TMP/out"' && grep -q "^xen-pvops-mail  *running  *xen pv  *bootloader" '"$TMP/out"

run -c "$FLEET" list --json
check "list --json: 10 guests" json_check '
assert len(d["guests"]) == 10, len(d["guests"])'

# Natural order within a connection: numbers in names compare as numbers.
{
	echo "<node>"
	for name in guest10 guest2 guest1 guest01 db guest20; do
		echo "<domain type='test'><name>$name</name><memory>1024</memory><os><type>hvm</type></os></domain>"
	done
	echo "</node>"
} >"$TMP/numbered.xml"
run -c "test://$TMP/numbered.xml" list --json
check "list --json: names in natural order (guest2 before guest10)" json_check '
n = [x["name"] for x in d["guests"]]
assert n == ["db", "guest01", "guest1", "guest2", "guest10", "guest20"], n'
run -c "test://$TMP/numbered.xml" plan
check "plan: the table in natural order" sh -c 'awk "NR > 1 && /^[a-z]/ { print \$1 }" "$1" | head -6 | tr "\n" " " | grep -qx "db guest01 guest1 guest2 guest10 guest20 "' sh "$TMP/out"

finish
