#!/bin/bash
# run.sh: hvclock rollout against N simulated guests vs. the plain-OpenSSH floor doing the same
# per-guest work. See bench/README.md for what is measured and how.
#
#   bench/run.sh [N...]                  default: 16 64 256
#
# Env: BENCH_PARALLEL  P, hvclock --parallel and xargs -P (default 16)
#      BENCH_REPS      repetitions of every measurement, median reported (default 3)
#      BENCH_BASEPORT  guest i listens on BASEPORT+i (default 30100: above the ports the test
#                      suite picks, 10000-30009, below Linux's ephemeral range, 32768)
#      BENCH_SIM       lab root, root-owned chain, not under /tmp (default /srv/hvclock-bench)
#      BENCH_BUILD     meson build dir (default /tmp/bench-build; set up as a release build if
#                      missing, recompiled if present)
#      HVCLOCK         the binary (default BENCH_BUILD/cmd/hvclock)
#      BENCH_OUT       where raw results go (default a new /tmp/hvclock-bench.XXXXXX)
#      BENCH_HOG       1: one CPU-bound process (sh -c 'while :; do :; done', not pinned) runs
#                      beside every measurement
#      BENCH_ANSIBLE   1: also Ansible (ansible-playbook, forks P, pipelining, the minimal job as
#                      three raw tasks) on the same fresh labs
#      BENCH_ONLY      the runs to make, of: hvclock (the rollout) check libssh curve25519
#                      minimal default ansible (default: all of them; ansible only with
#                      BENCH_ANSIBLE=1); e.g. BENCH_ONLY=hvclock at 1024 guests
# Run as root. Every lab it starts is stopped on exit, also on error or Ctrl-C.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
simfleet=$top/tests/sim/simfleet.sh

PAR=${BENCH_PARALLEL:-16}
REPS=${BENCH_REPS:-3}
BASE=${BENCH_BASEPORT:-30100}
ROOT=${BENCH_SIM:-/srv/hvclock-bench}
BUILD=${BENCH_BUILD:-/tmp/bench-build}
HVCLOCK_GIVEN=${HVCLOCK:-}
HVCLOCK=${HVCLOCK:-$BUILD/cmd/hvclock}
if [ $# -gt 0 ]; then NS=("$@"); else NS=(16 64 256); fi
ONLY=" ${BENCH_ONLY:-hvclock check libssh curve25519 minimal default ansible} "
wanted() { [[ $ONLY == *" $1 "* ]]; }
KINDS="el6-kvm xenlinux-pv modern-kvm modern-xen-pv el7-kvm-grubby sles-kvm-mkconfig"

die() {
	echo "bench: $*" >&2
	exit 1
}
log() { echo "bench: $*" >&2; }

[ "$(id -u)" = 0 ] || die "run as root (the lab is chroots behind sshd)"
for x in /usr/sbin/sshd ssh xargs python3 meson cc unshare nsenter; do
	command -v "$x" >/dev/null || die "missing $x"
done
maxn=0
for n in "${NS[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$n'"
	if [ "$n" -gt "$maxn" ]; then maxn=$n; fi
done
[[ $PAR =~ ^[1-9][0-9]*$ ]] || die "BENCH_PARALLEL must be a positive integer"
for m in $ONLY; do
	case $m in hvclock | check | libssh | curve25519 | minimal | default | ansible) ;; *) die "BENCH_ONLY: unknown run '$m'" ;; esac
done
if wanted check && ! wanted hvclock; then die "BENCH_ONLY: check runs on the lab the rollout (hvclock) changed"; fi
# The lab's limits. Each guest is one sshd of its own (its own descriptors, MaxStartups per
# sshd), so the lab needs no more per process; hvclock holds about 3 descriptors per guest in
# flight (P) plus its files. The soft descriptor limit goes to the hard one for hvclock, the
# floors and every sshd of the lab (inherited); processes: the lab's PID namespace has a pid_max
# of its own (checked in fresh_lab), the host needs N sshds + 2 P sessions of ~10 processes.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((4 * PAR + 256)) ] ||
	die "descriptor limit $(ulimit -n) too low for P=$PAR"
need=$((maxn + 40 * PAR + $(ps -e --no-headers | wc -l) + 1000))
[ "$(cat /proc/sys/kernel/pid_max)" -ge "$need" ] ||
	die "kernel.pid_max $(cat /proc/sys/kernel/pid_max) < $need processes (running + N sshds + sessions)"
[ "$(cat /proc/sys/kernel/threads-max)" -ge "$need" ] || die "kernel.threads-max < $need"
CAPBASE=$((BASE + maxn + 10))
[ $((CAPBASE + 12)) -lt 32768 ] || die "ports $BASE..$((CAPBASE + 12)) reach the ephemeral range (32768+)"

# --- the binary: a release build (never ASan: it would measure the sanitizer) ---
if [ -z "$HVCLOCK_GIVEN" ]; then
	"$here/release-build.sh" "$BUILD" || exit 1
fi
[ -x "$HVCLOCK" ] || die "no hvclock binary at $HVCLOCK"

mkdir -p "$ROOT"
chmod 755 "$ROOT"
OUT=${BENCH_OUT:-$(mktemp -d /tmp/hvclock-bench.XXXXXX)}
mkdir -p "$OUT"
RUSAGE=$OUT/rusage
cc -O2 -Wall -o "$RUSAGE" "$here/rusage.c" || die "cannot compile bench/rusage.c"
REPLAY=$OUT/libssh-replay
if wanted libssh; then
	cc -O2 -Wall -Wextra -Werror -pthread -o "$REPLAY" "$here/libssh-replay.c" -lssh ||
		die "cannot compile bench/libssh-replay.c (libssh-dev)"
fi
LAB=$ROOT/lab
CAP=$ROOT/cap

# The guest side of every lab (its sshds and all they start) runs in a PID namespace of its own
# (the forks: the namespace's last PID before and after a run) and in a cpuacct cgroup (its CPU:
# cpuacct.usage before and after). NSINIT is the namespace's first process (a bash that reaps).
CG=/sys/fs/cgroup/cpuacct/hvclock-bench-$$
[ -d /sys/fs/cgroup/cpuacct ] || die "no cgroup v1 cpuacct hierarchy at /sys/fs/cgroup/cpuacct"
mkdir -p "$CG"
NSINIT=
NSUNSHARE=
HOG=
lab_stop() {
	if [ -n "$NSINIT" ]; then
		nsenter -t "$NSINIT" --pid --mount -- env SIM="$LAB" "$simfleet" stop >/dev/null 2>&1 || true
		kill "$NSINIT" 2>/dev/null || true
		wait "$NSUNSHARE" 2>/dev/null || true
		NSINIT=
	fi
	# its pid list holds the namespace's PIDs: never for a simfleet stop outside it
	rm -f "$LAB/state/pids"
}
# Forks inside the lab's namespace so far: the last PID handed out there (the probe takes one).
lab_pids() { nsenter -t "$NSINIT" --pid -- cat /proc/sys/kernel/ns_last_pid; }
lab_cpu_ns() { cat "$CG/cpuacct.usage"; }

cleanup() {
	lab_stop
	SIM=$CAP "$simfleet" stop >/dev/null 2>&1 || true
	[ -z "$HOG" ] || kill "$HOG" 2>/dev/null || true
	rmdir "$CG" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Busy CPU seconds of the whole machine so far (/proc/stat: all but idle and iowait).
busy_s() {
	awk '$1 == "cpu" { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / 100 }' /proc/stat
}

# A fresh lab of N guests (healthy kinds rotating) and its fleet file.
fresh_lab() { # N
	lab_stop # the namespace's end ends every process of the lab
	rm -rf "$LAB"
	mkdir -p "$LAB"
	(
		echo "$BASHPID" >"$CG/cgroup.procs"
		# shellcheck disable=SC2016 # the namespace's init: reaps whatever it inherits
		exec unshare --pid --mount --fork --mount-proc bash -c 'trap "exit 0" TERM
			while :; do sleep 3600 & wait; done'
	) &
	NSUNSHARE=$!
	NSINIT=
	for _ in $(seq 100); do # the namespace's init, once unshare has forked it
		NSINIT=$(pgrep -P "$NSUNSHARE" -x bash || true)
		[ -z "$NSINIT" ] || break
		sleep 0.05
	done
	[ -n "$NSINIT" ] || die "no PID namespace for the lab"
	# guest_forks is the namespace's last PID after minus before: it must not wrap around. A
	# rollout forks ~45-80 processes per guest; the namespace's own pid_max (Linux >= 6.14;
	# older kernels: the host's) must stay above that for the whole run.
	local nsmax
	nsmax=$(nsenter -t "$NSINIT" --pid --mount -- cat /proc/sys/kernel/pid_max)
	[ "$nsmax" -gt $((200 * $1 + 1000)) ] ||
		die "pid_max in the lab's namespace ($nsmax) is below 200 forks x $1 guests: the fork count would wrap"
	(
		echo "$BASHPID" >"$CG/cgroup.procs"
		exec nsenter -t "$NSINIT" --pid --mount -- env SIM="$LAB" SIM_KINDS="$KINDS" \
			"$simfleet" start "$1" "$BASE"
	) >"$OUT/start.log" 2>&1 || { cat "$OUT/start.log" >&2; die "the lab did not start"; }
	SIM=$LAB "$simfleet" fleet-xml "$OUT/fleet.xml"
}

# hvclock COMMAND --all-guests on the lab, timed: "rollout" on the fresh lab (checks the result
# and the guest trees), "check" on the lab the rollout just changed (read-only: every guest must be
# reached and measured, over one SSH connection each).
# Every run prints "wall user sys maxrss_kib machine_busy_s guest_cpu_s guest_forks": the last
# two for the whole guest side (every sshd and what it started: the shells, the scripts, their
# tools), from the lab's cgroup and PID namespace (guest_side).
guest_side() { # DIR -> "guest_cpu_s guest_forks"
	awk '{ printf "%.3f %d\n", ($3 - $1) / 1e9, $4 - $2 - 1 }' "$1/guest"
}
# The time each guest held a worker: median and p95 (nearest rank) of the guests' elapsed_ms in
# hvclock's JSON. The floors have no per-guest figure (xargs times only the whole run): "nan nan".
held_ms() { # OUT.JSON -> "median p95"
	python3 -c '
import json, math, statistics, sys
v = sorted(g["elapsed_ms"] for g in json.load(open(sys.argv[1]))["guests"])
print(statistics.median(v), v[max(0, math.ceil(0.95 * len(v)) - 1)])' "$1"
}

run_hvclock_cmd() { # COMMAND N REP -> "wall user sys maxrss_kib machine_busy_s guest..."
	local cmd=$1 d=$OUT/$1-$2-$3 rc=0 b0
	shift
	[ "$cmd" = check ] || d=$OUT/hvclock-$1-$2
	mkdir -p "$d"
	b0=$(busy_s)
	g0="$(lab_cpu_ns) $(lab_pids)"
	(
		export HVCLOCK_PROFILES_DIR=$top/templates/profiles HVCLOCK_STATE_DIR=$d/state
		export HVCLOCK_LOCK_FILE=$d/run/lock HVCLOCK_CONFIG=/dev/null
		exec "$RUSAGE" "$d/time" "$HVCLOCK" -c "test://$OUT/fleet.xml" \
			-i "$LAB/client/id_ed25519" --known-hosts "$LAB/client/known_hosts" --no-agent \
			--parallel "$PAR" "$cmd" --all-guests --json >"$d/out.json" 2>"$d/err"
	) || rc=$?
	echo "$b0 $(busy_s)" >"$d/busy"
	echo "$g0 $(lab_cpu_ns) $(lab_pids)" >"$d/guest"
	case $cmd/$rc in
	rollout/0 | check/0 | check/1) ;; # check: 1 is "not every guest is ok" (the sim kinds carry symptom lines)
	*) tail -5 "$d/err" >&2; die "hvclock $cmd exited $rc (N=$1, $d)" ;;
	esac
	if [ "$cmd" = rollout ]; then
		python3 "$here/tree.py" hvclock "$d/out.json" "$LAB" >"$d/results" ||
			die "hvclock's rollout is not a clean run (N=$1, $d)"
		python3 "$here/tree.py" check "$LAB" "$OUT/jobs" || die "hvclock left other guest trees (N=$1)"
	else
		python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
bad = [x["name"] for x in d["guests"] if x["offset_seconds"] is None or x["samples"] != 4]
sys.exit("not measured: %s" % " ".join(bad) if bad else 0)' "$d/out.json" ||
			die "hvclock check did not measure every guest (N=$1, $d)"
	fi
	echo "$(tail -1 "$d/time") $(awk '{ print $2 - $1 }' "$d/busy") $(guest_side "$d") $(held_ms "$d/out.json")"
}

# The floor: one ssh per guest through xargs -P, stdin = the captured job of its kind.
# KEX: "curve25519-sha256", or "" for OpenSSH's default.
# JOBS (default OUT/jobs: hvclock's captured requests) or "minimal": bench/minimal.job.
run_floor() { # N REP KEX [JOBS] -> "wall user sys maxrss_kib machine_busy_s guest..."
	local d=$OUT/floor-${3:-default}${4:+-$4}-$1-$2 rc=0 b0 g0
	mkdir -p "$d/out"
	SIM=$LAB "$simfleet" inventory | while read -r _ _ port kind; do
		if [ "${4:-}" = minimal ]; then echo "$port $OUT/minimal.job"; else echo "$port $OUT/jobs/$kind.job"; fi
	done >"$d/args"
	b0=$(busy_s)
	g0="$(lab_cpu_ns) $(lab_pids)"
	(
		export FLOOR_KEX=$3 FLOOR_KEY=$LAB/client/id_ed25519 FLOOR_KH=$LAB/client/known_hosts
		export FLOOR_OUT=$d/out
		# shellcheck disable=SC2016 # expanded by the per-guest sh
		exec "$RUSAGE" "$d/time" xargs -a "$d/args" -P "$PAR" -n 2 \
			sh -c 'exec ssh ${FLOOR_KEX:+-o KexAlgorithms=$FLOOR_KEX} -o BatchMode=yes \
				-i "$FLOOR_KEY" -o UserKnownHostsFile="$FLOOR_KH" -p "$0" root@127.0.0.1 \
				/bin/sh -s <"$1" >"$FLOOR_OUT/$0.out" 2>"$FLOOR_OUT/$0.err"'
	) || rc=$?
	echo "$b0 $(busy_s)" >"$d/busy"
	echo "$g0 $(lab_cpu_ns) $(lab_pids)" >"$d/guest"
	[ $rc = 0 ] || { cat "$d"/out/*.err | sort | uniq -c | head -5 >&2; die "floor ($3) exited $rc (N=$1, $d)"; }
	if [ "${4:-}" = minimal ]; then # its own checks: every guest reported, switched, read back
		[ "$(grep -l -x 'minimal-job ok' "$d"/out/*.out | wc -l)" = "$1" ] ||
			die "the minimal job did not finish on every guest (N=$1, $d)"
	else
		python3 "$here/tree.py" floor "$d/out" "$LAB" "$OUT/jobs" || die "floor run not clean (N=$1)"
		python3 "$here/tree.py" check "$LAB" "$OUT/jobs" || die "the floor left other guest trees (N=$1)"
	fi
	echo "$(tail -1 "$d/time") $(awk '{ print $2 - $1 }' "$d/busy") $(guest_side "$d") nan nan"
}

# The libssh floor: hvclock's captured requests, one exec channel each, over one libssh session
# per guest, P threads (bench/libssh-replay.c): the same transport as hvclock, nothing else.
# "bare" instead: one request of ":" per guest (connect, key exchange, host key, authentication,
# one exec channel and its exit status), on the lab the rollout changed: what any libssh client
# pays per guest before it sends a byte of work.
run_libssh() { # N REP [bare] -> "wall user sys maxrss_kib machine_busy_s guest..."
	local d=$OUT/libssh${3:+-$3}-$1-$2 rc=0 b0 g0
	rm -rf "$d"
	mkdir -p "$d/out"
	echo : >"$OUT/bare.req"
	SIM=$LAB "$simfleet" inventory | while read -r _ _ port kind; do
		if [ -n "${3:-}" ]; then echo "$port $OUT/bare.req"; continue; fi
		r='' k=0
		while [ -e "$OUT/jobs/$kind.req.$k" ]; do r+=" $OUT/jobs/$kind.req.$k" k=$((k + 1)); done
		echo "$port$r"
	done >"$d/args"
	[ "$(wc -l <"$d/args")" = "$1" ] || die "libssh: the lab's inventory does not list $1 guests"
	b0=$(busy_s)
	g0="$(lab_cpu_ns) $(lab_pids)"
	"$RUSAGE" "$d/time" "$REPLAY" "$PAR" "$LAB/client/id_ed25519" "$LAB/client/known_hosts" \
		"$d/out" "$d/args" 2>"$d/err" || rc=$?
	echo "$b0 $(busy_s)" >"$d/busy"
	echo "$g0 $(lab_cpu_ns) $(lab_pids)" >"$d/guest"
	[ $rc = 0 ] || { head -5 "$d/err" >&2; die "libssh-replay exited $rc (N=$1, $d)"; }
	if [ -n "${3:-}" ]; then
		echo "$(tail -1 "$d/time") $(awk '{ print $2 - $1 }' "$d/busy") $(guest_side "$d") nan nan"
		return
	fi
	python3 "$here/tree.py" floor "$d/out" "$LAB" "$OUT/jobs" || die "libssh run not clean (N=$1)"
	python3 "$here/tree.py" check "$LAB" "$OUT/jobs" || die "the libssh run left other guest trees (N=$1)"
	echo "$(tail -1 "$d/time") $(awk '{ print $2 - $1 }' "$d/busy") $(guest_side "$d") nan nan"
}

# Ansible doing the minimal job (below) as three raw tasks per guest: read; write, load, switch;
# boot loader and read back. forks = P, no fact gathering, pipelining, and its usual ssh
# multiplexing (ControlPersist: one connection per guest for the three tasks, as Ansible is run in
# practice). The masters ControlPersist leaves behind are ended after the run: their CPU is in the
# machine and guest-side figures, not in ansible-playbook's own (wait4) figures.
run_ansible() { # N REP -> "wall user sys maxrss_kib machine_busy_s guest..."
	local d=$OUT/ansible-$1-$2 rc=0 b0 g0 cs=/sys/devices/system/clocksource/clocksource0
	mkdir -p "$d/cp" "$d/out"
	SIM=$LAB "$simfleet" inventory | while read -r name _ port _; do
		echo "$name ansible_host=127.0.0.1 ansible_port=$port"
	done >"$d/hosts"
	cat >"$d/ansible.cfg" <<EOF
[defaults]
inventory = $d/hosts
forks = $PAR
gathering = explicit
retry_files_enabled = False
stdout_callback = minimal
[ssh_connection]
pipelining = True
control_path_dir = $d/cp
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o KexAlgorithms=curve25519-sha256 -o BatchMode=yes -o UserKnownHostsFile=$LAB/client/known_hosts
EOF
	cat >"$d/play.yml" <<EOF
- hosts: all
  gather_facts: false
  tasks:
    - raw: cat $cs/current_clocksource $cs/available_clocksource /proc/cmdline; dmesg | grep -i -E 'clocksource|tsc|time went backwards|unstable|kvm-clock|xen' || true
    - raw: printf 'kernel.panic = 5\\n' >/etc/sysctl.d/90-hvclock-min.conf; sysctl -p /etc/sysctl.d/90-hvclock-min.conf; echo tsc >$cs/current_clocksource
    - raw: if [ -f /etc/default/grub ]; then sed -i 's/^GRUB_CMDLINE_LINUX="/&clocksource=tsc /' /etc/default/grub && grep '^GRUB_CMDLINE_LINUX=' /etc/default/grub; fi; read -r c <$cs/current_clocksource && [ "\$c" = tsc ] && echo minimal-job ok
      register: last
    - copy:
        content: "{{ last.stdout }}"
        dest: "$d/out/{{ inventory_hostname }}"
      delegate_to: localhost
EOF
	b0=$(busy_s)
	g0="$(lab_cpu_ns) $(lab_pids)"
	(
		cd "$d"
		export ANSIBLE_CONFIG=$d/ansible.cfg ANSIBLE_PRIVATE_KEY_FILE=$LAB/client/id_ed25519
		export ANSIBLE_REMOTE_USER=root ANSIBLE_LOCAL_TEMP=$d/tmp ANSIBLE_HOME=$d/home
		exec "$RUSAGE" "$d/time" ansible-playbook "$d/play.yml" >"$d/log" 2>&1
	) || rc=$?
	echo "$b0 $(busy_s)" >"$d/busy"
	echo "$g0 $(lab_cpu_ns) $(lab_pids)" >"$d/guest"
	pkill -f -- "$d/cp/" 2>/dev/null || true # the masters ControlPersist left
	[ $rc = 0 ] || { tail -5 "$d/log" >&2; die "ansible-playbook exited $rc (N=$1, $d)"; }
	[ "$(grep -l "^minimal-job ok" "$d"/out/* 2>/dev/null | wc -l)" = "$1" ] ||
		die "Ansible did not do the minimal job on every guest (N=$1, $d)"
	echo "$(tail -1 "$d/time") $(awk '{ print $2 - $1 }' "$d/busy") $(guest_side "$d") nan nan"
}

# What the floor's per-guest "sh -c 'exec ssh ...'" wrapper itself costs (no ssh, no lab).
run_wrapper() { # N
	local d=$OUT/wrapper-$1
	mkdir -p "$d/out"
	for i in $(seq 1 "$1"); do echo "$i $OUT/jobs/el6-kvm.job"; done >"$d/args"
	# shellcheck disable=SC2016
	FLOOR_OUT=$d/out "$RUSAGE" "$d/time" xargs -a "$d/args" -P "$PAR" -n 2 \
		sh -c 'exec cat <"$1" >"$FLOOR_OUT/$0.out"'
	echo "$(tail -1 "$d/time") 0 0 0 nan nan"
}

START=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$SECONDS
MACHINE="$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), \
$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r); \
$(ssh -V 2>&1 | cut -d, -f1), libssh $(dpkg-query -W -f '${Version}' libssh-4 2>/dev/null || echo '?')"
log "$START; $MACHINE; load average at start: $LOAD0"
log "results in $OUT"

log "capturing hvclock's requests per guest kind (bench/capture.sh)"
SIM=$CAP HVCLOCK=$HVCLOCK "$here/capture.sh" "$OUT" "$CAPBASE" "$PAR" >"$OUT/capture.txt" ||
	die "capture failed"
sed 's/^/bench:   /' "$OUT/capture.txt" >&2

# The minimal-job floor: only what the job needs, in one `sh -s` per guest: read the clocksource
# files, /proc/cmdline and the kernel log lines; write one sysctl drop-in and load it; switch
# the clocksource; edit GRUB_CMDLINE_LINUX with one sed (where /etc/default/grub exists); read
# back. No backups, no record, no lock: the cheapest job that does the change at all.
cp "$here/minimal.job" "$OUT/minimal.job"

ANSIBLE_MODE=
if [ "${BENCH_ANSIBLE:-0}" = 1 ]; then
	command -v ansible-playbook >/dev/null ||
		die "BENCH_ANSIBLE=1 needs ansible-playbook (apt-get install ansible-core)"
	ANSIBLE_MODE=ansible
	log "Ansible: $(ansible-playbook --version 2>/dev/null | head -1)"
fi

if [ "${BENCH_HOG:-0}" = 1 ]; then
	sh -c 'while :; do :; done' &
	HOG=$!
	log "a CPU-bound process (pid $HOG, not pinned) runs beside every measurement"
fi

printf 'n\tmode\trep\twall\tuser\tsys\tmaxrss_kib\tmachine_busy\tguest_cpu\tguest_forks\theld_median_ms\theld_p95_ms\tload1\n' \
	>"$OUT/results.tsv"
row() { # N MODE REP "wall user sys rss busy guest_cpu guest_forks held_median held_p95"
	local wall user sys rss busy gcpu gforks hmed hp95 load
	read -r wall user sys rss busy gcpu gforks hmed hp95 <<<"$4"
	load=$(cut -d' ' -f1 /proc/loadavg)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$wall" "$user" \
		"$sys" "$rss" "$busy" "$gcpu" "$gforks" "$hmed" "$hp95" "$load" >>"$OUT/results.tsv"
	log "N=$1 P=$PAR rep $3 $2: wall ${wall}s user ${user}s sys ${sys}s maxrss ${rss}KiB;" \
		"machine busy ${busy} CPU-s; guest side ${gcpu} CPU-s, ${gforks} processes;" \
		"held a worker: median ${hmed} ms, p95 ${hp95} ms; load ${load}"
}
for n in "${NS[@]}"; do
	for rep in $(seq 1 "$REPS"); do
		for mode in hvclock libssh curve25519 minimal default $ANSIBLE_MODE; do
			wanted "$mode" || continue
			fresh_lab "$n"
			case $mode in
			hvclock) r=$(run_hvclock_cmd rollout "$n" "$rep") ;;
			libssh) r=$(run_libssh "$n" "$rep") ;;
			curve25519) r=$(run_floor "$n" "$rep" curve25519-sha256) ;;
			minimal) r=$(run_floor "$n" "$rep" curve25519-sha256 minimal) ;;
			default) r=$(run_floor "$n" "$rep" "") ;;
			ansible) r=$(run_ansible "$n" "$rep") ;;
			esac
			row "$n" "$mode" "$rep" "$r"
			if [ "$mode" = hvclock ] && wanted check; then # check, on the lab the rollout changed
				r=$(run_hvclock_cmd check "$n" "$rep") # its own line: a die in it stops the bench
				row "$n" check "$rep" "$r"
			fi
			if [ "$mode" = libssh ]; then # the bare session, on the lab the replay changed
				r=$(run_libssh "$n" "$rep" bare)
				row "$n" libssh-bare "$rep" "$r"
			fi
			if [ "$rep" = 1 ] && { [ "$mode" = curve25519 ] || [ "$mode" = default ]; }; then
				# which KEX the floor really used
				kex=()
				[ "$mode" = default ] || kex=(-o KexAlgorithms=curve25519-sha256)
				ssh -v "${kex[@]}" -o BatchMode=yes -i "$LAB/client/id_ed25519" \
					-o UserKnownHostsFile="$LAB/client/known_hosts" -p $((BASE + 1)) \
					root@127.0.0.1 true 2>&1 | sed -n 's/.*kex: algorithm: //p' |
					head -1 >"$OUT/kex-$mode"
			fi
		done
	done
	if wanted curve25519 || wanted minimal || wanted default; then
		row "$n" wrapper 1 "$(run_wrapper "$n")"
	fi
done
lab_stop

python3 "$here/report.py" "$OUT/results.tsv" "$PAR" \
	"$START; $MACHINE; load average at start $LOAD0, at end $(cut -d' ' -f1-3 /proc/loadavg); \
total $((SECONDS - T0)) s; floor KEX: curve25519 run: $(cat "$OUT/kex-curve25519" 2>/dev/null), \
default run: $(cat "$OUT/kex-default" 2>/dev/null)" | tee "$OUT/table.txt"
