#!/bin/bash
# release-build.sh BUILD: the hvclock binary every bench measures, BUILD/cmd/hvclock: BUILD is set up
# as a release build of this checkout when missing, recompiled when present, and refused unless it
# is a plain release build (buildtype=release, no sanitizer: a bench would measure the sanitizer).
# Logs: BUILD.setup.log, BUILD.compile.log.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
b=$1
die() {
	echo "bench: $*" >&2
	exit 1
}
if [ ! -f "$b/build.ninja" ]; then
	meson setup "$b" "$top" -Dbuildtype=release >"$b.setup.log" 2>&1 ||
		{ cat "$b.setup.log" >&2; die "meson setup failed"; }
fi
meson compile -C "$b" cmd/hvclock >"$b.compile.log" 2>&1 ||
	{ tail -30 "$b.compile.log" >&2; die "build failed (log: $b.compile.log)"; }
python3 - "$b" <<'PY' || die "$b is not a plain release build"
import json, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1] + "/meson-info/intro-buildoptions.json"))}
bad = [k for k, v in (("buildtype", "release"), ("b_sanitize", "none")) if o.get(k) != v]
if bad:
    sys.exit("bench: %s" % ", ".join("%s=%s" % (k, o.get(k)) for k in bad))
PY
