#!/bin/sh
# t-output.sh: output for people and for scripts. A report that cannot be written (a full disk,
# a closed pipe) is an error: exit 6 and one line on stderr naming where stdout went and why;
# never silence, never a SIGPIPE death. The tables (libsmartcols): -o/--output, --noheadings,
# --raw, cut to a terminal's width and never elsewhere; the compact form of a report with more
# guests than a screen; the progress line on a terminal's stderr, and nothing without one.
. "$(dirname "$0")/lib.sh"

# one_line WHERE CAUSE: stderr has exactly one "cannot write" line, naming both
one_line() {
	[ "$(grep -c "^hvclock: cannot write the report to stdout" "$TMP/err")" -eq 1 ] &&
		grep -q "^hvclock: cannot write the report to stdout ($1): $2\$" "$TMP/err"
}

for args in "plan --json" "plan" "list --json" "rollout --all-guests --json"; do
	rc=0
	# shellcheck disable=SC2086
	run_hvclock -c "$FLEET" $args >/dev/full 2>"$TMP/err" || rc=$?
	check "$args > /dev/full: exit 6" rc_is 6
	check "$args > /dev/full: one line naming /dev/full and the cause" one_line /dev/full "No space left on device"
done

# A pipe whose reader is gone before hvclock starts: no race with a reader that exits later.
# Python's subprocess gives the child SIGPIPE's default action, so hvclock must ignore it itself.
closed_pipe() {
	python3 - "$HVCLOCK" "$@" 2>"$TMP/err" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w)
sys.exit(128 - p.returncode if p.returncode < 0 else p.returncode)
PY
}
for args in "plan --json" "plan -q" "list"; do
	rc=0
	# shellcheck disable=SC2086
	closed_pipe -c "$FLEET" $args || rc=$?
	check "$args | closed pipe: exit 6 (not killed by SIGPIPE)" rc_is 6
	check "$args | closed pipe: one line naming the pipe and the cause" one_line "pipe:\[[0-9]*\]" "Broken pipe"
done

run -c "$FLEET" plan --json
no_write_error() { ! grep -q "cannot write" "$TMP/err"; }
check "plan --json to a file: exit 4" rc_is 4
check "plan --json to a file: no write error" no_write_error

# --- tables: -o/--output, --noheadings, --raw ---
run -c "$FLEET" list -o uuid,Guest --noheadings
check "list -o uuid,Guest --noheadings: the columns in that order, no header" sh -c \
	'[ "$(head -1 '"$TMP/out"')" = "4a1c6e2b-9f0d-4e57-8b3a-1c2d3e4f5001  centos6-db" ] && [ $(wc -l <'"$TMP/out"') -eq 10 ]'
run -c "$FLEET" plan -o GUEST,status,HOST
check "plan -o GUEST,status,HOST: the header names them, HOST is the one host's label" sh -c \
	'head -1 '"$TMP/out"' | grep -qx "GUEST  *STATUS  *HOST" && grep -q "^centos6-db  *changes pending  *localhost$" '"$TMP/out"
run -c "$FLEET" check --output guest,HEALTH,clocksource
check "check --output: its own column names" sh -c \
	'head -1 '"$TMP/out"' | grep -qx "GUEST  *HEALTH  *CLOCKSOURCE (COST)"'
run -c "$FLEET" list --raw -o GUEST,KIND
check "list --raw: one space between columns, blanks in a cell as \\x20" sh -c \
	'grep -qx "web\\\\x2001\\\\x20(spaces) kvm" '"$TMP/out"' && awk "NF != 2 { bad = 1 } END { exit bad }" '"$TMP/out"
for c in list plan check; do
	run -c "$FLEET" "$c" -o GUEST,nosuch
	check "$c -o GUEST,nosuch: exit 2, one line naming the column and the known ones" sh -c \
		'[ '$rc' -eq 2 ] && [ $(grep -c "^hvclock: " '"$TMP/err"') -eq 1 ] &&
		grep -q "^hvclock: unknown column '"'"'nosuch'"'"' for --output (known: HOST, GUEST, " '"$TMP/err"' && [ ! -s '"$TMP/out"' ]'
done

for c in list plan rollout rollback check; do
	run help "$c"
	check "help $c: the column names of its table" sh -c 'grep -q "^Columns of its table (-o, --output): HOST, GUEST, " '"$TMP/out"
done

# --- a terminal's width, and none elsewhere ---
# on_pty COLS ROWS ARGS...: hvclock with stdout on a terminal of that size (stderr to a file);
# what it printed (CR LF made LF) in $TMP/out
on_pty() {
	python3 - "$@" "$HVCLOCK" 2>"$TMP/err" >"$TMP/out" <<'PY'
import fcntl, os, pty, struct, subprocess, sys, termios
cols, rows, *args = sys.argv[1:]
args = [args[-1]] + args[:-1]
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", int(rows), int(cols), 0, 0))
p = subprocess.Popen(args, stdout=s, stdin=subprocess.DEVNULL)
os.close(s)
data = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    data += b
p.wait()
sys.stdout.write(data.decode().replace("\r\n", "\n"))
sys.exit(p.returncode)
PY
}
# the widest line of $TMP/out, in characters
max_width() { python3 -c 'import sys; print(max(len(l) for l in open(sys.argv[1], encoding="utf-8").read().split("\n")))' "$TMP/out"; }
rc=0; on_pty 100 50 -c "$FLEET" list || rc=$?
check "list on a terminal of 100 columns: every line fits (the URI is cut)" sh -c \
	'[ '$rc' -eq 0 ] && [ '"$(max_width)"' -le 100 ] && grep -q "^centos6-db  *running" '"$TMP/out"
run -c "$FLEET" list
check "list to a file: nothing cut, whatever COLUMNS says" sh -c \
	'[ '"$(max_width)"' -gt 100 ] && grep -q "tests/data/demo-fleet.xml$" '"$TMP/out"

# --- the compact form: more guests than a screen ---
# fleet N PENDING: a test-driver fleet of N guests, the first PENDING of them with changes pending
fleet() {
	python3 - "$HVC_DEMO_FLEET" "$1" "$2" >"$TMP/fleet-$1.xml" <<'PY'
import re, sys
src, n, pending = open(sys.argv[1]).read(), int(sys.argv[2]), int(sys.argv[3])
doms = {re.search(r"<name>(.*?)</name>", d).group(1): d
        for d in re.findall(r"  <domain type='test'>.*?</domain>\n", src, re.S)}
head = src[:src.index("  <!-- a.")]
out = [head]
for i in range(n):
    d = doms["centos6-db" if i < pending else "debian12-web"]
    d = re.sub(r"<name>.*?</name>", "<name>g%d</name>" % (i + 1), d, count=1)
    d = re.sub(r"<uuid>.*?</uuid>", "<uuid>5b1c6e2b-9f0d-4e57-8b3a-%012d</uuid>" % i, d, count=1)
    d = re.sub(r"<mac address='[^']*'/>", "<mac address='52:54:00:aa:%02x:%02x'/>" % (i // 256, i % 256), d)
    out.append(d)
out.append("</node>\n")
sys.stdout.write("".join(out))
PY
}
details() { grep -c "^g[0-9]*: " "$TMP/out"; }
fleet 21 3
run -c "test://$TMP/fleet-21.xml" plan
check "plan of 21 guests to a file: the table has all 21" sh -c '[ $(grep -c "^g[0-9]*  " '"$TMP/out"') -eq 21 ]'
check "plan of 21 guests to a file: compact, only the 3 with changes pending in detail, said so" sh -c \
	'[ '"$(details)"' -eq 3 ] && grep -q "^g3: changes pending" '"$TMP/out"' && grep -qx "3 of 21 guests in detail: those that need attention (-v shows every guest)" '"$TMP/out"
check "plan of 21 guests: the summary counts every guest" out_has "21 guests: 3 with changes pending, 0 nothing to do, 0 waiting for power-cycle or reboot, 18 no remedy"
run -c "test://$TMP/fleet-21.xml" plan -v
check "plan -v of 21 guests: every guest in detail" sh -c '[ '"$(details)"' -eq 21 ] && ! grep -q "guests in detail" '"$TMP/out"
run -c "test://$TMP/fleet-21.xml" plan -q
check "plan -q of 21 guests: the 3 names, in natural order" sh -c '[ "$(cat '"$TMP/out"' | tr "\n" " ")" = "g1 g2 g3 " ]'
fleet 20 3
run -c "test://$TMP/fleet-20.xml" plan
check "plan of 20 guests to a file: every guest in detail (20 fit)" sh -c '[ '"$(details)"' -eq 20 ] && ! grep -q "guests in detail" '"$TMP/out"
rc=0; on_pty 200 10 -c "test://$TMP/fleet-20.xml" plan || rc=$?
check "plan of 20 guests on a terminal of 10 rows: compact" sh -c \
	'[ '$rc' -eq 4 ] && [ '"$(details)"' -eq 3 ] && grep -q "^3 of 20 guests in detail" '"$TMP/out"

# --- the progress line: on a terminal's stderr only ---
# err_on_pty ARGS...: hvclock with stderr on a terminal, stdout to $TMP/out; the bytes of
# stderr, as Python's repr, in $TMP/err
err_on_pty() {
	python3 - "$HVCLOCK" "$@" >"$TMP/err" <<PY
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdout=open("$TMP/out", "w"), stderr=s, stdin=subprocess.DEVNULL)
os.close(s)
data = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    data += b
p.wait()
print(repr(data))
sys.exit(p.returncode)
PY
}
rc=0; err_on_pty -c "$FLEET" plan || rc=$?
check "plan, stderr a terminal: the progress line starts with every guest left" \
	err_has 'hvclock: done 0 / in flight 0 / failed 0 / left 9'
check "plan, stderr a terminal: the line ends with every guest done, then is cleared" \
	err_has '\r\x1b[Khvclock: done 9 / in flight 0 / failed 0 / left 0\r\x1b[K'
check "plan, stderr a terminal: the report on stdout is the same" sh -c \
	'[ '$rc' -eq 4 ] && grep -q "^9 guests: 5 with changes pending" '"$TMP/out"
rc=0; err_on_pty -c "$FLEET" plan -q || rc=$?
check "plan -q, stderr a terminal: no progress line" sh -c '! grep -q "in flight" '"$TMP/err"
# Ctrl-C with the line shown: the immediate message keeps a line of its own, the line is cleared.
# A guest whose address refuses connections, with --wait-ssh, stays in flight until the signal.
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" && : >"$TMP/known_hosts"
python3 - "$HVCLOCK" -c "$FLEET" -i "$TMP/id" --known-hosts "$TMP/known_hosts" --parallel 1 \
	--wait-ssh 600 --guest-address centos6-db=127.0.0.1:1 rollout --all-guests >"$TMP/err" <<PY
import os, pty, select, signal, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdout=open("$TMP/out", "w"), stderr=s, stdin=subprocess.DEVNULL)
os.close(s)
data, sent = b"", False
while True:
    if not sent and b"in flight 1 " in data:
        p.send_signal(signal.SIGINT)
        sent = True
    r, _, _ = select.select([m], [], [], 120)
    if not r:
        p.kill()
        break
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    data += b
print("rc=%d sent=%s" % (p.wait(), sent))
print(repr(data))
PY
check "rollout, Ctrl-C under the progress line: the message at once, on a line of its own" \
	err_has '/ in flight 1 / failed 0 / left 8\r\nhvclock: interrupted: finishing the guests in flight'
check "rollout, Ctrl-C: the line ends with the count, cleared, then the end message; exit 1" sh -c \
	'grep -q "^rc=1 sent=True" '"$TMP/err"' && grep -qF "hvclock: done 1 / in flight 0 / failed 1 / left 8\\r\\x1b[K" '"$TMP/err"' &&
	grep -qF "hvclock: interrupted: guests in flight were finished" '"$TMP/err"
run -c "$FLEET" rollout --all-guests
check "rollout, stderr not a terminal: no progress bytes at all" sh -c \
	'! grep -q "in flight" '"$TMP/err"' && ! grep -q "$(printf "\\r")" '"$TMP/err"

finish
