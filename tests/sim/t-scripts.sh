#!/bin/bash
# t-scripts.sh: the guest scripts in simulated guests over real ssh: inspect, apply x2, rollback.
#
# Starts a small tier-1 lab (tests/sim/simfleet.sh: one guest of each healthy kind plus a few
# fault kinds), feeds templates/guest/{inspect,apply}.sh with a data block to "/bin/sh -s" over
# OpenSSH, and checks the reports and the guest trees: the second apply reports in-place and
# changes no byte, the rollback restores every file byte for byte. This tests the scripts, not
# hvclock's transport. Env: HVC_TEST_SIM_DIR (lab directory; its parents must be root-owned and
# not group/world-writable, else a directory under /run is used).
set -eu
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
simfleet=$here/simfleet.sh
inspect_sh=$top/templates/guest/inspect.sh
apply_sh=$top/templates/guest/apply.sh

. "$top/tests/lib/tap.sh"
. "$here/guestrun.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (chroot guests behind sshd)"
[ -x /usr/sbin/sshd ] || skip_all "no /usr/sbin/sshd (openssh-server)"
command -v ssh >/dev/null || skip_all "no ssh (openssh-client)"
[ -x /bin/dash ] || skip_all "no /bin/dash"
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	skip_all "no static /bin/busybox (busybox-static)"
fi

chain_ok() {
	local p=$1
	while :; do
		[ -e "$p" ] || return 1
		[ "$(stat -c %u "$p")" = 0 ] || return 1
		case "$(stat -c %A "$p")" in ?????w???? | ????????w?) return 1 ;; esac
		[ "$p" = / ] && return 0
		p=$(dirname "$p")
	done
}

made=
SIM=${HVC_TEST_SIM_DIR:-}
if [ -z "$SIM" ] || ! chain_ok "$(dirname "$(realpath -m "$SIM")")"; then
	SIM=$(mktemp -d /run/hvclock-t-scripts.XXXXXX 2>/dev/null) || skip_all "no usable lab directory"
	chmod 755 "$SIM"
	made=$SIM
	chain_ok "$SIM" || skip_all "no lab directory with a root-owned parent chain"
fi
export SIM
KINDS="el6-kvm xenlinux-pv modern-kvm modern-xen-pv el7-kvm-grubby sles-kvm-mkconfig"
export SIM_KINDS="$KINDS ro-sysfs hostile-output huge-output binary-output"

cleanup() {
	"$simfleet" stop >/dev/null 2>&1 || true
	[ -z "$made" ] || rm -rf "$made"
}
trap cleanup EXIT

started=
for _ in 1 2 3 4 5; do
	base=$((10000 + RANDOM % 20000)) # below the ephemeral range
	if "$simfleet" start 10 "$base" >"$SIM.start.log" 2>&1; then
		started=1
		break
	fi
	grep -q "in use" "$SIM.start.log" || break
done
if [ -z "$started" ]; then
	diag <"$SIM.start.log"
	rm -f "$SIM.start.log"
	bail "the lab did not start"
fi
rm -f "$SIM.start.log"
G=$SIM/guests
CS=sys/devices/system/clocksource/clocksource0
dropin_head="# Written by hvclock; 'hvclock rollback' restores what was here before."

# run SCRIPT PORT: the script + the data block from stdin, over ssh, as hvclock sends it
run() {
	local asm
	asm=$out/asm.$(basename "$1")
	# assembled once per script: the rows below run it a few hundred times
	[ -s "$asm" ] || sim_guest_assemble "$1" >"$asm"
	sim_guest_run "$asm" "$2"
}

# Every file's path, type, mode, link target and content hash (not /dev, not times).
manifest() {
	(
		cd "$1"
		find . -path ./dev -prune -o -printf '%p %y %m %l\n' | LC_ALL=C sort
		find . -path ./dev -prune -o -type f -print0 | xargs -0 sha256sum |
			LC_ALL=C sort -k2
	) | sha256sum
}

# A report is printable ASCII, lines of at most 4096 bytes, at most 1 MiB, "MAGIC 1" ... "end".
well_formed() { # FILE MAGIC
	[ "$(head -n 1 "$1")" = "$2 1" ] && [ "$(tail -n 1 "$1")" = end ] &&
		[ "$(wc -c <"$1")" -le 1048576 ] && ! LC_ALL=C grep -q '[^ -~]' "$1" &&
		awk 'length($0) > 4096 { exit 1 }' "$1" &&
		[ "$(grep -c '^log ' "$1")" -le 200 ]
}

has() { # FILE LINE
	grep -qxF "$2" "$1"
}

rows_bin=${HVC_CMDLINE_ROWS:-}
[ -x "$rows_bin" ] || skip_all "no cmdline-rows helper (HVC_CMDLINE_ROWS, built by meson)"

# The value of "KEY VALUE" in a report ("-" if the line is absent).
report_value() { # FILE KEY
	awk -v k="$2" '$1 == k { print substr($0, length(k) + 2); f = 1 } END { if (!f) print "-" }' "$1"
}

# The boot loader lines the host sends for an edit, computed by core/cmdline.c from what the
# inspect report (FILE) says the boot loader holds.
boot_data() { # INSPECT-REPORT SETS REMOVES
	local bl
	bl=$(report_value "$1" bootloader)
	case $bl in grubby | grub2-mkconfig | grub-mkconfig) ;; *) bl=grub ;; esac
	"$rows_bin" --data "$bl" "$(report_value "$1" bootloader-args)" \
		"$(report_value "$1" bootloader-default-args)" "$2" "$3" | tail -n +2
}

# The data block for a kind: what a plan for it would carry (boot values from its inspect report).
apply_data() { # KIND MODE INSPECT-REPORT
	echo "mode $2"
	# every healthy kind has a boot loader hvclock can edit
	if [ "$2" = apply ]; then
		boot_data "$3" clocksource=tsc,tsc=reliable notsc
	else
		echo bootloader
	fi
	case $1 in
	xenlinux-pv)
		# its boot reads only /etc/sysctl.conf (inspect: sysctl-boot sysctl.conf)
		[ "$2" != apply ] || echo "sysctl-persist sysctl.conf"
		echo "sysctl xen.independent_wallclock 1"
		echo "clocksource jiffies"
		;;
	*)
		echo "sysctl kernel.panic 5"
		echo "sysctl kernel.printk 3"
		echo "clocksource hpet acpi_pm tsc"
		;;
	esac
	echo timesync
}

out=$(mktemp -d)
trap 'cleanup; rm -rf "$out"' EXIT

while read -r g _ port kind; do
	case " $KINDS " in *" $kind "*) ;; *) continue ;; esac
	d=$G/$g
	i1=$out/$g.inspect i2=$out/$g.inspect2 a1=$out/$g.apply1 a2=$out/$g.apply2
	r1=$out/$g.rollback1 r2=$out/$g.rollback2
	m0=$(manifest "$d")

	# --- inspect ---
	printf 'sysctl kernel.panic\nsysctl xen.independent_wallclock\n' |
		run "$inspect_sh" "$port" >"$i1" 2>"$out/$g.err" || true
	check "$kind: inspect report is well formed" well_formed "$i1" hvclock-inspect
	check "$kind: inspect reports the kernel release" \
		has "$i1" "kernel-release $(cat "$d/proc/sys/kernel/osrelease")"
	check "$kind: inspect reports the clocksources" \
		has "$i1" "clocksource-current $(cat "$d/$CS/current_clocksource")"
	case $kind in
	xenlinux-pv)
		check "$kind: independent_wallclock present" \
			has "$i1" "independent-wallclock present 0"
		check "$kind: its boot reads only /etc/sysctl.conf (rc.sysinit)" \
			has "$i1" "sysctl-boot sysctl.conf /etc/rc.d/rc.sysinit"
		check "$kind: empty dmesg falls back to kern.log" \
			has "$i1" "log-source kern.log"
		want_bl=grubby
		;;
	el6-kvm)
		check "$kind: its boot reads /etc/sysctl.d (apply_sysctl)" \
			has "$i1" "sysctl-boot sysctl.d /etc/rc.d/init.d/functions"
		check "$kind: ntpd found through /proc/PID/stat" \
			has "$i1" "timesync ntpd active"
		want_bl=grubby
		;;
	modern-kvm | modern-xen-pv) want_bl=update-grub ;;
	el7-kvm-grubby) want_bl=grubby ;;
	sles-kvm-mkconfig) want_bl=grub2-mkconfig ;;
	esac
	check "$kind: boot loader is $want_bl" has "$i1" "bootloader $want_bl"
	check "$kind: inspect changed nothing" test "$(manifest "$d")" = "$m0"

	# --- apply, twice ---
	apply_data "$kind" apply "$i1" | run "$apply_sh" "$port" >"$a1" 2>&1 || true
	check "$kind: apply report is well formed" well_formed "$a1" hvclock-apply
	case $kind in
	xenlinux-pv)
		check "$kind: sysctl applied" \
			grep -q '^result sysctl xen.independent_wallclock applied' "$a1"
		check "$kind: live value set" \
			test "$(cat "$d/proc/sys/xen/independent_wallclock")" = 1
		check "$kind: the key is the last line of hvclock's block in /etc/sysctl.conf" \
			test "$(tail -n 2 "$d/etc/sysctl.conf")" = \
			"$(printf '%s\n' 'xen.independent_wallclock = 1' '# END hvclock')"
		check "$kind: switched to jiffies" \
			has "$a1" "result clocksource applied jiffies (was xen)"
		;;
	*)
		check "$kind: sysctls applied" has "$a1" "result sysctl kernel.panic applied"
		check "$kind: drop-in written" test "$(cat "$d/etc/sysctl.d/90-hvclock.conf")" = \
			"$(printf '%s\n' "$dropin_head" "kernel.panic = 5" "kernel.printk = 3")"
		check "$kind: live sysctl set" test "$(cat "$d/proc/sys/kernel/panic")" = 5
		want_cs=$(tr ' ' '\n' <"$d/$CS/available_clocksource" |
			grep -m 1 -x -e hpet -e acpi_pm || echo tsc)
		check "$kind: live clocksource switched to $want_cs" \
			test "$(cat "$d/$CS/current_clocksource")" = "$want_cs"
		;;
	esac
	case $want_bl in
	update-grub | grub2-mkconfig)
		check "$kind: boot loader deferred" grep -q '^result bootloader deferred' "$a1"
		check "$kind: GRUB_CMDLINE_LINUX set, quiet kept in _DEFAULT" \
			grep -qx 'GRUB_CMDLINE_LINUX="clocksource=tsc tsc=reliable"' \
			"$d/etc/default/grub"
		check "$kind: grub.cfg regenerated" \
			grep -qs 'ro clocksource=tsc tsc=reliable quiet' \
			"$d/boot/grub/grub.cfg" "$d/boot/grub2/grub.cfg"
		;;
	grubby)
		check "$kind: boot loader deferred" grep -q '^result bootloader deferred' "$a1"
		check "$kind: every entry has the parameters" \
			test "$(grep -l 'options .* clocksource=tsc tsc=reliable$' \
				"$d"/boot/loader/entries/*.conf | wc -l)" = 2
		;;
	esac
	check "$kind: timesync checked" grep -q '^result timesync ' "$a1"
	m1=$(manifest "$d")
	check "$kind: state recorded" test -f "$d/var/lib/hvclock/state"

	# a second plan, from what the guest holds now
	printf 'sysctl kernel.panic\n' | run "$inspect_sh" "$port" >"$i1.again" 2>&1 || true
	apply_data "$kind" apply "$i1.again" | run "$apply_sh" "$port" >"$a2" 2>&1 || true
	check "$kind: second apply is well formed" well_formed "$a2" hvclock-apply
	# every step in-place, except those that failed the first time for a reason of the guest's
	bad=$(grep '^result ' "$a2" |
		grep -v -e '^result [a-z]*\( [a-z0-9_.]*\)\? in-place' \
			-e 'failed no time sync daemon' || true)
	check "$kind: second apply is all in-place" test -z "$bad"
	[ -z "$bad" ] || echo "$bad" | diag
	check "$kind: second apply changed no byte" test "$(manifest "$d")" = "$m1"

	printf 'sysctl kernel.panic\n' | run "$inspect_sh" "$port" >"$i2" 2>&1 || true
	check "$kind: inspect sees hvclock's state" has "$i2" "state present"

	# --- rollback, twice ---
	apply_data "$kind" rollback "$i1" | run "$apply_sh" "$port" >"$r1" 2>&1 || true
	check "$kind: rollback report is well formed" well_formed "$r1" hvclock-apply
	check "$kind: rollback restored" grep -q '^result restore applied' "$r1"
	check "$kind: rollback restored every file byte for byte" test "$(manifest "$d")" = "$m0"
	apply_data "$kind" rollback "$i1" | run "$apply_sh" "$port" >"$r2" 2>&1 || true
	check "$kind: second rollback has nothing to do" \
		grep -q '^result restore in-place' "$r2"
	check "$kind: second rollback changed no byte" test "$(manifest "$d")" = "$m0"
done <"$SIM/state/inventory"

# --- refusals and faults ---
port_of() { awk -v k="$1" '$4 == k { print $3; exit }' "$SIM/state/inventory"; }
dir_of() { echo "$G/$(awk -v k="$1" '$4 == k { print $1; exit }' "$SIM/state/inventory")"; }

p=$(port_of modern-kvm)
d=$(dir_of modern-kvm)
m0=$(manifest "$d")
# shellcheck disable=SC2016 # the point: text a shell would expand
printf 'mode apply\nbootloader update-grub\nboot-old\nboot-new a=$(touch /tmp/pwned)\nsysctl kernel.panic 7\n' |
	run "$apply_sh" "$p" >"$out/refuse" 2>&1 || true
check "a data block with a shell expansion is refused whole" \
	has "$out/refuse" "error invalid data line: kernel command line"
check "a refused data block changes nothing" test "$(manifest "$d")" = "$m0"
check "nothing ran from the data block" test ! -e "$d/tmp/pwned"
printf 'mode apply\nreboot now\n' | run "$apply_sh" "$p" >"$out/refuse2" 2>&1 || true
check "an unknown directive is refused" has "$out/refuse2" "error invalid data line"

# quoting hvclock does not edit: refused, file untouched
cp -p "$d/etc/default/grub" "$out/grub.orig"
# shellcheck disable=SC2016
printf 'GRUB_CMDLINE_LINUX="$EXTRA ro"\n' >>"$d/etc/default/grub"
m0=$(manifest "$d")
printf 'mode apply\nbootloader update-grub\nboot-old\nboot-new clocksource=tsc\nboot-default-old quiet\nboot-default-new quiet\n' |
	run "$apply_sh" "$p" >"$out/quoting" 2>&1 || true
check "an expansion in GRUB_CMDLINE_LINUX is not edited" \
	grep -q '^result bootloader failed .*quoting' "$out/quoting"
check "and the guest is unchanged" test "$(manifest "$d")" = "$m0"
cp -p "$out/grub.orig" "$d/etc/default/grub"

# The sysctl files a systemd guest's boot reads (facts; the host orders them): every file of
# the five sysctl.d directories in listing order, with a symlink's target (Debian's
# 99-sysctl.conf, a /dev/null mask), and each assignment of a requested key, as systemd-sysctl
# reads it ("kernel/panic" is "kernel.panic"); a name a report line cannot carry is left out.
p=$(port_of modern-kvm)
d=$(dir_of modern-kvm)
[ -f "$d/etc/sysctl.conf" ] && cp -p "$d/etc/sysctl.conf" "$out/sysctl.conf.orig"
mkdir -p "$d/etc/sysctl.d" "$d/run/sysctl.d" "$d/usr/lib/sysctl.d"
printf '# admin\nkernel.panic=9\n kernel/panic = 8 \n' >"$d/etc/sysctl.conf"
ln -s ../sysctl.conf "$d/etc/sysctl.d/99-sysctl.conf"
ln -s /dev/null "$d/etc/sysctl.d/95-mask.conf"
printf 'kernel.printk = 4\n' >"$d/etc/sysctl.d/10-other.conf"
printf 'kernel.panic = 3\n' >"$d/etc/sysctl.d/odd name.conf"
printf 'kernel.panic = 2\n' >"$d/run/sysctl.d/96-run.conf"
printf '\n; vendor\nkernel.panic = 1\n' >"$d/usr/lib/sysctl.d/95-mask.conf"
printf 'sysctl kernel.panic\n' | run "$inspect_sh" "$p" >"$out/sysctlfiles" 2>&1 || true
cat >"$out/sysctlfiles.want" <<'WANT'
sysctl-file /etc/sysctl.d/10-other.conf
sysctl-file /etc/sysctl.d/95-mask.conf /dev/null
sysctl-file /etc/sysctl.d/99-sysctl.conf /etc/sysctl.conf
sysctl-set /etc/sysctl.d/99-sysctl.conf 2 kernel.panic 9
sysctl-set /etc/sysctl.d/99-sysctl.conf 3 kernel.panic 8
sysctl-file /run/sysctl.d/96-run.conf
sysctl-set /run/sysctl.d/96-run.conf 1 kernel.panic 2
sysctl-file /usr/lib/sysctl.d/95-mask.conf
sysctl-set /usr/lib/sysctl.d/95-mask.conf 3 kernel.panic 1
WANT
check "sysctl.d files and their assignments of the requested keys, in listing order" \
	cmp -s "$out/sysctlfiles.want" <(grep '^sysctl-\(file\|set\) ' "$out/sysctlfiles")
grep '^sysctl-\(file\|set\) ' "$out/sysctlfiles" | diff "$out/sysctlfiles.want" - | diag
check "and the report says systemd-sysctl reads them" \
	has "$out/sysctlfiles" "sysctl-boot sysctl.d /usr/lib/systemd/systemd-sysctl"
rm -f "$d/etc/sysctl.d/99-sysctl.conf" "$d/etc/sysctl.d/95-mask.conf" \
	"$d/etc/sysctl.d/10-other.conf" "$d/etc/sysctl.d/odd name.conf" \
	"$d/run/sysctl.d/96-run.conf" "$d/usr/lib/sysctl.d/95-mask.conf" "$d/etc/sysctl.conf"
[ ! -f "$out/sysctl.conf.orig" ] || cp -p "$out/sysctl.conf.orig" "$d/etc/sysctl.conf"

p=$(port_of ro-sysfs)
printf 'mode apply\nclocksource acpi_pm\n' | run "$apply_sh" "$p" >"$out/ro" 2>&1 || true
check "a refused clocksource write is reported" \
	grep -q '^result clocksource failed .*refused' "$out/ro"
printf 'mode rollback\n' | run "$apply_sh" "$p" >"$out/ro2" 2>&1 || true
check "and its rollback has nothing to put back" grep -q '^result restore in-place' "$out/ro2"

# The kernel withdraws the clocksource the guest ran on before hvclock's switch (it marks tsc
# unstable under host load): the rollback restores every file, says the live clocksource waits
# for the next boot, and removes its state; it does not fail on what no write can bring back.
p=$(port_of modern-kvm)
d=$(dir_of modern-kvm)
csd=$d/$CS
cs0=$(cat "$csd/current_clocksource")
av0=$(cat "$csd/available_clocksource")
m0=$(manifest "$d")
printf 'sysctl kernel.panic\n' | run "$inspect_sh" "$p" >"$out/wd.i" 2>&1 || true
apply_data modern-kvm apply "$out/wd.i" | run "$apply_sh" "$p" >"$out/wd.a" 2>&1 || true
cs1=$(cat "$csd/current_clocksource")
check "withdrawn clocksource: the apply switched away from $cs0 (to $cs1)" \
	test "$cs1" != "$cs0" -a -n "$cs1"
echo "$av0" | tr ' ' '\n' | grep -vx "$cs0" | tr '\n' ' ' | sed 's/ $//' >"$csd/available_clocksource"
apply_data modern-kvm rollback "$out/wd.i" | run "$apply_sh" "$p" >"$out/wd.r" 2>&1 || true
check "withdrawn clocksource: its rollback reports the clocksource deferred to the next boot" \
	grep -q "^result clocksource deferred $cs0 is not offered in this boot any more" "$out/wd.r"
check "withdrawn clocksource: and the restore deferred, not failed" \
	grep -q '^result restore deferred files and sysctls restored; ' "$out/wd.r"
check "withdrawn clocksource: the live clocksource was left alone ($cs1)" \
	test "$(cat "$csd/current_clocksource")" = "$cs1"
check "withdrawn clocksource: hvclock's state is gone" test ! -e "$d/var/lib/hvclock"
echo "$av0" >"$csd/available_clocksource"
echo "$cs0" >"$csd/current_clocksource"
check "withdrawn clocksource: every file as before the apply" test "$(manifest "$d")" = "$m0"

for kind in hostile-output huge-output binary-output; do
	p=$(port_of "$kind")
	d=$(dir_of "$kind")
	printf 'sysctl kernel.panic\n' | run "$inspect_sh" "$p" >"$out/$kind" 2>&1 || true
	check "$kind: inspect report is well formed and bounded" \
		well_formed "$out/$kind" hvclock-inspect
	check "$kind: nothing ran from guest text" test ! -e "$d/tmp/pwned"
done

# --- every row of the C editor's table through the sim guests' boot loaders ---
# cmdline-rows writes each row as the host sends it (core/cmdline.c + the request builder):
# the guest, started from the row's input, must end with exactly the C result, and a second
# plan made from that result must be in place. Rows the plan refuses are listed, not run.
rows=$out/rows
mkdir -p "$rows"
check "cmdline rows: the C editor agrees with its own table and settles" "$rows_bin" "$rows"

# Put VALUE where LOADER keeps the default kernel command line (GRUB_CMDLINE_LINUX_DEFAULT
# back to "quiet").
set_boot() { # LOADER DIR VALUE
	local f
	case $1 in
	grubby)
		for f in "$2"/boot/loader/entries/*.conf; do
			V=$3 awk '$1 == "options" { print "options " ENVIRON["V"]; next } { print }' \
				"$f" >"$f.new" && mv -f "$f.new" "$f"
		done
		;;
	grub)
		V=$3 awk '/^GRUB_CMDLINE_LINUX=/ { print "GRUB_CMDLINE_LINUX=\"" ENVIRON["V"] "\""; next }
			/^GRUB_CMDLINE_LINUX_DEFAULT=/ { print "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\""; next }
			{ print }' "$2/etc/default/grub" >"$2/etc/default/grub.new" &&
			mv -f "$2/etc/default/grub.new" "$2/etc/default/grub"
		;;
	esac
}
# What LOADER holds now (for grub: GRUB_CMDLINE_LINUX, then GRUB_CMDLINE_LINUX_DEFAULT).
get_boot() { # LOADER DIR
	case $1 in
	grubby)
		sed -n 's/^options //p; s/^options$//p' \
			"$2/boot/loader/entries/$(sed -n 's/^saved_entry=//p' "$2/boot/grub2/grubenv").conf"
		;;
	grub)
		sed -n 's/^GRUB_CMDLINE_LINUX="\(.*\)"$/\1/p' "$2/etc/default/grub"
		sed -n 's/^GRUB_CMDLINE_LINUX_DEFAULT="\(.*\)"$/\1/p' "$2/etc/default/grub"
		;;
	esac
}
grubby_p=$(port_of el7-kvm-grubby) grubby_d=$(dir_of el7-kvm-grubby)
grub_p=$(port_of modern-kvm) grub_d=$(dir_of modern-kvm)
cp -p "$grub_d/etc/default/grub" "$out/grub.rows"
nrows=$(find "$rows" -name '*.grubby.name' | wc -l)
check "cmdline rows: every table row is there ($nrows)" test "$nrows" -ge 75
for ((i = 0; i < nrows; i++)); do
	name=$(cat "$rows/$i.grubby.name")
	why=
	ran=
	for bl in grubby grub; do
		r=$rows/$i.$bl
		if [ "$bl" = grubby ]; then p=$grubby_p d=$grubby_d; else p=$grub_p d=$grub_d; fi
		if [ -f "$r.blocked" ]; then
			echo "# row $i ($name) on $bl: refused by the plan: $(cat "$r.blocked")"
			continue
		fi
		ran="$ran${ran:+, }$bl"
		set_boot "$bl" "$d" "$(cat "$r.in")"
		run "$apply_sh" "$p" <"$r.data" >"$out/row" 2>&1 || true
		if ! grep -q '^result bootloader \(deferred\|in-place\)' "$out/row"; then
			why="$why $bl: $(grep '^result bootloader\|^error' "$out/row" || echo 'no result');"
			continue
		fi
		want=$(cat "$r.out")
		[ "$bl" = grubby ] || want=$(printf '%s\n%s' "$want" "$(cat "$r.default-out")")
		got=$(get_boot "$bl" "$d")
		if [ "$got" != "$want" ]; then
			why="$why $bl: holds '$got', C says '$want';"
			continue
		fi
		# a second plan from the result must be in place (the first run showed it if equal)
		cmp -s "$r.data" "$r.again" && continue
		run "$apply_sh" "$p" <"$r.again" >"$out/row" 2>&1 || true
		grep -q '^result bootloader in-place' "$out/row" ||
			why="$why $bl: second plan not in place: $(grep '^result bootloader' "$out/row");"
	done
	row="row $i ($name): ${ran:+exactly the C result in }${ran:-refused by the plan for both boot loaders}${why:+ -$why}"
	if [ -z "$why" ]; then ok "$row"; else not_ok "$row"; fi
done

# The guest changed since the plan: "stale", nothing changed.
set_boot grubby "$grubby_d" "ro quiet"
m0=$(manifest "$grubby_d")
printf 'mode apply\nbootloader grubby\nboot-old ro rhgb quiet\nboot-new ro rhgb quiet clocksource=tsc\nboot-grubby-add clocksource=tsc\n' |
	run "$apply_sh" "$grubby_p" >"$out/stale" 2>&1 || true
check "grubby: a value changed since the plan is reported stale" \
	grep -q "^result bootloader stale grubby's default" "$out/stale"
check "grubby: and nothing changed" test "$(manifest "$grubby_d")" = "$m0"
set_boot grub "$grub_d" "ro"
m0=$(manifest "$grub_d")
printf 'mode apply\nbootloader update-grub\nboot-old ro\nboot-new ro clocksource=tsc\nboot-default-old splash\nboot-default-new splash\n' |
	run "$apply_sh" "$grub_p" >"$out/stale" 2>&1 || true
check "grub: a _DEFAULT changed since the plan is reported stale" \
	grep -q '^result bootloader stale GRUB_CMDLINE_LINUX_DEFAULT' "$out/stale"
check "grub: and nothing changed" test "$(manifest "$grub_d")" = "$m0"
cp -p "$out/grub.rows" "$grub_d/etc/default/grub"

tap_done
