#!/usr/bin/env python3
"""guest-profile.py [--matrix] OUT KIND...: every fork and execve on one lab guest's side, grouped.

Reads OUT/trace-rollout.KIND and OUT/trace-minimal.KIND (strace -f -e trace=process on the
guest's sshd listener, bench/guest-profile.sh) and prints, per kind, a table of what the
processes were, in four groups:

  session   sshd (the connection's re-exec, privilege separation, the session child), the
            lab's login-shell chain (/bin/bash, a script that execs /bin/sh -c '/bin/sh -s'),
            and the `sh -s` that reads the request
  job       what the minimal job does too: read the clocksource files, the kernel command line,
            the kernel log, uname and the OS files; write and load sysctls; switch the
            clocksource; edit and read the boot loader's configuration (its tool where the
            guest has one: the lab's fake grubby/grub2-mkconfig and what it runs are counted
            here, in a line of their own)
  safety    what the minimal job lacks: the lock, backups (/var/lib/hvclock/backup, the
            FILE.hvclock-old copies), the state record (/var/lib/hvclock, its mode), the
            read-back through the boot loader's tool after a change, sync, the watchdog
  shell     forks of the script shells that exec nothing (command substitutions and subshells
            running builtins); which function they serve is not in a process trace

A fork counts where its child belongs (the child of a fork that then execs `cp` counts as
`cp`); an execve counts where it runs. Failed execve calls (dash trying the PATH) are not
counted; a child whose every execve failed is listed as "NAME (not found)".
--matrix: one table instead, a column per kind (bench/README.md's).
"""
import collections
import os
import re
import sys

LINE = re.compile(r"^(\d+)\s+(.*)$")
STR = re.compile(r'"((?:[^"\\]|\\.)*)"')


def argv_of(call):
    """execve("PATH", ["a", "b", ...], ...) -> (path, [a, b])."""
    m = STR.match(call, call.index("(") + 1)
    path = m.group(1) if m else "?"
    lb = call.index("[", m.end() if m else 0)
    argv, i = [], lb + 1
    while True:
        m2 = STR.match(call, i)
        if not m2:
            break
        argv.append(bytes(m2.group(1), "utf-8").decode("unicode_escape"))
        i = m2.end()
        if call.startswith(", ", i):
            i += 2
        else:
            break
    return path, argv


class Proc:
    def __init__(self, pid, parent):
        self.pid, self.parent = pid, parent
        self.execs = []  # argv of every successful execve, in order
        self.tried = []  # paths of failed execve calls
        self.children = []


def parse(path):
    procs, pending, root = {}, {}, None
    with open(path, errors="replace") as f:
        for raw in f:
            m = LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            pid, rest = int(m.group(1)), m.group(2)
            if root is None:
                root = pid
                procs[pid] = Proc(pid, None)
            if rest.endswith("<unfinished ...>"):
                pending[pid] = rest[: -len("<unfinished ...>")]
                continue
            r = re.match(r"<\.\.\. (\w+) resumed>(.*)$", rest)
            if r:
                rest = pending.pop(pid, r.group(1) + "(") + r.group(2)
            name = rest.split("(", 1)[0]
            res = re.search(r"\)\s+=\s+(-?\d+)", rest)
            ret = int(res.group(1)) if res else None
            p = procs.setdefault(pid, Proc(pid, None))
            if name in ("clone", "clone3", "fork", "vfork") and ret and ret > 0:
                if "CLONE_THREAD" in rest:
                    continue
                c = procs.setdefault(ret, Proc(ret, pid))
                c.parent = pid
                p.children.append(ret)
            elif name == "execve":
                fpath, argv = argv_of(rest)
                if ret == 0:
                    p.execs.append(argv or [fpath])
                else:
                    p.tried.append(os.path.basename(fpath))
    return procs, root


def is_script_shell(argv):
    return len(argv) >= 2 and os.path.basename(argv[0]) in ("sh", "dash") and argv[1:] == ["-s"]


BOOT_TOOLS = ("grubby", "grub2-mkconfig", "grub-mkconfig", "update-grub", "update-bootloader",
              "perl-Bootloader", "pbl")


def classify(procs, root, minimal):
    """-> list of (group, label, forks, execs); minimal: the minimal job's run."""
    out = []
    shells = []  # the script shells, in order (inspect, then apply)

    def shell_of(pid):
        while pid is not None:
            p = procs[pid]
            if any(is_script_shell(a) for a in p.execs):
                return pid
            pid = p.parent
        return None

    def tool_ancestor(pid):
        pid = procs[pid].parent
        while pid is not None:
            p = procs[pid]
            if any(os.path.basename(a[0]) in BOOT_TOOLS for a in p.execs):
                return True
            pid = p.parent
        return False

    for pid in sorted(procs):
        p = procs[pid]
        if any(is_script_shell(a) for a in p.execs):
            shells.append(pid)

    def label_exec(pid, argv):
        base = os.path.basename(argv[0])
        args = " ".join(argv[1:])
        sh = shell_of(pid)
        if sh is None or (is_script_shell(argv) and sh == pid):
            return "session", base if base != "sh" else "sh " + args
        part = "minimal job" if minimal else "inspect" if sh == shells[0] else "apply"
        if tool_ancestor(pid):
            return "job", "the boot loader tool's own processes (lab fake)"
        if base == "sleep":
            return "safety", "watchdog: sleep"
        if "hvclock-guest.lock" in args or "hvclock-dom0.lock" in args:
            return "safety", "lock: " + base
        if base == "sync":
            return "safety", "sync"
        if "/var/lib/hvclock/backup" in args or ".hvclock-old" in args:
            return "safety", "backup: " + base
        if "/var/lib/hvclock" in args:
            return "safety", "state record: " + base
        if base in BOOT_TOOLS:
            if part == "apply" and ("--info" in args or "--default" in args):
                return "safety", "read-back through the boot tool: " + base + " " + argv[1]
            return "job", "%s: %s %s" % (part, base, argv[1] if len(argv) > 1 else "")
        return "job", "%s: %s" % (part, base)

    for pid in sorted(procs):
        if pid == root:
            continue
        p = procs[pid]
        forked = p.parent is not None
        if p.execs:
            for k, argv in enumerate(p.execs):
                g, lab = label_exec(pid, argv)
                out.append((g, lab, 1 if (k == 0 and forked) else 0, 1))
        else:
            sh = shell_of(pid)
            par = procs.get(p.parent)
            par_is_sshd = par is not None and (
                not par.execs or any("sshd" in os.path.basename(a[0]) for a in par.execs))
            if sh is None:
                out.append(("session", "sshd (fork, no exec)" if par_is_sshd else "fork, no exec", 1, 0))
            elif p.tried:
                out.append(("safety" if p.tried[0] == "sync" else "job",
                            ("sync" if p.tried[0] == "sync" else p.tried[0]) + " (not found)", 1, 0))
            elif any(procs[c].execs and os.path.basename(procs[c].execs[0][0]) == "sleep"
                     for c in p.children):
                out.append(("safety", "watchdog: subshell", 1, 0))
            elif tool_ancestor(pid):
                out.append(("job", "the boot loader tool's own processes (lab fake)", 1, 0))
            else:
                out.append(("shell", "subshell / command substitution (no exec)", 1, 0))
    return out, len(shells)


def matrix(out, kinds, order):
    """One table: a row per (group, what), a column per kind, cells "forks / execve"."""
    cells = collections.defaultdict(dict)
    tot = collections.defaultdict(lambda: [0, 0])
    for kind in kinds:
        for run in ("rollout", "minimal"):
            procs, root = parse("%s/trace-%s.%s" % (out, run, kind))
            for g, lab, f, e in classify(procs, root, run == "minimal")[0]:
                key = (run == "minimal", order.index(g), g, lab)
                c = cells[key].setdefault(kind, [0, 0])
                c[0] += f
                c[1] += e
                t = tot[(run == "minimal", order.index(g), g, kind)]
                t[0] += f
                t[1] += e
    print("### Every fork / execve, per kind\n")
    print("| group | what | " + " | ".join(kinds) + " |")
    print("|---|---|" + "|".join("---" for _ in kinds) + "|")
    last = None
    for key in sorted(cells):
        mini, gi, g, lab = key
        if last is not None and last != (mini, gi):
            print("| **%s%s** | | %s |" % ("minimal job: " if last[0] else "", order[last[1]], " | ".join(
                "**%d / %d**" % tuple(tot[(last[0], last[1], order[last[1]], k)]) for k in kinds)))
        last = (mini, gi)
        print("| %s | %s | %s |" % (g, lab, " | ".join(
            "%d / %d" % tuple(cells[key][k]) if k in cells[key] else "" for k in kinds)))
    if last is not None:
        print("| **%s%s** | | %s |" % ("minimal job: " if last[0] else "", order[last[1]], " | ".join(
            "**%d / %d**" % tuple(tot[(last[0], last[1], order[last[1]], k)]) for k in kinds)))
    print()


def main():
    out, kinds = sys.argv[1], sys.argv[2:]
    order = ("session", "job", "safety", "shell")
    if out == "--matrix":
        matrix(kinds[0], kinds[1:], order)
        return
    summary = []
    for kind in kinds:
        rows = {}
        for run in ("rollout", "minimal"):
            path = "%s/trace-%s.%s" % (out, run, kind)
            procs, root = parse(path)
            rows[run] = classify(procs, root, run == "minimal")
        print("### %s\n" % kind)
        print("| group | what | rollout forks / execve | minimal job forks / execve |")
        print("|---|---|---|---|")
        tot = {r: collections.Counter() for r in rows}
        agg = collections.OrderedDict()
        for run, (items, _) in rows.items():
            for g, lab, f, e in items:
                a = agg.setdefault((order.index(g), g, lab), {"rollout": [0, 0], "minimal": [0, 0]})
                a[run][0] += f
                a[run][1] += e
                tot[run][g + "f"] += f
                tot[run][g + "e"] += e
        for (_, g, lab), a in sorted(agg.items()):
            print("| %s | %s | %d / %d | %d / %d |" % (g, lab, a["rollout"][0], a["rollout"][1],
                                                   a["minimal"][0], a["minimal"][1]))
        for g in order:
            print("| **%s** | | **%d / %d** | **%d / %d** |" % (
                g, tot["rollout"][g + "f"], tot["rollout"][g + "e"],
                tot["minimal"][g + "f"], tot["minimal"][g + "e"]))
        tr = [sum(v for k, v in tot[r].items() if k.endswith(s)) for r in ("rollout", "minimal")
              for s in ("f", "e")]
        print("| **all** | %d script shell(s) in the rollout | **%d / %d** | **%d / %d** |\n" % (
            rows["rollout"][1], tr[0], tr[1], tr[2], tr[3]))
        summary.append((kind, rows["rollout"][1], tot["rollout"], tot["minimal"], tr))
    print("### Summary: forks / execve per guest\n")
    print("| kind | exec channels | session | job | safety | shell | all | minimal job: all | ratio (forks) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, nsh, t, tm, tr in summary:
        print("| %s | %d | %s | %d / %d | %d / %d | %.2fx |" % (
            kind, nsh, " | ".join("%d / %d" % (t[g + "f"], t[g + "e"]) for g in order),
            tr[0], tr[1], tr[2], tr[3], tr[0] / tr[2] if tr[2] else float("nan")))


main()
