# lib.sh: what hvclock's two guest scripts share; the build puts it where they say @HVC_LIB@.
#
# POSIX sh: runs under dash, bash and busybox applets. Not run on its own.

set -eu
set -f
umask 022
LC_ALL=C
export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
HVC_NL='
'
HVC_TAB='	'
HVC_CS=/sys/devices/system/clocksource/clocksource0
HVC_DROPIN=/etc/sysctl.d/90-hvclock.conf
# Where a guest whose boot reads only /etc/sysctl.conf gets hvclock's keys: a block between
# these two lines, always the last assignments in the file (sysctl -p applies in order).
HVC_SYSCTL_CONF=/etc/sysctl.conf
HVC_CONF_BEGIN="# BEGIN hvclock (written by hvclock; 'hvclock rollback' restores this file)"
HVC_CONF_END="# END hvclock"
hvc_deadline=
hvc_wd=
hvc_lockd=

# Where this run keeps its backups and record: /var/lib/hvclock in a guest; in a Xen dom0
# (data line "dom0") a directory of its own, never the host's state directory around it.
hvc_dirs() {
	HVC_DIR=/var/lib/hvclock
	[ "$1" != yes ] || HVC_DIR=/var/lib/hvclock/dom0
	HVC_STATE=$HVC_DIR/state
	# shellcheck disable=SC2034 # not every script uses every name
	HVC_BACKUP=$HVC_DIR/backup
}
hvc_dirs no

# Data line "deadline SECONDS": whole seconds, 1 to 86400 -> hvc_deadline; false if invalid.
hvc_deadline_line() {
	case $1 in
	'' | *[!0-9]* | 0*) return 1 ;;
	esac
	[ "${#1}" -le 5 ] && [ "$1" -le 86400 ] || return 1
	hvc_deadline=$1
}

# Once the deadline hvclock sent has passed (hvclock gave up, or the connection is gone), end
# this run's whole process group: sshd and hvclock's local transport start it as a group of
# its own, so nothing of the run outlives it. hvc_finish stops the watchdog.
hvc_watchdog() {
	[ -n "$hvc_deadline" ] || return 0
	(
		# $! is empty until the sleep runs, and then names it.
		trap 'kill $! 2>/dev/null; wait $! 2>/dev/null; exit 0' TERM
		sleep "$hvc_deadline" &
		wait $! && kill -KILL 0
	) </dev/null >/dev/null 2>&1 &
	hvc_wd=$!
}

# For hvclock's own end-to-end tests only: an executable /run/hvclock-test-hook (which only the
# system's root can make) is run at named points with the point's name, and may block there; the
# tests use it to stop a run at an exact step. Its output is discarded; the watchdog bounds it.
hvc_hook() {
	[ -x /run/hvclock-test-hook ] || return 0
	/run/hvclock-test-hook "$1" </dev/null >/dev/null 2>&1 || :
}

# At exit: stop the watchdog (and wait for it), release the guest-side lock.
hvc_finish() {
	if [ -n "$hvc_wd" ]; then
		kill "$hvc_wd" 2>/dev/null || :
		wait "$hvc_wd" 2>/dev/null || :
		hvc_wd=
	fi
	if [ -n "$hvc_lockd" ]; then
		rm -f "$hvc_lockd/pid" 2>/dev/null || :
		rmdir "$hvc_lockd" 2>/dev/null || :
		hvc_lockd=
	fi
}
trap hvc_finish EXIT

# One changing run at a time in this guest (or dom0): flock(1) on a file in a root-only run
# directory, held by fd 9 until this run and every process it started are gone; without
# flock(1), a directory made atomically with this shell's pid in it, taken over when that
# pid is gone. False, with hvc_why, if another run holds it.
hvc_lock() {
	hvc_ld=/var/lib
	for hvc_d in /run /var/run; do
		if [ -d "$hvc_d" ]; then
			hvc_ld=$hvc_d
			break
		fi
	done
	hvc_lf=$hvc_ld/hvclock-guest.lock
	[ "$HVC_DIR" = /var/lib/hvclock ] || hvc_lf=$hvc_ld/hvclock-dom0.lock
	if command -v flock >/dev/null 2>&1; then
		exec 9>>"$hvc_lf"
		flock -n 9 && return 0
		hvc_why="another hvclock run is changing this system (lock $hvc_lf)"
		return 1
	fi
	for hvc_i in 1 2; do
		if mkdir -m 700 "$hvc_lf.d" 2>/dev/null; then
			hvc_lockd=$hvc_lf.d
			echo "$$" >"$hvc_lockd/pid"
			return 0
		fi
		hvc_p=
		hvc_read1 "$hvc_lf.d/pid" || :
		hvc_p=$hvc_r
		case $hvc_p in
		'' | *[!0-9]*)
			# being taken this moment (or left so by a crash: remove it by hand)
			hvc_why="another hvclock run is changing this system (lock $hvc_lf.d)"
			return 1
			;;
		esac
		if kill -0 "$hvc_p" 2>/dev/null; then
			hvc_why="another hvclock run (pid $hvc_p) is changing this system"
			return 1
		fi
		# Left by a run that is gone: take it over once.
		rm -f "$hvc_lf.d/pid" 2>/dev/null || :
		rmdir "$hvc_lf.d" 2>/dev/null || :
	done
	hvc_why="cannot take the lock $hvc_lf.d"
	return 1
}

# Print "WORD VALUE": the first line of VALUE, made printable ASCII, at most 3000 bytes.
hvc_put() {
	hvc_v=${2%%"$HVC_NL"*}
	case $hvc_v in
	*[!\ -~]*) hvc_v=$(printf '%s\n' "$hvc_v" | tr -c '\n\040-\176' '?') ;;
	esac
	if [ "${#hvc_v}" -gt 3000 ]; then
		hvc_v=$(printf '%s\n' "$hvc_v" | cut -c 1-3000)
	fi
	if [ -n "$hvc_v" ]; then
		printf '%s %s\n' "$1" "$hvc_v"
	else
		printf '%s\n' "$1"
	fi
}

# First line of a file -> hvc_r; returns 1 if it is not readable. From hvc_read_all's cache
# when it holds the file (one awk for many files), else one head.
hvc_read1() {
	hvc_r=
	[ -r "$1" ] || return 1
	case $hvc_rc1 in
	*"$HVC_NL$1$HVC_TAB"*)
		hvc_r=${hvc_rc1#*"$HVC_NL$1$HVC_TAB"}
		hvc_r=${hvc_r%%"$HVC_NL"*}
		return 0
		;;
	esac
	# Not the shell's read: dash and busybox read one byte per read(2), and the kernel's
	# integer sysctls answer EOF at any offset but 0 ("60" would come back as "6").
	hvc_r=$(head -n 1 "$1" 2>/dev/null) || :
}

# The first lines of the readable files among the arguments -> the cache hvc_read1 reads, in
# one awk (awk reads from offset 0 with a large buffer, like head). A file that is empty, or
# whose name holds a tab or newline, is left to hvc_read1's own read.
hvc_rc1=$HVC_NL
hvc_read_all() {
	hvc_n=$#
	for hvc_f in "$@"; do
		case $hvc_f in *"$HVC_NL"* | *"$HVC_TAB"*) continue ;; esac
		if [ -f "$hvc_f" ] && [ -r "$hvc_f" ]; then
			set -- "$@" "$hvc_f"
		fi
	done
	shift "$hvc_n" # what is left: the readable ones
	[ $# -gt 0 ] || return 0
	# shellcheck disable=SC2016 # an awk program
	hvc_rc1=$HVC_NL$(awk 'FNR == 1 { print FILENAME "\t" $0 }' "$@" 2>/dev/null)$HVC_NL || :
}

# Words of $1 joined by single spaces -> hvc_w.
hvc_words() {
	# shellcheck disable=SC2086 # splitting is the point; globbing is off (set -f)
	set -- $1
	hvc_w=$*
}

# /proc/sys path of a sysctl key -> hvc_sp.
hvc_sysctl_path() {
	hvc_sp=
	hvc_x=$1
	while :; do
		case $hvc_x in
		*.*)
			hvc_sp=$hvc_sp${hvc_x%%.*}/
			hvc_x=${hvc_x#*.}
			;;
		*) break ;;
		esac
	done
	hvc_sp=/proc/sys/$hvc_sp$hvc_x
}

# The boot loader tool hvclock would use -> hvc_bl; with "none", hvc_bl_why says what was found
# and what is missing.
hvc_bootloader() {
	hvc_bl=none
	hvc_bl_why=
	# Order: rpm-ostree (ostree-booted) first, then grubby, then systemd-boot (a loader.conf
	# and kernel-install) and BLS entries without grubby where a boot loader reads them
	# (hvc_bls_read), then the GRUB families, then extlinux/syslinux.
	if [ -e /run/ostree-booted ] && command -v rpm-ostree >/dev/null 2>&1; then
		hvc_bl=rpm-ostree
	elif command -v grubby >/dev/null 2>&1; then
		hvc_bl=grubby
	elif hvc_sdboot_conf && command -v kernel-install >/dev/null 2>&1; then
		hvc_bl=systemd-boot
	elif hvc_bls_entries && [ -n "$hvc_ents" ] && hvc_bls_read; then
		hvc_bl=bls
	elif [ -f /etc/default/grub ] && command -v update-grub >/dev/null 2>&1; then
		hvc_bl=update-grub
	elif [ -f /etc/default/grub ] && command -v grub2-mkconfig >/dev/null 2>&1; then
		hvc_bl=grub2-mkconfig
	# GRUB 2 without a distribution's wrapper (Arch, Gentoo, Alpine): those distributions run
	# "grub-mkconfig -o /boot/grub/grub.cfg"; without that file GRUB is not installed there.
	elif [ -f /etc/default/grub ] && command -v grub-mkconfig >/dev/null 2>&1; then
		hvc_bl=grub-mkconfig
		[ -f /boot/grub/grub.cfg ] || hvc_bl=none hvc_bl_why="found /etc/default/grub and \
grub-mkconfig, but no /boot/grub/grub.cfg for grub-mkconfig to regenerate"
	# GRUB legacy without grubby: Debian's grub-legacy update-grub rewrites menu.lst's
	# automagic kernel lines from its "# kopt=" line (hvclock edits that line); without
	# update-grub nothing rewrites them, so hvclock edits the kernel lines themselves.
	elif [ -f /boot/grub/menu.lst ]; then
		if ! command -v update-grub >/dev/null 2>&1; then
			hvc_bl=menu-lst
		elif hvc_menu_get kopt; then
			hvc_bl=grub-legacy
		elif [ "$hvc_rc" = 3 ]; then
			hvc_bl_why="found /boot/grub/menu.lst and update-grub, but several kopt lines \
or per-kernel kopt_ lines, which hvclock does not edit"
		else
			hvc_bl_why="found /boot/grub/menu.lst and update-grub, but no '# kopt=' line \
in its automagic section (update-grub would rewrite an edited kernel line)"
		fi
	elif [ -f /etc/update-extlinux.conf ] && command -v update-extlinux >/dev/null 2>&1; then
		hvc_bl=update-extlinux
	elif hvc_extlinux_cfg; then
		hvc_bl=extlinux
	fi
	if [ "$hvc_bl" = none ] && [ -z "$hvc_bl_why" ]; then
		if [ -f /etc/default/grub ]; then
			hvc_bl_why="found /etc/default/grub, but no update-grub, grub-mkconfig or \
grub2-mkconfig to regenerate grub.cfg from it (and no grubby)"
		else
			hvc_bl_why="found no grubby, /etc/default/grub, /boot/grub/menu.lst, BLS \
entries, systemd-boot loader.conf, extlinux/syslinux config or rpm-ostree"
		fi
	fi
}

# True if the guest's grub-mkconfig also sources /etc/default/grub.d/*.cfg after
# /etc/default/grub (Debian's and Ubuntu's do; upstream GRUB's does not).
hvc_grubd() {
	for hvc_t in grub-mkconfig grub2-mkconfig; do
		hvc_tp=$(command -v "$hvc_t" 2>/dev/null) || continue
		case $hvc_tp in /*) ;; *) continue ;; esac
		grep -q 'default/grub\.d/\*\.cfg' "$hvc_tp" 2>/dev/null && return 0
	done
	return 1
}

# The file whose assignment of $1 (GRUB_CMDLINE_LINUX or _DEFAULT) grub-mkconfig ends up with
# -> hvc_gf. It sources /etc/default/grub, then (hvc_grubd) each existing
# /etc/default/grub.d/*.cfg in glob order, so the last of them that assigns $1 wins;
# /etc/default/grub if none does.
hvc_grub_file() {
	hvc_gf=/etc/default/grub
	hvc_grubd || return 0
	set +f
	for hvc_x in /etc/default/grub.d/*.cfg; do
		[ -e "$hvc_x" ] || continue
		if grep -q "^[[:blank:]]*$1=" "$hvc_x" 2>/dev/null; then
			hvc_gf=$hvc_x
		fi
	done
	set -f
}

# systemd-boot's loader.conf in a boot root -> hvc_sdb (the boot root); false if none.
hvc_sdboot_conf() {
	for hvc_sdb in /efi /boot/efi /boot; do
		[ -f "$hvc_sdb/loader/loader.conf" ] && return 0
	done
	hvc_sdb=
	return 1
}

# The BLS entries ${1:-/boot}/loader/entries/*.conf -> hvc_ents (newline-separated, sorted).
hvc_bls_entries() {
	hvc_ents=
	[ -d "${1:-/boot}/loader/entries" ] || return 0
	set +f
	for hvc_e in "${1:-/boot}"/loader/entries/*.conf; do
		[ -f "$hvc_e" ] && hvc_ents="$hvc_ents$hvc_e$HVC_NL"
	done
	set -f
}

# Whether a boot loader reads the BLS entries: GRUB does only with its blscfg command
# (Fedora's and RHEL's GRUB put it in grub.cfg); Debian's GRUB boots what grub-mkconfig
# wrote, whatever /boot/loader/entries holds. False if a grub.cfg exists and none has it.
hvc_bls_read() {
	hvc_bls_cfg=1
	set +f
	for hvc_e in /boot/grub2/grub.cfg /boot/grub/grub.cfg /boot/efi/EFI/*/grub.cfg; do
		[ -f "$hvc_e" ] || continue
		grep -q blscfg "$hvc_e" 2>/dev/null && hvc_bls_cfg=0 && break
		hvc_bls_cfg=2
	done
	set -f
	[ "$hvc_bls_cfg" != 2 ]
}

# The extlinux/syslinux config the boot sector reads -> hvc_xcfg; false if none. Where
# extlinux (its install directory: Debian /boot/extlinux, Alpine /boot) and syslinux
# (/boot/syslinux, /syslinux, /) look for it.
HVC_XCFGS="/boot/extlinux/extlinux.conf /boot/extlinux.conf /extlinux.conf
/boot/syslinux/syslinux.cfg /syslinux/syslinux.cfg /syslinux.cfg"
hvc_extlinux_cfg() {
	hvc_xcfg=
	for hvc_e in $HVC_XCFGS; do
		if [ -f "$hvc_e" ]; then
			hvc_xcfg=$hvc_e
			return 0
		fi
	done
	return 1
}

# The item families' command lines: "ID ARGS" lines -> hvc_items (newline-separated), or
# hvc_blwhy naming what was found when the family cannot be edited safely (false then).
hvc_boot_items() {
	hvc_items=
	hvc_blwhy=
	case $hvc_bl in
	rpm-ostree)
		hvc_iv=$(rpm-ostree kargs 2>/dev/null </dev/null) || {
			hvc_blwhy="rpm-ostree kargs failed"
			return 1
		}
		hvc_items="rpm-ostree $hvc_iv$HVC_NL"
		;;
	systemd-boot)
		# the Type #1 entries kernel-install wrote, edited as the bls family does (no
		# kernel-install run: its plugins would rebuild initrds hvclock cannot put back)
		if [ ! -f /etc/kernel/cmdline ]; then
			hvc_blwhy="systemd-boot ($hvc_sdb/loader/loader.conf) without"
			hvc_blwhy="$hvc_blwhy /etc/kernel/cmdline: kernel-install would take /proc/cmdline"
			return 1
		fi
		hvc_bls_items "$hvc_sdb" || return 1
		;;
	bls)
		hvc_bls_items /boot || return 1
		;;
	update-extlinux)
		hvc_boot_item1 /etc/update-extlinux.conf || return 1
		;;
	extlinux)
		hvc_extlinux_cfg || :
		hvc_n=0
		for hvc_e in $HVC_XCFGS; do
			[ -f "$hvc_e" ] && hvc_n=$((hvc_n + 1))
		done
		if [ "$hvc_n" -gt 1 ]; then
			hvc_blwhy="$hvc_n extlinux/syslinux configs ($(for hvc_e in $HVC_XCFGS; do
				[ -f "$hvc_e" ] && printf '%s ' "$hvc_e"; done)): which one boots is unknown"
			return 1
		fi
		if grep -q -i '^[[:space:]]*include[[:space:]]' "$hvc_xcfg" 2>/dev/null; then
			hvc_blwhy="$hvc_xcfg has INCLUDE lines (APPEND lines elsewhere are not edited)"
			return 1
		fi
		hvc_n=$(grep -c -i '^[[:space:]]*append[[:space:]]' "$hvc_xcfg" 2>/dev/null) || :
		hvc_boot_lines "$hvc_xcfg" "$hvc_n" APPEND || return 1
		;;
	menu-lst)
		hvc_rc=0
		hvc_n=$(HVC_AWK_MODE=count awk "$HVC_AWK_MENU" /boot/grub/menu.lst 2>/dev/null) ||
			hvc_rc=$?
		case $hvc_rc in
		0) ;;
		5)
			# the kernel line of a Xen entry is the hypervisor's; dom0's is a module line
			hvc_blwhy="Xen entries in /boot/grub/menu.lst (a module line loading a Linux"
			hvc_blwhy="$hvc_blwhy kernel), which hvclock does not edit"
			return 1
			;;
		*)
			hvc_blwhy="cannot read /boot/grub/menu.lst"
			return 1
			;;
		esac
		hvc_boot_lines /boot/grub/menu.lst "$hvc_n" kernel || return 1
		;;
	*) return 1 ;;
	esac
	[ -z "$hvc_blwhy" ]
}

# Items for the BLS entries $1/loader/entries/*.conf (each one's options line), then
# /etc/kernel/cmdline if it exists; false with hvc_blwhy.
hvc_bls_items() {
	hvc_bls_entries "$1"
	case $hvc_ents in
	*[!A-Za-z0-9/._+@"$HVC_NL"-]*)
		hvc_blwhy="a BLS entry in $1/loader/entries has a file name hvclock does not"
		hvc_blwhy="$hvc_blwhy edit (blanks, ':' or other characters)"
		return 1
		;;
	esac
	hvc_n=0
	for hvc_e in $hvc_ents; do
		hvc_n=$((hvc_n + 1))
		hvc_boot_item1 "$hvc_e" || return 1
	done
	if [ "$hvc_n" -gt 31 ]; then
		hvc_blwhy="$hvc_n BLS entries in $1/loader/entries (hvclock edits at most 31)"
		return 1
	fi
	if [ -f /etc/kernel/cmdline ]; then
		hvc_boot_item1 /etc/kernel/cmdline || return 1
	fi
}

# Items FILE:1 .. FILE:N for the N (1 to 32) command lines of FILE, lines of keyword $3; false
# with hvc_blwhy otherwise.
hvc_boot_lines() {
	case $2 in '' | 0)
		hvc_blwhy="$1 has no $3 line"
		return 1
		;;
	esac
	if [ "$2" -gt 32 ]; then
		hvc_blwhy="$1 has $2 $3 lines (hvclock edits at most 32)"
		return 1
	fi
	hvc_i=1
	while [ "$hvc_i" -le "$2" ]; do
		hvc_boot_item1 "$1:$hvc_i" || return 1
		hvc_i=$((hvc_i + 1))
	done
}

# Item $1's current value -> hvc_iv, appended to hvc_items; false with hvc_blwhy if it
# cannot be read or edited.
hvc_boot_item1() {
	hvc_item_get "$1" || {
		hvc_blwhy=$hvc_iv
		return 1
	}
	hvc_items="$hvc_items$1 $hvc_iv$HVC_NL"
}

# The current value of item $1 -> hvc_iv (on failure: the reason); false if unreadable.
hvc_item_get() {
	hvc_rc=0
	case $1 in
	rpm-ostree)
		hvc_iv=$(rpm-ostree kargs 2>/dev/null </dev/null) || hvc_rc=1
		[ "$hvc_rc" = 0 ] || hvc_iv="rpm-ostree kargs failed"
		;;
	/etc/kernel/cmdline)
		hvc_iv=$(HVC_AWK_MODE=get HVC_AWK_VALUE='' awk "$HVC_AWK_KCMD" \
			/etc/kernel/cmdline 2>/dev/null) || hvc_rc=$?
		case $hvc_rc in
		0) ;;
		3) hvc_iv="/etc/kernel/cmdline has more than one line" ;;
		*) hvc_iv="cannot read /etc/kernel/cmdline" ;;
		esac
		;;
	/etc/update-extlinux.conf)
		hvc_assign_get default_kernel_opts /etc/update-extlinux.conf || :
		hvc_iv=$hvc_gv
		case $hvc_rc in
		0) ;;
		3)
			hvc_iv="default_kernel_opts in /etc/update-extlinux.conf uses quoting or"
			hvc_iv="$hvc_iv expansions hvclock does not edit"
			;;
		4) hvc_iv="/etc/update-extlinux.conf has no default_kernel_opts" ;;
		*) hvc_iv="cannot read /etc/update-extlinux.conf" ;;
		esac
		;;
	*)
		# the handler by family, not by the ID's shape
		case $hvc_bl in
		menu-lst)
			hvc_iv=$(HVC_AWK_MODE=kget HVC_AWK_N=${1##*:} awk "$HVC_AWK_MENU" \
				/boot/grub/menu.lst 2>/dev/null) || hvc_rc=$?
			[ "$hvc_rc" = 0 ] || hvc_iv="/boot/grub/menu.lst has no kernel line ${1##*:}"
			[ "$hvc_rc" != 0 ] || return 0
			return 1
			;;
		extlinux)
			hvc_iv=$(HVC_AWK_MODE=get HVC_AWK_KEY=append HVC_AWK_N=${1##*:} \
				awk "$HVC_AWK_KEYLINE" "${1%:*}" 2>/dev/null) || hvc_rc=$?
			[ "$hvc_rc" = 0 ] || hvc_iv="${1%:*} has no APPEND line ${1##*:}"
			[ "$hvc_rc" != 0 ] || return 0
			return 1
			;;
		esac
		hvc_iv=$(HVC_AWK_MODE=get HVC_AWK_KEY=options HVC_AWK_N=1 \
			awk "$HVC_AWK_KEYLINE" "$1" 2>/dev/null) || hvc_rc=$?
		case $hvc_rc in
		0) ;;
		3) hvc_iv="$1 has more than one options line" ;;
		4) hvc_iv="$1 has no options line" ;;
		*) hvc_iv="cannot read $1" ;;
		esac
		;;
	esac
	[ "$hvc_rc" = 0 ]
}

# Keyword lines "KEY VALUE" (HVC_AWK_KEY, matched case-insensitively: BLS "options", extlinux
# "APPEND"): "get" prints the value of the HVC_AWK_N-th (exit 4 if there is none; for options,
# exit 3 if there are several), "put" prints the file with that value replaced by
# HVC_AWK_VALUE, keeping the key and the blanks after it and every other byte.
# shellcheck disable=SC2016 # awk programs: nothing to expand
HVC_AWK_KEYLINE='
BEGIN { key = ENVIRON["HVC_AWK_KEY"]; want = ENVIRON["HVC_AWK_N"] + 0; n = 0 }
{
	line[NR] = $0
	if (tolower($1) == key && match($0, /^[ \t]*[A-Za-z]+([ \t]+|$)/)) {
		if (++n == want) {
			at = NR
			pre = substr($0, 1, RLENGTH)
			val = substr($0, RLENGTH + 1)
		}
	}
}
END {
	if (!at)
		exit 4
	if (ENVIRON["HVC_AWK_MODE"] == "get") {
		if (key == "options" && n > 1)
			exit 3
		print val
		exit 0
	}
	if (pre !~ /[ \t]$/)
		pre = pre " "
	line[at] = pre ENVIRON["HVC_AWK_VALUE"]
	for (i = 1; i <= NR; i++)
		print line[i]
}'

# /etc/kernel/cmdline: "get" prints its one line (exit 3 if it has more; an empty file is ""),
# "put" prints HVC_AWK_VALUE as the file.
# shellcheck disable=SC2016
HVC_AWK_KCMD='
{ if (NR > 1) exit 3; v = $0 }
END {
	if (NR > 1)
		exit 3
	print (ENVIRON["HVC_AWK_MODE"] == "get") ? v : ENVIRON["HVC_AWK_VALUE"]
}'

# The kernel arguments the boot loader holds -> hvc_ba; returns 1 if unknown.
hvc_bootargs() {
	hvc_ba=
	case $hvc_bl in
	grubby)
		hvc_ba=$(grubby --info=DEFAULT 2>/dev/null </dev/null | awk "$HVC_AWK_ARGS") ||
			return 1
		;;
	update-grub | grub2-mkconfig | grub-mkconfig)
		hvc_grub_file GRUB_CMDLINE_LINUX
		hvc_assign_get GRUB_CMDLINE_LINUX "$hvc_gf" || [ "$hvc_rc" != 2 ] || return 1
		hvc_ba=$hvc_gv
		;;
	grub-legacy)
		hvc_menu_get kopt || return 1
		hvc_ba=$hvc_gv
		;;
	*)
		return 1
		;;
	esac
}

# The value of menu.lst's "# $1=" line (kopt, defoptions) in its automagic section -> hvc_gv,
# exit status -> hvc_rc (0: one such line; 3: several, or per-kernel kopt_ lines; 4: none;
# other: unreadable). False unless 0.
hvc_menu_get() {
	hvc_rc=0
	hvc_gv=$(HVC_AWK_MODE=get HVC_AWK_VAR=$1 awk "$HVC_AWK_MENU" /boot/grub/menu.lst \
		2>/dev/null) || hvc_rc=$?
	case $hvc_rc in 0 | 3 | 4) ;; *) hvc_rc=2 ;; esac
	[ "$hvc_rc" = 0 ]
}

# GRUB legacy's menu.lst, as text (hvclock computes every new value on the host). A kernel
# line is "kernel PATH ARGS" whose PATH's file name is a Linux kernel's (vmlinuz*, vmlinux*,
# bzImage*, kernel-*: not xen.gz, memtest86+ and the like); its arguments are ARGS without
# trailing blanks. HVC_AWK_MODE:
# "get" (HVC_AWK_VAR): see hvc_menu_get. "put": the file with the "# kopt=" value replaced by
# HVC_AWK_KOPT and, with HVC_AWK_PUT_DEFAULT=yes, "# defoptions=" by HVC_AWK_DEFAULT; exit 3
# without exactly one kopt line. "first": the arguments of the first kernel line (with
# HVC_AWK_AUTO=yes: in the automagic section); exit 4 if none. "count": the number of kernel
# lines (exit 5 if a "module" line loads a Linux kernel: a Xen entry). "kget": the arguments
# of the HVC_AWK_N-th kernel line (exit 4 if none). "kput": the file with those arguments
# replaced by HVC_AWK_VALUE, every other byte kept (exit 4 if none).
# shellcheck disable=SC2016 # awk program: nothing to expand
HVC_AWK_MENU='
function linux(l, w) {
	split(l, w, /[ \t]+/)
	sub(/.*[\/)]/, "", w[w[1] == "" ? 3 : 2])
	return w[w[1] == "" ? 3 : 2] ~ /^(vmlinu[xz]|bzImage|kernel-)/
}
function kparse(l, m) {
	if (!match(l, /^[ \t]*kernel[ \t]+[^ \t]+/) || !linux(l))
		return 0
	kpre = substr(l, 1, RLENGTH)
	rest = substr(l, RLENGTH + 1)
	match(rest, /^[ \t]*/)
	kpre = kpre substr(rest, 1, RLENGTH)
	kargs = substr(rest, RLENGTH + 1)
	sub(/[ \t]+$/, "", kargs)
	ktail = substr(rest, RLENGTH + 1 + length(kargs))
	return 1
}
BEGIN {
	mode = ENVIRON["HVC_AWK_MODE"]
	var = ENVIRON["HVC_AWK_VAR"]
	want = ENVIRON["HVC_AWK_N"] + 0
	inauto = 0
	n = 0
	bad = 0
}
{
	line[++nl] = $0
	if ($0 ~ /^### BEGIN AUTOMAGIC KERNELS LIST/)
		inauto = 1
	else if ($0 ~ /^### END DEBIAN AUTOMAGIC KERNELS LIST/)
		inauto = 0
	if (inauto && $0 ~ /^# kopt_[^=]*=/)
		bad = 1
	if (inauto && var != "" && index($0, "# " var "=") == 1) {
		n++
		val = substr($0, length(var) + 4)
	}
	if (inauto && index($0, "# kopt=") == 1) {
		nk++
		kl = nl
	}
	if (inauto && index($0, "# defoptions=") == 1) {
		nd++
		dl = nl
	}
	if ($0 ~ /^[ \t]*module[ \t]/ && linux($0))
		lmod++
	if (kparse($0)) {
		if (mode == "first" && !found && (ENVIRON["HVC_AWK_AUTO"] != "yes" || inauto)) {
			found = 1
			first = kargs
		}
		if (++nkl == want) {
			kat = nl
			kval = kargs
			v = ENVIRON["HVC_AWK_VALUE"]
			if (v != "" && kpre !~ /[ \t]$/)
				kpre = kpre " "
			kline = kpre v ktail
		}
	}
}
END {
	if (mode == "count") {
		print nkl + 0
		exit lmod ? 5 : 0
	}
	if ((mode == "kget" || mode == "kput") && !kat)
		exit 4
	if (mode == "kget") {
		print kval
		exit 0
	}
	if (mode == "kput")
		line[kat] = kline
	if (mode == "get") {
		if (n > 1 || (var == "kopt" && bad))
			exit 3
		if (!n)
			exit 4
		print val
		exit 0
	}
	if (mode == "first") {
		if (!found)
			exit 4
		print first
		exit 0
	}
	if (mode == "put") {
		if (nk != 1 || bad || nd > 1)
			exit 3
		line[kl] = "# kopt=" ENVIRON["HVC_AWK_KOPT"]
		if (ENVIRON["HVC_AWK_PUT_DEFAULT"] == "yes" && nd == 1)
			line[dl] = "# defoptions=" ENVIRON["HVC_AWK_DEFAULT"]
	}
	if (mode == "put" || mode == "kput")
		for (i = 1; i <= nl; i++)
			print line[i]
	exit 0
}'

# The value of assignment $1 in file $2 (default /etc/default/grub) -> hvc_gv, exit status ->
# hvc_rc (0: a value hvclock edits; 3: quoting it does not edit, hvc_gv the raw text; 4: no
# assignment; other: unreadable). False unless 0.
hvc_assign_get() {
	hvc_rc=0
	hvc_gv=$(HVC_AWK_MODE=get HVC_AWK_VAR=$1 awk "$HVC_AWK_ASSIGN" "${2:-/etc/default/grub}" \
		2>/dev/null) ||
		hvc_rc=$?
	case $hvc_rc in 0 | 3 | 4) ;; *) hvc_rc=2 ;; esac
	[ "$hvc_rc" = 0 ]
}

# The time sync daemon -> hvc_ts (chronyd, ntpd, systemd-timesyncd, none) and hvc_ts_active.
# Running processes are found by their names in /proc (comm, or stat on kernels without comm).
hvc_timesync() {
	hvc_ts=none
	hvc_ts_active=inactive
	hvc_run=" "
	set +f
	for hvc_p in /proc/[0-9]*; do
		hvc_c=
		if [ -r "$hvc_p/comm" ]; then
			{ IFS= read -r hvc_c <"$hvc_p/comm"; } 2>/dev/null || :
		elif [ -r "$hvc_p/stat" ]; then
			{ IFS= read -r hvc_c <"$hvc_p/stat"; } 2>/dev/null || :
			hvc_c=${hvc_c#*\(}
			hvc_c=${hvc_c%%\)*}
		fi
		case $hvc_c in
		chronyd | ntpd) hvc_run="$hvc_run$hvc_c " ;;
		systemd-timesyn*) hvc_run="${hvc_run}systemd-timesyncd " ;;
		esac
	done
	set -f
	for hvc_d in chronyd ntpd systemd-timesyncd; do
		case $hvc_run in
		*" $hvc_d "*)
			hvc_ts=$hvc_d
			hvc_ts_active=active
			return 0
			;;
		esac
	done
	if command -v chronyd >/dev/null 2>&1; then
		hvc_ts=chronyd
	elif command -v ntpd >/dev/null 2>&1; then
		hvc_ts=ntpd
	elif [ -x /lib/systemd/systemd-timesyncd ] ||
		[ -x /usr/lib/systemd/systemd-timesyncd ]; then
		hvc_ts=systemd-timesyncd
	fi
}

# grubby --info output -> the args of the first entry, unquoted; exit 1 if there is none.
# shellcheck disable=SC2016 # awk programs: nothing to expand
HVC_AWK_ARGS='
/^args=/ {
	v = substr($0, 6)
	if (v ~ /^".*"$/)
		v = substr(v, 2, length(v) - 2)
	print v
	found = 1
	exit
}
END {
	if (!found)
		exit 1
}'

# A shell assignment VAR=VALUE in a shell fragment (/etc/default/grub, Alpine's
# /etc/update-extlinux.conf): the last one of HVC_AWK_VAR (default GRUB_CMDLINE_LINUX), as
# text: hvclock computes every new command line on the host (core/cmdline.c) and only the
# assignment's value is read or replaced here, never tokenized.
# HVC_AWK_MODE "get" prints the value (exit 0), or the raw rest of the line if its quoting is
# beyond what hvclock edits (expansions, escapes, a kernel quote inside: exit 3), or "" if there
# is no such assignment (exit 4). "put" prints the file with the value replaced by
# HVC_AWK_VALUE (and, with HVC_AWK_PUT_DEFAULT=yes, GRUB_CMDLINE_LINUX_DEFAULT's by
# HVC_AWK_DEFAULT), keeping the quoting style and every other byte; a missing assignment is
# appended with HVC_AWK_APPEND=yes, else exit 4 (HVC_AWK_PUT_VAR=no: it is left alone); exit 3
# if a value to replace has quoting beyond it.
HVC_AWK_ASSIGN='
# Split an assignment line into hvc_pre, hvc_q (quote), hvc_v (value) and hvc_post;
# returns 0 if its quoting is beyond what hvclock edits (expansions, escapes, kernel quotes).
function hvc_parse(l, var, i, rest, j)
{
	i = index(l, var "=")
	hvc_pre = substr(l, 1, i + length(var))
	rest = substr(l, i + length(var) + 1)
	hvc_q = substr(rest, 1, 1)
	if (hvc_q == "\"" || hvc_q == "\047") {
		j = index(substr(rest, 2), hvc_q)
		if (j == 0)
			return 0
		hvc_v = substr(rest, 2, j - 1)
		hvc_post = substr(rest, j + 2)
	} else {
		hvc_q = ""
		match(rest, /^[^ \t#;&|<>()$`\\"\047]*/)
		hvc_v = substr(rest, 1, RLENGTH)
		hvc_post = substr(rest, RLENGTH + 1)
	}
	if (hvc_post !~ /^[ \t]*(#.*)?$/)
		return 0
	if (hvc_v ~ /["\\$`]/)
		return 0
	return 1
}
function hvc_put(n, var, v)
{
	if (!hvc_parse(line[n], var))
		exit 3
	if (hvc_q == "" && v ~ /[ \t]/)
		hvc_q = "\""
	line[n] = hvc_pre hvc_q v hvc_q hvc_post
}
BEGIN {
	mode = ENVIRON["HVC_AWK_MODE"]
	var = ENVIRON["HVC_AWK_VAR"]
	if (var == "")
		var = "GRUB_CMDLINE_LINUX"
	nl = 0
	lastv = 0
	lastd = 0
}
{
	line[++nl] = $0
	match($0, /^[ \t]*/)
	if (index(substr($0, RLENGTH + 1), var "=") == 1)
		lastv = nl
	else if ($0 ~ /^[ \t]*GRUB_CMDLINE_LINUX_DEFAULT=/)
		lastd = nl
}
END {
	if (mode == "get") {
		n = lastv
		if (!n) {
			print ""
			exit 4
		}
		if (hvc_parse(line[n], var)) {
			print hvc_v
			exit 0
		}
		print substr(line[n], index(line[n], var "=") + length(var) + 1)
		exit 3
	}
	if (mode != "put")
		exit 2
	if (ENVIRON["HVC_AWK_PUT_DEFAULT"] == "yes" && lastd)
		hvc_put(lastd, "GRUB_CMDLINE_LINUX_DEFAULT", ENVIRON["HVC_AWK_DEFAULT"])
	if (ENVIRON["HVC_AWK_PUT_VAR"] == "no")
		;
	else if (lastv)
		hvc_put(lastv, var, ENVIRON["HVC_AWK_VALUE"])
	else if (ENVIRON["HVC_AWK_APPEND"] == "yes")
		line[++nl] = var "=\"" ENVIRON["HVC_AWK_VALUE"] "\""
	else
		exit 4
	for (i = 1; i <= nl; i++)
		print line[i]
	exit 0
}
'

# /etc/sysctl.conf as sysctl -p reads it (procps 3.2 and procps-ng, busybox: blank lines and
# lines starting with # or ; skipped, "key = value" with blanks trimmed, applied in order).
# HVC_AWK_MODE "get" prints "LINE OWNER KEY VALUE" for each assignment of a key in HVC_AWK_KEYS
# (OWNER "hvclock" inside hvclock's block, else "admin"); "put" prints the file without
# hvclock's block, then the block with the lines of HVC_AWK_BLOCK. Both exit 3 (get after
# printing "open LINE") if a begin marker has no end marker.
# shellcheck disable=SC2016 # awk program: nothing to expand
HVC_AWK_SYSCTLCONF='
BEGIN {
	mode = ENVIRON["HVC_AWK_MODE"]
	nk = split(ENVIRON["HVC_AWK_KEYS"], ks, " ")
	for (i = 1; i <= nk; i++)
		want[ks[i]] = 1
	inb = 0
	n = 0
}
!inb && $0 == ENVIRON["HVC_CONF_BEGIN"] {
	inb = 1
	openl = NR
	next
}
inb && $0 == ENVIRON["HVC_CONF_END"] {
	inb = 0
	next
}
mode == "put" {
	if (!inb)
		out[++n] = $0
	next
}
{
	l = $0
	sub(/^[ \t]+/, "", l)
	if (l == "" || l ~ /^[#;]/)
		next
	i = index(l, "=")
	if (!i)
		next
	k = substr(l, 1, i - 1)
	v = substr(l, i + 1)
	sub(/[ \t]+$/, "", k)
	sub(/^-/, "", k)
	if (k ~ /\// && k !~ /\./)
		gsub(/\//, ".", k)
	sub(/^[ \t]+/, "", v)
	sub(/[ \t]+$/, "", v)
	if (k in want)
		print NR, (inb ? "hvclock" : "admin"), k, v
}
END {
	if (inb) {
		if (mode != "put")
			print "open", openl
		exit 3
	}
	if (mode != "put")
		exit 0
	for (i = 1; i <= n; i++)
		print out[i]
	print ENVIRON["HVC_CONF_BEGIN"]
	nb = split(ENVIRON["HVC_AWK_BLOCK"], b, "\n")
	for (i = 1; i <= nb; i++)
		if (b[i] != "")
			print b[i]
	print ENVIRON["HVC_CONF_END"]
}'

# hvc_sysctl_files KEYS: the files in the directories systemd-sysctl and "sysctl --system" read
# (names of [A-Za-z0-9._-] only, at most 200), in that order, one "sysctl-file PATH [TARGET]"
# each (TARGET: where a symlink leads), each followed by the assignments of KEYS in it as
# "sysctl-set PATH LINE KEY [VALUE]" (at most 200 in all). Facts only: the host decides the order.
hvc_sysctl_files() {
	hvc_fs=
	set +f
	for hvc_d in /etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d \
		/lib/sysctl.d; do
		[ -d "$hvc_d" ] || continue
		# merged /usr: /lib/sysctl.d is /usr/lib/sysctl.d
		[ "$hvc_d" != /lib/sysctl.d ] || [ ! -L /lib ] || continue
		for hvc_f in "$hvc_d"/*; do
			[ -e "$hvc_f" ] || [ -L "$hvc_f" ] || continue
			[ ! -d "$hvc_f" ] || continue
			case ${hvc_f##*/} in *[!A-Za-z0-9._-]*) continue ;; esac
			hvc_fs="$hvc_fs$hvc_f$HVC_NL"
		done
	done
	set -f
	# no pipelines: the counts live in this shell (names hold no blank or newline)
	hvc_nf=0
	hvc_ns=0
	for hvc_f in $hvc_fs; do
		hvc_nf=$((hvc_nf + 1))
		[ "$hvc_nf" -le 200 ] || break
		hvc_t=
		if [ -L "$hvc_f" ]; then
			hvc_t=$(readlink -f "$hvc_f" 2>/dev/null) || hvc_t=
			case $hvc_t in /*) ;; *) hvc_t= ;; esac
			case $hvc_t in *[!A-Za-z0-9/._-]*) hvc_t= ;; esac
		fi
		echo "sysctl-file $hvc_f${hvc_t:+ $hvc_t}"
		[ -f "$hvc_f" ] || continue
		[ -r "$hvc_f" ] || continue
		hvc_o=$(HVC_AWK_MODE=get HVC_AWK_KEYS=$1 HVC_CONF_BEGIN=$HVC_CONF_BEGIN \
			HVC_CONF_END=$HVC_CONF_END awk "$HVC_AWK_SYSCTLCONF" "$hvc_f" 2>/dev/null) || :
		hvc_ifs=$IFS
		IFS=$HVC_NL
		for hvc_l in $hvc_o; do
			IFS=$hvc_ifs
			case $hvc_l in '' | "open "*) continue ;; esac
			hvc_ns=$((hvc_ns + 1))
			[ "$hvc_ns" -le 200 ] || break
			# "LINE CLASS KEY [VALUE]" (a space after KEY when VALUE is empty) -> "LINE KEY [VALUE]"
			hvc_r=${hvc_l#* * }
			while :; do
				case $hvc_r in
				*' ') hvc_r=${hvc_r% } ;;
				*) break ;;
				esac
			done
			hvc_put sysctl-set "$hvc_f ${hvc_l%% *} $hvc_r"
		done
		IFS=$hvc_ifs
	done
}

# hvc_sysctl_conf_get KEYS: the assignments of KEYS in /etc/sysctl.conf -> hvc_sc (lines as
# HVC_AWK_SYSCTLCONF "get" prints them; empty if the file is missing), exit status -> hvc_rc.
hvc_sysctl_conf_get() {
	hvc_sc=
	hvc_rc=0
	[ -f "$HVC_SYSCTL_CONF" ] || return 0
	hvc_sc=$(HVC_AWK_MODE=get HVC_AWK_KEYS=$1 HVC_CONF_BEGIN=$HVC_CONF_BEGIN \
		HVC_CONF_END=$HVC_CONF_END awk "$HVC_AWK_SYSCTLCONF" "$HVC_SYSCTL_CONF" 2>/dev/null) ||
		hvc_rc=$?
}
