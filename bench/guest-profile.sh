#!/bin/bash
# guest-profile.sh: where the guest side's processes go. One lab guest of every healthy kind
# (tests/sim/simfleet.sh), `strace -f -e trace=process` attached to each guest's sshd, one
# `hvclock rollout --all-guests`, then every fork and execve on each guest's side grouped by
# bench/guest-profile.py (session / the job itself / safety the minimal job lacks). See
# bench/README.md, "Where the guest side's processes go".
#
#   bench/guest-profile.sh                 HVCLOCK=/tmp/bench-build/cmd/hvclock (release build)
#
# Then the minimal job (bench/minimal.job) once per guest through plain ssh, traced the same way.
#
# Env: HVCLOCK (the binary), BENCH_SIM (lab root, default /srv/hvclock-bench; the lab is
#      BENCH_SIM/prof), BENCH_PROFILE_PORT (guest i listens on PORT+i, default 31150: inside
#      bench/run.sh's range, above its labs at N <= 1024), BENCH_OUT (default a new
#      /tmp/hvclock-profile.XXXXXX: the traces, the rollout's JSON, profile.md).
# Run as root. The lab and the tracers are stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
simfleet=$top/tests/sim/simfleet.sh
HVCLOCK=${HVCLOCK:-/tmp/bench-build/cmd/hvclock}
ROOT=${BENCH_SIM:-/srv/hvclock-bench}
PORT=${BENCH_PROFILE_PORT:-31150}
KINDS="el6-kvm xenlinux-pv modern-kvm modern-xen-pv el7-kvm-grubby sles-kvm-mkconfig"
die() {
	echo "guest-profile: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "run as root (the lab is chroots behind sshd)"
command -v strace >/dev/null || die "missing strace"
[ -x "$HVCLOCK" ] || die "no hvclock binary at $HVCLOCK"
OUT=${BENCH_OUT:-$(mktemp -d /tmp/hvclock-profile.XXXXXX)}
mkdir -p "$OUT" "$ROOT"
export SIM=$ROOT/prof SIM_KINDS=$KINDS
TRACERS=()
# strace -f on every guest's sshd listener, into OUT/trace-RUN.KIND; back once all are attached.
trace_start() { # RUN
	local g kind pid
	while read -r g _ _ kind; do
		pid=$(cat "$SIM/state/sshd-$g.pid")
		strace -f -qq -e trace=process -e signal=none -s 512 -o "$OUT/trace-$1.$kind" -p "$pid" &
		TRACERS+=($!)
		# attached once the listener names a tracer (the condition, bounded: no sleep-race)
		for _ in $(seq 400); do
			[ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$pid/status")" = 0 ] || break
			sleep 0.05
		done
		[ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$pid/status")" != 0 ] ||
			die "strace did not attach to $g's sshd"
	done < <("$simfleet" inventory)
}
trace_stop() { # the trace files are complete once the tracers have exited
	local g pid
	# every session of the run over first: no listener has a child left (bounded)
	while read -r g _ _ _; do
		pid=$(cat "$SIM/state/sshd-$g.pid" 2>/dev/null) || continue
		for _ in $(seq 400); do
			[ -n "$(pgrep -P "$pid" || true)" ] || break
			sleep 0.05
		done
	done < <("$simfleet" inventory 2>/dev/null || true)
	for p in "${TRACERS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${TRACERS[@]}"; do wait "$p" 2>/dev/null || true; done
	TRACERS=()
}

cleanup() {
	trace_stop
	"$simfleet" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$simfleet" stop >/dev/null 2>&1 || true
rm -rf "$SIM"
"$simfleet" start "$(wc -w <<<"$KINDS")" "$PORT" >"$OUT/start.log" 2>&1 ||
	{ cat "$OUT/start.log" >&2; die "the lab did not start"; }
"$simfleet" fleet-xml "$OUT/fleet.xml"
trace_start rollout
rc=0
HVCLOCK_PROFILES_DIR=$top/templates/profiles HVCLOCK_STATE_DIR=$OUT/state \
	HVCLOCK_LOCK_FILE=$OUT/run/lock HVCLOCK_CONFIG=/dev/null \
	"$HVCLOCK" -c "test://$OUT/fleet.xml" -i "$SIM/client/id_ed25519" \
	--known-hosts "$SIM/client/known_hosts" --no-agent --parallel 6 \
	rollout --all-guests --json >"$OUT/rollout.json" 2>"$OUT/rollout.err" || rc=$?
trace_stop
[ $rc = 0 ] || { cat "$OUT/rollout.err" >&2; die "hvclock rollout exited $rc"; }

# The minimal job (bench/minimal.job) on the same guests, as bench/run.sh's minimal floor runs it.
trace_start minimal
while read -r g _ port kind; do
	ssh -o KexAlgorithms=curve25519-sha256 -o BatchMode=yes -i "$SIM/client/id_ed25519" \
		-o UserKnownHostsFile="$SIM/client/known_hosts" -p "$port" root@127.0.0.1 /bin/sh -s \
		<"$here/minimal.job" >"$OUT/minimal.$kind.out" 2>&1 || die "the minimal job failed on $g ($kind)"
	grep -q -x 'minimal-job ok' "$OUT/minimal.$kind.out" || die "the minimal job did not finish on $g"
done < <("$simfleet" inventory)
trace_stop
"$simfleet" stop >/dev/null

python3 "$here/guest-profile.py" "$OUT" $KINDS | tee "$OUT/profile.md"
echo "guest-profile: traces and JSON in $OUT" >&2
