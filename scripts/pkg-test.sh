#!/bin/sh
# pkg-test.sh [--testlog FILE]: the Debian package, as CI checks it (TAP on stdout):
# dpkg-buildpackage -us -uc -b in a copy of the tree (nothing is written beside it), lintian
# (errors fail; warnings are shown), then apt-get install of hvclock into this machine and the
# installed hvclock: --version, the demo fleet, xl:/// without and with hvclock-xen, the man
# page, the bash completion and the systemd units. Packages this run installed are purged at
# the end. Needs root and Debian's apt; else "1..0 # SKIP". --testlog FILE also writes the
# result as one line of meson's testlog.json, for scripts/count-tests.py (scripts/test.sh).
# DEB_BUILD_OPTIONS defaults to "nocheck" (the same tests run in the main tiers); set it to ""
# to run the package's own test step too. HVC_NO_PKG_TEST=1: skip it all.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)

testlog=
if [ "${1:-}" = --testlog ]; then
	testlog=$2
	if [ -z "${HVC_PKG_TEST_INNER:-}" ]; then
		{
			rc=0
			HVC_PKG_TEST_INNER=1 "$0" || rc=$?
			echo $rc >"$testlog.rc"
		} | tee "$testlog.tap"
		rc=$(cat "$testlog.rc")
		python3 - "$testlog" "$testlog.tap" "$rc" <<'PY'
import json, sys
out = open(sys.argv[2], encoding="utf-8", errors="replace").read()
skip = out.startswith("1..0 # SKIP")
result = "SKIP" if skip else ("OK" if sys.argv[3] == "0" else "FAIL")
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write(json.dumps({"name": "pkg", "result": result, "protocol": "tap", "stdout": out}) + "\n")
PY
		exit "$rc"
	fi
fi

. "$top/tests/lib/tap.sh"

[ -z "${HVC_NO_PKG_TEST:-}" ] || skip_all "HVC_NO_PKG_TEST is set"
[ "$(id -u)" -eq 0 ] || skip_all "not root: the package is installed into this machine"
for t in dpkg-buildpackage dh lintian apt-get fakeroot; do
	command -v $t >/dev/null || skip_all "no $t (apt-get install dpkg-dev debhelper lintian fakeroot)"
done

W=$(mktemp -d "${TMPDIR:-/tmp}/hvclock-pkg.XXXXXX")
before=$(dpkg-query -W -f='${Package} ${Status}\n' hvclock hvclock-xen 2>/dev/null | grep ' installed$' | cut -d' ' -f1)
cleanup() {
	for p in hvclock-xen hvclock; do
		case " $before " in *" $p "*) ;; *)
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' &&
				apt-get -o DPkg::Lock::Timeout=600 purge -y -qq "$p" >/dev/null 2>&1
			;;
		esac
	done
	rm -rf "$W"
}
trap cleanup EXIT

# The tracked and new (not ignored) files, without any build directory.
mkdir "$W/src"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$W/src" -xf - ||
	bail "cannot copy the tree to $W/src"

rc=0
(cd "$W/src" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-nocheck} parallel=2" \
	dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
	tail -n 40 "$W/build.log" | diag
	not_ok "dpkg-buildpackage -us -uc -b"
	tap_done
	exit 1
fi
ok "dpkg-buildpackage -us -uc -b"
deb=$(ls "$W"/hvclock_*.deb)
xen=$(ls "$W"/hvclock-xen_*.deb 2>/dev/null || :)

rc=0
lintian --fail-on error "$W"/hvclock_*.changes >"$W/lintian.log" 2>&1 || rc=$?
grep -E '^[WE]: ' "$W/lintian.log" | diag
check "lintian: no errors" [ $rc -eq 0 ]

# The installed hvclock must not find the tree's profiles or settings.
ienv() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

rc=0
apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$deb" >"$W/install.log" 2>&1 || rc=$?
[ $rc -eq 0 ] || tail -n 20 "$W/install.log" | diag
check "apt-get install ./hvclock_*.deb" [ $rc -eq 0 ]
check "hvclock alone installs no Xen library" sh -c "dpkg-query -W -f='\${Depends}' hvclock >'$W/depends' && ! grep -q xen '$W/depends' && ldd /usr/bin/hvclock >'$W/ldd' && ! grep -q libxen '$W/ldd'"

version=$(dpkg-query -W -f='${Version}' hvclock 2>/dev/null)
out=$(ienv hvclock --version 2>&1)
echo "$out" | diag
check "installed hvclock --version: $version, backend libvirt" sh -c "echo '$out' | grep -qx 'hvclock $version (backends: libvirt.*)'"

# The package's libvirt backend is a module: what starts without it (tests/cli/t-startup.sh,
# which the default build of the main tiers skips), run against the installed hvclock.
rc=0
env -i PATH=/usr/bin:/bin HVCLOCK=/usr/bin/hvclock HVC_LIBVIRT_MODULE=1 HVCLOCK_CONFIG=/dev/null \
	HVC_DEMO_FLEET="$top/tests/data/demo-fleet.xml" HVCLOCK_PROFILES_DIR=/usr/share/hvclock/profiles \
	sh "$top/tests/cli/t-startup.sh" >"$W/startup.tap" 2>&1 || rc=$?
sed 's/^/  /' "$W/startup.tap" | diag
check "installed hvclock: --version, --help, completion and xl:/// load no libvirt.so; a libvirt URI loads the module (t-startup.sh: $(grep -c '^ok' "$W/startup.tap") ok, $(grep -c '^not ok' "$W/startup.tap") not ok)" \
	sh -c "[ $rc -eq 0 ] && grep -q '^ok' '$W/startup.tap' && ! grep -q '^not ok\|SKIP' '$W/startup.tap'"

# The README's demo fleet, through the installed paths (/usr/share/hvclock/profiles).
rc=0
ienv hvclock -c "test://$top/tests/data/demo-fleet.xml" plan --json >"$W/plan.json" 2>"$W/plan.err" || rc=$?
diag <"$W/plan.err"
check "installed hvclock plan on the demo fleet: exit 4 (changes pending)" [ $rc -eq 4 ]
check "installed hvclock plan on the demo fleet: JSON with its guests and remedies" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
g = {x['name']: x for x in d['guests']}
assert 'centos6-db' in g and 'debian12-web' in g, sorted(g)
" "$W/plan.json"

rc=0
ienv timeout 20 hvclock -c xl:/// plan >/dev/null 2>"$W/xl.err" || rc=$?
check "without hvclock-xen: xl:/// exits 3, names the package" sh -c "[ $rc -eq 3 ] && grep -q 'libxl backend is not installed.*hvclock-xen' '$W/xl.err'"

if [ -n "$xen" ]; then
	rc=0
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$xen" >"$W/install-xen.log" 2>&1 || rc=$?
	[ $rc -eq 0 ] || tail -n 20 "$W/install-xen.log" | diag
	check "apt-get install ./hvclock-xen_*.deb" [ $rc -eq 0 ]
	check "with hvclock-xen: --version lists libxl (module)" sh -c "ienv() { env -i PATH=/usr/bin:/bin \"\$@\"; }; ienv hvclock --version | grep -q 'libxl (module)'"
	if ! grep -qs control_d /proc/xen/capabilities; then
		rc=0
		ienv timeout 20 hvclock -c xl:/// plan >/dev/null 2>"$W/xl.err" || rc=$?
		check "with hvclock-xen: the module loads (off Xen: 'not a Xen dom0', exit 3)" sh -c "[ $rc -eq 3 ] && grep -q 'not a Xen dom0' '$W/xl.err'"
	fi
else
	ok "hvclock-xen # SKIP not built for this architecture"
fi

check "man pages installed" sh -c "[ -f /usr/share/man/man1/hvclock.1.gz ] && [ -f /usr/share/man/man5/hvclock.conf.5.gz ]"
check "profiles and guest scripts installed" sh -c "ls /usr/share/hvclock/profiles/*.profile >/dev/null && [ -f /usr/share/hvclock/guest/inspect.sh ]"
check "the libvirt hook example and the example configuration installed" sh -c "[ -f /usr/share/doc/hvclock/examples/libvirt-hook-qemu ] && [ -f /usr/share/doc/hvclock/hvclock.conf.example ]"
check "the examples installed as they are (not compressed; the scripts executable)" sh -c "cd /usr/share/doc/hvclock/examples &&
	[ -x libvirt-hook-qemu ] && [ -x virt-install-hvclock.sh ] && [ -f cloud-init-user-data.yaml ] &&
	[ -f terraform-libvirt.tf ] && [ -f ansible-hvclock.yml ]"
if [ -r /usr/share/bash-completion/bash_completion ]; then
	out=$(bash -c '. /usr/share/bash-completion/bash_completion
		. /usr/share/bash-completion/completions/hvclock
		COMP_WORDS=(hvclock roll); COMP_CWORD=1; COMP_LINE="hvclock roll"; COMP_POINT=12
		_hvclock hvclock roll hvclock; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' 2>&1)
	check "bash completion with the installed hvclock: 'hvclock roll' -> rollback rollout" [ "$out" = "rollback rollout " ]
fi
check "systemd units installed, ExecStart=/usr/bin/hvclock" sh -c "grep -q '^ExecStart=/usr/bin/hvclock plan\$' /lib/systemd/system/hvclock-plan.service && [ -f /lib/systemd/system/hvclock-plan.timer ] && [ -f /lib/systemd/system/hvclock-check.service ] && [ -f /lib/systemd/system/hvclock-check.timer ]"
if command -v systemd-analyze >/dev/null; then
	rc=0
	systemd-analyze verify --man=no /lib/systemd/system/hvclock-plan.service \
		/lib/systemd/system/hvclock-plan.timer >"$W/verify.log" 2>&1 || rc=$?
	diag <"$W/verify.log"
	check "installed units: systemd-analyze verify" sh -c "[ $rc -eq 0 ] && [ ! -s '$W/verify.log' ]"
fi

cleanup
trap - EXIT
check "purged again (what this run installed)" sh -c "for p in hvclock hvclock-xen; do case ' $before ' in *\" \$p \"*) ;; *) ! dpkg-query -W -f='\${Status}' \$p 2>/dev/null | grep -q ' installed\$' || exit 1;; esac; done"
tap_done
