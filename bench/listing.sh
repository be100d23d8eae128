#!/bin/bash
# listing.sh: the cost of listing a remote host's guests (issue 13 item 4): N test-driver guests behind
# the libvirtd of one bed host (tests/fleet/bed.sh), reached with test+ssh://, with a delay added on
# the link (tc netem on the controller's end of the veth). Wall time of `hvclock list` and of
# `hvclock plan --no-agent` (host side only: the guests have no addresses), per binary, median of
# BENCH_REPS runs, next to the same command on an empty host (the connection alone) and guests x RTT.
#
#   bench/listing.sh [BINARY...]        default: $HVCLOCK, else build-rel/cmd/hvclock
#
# Env: BENCH_N      guests (default 200; every third shut off)
#      BENCH_DELAY  added round-trip delay in ms (default 20): tc netem on the link, else delayproxy.py
#      BENCH_REPS   runs per figure, the median is reported (default 3)
#      BENCH_BED    the bed's directory (default /tmp/hvclock-bench-fleet)
# Run as root. The bed is taken down on exit, also on error or Ctrl-C.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
N=${BENCH_N:-200}
DELAY=${BENCH_DELAY:-20}
REPS=${BENCH_REPS:-3}
BED=${BENCH_BED:-/tmp/hvclock-bench-fleet}
if [ $# -gt 0 ]; then BINS=("$@"); else BINS=("${HVCLOCK:-$top/build-rel/cmd/hvclock}"); fi

[ "$(id -u)" = 0 ] || { echo "listing: run as root (namespaces, sshd, libvirtd)" >&2; exit 1; }
# shellcheck source=../tests/fleet/bed.sh
. "$top/tests/fleet/bed.sh"
proxy=
trap '[ -z "$proxy" ] || kill "$proxy" 2>/dev/null || :; fleet_down "$BED"' EXIT
fleet_up "$BED" 1
fleet_test_xml "$BED/h1/fleet.xml" "$N" vm
fleet_test_xml "$BED/h1/empty.xml" 0 vm
# The delay: tc netem on the link (on the controller's end: one way, so the round trip gains DELAY),
# else (a kernel without sch_netem) bench/delayproxy.py in the host, in front of its sshd, holding
# every chunk DELAY/2 each way; the URI then names the proxy's port.
PORT=
if tc qdisc add dev hvf1 root netem delay "${DELAY}ms" 2>/dev/null; then
	how="tc netem delay ${DELAY}ms on the link"
	rtt=$(ping -c 5 -q "$(fleet_addr 1)" | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
else
	PORT=:2022
	rm -f "$BED/proxy.pid"
	# shellcheck disable=SC2016 # expanded by the inner shell
	fleet_ns "$BED" 1 sh -c 'echo $$ >"$1" && shift && exec "$@"' sh "$BED/proxy.pid" \
		python3 "$here/delayproxy.py" "$(fleet_addr 1)" 2022 "$(fleet_addr 1)" 22 \
		"$(echo "$DELAY / 2" | bc -l)" </dev/null >"$BED/proxy.log" 2>&1 &
	fleet_wait 30 test -s "$BED/proxy.pid" && proxy=$(cat "$BED/proxy.pid")
	echo "[$(fleet_addr 1)]:2022 $(cut -d' ' -f1,2 "$BED/h1/ssh/host_ed25519.pub")" \
		>>"$BED/ctl/home/.ssh/known_hosts"
	fleet_wait 30 fleet_ns "$BED" 1 sh -c "ss -ltnH | grep -q ':2022 '" || exit 1
	how="no sch_netem in this kernel: bench/delayproxy.py in the host before its sshd, $((DELAY / 2)) ms each way"
	rtt=$DELAY
fi
export HVCLOCK_PROFILES_DIR=$top/templates/profiles HVCLOCK_CONFIG=/dev/null
export HVCLOCK_STATE_DIR=$BED/state HVCLOCK_LOCK_FILE=$BED/run/lock

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wall() { # BIN FILE ARGS...: median wall seconds of REPS runs
	local bin=$1 file=$2 t0 t1
	shift 2
	for _ in $(seq 1 "$REPS"); do
		t0=$(date +%s.%N)
		fleet_ctl "$BED" "$bin" -c "test+ssh://root@$(fleet_addr 1)$PORT$BED/h1/$file" "$@" \
			>/dev/null 2>"$BED/err" || [ $? -le 5 ] || { cat "$BED/err" >&2; exit 1; }
		t1=$(date +%s.%N)
		echo "$t1 - $t0" | bc
	done | median
}

echo "# $N guests ($((N - N / 3)) running), RTT ${rtt} ms ($how), median of $REPS; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
k=0
for b in "${BINS[@]}"; do
	k=$((k + 1))
	echo "# binary $k: $b"
done
printf '%-6s %-8s %9s %9s %12s %11s\n' binary command empty-s wall-s wall-empty-s "N x RTT s"
k=0
for b in "${BINS[@]}"; do
	k=$((k + 1))
	for cmd in list plan; do
		args=("$cmd")
		[ "$cmd" = plan ] && args+=(--no-agent)
		e=$(wall "$b" empty.xml "${args[@]}")
		w=$(wall "$b" fleet.xml "${args[@]}")
		printf '%-6s %-8s %9.2f %9.2f %12.2f %11.2f\n' "$k" "$cmd" "$e" "$w" "$(echo "$w - $e" | bc)" "$(echo "$N * $rtt / 1000" | bc -l)"
	done
done
