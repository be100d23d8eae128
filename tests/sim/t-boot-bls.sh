#!/bin/bash
# t-boot-bls.sh: hvclock with the guest boot loaders that keep a command line per file or line,
# one simulated EL6 guest (chroot behind real sshd; profile el6-kvm sets
# clocksource_failover=acpi_pm) per family, grubby taken out of each:
#   g1 bls              BLS entries (/boot/loader/entries/*.conf options) + /etc/kernel/cmdline
#   g2 systemd-boot     /etc/kernel/cmdline and the entries' options lines (the entries written
#                       at set-up by the REAL kernel-install of this machine's systemd 252,
#                       with its install.d plugins; hvclock runs no kernel-install)
#   g3 update-extlinux  Alpine's /etc/update-extlinux.conf default_kernel_opts + update-extlinux
#                       (a faithful fake: Alpine's writes one LABEL per /boot/vmlinuz-* with
#                       "APPEND root=$root modules=$modules $default_kernel_opts")
#   g4 extlinux         plain /boot/extlinux/extlinux.conf APPEND lines
#   g5 rpm-ostree       /run/ostree-booted + rpm-ostree (a faithful fake of `rpm-ostree kargs`:
#                       prints the kargs; --delete=KEY=VALUE removes that argument, a bare KEY
#                       its only value, an absent one is an error; --append appends; it keeps
#                       the deployment's kargs in /var/lib/sim-ostree/kargs)
#   g6 extlinux         two configs (/boot/extlinux/extlinux.conf and /boot/syslinux/syslinux.cfg):
#                       blocked, the reason names both
# plan (exact before/after) -> rollout (read back in the guests' files) -> plan (nothing to do)
# -> rollout again (no file changes) -> rollback (every file of every guest as before).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap.sh"

[ -x /usr/bin/kernel-install ] && [ -f /usr/lib/kernel/install.d/90-loaderentry.install ] ||
	skip_all "no /usr/bin/kernel-install (systemd)"
. "$here/lab.sh"
sim_lab_dir boot-bls

export SIM_KINDS="el6-kvm"
sim_lab_start 6 12000 1000
"$here/simfleet.sh" fleet-xml "$TMP/fleet.xml"
FLEET="test://$TMP/fleet.xml"
export HVCLOCK_STATE_DIR="$TMP/state" HVCLOCK_LOCK_FILE="$TMP/lock"
export HVCLOCK_CONFIG=/dev/null
HV() { run_hvclock -c "$FLEET" -i "$SIM/client/id_ed25519" --known-hosts "$SIM/client/known_hosts" \
	--no-agent --connect-timeout 60 --parallel 4 "$@"; }
manifest() { (cd "$SIM/guests" && find . -path '*/dev' -prune -o -type f -print0 | sort -z |
	xargs -0 sha256sum) >"$1"; }
check_json() { # NAME PYTHON (d = JSON document, g = guests by name, b = bootloader action)
	if python3 - "$TMP/out.json" "$2" 2>"$TMP/py.err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["name"]: x for x in d["guests"]}
b = {n: next((a for a in x["actions"] if a["kind"] == "guest-bootloader"), None) for n, x in g.items()}
exec(sys.argv[2])
PY
	then ok "$1"; else not_ok "$1"; sed 's/^/# /' "$TMP/py.err"; fi
}
OPTS="root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet"
ADD=clocksource_failover=acpi_pm
KV1=2.6.32-754.35.1.el6.x86_64 KV2=2.6.32-696.el6.x86_64
MID=0123456789abcdef0123456789abcdef

# What every converted guest loses: grubby (a link of its own: only this guest's goes).
strip() {
	rm -f "$1/usr/sbin/grubby"
	rm -rf "$1/boot/loader" "$1/boot/grub2"
}
mkexe() {
	mkdir -p "$(dirname "$1")"
	rm -f "$1"
	cat >"$1"
	chmod 755 "$1"
}

G1=$SIM/guests/g1 G2=$SIM/guests/g2 G3=$SIM/guests/g3 G4=$SIM/guests/g4
G5=$SIM/guests/g5 G6=$SIM/guests/g6

# g1: BLS entries without grubby (simfleet's el6-kvm entries stay), and /etc/kernel/cmdline.
rm -f "$G1/usr/sbin/grubby"
mkdir -p "$G1/etc/kernel"
echo "$OPTS" >"$G1/etc/kernel/cmdline"
# a second entry whose options differ: each line is computed on its own
sed -i 's/^options .*/options  root=\/dev\/vda1 ro quiet/' "$G1/boot/loader/entries/sim-3.10.0-957.el7.x86_64.conf"

# g2: systemd-boot: loader.conf, entry token = machine id, two installed kernels, the real
# kernel-install (POSIX sh in systemd 252) and its plugins; GNU stat (90-loaderentry uses %m).
strip "$G2"
mkdir -p "$G2/boot/loader" "$G2/boot/$MID" "$G2/etc/kernel" "$G2/usr/lib/kernel/install.d" \
	"$G2/usr/bin" "$G2/lib/modules"
printf 'timeout 3\n#console-mode keep\n' >"$G2/boot/loader/loader.conf"
echo "$MID" >"$G2/etc/machine-id"
echo "$OPTS" >"$G2/etc/kernel/cmdline"
for v in $KV1 $KV2; do
	mkdir -p "$G2/usr/lib/modules/$v"
	printf 'fake kernel image %s\n' "$v" >"$G2/usr/lib/modules/$v/vmlinuz"
done
cp /usr/bin/kernel-install "$G2/usr/bin/kernel-install"
cp /usr/lib/kernel/install.d/*.install "$G2/usr/lib/kernel/install.d/"
# GNU stat and install (busybox-static has no install applet; its stat has no %m), with their
# libraries; stat %m reads /proc/self/mountinfo: one root file system.
for c in stat install; do
	rm -f "$G2/bin/$c"
	cp "/usr/bin/$c" "$G2/bin/$c"
	for l in $(ldd "/usr/bin/$c" | awk '$3 ~ /^\// { print $3 }'); do
		[ -e "$G2/lib/x86_64-linux-gnu/${l##*/}" ] || cp "$l" "$G2/lib/x86_64-linux-gnu/"
	done
done
mkdir -p "$G2/proc/self"
echo "21 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw" >"$G2/proc/self/mountinfo"
for a in chown mountpoint; do ln -sf busybox "$G2/bin/$a"; done
for v in $KV1 $KV2; do
	chroot "$G2" /usr/bin/kernel-install add "$v" "/usr/lib/modules/$v/vmlinuz" </dev/null >&2 ||
		bail "kernel-install add $v failed in the systemd-boot guest"
done
[ -f "$G2/boot/loader/entries/$MID-$KV1.conf" ] || bail "kernel-install wrote no entry for $KV1"

# g3: Alpine update-extlinux (faithful fake of Alpine's syslinux package script).
strip "$G3"
printf '%s\n' '# Alpine update-extlinux configuration' 'root=UUID=1111-2222' \
	'modules=sd-mod,usb-storage,ext4' 'default_kernel_opts="quiet rootfstype=ext4"' \
	'# trailing comment' >"$G3/etc/update-extlinux.conf"
for v in lts virt; do printf 'kernel %s\n' "$v" >"$G3/boot/vmlinuz-$v"; done
mkexe "$G3/sbin/update-extlinux" <<'EOF'
#!/bin/sh
# Faithful fake of Alpine's update-extlinux: reads /etc/update-extlinux.conf (a shell
# fragment), writes /boot/extlinux.conf with one LABEL per /boot/vmlinuz-*.
set -eu
root= modules= default_kernel_opts= timeout=3
. /etc/update-extlinux.conf
out=/boot/extlinux.conf
{
	echo "# Generated by update-extlinux 6.04_pre1-r15"
	echo "DEFAULT menu.c32"
	echo "TIMEOUT $((timeout * 10))"
	for k in /boot/vmlinuz-*; do
		f=${k#/boot/vmlinuz-}
		echo "LABEL $f"
		echo "  MENU LABEL Linux $f"
		echo "  LINUX vmlinuz-$f"
		echo "  INITRD initramfs-$f"
		echo "  APPEND root=$root modules=$modules $default_kernel_opts"
	done
} >"$out.new"
mv -f "$out.new" "$out"
EOF
chroot "$G3" /sbin/update-extlinux </dev/null || bail "update-extlinux failed in g3"

# g4: a plain extlinux.conf, two APPEND lines (lower-case keyword and a tab in one).
strip "$G4"
mkdir -p "$G4/boot/extlinux"
printf '%s\n' 'DEFAULT linux' 'LABEL linux' '  KERNEL /vmlinuz' "  APPEND $OPTS" \
	'LABEL rescue' '  KERNEL /vmlinuz' '	append	root=/dev/vda1 single' >"$G4/boot/extlinux/extlinux.conf"

# g5: rpm-ostree (Fedora CoreOS).
strip "$G5"
mkdir -p "$G5/var/lib/sim-ostree"
echo "rw root=UUID=abcd clocksource_failover=hpet quiet" >"$G5/var/lib/sim-ostree/kargs"
: >"$G5/run/ostree-booted"
mkexe "$G5/usr/bin/rpm-ostree" <<'EOF'
#!/bin/sh
# Faithful fake of `rpm-ostree kargs` (only that verb): no option prints the kernel arguments
# of the booted deployment's successor; --delete=KEY=VALUE deletes that argument, a bare
# --delete=KEY the key's only value (an error if it has several or none); --append=ARG
# appends; deletes before appends, as rpm-ostree applies them.
set -eu
set -f
f=/var/lib/sim-ostree/kargs
[ "${1:-}" = kargs ] || { echo "error: only kargs is simulated" >&2; exit 1; }
shift
cur=$(cat "$f")
[ $# -gt 0 ] || { echo "$cur"; exit 0; }
for a in "$@"; do
	case $a in
	--delete=*)
		d=${a#--delete=} new= n=0
		for t in $cur; do
			case $d in *=*) m=$([ "$t" = "$d" ] && echo 1 || echo 0) ;;
			*) m=$([ "${t%%=*}" = "$d" ] && echo 1 || echo 0) ;; esac
			if [ "$m" = 1 ] && [ "$n" = 0 ]; then n=1; continue; fi
			new="$new $t"
		done
		[ "$n" = 1 ] || { echo "error: No karg '$d' found" >&2; exit 1; }
		cur=${new# }
		;;
	--append=*) ;;
	*) echo "error: unsupported option $a" >&2; exit 1 ;;
	esac
done
for a in "$@"; do
	case $a in --append=*) cur="$cur ${a#--append=}"; cur=${cur# } ;; esac
done
echo "$cur" >"$f.new"
mv -f "$f.new" "$f"
echo "Kernel arguments updated."
EOF

# g6: two extlinux/syslinux configs.
strip "$G6"
mkdir -p "$G6/boot/extlinux" "$G6/boot/syslinux"
printf '%s\n' 'LABEL l' "  APPEND $OPTS" >"$G6/boot/extlinux/extlinux.conf"
printf '%s\n' 'LABEL l' "  APPEND $OPTS" >"$G6/boot/syslinux/syslinux.cfg"

manifest "$TMP/m0"
cp "$G2/boot/loader/entries/$MID-$KV1.conf" "$TMP/g2-entry1"
(cd "$G2/boot" && find . -path ./loader/entries -prune -o -type f -print0 | sort -z |
	xargs -0 sha256sum) >"$TMP/g2-boot0"

# --- plan ---
rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
[ $rc -eq 1 ] && ok "plan: exit 1 (g6 is blocked)" || { not_ok "plan: exit $rc"; diag <"$TMP/err"; }
export OPTS ADD MID KV1 KV2
check_json "plan: each guest's family detected" '
want = {"g1": "bls", "g2": "systemd-boot", "g3": "update-extlinux", "g4": "extlinux",
        "g5": "rpm-ostree", "g6": "extlinux"}
for n, f in want.items():
    assert g[n]["facts"]["bootloader"] == f, (n, g[n]["facts"]["bootloader"])'
check_json "plan: bls: every entry and /etc/kernel/cmdline, exact before/after" '
import os
O, A = os.environ["OPTS"], os.environ["ADD"]
e1 = "/boot/loader/entries/sim-2.6.32-754.35.1.el6.x86_64.conf"
e2 = "/boot/loader/entries/sim-3.10.0-957.el7.x86_64.conf"
a = b["g1"]
assert a["state"] == "pending", a
assert a["before"] == f"{e1}: {O}; {e2}: root=/dev/vda1 ro quiet; /etc/kernel/cmdline: {O}", a["before"]
assert a["after"] == f"{e1}: {O} {A}; {e2}: root=/dev/vda1 ro quiet {A}; /etc/kernel/cmdline: {O} {A}", a["after"]'
check_json "plan: systemd-boot: each loader entry and /etc/kernel/cmdline, no kernel-install" '
import os
O, A, M = os.environ["OPTS"], os.environ["ADD"], os.environ["MID"]
e = [f"/boot/loader/entries/{M}-{os.environ[k]}.conf" for k in ("KV1", "KV2")]
e.sort()
a = b["g2"]
assert a["state"] == "pending" and "no kernel-install run" in a["target"], a
o = f"{O} systemd.machine_id={M}"
assert a["before"] == f"{e[0]}: {o}; {e[1]}: {o}; /etc/kernel/cmdline: {O}", a["before"]
assert a["after"] == f"{e[0]}: {o} {A}; {e[1]}: {o} {A}; /etc/kernel/cmdline: {O} {A}", a["after"]'
check_json "plan: update-extlinux: default_kernel_opts" '
a = b["g3"]
assert "update-extlinux" in a["target"], a
assert a["before"] == "/etc/update-extlinux.conf: quiet rootfstype=ext4", a
assert a["after"] == "/etc/update-extlinux.conf: quiet rootfstype=ext4 clocksource_failover=acpi_pm", a'
check_json "plan: extlinux: each APPEND line" '
import os
O, A = os.environ["OPTS"], os.environ["ADD"]
a = b["g4"]
c = "/boot/extlinux/extlinux.conf"
assert a["before"] == f"{c}:1: {O}; {c}:2: root=/dev/vda1 single", a
assert a["after"] == f"{c}:1: {O} {A}; {c}:2: root=/dev/vda1 single {A}", a'
check_json "plan: rpm-ostree: the exact kargs command" '
a = b["g5"]
assert a["target"] == "guest boot loader: rpm-ostree kargs --delete=clocksource_failover=hpet --delete=quiet --append=clocksource_failover=acpi_pm --append=quiet", a["target"]
assert a["before"] == "rpm-ostree: rw root=UUID=abcd clocksource_failover=hpet quiet", a
assert a["after"] == "rpm-ostree: rw root=UUID=abcd clocksource_failover=acpi_pm quiet", a'
check_json "plan: two extlinux configs: blocked, both named" '
a = b["g6"]
assert a["state"] == "blocked", a
assert "/boot/extlinux/extlinux.conf" in a["note"] and "/boot/syslinux/syslinux.cfg" in a["note"], a["note"]'

# --- rollout ---
rc=0; HV rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "rollout: the boot loader written and read back in g1..g5, deferred to the reboot" '
for n in ("g1", "g2", "g3", "g4", "g5"):
    assert b[n]["result"] == "deferred", (n, b[n])
assert b["g6"]["result"] != "deferred", b["g6"]'
f1=$G1/boot/loader/entries/sim-$KV1.conf
grep -qx "options root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet $ADD" "$f1" &&
	grep -qx "options  root=/dev/vda1 ro quiet $ADD" "$G1/boot/loader/entries/sim-3.10.0-957.el7.x86_64.conf" &&
	[ "$(cat "$G1/etc/kernel/cmdline")" = "$OPTS $ADD" ] &&
	ok "bls: both options lines (their spacing kept) and /etc/kernel/cmdline hold the new values" ||
	{ not_ok "bls: files"; cat "$f1" "$G1/etc/kernel/cmdline" | diag; }
ok2=yes
for v in $KV1 $KV2; do
	grep -qx "options    $OPTS systemd.machine_id=$MID $ADD" "$G2/boot/loader/entries/$MID-$v.conf" || ok2=no
done
[ "$ok2" = yes ] && [ "$(cat "$G2/etc/kernel/cmdline")" = "$OPTS $ADD" ] &&
	ok "systemd-boot: both entries' options lines and /etc/kernel/cmdline hold the new options" ||
	{ not_ok "systemd-boot: entries"; cat "$G2"/boot/loader/entries/*.conf | diag; }
diff <(sed "s/^options .*//" "$G2/boot/loader/entries/$MID-$KV1.conf") \
	<(sed "s/^options .*//" "$TMP/g2-entry1") >/dev/null &&
	cmp -s "$TMP/g2-boot0" <(cd "$G2/boot" && find . -path ./loader/entries -prune -o -type f -print0 |
		sort -z | xargs -0 sha256sum) &&
	ok "systemd-boot: no kernel-install run: the rest of each entry and every other file in /boot as before" ||
	{ not_ok "systemd-boot: /boot changed beyond the options lines"; ls -lR "$G2/boot" | diag; }
# the operator's next kernel-install (a kernel update) takes the options from /etc/kernel/cmdline
chroot "$G2" /usr/bin/kernel-install add "$KV2" "/usr/lib/modules/$KV2/vmlinuz" </dev/null >&2 &&
	grep -qx "options    $OPTS $ADD systemd.machine_id=$MID" "$G2/boot/loader/entries/$MID-$KV2.conf" &&
	ok "systemd-boot: a later kernel-install add writes an entry carrying the new options" ||
	{ not_ok "systemd-boot: later kernel-install"; cat "$G2"/boot/loader/entries/*.conf | diag; }
grep -qx 'default_kernel_opts="quiet rootfstype=ext4 clocksource_failover=acpi_pm"' "$G3/etc/update-extlinux.conf" &&
	[ "$(grep -c "APPEND root=UUID=1111-2222 modules=sd-mod,usb-storage,ext4 quiet rootfstype=ext4 $ADD\$" "$G3/boot/extlinux.conf")" = 2 ] &&
	ok "update-extlinux: default_kernel_opts set, update-extlinux's APPEND lines carry it" ||
	{ not_ok "update-extlinux: files"; cat "$G3/etc/update-extlinux.conf" "$G3/boot/extlinux.conf" | diag; }
grep -qx "  APPEND $OPTS $ADD" "$G4/boot/extlinux/extlinux.conf" &&
	grep -qx "	append	root=/dev/vda1 single $ADD" "$G4/boot/extlinux/extlinux.conf" &&
	ok "extlinux: both APPEND lines (keyword and blanks kept)" ||
	{ not_ok "extlinux: file"; diag <"$G4/boot/extlinux/extlinux.conf"; }
[ "$(cat "$G5/var/lib/sim-ostree/kargs")" = "rw root=UUID=abcd clocksource_failover=acpi_pm quiet" ] &&
	ok "rpm-ostree: kargs as planned" || { not_ok "rpm-ostree: kargs"; diag <"$G5/var/lib/sim-ostree/kargs"; }
manifest "$TMP/m1"

# --- plan again, rollout again ---
rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan after rollout: nothing to do" '
for n in ("g1", "g2", "g3", "g4", "g5"):
    assert g[n]["status"] in ("nothing-to-do", "waiting-power-cycle"), (n, g[n]["status"])'
# The live clocksource back on tsc (as after a reboot into the old kernel line): the plan has
# the boot loader action again, which must find its change already there.
for i in 1 2 3 4 5; do
	echo tsc >"$SIM/guests/g$i/sys/devices/system/clocksource/clocksource0/current_clocksource"
done
rc=0; HV plan --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan with tsc live again: each boot loader already holds the change (before == after)" '
for n in ("g1", "g2", "g3", "g4", "g5"):
    a = b[n]
    assert a is not None and a["state"] != "pending" and a["before"] == a["after"], (n, a)'
rc=0; HV rollout --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
manifest "$TMP/m2"
cmp -s "$TMP/m1" "$TMP/m2" && ok "second rollout: no file in any guest changed" ||
	{ not_ok "second rollout changed files"; diff "$TMP/m1" "$TMP/m2" | head -20 | diag; }

# --- rollback ---
rc=0; HV rollback --all-guests --json >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "rollback: every guest restored" '
for n in ("g1", "g2", "g3", "g4", "g5"):
    assert g[n]["result"] == "applied", (n, g[n]["result"], g[n]["result_message"])
    assert b[n] is None or b[n]["result"] == "applied", (n, b[n])'
manifest "$TMP/m3"
cmp -s "$TMP/m0" "$TMP/m3" && ok "rollback: every file of every guest byte-for-byte as before (created ones gone)" ||
	{ not_ok "rollback left differences"; diff "$TMP/m0" "$TMP/m3" | head -20 | diag; }

# --- the family changes between the inspection and the apply: stale, nothing changed ---
# g1 (bls) becomes systemd-boot when apply.sh has taken the lock (test hook): the same item
# IDs (its entries and /etc/kernel/cmdline), another family; the request names bls.
mkexe "$G1/run/hvclock-test-hook" <<'EOF'
#!/bin/sh
[ "$1" = apply-locked ] || exit 0
printf 'timeout 3\n' >/boot/loader/loader.conf
printf '#!/bin/sh\nexit 0\n' >/usr/bin/kernel-install
chmod 755 /usr/bin/kernel-install
EOF
rc=0; HV rollout --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "rollout: g1's boot loader became systemd-boot after the plan: stale" '
a = b["g1"]
assert a["result"] == "stale", a
assert "now systemd-boot, not bls as planned" in a["result_message"], a["result_message"]'
rm -f "${G1:?}/run/hvclock-test-hook" "$G1/boot/loader/loader.conf" "$G1/usr/bin/kernel-install"
rm -rf "${G1:?}/var/lib/hvclock"
manifest "$TMP/m5"
# (the other steps ran: the live clocksource in /sys is not compared)
cmp -s <(grep -v ' ./g1/sys/' "$TMP/m0") <(grep -v ' ./g1/sys/' "$TMP/m5") &&
	ok "g1: and no boot loader file changed" ||
	{ not_ok "g1: files changed"; diff "$TMP/m0" "$TMP/m5" | head -20 | diag; }

# --- a BLS entry name with ':' (the FILE:N shape of extlinux items): blocked, named ---
cp "$G1/boot/loader/entries/sim-$KV1.conf" "$G1/boot/loader/entries/sim:1.conf"
echo tsc >"$G1/sys/devices/system/clocksource/clocksource0/current_clocksource"
rc=0; HV plan --json g1 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "plan: g1 with a BLS entry named sim:1.conf blocks, saying why" '
a = b["g1"]
assert a["state"] == "blocked", a
assert "has a file name hvclock does not edit (blanks, \x27:\x27" in a["note"], a["note"]'
rm -f "$G1/boot/loader/entries/sim:1.conf"

# --- g3: update-extlinux writes /boot/extlinux.conf, then fails; a stale
# /etc/update-extlinux.conf.hvclock-old from an interrupted run is there: both files put back ---
mv "$G3/sbin/update-extlinux" "$G3/sbin/update-extlinux.real"
mkexe "$G3/sbin/update-extlinux" <<'EOF'
#!/bin/sh
/sbin/update-extlinux.real
exit 1
EOF
echo 'default_kernel_opts="stale copy"' >"$G3/etc/update-extlinux.conf.hvclock-old"
cp -p "$G3/etc/update-extlinux.conf" "$TMP/g3-uxl"
cp -p "$G3/boot/extlinux.conf" "$TMP/g3-xcfg"
echo tsc >"$G3/sys/devices/system/clocksource/clocksource0/current_clocksource"
rc=0; HV rollout --json g3 >"$TMP/out.json" 2>"$TMP/err" || rc=$?
check_json "rollout: g3's update-extlinux fails: failed, saying so" '
a = b["g3"]
assert a["result"] == "failed", a
assert "update-extlinux failed (exit 1)" in a["result_message"], a["result_message"]'
cmp -s "$TMP/g3-uxl" "$G3/etc/update-extlinux.conf" &&
	ok "g3: /etc/update-extlinux.conf put back from this run's copy, not the stale one" ||
	{ not_ok "g3: /etc/update-extlinux.conf"; diag <"$G3/etc/update-extlinux.conf"; }
cmp -s "$TMP/g3-xcfg" "$G3/boot/extlinux.conf" &&
	ok "g3: /boot/extlinux.conf (update-extlinux's output) put back" ||
	{ not_ok "g3: /boot/extlinux.conf"; diag <"$G3/boot/extlinux.conf"; }
check "g3: no .hvclock-old copy left" \
	eval "[ ! -e '$G3/etc/update-extlinux.conf.hvclock-old' ] && [ ! -e '$G3/boot/extlinux.conf.hvclock-old' ]"
mv -f "$G3/sbin/update-extlinux.real" "$G3/sbin/update-extlinux"
tap_done
