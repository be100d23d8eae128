#!/usr/bin/env python3
"""count-tests.py [--skip 'TIER: REASON']... TESTLOG.json...: read meson's testlog.json files and
print 'N passed, N failed, N skipped'.

TAP tests count one per "ok"/"not ok" line ("ok ... # SKIP" counts as skipped); a TAP test that
skipped as a whole ("1..0 # SKIP reason", exit 0: meson 1.0 reports it as SKIP) counts as one skip,
with its reason on stderr; a test that ended badly (crash, timeout, bail-out, a non-zero exit such as
a sanitizer's 66) without a "not ok" line counts as one failure; other tests count by their result.
Each "not ok" line is printed on stderr with the "#" lines around it (at most 20 each side),
because meson prints a TAP test's stderr but not the stdout that holds them.
--skip names a tier the caller could not run at all (one skip each). Exit status 1 if anything failed."""
import json
import re
import sys

passed = failed = skipped = 0
logs = []
args = sys.argv[1:]
while args:
    a = args.pop(0)
    if a == "--skip":
        skipped += 1
        print(f"count-tests: {args.pop(0)}: SKIPPED", file=sys.stderr)
    else:
        logs.append(a)


def show_failures(name, out):
    """Each "not ok" line of one test on stderr, with the "#" lines before it (since the previous
    result line: the C harness prints its failed checks there) and after it (the shell tests
    print theirs there), at most 20 of each, the ones nearest the result line."""
    rows = out.splitlines()
    result = [i for i, l in enumerate(rows) if re.match(r"(?:ok|not ok)\b", l)]
    for k, i in enumerate(result):
        if not rows[i].startswith("not ok") or "# SKIP" in rows[i]:
            continue
        start = result[k - 1] + 1 if k else 0
        end = i + 1
        while end < len(rows) and rows[end].startswith("#"):
            end += 1
        before = [d for d in rows[start:i] if d.startswith("#")]
        after = rows[i + 1:end]
        if len(before) > 20:
            before = [f"# ({len(before) - 20} lines before these left out)"] + before[-20:]
        if len(after) > 20:
            after = after[:20] + [f"# ({len(after) - 20} more lines left out)"]
        for l in before + [rows[i]] + after:
            print(f"count-tests: {name}: {l}", file=sys.stderr)


for log in logs:
    with open(log, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            result = t.get("result", "")
            out = t.get("stdout") or ""
            lines = re.findall(r"^(?:ok|not ok)\b[^\n]*$", out, re.M)
            if lines and t.get("protocol", "").lower() in ("tap", "testprotocol.tap", ""):
                p = sum(1 for l in lines if l.startswith("ok") and "# SKIP" not in l)
                s = sum(1 for l in lines if "# SKIP" in l)
                nf = sum(1 for l in lines if l.startswith("not ok") and "# SKIP" not in l)
                passed += p
                skipped += s
                failed += nf
                if nf:
                    show_failures(t["name"], out)
                if result not in ("OK", "SKIP", "EXPECTEDFAIL") and nf == 0:
                    failed += 1
                    print(f"count-tests: {t['name']}: {result} after {len(lines)} cases", file=sys.stderr)
            elif result == "OK":
                passed += 1
            elif result == "SKIP":
                skipped += 1
                m = re.search(r"^1\.\.0\s*#\s*SKIP\s*(.*)$", out, re.M | re.I)
                why = f" ({m.group(1).strip()})" if m and m.group(1).strip() else ""
                print(f"count-tests: {t['name']}: SKIPPED{why}", file=sys.stderr)
            else:
                failed += 1
                print(f"count-tests: {t['name']}: {result}", file=sys.stderr)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
