#!/bin/sh
# t-units.sh: the systemd units (systemd/) as built, through `systemd-analyze verify` (their
# ExecStart pointed at the built binary: verify needs it to exist): no error and no warning;
# and the settings hvclock(1) documents for them.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)/systemd
command -v systemd-analyze >/dev/null || skip_all "no systemd-analyze (apt-get install systemd)"
[ -n "${HVC_UNITS_DIR:-}" ] || skip_all "HVC_UNITS_DIR not set (the built units)"

mkdir "$TMP/u"
cp "$HVC_UNITS_DIR"/hvclock-plan.service "$HVC_UNITS_DIR"/hvclock-check.service \
	"$SRC"/hvclock-plan.timer "$SRC"/hvclock-check.timer "$TMP/u/"
for u in "$TMP"/u/*.service; do
	grep -q '^ExecStart=/[^ ]*/hvclock ' "$u" || bail "$u: no ExecStart=/.../hvclock"
	sed -i "s|^ExecStart=/[^ ]*/hvclock |ExecStart=$HVCLOCK |" "$u"
done

for u in hvclock-plan.service hvclock-plan.timer hvclock-check.service hvclock-check.timer; do
	rc=0
	(cd "$TMP/u" && systemd-analyze verify --man=no "./$u") >"$TMP/out" 2>"$TMP/err" || rc=$?
	check "$u: systemd-analyze verify: no error, no warning" sh -c "[ $rc -eq 0 ] && [ ! -s '$TMP/err' ] && [ ! -s '$TMP/out' ]"
done

P=$HVC_UNITS_DIR/hvclock-plan.service
C=$HVC_UNITS_DIR/hvclock-check.service
check "plan: a oneshot 'hvclock plan'" sh -c "grep -qx 'Type=oneshot' '$P' && grep -q '^ExecStart=/.*/hvclock plan\$' '$P'"
check "plan: exit 4 (changes pending) is not a failure" grep -qx 'SuccessExitStatus=4' "$P"
for f in "$P" "$C"; do
	unit=$(basename "$f")
	check "$unit: ProtectSystem=strict, /var/lib/hvclock writable" sh -c "grep -qx 'ProtectSystem=strict' '$f' && grep -q '^ReadWritePaths=/var/lib/hvclock' '$f'"
	check "$unit: PrivateTmp, NoNewPrivileges" sh -c "grep -qx 'PrivateTmp=yes' '$f' && grep -qx 'NoNewPrivileges=yes' '$f'"
	check "$unit: SSH out and libvirtd's socket allowed" sh -c "grep -qx 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK' '$f' && ! grep -q '^PrivateNetwork=yes' '$f'"
done
check "check: writes the node exporter's textfile" sh -c "grep -q '^ExecStart=/.*/hvclock check --prometheus /var/lib/prometheus/node-exporter/hvclock.prom\$' '$C' && grep -q '^ReadWritePaths=.* /var/lib/prometheus/node-exporter' '$C'"
check "timers: start their service, WantedBy=timers.target" sh -c "grep -qx 'WantedBy=timers.target' '$SRC/hvclock-plan.timer' && grep -qx 'WantedBy=timers.target' '$SRC/hvclock-check.timer'"

finish
