#!/bin/sh
# t-check.sh: `hvclock check` on the demo fleet (no guest is reachable there): unknown is
# unknown, the Nagios exit codes and line, JSON, the Prometheus file written atomically.
# The ok/warning/critical cases need reachable guests: tests/sim/t-check.sh.
. "$(dirname "$0")/lib.sh"

run -c "$FLEET" check
check "table: exit 1 (a guest is not ok)" rc_is 1
check "table: header" sh -c 'head -1 '"$TMP/out"' | grep -q "^GUEST  *HEALTH  *OFFSET  *TIMESYNC  *SYMPTOMS  *CLOCKSOURCE (COST)  *REMEDY"'
check "table: unreachable guest is unknown, with the cause" sh -c 'grep -q "^centos6-db  *unknown " '"$TMP/out"' && grep -q "why: not inspected: no address known for this guest" '"$TMP/out"
check "table: paused guest is unknown (never connected)" out_has "why: not inspected: the guest is paused"
check "table: transient guest skipped, not judged" sh -c 'grep -q "^transient-el6  *skipped " '"$TMP/out"
check "table: remedy state from the plan" sh -c 'grep -q "^centos6-db .* pending$" '"$TMP/out"
check "table: summary" sh -c 'tail -1 '"$TMP/out"' | grep -qx "summary: 0 ok, 0 warning, 0 critical, 8 unknown, 1 skipped"'
check "table: nothing on stderr (no dom0 warning for a read-only check)" err_lines 0

run -c "$FLEET" check --nagios retired-vm
check "nagios: a named guest that is shut off is unknown (exit 3), never ok" sh -c '[ '$rc' -eq 3 ] && grep -q "^HVCLOCK UNKNOWN - 0 critical, 0 warning, 1 unknown, 0 ok: retired-vm: named but not looked at: the guest is not running" '"$TMP/out"
run -c "$FLEET" check transient-el6
check "a named transient guest: exit 1, unknown with the reason" sh -c '[ '$rc' -eq 1 ] && grep -q "^transient-el6 .*unknown" '"$TMP/out"' && grep -q "named but not looked at: transient guest" '"$TMP/out"

run -c "$FLEET" check --nagios
check "nagios: unknown is exit 3" rc_is 3
check "nagios: one line" sh -c '[ "$(wc -l <'"$TMP/out"')" -eq 1 ]'
check "nagios: status and counts, then the performance data" sh -c 'grep -q "^HVCLOCK UNKNOWN - 0 critical, 0 warning, 8 unknown, 0 ok: centos6-db: not inspected: .* | critical=0 warning=0 unknown=8 ok=0$" '"$TMP/out"

# skip = yes in the configuration: the operator asked for it (a named guest that could not be
# looked at is unknown, above)
printf '[guest:centos6-db]\nskip = yes\n' >"$TMP/skip.conf"
chmod 600 "$TMP/skip.conf"
run --config "$TMP/skip.conf" -c "$FLEET" check --nagios centos6-db
check "nagios: only guests skipped by the configuration: OK, exit 0" rc_is 0
check "nagios: OK line" sh -c 'grep -qx "HVCLOCK OK - 0 critical, 0 warning, 0 unknown, 0 ok | critical=0 warning=0 unknown=0 ok=0" '"$TMP/out"

run -c "$FLEET" check --nagios no-such-guest
check "nagios: could not start: exit 3 (unknown), not 2 (critical)" rc_is 3
check "nagios: still one status line" sh -c 'grep -qx "HVCLOCK UNKNOWN - the check could not run (see the error above)" '"$TMP/out"
check "nagios: the cause on stderr" err_has "guest 'no-such-guest' not found"

run -c "$FLEET" check --nagios --json
check "--nagios with --json: usage error" rc_is 2

run -c "$FLEET" check --json
check "json: exit 1" rc_is 1
check "json: document" json_check '
assert d["command"] == "check" and d["schema"] == 1
assert d["thresholds"] == {"offset_warn_seconds": 0.1, "offset_crit_seconds": 1.0, "symptoms_warn": 1, "symptoms_crit": 0}, d["thresholds"]
assert d["summary"]["unknown"] == 8 and d["summary"]["skipped"] == 1 and d["summary"]["worst"] == "unknown", d["summary"]
x = g["centos6-db"]
assert x["health"] == "unknown" and x["offset_seconds"] is None and x["symptoms"]["count"] is None, x
assert x["remedy"] == {"profile": "el6-kvm", "state": "pending", "timesync_required": None}, x["remedy"]
assert g["Ωmega \"quoted\" guest"]["health"] == "unknown"'

mkdir -p "$TMP/prom"
run -c "$FLEET" check -q --prometheus "$TMP/prom/hvclock.prom"
check "prometheus: written" test -f "$TMP/prom/hvclock.prom"
check "prometheus: mode 0644 (node_exporter reads it)" sh -c '[ "$(stat -c %a '"$TMP/prom/hvclock.prom"')" = 644 ]'
check "prometheus: no temporary file left" sh -c '[ "$(ls -A '"$TMP/prom"')" = hvclock.prom ]'
check "prometheus: health per guest, label escaped" sh -c 'grep -qF "hvclock_guest_clock_health{guest=\"Ωmega \\\"quoted\\\" guest\"," '"$TMP/prom/hvclock.prom"
check "prometheus: the skipped guest has no series" sh -c '! grep -q "transient-el6" '"$TMP/prom/hvclock.prom"
run -c "$FLEET" check -q --prometheus "$TMP/no-such-dir/hvclock.prom" transient-el6
check "prometheus: an unwritable path fails (exit 1; the guest alone is ok)" rc_is 1
check "prometheus: ... naming the path and the cause" err_has "no-such-dir/hvclock.prom: cannot create a temporary file in"
run -c "$FLEET" check -q --nagios --prometheus "$TMP/no-such-dir/hvclock.prom" transient-el6
check "prometheus + nagios: an unwritable file is UNKNOWN (exit 3)" rc_is 3
check "prometheus + nagios: ... and the status line says so" sh -c 'grep -q "^HVCLOCK UNKNOWN - .*no-such-dir/hvclock.prom: cannot create" '"$TMP/out"

finish
