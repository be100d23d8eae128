#!/bin/bash
# t-escape.sh: nothing from a guest reaches the terminal raw (issue 9 item 4). A small lab of
# simulated guests (chroots behind real sshd, tests/sim/simfleet.sh): a healthy EL6 guest
# whose domain name holds C1 and DEL characters, a hostile-text guest (its sshd's Banner and
# VersionAddendum and its shell's stderr carry ESC sequences, C1 bytes and invalid UTF-8), a
# hostile-version guest (a fake SSH server whose version line libssh quotes in its error:
# "No version of SSH protocol usable (banner: ...)").
# plan, rollout and list, in text and JSON: text output (stdout and stderr) is valid UTF-8 with
# no control character but newline, no DEL and no C1 code point; JSON parses and is valid UTF-8.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap.sh"

command -v python3 >/dev/null || skip_all "no python3"

. "$here/lab.sh"
sim_lab_dir escape

export SIM_KINDS="el6-kvm hostile-text hostile-version"
sim_lab_start 3 30000 150
"$here/simfleet.sh" fleet-xml "$TMP/fleet.xml"

# g1's domain name: C1 CSI (U+009B), DEL, a tab. XML 1.0 (and so libvirt's XML) has no way to
# write ESC or other C0 controls but tab, CR and LF; libvirt refuses a newline in a name.
NAME=$(printf 'evil\302\2332J\177\tname')
python3 - "$TMP/fleet.xml" "$NAME" <<'PY'
import sys
p, name = sys.argv[1], sys.argv[2]
s = open(p, encoding="utf-8").read()
s = s.replace("<name>g1</name>", "<name>%s</name>" % "".join("&#x%x;" % ord(c) for c in name))
open(p, "w", encoding="utf-8").write(s)
PY
FLEET="test://$TMP/fleet.xml"
export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock"
export HVCLOCK_CONFIG=/dev/null
HV() { run_hvclock -c "$FLEET" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" \
	--no-agent --connect-timeout 60 "$@"; }

# FILE...: valid UTF-8; no C0 control but newline, no DEL, no C1 code point; no raw ESC or 0x9b.
terminal_safe() {
	python3 - "$@" <<'PY'
import sys
bad = 0
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    for byte in (0x1b, 0x9b, 0x07, 0x7f):
        if byte in b:
            print("# %s: raw byte 0x%02x at offset %d" % (p, byte, b.index(byte)))
            bad = 1
    try:
        t = b.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        print("# %s: not valid UTF-8: %s" % (p, e))
        bad = 1
        continue
    for i, c in enumerate(t):
        o = ord(c)
        if (o < 0x20 and c != "\n") or 0x7f <= o <= 0x9f:
            print("# %s: control U+%04X at %d: %r" % (p, o, i, t[max(0, i - 20):i + 20]))
            bad = 1
            break
sys.exit(bad)
PY
}
# NAME FILE PATTERN...: every (fixed-string) pattern occurs in FILE: the hostile text did arrive.
shows() {
	local name=$1 f=$2 p miss=
	shift 2
	for p in "$@"; do
		grep -qF -- "$p" "$f" || miss="$miss '$p'"
	done
	if [ -z "$miss" ]; then ok "$name"; else
		not_ok "$name: missing$miss"
		sed 's/^/# /' "$f" | head -40 | cat -v
	fi
}
# NAME FILE: JSON accepted by python3 -m json.tool, and strict UTF-8.
json_ok() {
	if python3 -m json.tool "$2" >/dev/null 2>"$TMP/py.err" &&
		python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8", "strict")' \
			"$2" 2>>"$TMP/py.err"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/# /' "$TMP/py.err" | head -5
	fi
}
safe() { # NAME FILE...
	local name=$1
	shift
	if terminal_safe "$@"; then ok "$name"; else not_ok "$name"; fi
}

ESCAPED_NAME='evil\u009b2J\x7f\x09name'
# ESC ] 0 ; pwned BEL ESC [ 2 J 0x9b U+009B 3 1 m DEL 0xff 0xfe, as hvclock shows them
SHOWN='\x1b]0;pwned\x07\x1b[2J\x9b\u009b31m\x7f\xff\xfe'

# --- plan, text ---
rc=0; HV plan >"$TMP/plan.out" 2>"$TMP/plan.err" || rc=$?
if [ $rc -eq 1 ]; then ok "plan: exit 1 (the hostile guests fail)"; else not_ok "plan: exit $rc, expected 1"; fi
safe "plan text: stdout and stderr have no raw control, C1 or invalid UTF-8" \
	"$TMP/plan.out" "$TMP/plan.err"
shows "plan text: the guest's stderr, the fake server's version line, the name: escaped" \
	"$TMP/plan.out" "hostile stderr $SHOWN end" "(banner: SSH-1.5-$SHOWN)" \
	"$ESCAPED_NAME"

# --- plan, JSON ---
rc=0; HV plan --json >"$TMP/plan.json" 2>"$TMP/plan-json.err" || rc=$?
json_ok "plan --json: python3 -m json.tool accepts it; strict UTF-8" "$TMP/plan.json"
safe "plan --json: stderr has no raw control, C1 or invalid UTF-8" "$TMP/plan-json.err"
if python3 - "$TMP/plan.json" "$NAME" <<'PY' 2>"$TMP/py.err"; then
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
g = {x["name"]: x for x in d["guests"]}
assert sys.argv[2] in g, list(g)             # the name itself, exactly (JSON escapes it)
assert g[sys.argv[2]]["status"] != "failed", g[sys.argv[2]]["status_reason"]
msgs = " ".join(str(x["status_reason"]) + " " + str(x["inspect_error"]) for x in d["guests"])
# invalid bytes as the text \xNN; ESC and U+009B are kept and escaped by JSON itself
assert "hostile stderr \x1b]0;pwned\x07\x1b[2J\\x9b\u009b31m\x7f\\xff\\xfe end" in msgs, msgs
assert "(banner: SSH-1.5-\x1b]0;pwned\x07\x1b[2J\\x9b\u009b31m\x7f\\xff\\xfe)" in msgs, msgs
PY
	ok "plan --json: guest text kept, invalid bytes as \\xNN"
else
	not_ok "plan --json: guest text kept, invalid bytes as \\xNN"
	sed 's/^/# /' "$TMP/py.err" | head -5 | cat -v
fi

# --- rollout, text and JSON ---
rc=0; HV rollout --all-guests >"$TMP/rollout.out" 2>"$TMP/rollout.err" || rc=$?
if [ $rc -eq 1 ]; then ok "rollout: exit 1 (the hostile guests fail)"; else not_ok "rollout: exit $rc, expected 1"; fi
safe "rollout text: stdout and stderr have no raw control, C1 or invalid UTF-8" \
	"$TMP/rollout.out" "$TMP/rollout.err"
shows "rollout text: the guest texts, escaped; the named guest changed" "$TMP/rollout.out" \
	"hostile stderr $SHOWN end" "(banner: SSH-1.5-$SHOWN)" "$ESCAPED_NAME: deferred"
rc=0; HV rollback --all-guests --json >"$TMP/rollback.json" 2>"$TMP/rollback.err" || rc=$?
json_ok "rollback --json: python3 -m json.tool accepts it; strict UTF-8" "$TMP/rollback.json"
safe "rollback --json: stderr has no raw control, C1 or invalid UTF-8" "$TMP/rollback.err"
rc=0; HV -q rollout --all-guests >"$TMP/rollout-q.out" 2>"$TMP/rollout-q.err" || rc=$?
safe "rollout -q: the failure lines have no raw control, C1 or invalid UTF-8" \
	"$TMP/rollout-q.out" "$TMP/rollout-q.err"
shows "rollout -q: the failure lines (stderr) quote the guests' text, escaped" "$TMP/rollout-q.err" \
	"hostile stderr $SHOWN end" "(banner: SSH-1.5-$SHOWN)"
rc=0; HV rollout --all-guests --json >"$TMP/rollout.json" 2>"$TMP/rollout-json.err" || rc=$?
json_ok "rollout --json: python3 -m json.tool accepts it; strict UTF-8" "$TMP/rollout.json"

# --- list; an error message on stderr (the logger) that quotes a name ---
HV list >"$TMP/list.out" 2>"$TMP/list.err"
safe "list: no raw control, C1 or invalid UTF-8" "$TMP/list.out" "$TMP/list.err"
shows "list: the name, escaped" "$TMP/list.out" "$ESCAPED_NAME"
HV list --json >"$TMP/list.json" 2>/dev/null
json_ok "list --json: python3 -m json.tool accepts it; strict UTF-8" "$TMP/list.json"
rc=0; HV plan "$(printf 'x\033]0;pwned\007\233\377')" >"$TMP/unknown.out" 2>"$TMP/unknown.err" ||
	rc=$?
safe "stderr logger: an unknown guest name is quoted escaped" "$TMP/unknown.out" "$TMP/unknown.err"
shows "stderr logger: the message names it" "$TMP/unknown.err" 'x\x1b]0;pwned\x07\x9b\xff'

# Where the sshd Banner and VersionAddendum went: libssh takes the Banner as the pre-auth
# banner and the addendum as part of the server's version line; neither reaches hvclock's
# messages (only the fake server's refused version line does). Shown for the record.
if grep -qF "hostile banner" "$TMP/plan.out" "$TMP/rollout.out" ||
	grep -qF "hostile-version" "$TMP/plan.out" "$TMP/rollout.out"; then
	echo "# sshd Banner/VersionAddendum text appears in the report (escaped)"
else
	echo "# sshd Banner/VersionAddendum text does not appear in hvclock's output"
fi

tap_done
