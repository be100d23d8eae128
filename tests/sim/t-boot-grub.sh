#!/bin/bash
# t-boot-grub.sh: the GRUB 2 families beyond update-grub/grub2-mkconfig (issue 11), through
# hvclock over simulated guests (chroots behind real sshd): grub-mkconfig without a wrapper,
# /etc/default/grub.d/*.cfg overrides, the blocked cases and the "no boot loader" reason.
# plan (exact before/after) -> rollout -> read back -> plan/rollout again -> rollback.
#
# The guests run the REAL grub-mkconfig of the host's Debian grub-common (with its
# grub-mkconfig_lib, /etc/grub.d/00_header and 10_linux, grub-mkrelpath and grub-script-check).
# Faked, because a chroot has no disk: grub-probe (a script answering /dev/vda1, ext2 and fixed
# UUIDs) and /boot's kernel and initrd (small files with the names 10_linux looks for).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap.sh"

if [ ! -x /usr/sbin/grub-mkconfig ] || [ ! -f /usr/share/grub/grub-mkconfig_lib ] ||
	[ ! -f /etc/grub.d/10_linux ]; then
	skip_all "no grub-mkconfig (grub-common, grub2-common)"
fi
. "$here/lab.sh"
. "$here/guestrun.sh"
sim_lab_dir bootgrub

# g1 Arch-like grub-mkconfig, g2 Ubuntu-like update-grub with grub.d overrides, g3 an override
# built from an expansion, g4 /etc/default/grub without a tool, g5 grub-mkconfig without
# /boot/grub/grub.cfg, g6 GRUB legacy with "# kopt=" and update-grub, g7 GRUB legacy's menu.lst
# alone. All start as the Debian kind (update-grub fake), then are reshaped.
export SIM_KINDS=modern-kvm
sim_lab_start 7 14000 1000
"$here/simfleet.sh" fleet-xml "$TMP/fleet.xml"
FLEET="test://$TMP/fleet.xml"
G=$SIM/guests
REL=6.1.0-28-amd64

# The real grub-mkconfig in guest tree $1 (every file replaced, never written through: the
# guests' files are hard links into the lab's shared skeleton).
install_grub_mkconfig() {
	local r=$1 f l
	rm -f "$r/usr/sbin/update-grub" "$r/boot/grub/grub.cfg"
	mkdir -p "$r/usr/sbin" "$r/usr/bin" "$r/usr/share/grub" "$r/etc/grub.d" "$r/boot/grub"
	cp /usr/sbin/grub-mkconfig "$r/usr/sbin/"
	cp /usr/share/grub/grub-mkconfig_lib "$r/usr/share/grub/"
	cp /etc/grub.d/00_header /etc/grub.d/10_linux "$r/etc/grub.d/"
	for f in /usr/bin/grub-mkrelpath /usr/bin/grub-script-check; do
		cp "$f" "$r$f"
		for l in $(ldd "$f" | grep -o '/lib[^ ]*'); do
			[ -e "$r$l" ] || { mkdir -p "$(dirname "$r$l")" && cp "$l" "$r$l"; }
		done
	done
	[ -e "$r/bin/fgrep" ] || ln -s busybox "$r/bin/fgrep"
	# fake: a chroot has no block device to probe
	rm -f "$r/usr/sbin/grub-probe"
	cat >"$r/usr/sbin/grub-probe" <<'EOF'
#!/bin/sh
# fake grub-probe (t-boot-grub.sh): the simulated guest has no disk
t=
for a; do case $a in --target=*) t=${a#--target=} ;; esac; done
prev=
for a; do [ "$prev" = -t ] && t=$a; prev=$a; done
case $t in
device) echo /dev/vda1 ;;
fs) echo ext2 ;;
fs_uuid) echo 0b5e7e57-1234-4c1c-9a5e-0123456789ab ;;
partuuid) echo 12345678-01 ;;
drive) echo "(hd0,msdos1)" ;;
partmap) echo msdos ;;
compatibility_hint) echo hd0,msdos1 ;;
hints_string) echo "--hint-bios=hd0,msdos1" ;;
abstraction | cryptodisk_uuid | fs_label) ;;
*) exit 1 ;;
esac
EOF
	chmod 755 "$r/usr/sbin/grub-probe"
	rm -f "$r/boot/vmlinuz-$REL" "$r/boot/initrd.img-$REL"
	echo "fake kernel" >"$r/boot/vmlinuz-$REL"
	echo "fake initrd" >"$r/boot/initrd.img-$REL"
}
# /etc/default/grub as Debian ships it (a new file, not the skeleton's link)
default_grub() {
	rm -f "$1/etc/default/grub"
	# shellcheck disable=SC2016 # shell text of the guest's file
	printf '%s\n' GRUB_DEFAULT=0 GRUB_TIMEOUT=5 \
		'GRUB_DISTRIBUTOR=`( . /etc/os-release; echo ${NAME:-Debian} ) 2>/dev/null || echo Debian`' \
		'GRUB_CMDLINE_LINUX_DEFAULT="quiet"' 'GRUB_CMDLINE_LINUX=""' >"$1/etc/default/grub"
}
# in the environment the guest runs it in (no LANG: that changes 00_header's output)
mkcfg() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$1" /usr/sbin/grub-mkconfig \
		-o /boot/grub/grub.cfg </dev/null >/dev/null 2>&1
}

default_grub "$G/g1"
install_grub_mkconfig "$G/g1"
mkcfg "$G/g1" || bail "the real grub-mkconfig does not run in a guest"
# a leftover /boot/grub2/grub.cfg (another distribution's layout): grub-mkconfig writes and
# hvclock reads back /boot/grub/grub.cfg, never this one
mkdir -p "$G/g1/boot/grub2"
printf '%s\n' 'menuentry old {' '	linux /vmlinuz root=/dev/vda1 ro' '}' >"$G/g1/boot/grub2/grub.cfg"
default_grub "$G/g2"
install_grub_mkconfig "$G/g2"
rm -f "$G/g2/usr/sbin/update-grub"
printf '#!/bin/sh\nset -e\nexec grub-mkconfig -o /boot/grub/grub.cfg "$@"\n' >"$G/g2/usr/sbin/update-grub"
chmod 755 "$G/g2/usr/sbin/update-grub"
mkdir -p "$G/g2/etc/default/grub.d"
printf '%s\n' '# cloud image settings' 'GRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0"' \
	'GRUB_TIMEOUT=0' >"$G/g2/etc/default/grub.d/50-cloudimg-settings.cfg"
printf '%s\n' 'GRUB_CMDLINE_LINUX="net.ifnames=0 clocksource=tsc"' \
	>"$G/g2/etc/default/grub.d/60-site.cfg"
printf '%s\n' '# not sourced: not *.cfg' 'GRUB_CMDLINE_LINUX="ignored"' \
	>"$G/g2/etc/default/grub.d/70-notes.txt"
mkcfg "$G/g2" || bail "grub-mkconfig does not run in g2"
default_grub "$G/g3"
install_grub_mkconfig "$G/g3"
mkdir -p "$G/g3/etc/default/grub.d"
# shellcheck disable=SC2016 # an expansion in the guest's file is the point
printf '%s\n' 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX clocksource=tsc"' \
	>"$G/g3/etc/default/grub.d/40-append.cfg"
mkcfg "$G/g3" || bail "grub-mkconfig does not run in g3"
rm -f "$G/g4/usr/sbin/update-grub"
default_grub "$G/g5"
install_grub_mkconfig "$G/g5"
rm -rf "$G/g5/boot/grub"

# g6: GRUB legacy with Debian's grub-legacy update-grub (no Debian 12 package). FAKE, written to
# behave like the real one (grub-legacy 0.97's /usr/sbin/update-grub): it keeps menu.lst up to
# "## ## End Default Options ##" and after "### END DEBIAN AUTOMAGIC KERNELS LIST", and rewrites
# the entries between from /boot/vmlinuz-* (newest first): "kernel PATH $kopt $defoptions",
# and a recovery entry "kernel PATH $kopt single" (altoptions "(single-user mode) single").
fake_legacy_update_grub() {
	cat <<'EOF'
#!/bin/sh
# FAKE grub-legacy update-grub (tests/sim/t-boot-grub.sh): see there
set -eu
m=/boot/grub/menu.lst
opt() {
	sed -n '/^### BEGIN AUTOMAGIC KERNELS LIST/,/^### END DEBIAN AUTOMAGIC KERNELS LIST/p' "$m" |
		sed -n "s/^# $1=//p" | head -n 1
}
kopt=$(opt kopt) defoptions=$(opt defoptions) alt=$(opt altoptions) title=$(opt title)
groot=$(opt groot)
{
	sed -n '1,/^## ## End Default Options ##/p' "$m"
	echo
	# a Xen hypervisor first: its kernel line is xen.gz's, dom0's kernel a module line
	for k in $(ls /boot/vmlinuz-* | sort -r -V | head -n 1); do
		[ -f /boot/xen.gz ] || break
		printf 'title\t\tXen, %s\nroot\t\t%s\nkernel\t\t/boot/xen.gz\nmodule\t\t%s %s %s\n\n' \
			"$title" "$groot" "$k" "$kopt" "$defoptions"
	done
	for k in $(ls /boot/vmlinuz-* | sort -r -V); do
		v=${k#/boot/vmlinuz-}
		printf 'title\t\t%s, kernel %s\nroot\t\t%s\nkernel\t\t%s %s %s\n' \
			"$title" "$v" "$groot" "$k" "$kopt" "$defoptions"
		[ ! -f "/boot/initrd.img-$v" ] || printf 'initrd\t\t/boot/initrd.img-%s\n' "$v"
		echo
		printf 'title\t\t%s, kernel %s %s)\nroot\t\t%s\nkernel\t\t%s %s %s\n' \
			"$title" "$v" "${alt%%)*}" "$groot" "$k" "$kopt" "${alt#*) }"
		[ ! -f "/boot/initrd.img-$v" ] || printf 'initrd\t\t/boot/initrd.img-%s\n' "$v"
		echo
	done
	sed -n '/^### END DEBIAN AUTOMAGIC KERNELS LIST/,$p' "$m"
} >"$m.new"
mv -f "$m.new" "$m"
EOF
}
legacy_guest() {
	local r=$1
	rm -f "$r/etc/default/grub" "$r/usr/sbin/update-grub" "$r/boot/grub/grub.cfg"
	mkdir -p "$r/boot/grub"
	fake_legacy_update_grub >"$r/usr/sbin/update-grub"
	chmod 755 "$r/usr/sbin/update-grub"
	echo "fake kernel" >"$r/boot/vmlinuz-$REL"
	echo "fake initrd" >"$r/boot/initrd.img-$REL"
	echo "fake kernel" >"$r/boot/vmlinuz-5.10.0-30-amd64"
	echo "fake xen" >"$r/boot/xen.gz"
	printf '%s\n' 'default		0' 'timeout		5' '' '### BEGIN AUTOMAGIC KERNELS LIST' \
		'## lines between the AUTOMAGIC KERNELS LIST markers will be modified' \
		'## by the debian update-grub script except for the default options below' \
		'' '## default kernel options for automagic boot options' \
		'# kopt=root=/dev/vda1 ro' '' '## default grub root device' '# groot=(hd0,0)' '' \
		'## additional options to use with the default boot option' '# defoptions=quiet' \
		'' '## alternative options' '# altoptions=(single-user mode) single' '' \
		'# title=Debian GNU/Linux' '' '## ## End Default Options ##' '' \
		'### END DEBIAN AUTOMAGIC KERNELS LIST' '' 'title		Memtest86' \
		'kernel		/boot/memtest86.bin' >"$r/boot/grub/menu.lst"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$r" /usr/sbin/update-grub </dev/null
}
# g7: GRUB legacy without a tool (an EL5-era menu.lst, no grubby): hvclock edits every kernel line
menulst_guest() {
	local r=$1
	rm -f "$r/etc/default/grub" "$r/usr/sbin/update-grub" "$r/boot/grub/grub.cfg"
	mkdir -p "$r/boot/grub"
	printf '%s\n' 'default=0' 'timeout=5' 'title CentOS (2.6.18-419.el5)' '	root (hd0,0)' \
		'	kernel /vmlinuz-2.6.18-419.el5 ro root=/dev/VolGroup00/LogVol00 rhgb quiet' \
		'	initrd /initrd-2.6.18-419.el5.img' 'title CentOS (2.6.18-398.el5)' \
		'	root (hd0,0)' \
		'	kernel /vmlinuz-2.6.18-398.el5 ro root=/dev/VolGroup00/LogVol00 rhgb quiet' \
		'	initrd /initrd-2.6.18-398.el5.img' 'title CentOS single user' '	root (hd0,0)' \
		'	kernel /vmlinuz-2.6.18-419.el5 ro root=/dev/VolGroup00/LogVol00 single' \
		'title Memtest86+' '	root (hd0,0)' '	kernel /memtest86+-1.65 console=ttyS0' \
		>"$r/boot/grub/menu.lst"
}
legacy_guest "$G/g6" || bail "the fake grub-legacy update-grub does not run in g6"
menulst_guest "$G/g7"

export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock" HVCLOCK_CONFIG=/dev/null
HV() { run_hvclock -c "$FLEET" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" \
	--no-agent --connect-timeout 60 --parallel 4 "$@"; }
P=(--profile kvm-modern-tsc-unstable)
manifest() { (cd "$G" && find . -path '*/dev' -prune -o -type f -print0 | sort -z |
	xargs -0 sha256sum) >"$1"; }
check_json() { # NAME PYTHON (d = JSON document, g = guests by name, b = their boot loader action)
	if python3 - "$TMP/out.json" "$2" 2>"$TMP/py.err" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["name"]: x for x in d["guests"]}
b = {n: next((a for a in x["actions"] if a["kind"] == "guest-bootloader"), None) for n, x in g.items()}
CS = "clocksource=kvm-clock"
exec(sys.argv[2])
PY
		ok "$1"
	else
		not_ok "$1"
		diag <"$TMP/py.err"
		head -c 2000 "$TMP/err" | diag
	fi
}
# linux lines of a guest's grub.cfg all carry $2 (the recovery entry too: GRUB_CMDLINE_LINUX)
cfg_has() { ! grep -E '^[[:space:]]*linux[[:space:]]' "$G/$1/boot/grub/grub.cfg" | grep -q -v -w -e "$2" &&
	grep -q -E '^[[:space:]]*linux[[:space:]].*'"$2" "$G/$1/boot/grub/grub.cfg"; }
CS=clocksource=kvm-clock

manifest "$TMP/m0"
cp -a "$G/g2/etc/default/grub" "$TMP/g2-default-grub"
cp -a "$G/g1/boot/grub/grub.cfg" "$TMP/g1-grub.cfg"

# --- plan ---
rc=0; HV plan "${P[@]}" --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan: g1 grub-mkconfig family, exact before/after" '
x = g["g1"]; a = b["g1"]
assert x["facts"]["bootloader"] == "grub-mkconfig", x["facts"]["bootloader"]
assert x["facts"]["bootloader_file"] == "/etc/default/grub", x["facts"]
assert a["target"] == "guest /etc/default/grub GRUB_CMDLINE_LINUX, then grub-mkconfig -o /boot/grub/grub.cfg", a["target"]
assert (a["before"], a["after"], a["state"]) == ("", "clocksource=kvm-clock", "pending"), a'
check_json "plan: g2 the grub.d override that wins is edited and named" '
x = g["g2"]; a = b["g2"]; f = x["facts"]
assert f["bootloader"] == "update-grub", f["bootloader"]
assert f["bootloader_file"] == "/etc/default/grub.d/60-site.cfg", f["bootloader_file"]
assert f["bootloader_default_file"] == "/etc/default/grub.d/50-cloudimg-settings.cfg", f
assert a["target"] == "guest /etc/default/grub.d/60-site.cfg GRUB_CMDLINE_LINUX, then update-grub", a["target"]
assert (a["before"], a["after"], a["state"]) == ("net.ifnames=0 clocksource=tsc", "net.ifnames=0 clocksource=kvm-clock", "pending"), a'
check_json "plan: g3 an override built from an expansion blocks, naming its file" '
a = b["g3"]
assert a["state"] == "blocked", a
assert "/etc/default/grub.d/40-append.cfg" in a["note"], a["note"]'
check_json "plan: g4 no tool: the reason names what was found and what is missing" '
a = b["g4"]
assert a["state"] == "blocked", a
assert "found /etc/default/grub, but no update-grub, grub-mkconfig or grub2-mkconfig" in a["note"], a["note"]'
check_json "plan: g5 grub-mkconfig without /boot/grub/grub.cfg blocks, saying so" '
a = b["g5"]
assert a["state"] == "blocked", a
assert "found /etc/default/grub and grub-mkconfig, but no /boot/grub/grub.cfg" in a["note"], a["note"]'
check_json "plan: g6 grub-legacy: kopt, exact before/after" '
x = g["g6"]; a = b["g6"]
assert x["facts"]["bootloader"] == "grub-legacy", x["facts"]["bootloader"]
assert a["target"] == "guest /boot/grub/menu.lst \x27# kopt=\x27, then update-grub (grub-legacy)", a["target"]
assert (a["before"], a["after"], a["state"]) == ("root=/dev/vda1 ro", "root=/dev/vda1 ro clocksource=kvm-clock", "pending"), a'
check_json "plan: g7 menu.lst alone: an item per kernel line, exact before/after of each" '
x = g["g7"]; a = b["g7"]
assert x["facts"]["bootloader"] == "menu-lst", x["facts"]["bootloader"]
assert a["target"] == "guest /boot/grub/menu.lst kernel lines (every entry)", a["target"]
m = "/boot/grub/menu.lst:"; v = "ro root=/dev/VolGroup00/LogVol00 "
assert a["before"] == f"{m}1: {v}rhgb quiet; {m}2: {v}rhgb quiet; {m}3: {v}single", a
assert a["after"] == f"{m}1: {v}rhgb quiet {CS}; {m}2: {v}rhgb quiet {CS}; {m}3: {v}single {CS}", a
assert a["state"] == "pending", a'
rc=0; HV plan "${P[@]}" g2 >"$TMP/out.txt" 2>"$TMP/err" || rc=$?
check "plan (text): g2's evidence names the winning file" \
	grep -q 'boot loader: GRUB_CMDLINE_LINUX wins in /etc/default/grub.d/60-site.cfg' "$TMP/out.txt"
manifest "$TMP/m0b"
check "plan changed no file in any guest" cmp -s "$TMP/m0" "$TMP/m0b"

# --- rollout ---
rc=0; HV rollout "${P[@]}" --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "rollout: g1, g2, g6 and g7 deferred to the next boot, g3-g5 not changed" '
for n in ("g1", "g2", "g6", "g7"):
    assert b[n]["result"] == "deferred", (n, b[n]["result"], b[n].get("result_message"))
for n in ("g3", "g4", "g5"):
    assert b[n]["result"] in ("skipped", "failed", "none"), (n, b[n])'
check "rollout g1: /etc/default/grub reads back the new value" \
	grep -q -x "GRUB_CMDLINE_LINUX=\"$CS\"" "$G/g1/etc/default/grub"
check "rollout g1: every linux line of the regenerated grub.cfg carries $CS" cfg_has g1 "$CS"
check "rollout g2: the winning override holds the new value" \
	grep -q -x "GRUB_CMDLINE_LINUX=\"net.ifnames=0 $CS\"" "$G/g2/etc/default/grub.d/60-site.cfg"
check "rollout g2: /etc/default/grub untouched" cmp -s "$TMP/g2-default-grub" "$G/g2/etc/default/grub"
check "rollout g2: grub.cfg's linux lines carry $CS and not clocksource=tsc" \
	eval "cfg_has g2 '$CS' && ! grep -q 'clocksource=tsc' '$G/g2/boot/grub/grub.cfg'"
check "rollout g6: the kopt line holds the new value" \
	grep -q -x "# kopt=root=/dev/vda1 ro $CS" "$G/g6/boot/grub/menu.lst"
check "rollout g6: update-grub rewrote every automagic kernel line with it" \
	eval "[ \$(grep -c -E '^kernel.*/boot/vmlinuz-.* root=/dev/vda1 ro $CS( |\$)' '$G/g6/boot/grub/menu.lst') = 4 ]"
check "rollout g6: the Xen entry's hypervisor line untouched, dom0's module line has $CS" \
	eval "grep -q -x 'kernel		/boot/xen.gz' '$G/g6/boot/grub/menu.lst' &&
	grep -q -E '^module.*/boot/vmlinuz-$REL root=/dev/vda1 ro $CS quiet\$' '$G/g6/boot/grub/menu.lst'"
check "rollout g6: the entry outside the automagic section untouched" \
	grep -q -x "kernel		/boot/memtest86.bin" "$G/g6/boot/grub/menu.lst"
check "rollout g7: all three Linux kernel lines carry $CS, the rest (memtest) as before" \
	eval "[ \$(grep -c -E 'kernel /vmlinuz-.* $CS\$' '$G/g7/boot/grub/menu.lst') = 3 ] &&
	[ \$(wc -l <'$G/g7/boot/grub/menu.lst') = 16 ] &&
	grep -q -x '	kernel /memtest86+-1.65 console=ttyS0' '$G/g7/boot/grub/menu.lst'"
manifest "$TMP/m1"

# --- idempotent ---
rc=0; HV plan "${P[@]}" --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan again: g1, g2, g6 and g7 have nothing to change (waiting for the reboot)" '
for n in ("g1", "g2", "g6", "g7"):
    assert b[n]["state"] in ("in-place", "waiting-power-cycle"), (n, b[n]["state"])
    assert b[n]["before"] == b[n]["after"], b[n]'
rc=0; HV rollout "${P[@]}" --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
manifest "$TMP/m2"
check "second rollout: no file in any guest changed" cmp -s "$TMP/m1" "$TMP/m2"

# --- rollback ---
rc=0; HV rollback --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "rollback: g1, g2, g6 and g7 restored" '
for n in ("g1", "g2", "g6", "g7"):
    assert g[n]["result"] == "applied", (n, g[n]["result"], g[n].get("result_message"))'
manifest "$TMP/m3"
if cmp -s "$TMP/m0" "$TMP/m3"; then
	ok "rollback: every file of every guest as before, byte for byte (grub.cfg regenerated)"
else
	not_ok "rollback: files differ"
	diff "$TMP/m0" "$TMP/m3" | head -20 | diag
	diff "$TMP/g1-grub.cfg" "$G/g1/boot/grub/grub.cfg" | head -20 | diag
fi
check "rollback: hvclock's guest directories removed" \
	eval "(for i in 1 2 6 7; do [ ! -e '$G'/g\$i/var/lib/hvclock ] || exit 1; done)"

# --- menu-lst: a kernel line changed since the plan is stale, nothing changed ---
# apply.sh as hvclock sends it, with a data block planned from other values
sim_guest_assemble "$top/templates/guest/apply.sh" >"$TMP/apply.asm"
g7_apply() { { printf 'mode apply\nbootloader menu-lst\n' && cat; } | sim_guest_run "$TMP/apply.asm" "$g7_port"; }
g7_port=$("$here/simfleet.sh" inventory | awk '$1 == "g7" { print $3 }')
m=/boot/grub/menu.lst
v="ro root=/dev/VolGroup00/LogVol00"
g7_apply >"$TMP/stale" 2>&1 <<EOF || :
boot-item-old $m:1 $v rhgb quiet
boot-item-new $m:1 $v rhgb quiet $CS
boot-item-old $m:2 $v quiet
boot-item-new $m:2 $v quiet $CS
boot-item-old $m:3 $v single
boot-item-new $m:3 $v single $CS
EOF
check "g7: a kernel line whose arguments changed since the plan is stale" \
	grep -q "^result bootloader stale $m:2 " "$TMP/stale"
g7_apply >"$TMP/stale2" 2>&1 <<EOF || :
boot-item-old $m:1 $v rhgb quiet
boot-item-new $m:1 $v rhgb quiet $CS
boot-item-old $m:2 $v rhgb quiet
boot-item-new $m:2 $v rhgb quiet $CS
EOF
check "g7: a kernel line added since the plan is stale" \
	grep -q "^result bootloader stale the menu-lst boot loader's command lines are not" "$TMP/stale2"
manifest "$TMP/m4"
check "g7: and nothing changed" cmp -s "$TMP/m0" "$TMP/m4"

# --- menu-lst with a Xen entry: its kernel line is the hypervisor's, blocked ---
printf '%s\n' 'title CentOS Xen (2.6.18-419.el5xen)' '	root (hd0,0)' \
	'	kernel /xen.gz-2.6.18-419.el5 dom0_mem=1024M' \
	'	module /vmlinuz-2.6.18-419.el5xen ro root=/dev/VolGroup00/LogVol00' \
	'	module /initrd-2.6.18-419.el5xen.img' >>"$G/g7/boot/grub/menu.lst"
rc=0; HV plan "${P[@]}" --json g7 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan: g7 menu.lst with a Xen entry blocks, saying so" '
a = b["g7"]
assert a["state"] == "blocked", a
assert "Xen entries in /boot/grub/menu.lst" in a["note"], a["note"]'

# --- menu-lst with 33 kernel lines: blocked, counted (none silently dropped) ---
for i in $(seq 1 33); do
	printf 'title k%s\n\tkernel /vmlinuz-2.6.18-%s.el5 ro root=/dev/vda1\n' "$i" "$i"
done >"$G/g7/boot/grub/menu.lst"
rc=0; HV plan "${P[@]}" --json g7 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan: g7 menu.lst with 33 kernel lines blocks, naming the count" '
a = b["g7"]
assert a["state"] == "blocked", a
assert "/boot/grub/menu.lst has 33 kernel lines (hvclock edits at most 32)" in a["note"], a["note"]'

tap_done
