#!/bin/sh
# demo.sh: README command 1: install what is missing, build, and run `hvclock plan` on the demo fleet.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null

fleet="test://$top/tests/data/demo-fleet.xml"
export HVCLOCK_PROFILES_DIR="$top/templates/profiles"
echo "\$ hvclock -c $fleet plan"
rc=0
build/cmd/hvclock -c "$fleet" plan || rc=$?
echo
echo "hvclock plan exited with $rc (0 nothing to do, 1 a guest failed, 4 changes pending)"
# 4 (changes pending) is the expected answer on the demo fleet.
[ "$rc" -eq 0 ] || [ "$rc" -eq 4 ]
