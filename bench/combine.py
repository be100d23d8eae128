#!/usr/bin/env python3
"""combine.py LABEL=RESULTS.tsv ...: one table of several bench/run.sh runs (bench/README.md).

Each argument is a label (e.g. "quiet", "busy") and the results.tsv of a run (or of several
runs of the same condition: give the label again). Per label and N: medians over the
repetitions, peak RSS the largest; columns a run did not make are "-".
"""
import collections
import statistics
import sys

runs = collections.defaultdict(list)  # (label, n, mode) -> rows
labels = []
for arg in sys.argv[1:]:
    label, path = arg.split("=", 1)
    if label not in labels:
        labels.append(label)
    with open(path) as f:
        head = next(f).rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(head, line.rstrip("\n").split("\t")))
            runs[(label, int(r["n"]), r["mode"])].append(r)


def med(label, n, mode, key):
    v = [float(r[key]) for r in runs.get((label, n, mode), []) if r.get(key, "nan") != "nan"]
    return statistics.median(v) if v else float("nan")


def cpu(label, n, mode):
    v = [float(r["user"]) + float(r["sys"]) for r in runs.get((label, n, mode), [])]
    return 1000 * statistics.median(v) / n if v else float("nan")


def reps(label, n, mode):
    return len(runs.get((label, n, mode), []))


def f(fmt, v):
    return "-" if v != v else fmt % v


def ratio(a, b):
    return a / b if a == a and b == b and b else float("nan")


ns = sorted({n for (_, n, _) in runs})
print("| N | machine | reps | rollout wall s | libssh floor | replay floor (ssh) | minimal job |"
      " Ansible | rollout / replay | rollout / minimal: wall, guest CPU, processes |"
      " Ansible / rollout |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for n in ns:
    for lb in labels:
        if reps(lb, n, "hvclock") == 0:
            continue
        w = {m: med(lb, n, m, "wall") for m in ("hvclock", "libssh", "curve25519", "minimal",
                                                  "ansible")}
        g = {m: med(lb, n, m, "guest_cpu") for m in ("hvclock", "minimal")}
        p = {m: med(lb, n, m, "guest_forks") for m in ("hvclock", "minimal")}
        print("| %d | %s | %d | %s | %s | %s | %s | %s | %s | %s, %s, %s | %s |" % (
            n, lb, reps(lb, n, "hvclock"), f("%.2f", w["hvclock"]), f("%.2f", w["libssh"]),
            f("%.2f", w["curve25519"]), f("%.2f", w["minimal"]), f("%.1f", w["ansible"]),
            f("%.2fx", ratio(w["hvclock"], w["curve25519"])),
            f("%.2fx", ratio(w["hvclock"], w["minimal"])),
            f("%.2fx", ratio(g["hvclock"], g["minimal"])),
            f("%.2fx", ratio(p["hvclock"], p["minimal"])),
            f("%.1fx", ratio(w["ansible"], w["hvclock"]))))
print()
print("| N | machine | client CPU ms/guest: rollout | libssh floor | rollout - libssh floor |"
      " libssh bare session | replay floor (ssh) | check | peak RSS MiB: rollout, check |"
      " guest CPU ms/guest: rollout, minimal | guest processes/guest: rollout, minimal |"
      " held a worker ms: median, p95 | load at end |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for n in ns:
    for lb in labels:
        if reps(lb, n, "hvclock") == 0:
            continue
        rss_h = max((int(r["maxrss_kib"]) for r in runs.get((lb, n, "hvclock"), [])), default=0)
        rss_c = max((int(r["maxrss_kib"]) for r in runs.get((lb, n, "check"), [])), default=0)
        print("| %d | %s | %s | %s | %s | %s | %s | %s | %s, %s | %s, %s | %s, %s | %s, %s | %s |" % (
            n, lb, f("%.2f", cpu(lb, n, "hvclock")), f("%.2f", cpu(lb, n, "libssh")),
            f("%.2f", cpu(lb, n, "hvclock") - cpu(lb, n, "libssh")),
            f("%.2f", cpu(lb, n, "libssh-bare")), f("%.2f", cpu(lb, n, "curve25519")),
            f("%.2f", cpu(lb, n, "check")),
            f("%.1f", rss_h / 1024 if rss_h else float("nan")),
            f("%.1f", rss_c / 1024 if rss_c else float("nan")),
            f("%.0f", 1000 * med(lb, n, "hvclock", "guest_cpu") / n),
            f("%.0f", 1000 * med(lb, n, "minimal", "guest_cpu") / n),
            f("%.1f", med(lb, n, "hvclock", "guest_forks") / n),
            f("%.1f", med(lb, n, "minimal", "guest_forks") / n),
            f("%.0f", med(lb, n, "hvclock", "held_median_ms")),
            f("%.0f", med(lb, n, "hvclock", "held_p95_ms")),
            f("%.1f", med(lb, n, "hvclock", "load1"))))
