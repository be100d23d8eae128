# inspect.sh: hvclock's read-only look inside a guest; prints the "hvclock-inspect 1" report.
#
# Run by hvclock as "/bin/sh -s" with this text on stdin, followed by the line
# "hvc_main <<'HVCLOCK_DATA_END'", the data block and the terminator (the
# protocol is specified in core/guestscript.h). Changes nothing in the guest.
# POSIX sh: runs under dash, bash and busybox applets.

# hvc-shared-begin (must be identical in inspect.sh and apply.sh; the build checks it)
set -eu
set -f
umask 022
LC_ALL=C
export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
HVC_NL='
'
HVC_CS=/sys/devices/system/clocksource/clocksource0
HVC_DIR=/var/lib/hvclock
HVC_STATE=$HVC_DIR/state
# shellcheck disable=SC2034 # not every script uses every name
HVC_BACKUP=$HVC_DIR/backup
HVC_DROPIN=/etc/sysctl.d/90-hvclock.conf

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

# First line of a file -> hvc_r; returns 1 if it is not readable.
hvc_read1() {
	hvc_r=
	[ -r "$1" ] || return 1
	{ IFS= read -r hvc_r <"$1"; } 2>/dev/null || :
}

# Words of $1 joined by single spaces -> hvc_w.
hvc_words() {
	# shellcheck disable=SC2086 # splitting is the point; globbing is off (set -f)
	set -- $1
	hvc_w=$*
}

# /proc/sys path of a sysctl key -> hvc_sp.
hvc_sysctl_path() {
	hvc_sp=/proc/sys/$(printf '%s' "$1" | tr . /)
}

# The boot loader tool hvclock would use -> hvc_bl.
hvc_bootloader() {
	hvc_bl=none
	if command -v grubby >/dev/null 2>&1; then
		hvc_bl=grubby
	elif [ -f /etc/default/grub ] && command -v update-grub >/dev/null 2>&1; then
		hvc_bl=update-grub
	elif [ -f /etc/default/grub ] && command -v grub2-mkconfig >/dev/null 2>&1; then
		hvc_bl=grub2-mkconfig
	fi
}

# The kernel arguments the boot loader holds -> hvc_ba; returns 1 if unknown.
hvc_bootargs() {
	hvc_ba=
	case $hvc_bl in
	grubby)
		hvc_ba=$(grubby --info=DEFAULT 2>/dev/null </dev/null | awk "$HVC_AWK_ARGS") ||
			return 1
		;;
	update-grub | grub2-mkconfig)
		hvc_ba=$(HVC_AWK_MODE="get" awk "$HVC_AWK_GRUB" /etc/default/grub) || return 1
		;;
	*)
		return 1
		;;
	esac
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

# Kernel command line editing as a set (the rules of core/cmdline.h), in POSIX awk.
# HVC_AWK_MODE: "line" edits the one line on stdin (exit 10: unchanged); "file" edits
# /etc/default/grub (GRUB_CMDLINE_LINUX gets the sets; sets and removes keep
# GRUB_CMDLINE_LINUX_DEFAULT from overriding them; exit 10: unchanged, 3: quoting or
# expansions hvclock does not edit); "get" prints the value of GRUB_CMDLINE_LINUX.
# HVC_AWK_SET / HVC_AWK_REMOVE: space-separated parameters (validated, no blanks, no quotes).
# shellcheck disable=SC2016
HVC_AWK_GRUB='
function hvc_name(t, n, i)
{
	i = index(t, "=")
	n = (i > 1) ? substr(t, 1, i - 1) : t
	gsub(/-/, "_", n)
	return n
}
function hvc_hasval(t)
{
	return index(t, "=") > 1
}
function hvc_val(t)
{
	return substr(t, index(t, "=") + 1)
}
function hvc_same(a, b)
{
	if (hvc_name(a) != hvc_name(b) || hvc_hasval(a) != hvc_hasval(b))
		return 0
	return !hvc_hasval(a) || hvc_val(a) == hvc_val(b)
}
function hvc_spared(t, i)
{
	for (i = 1; i <= nset; i++)
		if (hvc_same(t, set[i]))
			return 1
	return 0
}
function hvc_rmmatch(t, dosets, i)
{
	if (hvc_spared(t))
		return 0
	for (i = 1; i <= nrm; i++)
		if (hvc_name(t) == hvc_name(rm[i]) &&
		    (!hvc_hasval(rm[i]) || (hvc_hasval(t) && hvc_val(t) == hvc_val(rm[i]))))
			return 1
	if (!dosets)
		for (i = 1; i <= nset; i++)
			if (hvc_name(t) == hvc_name(set[i]))
				return 1
	return 0
}
# Edit a kernel command line as a set (the rules of core/cmdline.h): removes, then sets;
# with dosets 0 the names of the sets are removed instead (another variable must not override them).
# Returns the text unchanged when no token changes; sets hvc_changed.
function hvc_edit(text, dosets, raw, tok, cur, out, nraw, n, m, i, j, k, last, frozen, s)
{
	nraw = split(text, raw, /[ \t]+/)
	n = 0
	for (i = 1; i <= nraw; i++)
		if (raw[i] != "")
			tok[++n] = raw[i]
	frozen = n + 1
	for (i = 1; i <= n; i++)
		if (tok[i] == "--") {
			frozen = i
			break
		}
	m = 0
	for (i = 1; i < frozen; i++)
		if (!hvc_rmmatch(tok[i], dosets))
			cur[++m] = tok[i]
	if (dosets) {
		for (k = 1; k <= nset; k++) {
			last = 0
			for (i = 1; i <= m; i++)
				if (hvc_name(cur[i]) == hvc_name(set[k]))
					last = i
			if (last && hvc_same(cur[last], set[k]))
				continue
			j = 0
			for (i = 1; i <= m; i++) {
				if (i == last)
					out[++j] = set[k]
				else if (hvc_name(cur[i]) != hvc_name(set[k]))
					out[++j] = cur[i]
			}
			if (!last)
				out[++j] = set[k]
			m = j
			for (i = 1; i <= m; i++)
				cur[i] = out[i]
		}
	}
	for (i = frozen; i <= n; i++)
		cur[++m] = tok[i]
	hvc_changed = (m != n)
	for (i = 1; i <= n && !hvc_changed; i++)
		if (cur[i] != tok[i])
			hvc_changed = 1
	if (!hvc_changed)
		return text
	s = ""
	for (i = 1; i <= m; i++)
		s = s (i > 1 ? " " : "") cur[i]
	return s
}
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
BEGIN {
	mode = ENVIRON["HVC_AWK_MODE"]
	nset = split(ENVIRON["HVC_AWK_SET"], set, " ")
	nrm = split(ENVIRON["HVC_AWK_REMOVE"], rm, " ")
	nl = 0
	lastl = 0
	lastd = 0
}
mode == "line" {
	print hvc_edit($0, 1)
	exit hvc_changed ? 0 : 10
}
{
	line[++nl] = $0
	if ($0 ~ /^[ \t]*GRUB_CMDLINE_LINUX=/)
		lastl = nl
	else if ($0 ~ /^[ \t]*GRUB_CMDLINE_LINUX_DEFAULT=/)
		lastd = nl
}
END {
	if (mode == "line")
		exit hvc_changed ? 0 : 10
	if (mode == "get") {
		if (lastl && hvc_parse(line[lastl], "GRUB_CMDLINE_LINUX"))
			print hvc_v
		else if (lastl)
			print substr(line[lastl], index(line[lastl], "GRUB_CMDLINE_LINUX=") + 19)
		else
			print ""
		exit 0
	}
	changed = 0
	if (lastd) {
		if (!hvc_parse(line[lastd], "GRUB_CMDLINE_LINUX_DEFAULT"))
			exit 3
		v = hvc_edit(hvc_v, 0)
		if (hvc_changed) {
			line[lastd] = hvc_pre hvc_q v hvc_q hvc_post
			changed = 1
		}
	}
	if (lastl) {
		if (!hvc_parse(line[lastl], "GRUB_CMDLINE_LINUX"))
			exit 3
		v = hvc_edit(hvc_v, 1)
		if (hvc_changed) {
			if (hvc_q == "" && v ~ /[ \t]/)
				hvc_q = "\""
			line[lastl] = hvc_pre hvc_q v hvc_q hvc_post
			changed = 1
		}
	} else {
		v = hvc_edit("", 1)
		if (hvc_changed) {
			line[++nl] = "GRUB_CMDLINE_LINUX=\"" v "\""
			changed = 1
		}
	}
	if (!changed)
		exit 10
	for (i = 1; i <= nl; i++)
		print line[i]
	exit 0
}
'
# hvc-shared-end

HVC_LOG_RE='clocksource|tsc|time went backwards|unstable|skew is too large|kvm-clock'
HVC_LOG_RE="$HVC_LOG_RE|paravirtualized kernel|xen version|mhz processor|lpj=|read-back delay"
HVC_LOG_RE="$HVC_LOG_RE|hrtimer: interrupt took|self-detected stall|soft lockup"

# Kernel log lines that count as evidence (shared/domain.md §5a): printable, the last 200.
hvc_logfilter() {
	tr -c '\n\040-\176' '?' | grep -i -E "$HVC_LOG_RE" | tail -n 200 | cut -c 1-1000
}

# True if the command prints anything.
hvc_nonempty() {
	[ -n "$("$@" 2>/dev/null </dev/null | head -c 4096 | tr -d '\n')" ]
}

hvc_log() {
	hvc_src=none
	hvc_log=
	if command -v dmesg >/dev/null 2>&1 && hvc_nonempty dmesg; then
		hvc_src=dmesg
		hvc_log=$(dmesg 2>/dev/null </dev/null | hvc_logfilter) || :
	elif command -v journalctl >/dev/null 2>&1 && hvc_nonempty journalctl -k -q --no-pager; then
		hvc_src=journalctl
		hvc_log=$(journalctl -k -q --no-pager 2>/dev/null </dev/null | hvc_logfilter) || :
	elif [ -s /var/log/kern.log ] && [ -r /var/log/kern.log ]; then
		hvc_src=kern.log
		hvc_log=$(hvc_logfilter </var/log/kern.log) || :
	elif [ -s /var/log/messages ] && [ -r /var/log/messages ]; then
		hvc_src=messages
		hvc_log=$(hvc_logfilter </var/log/messages) || :
	fi
	hvc_put log-source "$hvc_src"
	printf '%s\n' "$hvc_log" | while IFS= read -r hvc_l; do
		if [ -n "$hvc_l" ]; then
			printf 'log %s\n' "$hvc_l"
		fi
	done
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
	hvc_rel=$(uname -r 2>/dev/null) || hvc_rel=
	if [ -z "$hvc_rel" ] && hvc_read1 /proc/sys/kernel/osrelease; then
		hvc_rel=$hvc_r
	fi
	hvc_put kernel-release "$hvc_rel"
	hvc_os_release
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
	hvc_bootloader
	echo "bootloader $hvc_bl"
	if hvc_bootargs; then
		hvc_put bootloader-args "$hvc_ba"
	fi
	if hvc_read1 /proc/uptime; then
		hvc_r=${hvc_r%%[. ]*}
		case $hvc_r in
		'' | *[!0-9]*) ;;
		*) echo "uptime $hvc_r" ;;
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

# Reads the data block (stdin): "sysctl KEY" lines, the keys to report on.
hvc_main() {
	hvc_keys=
	hvc_bad=
	while IFS= read -r hvc_l; do
		case $hvc_l in
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
	hvc_inspect </dev/null
}
