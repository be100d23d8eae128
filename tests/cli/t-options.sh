#!/bin/sh
# t-options.sh: the option table against hvclock(1). Every option `hvclock help` and
# `hvclock help COMMAND` show (they are printed from the table that also builds getopt's
# arrays) is in the man page's OPTIONS with the same short letter and argument, and every
# option there is in the table; each one is accepted where the help says.
. "$(dirname "$0")/lib.sh"

MAN=$(dirname "$0")/../../docs/hvclock.1
COMMANDS="plan rollout rollback check list"

# Help lines "  -c, --connect URI   text" / "      --json   text" -> "c connect URI" / "- json -".
from_help() {
	sed -n 's/^  -\(.\), --\([a-z-]*\)\( \([^ ]*\)\)\{0,1\}\( .*\)\{0,1\}$/\1 \2 \4/p
		s/^      --\([a-z-]*\)\( \([^ ]*\)\)\{0,1\}\( .*\)\{0,1\}$/- \1 \3/p' |
		awk '{ print $1, $2, ($3 == "" ? "-" : $3) }'
}

run help
from_help <"$TMP/out" >"$TMP/help-main"
: >"$TMP/help-own"
for c in $COMMANDS; do
	run help "$c"
	# Only the command's own options (after its "Options of" heading).
	sed -n '/^Options of /,$p' "$TMP/out" | from_help | sed "s/\$/ $c/" >>"$TMP/help-own"
done
cut -d' ' -f1-3 "$TMP/help-main" "$TMP/help-own" | sort -u >"$TMP/table"

# The man page: the .TP items of OPTIONS, fonts and escapes removed, macro arguments joined.
python3 - "$MAN" >"$TMP/man" <<'PY'
import re, shlex, sys
lines = open(sys.argv[1]).read().split('\n')
sec, item = None, False
for l in lines:
    if l.startswith('.SH '):
        sec = l[4:].strip()
        continue
    if sec != 'OPTIONS':
        continue
    if l == '.TP':
        item = True
        continue
    if not item:
        continue
    item = False
    m = re.match(r'\.(B|BI|BR|IR|I)\s+(.*)', l)
    if not m:
        continue
    words = shlex.split(m.group(2).replace('\\', '\x00'))
    text = ('' if m.group(1) != 'B' else ' ').join(words).replace('\x00', '\\')
    text = re.sub(r'\\f[BIRP]', '', text).replace('\\-', '-')
    short, long_, arg = '-', None, '-'
    for part in [p.strip() for p in text.split(',')]:
        mm = re.match(r'--([a-z-]+)(?:=(\S+))?$', part)
        if mm:
            long_, arg = mm.group(1), mm.group(2) or arg
            continue
        mm = re.match(r'-(\w)(?: (\S+))?$', part)
        if mm:
            short, arg = mm.group(1), mm.group(2) or arg
    if long_:
        print(short, long_, arg)
PY
sort -u "$TMP/man" -o "$TMP/man"

check "the help shows options" test "$(wc -l <"$TMP/table")" -ge 20
check "hvclock(1) OPTIONS has options" test "$(wc -l <"$TMP/man")" -ge 20
# "c connect URI" -> "-c, --connect URI"; "- json -" -> "--json"
show() {
	printf '%s--%s%s' "$([ "$1" = - ] || echo "-$1, ")" "$2" "$([ "$3" = - ] || echo " $3")"
}
while read -r s l a; do
	check "$(show "$s" "$l" "$a") of the table is in hvclock(1) OPTIONS as such" grep -qxF -- "$s $l $a" "$TMP/man"
done <"$TMP/table"
while read -r s l a; do
	check "$(show "$s" "$l" "$a") of hvclock(1) OPTIONS is in the table" grep -qxF -- "$s $l $a" "$TMP/table"
done <"$TMP/man"

# Each option is taken where the help puts it: -h after it ends the run with exit 0.
sample() {
	case $1 in
	URI) echo "test:///default" ;;
	N) echo 2 ;;
	SECONDS) echo 5 ;;
	NAME=HOST*) echo "x=127.0.0.1" ;;
	DIR) echo /tmp ;;
	NAME) echo root ;;
	"yes|no|auto") echo auto ;;
	-) ;;
	*) echo /dev/null ;;
	esac
}
accepted() {
	run "$@" -h
	[ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ]
}
while read -r s l a; do
	# shellcheck disable=SC2046
	check "--$l is taken before the command" accepted "--$l" $(sample "$a")
	[ "$l" = version ] && continue
	check "--$l is taken after plan" accepted plan "--$l" $(sample "$a")
done <"$TMP/help-main"
while read -r s l a c; do
	# shellcheck disable=SC2046
	check "--$l is taken after $c" accepted "$c" "--$l" $(sample "$a")
done <"$TMP/help-own"

finish
