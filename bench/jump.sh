#!/bin/bash
# jump.sh: what reaching guests through their host costs and saves (issue 13 item 5). One bed host
# (tests/fleet/bed.sh: a namespace with its own sshd) with N simulated guests (tests/sim/simfleet.sh)
# on a bridge inside it, which the controller cannot route to. Contenders, on the same guests:
#   jump    hvclock --jump yes: one SSH session to the host, one direct-tcpip channel per guest
#   direct  hvclock --jump no, with a route to the bridge added for this run only
#   sshJ    OpenSSH: per guest `ssh -J root@HOST ... /bin/sh -s` with the request hvclock sent
#           that guest (captured once per N), through xargs -P: the ProxyJump floor
# with an added round-trip delay of 0 and BENCH_DELAY ms between controller and host. The command
# is `hvclock plan` (read-only: one lab per N serves every run). See bench/README.md.
#
#   bench/jump.sh [N...]                 default: 16 64
#
# Env: BENCH_REPS      runs per figure, the median is reported (default 3)
#      BENCH_PARALLEL  hvclock --parallel and xargs -P (default 16)
#      BENCH_DELAY     the added round trip in ms (default 20; 0 is always measured too)
#      BENCH_FLOOR     0: leave out the ssh -J floor (default 1)
#      BENCH_BASEPORT  guest i listens on BASEPORT+i inside the host (default 31900)
#      BENCH_SIM       lab root, root-owned chain, not under /tmp (default /srv/hvclock-bench-jb)
#      BENCH_BUILD     release build dir (default /tmp/bench-build-jump); HVCLOCK: that binary instead
#      BENCH_OUT       raw results (default a new /tmp/hvclock-jump.XXXXXX)
# Run as root. Everything runs in a network and mount namespace of its own (the controller), so the
# bed's links and routes never touch the machine's; every process it starts is stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
simfleet=$top/tests/sim/simfleet.sh
REPS=${BENCH_REPS:-3}
PAR=${BENCH_PARALLEL:-16}
DELAY=${BENCH_DELAY:-20}
FLOOR=${BENCH_FLOOR:-1}
BASE=${BENCH_BASEPORT:-31900}
ROOT=${BENCH_SIM:-/srv/hvclock-bench-jb}
BUILD=${BENCH_BUILD:-/tmp/bench-build-jump}
if [ $# -gt 0 ]; then NS=("$@"); else NS=(16 64); fi
GNET=10.79.101 # the guests' bridge inside host 1: GNET.1 the guests, GNET.2 the delayed relays

die() {
	echo "jump: $*" >&2
	exit 1
}
log() { echo "jump: $*" >&2; }

[ "$(id -u)" = 0 ] || die "run as root (namespaces, sshd)"
for x in /usr/sbin/sshd ssh xargs python3 unshare nsenter ip cc bc; do
	command -v "$x" >/dev/null || die "missing $x"
done
for n in "${NS[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$n'"; done

if [ -z "${JUMP_BENCH_CTL:-}" ]; then
	# --- the binary: a release build, never a sanitizer's (as bench/run.sh) ---
	if [ -z "${HVCLOCK:-}" ]; then
		"$here/release-build.sh" "$BUILD" || exit 1
		HVCLOCK=$BUILD/cmd/hvclock
	fi
	[ -x "$HVCLOCK" ] || die "no hvclock binary at $HVCLOCK"
	# the controller: its own network (the bed's veth and the route live there) and mount namespace
	JUMP_BENCH_CTL=1 HVCLOCK=$HVCLOCK exec unshare --net --mount --propagation private -- "$0" "$@"
fi
ip link set lo up

# shellcheck source=../tests/fleet/bed.sh
. "$top/tests/fleet/bed.sh"
OUT=${BENCH_OUT:-$(mktemp -d /tmp/hvclock-jump.XXXXXX)}
mkdir -p "$OUT" "$ROOT"
chmod 755 "$ROOT"
BED=$OUT/bed
SIM=$ROOT/lab
HOST=$(fleet_addr 1)
RUSAGE=$OUT/rusage
cc -O2 -Wall -o "$RUSAGE" "$here/rusage.c" || die "cannot compile bench/rusage.c"
export HVCLOCK_PROFILES_DIR=$top/templates/profiles

PROXIES=()
proxies_stop() {
	local p
	for p in "${PROXIES[@]}"; do fleet_kill TERM "$p" delayproxy || :; done
	PROXIES=()
}
lab_down() {
	proxies_stop
	if [ -s "$BED/h1/ns.pid" ] && [ -d "$SIM/state" ]; then
		fleet_ns "$BED" 1 env SIM="$SIM" "$simfleet" stop >/dev/null 2>&1 || :
	fi
	fleet_down "$BED"
	rm -rf "$SIM"
}
cleanup() {
	lab_down
	rmdir "$ROOT" 2>/dev/null || :
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sel() { # COLUMN: that column of the runs of n, d, c
	awk -v n="$n" -v d="$d" -v c="$c" -v k="$1" '$1 == n && $2 == d && $3 == c { print $k }' "$OUT/results.tsv"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# --- one host, N guests on its bridge, the host's sshd logging every channel ---
lab_up() { # N
	local n=$1 g addr port
	lab_down
	fleet_up "$BED" 1 || die "the bed host did not start"
	if ! { fleet_ns "$BED" 1 ip link add gbr0 type bridge &&
		fleet_ns "$BED" 1 ip addr add "$GNET.1/24" dev gbr0 &&
		fleet_ns "$BED" 1 ip addr add "$GNET.2/24" dev gbr0 &&
		fleet_ns "$BED" 1 ip link set gbr0 up; }; then
		die "no bridge in the host"
	fi
	mkdir -p "$SIM"
	fleet_ns "$BED" 1 env SIM="$SIM" SIM_LISTEN="$GNET.1" "$simfleet" start "$n" "$BASE" \
		>"$OUT/start.log" 2>&1 || { cat "$OUT/start.log" >&2; die "the guests did not start"; }
	SIM=$SIM "$simfleet" fleet-xml "$OUT/fleet.xml"
	# the host: the guests' client key too (hvclock's -i is one key for host and guests), every
	# channel open and close logged (DEBUG1) for the peak count
	cat "$SIM/client/id_ed25519.pub" >>"$BED/h1/ssh/authorized_keys"
	printf '%s\n' 'LogLevel DEBUG1' 'AllowTcpForwarding yes' >>"$BED/h1/ssh/sshd_config"
	fleet_sshd_stop "$BED" 1
	fleet_sshd_start "$BED" 1 || die "the host's sshd did not restart"
	# known_hosts: the guests (simfleet's: address and UUID), the host, the relays' addresses
	local hk
	hk=$(cut -d' ' -f1,2 "$BED/h1/ssh/host_ed25519.pub")
	{
		cat "$SIM/client/known_hosts"
		sed -n "s/^\[$GNET\.1\]:/[$GNET.2]:/p" "$SIM/client/known_hosts"
		echo "$HOST $hk"
		echo "[$HOST]:2022 $hk"
	} >"$OUT/known_hosts"
	for d in 0 "$DELAY"; do
		for c in jump direct; do
			addr=$GNET.1 # direct with a delay: through the relays on GNET.2
			if [ "$c" = direct ] && [ "$d" != 0 ]; then addr=$GNET.2; fi
			{
				echo "[host:h1]"
				echo "uri = test://$OUT/fleet.xml"
				if [ "$d" = 0 ]; then echo "ssh = $HOST"; else echo "ssh = $HOST:2022"; fi
				echo "jump = yes"
				while read -r g _ port _; do
					printf '[guest:%s]\naddress = %s:%s\n' "$g" "$addr" "$port"
				done < <(SIM=$SIM "$simfleet" inventory)
			} >"$OUT/conf-$c-$d"
			chmod 600 "$OUT/conf-$c-$d"
		done
	done
	# OpenSSH for the floor: one config for the jump host and the guests (-F reaches the -J hop)
	cat >"$OUT/ssh_config" <<-EOF
		Host *
		  User root
		  IdentityFile $SIM/client/id_ed25519
		  IdentitiesOnly yes
		  UserKnownHostsFile $OUT/known_hosts
		  GlobalKnownHostsFile /dev/null
		  BatchMode yes
		  KexAlgorithms curve25519-sha256
	EOF
}

proxies_start() { # the delay: relays in the host (no sch_netem here), DELAY/2 each way
	local half f
	half=$(echo "$DELAY / 2" | bc -l)
	f=$OUT/proxy-host.pid
	# shellcheck disable=SC2016 # expanded by the inner shell
	fleet_ns "$BED" 1 sh -c 'echo $$ >"$1" && shift && exec "$@"' sh "$f" \
		python3 "$here/delayproxy.py" "$HOST" 2022 "$HOST" 22 "$half" </dev/null >"$OUT/proxy-host.log" 2>&1 &
	PROXIES+=("$f")
	f=$OUT/proxy-guests.pid
	# shellcheck disable=SC2016 # expanded by the inner shell
	fleet_ns "$BED" 1 sh -c 'echo $$ >"$1" && shift && exec "$@"' sh "$f" \
		python3 "$here/delayproxy.py" "$GNET.2" $((BASE + 1)) "$GNET.1" $((BASE + 1)) "$half" "$1" \
		</dev/null >"$OUT/proxy-guests.log" 2>&1 &
	PROXIES+=("$f")
	fleet_wait 30 fleet_ns "$BED" 1 sh -c "ss -ltnH | grep -q '$HOST:2022 ' &&
		ss -ltnH | grep -q '$GNET.2:$((BASE + $1)) '" || die "the delay relays did not start"
}

# --- the floor's jobs: what hvclock sends each guest for `plan` (as bench/capture.sh, per guest) ---
capture() {
	local g w k rc=0
	cp "$SIM/guests/g1/bin/bash" "$OUT/bash.orig"
	while read -r g _ _ _; do
		w=$SIM/guests/$g/bin/bash
		rm -f "$w" # hardlinked to the lab's shared copy: never write through it
		cp "$here/capture-shell.sh" "$w"
		chmod 755 "$w"
	done < <(SIM=$SIM "$simfleet" inventory)
	HVCLOCK_STATE_DIR=$OUT/cap/state HVCLOCK_LOCK_FILE=$OUT/cap/lock "$HVCLOCK" \
		--config "$OUT/conf-jump-0" -c "test://$OUT/fleet.xml" -i "$SIM/client/id_ed25519" \
		--known-hosts "$OUT/known_hosts" --no-agent --parallel "$PAR" --jump yes plan --json \
		>"$OUT/cap.json" 2>"$OUT/cap.err" || rc=$?
	[ $rc = 4 ] || { cat "$OUT/cap.err" >&2; die "capture: hvclock plan exited $rc"; }
	mkdir -p "$OUT/jobs"
	while read -r g _ _ _; do
		w=$SIM/guests/$g
		: >"$OUT/jobs/$g"
		k=0
		while [ -e "$w/tmp/hvc-req.$k" ]; do
			{ echo "("; cat "$w/tmp/hvc-req.$k"; echo ")"; } >>"$OUT/jobs/$g"
			rm -f "$w/tmp/hvc-req.$k"
			k=$((k + 1))
		done
		[ $k -gt 0 ] || die "capture: nothing captured on $g"
		rm -f "$w/bin/bash"
		cp -p "$OUT/bash.orig" "$w/bin/bash"
	done < <(SIM=$SIM "$simfleet" inventory)
}

# --- one measured run: "wall cpu_per_guest logins peak_channels" ---
LOGN=0
sshd_log_mark() { LOGN=$(wc -l <"$BED/h1/ssh/sshd.log"); }
# Host logins since the mark, and the most direct-tcpip channels open at once in the host's sshd
# (all its processes; one log, in the order written): a channel counts from its open request to
# its "free" line, which sshd writes once both ends have sent their close. An `ssh -W` session
# (ssh -J) carries one channel and ends without a "free" line: its "Disconnected" line ends it.
sshd_log_figures() { # CONTENDER
	tail -n +$((LOGN + 1)) "$BED/h1/ssh/sshd.log" | awk -v per_login="$([ "$1" = sshJ ] && echo 1)" '
		/Accepted publickey/ { l++ }
		/server_request_direct_tcpip:/ { c++; if (c > m) m = c }
		/: free: direct-tcpip/ && !per_login { c-- }
		/^Disconnected from user/ && per_login { c-- }
		END { print l + 0, m + 0 }'
}

run_one() { # CONTENDER N DELAY REP
	local c=$1 n=$2 d=$3 rep=$4 dir=$OUT/$1-$2-$3-$4 rc=0 port=22
	mkdir -p "$dir"
	[ "$d" = 0 ] || port=2022
	[ "$c" != direct ] || ip route add "$GNET.0/24" via "$HOST"
	sshd_log_mark
	case $c in
	jump | direct)
		local mode=yes
		[ "$c" = jump ] || mode=no
		HVCLOCK_STATE_DIR=$dir/state HVCLOCK_LOCK_FILE=$dir/lock "$RUSAGE" -a "$dir/time" "$HVCLOCK" \
			--config "$OUT/conf-$c-$d" -c "test://$OUT/fleet.xml" -i "$SIM/client/id_ed25519" \
			--known-hosts "$OUT/known_hosts" --no-agent --parallel "$PAR" --connect-timeout 20 \
			--jump "$mode" plan --json >"$dir/out.json" 2>"$dir/err" || rc=$?
		;;
	sshJ)
		mkdir -p "$dir/out"
		SIM=$SIM "$simfleet" inventory | awk '{ print $1, $3 }' >"$dir/list"
		# the guest's address as the host sees it (the hop from there is the host's own bridge)
		# shellcheck disable=SC2016 # expanded by the per-guest shell
		"$RUSAGE" -a "$dir/time" xargs -P "$PAR" -n 2 -a "$dir/list" sh -c 'exec ssh -F "$0" \
			-J "root@$1:$2" -p "$7" "root@$3" /bin/sh -s <"$4/$6" >"$5/$6.out" 2>"$5/$6.err"' \
			"$OUT/ssh_config" "$HOST" "$port" "$GNET.1" "$OUT/jobs" "$dir/out" || rc=$?
		;;
	esac
	[ "$c" != direct ] || ip route del "$GNET.0/24" via "$HOST"
	case $c/$rc in
	jump/4 | direct/4) python3 - "$dir/out.json" "$n" "$c" <<-'PY' || die "$c run not clean ($dir)" ;;
		import json, sys
		d = json.load(open(sys.argv[1]))
		n, c = int(sys.argv[2]), sys.argv[3]
		g = d["guests"]
		assert len(g) == n, len(g)
		for x in g:
		    assert x["facts"]["inspected"], (x["name"], x["inspect_error"])
		    assert x["jump"] == ("h1" if c == "jump" else None), (x["name"], x["jump"])
		    assert x["identity"] == "verified", (x["name"], x["identity"])
		PY
	sshJ/0)
		local g
		while read -r g _; do
			if [ ! -s "$dir/out/$g.out" ] || grep -q '^error' "$dir/out/$g.out"; then
				die "ssh -J: $g's output is empty or an error ($dir/out)"
			fi
		done <"$dir/list"
		;;
	*)
		tail -5 "$dir/err" "$dir"/out/*.err 2>/dev/null | head -20 >&2
		die "$c exited $rc (N=$n, delay $d, $dir)"
		;;
	esac
	echo "$(awk -v n="$n" '{ printf "%.3f %.2f", $1, ($2 + $3) * 1000 / n }' "$dir/time") $(sshd_log_figures "$c")"
}

T0=$SECONDS
CONT=(jump direct)
[ "$FLOOR" = 0 ] || CONT+=(sshJ)
echo "# $(nproc) cores; load at start: $(cut -d' ' -f1-3 /proc/loadavg)" >"$OUT/table.txt"
printf '%s\n' "N delay contender rep wall_s cpu_ms_per_guest host_logins peak_channels" >"$OUT/results.tsv"
for n in "${NS[@]}"; do
	log "N=$n: the host and its guests"
	lab_up "$n"
	[ "$FLOOR" = 0 ] || capture
	for d in 0 "$DELAY"; do
		[ "$d" = 0 ] || proxies_start "$n"
		for rep in $(seq 1 "$REPS"); do
			for c in "${CONT[@]}"; do
				r=$(run_one "$c" "$n" "$d" "$rep")
				log "N=$n delay=${d}ms $c rep $rep: $r"
				echo "$n $d $c $rep $r" >>"$OUT/results.tsv"
			done
		done
		proxies_stop
	done
done
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg); $((SECONDS - T0)) s" >>"$OUT/table.txt"
{
	printf '%-4s %-6s %-9s %8s %15s %12s %14s\n' N RTT+ms contender wall_s cpu_ms/guest host_logins peak_channels
	for n in "${NS[@]}"; do
		for d in 0 "$DELAY"; do
			for c in "${CONT[@]}"; do
				printf '%-4s %-6s %-9s %8s %15s %12s %14s\n' "$n" "$d" "$c" "$(sel 5 | median)" \
					"$(sel 6 | median)" "$(sel 7 | median)" "$(sel 8 | median)"
			done
		done
	done
} >>"$OUT/table.txt"
cat "$OUT/table.txt"
log "raw results: $OUT"
