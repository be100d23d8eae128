#!/bin/sh
# check-install.sh BUILDDIR: `meson install --destdir` of a configured, compiled build, then the
# installed hvclock run from its installed paths (profiles from $datadir/hvclock, no
# --profiles-dir, no HVCLOCK_PROFILES_DIR) on the demo fleet: in a private mount namespace the
# DESTDIR's prefix is mounted over the real prefix, so nothing is installed on this machine.
# Exit 0 (works), 1 (broken), 77 (cannot run here: not root, or no unshare; the reason on stdout).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
b=$1
[ "$(id -u)" -eq 0 ] || { echo "install check: needs root (a private mount namespace)"; exit 77; }
command -v unshare >/dev/null || { echo "install check: no unshare (util-linux)"; exit 77; }
prefix=$(meson introspect "$b" --buildoptions |
	python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
dest=$(cd "$b" && pwd)/destdir
rm -rf "$dest"
if ! meson install -C "$b" --destdir "$dest" >"$b/install.log" 2>&1; then
	tail -n 20 "$b/install.log" | sed 's/^/  /'
	echo "install check: meson install --destdir failed"
	exit 1
fi
for f in bin/hvclock share/hvclock/profiles/el6-kvm.profile share/man/man1/hvclock.1 \
	share/man/man5/hvclock.conf.5; do
	[ -f "$dest$prefix/$f" ] || { echo "install check: $prefix/$f not installed"; exit 1; }
done
mkdir -p "$prefix"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation private sh -euc '
	mount --bind "$1" "$2"
	cd /
	unset HVCLOCK_PROFILES_DIR
	export HVCLOCK_CONFIG=/dev/null HVCLOCK_STATE_DIR="$4/state" HVCLOCK_LOCK_FILE="$4/run/lock"
	"$2/bin/hvclock" --version >/dev/null
	rc=0
	"$2/bin/hvclock" -c "test://$3/tests/data/demo-fleet.xml" plan >"$4/plan.out" 2>"$4/plan.err" || rc=$?
	if [ "$rc" -ne 4 ]; then
		sed "s/^/  /" "$4/plan.err"
		echo "install check: the installed hvclock: plan of the demo fleet exited $rc, not 4"
		exit 1
	fi
' sh "$dest$prefix" "$prefix" "$top" "$dest"
echo "install check: $prefix from DESTDIR: hvclock --version and a plan of the demo fleet work"
