#!/bin/bash
# t-check.sh: `hvclock check` over simulated guests (real sshd, chroot guests): the offset of a
# guest clock set off by a fake date (measured within its error bound of the truth), each time
# sync tool's output (chronyc, ntpq, timedatectl: fakes printing what those tools print),
# symptom lines in kern.log, an unreachable guest; the table, JSON, Nagios exit codes, the
# Prometheus file; and one SSH connection per guest.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap.sh"

. "$here/lab.sh"
sim_lab_dir check
if ! ldd /bin/date 2>/dev/null | grep -q 'libc.so.6'; then
	skip_all "no dynamically linked GNU date on this host to put in the guests"
fi

# g1: clock right, chronyd synchronised; g2: 30 s ahead; g3: 500 s behind; g4: clock right,
# ntpd not synchronised, clock symptoms in kern.log; g5: systemd-timesyncd synchronised.
export SIM_KINDS="modern-kvm"
sim_lab_start 5 14000 600
"$here/simfleet.sh" fleet-xml "$TMP/fleet.xml"
G=$SIM/guests

# A guest's date: GNU date (what the guest has has %N), its clock OFFSET seconds off the host's.
fake_date() { # GUEST OFFSET
	rm -f "$G/$1/bin/date" # a link shared with the kind's other guests: replaced, not written
	cp /bin/date "$G/$1/usr/bin/gdate"
	printf '%s\n' '#!/bin/sh' "# fake: this guest's clock is $2 s off" \
		'case "$1" in' \
		"+%s.%N) /usr/bin/gdate +%s.%N | awk -v o=$2 '{ printf \"%.9f\\n\", \$1 + o }' ;;" \
		'*) exec /usr/bin/gdate "$@" ;;' 'esac' >"$G/$1/bin/date"
	chmod 755 "$G/$1/bin/date"
}
fake_tool() { # GUEST TOOL OUTPUT (what the real tool prints)
	printf '#!/bin/sh\ncat <<'"'"'EOF'"'"'\n%s\nEOF\n' "$3" >"$G/$1/usr/bin/$2"
	chmod 755 "$G/$1/usr/bin/$2"
}
set_daemon() { # GUEST COMM: the running time sync daemon the guest's /proc shows
	echo "$2" >"$G/$1/proc/612/comm"
}
fake_date g1 0
# Offsets far beyond any round trip (the error bound is half the best one), with thresholds to
# match in check.conf: on a busy machine a round trip may take a second, and the verdicts hold.
fake_date g2 30
fake_date g3 -500
fake_date g4 0
fake_date g5 0
CHRONY_OK='Reference ID    : C0A80101 (192.168.1.1)
Stratum         : 3
Ref time (UTC)  : Sat Dec 05 08:00:00 2026
System time     : 0.000012345 seconds fast of NTP time
Last offset     : -0.000023456 seconds
RMS offset      : 0.000031000 seconds
Leap status     : Normal'
fake_tool g1 chronyc "$CHRONY_OK"
fake_tool g2 chronyc "$CHRONY_OK"
fake_tool g3 chronyc "$CHRONY_OK"
set_daemon g4 ntpd
fake_tool g4 ntpq '     remote           refid      st t when poll reach   delay   offset  jitter
==============================================================================
 192.168.1.1     .INIT.          16 u    -   64    0    0.000    0.000   0.000'
printf '%s\n' "[ 8123.000001] clocksource/0: Time went backwards: delta=-118088543" \
	"[ 9001.000002] clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable because the skew is too large:" \
	>>"$G/g4/var/log/kern.log"
set_daemon g5 systemd-timesyncd
fake_tool g5 timedatectl 'Timezone=Etc/UTC
LocalRTC=no
NTP=yes
NTPSynchronized=yes'

export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock"
printf '[check]\noffset-warn = 10\noffset-crit = 100\n' >"$TMP/check.conf"
export HVCLOCK_CONFIG=$TMP/check.conf
HV() { run_hvclock -c "test://$TMP/fleet.xml" -i "$SIM/client/id_ed25519" \
	--known-hosts "$SIM/client/known_hosts" --no-agent --connect-timeout 60 "$@"; }
check_json() { # NAME PYTHON (d = the JSON document, g = the guests by name)
	if python3 - "$TMP/out.json" "$2" 2>"$TMP/py.err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["name"]: x for x in d["guests"]}
exec(sys.argv[2])
PY
	then ok "$1"; else not_ok "$1"; sed 's/^/# /' "$TMP/py.err"; fi
}
logins() { # GUEST -> accepted SSH logins so far
	grep -c "Accepted publickey" "$SIM/state/sshd-$1.log" 2>/dev/null || echo 0
}

for g in g1 g2 g3 g4 g5; do eval "before_$g=$(logins $g)"; done
rc=0; HV check --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check "check --json: exit 1 (not every guest is ok)" test "$rc" = 1
check "check --json: nothing on stderr" test ! -s "$TMP/err"
check_json "g1: ok; offset near 0 within its bound, several samples, chronyd synchronised" '
x = g["g1"]
assert x["health"] == "ok", x
assert abs(x["offset_seconds"]) <= x["offset_error_seconds"] + 0.001, x
assert x["samples"] == 4, x
assert x["timesync"] == {"daemon": "chronyd", "active": True, "synchronized": True, "offset_seconds": -2.3456e-05, "tool": "chronyc"}, x["timesync"]
assert x["symptoms"]["count"] == 0 and x["symptoms"]["log_source"] == "dmesg", x["symptoms"]
assert x["clocksource"]["current"] == "kvm-clock" and x["clocksource"]["cost"] == "vdso-if-stable", x["clocksource"]'
check_json "g2: warning: 30 s ahead, measured within its error bound of the truth" '
x = g["g2"]
assert x["health"] == "warning", x
assert abs(x["offset_seconds"] - 30) <= x["offset_error_seconds"] + 0.001, x
assert any(r.startswith("clock off by +") and "warning from 10 s" in r for r in x["reasons"]), x["reasons"]'
check_json "g3: critical: 500 s behind, measured within its error bound of the truth" '
x = g["g3"]
assert x["health"] == "critical", x
assert abs(x["offset_seconds"] + 500) <= x["offset_error_seconds"] + 0.001, x
assert any(r.startswith("clock off by -") and "critical from 100 s" in r for r in x["reasons"]), x["reasons"]'
check_json "g4: warning: two symptoms since boot (the last one kept), ntpd not synchronised" '
x = g["g4"]
assert x["health"] == "warning", x
assert x["symptoms"]["count"] == 2, x["symptoms"]
assert "skew is too large" in x["symptoms"]["last"], x["symptoms"]
assert x["timesync"]["daemon"] == "ntpd" and x["timesync"]["synchronized"] is False and x["timesync"]["tool"] == "ntpq", x["timesync"]
assert any("ntpd runs but is not synchronised" in r for r in x["reasons"]), x["reasons"]'
check_json "g5: ok; systemd-timesyncd synchronised (timedatectl)" '
x = g["g5"]
assert x["health"] == "ok", x
assert x["timesync"]["daemon"] == "systemd-timesyncd" and x["timesync"]["synchronized"] is True, x["timesync"]'
check_json "summary: worst critical" '
assert d["summary"] == {"ok": 2, "warning": 2, "critical": 1, "unknown": 0, "skipped": 0, "worst": "critical"}, d["summary"]'
check_json "remedy state from the plan for every guest" '
for x in d["guests"]:
    assert x["remedy"]["state"] in ("in-place", "pending", "waiting-restart", "none", "blocked"), x'
one=1
for g in g1 g2 g3 g4 g5; do
	b=before_$g
	[ $(($(logins $g) - ${!b})) = 1 ] || one=0
done
check "one SSH connection per guest (the inspection and the samples share it)" test "$one" = 1

rc=0; HV check >"$TMP/out" 2>"$TMP/err" || rc=$?
check "table: g3 critical with its offset" grep -qE '^g3 +critical +-(49[0-9]|50[0-9])\.[0-9]+s \+/-[0-9]+\.[0-9]+' "$TMP/out"
check "table: g4's last symptom" grep -qF "  last symptom: [ 9001.000002] clocksource: timekeeping watchdog" "$TMP/out"

nagios() { # WANT-RC GUEST... -> the status line in $TMP/nagios
	local rc=0
	HV check --nagios "${@:2}" >"$TMP/nagios" 2>"$TMP/err" || rc=$?
	[ "$rc" = "$1" ] && [ "$(wc -l <"$TMP/nagios")" = 1 ]
}
check "nagios: ok guests: exit 0" nagios 0 g1 g5
check "nagios: ... OK line" grep -qx "HVCLOCK OK - 0 critical, 0 warning, 0 unknown, 2 ok | critical=0 warning=0 unknown=0 ok=2" "$TMP/nagios"
check "nagios: a warning: exit 1" nagios 1 g1 g2
check "nagios: ... WARNING line names the guest and why" grep -q "^HVCLOCK WARNING - 0 critical, 1 warning, 0 unknown, 1 ok: g2: clock off by +[0-9]" "$TMP/nagios"
check "nagios: a critical: exit 2" nagios 2 g1 g2 g3
check "nagios: ... CRITICAL line" grep -qE "^HVCLOCK CRITICAL - 1 critical, 1 warning, 0 unknown, 1 ok: g3: clock off by -(49[0-9]|50[0-9])\.[0-9]+ s .* \| critical=1 warning=1 unknown=0 ok=1$" "$TMP/nagios"
check "nagios: an unreachable guest is unknown: exit 3" nagios 3 --guest-address g1=127.0.0.1:1 g1
check "nagios: ... UNKNOWN line with the cause" grep -q "^HVCLOCK UNKNOWN - 0 critical, 0 warning, 1 unknown, 0 ok: g1: not inspected: " "$TMP/nagios"

mkdir -p "$TMP/prom"
rc=0; HV check -q --prometheus "$TMP/prom/hvclock.prom" >/dev/null 2>"$TMP/err" || rc=$?
check "prometheus: written" test -s "$TMP/prom/hvclock.prom"
check "prometheus: g3's offset" grep -qE '^hvclock_guest_clock_offset_seconds\{guest="g3",uuid="[0-9a-f-]{36}",host="[^"]+"\} -(49[0-9]|50[0-9])\.' "$TMP/prom/hvclock.prom"
check "prometheus: g3's health is 2" grep -qE '^hvclock_guest_clock_health\{guest="g3",uuid="[0-9a-f-]{36}",host="[^"]+"\} 2$' "$TMP/prom/hvclock.prom"
check "prometheus: g4's symptoms and time sync" sh -c 'grep -qE "^hvclock_guest_clock_symptoms\{guest=\"g4\",uuid=\"[0-9a-f-]{36}\",host=\"[^\"]+\"\} 2$" "$1" && grep -qE "^hvclock_guest_timesync_synchronized\{guest=\"g4\",uuid=\"[0-9a-f-]{36}\",host=\"[^\"]+\"\} 0$" "$1"' sh "$TMP/prom/hvclock.prom"
if command -v promtool >/dev/null 2>&1; then
	check "prometheus: promtool accepts the file" sh -c 'promtool check metrics <"$1"' sh "$TMP/prom/hvclock.prom"
elif /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
	# Debian's python3 (not a pyenv one on PATH): the reference client's text-format parser
	check "prometheus: the text format, as the reference client's parser reads it" /usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
assert "hvclock_guest_clock_offset_seconds" in {f.name for f in fams}, [f.name for f in fams]
samples = [s for f in fams for s in f.samples]
assert samples
for s in samples:
    assert s.name == "hvclock_check_timestamp_seconds" or (s.labels.get("guest") and s.labels.get("uuid")), s
' "$TMP/prom/hvclock.prom"
else
	ok "prometheus: the text format is valid # SKIP neither promtool nor python3-prometheus-client here"
fi

# dom0, the host row: the test driver's Domain-0 stands for dom0 while HVCLOCK_LOCAL_ROOT points
# the local transport into a lab tree (g5's: systemd-timesyncd synchronised). Its clock is the
# host's: offset 0, no samples; the rest as for a guest.
python3 - "$TMP/fleet.xml" "$TMP/fleet-dom0.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1])
t.getroot().append(ET.fromstring("<domain type='test'><name>Domain-0</name>"
    "<uuid>00000000-0000-0000-0000-000000000000</uuid><memory unit='MiB'>1024</memory>"
    "<vcpu>1</vcpu><os><type arch='x86_64'>xen</type></os></domain>"))
t.write(sys.argv[2])
PY
rc=0; HVCLOCK_LOCAL_ROOT=$G/g5 run_hvclock -c "test://$TMP/fleet-dom0.xml" -i "$SIM/client/id_ed25519" \
	--known-hosts "$SIM/client/known_hosts" --no-agent --connect-timeout 60 check --json g1 \
	>"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "host row: dom0 checked locally, offset 0 (it is the host), its time sync read" '
h = d["host"]
assert h and h["name"] == "Domain-0" and h["health"] == "ok", h
assert h["offset_seconds"] == 0 and h["samples"] == 0, h
assert h["timesync"]["daemon"] == "systemd-timesyncd" and h["timesync"]["synchronized"] is True, h["timesync"]
assert list(g) == ["g1"] and d["summary"]["ok"] == 2, d["summary"]'

# A guest whose date has no %N (busybox): whole seconds, and the bound says so.
rm -f "$G/g5/bin/date" && ln -s busybox "$G/g5/bin/date"
rc=0; HV check --json g5 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "busybox date: whole seconds, the error bound over half a second, still judged" '
x = g["g5"]
assert x["offset_error_seconds"] >= 0.5 and abs(x["offset_seconds"]) <= x["offset_error_seconds"] + 0.001, x
assert x["health"] == "ok", x'

tap_done
