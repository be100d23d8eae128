# apply.sh: hvclock's guest-side change (or its rollback); prints the "hvclock-apply 1" report.
#
# Run by hvclock as "/bin/sh -s" with this text on stdin, followed by the line
# "hvc_main <<'HVCLOCK_DATA_END'", the data block (directives: mode, bootloader, boot-old,
# boot-new, boot-default-old, boot-default-new, boot-file, boot-default-file, boot-item-old,
# boot-item-new, boot-ostree-delete, boot-ostree-append,
# boot-grubby-remove, boot-grubby-add, sysctl, sysctl-persist, clocksource, timesync, dom0,
# deadline) and the terminator; the
# protocol is specified in docs/guest-protocol.md. Every file is backed up under
# /var/lib/hvclock before its first change (the first original is kept), and
# what was changed is recorded in /var/lib/hvclock/state for the rollback.
# POSIX sh: runs under dash, bash and busybox applets.

# @HVC_LIB@ (templates/guest/lib.sh is inserted here at build time)

HVC_DROPIN_HEAD="# Written by hvclock; 'hvclock rollback' restores what was here before."

# One report line: "result STEP [KEY] STATUS [DETAIL]".
hvc_result() {
	hvc_put result "$*"
}

# True if the state file holds exactly the line $1 (or, with a second argument, a line
# starting with $1).
hvc_state_has() {
	if [ -f "$HVC_STATE" ]; then
		while IFS= read -r hvc_sl; do
			case $hvc_sl in
			"$1") return 0 ;;
			"$1"*) [ $# -lt 2 ] || return 0 ;;
			esac
		done <"$HVC_STATE"
	fi
	# and the lines not yet written (hvc_state_begin)
	case $HVC_NL$hvc_spend in
	*"$HVC_NL$1$HVC_NL"*) return 0 ;;
	*"$HVC_NL$1"*) [ $# -lt 2 ] || return 0 ;;
	esac
	return 1
}

# Append a line to the state file (atomically, before the change it records is made). The
# shell copies the old lines (a small file; no cat). Between hvc_state_begin and
# hvc_state_commit the lines are kept and written at once by the commit, which must come before
# the change they record.
hvc_sbatch=
hvc_spend=
hvc_state_begin() {
	hvc_sbatch=yes
	hvc_spend=
}
hvc_state_commit() {
	hvc_sbatch=
	[ -n "$hvc_spend" ] || return 0
	hvc_sl=${hvc_spend%"$HVC_NL"}
	hvc_spend=
	hvc_state_add "$hvc_sl"
}
hvc_state_add() {
	if [ -n "$hvc_sbatch" ]; then
		hvc_spend=$hvc_spend$1$HVC_NL
		return 0
	fi
	if [ ! -d "$HVC_DIR" ]; then
		mkdir -p "$HVC_DIR" && chmod 700 "$HVC_DIR" || return 1
	fi
	{
		if [ -f "$HVC_STATE" ]; then
			while IFS= read -r hvc_sl || [ -n "$hvc_sl" ]; do
				printf '%s\n' "$hvc_sl"
			done <"$HVC_STATE"
		else
			echo "hvclock-guest-state 1"
		fi
		printf '%s\n' "$1"
	} >"$HVC_STATE.tmp" && mv -f "$HVC_STATE.tmp" "$HVC_STATE" &&
		hvc_flush_add "$HVC_STATE" && hvc_flush_add "$HVC_DIR"
}

# What this run wrote, to be flushed at its end (hvc_flush): each path once, one a line.
hvc_flushl=
hvc_flush_add() {
	case $HVC_NL$hvc_flushl in
	*"$HVC_NL$1$HVC_NL"*) ;;
	*) hvc_flushl=$hvc_flushl$1$HVC_NL ;;
	esac
}

# hvclock tells the operator to power-cycle (destroy + start): what was written must be on
# disk by then, not in the page cache. "sync FILE..." fsyncs just those (coreutils 8.24 and
# later, busybox 1.27 and later); older ones ignore the names and sync every filesystem, as
# this did before. Nothing written: nothing to flush.
hvc_flush() {
	[ -n "$hvc_flushl" ] || return 0
	set --
	hvc_ifs=$IFS
	IFS=$HVC_NL
	for hvc_p in $hvc_flushl; do
		set -- "$@" "$hvc_p"
	done
	IFS=$hvc_ifs
	sync -- "$@" 2>/dev/null || :
}

# Record line $1 unless a line starting with $2 is there already: the first original wins.
hvc_state_once() {
	hvc_state_has "$2" prefix || hvc_state_add "$1"
}

# Keep the first original of file $2 (or that it did not exist) under category $1.
# Every file apply changes is passed here first, so it is also flushed at the end (the file
# and its directory: the changes are written as a new file renamed over the old).
hvc_dirok=
hvc_backup() {
	hvc_flush_add "$2"
	hvc_flush_add "${2%/*}"
	if hvc_state_has "saved $1 $2" || hvc_state_has "absent $1 $2"; then
		return 0
	fi
	if [ -e "$2" ]; then
		hvc_b=$HVC_BACKUP$2
		# hvclock's directory first, 0700 (once a run): the backups may hold anything the
		# guest had. The copy needs no temporary name: until the state line below names it,
		# a backup counts for nothing (a run cut short makes it again).
		if [ -z "$hvc_dirok" ]; then
			{ [ -d "$HVC_DIR" ] || mkdir -m 700 -p "$HVC_DIR"; } && chmod 700 "$HVC_DIR" ||
				return 1
			hvc_dirok=yes
		fi
		{ [ -d "${hvc_b%/*}" ] || mkdir -p "${hvc_b%/*}"; } && cp -p "$2" "$hvc_b" &&
			hvc_flush_add "$hvc_b" && hvc_flush_add "${hvc_b%/*}" &&
			hvc_state_add "saved $1 $2"
	else
		hvc_state_add "absent $1 $2"
	fi
}

# True if two files have the same bytes.
hvc_same() {
	if command -v cmp >/dev/null 2>&1; then
		cmp -s "$1" "$2"
	else
		[ "$(cksum <"$1")" = "$(cksum <"$2")" ]
	fi
}

# Write the first line of $2 to file $1; false (quietly) if the write is refused.
hvc_write() {
	(printf '%s\n' "$2" >"$1") 2>/dev/null
}

# The grub.cfg that grub2-mkconfig regenerates -> hvc_cfg.
hvc_grubcfg() {
	set +f
	set -- /boot/grub2/grub.cfg /boot/grub/grub.cfg /boot/efi/EFI/*/grub.cfg
	set -f
	for hvc_cfg in "$@"; do
		if [ -f "$hvc_cfg" ]; then
			return 0
		fi
	done
	hvc_cfg=
	return 1
}

# Read back a regenerated grub.cfg (on its input): the first kernel line is the first
# `linux`/`linux16`/`linuxefi` line, or with HVC_DOM0=yes the first `module`/`module2`/
# `xen_module` line loading a vmlinu* (the dom0 kernel of a Xen entry). Its words must end with
# the words of HVC_AWK_WANT (the new GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT values
# hvclock sent), compared whole after splitting on blanks: GRUB puts them last, so anything
# after them (an override in /etc/default/grub.d, GRUB_CMDLINE_LINUX_XEN_REPLACE) shows.
# Exit 0: it holds; 1: it does not; 2: no such line.
# shellcheck disable=SC2016
HVC_AWK_GRUBCFG='
BEGIN {
	nwant = split(ENVIRON["HVC_AWK_WANT"], want, /[ \t]+/)
	m = 0
	for (i = 1; i <= nwant; i++)
		if (want[i] != "")
			w2[++m] = want[i]
	nwant = m
	dom0 = ENVIRON["HVC_DOM0"] == "yes"
}
{
	n = split($0, w, /[ \t]+/)
	f = (w[1] == "") ? 2 : 1
	if (dom0) {
		if (w[f] != "module" && w[f] != "module2" && w[f] != "xen_module")
			next
		b = w[f + 1]
		sub(/.*\//, "", b)
		if (b !~ /^vmlinu/)
			next
	} else if (w[f] != "linux" && w[f] != "linux16" && w[f] != "linuxefi") {
		next
	}
	found = 1
	nt = 0
	for (i = f + 2; i <= n; i++)
		if (w[i] != "")
			tok[++nt] = w[i]
	exit
}
END {
	if (!found)
		exit 2
	if (nt < nwant)
		exit 1
	for (k = 1; k <= nwant; k++)
		if (tok[nt - nwant + k] != w2[k])
			exit 1
	exit 0
}'

# Run the boot loader tool that regenerates grub.cfg from /etc/default/grub (grub-mkconfig:
# into /boot/grub/grub.cfg, where Arch, Gentoo and Alpine keep it).
hvc_regenerate() {
	case $1 in
	update-grub)
		update-grub >/dev/null 2>&1 </dev/null
		;;
	grub2-mkconfig)
		hvc_grubcfg && grub2-mkconfig -o "$hvc_cfg" >/dev/null 2>&1 </dev/null
		;;
	grub-mkconfig)
		grub-mkconfig -o /boot/grub/grub.cfg >/dev/null 2>&1 </dev/null
		;;
	esac
}

# True if what the boot loader holds is still what hvclock planned from (hvc_cur: what it
# holds now); else reports "stale" for the step, changing nothing.
hvc_boot_fresh() { # WHAT CURRENT EXPECTED
	[ "$2" != "$3" ] || return 0
	hvc_result bootloader stale "$1 is now '$2', not '$3' as planned; nothing changed" \
		"(plan again)"
	return 1
}

# FILE.hvclock-new: FILE with GRUB_CMDLINE_LINUX (if $2 is yes) and GRUB_CMDLINE_LINUX_DEFAULT
# (if $3 is yes) set to the values hvclock sent; false with hvc_why.
hvc_grub_new() {
	if ! cp -p "$1" "$1.hvclock-new" 2>/dev/null; then
		hvc_why="cannot write next to $1"
		return 1
	fi
	hvc_rc=0
	HVC_AWK_MODE=put HVC_AWK_PUT_VAR=$2 HVC_AWK_APPEND=yes HVC_AWK_VALUE=$hvc_bnew \
		HVC_AWK_PUT_DEFAULT=$3 HVC_AWK_DEFAULT=$hvc_bdnew awk "$HVC_AWK_ASSIGN" "$1" \
		>"$1.hvclock-new" || hvc_rc=$?
	if [ "$hvc_rc" != 0 ]; then
		rm -f "$1.hvclock-new"
		hvc_why="awk could not edit $1 (exit $hvc_rc)"
		return 1
	fi
}

# Put back the files of hvc_files (one a line) from their .hvclock-old copies.
hvc_grub_putback() {
	printf '%s' "$hvc_files" | while IFS= read -r hvc_p; do
		[ ! -f "$hvc_p.hvclock-old" ] || mv -f "$hvc_p.hvclock-old" "$hvc_p"
		rm -f "$hvc_p.hvclock-new"
	done
}

# GRUB_CMDLINE_LINUX (and _DEFAULT) set to the values hvclock computed, each in the file whose
# assignment wins (/etc/default/grub, or the last /etc/default/grub.d/*.cfg assigning it, see
# hvc_grub_file), then update-grub, grub2-mkconfig or grub-mkconfig, then all read back.
hvc_boot_grub() {
	hvc_grub_file GRUB_CMDLINE_LINUX
	hvc_f=$hvc_gf
	hvc_grub_file GRUB_CMDLINE_LINUX_DEFAULT
	hvc_fd=$hvc_gf
	if [ -n "$hvc_bfile" ]; then
		hvc_boot_fresh "the file whose GRUB_CMDLINE_LINUX wins" "$hvc_f" "$hvc_bfile" ||
			return 0
	fi
	if [ -n "$hvc_bdfile" ] && [ "$hvc_bdef" = yes ]; then
		hvc_boot_fresh "the file whose GRUB_CMDLINE_LINUX_DEFAULT wins" "$hvc_fd" \
			"$hvc_bdfile" || return 0
	fi
	case $hvc_bold$hvc_bnew in
	*\"*)
		hvc_result bootloader failed "a value with a double quote cannot go into $hvc_f"
		return 0
		;;
	esac
	if [ "$hvc_bl" = grub2-mkconfig ] && ! hvc_grubcfg; then
		hvc_result bootloader failed "no grub.cfg for grub2-mkconfig" \
			"(looked in /boot/grub2, /boot/grub, /boot/efi/EFI/*)"
		return 0
	fi
	hvc_assign_get GRUB_CMDLINE_LINUX "$hvc_f" || :
	hvc_cur=$hvc_gv
	case $hvc_rc in
	0 | 4) ;;
	3)
		hvc_result bootloader failed "GRUB_CMDLINE_LINUX in $hvc_f uses quoting" \
			"or expansions hvclock does not edit"
		return 0
		;;
	*)
		hvc_result bootloader failed "cannot read $hvc_f"
		return 0
		;;
	esac
	hvc_boot_fresh "GRUB_CMDLINE_LINUX in $hvc_f" "$hvc_cur" "$hvc_bold" || return 0
	hvc_assign_get GRUB_CMDLINE_LINUX_DEFAULT "$hvc_fd" || :
	case $hvc_rc:$hvc_bdef in
	0:yes) hvc_boot_fresh "GRUB_CMDLINE_LINUX_DEFAULT in $hvc_fd" "$hvc_gv" "$hvc_bdold" ||
		return 0 ;;
	4:no) ;;
	3:*)
		hvc_result bootloader failed "GRUB_CMDLINE_LINUX_DEFAULT in $hvc_fd uses quoting" \
			"or expansions hvclock does not edit"
		return 0
		;;
	4:yes | 0:no)
		hvc_result bootloader stale "GRUB_CMDLINE_LINUX_DEFAULT in $hvc_fd was" \
			"$([ "$hvc_bdef" = yes ] && echo removed || echo added) since the plan;" \
			"nothing changed (plan again)"
		return 0
		;;
	*)
		hvc_result bootloader failed "cannot read $hvc_fd"
		return 0
		;;
	esac
	if [ "$hvc_bnew" = "$hvc_bold" ] && [ "$hvc_bdnew" = "$hvc_bdold" ]; then
		hvc_result bootloader in-place
		return 0
	fi
	# One file, or two when GRUB_CMDLINE_LINUX_DEFAULT wins in another one.
	hvc_files=$hvc_f$HVC_NL
	hvc_pd=$hvc_bdef
	if [ "$hvc_bdef" = yes ] && [ "$hvc_fd" != "$hvc_f" ]; then
		hvc_pd=no
		hvc_files=$hvc_files$hvc_fd$HVC_NL
	fi
	hvc_why=
	if ! hvc_grub_new "$hvc_f" yes "$hvc_pd" || { [ "$hvc_pd$hvc_bdef" = noyes ] &&
		! hvc_grub_new "$hvc_fd" no yes; }; then
		hvc_grub_putback
		hvc_result bootloader failed "$hvc_why"
		return 0
	fi
	for hvc_p in $hvc_f $hvc_fd; do
		case $hvc_files in
		*"$hvc_p$HVC_NL"*) ;;
		*) continue ;;
		esac
		if ! hvc_backup bootloader "$hvc_p" ||
			! hvc_state_once "bootloader $hvc_bl" "bootloader " ||
			! cp -p "$hvc_p" "$hvc_p.hvclock-old"; then
			hvc_grub_putback
			hvc_result bootloader failed "cannot keep the original of $hvc_p in $HVC_DIR"
			return 0
		fi
	done
	for hvc_p in $hvc_f $hvc_fd; do
		case $hvc_files in
		*"$hvc_p$HVC_NL"*) ;;
		*) continue ;;
		esac
		[ -f "$hvc_p.hvclock-new" ] || continue
		if ! mv -f "$hvc_p.hvclock-new" "$hvc_p"; then
			hvc_grub_putback
			hvc_result bootloader failed "cannot replace $hvc_p"
			return 0
		fi
	done
	# Read back what was written, then what GRUB will boot.
	hvc_why=
	hvc_assign_get GRUB_CMDLINE_LINUX "$hvc_f" || :
	[ "$hvc_gv" = "$hvc_bnew" ] || hvc_why="$hvc_f: GRUB_CMDLINE_LINUX reads back as '$hvc_gv'"
	if [ "$hvc_bdef" = yes ]; then
		hvc_assign_get GRUB_CMDLINE_LINUX_DEFAULT "$hvc_fd" || :
		[ "$hvc_gv" = "$hvc_bdnew" ] ||
			hvc_why="$hvc_fd: GRUB_CMDLINE_LINUX_DEFAULT reads back as '$hvc_gv'"
	fi
	if [ -n "$hvc_why" ]; then
		hvc_grub_putback
		hvc_result bootloader failed "$hvc_why; put back"
		return 0
	fi
	hvc_rc=0
	hvc_regenerate "$hvc_bl" || hvc_rc=$?
	if [ "$hvc_rc" != 0 ]; then
		hvc_grub_putback
		hvc_result bootloader failed "$hvc_bl failed (exit $hvc_rc); $hvc_f put back"
		return 0
	fi
	[ "$hvc_bl" = grub2-mkconfig ] || hvc_cfg=/boot/grub/grub.cfg
	hvc_rc=0
	HVC_AWK_WANT="$hvc_bnew $hvc_bdnew" awk "$HVC_AWK_GRUBCFG" "$hvc_cfg" 2>/dev/null ||
		hvc_rc=$?
	if [ "$hvc_rc" != 0 ]; then
		hvc_grub_putback
		hvc_regenerate "$hvc_bl" || :
		if [ "$hvc_rc" = 2 ]; then
			hvc_why="has no $([ "$HVC_DOM0" = yes ] && echo "Xen entry with a dom0 kernel" ||
				echo "linux line")"
		else
			hvc_why="does not end its first kernel line with the new arguments (something"
			hvc_why="$hvc_why else overrides GRUB_CMDLINE_LINUX"
			[ "$HVC_DOM0" != yes ] || hvc_why="$hvc_why: GRUB_CMDLINE_LINUX_XEN_REPLACE?"
			hvc_why="$hvc_why)"
		fi
		hvc_result bootloader failed "$hvc_bl ran but $hvc_cfg $hvc_why; $hvc_f put back"
		return 0
	fi
	printf '%s' "$hvc_files" | while IFS= read -r hvc_p; do
		rm -f "$hvc_p.hvclock-old"
	done
	if [ "$hvc_f" = /etc/default/grub ]; then
		hvc_result bootloader deferred "GRUB_CMDLINE_LINUX set and $hvc_bl ran;" \
			"takes effect at the next boot"
	else
		hvc_result bootloader deferred "GRUB_CMDLINE_LINUX set in $hvc_f (it wins over" \
			"/etc/default/grub) and $hvc_bl ran; takes effect at the next boot"
	fi
}

# Keep the first original of menu.lst and record the family, then move FILE.hvclock-new over it
# (keeping the current one as .hvclock-old); false with hvc_why.
hvc_menu_replace() {
	hvc_f=/boot/grub/menu.lst
	if ! hvc_backup bootloader "$hvc_f" || ! hvc_state_once "bootloader $hvc_bl" "bootloader " ||
		! cp -p "$hvc_f" "$hvc_f.hvclock-old"; then
		rm -f "$hvc_f.hvclock-new"
		hvc_why="cannot keep the original of $hvc_f in $HVC_DIR"
		return 1
	fi
	if ! mv -f "$hvc_f.hvclock-new" "$hvc_f"; then
		rm -f "$hvc_f.hvclock-new" "$hvc_f.hvclock-old"
		hvc_why="cannot replace $hvc_f"
		return 1
	fi
}

# GRUB legacy with Debian's grub-legacy update-grub: menu.lst's "# kopt=" (and "# defoptions=")
# set to the values hvclock computed, update-grub, then the first automagic kernel line read
# back: its arguments must be the new kopt and defoptions, word for word.
hvc_boot_legacy() {
	hvc_f=/boot/grub/menu.lst
	hvc_menu_get kopt || :
	case $hvc_rc in
	0) ;;
	3)
		hvc_result bootloader failed "$hvc_f has several kopt lines or per-kernel kopt_" \
			"lines, which hvclock does not edit"
		return 0
		;;
	*)
		hvc_result bootloader failed "no '# kopt=' line in $hvc_f's automagic section"
		return 0
		;;
	esac
	hvc_boot_fresh "'# kopt=' in $hvc_f" "$hvc_gv" "$hvc_bold" || return 0
	hvc_menu_get defoptions || :
	case $hvc_rc:$hvc_bdef in
	0:yes) hvc_boot_fresh "'# defoptions=' in $hvc_f" "$hvc_gv" "$hvc_bdold" || return 0 ;;
	4:no) ;;
	3:*)
		hvc_result bootloader failed "$hvc_f has several defoptions lines"
		return 0
		;;
	*)
		hvc_result bootloader stale "'# defoptions=' in $hvc_f changed since the plan;" \
			"nothing changed (plan again)"
		return 0
		;;
	esac
	if [ "$hvc_bnew" = "$hvc_bold" ] && [ "$hvc_bdnew" = "$hvc_bdold" ]; then
		hvc_result bootloader in-place
		return 0
	fi
	hvc_rc=0
	HVC_AWK_MODE=put HVC_AWK_KOPT=$hvc_bnew HVC_AWK_PUT_DEFAULT=$hvc_bdef \
		HVC_AWK_DEFAULT=$hvc_bdnew awk "$HVC_AWK_MENU" "$hvc_f" >"$hvc_f.hvclock-new" ||
		hvc_rc=$?
	if [ "$hvc_rc" != 0 ]; then
		rm -f "$hvc_f.hvclock-new"
		hvc_result bootloader failed "awk could not edit $hvc_f (exit $hvc_rc)"
		return 0
	fi
	if ! hvc_menu_replace; then
		hvc_result bootloader failed "$hvc_why"
		return 0
	fi
	hvc_why=
	hvc_menu_get kopt || :
	[ "$hvc_gv" = "$hvc_bnew" ] || hvc_why="'# kopt=' reads back as '$hvc_gv'"
	if [ -z "$hvc_why" ]; then
		hvc_rc=0
		update-grub >/dev/null 2>&1 </dev/null || hvc_rc=$?
		[ "$hvc_rc" = 0 ] || hvc_why="update-grub failed (exit $hvc_rc)"
	fi
	if [ -z "$hvc_why" ]; then
		hvc_r=$(HVC_AWK_MODE=first HVC_AWK_AUTO=yes awk "$HVC_AWK_MENU" "$hvc_f" 2>/dev/null) ||
			hvc_r=
		hvc_words "$hvc_r"
		hvc_got=$hvc_w
		hvc_words "$hvc_bnew $hvc_bdnew"
		[ "$hvc_got" = "$hvc_w" ] ||
			hvc_why="update-grub ran but the first automagic kernel line has '$hvc_got'"
	fi
	if [ -n "$hvc_why" ]; then
		# the whole file back: update-grub writes menu.lst itself
		mv -f "$hvc_f.hvclock-old" "$hvc_f"
		hvc_result bootloader failed "$hvc_why; $hvc_f put back"
		return 0
	fi
	rm -f "$hvc_f.hvclock-old"
	hvc_result bootloader deferred "'# kopt=' set and update-grub ran;" \
		"takes effect at the next boot"
}

# grubby --update-kernel=ALL with the argument lists hvclock computed, after keeping every
# file grubby may rewrite; the default entry's args must then read back as the new value.
hvc_boot_grubby() {
	if ! hvc_bootargs; then
		hvc_result bootloader failed "grubby --info=DEFAULT shows no kernel arguments"
		return 0
	fi
	hvc_boot_fresh "grubby's default kernel command line" "$hvc_ba" "$hvc_bold" || return 0
	if [ "$hvc_bnew" = "$hvc_bold" ]; then
		hvc_result bootloader in-place
		return 0
	fi
	set +f
	set -- /etc/default/grub /boot/grub2/grubenv /boot/grub2/grub.cfg /boot/grub/grub.conf \
		/boot/efi/EFI/*/grub.cfg /boot/efi/EFI/*/grubenv /boot/loader/entries/*.conf
	set -f
	hvc_state_begin # one write of the state file for all the records below
	for hvc_p in "$@"; do
		if [ ! -f "$hvc_p" ] || [ -L "$hvc_p" ]; then
			continue
		fi
		case $hvc_p in
		*"$HVC_NL"*) continue ;;
		esac
		if ! hvc_backup bootloader "$hvc_p"; then
			hvc_state_commit || :
			hvc_result bootloader failed "cannot keep the original of $hvc_p"
			return 0
		fi
	done
	if ! hvc_state_once "bootloader grubby" "bootloader " || ! hvc_state_commit; then
		hvc_result bootloader failed "cannot write $HVC_STATE"
		return 0
	fi
	set -- --update-kernel=ALL
	if [ -n "$hvc_grm" ]; then
		set -- "$@" "--remove-args=${hvc_grm# }"
	fi
	if [ -n "$hvc_gadd" ]; then
		set -- "$@" "--args=${hvc_gadd# }"
	fi
	hvc_rc=0
	grubby "$@" >/dev/null 2>&1 </dev/null || hvc_rc=$?
	if [ "$hvc_rc" != 0 ]; then
		hvc_result bootloader failed "grubby failed (exit $hvc_rc)"
		return 0
	fi
	hvc_ba="(none)"
	hvc_bootargs || :
	if [ "$hvc_ba" != "$hvc_bnew" ]; then
		hvc_result bootloader failed "grubby ran but the default entry's arguments are" \
			"'$hvc_ba', not '$hvc_bnew'"
		return 0
	fi
	hvc_result bootloader deferred "grubby --update-kernel=ALL done;" \
		"takes effect at the next boot"
}

# --- The item families (rpm-ostree, systemd-boot, bls, update-extlinux, extlinux, menu-lst): one
# command line per file or line ("ID VALUE" items); hvclock sent each item's old and new value.

# The value item $1 has in list $2 ("ID VALUE" lines) -> hvc_lv; false if not there.
hvc_lookup() {
	while IFS= read -r hvc_ll; do
		case $hvc_ll in
		"$1" | "$1 "*)
			hvc_lv=${hvc_ll#"$1"}
			hvc_lv=${hvc_lv# }
			return 0
			;;
		esac
	done <<EOF
$2
EOF
	return 1
}

# The IDs of list $1, one a line -> hvc_ids.
hvc_item_ids() {
	hvc_ids=
	while IFS= read -r hvc_ll; do
		[ -z "$hvc_ll" ] || hvc_ids="$hvc_ids${hvc_ll%% *}$HVC_NL"
	done <<EOF
$1
EOF
}

# Write value $2 into item $1's file (FILE.hvclock-old keeps what was there until the end).
hvc_item_put() {
	hvc_p=${1%:*}
	hvc_m=put
	hvc_var=
	case $1 in
	/etc/kernel/cmdline) hvc_awk=$HVC_AWK_KCMD hvc_k='' hvc_n='' ;;
	/etc/update-extlinux.conf) hvc_awk=$HVC_AWK_ASSIGN hvc_k='' hvc_n='' hvc_var=default_kernel_opts ;;
	*)
		# the handler by family, not by the ID's shape (FILE:N only for these two)
		case $hvc_bl in
		menu-lst) hvc_awk=$HVC_AWK_MENU hvc_m=kput hvc_k='' hvc_n=${1##*:} ;;
		extlinux) hvc_awk=$HVC_AWK_KEYLINE hvc_k=append hvc_n=${1##*:} ;;
		*) hvc_p=$1 hvc_awk=$HVC_AWK_KEYLINE hvc_k=options hvc_n=1 ;;
		esac
		;;
	esac
	if ! hvc_backup bootloader "$hvc_p"; then
		hvc_why="cannot keep the original of $hvc_p in $HVC_DIR"
		return 1
	fi
	hvc_item_keep "$hvc_p" || return 1
	hvc_rc=0
	{ cp -p "$hvc_p" "$hvc_p.hvclock-new" &&
		HVC_AWK_MODE=$hvc_m HVC_AWK_KEY=$hvc_k HVC_AWK_N=$hvc_n HVC_AWK_VAR=$hvc_var \
			HVC_AWK_VALUE=$2 awk "$hvc_awk" "$hvc_p" >"$hvc_p.hvclock-new"; } || hvc_rc=$?
	if [ "$hvc_rc" != 0 ] || ! mv -f "$hvc_p.hvclock-new" "$hvc_p"; then
		rm -f "$hvc_p.hvclock-new"
		hvc_why="cannot edit $1 (exit $hvc_rc)"
		return 1
	fi
}

# At the first touch of file $1 in this run (membership in hvc_touched, not the copy's
# existence: one left by an interrupted run is stale), a fresh FILE.hvclock-old; false with
# hvc_why.
hvc_item_keep() {
	case $HVC_NL$hvc_touched in *"$HVC_NL$1$HVC_NL"*) return 0 ;; esac
	cp -p "$1" "$1.hvclock-old" || {
		hvc_why="cannot write next to $1"
		return 1
	}
	hvc_touched="$hvc_touched$1$HVC_NL"
}

# Put back every file hvc_item_put changed ($1 undo, after a failure), or drop the copies.
hvc_items_end() {
	while IFS= read -r hvc_p; do
		[ -n "$hvc_p" ] || continue
		if [ "$1" = undo ]; then
			mv -f "$hvc_p.hvclock-old" "$hvc_p"
		else
			rm -f "$hvc_p.hvclock-old"
		fi
	done <<EOF
$hvc_touched
EOF
	hvc_touched=
}

# update-extlinux's output (Alpine: /boot/extlinux.conf): every APPEND line must end with
# the words of $1.
hvc_extlinux_check() {
	hvc_rc=0
	HVC_AWK_WANT=$1 awk '
		BEGIN { nw = split(ENVIRON["HVC_AWK_WANT"], w, /[ \t]+/) }
		tolower($1) == "append" {
			seen = 1
			if (NF - 1 < nw)
				bad = 1
			for (k = 1; k <= nw; k++)
				if ($(NF - nw + k) != w[k])
					bad = 1
		}
		END { exit bad ? 1 : !seen ? 2 : 0 }' /boot/extlinux.conf 2>/dev/null || hvc_rc=$?
	case $hvc_rc in
	0) return 0 ;;
	2) hvc_why="update-extlinux ran but /boot/extlinux.conf has no APPEND line" ;;
	*)
		hvc_why="update-extlinux ran but an APPEND line of /boot/extlinux.conf does not"
		hvc_why="$hvc_why end with the new options"
		;;
	esac
	return 1
}

# rpm-ostree kargs with the lists hvclock computed; the reverse recorded first (each apply one
# "ostree-undo" line, which the rollback runs last to first), the kargs before the first once.
hvc_boot_ostree() {
	set --
	hvc_undo=
	for hvc_a in $hvc_odel; do
		set -- "$@" "--delete=$hvc_a"
		hvc_undo="$hvc_undo --append=$hvc_a"
	done
	for hvc_a in $hvc_oapp; do
		set -- "$@" "--append=$hvc_a"
		hvc_undo=" --delete=$hvc_a$hvc_undo"
	done
	hvc_lookup rpm-ostree "$hvc_iold" || :
	if ! hvc_state_once "ostree-orig $hvc_lv" "ostree-orig " ||
		! hvc_state_add "ostree-undo ${hvc_undo# }"; then
		hvc_why="cannot write $HVC_STATE"
		return 0
	fi
	hvc_rc=0
	rpm-ostree kargs "$@" >/dev/null 2>&1 </dev/null || hvc_rc=$?
	[ "$hvc_rc" = 0 ] || hvc_why="rpm-ostree kargs failed (exit $hvc_rc)"
}

# Rollback of rpm-ostree: the recorded reverses, last to first, then the kargs read back.
hvc_rollback_ostree() {
	hvc_undos=$(sed -n 's/^ostree-undo //p' "$HVC_STATE" | sed -n '1!G;h;$p')
	hvc_orig=$(sed -n 's/^ostree-orig //p' "$HVC_STATE" | head -n 1)
	[ -n "$hvc_undos" ] || return 0
	while IFS= read -r hvc_u; do
		[ -n "$hvc_u" ] || continue
		# shellcheck disable=SC2086 # words hvclock validated at apply
		rpm-ostree kargs $hvc_u >/dev/null 2>&1 </dev/null || {
			hvc_err_bootloader="rpm-ostree kargs $hvc_u failed"
			return 0
		}
		hvc_chg_bootloader=yes
	done <<EOF
$hvc_undos
EOF
	hvc_item_get rpm-ostree || :
	[ "$hvc_iv" = "$hvc_orig" ] ||
		hvc_err_bootloader="rpm-ostree kargs reads back as '$hvc_iv', not '$hvc_orig'"
}

hvc_boot_items_apply() {
	hvc_touched=
	if ! hvc_boot_items; then
		hvc_result bootloader failed "$hvc_blwhy"
		return 0
	fi
	hvc_item_ids "$hvc_items"
	hvc_now=$hvc_ids
	hvc_item_ids "$hvc_iold"
	if [ "$hvc_now" != "$hvc_ids" ]; then
		hvc_result bootloader stale "the $hvc_bl boot loader's command lines are not the" \
			"ones planned (now: $(printf '%s' "$hvc_now" | tr '\n' ' ')); nothing changed" \
			"(plan again)"
		return 0
	fi
	hvc_same_all=yes
	while IFS= read -r hvc_id; do
		[ -n "$hvc_id" ] || continue
		hvc_lookup "$hvc_id" "$hvc_items" || :
		hvc_cur=$hvc_lv
		hvc_lookup "$hvc_id" "$hvc_iold" || :
		hvc_o=$hvc_lv
		hvc_boot_fresh "$hvc_id" "$hvc_cur" "$hvc_o" || return 0
		hvc_lookup "$hvc_id" "$hvc_inew" || :
		[ "$hvc_lv" = "$hvc_o" ] || hvc_same_all=no
	done <<EOF
$hvc_ids
EOF
	if [ "$hvc_same_all" = yes ]; then
		hvc_result bootloader in-place
		return 0
	fi
	if ! hvc_state_once "bootloader $hvc_bl" "bootloader "; then
		hvc_result bootloader failed "cannot write $HVC_STATE"
		return 0
	fi
	hvc_why=
	if [ "$hvc_bl" = rpm-ostree ]; then
		hvc_boot_ostree
	else
		while IFS= read -r hvc_id; do
			[ -n "$hvc_id" ] || continue
			hvc_lookup "$hvc_id" "$hvc_iold" || :
			hvc_o=$hvc_lv
			hvc_lookup "$hvc_id" "$hvc_inew" || :
			[ "$hvc_lv" = "$hvc_o" ] || hvc_item_put "$hvc_id" "$hvc_lv" || break
		done <<EOF
$hvc_ids
EOF
		if [ -z "$hvc_why" ] && [ "$hvc_bl" = update-extlinux ]; then
			if [ -f /boot/extlinux.conf ] && ! hvc_backup bootloader /boot/extlinux.conf; then
				hvc_why="cannot keep the original of /boot/extlinux.conf"
			# a failure puts the generated file back too
			elif [ -f /boot/extlinux.conf ] && ! hvc_item_keep /boot/extlinux.conf; then
				:
			else
				hvc_rc=0
				update-extlinux >/dev/null 2>&1 </dev/null || hvc_rc=$?
				[ "$hvc_rc" = 0 ] || hvc_why="update-extlinux failed (exit $hvc_rc)"
			fi
		fi
	fi
	# Read back every item, then what the regeneration wrote.
	if [ -z "$hvc_why" ]; then
		while IFS= read -r hvc_id; do
			[ -n "$hvc_id" ] || continue
			hvc_lookup "$hvc_id" "$hvc_inew" || :
			hvc_n=$hvc_lv
			hvc_item_get "$hvc_id" || :
			if [ "$hvc_iv" != "$hvc_n" ]; then
				hvc_why="$hvc_id reads back as '$hvc_iv', not '$hvc_n'"
				break
			fi
		done <<EOF
$hvc_ids
EOF
	fi
	if [ -z "$hvc_why" ] && [ "$hvc_bl" = update-extlinux ]; then
		hvc_lookup /etc/update-extlinux.conf "$hvc_inew" || :
		hvc_extlinux_check "$hvc_lv" || :
	fi
	if [ -n "$hvc_why" ]; then
		if [ -n "$hvc_touched" ]; then
			hvc_items_end undo
			hvc_why="$hvc_why; the files put back ('hvclock rollback' undoes the rest)"
		fi
		hvc_result bootloader failed "$hvc_why"
		return 0
	fi
	hvc_items_end keep
	case $hvc_bl in
	rpm-ostree) hvc_why="rpm-ostree kargs done" ;;
	systemd-boot) hvc_why="/etc/kernel/cmdline and the loader entries' options lines set" ;;
	update-extlinux) hvc_why="default_kernel_opts set and update-extlinux ran" ;;
	menu-lst) hvc_why="every kernel line of /boot/grub/menu.lst set" ;;
	*) hvc_why="the $hvc_bl command lines set" ;;
	esac
	hvc_result bootloader deferred "$hvc_why; takes effect at the next boot"
}

# A boot loader item name as hvclock sends it (core/cmdline.c hvc_boot_item_id_valid()) and
# one of the places the families keep a command line.
hvc_item_id_ok() {
	case $1 in
	'' | -* | *[!A-Za-z0-9/._+:@-]* | *..*) return 1 ;;
	rpm-ostree | /etc/kernel/cmdline | /etc/update-extlinux.conf) return 0 ;;
	/boot/grub/menu.lst:*)
		case ${1##*:} in '' | *[!0-9]*) return 1 ;; esac
		return 0
		;;
	/boot/loader/entries/*/* | /efi/loader/entries/*/* | /boot/efi/loader/entries/*/*) return 1 ;;
	*/loader/entries/*:*) return 1 ;;
	/boot/loader/entries/?*.conf | /efi/loader/entries/?*.conf) return 0 ;;
	/boot/efi/loader/entries/?*.conf) return 0 ;;
	*:*)
		case ${1##*:} in '' | *[!0-9]*) return 1 ;; esac
		for hvc_e in $HVC_XCFGS; do
			[ "${1%:*}" != "$hvc_e" ] || return 0
		done
		;;
	esac
	return 1
}

hvc_step_bootloader() {
	hvc_bootloader
	if [ "$hvc_bl" != "$hvc_bfam" ]; then
		hvc_result bootloader stale "the boot loader is now $hvc_bl, not $hvc_bfam as" \
			"planned; nothing changed (plan again)"
		return 0
	fi
	case $hvc_bl in
	grubby | update-grub | grub2-mkconfig)
		if [ -n "$hvc_iold" ]; then
			hvc_result bootloader stale "the boot loader is now $hvc_bl, not the one" \
				"planned; nothing changed (plan again)"
			return 0
		fi
		;;
	rpm-ostree | systemd-boot | bls | update-extlinux | extlinux | menu-lst)
		if [ -z "$hvc_iold" ]; then
			hvc_result bootloader stale "the boot loader is now $hvc_bl, not the one" \
				"planned; nothing changed (plan again)"
			return 0
		fi
		;;
	esac
	case $hvc_bl in
	grubby) hvc_boot_grubby ;;
	update-grub | grub2-mkconfig | grub-mkconfig) hvc_boot_grub ;;
	grub-legacy) hvc_boot_legacy ;;
	rpm-ostree | systemd-boot | bls | update-extlinux | extlinux | menu-lst) hvc_boot_items_apply ;;
	*)
		hvc_result bootloader failed "no boot loader hvclock can edit: $hvc_bl_why"
		;;
	esac
}

# The drop-in with the keys that exist, written atomically, loaded with sysctl -p,
# then every live value read back.
hvc_step_sysctl() {
	hvc_want="$HVC_DROPIN_HEAD$HVC_NL"
	hvc_n=0
	hvc_need=no
	hvc_keyst=
	# shellcheck disable=SC2086 # pairs of validated words
	set -- $hvc_sysctls
	while [ $# -ge 2 ]; do
		hvc_sysctl_path "$1"
		if [ ! -f "$hvc_sp" ]; then
			hvc_keyst="$hvc_keyst $1:absent"
			shift 2
			continue
		fi
		hvc_n=$((hvc_n + 1))
		hvc_want="$hvc_want$1 = $2$HVC_NL"
		hvc_read1 "$hvc_sp" || :
		hvc_words "$hvc_r"
		if [ "$hvc_w" = "$2" ] && [ -f "$HVC_DROPIN" ] &&
			grep -q -x -F "$1 = $2" "$HVC_DROPIN"; then
			hvc_keyst="$hvc_keyst $1:in-place"
		else
			hvc_keyst="$hvc_keyst $1:applied"
			hvc_need=yes
		fi
		shift 2
	done
	hvc_tmp=${HVC_DROPIN%/*}/.90-hvclock.conf.new
	hvc_err=
	hvc_new=no
	if [ "$hvc_n" -gt 0 ]; then
		if [ ! -d "${HVC_DROPIN%/*}" ]; then
			hvc_need=yes
		elif ! printf '%s' "$hvc_want" >"$hvc_tmp"; then
			hvc_err="cannot write $hvc_tmp"
		elif [ -f "$HVC_DROPIN" ] && hvc_same "$hvc_tmp" "$HVC_DROPIN"; then
			rm -f "$hvc_tmp"
		else
			hvc_need=yes
			hvc_new=yes
		fi
	fi
	if [ -z "$hvc_err" ] && [ "$hvc_need" = yes ]; then
		# shellcheck disable=SC2086
		set -- $hvc_sysctls
		hvc_state_begin # the live values in one write of the state file
		while [ $# -ge 2 ]; do
			hvc_sysctl_path "$1"
			if [ -f "$hvc_sp" ]; then
				hvc_read1 "$hvc_sp" || :
				# the value as the kernel prints it (tabs and all), to write it back
				hvc_state_once "sysctl $1 $hvc_r" "sysctl $1 " || :
			fi
			shift 2
		done
		hvc_state_commit || hvc_err="cannot write $HVC_STATE"
		if [ -z "$hvc_err" ] && [ ! -d "${HVC_DROPIN%/*}" ]; then
			hvc_d=${HVC_DROPIN%/*}
			if hvc_state_once "absentdir sysctl $hvc_d" "absentdir sysctl $hvc_d" &&
				mkdir -p "$hvc_d" && printf '%s' "$hvc_want" >"$hvc_tmp"; then
				hvc_new=yes
			else
				hvc_err="cannot create ${HVC_DROPIN%/*}"
			fi
		fi
		if [ -z "$hvc_err" ] && [ "$hvc_new" = yes ]; then
			if ! hvc_backup sysctl "$HVC_DROPIN"; then
				hvc_err="cannot keep the original of $HVC_DROPIN in $HVC_DIR"
			elif ! mv -f "$hvc_tmp" "$HVC_DROPIN"; then
				hvc_err="cannot replace $HVC_DROPIN"
			fi
		fi
		[ ! -e "$hvc_tmp" ] || rm -f "$hvc_tmp"
		hvc_rc=0
		if [ -z "$hvc_err" ]; then
			hvc_hook sysctl-written
			sysctl -p "$HVC_DROPIN" >/dev/null 2>&1 </dev/null || hvc_rc=$?
		fi
	fi
	# shellcheck disable=SC2086
	set -- $hvc_sysctls
	while [ $# -ge 2 ]; do
		case $hvc_keyst in
		*" $1:absent"*)
			hvc_result sysctl "$1" failed "the key does not exist in this kernel"
			;;
		*)
			hvc_sysctl_path "$1"
			hvc_read1 "$hvc_sp" || :
			hvc_words "$hvc_r"
			if [ -n "$hvc_err" ]; then
				hvc_result sysctl "$1" failed "$hvc_err"
			elif [ "$hvc_w" != "$2" ]; then
				hvc_result sysctl "$1" failed \
					"live value is $hvc_w after sysctl -p (exit $hvc_rc)"
			else
				case $hvc_keyst in
				*" $1:in-place"*) hvc_result sysctl "$1" in-place ;;
				*) hvc_result sysctl "$1" applied ;;
				esac
			fi
			;;
		esac
		shift 2
	done
}

# For a guest whose boot reads only /etc/sysctl.conf (data line "sysctl-persist sysctl.conf"):
# the keys that exist go into hvclock's block, moved to the end of the file so that no earlier
# line of the admin's wins at boot; written to a temporary file and renamed, each key set with
# sysctl -w, then the live values and the file's last assignment of each key read back.
hvc_step_sysctl_conf() {
	hvc_f=$HVC_SYSCTL_CONF
	hvc_block=
	hvc_keys=
	hvc_keyst=
	hvc_need=no
	# shellcheck disable=SC2086 # pairs of validated words
	set -- $hvc_sysctls
	while [ $# -ge 2 ]; do
		hvc_sysctl_path "$1"
		if [ ! -f "$hvc_sp" ]; then
			hvc_keyst="$hvc_keyst $1:absent"
		else
			hvc_block="$hvc_block$1 = $2$HVC_NL"
			hvc_keys="$hvc_keys $1"
			hvc_read1 "$hvc_sp" || :
			hvc_words "$hvc_r"
			[ "$hvc_w" = "$2" ] || hvc_need=yes
		fi
		shift 2
	done
	hvc_tmp=${hvc_f%/*}/.sysctl.conf.hvclock-new
	hvc_err=
	hvc_new=no
	hvc_rc=0
	if [ -n "$hvc_keys" ]; then
		if [ -f "$hvc_f" ] && ! cp -p "$hvc_f" "$hvc_tmp" 2>/dev/null; then
			hvc_err="cannot write next to $hvc_f"
		elif ! { [ -f "$hvc_f" ] || : >"$hvc_tmp"; } 2>/dev/null; then
			hvc_err="cannot write next to $hvc_f"
		else
			[ -f "$hvc_f" ] && hvc_in=$hvc_f || hvc_in=/dev/null
			HVC_AWK_MODE=put HVC_AWK_BLOCK=$hvc_block HVC_CONF_BEGIN=$HVC_CONF_BEGIN \
				HVC_CONF_END=$HVC_CONF_END awk "$HVC_AWK_SYSCTLCONF" "$hvc_in" \
				>"$hvc_tmp" 2>/dev/null || hvc_rc=$?
			if [ "$hvc_rc" = 3 ]; then
				hvc_sysctl_conf_get "$hvc_keys"
				hvc_err="$hvc_f has hvclock's begin marker (line"
				hvc_err="$hvc_err ${hvc_sc##*open }) without its end marker;"
				hvc_err="$hvc_err nothing changed (mend it by hand)"
			elif [ "$hvc_rc" != 0 ]; then
				hvc_err="awk could not edit $hvc_f (exit $hvc_rc)"
			elif [ ! -f "$hvc_f" ] || ! hvc_same "$hvc_tmp" "$hvc_f"; then
				hvc_new=yes
				hvc_need=yes
			fi
		fi
	fi
	if [ -z "$hvc_err" ] && [ "$hvc_need" = yes ]; then
		for hvc_k in $hvc_keys; do
			hvc_sysctl_path "$hvc_k"
			hvc_read1 "$hvc_sp" || :
			hvc_state_once "sysctl $hvc_k $hvc_r" "sysctl $hvc_k " ||
				hvc_err="cannot write $HVC_STATE"
		done
		if [ -z "$hvc_err" ] && [ "$hvc_new" = yes ]; then
			if ! hvc_backup sysctl "$hvc_f"; then
				hvc_err="cannot keep the original of $hvc_f in $HVC_DIR"
			elif ! mv -f "$hvc_tmp" "$hvc_f"; then
				hvc_err="cannot replace $hvc_f"
			fi
		fi
		if [ -z "$hvc_err" ]; then
			hvc_hook sysctl-written
			# shellcheck disable=SC2086
			set -- $hvc_sysctls
			while [ $# -ge 2 ]; do
				case " $hvc_keys " in
				*" $1 "*) sysctl -w "$1=$2" >/dev/null 2>&1 </dev/null || hvc_rc=$? ;;
				esac
				shift 2
			done
		fi
	fi
	rm -f "$hvc_tmp"
	# What the boot will read: the last assignment of each key in the file.
	hvc_sc=
	[ -n "$hvc_err" ] || hvc_sysctl_conf_get "$hvc_keys"
	# shellcheck disable=SC2086
	set -- $hvc_sysctls
	while [ $# -ge 2 ]; do
		hvc_last=$(printf '%s\n' "$hvc_sc" | awk -v k="$1" '$3 == k { l = $0 } END { print l }')
		hvc_sysctl_path "$1"
		hvc_read1 "$hvc_sp" || :
		hvc_words "$hvc_r"
		case $hvc_keyst in
		*" $1:absent"*)
			hvc_result sysctl "$1" failed "the key does not exist in this kernel"
			;;
		*)
			if [ -n "$hvc_err" ]; then
				hvc_result sysctl "$1" failed "$hvc_err"
			elif [ "$hvc_w" != "$2" ]; then
				hvc_result sysctl "$1" failed "live value is $hvc_w after sysctl -w"
			elif [ "${hvc_last#* }" != "hvclock $1 $2" ]; then
				hvc_result sysctl "$1" failed "$hvc_f reads back with its last $1" \
					"at '${hvc_last:-nothing}', not hvclock's $2"
			elif [ "$hvc_need" = yes ]; then
				hvc_result sysctl "$1" applied "in hvclock's block at the end of $hvc_f"
			else
				hvc_result sysctl "$1" in-place
			fi
			;;
		esac
		shift 2
	done
}

# Switch to the first candidate the kernel offers; read the switch back.
hvc_step_clocksource() {
	if ! hvc_read1 "$HVC_CS/available_clocksource"; then
		hvc_result clocksource failed "$HVC_CS/available_clocksource cannot be read"
		return 0
	fi
	hvc_words "$hvc_r"
	hvc_avail=$hvc_w
	hvc_pick=
	for hvc_c in $hvc_cands; do
		case " $hvc_avail " in
		*" $hvc_c "*)
			hvc_pick=$hvc_c
			break
			;;
		esac
	done
	if [ -z "$hvc_pick" ]; then
		hvc_result clocksource failed "none of$hvc_cands is offered (available: $hvc_avail)"
		return 0
	fi
	hvc_read1 "$HVC_CS/current_clocksource" || :
	hvc_cur=$hvc_r
	if [ "$hvc_cur" = "$hvc_pick" ]; then
		hvc_result clocksource in-place "$hvc_pick"
		return 0
	fi
	if ! hvc_state_once "clocksource $hvc_cur" "clocksource "; then
		hvc_result clocksource failed "cannot write $HVC_STATE"
		return 0
	fi
	if ! hvc_write "$HVC_CS/current_clocksource" "$hvc_pick"; then
		hvc_result clocksource failed "writing $hvc_pick to current_clocksource was refused"
		return 0
	fi
	hvc_read1 "$HVC_CS/current_clocksource" || :
	if [ "$hvc_r" = "$hvc_pick" ]; then
		hvc_result clocksource applied "$hvc_pick (was $hvc_cur)"
	elif [ "$hvc_r" = "$hvc_cur" ]; then
		hvc_result clocksource deferred "the kernel kept $hvc_cur; $hvc_pick not taken now"
	else
		hvc_result clocksource failed "current clocksource is $hvc_r" \
			"after writing $hvc_pick"
	fi
}

hvc_step_timesync() {
	hvc_timesync
	if [ "$hvc_ts_active" = active ]; then
		hvc_result timesync in-place "$hvc_ts"
	else
		hvc_result timesync failed "no time sync daemon is running (installed: $hvc_ts)"
	fi
}

# Note a restored file of category $1 (bootloader, sysctl), or the error $2.
hvc_mark() {
	case $1:$2 in
	bootloader:) hvc_chg_bootloader=yes ;;
	sysctl:) hvc_chg_sysctl=yes ;;
	bootloader:*) hvc_err_bootloader=$2 ;;
	sysctl:*) hvc_err_sysctl=$2 ;;
	esac
}

# Put back everything the state file records, then drop the state.
hvc_rollback() {
	if [ ! -f "$HVC_STATE" ]; then
		hvc_why="nothing recorded by hvclock in this guest"
		if [ "$hvc_boot" = yes ]; then
			hvc_result bootloader in-place "$hvc_why"
		fi
		# shellcheck disable=SC2086
		set -- $hvc_sysctls
		while [ $# -ge 2 ]; do
			hvc_result sysctl "$1" in-place "$hvc_why"
			shift 2
		done
		if [ "$hvc_clock" = yes ]; then
			hvc_result clocksource in-place "$hvc_why"
		fi
		if [ "$hvc_tsync" = yes ]; then
			hvc_result timesync skipped "a check; nothing to roll back"
		fi
		hvc_result restore in-place "$hvc_why"
		return 0
	fi
	hvc_chg_bootloader=no
	hvc_chg_sysctl=no
	hvc_err_bootloader=
	hvc_err_sysctl=
	hvc_kind=
	hvc_dirs=
	while IFS= read -r hvc_l; do
		hvc_cat=${hvc_l#* }
		hvc_p=${hvc_cat#* }
		hvc_cat=${hvc_cat%% *}
		case $hvc_l in
		"saved "*)
			case $hvc_p in
			/boot/loader/entries/*)
				# an entry removed since (its kernel is gone) stays removed
				[ -e "$hvc_p" ] || continue
				;;
			esac
			if [ -f "$hvc_p" ] && hvc_same "$HVC_BACKUP$hvc_p" "$hvc_p"; then
				continue
			fi
			if cp -p "$HVC_BACKUP$hvc_p" "$hvc_p.hvclock-new" &&
				mv -f "$hvc_p.hvclock-new" "$hvc_p"; then
				hvc_mark "$hvc_cat" ""
			else
				hvc_mark "$hvc_cat" "cannot restore $hvc_p"
			fi
			;;
		"absent "*)
			if [ -e "$hvc_p" ] || [ -L "$hvc_p" ]; then
				if rm -f "$hvc_p"; then
					hvc_mark "$hvc_cat" ""
				else
					hvc_mark "$hvc_cat" "cannot remove $hvc_p"
				fi
			fi
			;;
		"absentdir "*) hvc_dirs="$hvc_dirs$hvc_p$HVC_NL" ;;
		"bootloader "*) hvc_kind=${hvc_l#bootloader } ;;
		esac
	done <"$HVC_STATE"
	printf '%s' "$hvc_dirs" | while IFS= read -r hvc_p; do
		rmdir "$hvc_p" 2>/dev/null || :
	done
	if [ "$hvc_kind" = rpm-ostree ]; then
		hvc_rollback_ostree
	fi
	if [ "$hvc_chg_bootloader" = yes ] && [ -z "$hvc_err_bootloader" ]; then
		case $hvc_kind in
		update-grub | grub2-mkconfig | grub-mkconfig)
			hvc_rc=0
			hvc_regenerate "$hvc_kind" || hvc_rc=$?
			if [ "$hvc_rc" != 0 ]; then
				hvc_err_bootloader="$hvc_kind failed (exit $hvc_rc)"
			fi
			;;
		esac
	fi
	hvc_keyst=
	hvc_cs_status=in-place
	hvc_cs_detail=
	while IFS= read -r hvc_l; do
		case $hvc_l in
		"sysctl "*)
			hvc_k=${hvc_l#sysctl }
			hvc_v=${hvc_k#* }
			hvc_k=${hvc_k%% *}
			case $hvc_k in
			'' | *[!a-z0-9_.]*) continue ;;
			esac
			hvc_sysctl_path "$hvc_k"
			[ -f "$hvc_sp" ] || continue
			hvc_read1 "$hvc_sp" || :
			hvc_words "$hvc_r"
			hvc_live=$hvc_w
			hvc_words "$hvc_v"
			if [ "$hvc_live" = "$hvc_w" ]; then
				continue
			elif hvc_write "$hvc_sp" "$hvc_v"; then
				hvc_keyst="$hvc_keyst $hvc_k:applied"
			else
				hvc_keyst="$hvc_keyst $hvc_k:failed"
				hvc_err_sysctl="cannot restore a live value"
			fi
			;;
		"clocksource "*)
			hvc_c=${hvc_l#clocksource }
			hvc_read1 "$HVC_CS/current_clocksource" || :
			if [ -z "$hvc_c" ] || [ "$hvc_r" = "$hvc_c" ]; then
				continue
			fi
			hvc_read1 "$HVC_CS/available_clocksource" || :
			case " $hvc_r " in
			*" $hvc_c "*) ;;
			*)
				# The kernel withdrew it in this boot (e.g. it marked tsc unstable): no
				# write brings it back; the kernel chooses again at the next boot.
				hvc_cs_status=deferred
				hvc_cs_detail="$hvc_c is not offered in this boot any more (available: $hvc_r); the kernel chooses its clocksource again at the next boot"
				continue
				;;
			esac
			if ! hvc_write "$HVC_CS/current_clocksource" "$hvc_c"; then
				hvc_cs_status=failed
				hvc_cs_detail="writing $hvc_c to current_clocksource was refused"
				continue
			fi
			hvc_read1 "$HVC_CS/current_clocksource" || :
			if [ "$hvc_r" = "$hvc_c" ]; then
				hvc_cs_status=applied
				hvc_cs_detail="$hvc_c restored"
			else
				hvc_cs_status=failed
				hvc_cs_detail="current clocksource is $hvc_r after writing $hvc_c"
			fi
			;;
		esac
	done <"$HVC_STATE"
	if [ -z "$hvc_err_bootloader$hvc_err_sysctl" ] && [ "$hvc_cs_status" != failed ]; then
		hvc_drop_state
	fi
	if [ "$hvc_boot" = yes ]; then
		if [ -n "$hvc_err_bootloader" ]; then
			hvc_result bootloader failed "$hvc_err_bootloader"
		elif [ "$hvc_chg_bootloader" = yes ]; then
			hvc_result bootloader applied "boot loader configuration restored"
		else
			hvc_result bootloader in-place
		fi
	fi
	# shellcheck disable=SC2086
	set -- $hvc_sysctls
	while [ $# -ge 2 ]; do
		case $hvc_keyst in
		*" $1:failed"*) hvc_result sysctl "$1" failed "cannot restore the live value" ;;
		*" $1:applied"*) hvc_result sysctl "$1" applied "live value restored" ;;
		*)
			if [ -n "$hvc_err_sysctl" ]; then
				hvc_result sysctl "$1" failed "$hvc_err_sysctl"
			elif [ "$hvc_chg_sysctl" = yes ]; then
				hvc_result sysctl "$1" applied "sysctl file restored"
			else
				hvc_result sysctl "$1" in-place
			fi
			;;
		esac
		shift 2
	done
	if [ "$hvc_clock" = yes ]; then
		hvc_result clocksource "$hvc_cs_status" "$hvc_cs_detail"
	fi
	if [ "$hvc_tsync" = yes ]; then
		hvc_result timesync skipped "a check; nothing to roll back"
	fi
	if [ -n "$hvc_err_bootloader" ]; then
		hvc_result restore failed "$hvc_err_bootloader; $HVC_DIR kept"
	elif [ -n "$hvc_err_sysctl" ]; then
		hvc_result restore failed "$hvc_err_sysctl; $HVC_DIR kept"
	elif [ "$hvc_cs_status" = failed ]; then
		hvc_result restore failed "$hvc_cs_detail; $HVC_DIR kept"
	elif [ "$hvc_cs_status" = deferred ]; then
		hvc_result restore deferred "files and sysctls restored; $hvc_cs_detail"
	elif [ "$hvc_chg_bootloader$hvc_chg_sysctl" != nono ] || [ -n "$hvc_keyst" ] ||
		[ "$hvc_cs_status" = applied ]; then
		hvc_result restore applied "files, sysctls and clocksource as before" \
			"hvclock's first change"
	else
		hvc_result restore in-place "nothing differed from the recorded originals;" \
			"state removed"
	fi
}

# After a full restore: remove what hvclock made in its directory (the backups the state file
# names, their directories, the state file) and the directory if that leaves it empty. Nothing
# else: in a dom0 the directory sits in the host's own state directory.
hvc_drop_state() {
	while IFS= read -r hvc_l; do
		case $hvc_l in
		"saved "*)
			hvc_p=${hvc_l#saved * }
			rm -f "$HVC_BACKUP$hvc_p" "$HVC_BACKUP$hvc_p.tmp" 2>/dev/null || :
			hvc_p=${hvc_p%/*}
			while [ -n "$hvc_p" ] && rmdir "$HVC_BACKUP$hvc_p" 2>/dev/null; do
				hvc_p=${hvc_p%/*}
			done
			;;
		esac
	done <"$HVC_STATE"
	rmdir "$HVC_BACKUP" 2>/dev/null || :
	rm -f "$HVC_STATE" "$HVC_STATE.tmp"
	rmdir "$HVC_DIR" 2>/dev/null || :
}

hvc_apply() {
	echo "hvclock-apply 1"
	if [ -n "$hvc_bad" ]; then
		hvc_put error "$hvc_bad"
		echo "end"
		return 0
	fi
	echo "mode $hvc_mode"
	if [ "$hvc_mode" = rollback ]; then
		hvc_rollback
	else
		if [ "$hvc_boot" = yes ]; then
			hvc_step_bootloader
		fi
		if [ -n "$hvc_sysctls" ] && [ "$hvc_persist" = sysctl.conf ]; then
			hvc_step_sysctl_conf
		elif [ -n "$hvc_sysctls" ]; then
			hvc_step_sysctl
		fi
		if [ "$hvc_clock" = yes ]; then
			hvc_step_clocksource
		fi
		if [ "$hvc_tsync" = yes ]; then
			hvc_step_timesync
		fi
	fi
	echo "end"
}

# A command line (or grubby argument) as hvc_cmdline_text_check() accepts it: at most 2047
# bytes of printable ASCII without ' \ ` $ (a double quote is checked where it matters).
hvc_valid_text() {
	[ "${#1}" -le 2047 ] || return 1
	case $1 in
	*[!\ -~]* | *[\'\\\`\$]*) return 1 ;;
	esac
}

# Reads the data block (stdin), then applies or rolls back.
hvc_main() {
	hvc_mode=
	HVC_DOM0=no
	hvc_boot=no
	hvc_bold=
	hvc_bnew=
	hvc_bdef=no
	hvc_bhave=
	hvc_bfam=
	hvc_bdold=
	hvc_bdnew=
	hvc_bfile=
	hvc_bdfile=
	hvc_grm=
	hvc_gadd=
	hvc_iold=
	hvc_inew=
	hvc_odel=
	hvc_oapp=
	hvc_sysctls=
	hvc_persist=sysctl.d
	hvc_cands=
	hvc_clock=no
	hvc_tsync=no
	hvc_bad=
	while IFS= read -r hvc_l; do
		case $hvc_l in
		"mode apply" | "mode rollback") hvc_mode=${hvc_l#mode } ;;
		bootloader) hvc_boot=yes ;;
		"bootloader "*)
			# the family the plan was made for (apply): another one now is stale
			hvc_bfam=${hvc_l#bootloader }
			case $hvc_bfam in
			rpm-ostree | grubby | systemd-boot | bls | update-grub | grub2-mkconfig) ;;
			grub-mkconfig | grub-legacy | menu-lst | update-extlinux | extlinux) ;;
			*) hvc_bad="invalid data line: bootloader" ;;
			esac
			hvc_boot=yes
			;;
		boot-old | "boot-old "* | boot-new | "boot-new "* | boot-default-old | \
			"boot-default-old "* | boot-default-new | "boot-default-new "*)
			hvc_k=${hvc_l%% *}
			hvc_v=${hvc_l#"$hvc_k"}
			hvc_v=${hvc_v# }
			if ! hvc_valid_text "$hvc_v"; then
				hvc_bad="invalid data line: kernel command line"
			fi
			case $hvc_k in
			boot-old)
				hvc_bold=$hvc_v
				hvc_bhave="${hvc_bhave}o"
				;;
			boot-new)
				hvc_bnew=$hvc_v
				hvc_bhave="${hvc_bhave}n"
				;;
			boot-default-old)
				hvc_bdold=$hvc_v
				hvc_bdef=yes
				;;
			*) hvc_bdnew=$hvc_v ;;
			esac
			case $hvc_k:$hvc_v in
			boot-default-*:*\"*) hvc_bad="invalid data line: kernel command line" ;;
			esac
			;;
		"boot-item-old "* | "boot-item-new "*)
			hvc_v=${hvc_l#* }
			hvc_k=${hvc_v%% *}
			hvc_t=${hvc_v#"$hvc_k"}
			hvc_t=${hvc_t# }
			hvc_item_id_ok "$hvc_k" || hvc_bad="invalid data line: boot loader item"
			hvc_valid_text "$hvc_t" || hvc_bad="invalid data line: kernel command line"
			case $hvc_k:$hvc_t in
			/etc/update-extlinux.conf:*\"*) hvc_bad="invalid data line: kernel command line" ;;
			esac
			if [ "${hvc_l%% *}" = boot-item-old ]; then
				hvc_iold="$hvc_iold$hvc_v$HVC_NL"
			else
				hvc_inew="$hvc_inew$hvc_v$HVC_NL"
			fi
			;;
		"boot-ostree-delete "* | "boot-ostree-append "*)
			hvc_v=${hvc_l#* }
			case $hvc_v in
			'' | *' '* | -*) hvc_bad="invalid data line: rpm-ostree argument" ;;
			esac
			hvc_valid_text "$hvc_v" || hvc_bad="invalid data line: rpm-ostree argument"
			if [ "${hvc_l%% *}" = boot-ostree-delete ]; then
				hvc_odel="$hvc_odel $hvc_v"
			else
				hvc_oapp="$hvc_oapp $hvc_v"
			fi
			;;
		"boot-file "* | "boot-default-file "*)
			hvc_v=${hvc_l#* }
			case $hvc_v in
			/etc/default/grub | /etc/default/grub.d/*.cfg) ;;
			*) hvc_bad="invalid data line: boot loader file" ;;
			esac
			case ${hvc_v#/etc/default/} in
			*[!A-Za-z0-9._@+/-]* | */*/* | grub.d/.*) hvc_bad="invalid data line: boot loader file" ;;
			esac
			if [ "${hvc_l%% *}" = boot-file ]; then
				hvc_bfile=$hvc_v
			else
				hvc_bdfile=$hvc_v
			fi
			;;
		"boot-grubby-remove "* | "boot-grubby-add "*)
			hvc_v=${hvc_l#* }
			case $hvc_v in
			'' | *' '*) hvc_bad="invalid data line: grubby argument" ;;
			esac
			hvc_valid_text "$hvc_v" || hvc_bad="invalid data line: grubby argument"
			if [ "${hvc_l%% *}" = boot-grubby-remove ]; then
				hvc_grm="$hvc_grm $hvc_v"
			else
				hvc_gadd="$hvc_gadd $hvc_v"
			fi
			;;
		"sysctl "*)
			hvc_p=${hvc_l#sysctl }
			hvc_k=${hvc_p%% *}
			hvc_v=${hvc_p#* }
			case $hvc_k in
			'' | .* | *. | *..* | *[!a-z0-9_.]*)
				hvc_bad="invalid data line: sysctl key"
				;;
			esac
			case $hvc_v in
			'' | "$hvc_p" | *[!A-Za-z0-9_.,:/+-]*)
				hvc_bad="invalid data line: sysctl value"
				;;
			esac
			hvc_sysctls="$hvc_sysctls $hvc_k $hvc_v"
			;;
		"sysctl-persist sysctl.d" | "sysctl-persist sysctl.conf") hvc_persist=${hvc_l#* } ;;
		clocksource) hvc_clock=yes ;;
		"clocksource "*)
			for hvc_c in ${hvc_l#clocksource }; do
				case $hvc_c in
				*[!a-z0-9_-]*) hvc_bad="invalid data line: clocksource" ;;
				esac
				hvc_cands="$hvc_cands $hvc_c"
			done
			hvc_clock=yes
			;;
		timesync) hvc_tsync=yes ;;
		dom0) HVC_DOM0=yes ;;
		"deadline "*) hvc_deadline_line "${hvc_l#deadline }" || hvc_bad="invalid data line: deadline" ;;
		*) hvc_bad="invalid data line" ;;
		esac
	done
	if [ -z "$hvc_mode" ]; then
		hvc_bad="no mode in the data block"
	fi
	# An apply of the boot loader needs the old and the new value, once each.
	if [ -n "$hvc_iold$hvc_inew" ]; then
		hvc_item_ids "$hvc_iold"
		hvc_t=$hvc_ids
		hvc_item_ids "$hvc_inew"
		if [ "$hvc_t" != "$hvc_ids" ] || [ -n "$hvc_bhave" ]; then
			hvc_bad="invalid data block: boot-item-old and boot-item-new lines do not pair"
		fi
	fi
	if [ -n "$hvc_bad" ]; then
		:
	elif [ "$hvc_mode$hvc_boot" = applyyes ] && [ -z "$hvc_bfam" ]; then
		hvc_bad="invalid data block: bootloader needs the family planned for (bootloader FAMILY)"
	elif [ -z "$hvc_iold$hvc_inew" ] && [ "$hvc_mode$hvc_boot" = applyyes ] &&
		[ "$hvc_bhave" != on ] &&
		[ "$hvc_bhave" != no ]; then
		hvc_bad="invalid data block: bootloader needs one boot-old and one boot-new line"
	fi
	hvc_dirs "$HVC_DOM0"
	hvc_watchdog
	if [ -z "$hvc_bad" ] && ! hvc_lock; then
		hvc_bad=$hvc_why
	fi
	hvc_hook apply-locked
	export HVC_DOM0
	hvc_rc=0
	hvc_apply </dev/null || hvc_rc=$?
	if [ "$hvc_mode" = rollback ]; then
		sync 2>/dev/null || : # rollback writes back what the state names: every filesystem
	else
		hvc_flush
	fi
	return $hvc_rc
}
