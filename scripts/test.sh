#!/bin/sh
# test.sh: README command 2: install what is missing, build with ASan+UBSan, run every test tier,
# and print "N passed, N failed, N skipped" (counting each TAP case).
set -eu
cd "$(dirname "$0")/.."

scripts/deps.sh
builddir=${HVC_TEST_BUILDDIR:-build-test}
if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C "$builddir" >/dev/null

rc=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@" || rc=$?
python3 scripts/count-tests.py "$builddir/meson-logs/testlog.json" || rc=1
exit $rc
