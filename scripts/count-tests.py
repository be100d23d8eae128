#!/usr/bin/env python3
"""count-tests.py: read meson's testlog.json and print 'N passed, N failed, N skipped'.

TAP tests count one per "ok"/"not ok" line ("# SKIP" counts as skipped); a test
that crashed or timed out without a "not ok" line counts as one failure; other
tests count by their result. Exit status 1 if anything failed."""
import json
import re
import sys

passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as f:
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
            if result not in ("OK", "SKIP", "EXPECTEDFAIL") and nf == 0:
                failed += 1
                print(f"count-tests: {t['name']}: {result} after {len(lines)} cases", file=sys.stderr)
        elif result == "OK":
            passed += 1
        elif result == "SKIP":
            skipped += 1
            print(f"count-tests: {t['name']}: SKIPPED", file=sys.stderr)
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
