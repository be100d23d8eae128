#!/usr/bin/env python3
"""tree.py: guest-tree oracle and result checks for bench/run.sh (see bench/README.md).

  tree.py manifest GUESTDIR             every path (type, and sha256 of regular files) of a guest
                                        tree, one per line; dev/, tmp/ and bin/bash left out (the
                                        capture wrapper lives there), and the per-guest UUID files
  tree.py check SIM REFDIR              every guest of the lab's inventory has exactly the tree
                                        REFDIR/KIND.manifest (what hvclock left on that kind)
  tree.py hvclock OUT.json SIM          hvclock's JSON: N guests, failed == 0, every result
                                        applied/deferred/in-place, or skipped because no
                                        profile applies (status no-remedy); prints the counts
  tree.py floor OUTDIR SIM JOBDIR       every floor guest's output: an inspect report, plus an
                                        apply report where the job carries one, nothing failed
Exit status 1 with a message on the first kind of problem found.
"""
import collections
import hashlib
import json
import os
import sys

# The guest's own UUID files differ per guest by design (simfleet gives each its domain's UUID).
SKIP = {"./dev", "./tmp", "./bin/bash", "./sys/class/dmi/id/product_uuid", "./sys/hypervisor/uuid"}


def manifest(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = "." + dirpath[len(root):]
        dirnames[:] = sorted(d for d in dirnames if os.path.join(rel, d) not in SKIP)
        for name in dirnames:
            out.append("d %s/%s" % (rel, name))
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            r = "%s/%s" % (rel, name)
            if r in SKIP:
                continue
            if os.path.islink(p):
                out.append("l %s %s" % (r, os.readlink(p)))
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    out.append("f %s %s" % (r, hashlib.sha256(f.read()).hexdigest()))
            else:
                out.append("o %s" % r)
    return sorted(out)


def inventory(sim):
    with open(os.path.join(sim, "state", "inventory")) as f:
        return [line.split() for line in f if line.strip()]


def die(msg):
    print("tree.py: " + msg, file=sys.stderr)
    sys.exit(1)


def cmd_check(sim, refdir):
    bad = []
    for name, _host, _port, kind in inventory(sim):
        with open(os.path.join(refdir, kind + ".manifest")) as f:
            ref = f.read().splitlines()
        got = manifest(os.path.join(sim, "guests", name))
        if got != ref:
            diff = sorted(set(got) ^ set(ref))[:6]
            bad.append("%s (%s): %s" % (name, kind, "; ".join(diff)))
    if bad:
        die("%d guest tree(s) differ from hvclock's reference:\n  %s" % (len(bad), "\n  ".join(bad[:5])))


def cmd_hvclock(path, sim):
    inv = inventory(sim)
    d = json.load(open(path))
    guests = d["guests"]
    if len(guests) != len(inv):
        die("%d guests in the JSON, %d in the lab" % (len(guests), len(inv)))
    if d["summary"].get("failed", 0) != 0:
        die("summary: %s" % d["summary"])
    for g in guests:
        ok = g["result"] in ("applied", "deferred", "in-place") or (
            g["result"] == "skipped" and g["status"] == "no-remedy")
        if not ok:
            die("%s: result %s (%s): %s" % (g["name"], g["result"], g["status"], g.get("result_message")))
    c = collections.Counter(g["result"] for g in guests)
    changed = sum(1 for g in guests for a in g["actions"] if a.get("result") in ("applied", "deferred"))
    if changed == 0:
        die("nothing was changed: the lab was not fresh")
    print(" ".join("%s=%d" % kv for kv in sorted(c.items())))


def cmd_floor(outdir, sim, jobdir):
    for name, _host, port, kind in inventory(sim):
        with open(os.path.join(jobdir, kind + ".job")) as f:
            carries_apply = "\nmode apply\n" in f.read()
        with open(os.path.join(outdir, port + ".out")) as f:
            lines = f.read().splitlines()
        heads = [l for l in lines if l in ("hvclock-inspect 1", "hvclock-apply 1")]
        want = ["hvclock-inspect 1"] + (["hvclock-apply 1"] if carries_apply else [])
        if heads != want or lines.count("end") != len(want):
            die("%s (%s): reports %s, expected %s" % (name, kind, heads, want))
        for l in lines:
            t = l.split(" ")
            status = t[3] if t[:2] == ["result", "sysctl"] and len(t) > 3 else t[2] if len(t) > 2 else ""
            if t[0] == "error" or (t[0] == "result" and status == "failed"):
                die("%s (%s): %s" % (name, kind, l))


def main():
    a = sys.argv[1:]
    if a[:1] == ["manifest"] and len(a) == 2:
        print("\n".join(manifest(a[1])))
    elif a[:1] == ["check"] and len(a) == 3:
        cmd_check(a[1], a[2])
    elif a[:1] == ["hvclock"] and len(a) == 3:
        cmd_hvclock(a[1], a[2])
    elif a[:1] == ["floor"] and len(a) == 4:
        cmd_floor(a[1], a[2], a[3])
    else:
        die("usage: see the header of this file")


if __name__ == "__main__":
    main()
