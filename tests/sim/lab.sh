# lab.sh: what the sim tests that run hvclock over a lab of simulated guests share: the lab's
# directory and its start with free ports. Sourced after tests/lib/tap.sh; needs $here (this
# directory, when sourced: kept in $sim_lab_fleet, as a test may set $here to its own after) and
# $top.

# What every lab needs: root (sshd with ChrootDirectory), sshd, busybox, dash; else skip.
[ "$(id -u)" = 0 ] || skip_all "needs root (sshd with ChrootDirectory)"
[ -x /usr/sbin/sshd ] || skip_all "no /usr/sbin/sshd (openssh-server)"
[ -x /bin/busybox ] || skip_all "no /bin/busybox (busybox-static)"
[ -x /usr/bin/dash ] || [ -x /bin/dash ] || skip_all "no dash"
: "${HVCLOCK:?}"
sim_lab_fleet=$here/simfleet.sh

# sim_lab_dir NAME: TMP is a scratch directory removed at exit with the lab stopped; SIM (exported) is $HVC_SIM_DIR, else build-sim/NAME in the source tree; if
# that chain is not root-owned and non-writable (sshd's ChrootDirectory rule), /srv/hvclock-sim-NAME.
sim_lab_dir() {
	SIM=${HVC_SIM_DIR:-$top/build-sim/$1}
	mkdir -p "$SIM" 2>/dev/null
	if ! SIM=$SIM "$sim_lab_fleet" inventory >/dev/null 2>&1 &&
		! SIM=$SIM "$sim_lab_fleet" path-ok >/dev/null 2>&1; then
		SIM=/srv/hvclock-sim-$1
	fi
	export SIM
	TMP=$(mktemp -d)
	trap sim_lab_cleanup EXIT
}

# At exit: the lab stopped, the scratch directory gone.
sim_lab_cleanup() {
	"$sim_lab_fleet" stop >/dev/null 2>&1
	rm -rf "$TMP"
}

# sim_lab_start N LOW SPAN: a fresh lab of N guests ($SIM_KINDS) on ports LOW + 16*k + 1..N for
# a k below SPAN picked from the PID (below Linux's ephemeral range, 32768+, where outgoing
# connections cannot take them); three tries, else bail. Sets base; logs to $TMP/start.log.
sim_lab_start() {
	local try
	for try in 1 2 3; do
		base=$(($2 + (($$ * 7 + try * 1009) % $3) * 16))
		"$sim_lab_fleet" stop >/dev/null 2>&1
		rm -rf "$SIM"
		mkdir -p "$SIM"
		"$sim_lab_fleet" start "$1" "$base" >"$TMP/start.log" 2>&1 && return 0
	done
	sed 's/^/# /' "$TMP/start.log"
	bail "the lab did not start three times (see above)"
}
