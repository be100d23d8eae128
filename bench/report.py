#!/usr/bin/env python3
"""report.py RESULTS.tsv P MACHINE-LINE: the table of bench/run.sh (medians over the repetitions).

Wall time and CPU: median over the repetitions. Peak RSS: the largest seen. CPU = user + sys of
the measured process and its children (hvclock; for the floor, xargs with every sh + ssh).
Time a guest holds a worker: per run the median and p95 of hvclock's per-guest elapsed_ms, then
the median of those over the repetitions (the floors have none: xargs times only the whole run).
A run (BENCH_ONLY) may leave modes out: their cells are "-".
"""
import collections
import os
import statistics
import sys

TARGET_RATIO = 1.0
TARGET_CPU_MS = 3.0  # issue 15: client CPU per guest at 256 (earlier: 5)
TARGET_RSS_MIB = 64.0
TARGET_RSS_N = (256, 1024)  # issue 15: <= 64 MiB at 1024 lab guests (earlier: at 256)
TARGET_MIN_WALL = 0.9  # rollout vs the minimal-job floor
TARGET_MIN_GUEST = 1.5  # guest-side CPU and processes vs the minimal job's
TARGET_ANSIBLE = 5.0  # hvclock rollout at least this many times faster than Ansible

rows = collections.defaultdict(list)
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        f_ = line.rstrip("\n").split("\t")
        n, mode, _rep, wall, user, sys_, rss, busy = f_[:8]
        gcpu, gforks = (f_[8], f_[9]) if len(f_) >= 10 else ("nan", "nan")
        hmed, hp95, load = (f_[10], f_[11], f_[12]) if len(f_) >= 13 else ("nan", "nan", "nan")
        rows[(int(n), mode)].append(
            (float(wall), float(user) + float(sys_), int(rss) / 1024.0, float(busy),
             float(gcpu), float(gforks), float(hmed), float(hp95), float(load)))
par = sys.argv[2]
machine = sys.argv[3]


def med(n, mode, i):
    v = [r[i] for r in rows.get((n, mode), [])]
    return statistics.median(v) if v else float("nan")


def peak(n, mode):
    v = [r[2] for r in rows.get((n, mode), [])]
    return max(v) if v else float("nan")


def fmt(f, v):
    """f % v, or "-" where the mode was not run (nan)."""
    return "-" if v != v else f % v


def ratio(a, b):
    return a / b if b == b and b else float("nan")


ns = sorted({n for n, _ in rows})
reps = max((len(v) for v in rows.values()), default=0)
hdr = ["N", "P", "hvclock wall s", "floor c25519 wall s", "ratio", "floor default-KEX wall s",
       "hvclock CPU ms/guest", "floor c25519 CPU ms/guest", "floor default CPU ms/guest",
       "hvclock peak RSS MiB", "ssh peak RSS MiB (c25519/default)"]
out = []
for n in ns:
    hv, fc, fd = med(n, "hvclock", 0), med(n, "curve25519", 0), med(n, "default", 0)
    out.append([str(n), par, fmt("%.2f", hv), fmt("%.2f", fc), fmt("%.2fx", ratio(hv, fc)),
                fmt("%.2f", fd),
                fmt("%.2f", 1000 * med(n, "hvclock", 1) / n),
                fmt("%.2f", 1000 * med(n, "curve25519", 1) / n),
                fmt("%.2f", 1000 * med(n, "default", 1) / n),
                fmt("%.1f", peak(n, "hvclock")),
                "%s / %s" % (fmt("%.1f", peak(n, "curve25519")), fmt("%.1f", peak(n, "default")))])
print("| " + " | ".join(hdr) + " |")
print("|" + "|".join("---" for _ in hdr) + "|")
for r in out:
    print("| " + " | ".join(r) + " |")
print()
print("median of %d runs (wall, CPU); peak RSS = largest of the runs; each run on a fresh lab" % reps)
wr = [(n, 1000 * med(n, "wrapper", 1) / n) for n in ns if (n, "wrapper") in rows]
if wr:
    print("floor CPU includes xargs + one `sh -c 'exec ssh ...'` per guest: that wrapper alone "
          "costs " + ", ".join("%.2f ms/guest (N=%d)" % (c, n) for n, c in wr))
ck = [n for n in ns if (n, "check") in rows]
if ck:
    print("hvclock check --all-guests (read-only, after the rollout, same lab; 4 clock samples per"
          " guest over its one connection): " + ", ".join(
              "N=%d wall %.2f s, CPU %.2f ms/guest (rollout: %.2f), peak RSS %.1f MiB" % (
                  n, med(n, "check", 0), 1000 * med(n, "check", 1) / n,
                  1000 * med(n, "hvclock", 1) / n, peak(n, "check")) for n in ck))
ls = [n for n in ns if (n, "libssh") in rows]
if ls:
    print("libssh floor (bench/libssh-replay.c: hvclock's captured requests over one libssh session"
          " per guest, P threads, nothing else): " + ", ".join(
              "N=%d wall %.2f s, CPU %.2f ms/guest (hvclock's own: %s)" % (
                  n, med(n, "libssh", 0), 1000 * med(n, "libssh", 1) / n,
                  fmt("%.2f", 1000 * (med(n, "hvclock", 1) - med(n, "libssh", 1)) / n))
              for n in ls) + "; hvclock's own includes its start-up (libvirt linked in: 60-70 ms) / N")
    bare = [n for n in ls if (n, "libssh-bare") in rows]
    if bare:
        print("libssh bare session (connect, key exchange, host key, authentication, one exec of ':';"
          " no work): " + ", ".join("N=%d CPU %.2f ms/guest" % (
              n, 1000 * med(n, "libssh-bare", 1) / n) for n in bare))
print("machine: " + machine)
print()
print("time each guest holds a worker (hvclock's elapsed_ms per guest: from a worker taking it to"
      " its result and the end of its session), median over the runs of each run's median / p95;"
      " load = 1-min load average as the run ended. The floors: not available (xargs gives no"
      " per-guest wall time).")
hmodes = [m for m in ("hvclock", "check") if any((n, m) in rows for n in ns)]
print("| N | " + " | ".join("%s: median ms, p95 ms" % ("rollout" if m == "hvclock" else m)
                         for m in hmodes) + " | load |")
print("|---|" + "|".join("---" for _ in hmodes) + "|---|")
for n in ns:
    print("| %d | %s | %s |" % (n, " | ".join(
        "%s, %s" % (fmt("%.0f", med(n, m, 6)), fmt("%.0f", med(n, m, 7))) for m in hmodes),
        fmt("%.1f", med(n, "hvclock", 8))))
print()
print("whole machine during each run (all processes: client, every sshd, the guest shells, and"
      " anything else running), median; utilisation = busy CPU / (wall x %d CPUs):" % os.cpu_count())
print("| N | hvclock: machine CPU ms/guest, utilisation | floor c25519 | floor default KEX |")
print("|---|---|---|---|")
for n in ns:
    cells = []
    for mode in ("hvclock", "curve25519", "default"):
        busy, wall = med(n, mode, 3), med(n, mode, 0)
        cells.append("-" if busy != busy else "%.0f ms, %.0f %%" % (
            1000 * busy / n, 100 * busy / (wall * os.cpu_count())))
    print("| %d | %s |" % (n, " | ".join(cells)))
print()
print("guest side per guest (every sshd of the lab and all it started: sshd's session processes,"
      " the shells, the scripts and their tools; lab cgroup's cpuacct.usage and its PID"
      " namespace's PIDs), median:")
gmodes = [m for m in ("hvclock", "check", "minimal", "libssh", "curve25519", "default", "ansible") if any(
    (n, m) in rows for n in ns)]
print("| N | " + " | ".join("%s: guest CPU ms, processes" % m for m in gmodes) +
      " | rollout / minimal: wall, guest CPU, processes |")
print("|---|" + "|".join("---" for _ in gmodes) + "|---|")
for n in ns:
    cells = ["%.1f ms, %.1f" % (1000 * med(n, m, 4) / n, med(n, m, 5) / n) for m in gmodes]
    if (n, "minimal") in rows:
        cells.append("%.2fx, %.2fx, %.2fx" % (
            med(n, "hvclock", 0) / med(n, "minimal", 0), med(n, "hvclock", 4) / med(n, "minimal", 4),
            med(n, "hvclock", 5) / med(n, "minimal", 5)))
    else:
        cells.append("-")
    print("| %d | %s |" % (n, " | ".join(cells)))
print()
print("targets:")
for n in ns:
    hv, fc = med(n, "hvclock", 0), med(n, "curve25519", 0)
    cpu = 1000 * med(n, "hvclock", 1) / n
    line = "  N=%-4d wall %s floor (<= %.1fx: %s), CPU %.2f ms/guest (<= %.0f: %s)" % (
        n, fmt("%.2fx", ratio(hv, fc)), TARGET_RATIO,
        "-" if fc != fc else "PASS" if hv / fc <= TARGET_RATIO else "MISS",
        cpu, TARGET_CPU_MS, "PASS" if cpu <= TARGET_CPU_MS else "MISS")
    if n in TARGET_RSS_N:
        rss = peak(n, "hvclock")
        line += ", peak RSS %.1f MiB (<= %.0f: %s)" % (
            rss, TARGET_RSS_MIB, "PASS" if rss <= TARGET_RSS_MIB else "MISS")
    print(line)
    if (n, "minimal") in rows:
        w = med(n, "hvclock", 0) / med(n, "minimal", 0)
        c = med(n, "hvclock", 4) / med(n, "minimal", 4)
        p = med(n, "hvclock", 5) / med(n, "minimal", 5)
        print("  N=%-4d vs the minimal job: wall %.2fx (<= %.1fx: %s), guest CPU %.2fx and "
              "processes %.2fx (<= %.1fx: %s, %s)" % (
                  n, w, TARGET_MIN_WALL, "PASS" if w <= TARGET_MIN_WALL else "MISS", c, p,
                  TARGET_MIN_GUEST, "PASS" if c <= TARGET_MIN_GUEST else "MISS",
                  "PASS" if p <= TARGET_MIN_GUEST else "MISS"))
    if (n, "ansible") in rows:
        a = med(n, "ansible", 0) / med(n, "hvclock", 0)
        print("  N=%-4d vs Ansible (the minimal job as three raw tasks): %.2f s vs %.2f s, hvclock "
              "%.1fx faster (>= %.0fx: %s); Ansible's own CPU %.1f ms/guest" % (
                  n, med(n, "hvclock", 0), med(n, "ansible", 0), a, TARGET_ANSIBLE,
                  "PASS" if a >= TARGET_ANSIBLE else "MISS", 1000 * med(n, "ansible", 1) / n))
for t in TARGET_RSS_N:
    if t not in ns:
        print("  peak RSS target (<= %.0f MiB at %d guests): not measured in this run" % (
            TARGET_RSS_MIB, t))
