#!/bin/sh
# demo.sh: README command 1: install what is missing, build, then on a lab of simulated guests
# (chroots behind real sshd on 127.0.0.1) run hvclock plan -> rollout -> plan.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null
export HVCLOCK_PROFILES_DIR="$top/templates/profiles"
hv=build/cmd/hvclock

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: the guest lab needs root (sshd with ChrootDirectory); showing the" >&2
	echo "demo.sh: host-side plan of the built-in demo fleet instead." >&2
	$hv -c "test://$top/tests/data/demo-fleet.xml" plan || [ $? -eq 4 ]
	exit 0
fi

# sshd's ChrootDirectory needs a root-owned, non-writable path chain, every directory up to /
# (a clone under /tmp, or in a home directory writable by a group, has not): else /srv.
SIM=$top/build/demo-lab
mkdir -p "$SIM"
SIM=$SIM tests/sim/simfleet.sh path-ok 2>/dev/null ||
	SIM=/srv/hvclock-demo-lab-$(printf %s "$top" | cksum | cut -d" " -f1) # one per clone
export SIM
export HVCLOCK_STATE_DIR="$top/build/demo-state" HVCLOCK_LOCK_FILE="$top/build/demo-run/lock" # hvclock makes demo-run/ 0700
export HVCLOCK_CONFIG=/dev/null
tests/sim/simfleet.sh stop >/dev/null 2>&1 || true
# On exit the lab stops; one outside the clone (/srv) is removed too.
case $SIM in
"$top"/*) trap 'tests/sim/simfleet.sh stop >/dev/null 2>&1 || true' EXIT ;;
*) trap 'tests/sim/simfleet.sh stop >/dev/null 2>&1 || true
	grep -qF " $SIM/" /proc/mounts || rm -rf "$SIM"' EXIT ;; # never through a mount left
esac
rm -rf "$SIM" "$HVCLOCK_STATE_DIR"
mkdir -p "$SIM"
# one guest of each kind: EL6 KVM, classic XenLinux PV, modern KVM, modern Xen PV, EL7, SLES
tests/sim/simfleet.sh start 6 42200 >/dev/null
tests/sim/simfleet.sh fleet-xml build/demo-lab.xml
fleet="test://$top/build/demo-lab.xml"

step() {
	echo
	echo "\$ hvclock -c test://.../demo-lab.xml $*"
	rc=0
	$hv -c "$fleet" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" \
		--no-agent "$@" || rc=$?
	case $rc in
	0) what="done, or nothing to do" ;;
	1) what="a guest failed or is blocked" ;;
	4) what="changes pending" ;;
	5) what="nothing left to change; guests wait for a power-cycle or reboot" ;;
	*) what="see hvclock(1), EXIT STATUS" ;;
	esac
	echo "(exit code $rc: $what)"
}
step plan
step rollout --all-guests
step plan
echo
echo "The lab is stopped on exit. The host-side plan of the built-in demo fleet (direct-kernel"
echo "<cmdline> edits, odd names, transient and paused guests) is:"
echo "  build/cmd/hvclock -c test://$top/tests/data/demo-fleet.xml plan"
