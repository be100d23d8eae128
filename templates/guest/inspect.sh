# inspect.sh: hvclock's read-only look inside a guest; prints the "hvclock-inspect 1" report.
#
# Run by hvclock as "/bin/sh -s" with this text on stdin, followed by the line
# "hvc_main <<'HVCLOCK_DATA_END'", the data block and the terminator (the
# protocol is specified in docs/guest-protocol.md). Changes nothing in the guest.
# POSIX sh: runs under dash, bash and busybox applets.

# @HVC_LIB@ (templates/guest/lib.sh is inserted here at build time)

HVC_LOG_RE='clocksource|tsc|time went backwards|unstable|skew is too large|kvm-clock'
HVC_LOG_RE="$HVC_LOG_RE|paravirtualized kernel|xen version|mhz processor|lpj=|read-back delay"
HVC_LOG_RE="$HVC_LOG_RE|hrtimer: interrupt took|self-detected stall|soft lockup"

# Kernel log lines that count as evidence (docs/remedies.md §5a), in one awk: every byte
# outside printable ASCII made "?", the lines that match (case-insensitive), the last 200, each
# cut to 1000 bytes, as report lines. The first line printed is "+" if the input had any
# non-empty line, else "-" (the source printed nothing: try the next).
# shellcheck disable=SC2016 # an awk program
HVC_AWK_LOG='
{
	if ($0 != "")
		any = 1
	gsub(/[^ -~]/, "?")
	if (tolower($0) ~ ENVIRON["HVC_LOG_RE"])
		keep[n++ % 200] = substr($0, 1, 1000)
}
END {
	print(any ? "+" : "-")
	for (i = (n > 200 ? n - 200 : 0); i < n; i++)
		print "log " keep[i % 200]
}'

# hvc_log as HVC_AWK_LOG printed it -> the report lines alone; false if the source had no
# non-empty line.
hvc_log_had() {
	case $hvc_log in
	+*)
		hvc_log=${hvc_log#+}
		hvc_log=${hvc_log#"$HVC_NL"}
		return 0
		;;
	esac
	hvc_log=
	return 1
}

hvc_log() {
	hvc_src=none
	hvc_log=
	export HVC_LOG_RE
	if command -v dmesg >/dev/null 2>&1 &&
		{ hvc_log=$(dmesg 2>/dev/null </dev/null | awk "$HVC_AWK_LOG") || :; } && hvc_log_had; then
		hvc_src=dmesg
	elif command -v journalctl >/dev/null 2>&1 &&
		{ hvc_log=$(journalctl -k -q --no-pager 2>/dev/null </dev/null |
			awk "$HVC_AWK_LOG") || :; } && hvc_log_had; then
		hvc_src=journalctl
	elif [ -s /var/log/kern.log ] && [ -r /var/log/kern.log ]; then
		hvc_src=kern.log
		hvc_log=$(awk "$HVC_AWK_LOG" /var/log/kern.log 2>/dev/null) || :
		hvc_log_had || :
	elif [ -s /var/log/messages ] && [ -r /var/log/messages ]; then
		hvc_src=messages
		hvc_log=$(awk "$HVC_AWK_LOG" /var/log/messages 2>/dev/null) || :
		hvc_log_had || :
	fi
	hvc_put log-source "$hvc_src"
	[ -z "$hvc_log" ] || printf '%s\n' "$hvc_log"
}

hvc_os_release() {
	hvc_os=
	for hvc_f in /etc/os-release /usr/lib/os-release; do
		[ -r "$hvc_f" ] || continue
		while IFS= read -r hvc_l || [ -n "$hvc_l" ]; do
			case $hvc_l in
			PRETTY_NAME=*) hvc_os=${hvc_l#PRETTY_NAME=} ;;
			esac
		done <"$hvc_f"
		case $hvc_os in
		\"*\")
			hvc_os=${hvc_os#\"}
			hvc_os=${hvc_os%\"}
			;;
		\'*\')
			hvc_os=${hvc_os#\'}
			hvc_os=${hvc_os%\'}
			;;
		esac
		break
	done
	if [ -z "$hvc_os" ]; then
		for hvc_f in /etc/redhat-release /etc/system-release /etc/SuSE-release; do
			if hvc_read1 "$hvc_f" && [ -n "$hvc_r" ]; then
				hvc_os=$hvc_r
				break
			fi
		done
	fi
	if [ -n "$hvc_os" ]; then
		hvc_put os-release "$hvc_os"
	fi
}

hvc_cpuflags() {
	[ -r /proc/cpuinfo ] || return 0
	hvc_fl=
	while IFS= read -r hvc_l; do
		case $hvc_l in
		flags*:*)
			hvc_fl=" ${hvc_l#*:} "
			break
			;;
		esac
	done </proc/cpuinfo
	[ -n "$hvc_fl" ] || return 0
	hvc_out=
	for hvc_f in constant_tsc nonstop_tsc tsc_reliable; do
		case $hvc_fl in
		*[\ \	]"$hvc_f"[\ \	]*) hvc_out="$hvc_out $hvc_f" ;;
		esac
	done
	hvc_put cpu-flags "${hvc_out# }"
}

hvc_inspect() {
	echo "hvclock-inspect 1"
	if [ -n "$hvc_bad" ]; then
		hvc_put error "$hvc_bad"
		echo "end"
		return 0
	fi
	# every small file this report reads, in one awk (hvc_read1 then reads the cache)
	for hvc_k in $hvc_keys; do
		hvc_sysctl_path "$hvc_k"
		set -- "$@" "$hvc_sp"
	done
	hvc_read_all /proc/sys/kernel/osrelease /etc/redhat-release /etc/system-release \
		/etc/SuSE-release /sys/class/dmi/id/product_uuid /sys/hypervisor/uuid \
		"$HVC_CS/current_clocksource" "$HVC_CS/available_clocksource" /proc/cmdline \
		/proc/sys/xen/independent_wallclock /proc/uptime /proc/sys/kernel/random/boot_id "$@"
	hvc_rel=$(uname -r 2>/dev/null) || hvc_rel=
	if [ -z "$hvc_rel" ] && hvc_read1 /proc/sys/kernel/osrelease; then
		hvc_rel=$hvc_r
	fi
	hvc_put kernel-release "$hvc_rel"
	hvc_os_release
	hvc_uuids
	if hvc_read1 "$HVC_CS/current_clocksource"; then
		hvc_put clocksource-current "$hvc_r"
	fi
	if hvc_read1 "$HVC_CS/available_clocksource"; then
		hvc_words "$hvc_r"
		hvc_put clocksource-available "$hvc_w"
	fi
	if hvc_read1 /proc/cmdline; then
		hvc_put cmdline "$hvc_r"
	fi
	if [ -e /proc/sys/xen/independent_wallclock ]; then
		hvc_read1 /proc/sys/xen/independent_wallclock || :
		hvc_words "$hvc_r"
		hvc_put independent-wallclock "present $hvc_w"
	else
		echo "independent-wallclock absent"
	fi
	hvc_cpuflags
	hvc_timesync
	echo "timesync $hvc_ts $hvc_ts_active"
	[ "$hvc_check" != yes ] || hvc_timesync_out
	hvc_bootloader
	echo "bootloader $hvc_bl"
	[ -z "$hvc_bl_why" ] || hvc_put bootloader-why "$hvc_bl_why"
	if hvc_bootargs; then
		hvc_put bootloader-args "$hvc_ba"
	fi
	case $hvc_bl in
	update-grub | grub2-mkconfig | grub-mkconfig)
		# the files whose assignments win (grub.d overrides), named for the plan
		hvc_grub_file GRUB_CMDLINE_LINUX
		hvc_put bootloader-file "$hvc_gf"
		hvc_grub_file GRUB_CMDLINE_LINUX_DEFAULT
		hvc_assign_get GRUB_CMDLINE_LINUX_DEFAULT "$hvc_gf" || :
		case $hvc_rc in
		0 | 3)
			hvc_put bootloader-default-args "$hvc_gv"
			hvc_put bootloader-default-file "$hvc_gf"
			;;
		esac
		;;
	rpm-ostree | systemd-boot | bls | update-extlinux | extlinux | menu-lst)
		if hvc_boot_items; then
			printf '%s' "$hvc_items" | while IFS= read -r hvc_l; do
				hvc_put bootloader-item "$hvc_l"
			done
		else
			hvc_put bootloader-why "$hvc_blwhy"
		fi
		;;
	grub-legacy)
		hvc_menu_get defoptions || :
		[ "$hvc_rc" != 0 ] || hvc_put bootloader-default-args "$hvc_gv"
		;;
	esac
	if hvc_read1 /proc/uptime; then
		hvc_r=${hvc_r%%[. ]*}
		case $hvc_r in
		'' | *[!0-9]*) ;;
		*) echo "uptime $hvc_r" ;;
		esac
	fi
	# The boot's random id: a restart is proven by a new one (hvclock rollout --restart).
	if hvc_read1 /proc/sys/kernel/random/boot_id; then
		case $hvc_r in
		*[!0-9a-f-]* | '') ;;
		*) echo "boot-id $hvc_r" ;;
		esac
	fi
	for hvc_k in $hvc_keys; do
		hvc_sysctl_path "$hvc_k"
		if [ -f "$hvc_sp" ]; then
			hvc_read1 "$hvc_sp" || :
			hvc_words "$hvc_r"
			hvc_put sysctl "$hvc_k $hvc_w"
		else
			echo "sysctl-absent $hvc_k"
		fi
	done
	hvc_sysctl_boot
	hvc_put sysctl-boot "$hvc_sb"
	if [ -n "$hvc_keys" ]; then
		hvc_sysctl_conf_get "$hvc_keys"
		hvc_i=0
		printf '%s\n' "$hvc_sc" | while IFS= read -r hvc_l; do
			hvc_i=$((hvc_i + 1))
			[ "$hvc_i" -le 200 ] || break
			case $hvc_l in
			'') ;;
			"open "*) hvc_put sysctl-conf-open "${hvc_l#open }" ;;
			*) hvc_put sysctl-conf "$hvc_l" ;;
			esac
		done
	fi
	if [ -n "$hvc_keys" ] && [ "${hvc_sb%% *}" = sysctl.d ]; then
		hvc_sysctl_files "$hvc_keys"
	fi
	if [ -f "$HVC_DROPIN" ] && [ -r "$HVC_DROPIN" ]; then
		echo "dropin-begin"
		hvc_i=0
		while IFS= read -r hvc_l || [ -n "$hvc_l" ]; do
			hvc_i=$((hvc_i + 1))
			[ "$hvc_i" -le 200 ] || break
			hvc_put dropin "$hvc_l"
		done <"$HVC_DROPIN"
		echo "dropin-end"
	fi
	if [ -f "$HVC_STATE" ] && [ -r "$HVC_STATE" ]; then
		echo "state present"
		hvc_i=0
		while IFS= read -r hvc_l; do
			hvc_i=$((hvc_i + 1))
			[ "$hvc_i" -le 200 ] || break
			case $hvc_l in
			"clocksource "*) hvc_put state-clocksource "${hvc_l#clocksource }" ;;
			"sysctl "*)
				hvc_words "${hvc_l#sysctl }"
				hvc_put state-sysctl "$hvc_w"
				;;
			"bootloader "*) hvc_put state-bootloader "${hvc_l#bootloader }" ;;
			esac
		done <"$HVC_STATE"
	else
		echo "state absent"
	fi
	hvc_log
	echo "end"
}

# Which sysctl files this system's boot reads -> hvc_sb: "sysctl.d PATH" when PATH shows that
# /etc/sysctl.d is read (systemd-sysctl; Red Hat initscripts 8.45.37 and later, whose rc.sysinit
# or apply_sysctl in init.d/functions loops over /etc/sysctl.d; Debian's procps init script;
# Upstart's procps job; OpenRC's sysctl service), else "sysctl.conf [PATH]": only
# /etc/sysctl.conf (Red Hat initscripts before 8.45.37, EL5's rc.sysinit and network script:
# "sysctl -e -p /etc/sysctl.conf"), PATH the first boot script found.
hvc_sysctl_boot() {
	for hvc_f in /usr/lib/systemd/systemd-sysctl /lib/systemd/systemd-sysctl; do
		if [ -x "$hvc_f" ]; then
			hvc_sb="sysctl.d $hvc_f"
			return 0
		fi
	done
	hvc_first=
	for hvc_f in /etc/rc.d/rc.sysinit /etc/rc.d/init.d/functions /etc/init.d/procps \
		/etc/init/procps.conf /etc/init.d/boot.sysctl /etc/init.d/sysctl; do
		[ -f "$hvc_f" ] && [ -r "$hvc_f" ] || continue
		if grep -q -e 'sysctl\.d' -e 'sysctl --system' "$hvc_f" 2>/dev/null; then
			hvc_sb="sysctl.d $hvc_f"
			return 0
		fi
		[ -n "$hvc_first" ] || hvc_first=$hvc_f
	done
	hvc_sb="sysctl.conf${hvc_first:+ $hvc_first}"
}

# $1 with A-F made a-f -> hvc_u (only a UUID's 36 characters: anything longer is no UUID).
hvc_lower() {
	hvc_u=$1
	[ "${#1}" = 36 ] || return 0
	hvc_u=
	hvc_x=$1
	while [ -n "$hvc_x" ]; do
		hvc_c=${hvc_x%"${hvc_x#?}"}
		hvc_x=${hvc_x#?}
		case $hvc_c in
		A) hvc_c=a ;;
		B) hvc_c=b ;;
		C) hvc_c=c ;;
		D) hvc_c=d ;;
		E) hvc_c=e ;;
		F) hvc_c=f ;;
		esac
		hvc_u=$hvc_u$hvc_c
	done
}

# The UUIDs this system reports for itself: SMBIOS (KVM, Xen HVM) and Xen's own (PV, PVH);
# lower case, and only well-formed ones. hvclock compares them with the domain's.
hvc_uuids() {
	for hvc_f in /sys/class/dmi/id/product_uuid:uuid-dmi /sys/hypervisor/uuid:uuid-xen; do
		hvc_read1 "${hvc_f%%:*}" || continue
		hvc_lower "$hvc_r"
		case $hvc_u in
		[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-*)
			case ${hvc_u#????????-} in
			[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f])
				echo "${hvc_f#*:} $hvc_u"
				;;
			esac
			;;
		esac
	done
}

# `hvclock check`: what the time sync tools that exist here say, raw (at most 40 lines each);
# hvclock parses them on the host and trusts none of it.
hvc_timesync_out() {
	for hvc_t in chronyc ntpq timedatectl; do
		command -v "$hvc_t" >/dev/null 2>&1 || continue
		case $hvc_t in
		chronyc) set -- chronyc -n tracking ;;
		ntpq) set -- ntpq -pn ;;
		timedatectl) set -- timedatectl show ;;
		esac
		"$@" 2>/dev/null </dev/null | head -n 40 | while IFS= read -r hvc_l; do
			hvc_put timesync-out "$hvc_t $hvc_l"
		done
	done
}

# Reads the data block (stdin): "sysctl KEY" lines, the keys to report on; "dom0"; "check"
# (add the time sync tools' output); "deadline SECONDS".
hvc_main() {
	hvc_keys=
	hvc_bad=
	hvc_dom0=no
	hvc_check=no
	while IFS= read -r hvc_l; do
		case $hvc_l in
		dom0) hvc_dom0=yes ;;
		check) hvc_check=yes ;;
		"deadline "*) hvc_deadline_line "${hvc_l#deadline }" || hvc_bad="invalid data line: deadline" ;;
		"sysctl "*)
			hvc_k=${hvc_l#sysctl }
			case $hvc_k in
			'' | .* | *. | *..* | *[!a-z0-9_.]*)
				hvc_bad="invalid data line: sysctl key"
				;;
			*) hvc_keys="$hvc_keys $hvc_k" ;;
			esac
			;;
		*) hvc_bad="invalid data line" ;;
		esac
	done
	hvc_dirs "$hvc_dom0"
	hvc_watchdog
	hvc_inspect </dev/null
}
