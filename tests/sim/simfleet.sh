#!/bin/bash
# simfleet.sh: simulated guests: chroots with a fake /proc and /sys, each behind its own real sshd.
#
#   SIM=DIR [SIM_KINDS="k1 k2 ..."] simfleet.sh start N [BASEPORT]
#       start guests g1..gN (kinds rotate through SIM_KINDS), guest i on 127.0.0.1:BASEPORT+i
#       (BASEPORT defaults to 2200; every port must be free). On a lab that is running, adds
#       N guests after the last one instead (g(M+1)..g(M+N) on BASEPORT+1..BASEPORT+N).
#       SIM_LISTEN=ADDR: the guests listen on ADDR, not 127.0.0.1 (an address in a network
#       namespace: tests/fleet/t-jump.sh runs this script there).
#   SIM=DIR simfleet.sh stop             kill the sshds and every process rooted in a guest,
#                                        undo mounts
#   SIM=DIR simfleet.sh inventory        "name host port kind" lines
#   SIM=DIR simfleet.sh fleet-xml OUT    a libvirt test-driver node file: one running persistent
#                                        domain per guest, with hvclock's address metadata
#   SIM=DIR simfleet.sh path-ok          exit 0 if DIR (it must exist) and every directory above
#                                        it pass sshd's ChrootDirectory rule, else say which not
#
# Files: DIR/client/id_ed25519(.pub) (the key every guest accepts for root), DIR/client/known_hosts
# ("[127.0.0.1]:PORT ssh-ed25519 ..." for every guest), DIR/guests/gN (the guest trees: read them
# from the host as the oracle), DIR/state (sshd configs, logs, pids, inventory).
#
# Healthy kinds (shared/testbed.md §1.3 plus two): el6-kvm, xenlinux-pv, modern-kvm (Debian,
# update-grub), modern-xen-pv (Debian, update-grub), el7-kvm-grubby (grubby over BLS-like entries),
# sles-kvm-mkconfig (grub2-mkconfig). Fault kinds (an el6-kvm guest with one fault): hung-banner,
# hung-cmd (sysctl and dmesg hang), hung-sysfs, ro-sysfs, hostile-output, bad-hostkey, noauth,
# closed, huge-output (dmesg prints 50 MB), binary-output (dmesg prints 4 MiB of random bytes),
# hostile-text and hostile-version (terminal escapes and invalid UTF-8 from the guest's sshd
# banners and stderr, or from a fake SSH server: see "Hostile text" below).
# Run as root. DIR and every parent must be root-owned and not group/world-writable (sshd's
# ChrootDirectory rule), so never under /tmp.
set -euo pipefail
umask 022

die() {
	echo "simfleet: $*" >&2
	exit 1
}

[ -n "${SIM:-}" ] || die "set SIM to the lab directory (root-owned chain, not under /tmp)"
SIM=$(realpath -m "$SIM")
ST=$SIM/state
GR=$SIM/guests
SH=$SIM/shared
CL=$SIM/client
HEALTHY="el6-kvm xenlinux-pv modern-kvm modern-xen-pv el7-kvm-grubby sles-kvm-mkconfig"
read -r -a KINDS <<<"${SIM_KINDS:-$HEALTHY}"
APPLETS="[ awk basename cat chmod cmp cp cut date dirname echo env expr false find grep head id
ln ls mkdir mktemp mv od printf readlink rm rmdir sed sha256sum sleep sort stat sysctl tail tee
test timeout touch tr true uniq wc xargs yes"

# sshd: "bad ownership or modes for chroot directory component"
chroot_path_ok() {
	local p=$1
	while :; do
		[ -e "$p" ] || die "$p does not exist"
		[ "$(stat -c %u "$p")" = 0 ] ||
			die "$p is not owned by root (sshd ChrootDirectory rule)"
		case "$(stat -c %A "$p")" in
		?????w???? | ????????w?)
			die "$p is group- or world-writable (sshd ChrootDirectory rule)"
			;;
		esac
		[ "$p" = / ] && return 0
		p=$(dirname "$p")
	done
}

# What each kind's fake kernel shows: release, available, current, cmdline, log lines.
kind_facts() {
	OSREL='' REDHAT='' XENWC='' TIMESYNC='' BOOT=none SYSCTLBOOT=systemd
	case $1 in
	el6-kvm | hung-* | ro-sysfs | hostile-output | bad-hostkey | noauth | closed | \
		huge-output | binary-output | hostile-text | hostile-version)
		REL=2.6.32-754.35.1.el6.x86_64 AVAIL="kvm-clock tsc hpet acpi_pm" CUR=tsc
		CMDLINE="ro root=/dev/vda1 console=ttyS0"
		REDHAT="CentOS release 6.10 (Final)"
		TIMESYNC=stat:ntpd BOOT=grubby SYSCTLBOOT=el6
		LOG="[2423264.824259] Clocksource tsc unstable (delta = 6824818792 ns).  Enable"
		LOG="$LOG clocksource failover by adding clocksource_failover kernel parameter."
		;;
	xenlinux-pv)
		REL=2.6.18-419.el5xen AVAIL="xen jiffies" CUR=xen CMDLINE="root=/dev/xvda1 ro"
		REDHAT="CentOS release 5.6 (Final)" XENWC=0 BOOT=grubby SYSCTLBOOT=el5
		LOG="clocksource/0: Time went backwards: delta=-118088543 shadow=1213418403585"
		LOG="$LOG offset=6244591"
		;;
	modern-kvm)
		REL=6.1.0-28-amd64 AVAIL="kvm-clock tsc acpi_pm" CUR=kvm-clock
		CMDLINE="BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1234 ro quiet"
		OSREL="Debian GNU/Linux 12 (bookworm)" TIMESYNC=comm:chronyd BOOT=update-grub
		LOG="[    0.452406] clocksource: Switched to clocksource kvm-clock"
		;;
	modern-xen-pv)
		REL=6.1.0-28-amd64 AVAIL="xen tsc" CUR=xen CMDLINE="root=/dev/xvda1 ro console=hvc0"
		OSREL="Debian GNU/Linux 12 (bookworm)" TIMESYNC=comm:systemd-timesyn
		BOOT=update-grub
		LOG="clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as"
		LOG="$LOG unstable because the skew is too large:"
		;;
	el7-kvm-grubby)
		REL=3.10.0-1160.el7.x86_64 AVAIL="kvm-clock tsc hpet acpi_pm" CUR=tsc
		CMDLINE="BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro"
		CMDLINE="$CMDLINE crashkernel=auto rhgb quiet"
		OSREL="CentOS Linux 7 (Core)" TIMESYNC=comm:chronyd BOOT=grubby
		LOG="[    2.113202] Measured 220 cycles TSC warp between CPUs, turning off TSC"
		LOG="$LOG clock."
		;;
	sles-kvm-mkconfig)
		REL=5.14.21-150500.55.65-default AVAIL="kvm-clock tsc hpet acpi_pm" CUR=kvm-clock
		CMDLINE="BOOT_IMAGE=/boot/vmlinuz-5.14.21-150500.55.65-default root=/dev/vda2"
		CMDLINE="$CMDLINE splash=silent"
		OSREL="SUSE Linux Enterprise Server 15 SP5" BOOT=grub2-mkconfig
		LOG="[    0.000000] clocksource: kvm-clock: mask: 0xffffffffffffffff"
		LOG="$LOG max_cycles: 0x1cd42e4dffb, max_idle_ns: 881590591483 ns"
		;;
	*)
		die "unknown kind '$1' (healthy: $HEALTHY; faults: hung-banner hung-cmd" \
			"hung-sysfs ro-sysfs hostile-output bad-hostkey noauth closed huge-output" \
			"binary-output hostile-text hostile-version)"
		;;
	esac
}

# The domain UUID of guest number $1 (gN), as fleet-xml writes it.
sim_uuid() {
	printf '5e1a0000-0000-4000-8000-%012d\n' "$1"
}

# Guest tree $1 of kind $2 reports UUID $3 as its own.
sim_guest_uuid() {
	local t=$1 kind=$2 u=$3
	case $kind in
	xenlinux-pv | modern-xen-pv)
		mkdir -p "$t/sys/hypervisor"
		echo "$u" >"$t/sys/hypervisor/uuid"
		;;
	*)
		mkdir -p "$t/sys/class/dmi/id"
		# SMBIOS before 2.6 (and kernels that do not convert): first three fields byte-swapped
		[ "$kind" != el6-kvm ] ||
			u=$(echo "$u" | sed -E 's/^(..)(..)(..)(..)-(..)(..)-(..)(..)/\4\3\2\1-\6\5-\8\7/')
		echo "$u" | tr a-f A-F >"$t/sys/class/dmi/id/product_uuid"
		chmod 400 "$t/sys/class/dmi/id/product_uuid"
		;;
	esac
}

# A small executable script at path $1 with body $2 (never through an applet symlink).
mkscript() {
	rm -f "$1"
	printf '#!/bin/sh\n%s\n' "$2" >"$1"
	chmod 755 "$1"
}

# What every guest shares (hardlinked): static busybox and its applets, dash as /bin/sh, libc.
mkcommon() {
	local c=$SH/common
	rm -rf "$c"
	mkdir -p "$c/bin" "$c/lib/x86_64-linux-gnu" "$c/lib64" "$c/usr/bin" "$c/usr/sbin" "$c/sbin"
	cp /bin/busybox "$c/bin/busybox"
	cp /bin/dash "$c/bin/sh" # not busybox sh: it runs applets (uname...) itself, past the fakes
	cp /lib/x86_64-linux-gnu/libc.so.6 "$c/lib/x86_64-linux-gnu/"
	cp /lib64/ld-linux-x86-64.so.2 "$c/lib64/"
	(cd "$c/bin" && for a in $APPLETS; do ln -s busybox "$a"; done)
	# sshd runs root's login shell from the host's passwd (/bin/bash) inside the chroot
	mkscript "$c/bin/bash" 'exec /bin/sh "$@"'
}

# The per-kind template: ro/ is hardlinked into every guest, rw/ is copied.
mkskel() {
	local kind=$1 sk=$SH/skel-$1 ro rw cs
	ro=$sk/ro rw=$sk/rw
	kind_facts "$kind"
	rm -rf "$sk"
	mkdir -p "$sk"
	cp -al "$SH/common" "$ro"
	mkscript "$ro/bin/uname" \
		"case \"\${1:-}\" in -r) echo $REL;; -m) echo x86_64;; *) echo Linux;; esac"
	mkscript "$ro/bin/dmesg" 'cat /var/log/kern.log'
	# an old guest whose ring buffer has wrapped: dmesg is empty, kern.log has the lines
	[ "$kind" != xenlinux-pv ] || mkscript "$ro/bin/dmesg" ':'

	mkdir -p "$rw/etc/sysctl.d" "$rw/etc/default" "$rw/proc/sys/kernel" "$rw/proc/sys/vm" \
		"$rw/proc/1" "$rw/sys/devices/system/clocksource/clocksource0" "$rw/var/log" \
		"$rw/var/lib" "$rw/root" "$rw/tmp" "$rw/dev" "$rw/run" "$rw/boot"
	chmod 1777 "$rw/tmp"
	mknod -m 666 "$rw/dev/null" c 1 3
	mknod -m 444 "$rw/dev/urandom" c 1 9
	cs=$rw/sys/devices/system/clocksource/clocksource0
	echo "$AVAIL" >"$cs/available_clocksource"
	echo "$CUR" >"$cs/current_clocksource"
	echo "$CMDLINE" >"$rw/proc/cmdline"
	echo "$REL" >"$rw/proc/sys/kernel/osrelease"
	echo 0 >"$rw/proc/sys/kernel/panic"
	echo 60 >"$rw/proc/sys/vm/swappiness"
	printf '4\t4\t1\t7\n' >"$rw/proc/sys/kernel/printk"
	echo "183211.42 365871.10" >"$rw/proc/uptime"
	printf '%s\n' "processor	: 0" "vendor_id	: GenuineIntel" \
		"flags		: fpu vme de pse tsc msr pae apic sep constant_tsc nonstop_tsc" \
		>"$rw/proc/cpuinfo"
	echo init >"$rw/proc/1/comm"
	case $TIMESYNC in
	comm:*) mkdir -p "$rw/proc/612" && echo "${TIMESYNC#comm:}" >"$rw/proc/612/comm" ;;
	stat:*)
		mkdir -p "$rw/proc/523"
		echo "523 (${TIMESYNC#stat:}) S 1 523 523 0 -1" >"$rw/proc/523/stat"
		;;
	esac
	if [ -n "$XENWC" ]; then
		mkdir -p "$rw/proc/sys/xen"
		echo "$XENWC" >"$rw/proc/sys/xen/independent_wallclock"
		# EL5: /etc/sysctl.conf only, no /etc/sysctl.d
		rmdir "$rw/etc/sysctl.d"
		printf '%s\n' "net.ipv4.ip_forward = 0" "kernel.sysrq = 0" >"$rw/etc/sysctl.conf"
	fi
	# What the boot reads for sysctls (fakes, documented as such): systemd-sysctl (its presence
	# is what the guest script looks at); EL6 initscripts' apply_sysctl in init.d/functions
	# (sysctl.conf, then /etc/sysctl.d/*); EL5 before initscripts 8.45.37: rc.sysinit runs
	# only "sysctl -e -p /etc/sysctl.conf".
	case $SYSCTLBOOT in
	systemd)
		mkdir -p "$ro/usr/lib/systemd"
		mkscript "$ro/usr/lib/systemd/systemd-sysctl" 'exec sysctl -p /etc/sysctl.d/*.conf'
		;;
	el6)
		mkdir -p "$rw/etc/rc.d/init.d"
		printf '%s\n' '# Apply sysctl settings, including files in /etc/sysctl.d' \
			'apply_sysctl() {' '    sysctl -e -p /etc/sysctl.conf >/dev/null 2>&1' \
			'    for file in /etc/sysctl.d/* ; do' \
			'        test -f "$file" && sysctl -e -p "$file" >/dev/null 2>&1' '    done' '}' \
			>"$rw/etc/rc.d/init.d/functions"
		;;
	el5)
		mkdir -p "$rw/etc/rc.d"
		printf '%s\n' '# Configure kernel parameters' 'update_boot_stage RCkernelparam' \
			'sysctl -e -p /etc/sysctl.conf >/dev/null 2>&1' >"$rw/etc/rc.d/rc.sysinit"
		;;
	esac
	[ -z "$OSREL" ] || printf 'PRETTY_NAME="%s"\nID=sim\n' "$OSREL" >"$rw/etc/os-release"
	[ -z "$REDHAT" ] || echo "$REDHAT" >"$rw/etc/redhat-release"
	echo "$kind" >"$rw/etc/hvsim-kind"
	printf '%s\n' "$LOG" >"$rw/var/log/kern.log"
	printf '%s\n' GRUB_DEFAULT=0 GRUB_TIMEOUT=5 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"' \
		'GRUB_CMDLINE_LINUX=""' >"$rw/etc/default/grub"

	case $BOOT in
	update-grub)
		mkdir -p "$rw/boot/grub"
		mkscript "$ro/usr/sbin/update-grub" "$(fake_mkconfig /boot/grub/grub.cfg)"
		;;
	grub2-mkconfig)
		mkdir -p "$rw/boot/grub2"
		mkscript "$ro/usr/sbin/grub2-mkconfig" "$(fake_mkconfig '')"
		;;
	grubby)
		mkdir -p "$rw/boot/loader/entries" "$rw/boot/grub2"
		printf '%s\n' GRUB_TIMEOUT=5 'GRUB_DISTRIBUTOR="CentOS"' GRUB_DEFAULT=saved \
			'GRUB_CMDLINE_LINUX="crashkernel=auto rhgb quiet"' >"$rw/etc/default/grub"
		bls_entry "$rw" "$REL" "${REDHAT:-CentOS Linux 7 (Core)} ($REL)"
		bls_entry "$rw" 3.10.0-957.el7.x86_64 \
			"CentOS Linux (3.10.0-957.el7.x86_64) 7 (Core)"
		echo "saved_entry=sim-$REL" >"$rw/boot/grub2/grubenv"
		mkscript "$ro/usr/sbin/grubby" "$(fake_grubby)"
		;;
	esac

	fault_setup "$kind" "$ro" "$rw"
	# a first grub.cfg, as the distribution's installer left it
	case $BOOT in
	update-grub) run_in "$sk" /usr/sbin/update-grub ;;
	grub2-mkconfig) run_in "$sk" /usr/sbin/grub2-mkconfig -o /boot/grub2/grub.cfg ;;
	esac
}

# Run a command inside a skeleton (ro + rw merged in a scratch copy), keeping rw's changes.
run_in() {
	local sk=$1 tmp
	shift
	tmp=$sk/run
	rm -rf "$tmp"
	cp -al "$sk/ro" "$tmp"
	cp -a "$sk/rw/." "$tmp/"
	chroot "$tmp" "$@" </dev/null
	rm -rf "$sk/rw/boot"
	cp -a "$tmp/boot" "$sk/rw/boot"
	rm -rf "$tmp"
}

bls_entry() { # ROOT RELEASE TITLE
	# shellcheck disable=SC2016 # $grub_users is BLS text
	printf '%s\n' "title $3" "version $2" "linux /vmlinuz-$2" "initrd /initramfs-$2.img" \
		"options root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet" "id sim-$2" \
		'grub_users $grub_users' "grub_arg --unrestricted" "grub_class kernel" \
		>"$1/boot/loader/entries/sim-$2.conf"
}

# update-grub / grub2-mkconfig: source /etc/default/grub as the real ones do, write grub.cfg.
fake_mkconfig() {
	local out=$1
	cat <<EOF
set -eu
out=${out:-}
if [ "\${1:-}" = -o ]; then out=\$2; fi
[ -n "\$out" ] || { echo "usage: grub-mkconfig -o FILE" >&2; exit 1; }
GRUB_CMDLINE_LINUX= GRUB_CMDLINE_LINUX_DEFAULT=
. /etc/default/grub
rel=\$(uname -r)
{
	echo "# generated by the simulated grub-mkconfig from /etc/default/grub"
	echo "menuentry 'Linux \$rel' {"
	echo "	linux /boot/vmlinuz-\$rel root=/dev/vda1 ro \$GRUB_CMDLINE_LINUX" \\
		"\$GRUB_CMDLINE_LINUX_DEFAULT"
	echo "}"
	echo "menuentry 'Linux \$rel (recovery mode)' {"
	echo "	linux /boot/vmlinuz-\$rel root=/dev/vda1 ro single \$GRUB_CMDLINE_LINUX"
	echo "}"
	# a dom0 (GRUB_CMDLINE_XEN set): the entry 20_linux_xen writes (with its override)
	if [ -n "\${GRUB_CMDLINE_XEN+set}" ]; then
		echo "menuentry 'Linux \$rel, with Xen hypervisor' {"
		echo "	multiboot2 /boot/xen.gz placeholder \$GRUB_CMDLINE_XEN"
		echo "	module2 /boot/vmlinuz-\$rel placeholder root=/dev/vda1 ro" \
			"\${GRUB_CMDLINE_LINUX_XEN_REPLACE:-\$GRUB_CMDLINE_LINUX} \$GRUB_CMDLINE_LINUX_DEFAULT"
		echo "}"
	fi
} >"\$out.new"
mv -f "\$out.new" "\$out"
EOF
}

# grubby over /boot/loader/entries/*.conf "options" lines (grubby-bls semantics: --args
# replaces a parameter of the same name or appends it; --remove-args removes NAME or NAME=...).
fake_grubby() {
	cat <<'EOF'
set -eu
dir=/boot/loader/entries
info= update= args= remove=
for a in "$@"; do
	case $a in
	--info=*) info=${a#--info=} ;;
	--update-kernel=*) update=${a#--update-kernel=} ;;
	--args=*) args=${a#--args=} ;;
	--remove-args=*) remove=${a#--remove-args=} ;;
	--default-kernel) info=default-kernel ;;
	*) echo "grubby: unsupported option $a" >&2; exit 1 ;;
	esac
done
set -- "$dir"/*.conf
default=$(sed -n "s/^saved_entry=//p" /boot/grub2/grubenv).conf
if [ -n "$info" ]; then
	for f in "$@"; do
		case $info in
		DEFAULT | default-kernel) [ "${f##*/}" = "$default" ] || continue ;;
		ALL) ;;
		*) echo "grubby: unsupported --info=$info" >&2; exit 1 ;;
		esac
		awk -v mode="$info" '
			$1 == "linux" { k = $2 }
			$1 == "initrd" { i = $2 }
			$1 == "title" { t = substr($0, 7) }
			$1 == "options" { o = substr($0, 9) }
			END {
				if (mode == "default-kernel") { print "/boot" k; exit }
				print "index=0"
				print "kernel=\"/boot" k "\""
				print "args=\"" o "\""
				print "root=\"/dev/mapper/centos-root\""
				print "initrd=\"/boot" i "\""
				print "title=\"" t "\""
			}' "$f"
	done
	exit 0
fi
[ "$update" = ALL ] || { echo "grubby: only --update-kernel=ALL is simulated" >&2; exit 1; }
for f in "$@"; do
	A=$args R=$remove awk '
		function nm(t) { return index(t, "=") ? substr(t, 1, index(t, "=") - 1) : t }
		$1 == "options" {
			n = split(substr($0, 9), tok, " ")
			nr = split(ENVIRON["R"], rm, " ")
			na = split(ENVIRON["A"], ad, " ")
			m = 0
			for (i = 1; i <= n; i++) {
				drop = 0
				for (j = 1; j <= nr; j++)
					if (tok[i] == rm[j] || nm(tok[i]) == rm[j])
						drop = 1
				if (!drop)
					out[++m] = tok[i]
			}
			for (j = 1; j <= na; j++) {
				done = 0
				for (i = 1; i <= m; i++)
					if (nm(out[i]) == nm(ad[j])) {
						out[i] = ad[j]
						done = 1
					}
				if (!done)
					out[++m] = ad[j]
			}
			s = "options"
			for (i = 1; i <= m; i++)
				s = s " " out[i]
			print s
			next
		}
		{ print }' "$f" >"$f.new"
	mv -f "$f.new" "$f"
done
EOF
}

# Changes that make a healthy el6-kvm tree into a fault kind.
fault_setup() {
	local kind=$1 ro=$2 rw=$3 cs
	cs=$rw/sys/devices/system/clocksource/clocksource0
	case $kind in
	hung-cmd) # the SSH channel stays open, no more output
		mkscript "$ro/bin/sysctl" 'exec sleep 3600'
		mkscript "$ro/bin/dmesg" 'exec sleep 3600'
		;;
	hung-sysfs) # opening current_clocksource blocks readers and writers
		rm -f "$cs/current_clocksource"
		mkfifo "$cs/current_clocksource"
		;;
	hostile-output) # metacharacters, escape sequences, a 4 MiB dmesg, a two-line uname
		# shellcheck disable=SC2016 # the point: text that would run if a shell expanded it
		printf '%s %s\n' \
			"$(printf 'ro root=/dev/vda1 $(touch /tmp/pwned) `id` ;"\x27 \033[31mRED')" \
			"clocksource=tsc $(head -c 3000 /dev/zero | tr '\0' x)" >"$rw/proc/cmdline"
		# shellcheck disable=SC2016
		printf 'PRETTY_NAME="\033]0;owned\007$(reboot) `halt`"\n' >"$rw/etc/os-release"
		mkscript "$ro/bin/dmesg" "awk 'BEGIN { s = sprintf(\"%1023s\", \"\")
	gsub(/ /, \"A\", s); for (i = 0; i < 4096; i++) print s }'
printf 'clocksource: \\033[2J\\033[31mSwitched to clocksource \$(reboot)\\r\\n'
cat /var/log/kern.log"
		mkscript "$ro/bin/uname" 'printf "2.6.32\nrm -rf /\n"'
		;;
	huge-output)
		mkscript "$ro/bin/dmesg" "yes \"\$(printf '%0999d' 0)\" | head -c 52428800
cat /var/log/kern.log"
		;;
	binary-output)
		mkscript "$ro/bin/dmesg" 'head -c 4194304 /dev/urandom'
		;;
	hostile-text) hostile_text_tree "$ro" ;;
	esac
}

# ---- Hostile text (issue 9 item 4): bytes a terminal would obey, and invalid UTF-8. ----
# HOSTILE_PRINTF: a printf(1) format for them: an OSC window title ending in BEL, CSI clear
# screen, the 8-bit C1 CSI (0x9b, invalid UTF-8 on its own), U+009B (C1 CSI as UTF-8), DEL and
# the invalid bytes 0xff 0xfe.
HOSTILE_PRINTF='\033]0;pwned\007\033[2J\233\302\23331m\177\377\376'

# hostile-text: every command the guest runs fails: its login shell writes the hostile bytes
# to stderr and exits 3, so the inspection fails with that stderr quoted.
hostile_text_tree() {
	mkscript "$1/bin/bash" "printf 'hostile stderr $HOSTILE_PRINTF end' >&2
exit 3"
}

# hostile-text: sshd_config lines: the pre-auth Banner and a VersionAddendum (the version line
# "SSH-2.0-OpenSSH_... ADDENDUM") carry the same bytes (sshd refuses CR, not these).
hostile_sshd_conf() { # GUEST KIND
	[ "$2" = hostile-text ] || return 0
	# shellcheck disable=SC2059 # the format is ours
	printf "hostile banner $HOSTILE_PRINTF end\n" >"$ST/banner-$1"
	echo "Banner $ST/banner-$1"
	# shellcheck disable=SC2059
	printf "VersionAddendum hostile-version $HOSTILE_PRINTF end\n"
}

# closed_start GUEST PORT: a "closed" guest's port, bound and never listened on, so a connection
# is refused ("Connection refused") and no other lab on this machine can take the port meanwhile.
# Its pid file, written once bound, stands for sshd's; a port it cannot bind goes to $ST/failed.
closed_start() {
	# (no SO_REUSEADDR: an sshd's bind, which sets it, conflicts with this socket; so does a
	# port with connections in TIME_WAIT, and then the lab starts again on other ports)
	setsid python3 -c '
import os, signal, socket, sys
try:
    s = socket.socket()
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print("closed guest %s: %s" % (sys.argv[4], e), file=sys.stderr)
    with open(sys.argv[5], "a") as f:
        f.write(sys.argv[4] + "\n")
    sys.exit(1)
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
while True:
    signal.pause()
' "${SIM_LISTEN:-127.0.0.1}" "$2" "$ST/sshd-$1.pid" "$1" "$ST/failed" \
		</dev/null >>"$ST/sshd-$1.log" 2>&1 &
}

# hostile-version: no sshd; a small TCP server (what a compromised guest may run on its SSH
# port) sends a line of hostile bytes, then an SSH version line that libssh refuses and
# quotes in its error ("No version of SSH protocol usable (banner: SSH-1.5-...)"). Its pid file is written once it
# listens, like sshd's.
hostile_version_start() { # GUEST PORT
	local line
	# shellcheck disable=SC2059
	line=$(printf "SSH-1.5-$HOSTILE_PRINTF" | od -An -tx1 | tr -d ' \n')
	setsid python3 -c '
import os, socket, sys
port, pidfile, line = int(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
with open(pidfile + ".new", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(pidfile + ".new", pidfile)
while True:
    c, _ = s.accept()
    try:
        c.sendall(b"\x1b]0;pwned\x07 hello\r\n" + line + b"\r\n")
        c.settimeout(5)
        c.recv(4096)
    except OSError:
        pass
    c.close()
' "$2" "$ST/sshd-$1.pid" "$line" </dev/null >>"$ST/sshd-$1.log" 2>&1 &
}
# ---- end of hostile text ----

# Ports some process listens on (TCP, IPv4 and IPv6), from /proc/net.
listening_ports() {
	local f loc st
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r "$f" ] || continue
		while read -r _ loc _ st _; do
			[ "$st" = 0A ] && echo $((16#${loc##*:}))
		done < <(tail -n +2 "$f")
	done
	return 0
}

start() {
	local n=${1:-} base=${2:-2200} i g port kind hk ak pid busy miss off=0 running=
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "usage: simfleet.sh start N [BASEPORT]"
	if ! [[ $base =~ ^[1-9][0-9]*$ ]] || [ $((base + n)) -gt 65535 ]; then
		die "bad BASEPORT '$base'"
	fi
	[ "$(id -u)" = 0 ] || die "must run as root"
	[ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd is missing (openssh-server)"
	if [ ! -x /bin/busybox ] || ! file_static /bin/busybox; then
		die "/bin/busybox (busybox-static) is missing"
	fi
	[ -x /bin/dash ] || die "/bin/dash is missing"
	# a start on a running lab adds guests after the last one (their ports: BASEPORT+1...)
	if [ -s "$ST/pids" ] && [ -s "$ST/inventory" ]; then
		while read -r pid; do
			if kill -0 "$pid" 2>/dev/null; then
				running=1
			fi
		done <"$ST/pids"
	fi
	if [ -n "$running" ]; then
		off=$(wc -l <"$ST/inventory")
	fi
	mkdir -p "$SIM"
	chmod 755 "$SIM"
	chroot_path_ok "$SIM"
	busy=" $(listening_ports | tr '\n' ' ') "
	for i in $(seq 1 "$n"); do
		[[ $busy != *" $((base + i)) "* ]] || die "port $((base + i)) is in use"
	done

	mkdir -p "$ST" "$GR" "$SH" "$CL" /run/sshd
	chmod 755 "$GR" "$SH"
	chmod 700 "$ST" "$CL"
	if [ -z "$running" ]; then
		: >"$ST/inventory"
		: >"$ST/pids"
		: >"$ST/mounts"
		: >"$CL/known_hosts"
	fi
	: >"$ST/empty_keys"
	[ -f "$CL/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C hvclock-sim -f "$CL/id_ed25519"
	[ -f "$ST/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -C sim-host -f "$ST/hostkey"
	[ -f "$ST/otherkey" ] || ssh-keygen -q -t ed25519 -N '' -C sim-other -f "$ST/otherkey"
	cp "$CL/id_ed25519.pub" "$ST/authorized_keys"
	chmod 600 "$ST/authorized_keys"
	local hostpub uuid

	mkcommon
	declare -A built=()
	for kind in "${KINDS[@]}"; do
		[ -n "${built[$kind]:-}" ] && continue
		mkskel "$kind"
		built[$kind]=1
	done

	cp "$CL/known_hosts" "$CL/known_hosts.new"
	: >"$ST/new"
	rm -f "$ST/failed"
	for i in $(seq 1 "$n"); do
		g=g$((off + i)) port=$((base + i)) kind=${KINDS[$(((i - 1) % ${#KINDS[@]}))]}
		rm -rf "${GR:?}/$g"
		cp -al "$SH/skel-$kind/ro" "$GR/$g"
		cp -a "$SH/skel-$kind/rw/." "$GR/$g/"
		if [ "$kind" = ro-sysfs ]; then # writes fail with EROFS, reads work
			local f=$GR/$g/sys/devices/system/clocksource/clocksource0
			f=$f/current_clocksource
			mount --bind "$f" "$f"
			mount -o remount,bind,ro "$f"
			echo "$f" >>"$ST/mounts"
		fi
		# Each guest its own host key, pinned in known_hosts under its address and under its
		# domain UUID (what fleet-xml gives it); the guest reports that UUID as its own
		# (SMBIOS for KVM, Xen's for PV; el6-kvm in SMBIOS byte order, as old kernels show it).
		[ -f "$ST/hostkey-$g" ] || ssh-keygen -q -t ed25519 -N '' -C "sim-$g" -f "$ST/hostkey-$g"
		hostpub=$(cut -d' ' -f1,2 "$ST/hostkey-$g.pub")
		uuid=$(sim_uuid $((off + i)))
		sim_guest_uuid "$GR/$g" "$kind" "$uuid"
		hk=$ST/hostkey-$g ak=$ST/authorized_keys
		[ "$kind" = bad-hostkey ] && hk=$ST/otherkey # known_hosts lists the guest's own key
		[ "$kind" = noauth ] && ak=$ST/empty_keys
		cat >"$ST/sshd-$g.conf" <<EOF
Port $port
ListenAddress ${SIM_LISTEN:-127.0.0.1}
HostKey $hk
AuthorizedKeysFile $ak
StrictModes no
PidFile $ST/sshd-$g.pid
ChrootDirectory $GR/$g
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
PrintLastLog no
MaxStartups 200
MaxSessions 50
Subsystem sftp internal-sftp
EOF
		hostile_sshd_conf "$g" "$kind" >>"$ST/sshd-$g.conf"
		printf '%s %s\n' "[${SIM_LISTEN:-127.0.0.1}]:$port" "$hostpub" "$uuid" "$hostpub" >>"$CL/known_hosts.new"
		echo "$g ${SIM_LISTEN:-127.0.0.1} $port $kind" >>"$ST/new"
		rm -f "$ST/sshd-$g.pid"
		if [ "$kind" = closed ]; then
			closed_start "$g" "$port"
			continue
		fi
		if [ "$kind" = hostile-version ]; then
			hostile_version_start "$g" "$port"
			continue
		fi
		# (non-zero for a bad configuration; it listens after it forks, and a daemon that
		# cannot says so in its log, which the wait below reads)
		/usr/sbin/sshd -f "$ST/sshd-$g.conf" -E "$ST/sshd-$g.log" || echo "$g" >>"$ST/failed"
	done
	mv -f "$CL/known_hosts.new" "$CL/known_hosts"

	# Wait for the pid files: up to 60 s, a hang guard only (a busy machine may be slow).
	for _ in $(seq 1 1200); do
		miss=0
		[ -s "$ST/failed" ] && break
		while read -r g _ _ kind; do
			[ -s "$ST/sshd-$g.pid" ] && continue
			miss=1
			! grep -qs "Cannot bind any address" "$ST/sshd-$g.log" || echo "$g" >>"$ST/failed"
		done <"$ST/new"
		[ $miss = 0 ] && break
		sleep 0.05
	done
	if [ -s "$ST/failed" ]; then
		miss=1
		echo "sshd did not start for: $(tr '\n' ' ' <"$ST/failed")" >&2
		rm -f "$ST/failed"
	fi
	[ $miss = 0 ] || die "some sshd did not start; see $ST/sshd-*.log"
	while read -r g _ _ kind; do
		pid=$(cat "$ST/sshd-$g.pid")
		echo "$pid" >>"$ST/pids"
		# hung-banner: TCP accept completes (listen backlog), no banner ever comes
		[ "$kind" != hung-banner ] || kill -STOP "$pid"
	done <"$ST/new"
	cat "$ST/new" >>"$ST/inventory"
	rm -f "$ST/new"
	echo "started $n guests in $SIM ($(wc -l <"$ST/inventory") in all); inventory: $ST/inventory"
}

file_static() {
	! LC_ALL=C ldd "$1" >/dev/null 2>&1
}

stop() {
	local pid p
	# Listeners whose pid file went with an earlier lab (a retry wiped it): found by config path.
	# (one pgrep and one find, not a process per /proc entry: a busy machine has thousands)
	for p in $(pgrep -f -- "sshd -f $ST/sshd-|$ST/sshd-g[0-9]+\.pid" 2>/dev/null); do
		kill -CONT "$p" 2>/dev/null
		kill "$p" 2>/dev/null || true
	done
	if [ -f "$ST/pids" ]; then
		while read -r pid; do
			kill -CONT "$pid" 2>/dev/null || true
			kill "$pid" 2>/dev/null || true
		done <"$ST/pids"
	fi
	# leftovers of hung commands: processes whose root directory is inside a guest
	for p in $(find /proc -mindepth 2 -maxdepth 2 -name root -lname "$GR/*" -printf '%h\n' 2>/dev/null); do
		kill -KILL "${p#/proc/}" 2>/dev/null || true
	done
	if [ -f "$ST/mounts" ]; then
		while read -r p; do umount "$p" 2>/dev/null || true; done <"$ST/mounts"
	fi
	rm -f "$ST/pids" "$ST/mounts"
	echo "stopped"
}

inventory() {
	[ -f "$ST/inventory" ] || die "no lab in $SIM (run start first)"
	cat "$ST/inventory"
}

# One <domain> per guest: the host side of each kind, plus hvclock's address metadata.
fleet_xml() {
	local out=${1:-} g host port kind i os
	[ -n "$out" ] || die "usage: simfleet.sh fleet-xml OUT.xml"
	[ -f "$ST/inventory" ] || die "no lab in $SIM (run start first)"
	{
		echo "<!-- generated by tests/sim/simfleet.sh from $ST/inventory;"
		echo "     open as test:///ABS/PATH (libvirt test driver) -->"
		echo "<node>"
		echo "  <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores>"
		echo "    <threads>1</threads></cpu>"
		echo "  <memory>16777216</memory>"
		while read -r g host port kind; do
			i=${g#g}
			case $kind in
			# Every lab guest boots through its own boot loader (PV-GRUB for Xen PV,
			# firmware for KVM), so every change hvclock makes lives in the guest tree
			# and survives from one hvclock process to the next. libvirt's test driver
			# forgets a redefined domain when the process ends, so host-side <cmdline>
			# changes are tested in one process instead (tests/backend/test-libvirt.c).
			xenlinux-pv)
				os="<type arch='x86_64'>xen</type>
      <kernel>/usr/lib/xen/boot/pv-grub-x86_64.gz</kernel>
      <cmdline>(hd0,0)/grub/menu.lst</cmdline>"
				;;
			modern-xen-pv)
				os="<type arch='x86_64'>xen</type>
      <kernel>/usr/lib/grub-xen/grub-x86_64-xen.bin</kernel>"
				;;
			*) # el6-kvm, the fault kinds built on it, and the other KVM kinds
				os="<type arch='x86_64' machine='pc'>hvm</type>
      <boot dev='hd'/>"
				;;
			esac
			cat <<EOF
  <domain type='test'>
    <name>$g</name>
    <uuid>$(sim_uuid "$i")</uuid>
    <description>simulated guest, kind $kind</description>
    <metadata>
      <hvclock:state xmlns:hvclock="http://hvclock.org/xmlns/state/1">
        <hvclock:address host="$host" port="$port"/>
      </hvclock:state>
    </metadata>
    <memory unit='MiB'>512</memory>
    <vcpu>1</vcpu>
    <os>
      $os
    </os>
  </domain>
EOF
		done <"$ST/inventory"
		echo "</node>"
	} >"$out.new"
	mv -f "$out.new" "$out"
}

case ${1:-} in
start) start "${2:-}" "${3:-2200}" ;;
stop) stop ;;
inventory) inventory ;;
fleet-xml) fleet_xml "${2:-}" ;;
path-ok) chroot_path_ok "$SIM" ;;
*)
	echo "usage: SIM=DIR [SIM_KINDS=...] $0 start N [BASEPORT] | stop | inventory |" \
		"fleet-xml OUT.xml | path-ok" >&2
	exit 2
	;;
esac
