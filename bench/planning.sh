#!/bin/bash
# planning.sh: hvclock's start-up and its own part of an offline plan (bench/README.md,
# "Start-up and planning").
#
#   bench/planning.sh [N...]             default: 100 1000 5000 domains
#
# 1. Start-up: `hvclock --version` and `hvclock -c test:///default list`, REPS runs each.
# 2. Planning: `hvclock -c test:///FLEET plan` on a test-driver fleet of N domains
#    (bench/gen-fleet.py; no guest has an address, so nothing goes over SSH), against
#    bench/libvirt-open.c opening the same URI: libvirt's test driver loading the file.
#    The difference is hvclock's own part.
# Figures are user+sys CPU from wait4() (bench/rusage.c), median of REPS, and the spread
# (min-max); wall times are shown but depend on what else the machine runs.
#
# Env: HVCLOCK     the binary (default /tmp/bench-build/cmd/hvclock: a release build,
#                  `meson setup /tmp/bench-build -Dbuildtype=release` as bench/run.sh does)
#      BENCH_REPS  runs per figure (default 21)
#      BENCH_OUT   raw results (default a new /tmp/hvclock-planning.XXXXXX)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
HVCLOCK=${HVCLOCK:-/tmp/bench-build/cmd/hvclock}
REPS=${BENCH_REPS:-21}
if [ $# -gt 0 ]; then NS=("$@"); else NS=(100 1000 5000); fi
die() {
	echo "planning: $*" >&2
	exit 1
}
[ -x "$HVCLOCK" ] || die "no hvclock binary at $HVCLOCK"
OUT=${BENCH_OUT:-$(mktemp -d /tmp/hvclock-planning.XXXXXX)}
mkdir -p "$OUT"
cc -O2 -Wall -o "$OUT/rusage" "$here/rusage.c" || die "cannot compile bench/rusage.c"
# shellcheck disable=SC2046
cc -O2 -Wall -o "$OUT/libvirt-open" "$here/libvirt-open.c" $(pkg-config --cflags --libs libvirt) ||
	die "cannot compile bench/libvirt-open.c"
export HVCLOCK_PROFILES_DIR=$top/templates/profiles HVCLOCK_CONFIG=/dev/null
export HVCLOCK_STATE_DIR=$OUT/state

# measure NAME CMD...: REPS runs; "NAME cpu_ms_median cpu_ms_min cpu_ms_max wall_ms_median"
measure() {
	local name=$1 i
	shift
	for ((i = 0; i < REPS; i++)); do
		"$OUT/rusage" "$OUT/r.$name.$i" "$@" >/dev/null 2>&1 || true
	done
	python3 - "$name" "$OUT"/r."$name".* <<'PY'
import statistics, sys
name, files = sys.argv[1], sys.argv[2:]
rows = [list(map(float, open(f).read().split()[:3])) for f in files]
cpu = sorted((u + s) * 1000 for _, u, s in rows)
wall = statistics.median(w * 1000 for w, _, _ in rows)
print("%s %.2f %.2f %.2f %.2f" % (name, statistics.median(cpu), cpu[0], cpu[-1], wall))
PY
}

{
	echo "# $(date -u '+%F %T') UTC, $HVCLOCK, $REPS runs, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# name cpu_ms_median cpu_ms_min cpu_ms_max wall_ms_median"
	measure version "$HVCLOCK" --version
	measure list-default "$HVCLOCK" -c test:///default list
	for n in "${NS[@]}"; do
		python3 "$here/gen-fleet.py" "$n" >"$OUT/fleet-$n.xml"
		measure "plan-$n" "$HVCLOCK" -c "test://$OUT/fleet-$n.xml" plan
		measure "open-$n" "$OUT/libvirt-open" "test://$OUT/fleet-$n.xml"
	done
} | tee "$OUT/results.txt"
python3 - "$OUT/results.txt" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    if not line.startswith("#"):
        f = line.split()
        r[f[0]] = list(map(float, f[1:]))
print()
print("| N domains | hvclock plan CPU ms | libvirt test driver alone ms | hvclock's own ms | per domain µs |")
print("|---|---|---|---|---|")
for k in sorted((k for k in r if k.startswith("plan-")), key=lambda k: int(k[5:])):
    n = int(k[5:])
    own = r[k][0] - r["open-%d" % n][0]
    print("| %d | %.1f | %.1f | %.1f | %.1f |" % (n, r[k][0], r["open-%d" % n][0], own, own * 1000 / n))
PY
echo "raw: $OUT" >&2
