#!/bin/bash
# bed.sh: the fleet test bed (issue 13): "hypervisor hosts" made of namespaces, each with its own
# sshd (root by key only, its own host key) and its own libvirtd, reachable from the controller
# (where hvclock runs) over a veth link on 10.79.K.0/24: the controller is 10.79.K.2, host K is
# 10.79.K.1. (The e2e bed uses 10.77.*, the jump work 10.78.*.) A tier's controller has a network
# namespace of its own (fleet_tier_enter): its links and addresses are nobody else's, so tiers that
# run at once (meson, two checkouts) cannot collide; by hand (bed.sh up) they are the root's.
#
# Each host is a private mount + network namespace (the e2e bed's recipe, tests/e2e/bed.sh): /run is a
# tmpfs inside, /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/log/libvirt are bind mounts of
# HOSTDIR/{etc,run,lib,log}; sshd runs there with HOSTDIR/ssh/sshd_config. The libvirtd of Debian 12
# (9.0, monolithic) serves libvirt's test driver to remote clients, so a host's guests are test-driver
# fleet files in HOSTDIR (test+ssh://root@10.79.K.1/HOSTDIR/fleet.xml); its qemu driver is there too
# (qemu+ssh://root@10.79.K.1/system) for real guests.
#
# The controller's ssh (libvirt's ssh transport runs the ssh binary, which reads root's ~/.ssh) must
# not use the machine's /root: fleet_ctl runs a command in a private mount namespace whose /root is
# BED/ctl/home (id_ed25519 there is the key every host accepts, .ssh/known_hosts has every host's key).
#
# Sourced by t-fleet-hosts.sh and bench/listing.sh; by hand (as root):
#   bed.sh up BED N          N hosts (1..9); prints nothing, BED/hK/ns.pid holds host K's namespace holder
#   bed.sh down BED          stop everything the bed started, remove the links
#   bed.sh ctl BED CMD...    run CMD as the controller (its own /root)
# then e.g.  bed.sh ctl BED virsh -c test+ssh://root@10.79.1.1$BED/h1/fleet.xml list --all

FLEET_NET=10.79
FLEET_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fleet_addr() { echo "$FLEET_NET.$1.1"; } # host K's address

fleet_ns() { # BED K CMD...: run CMD inside host K's namespaces
	local s=$1/h$2
	shift 2
	nsenter -t "$(cat "$s/ns.pid")" -m -n --wd=/ -- "$@"
}

fleet_ctl() { # BED CMD...: CMD as the controller: this netns, /root = BED/ctl/home
	local bed=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private -- sh -c 'mount --bind "$1" /root && shift && exec "$@"' \
		sh "$bed/ctl/home" "$@"
}

fleet_ctl_own_net() { # BED CMD...: fleet_ctl in a new network namespace (only its lo, up)
	local bed=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --net --propagation private -- sh -c \
		'ip link set lo up && mount --bind "$1" /root && shift && exec "$@"' sh "$bed/ctl/home" "$@"
}

# fleet_kill SIGNAL PIDFILE WORD: kill the PID in PIDFILE only if its command line has WORD
fleet_kill() {
	local p
	p=$(cat "$2" 2>/dev/null) || return 1
	case $p in '' | *[!0-9]*) return 1 ;; esac
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$3" || return 1
	kill "-$1" "$p" 2>/dev/null
}

fleet_wait() { # SECONDS CMD...: until CMD succeeds (polled every 0.1 s), else fail
	local i
	for i in $(seq 1 $(($1 * 10))); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}

# fleet_tier_enter NAME SCRIPT ARGS...: BED is the tier's bed directory (HVC_FLEET_DIR, else
# $top/build-fleet/NAME; absolute). The first time, SCRIPT runs again as the controller
# (fleet_ctl_own_net: its own mount and network namespaces, /root = BED/ctl/home) and the caller
# exits with its status; in the controller, it returns. The hosts' links (hvfK, 10.79.K.0/24, and
# whatever the tier adds) are made in the controller's namespace: they go with it, and another
# tier's, or another checkout's, same-numbered host is in another namespace.
fleet_tier_enter() {
	BED=${HVC_FLEET_DIR:-$top/build-fleet/$1}
	shift
	mkdir -p "$BED"
	BED=$(realpath "$BED")
	[ -z "${HVC_FLEET_CTL:-}" ] || return 0
	unshare --mount --net --propagation private true 2>/dev/null ||
		skip_all "cannot make mount and network namespaces here"
	fleet_ctl_keys "$BED"
	san_cleanup # the re-executed test makes its own
	rm -rf "$HVC_JSON_LOG"
	HVC_FLEET_CTL=1 fleet_ctl_own_net "$BED" "$@"
	exit $?
}

fleet_ctl_keys() { # BED: the controller's home, its key, an empty known_hosts
	local c=$1/ctl/home
	mkdir -p "$c/.ssh"
	chmod 700 "$c" "$c/.ssh"
	[ -f "$c/.ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C fleet-ctl -f "$c/.ssh/id_ed25519"
	: >"$c/.ssh/known_hosts"
}

fleet_known_host() { # BED K: (re)write host K's line in the controller's known_hosts
	local bed=$1 k=$2 kh=$1/ctl/home/.ssh/known_hosts
	grep -v "^$(fleet_addr "$k") " "$kh" >"$kh.tmp" || :
	echo "$(fleet_addr "$k") $(cut -d' ' -f1,2 "$bed/h$k/ssh/host_ed25519.pub")" >>"$kh.tmp"
	mv "$kh.tmp" "$kh"
}

fleet_forget_host() { # BED K: host K's key unknown to the controller
	local kh=$1/ctl/home/.ssh/known_hosts
	grep -v "^$(fleet_addr "$2") " "$kh" >"$kh.tmp" || :
	mv "$kh.tmp" "$kh"
}

fleet_rekey() { # BED K: host K gets a new host key (a reinstalled host, or an impostor); sshd reloads
	local s=$1/h$2
	rm -f "$s/ssh/host_ed25519" "$s/ssh/host_ed25519.pub"
	ssh-keygen -q -t ed25519 -N '' -C "fleet-h$2-new" -f "$s/ssh/host_ed25519"
	fleet_sshd_stop "$1" "$2"
	fleet_sshd_start "$1" "$2"
}

fleet_sshd_start() { # BED K
	local bed=$1 k=$2
	fleet_ns "$bed" "$k" /usr/sbin/sshd -f "$bed/h$k/ssh/sshd_config" -E "$bed/h$k/ssh/sshd.log" &&
		fleet_wait 30 test -s "$bed/h$k/ssh/sshd.pid"
}

fleet_sshd_stop() { # BED K
	local f=$1/h$2/ssh/sshd.pid
	fleet_kill TERM "$f" sshd || :
	fleet_wait 30 sh -c "! kill -0 \$(cat '$f' 2>/dev/null) 2>/dev/null" || :
	rm -f "$f"
}

fleet_libvirtd_stop() { # BED K: stop host K's libvirtd (its sshd stays: the host answers, libvirt does not)
	local s=$1/h$2 p
	p=$(cat "$s/run/libvirtd.pid" 2>/dev/null) || return 0
	fleet_kill TERM "$s/run/libvirtd.pid" libvirtd || return 0
	fleet_wait 60 sh -c "! kill -0 $p 2>/dev/null || [ \"\$(awk '{print \$3}' /proc/$p/stat 2>/dev/null)\" = Z ]"
	rm -f "$s/run/libvirt-sock"
}

fleet_libvirtd_start() { # BED K: host K's libvirtd (again), until its socket answers
	local bed=$1 k=$2
	fleet_ns "$bed" "$k" libvirtd -d -p /run/libvirt/libvirtd.pid || return 1
	fleet_wait 30 test -S "$bed/h$k/run/libvirt-sock" || { echo "h$k: libvirtd did not start" >&2; return 1; }
}

fleet_host_up() { # BED K
	local bed=$1 k=$2 s=$1/h$2 pid
	rm -rf "${s:?}"
	mkdir -p "$s/etc/qemu/networks/autostart" "$s/etc/nwfilter" "$s/run" "$s/lib" "$s/cache" \
		"$s/log" "$s/ssh"
	mkdir -p "$s/log/qemu" "$s/disks"
	echo 'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"' >"$s/etc/libvirtd.conf"
	# real guests (t-fleet-qemu.sh): QEMU as root, no relabelling, no per-guest mount namespace (e2e bed)
	printf '%s\n' 'user = "root"' 'group = "root"' 'dynamic_ownership = 0' 'remember_owner = 0' \
		'security_driver = "none"' 'namespaces = [ ]' >"$s/etc/qemu.conf"
	: >"$s/etc/virtlogd.conf"
	: >"$s/etc/libvirt.conf"
	ssh-keygen -q -t ed25519 -N '' -C "fleet-h$k" -f "$s/ssh/host_ed25519"
	cp "$bed/ctl/home/.ssh/id_ed25519.pub" "$s/ssh/authorized_keys"
	cat >"$s/ssh/sshd_config" <<-EOF
		ListenAddress $(fleet_addr "$k"):22
		HostKey $s/ssh/host_ed25519
		PidFile $s/ssh/sshd.pid
		AuthorizedKeysFile $s/ssh/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PubkeyAuthentication yes
		UsePAM no
		StrictModes no
		MaxStartups 100:30:200
		# what hvclock's libssh negotiates anyway; OpenSSH's default sntrup761 costs more CPU
		KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org
		Subsystem sftp internal-sftp
	EOF
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --net --propagation private --fork sh -c '
		s=$1
		set -e
		mount -t tmpfs -o mode=755 tmpfs /run
		mkdir -p /run/libvirt /run/sshd
		mount --bind "$s/etc" /etc/libvirt
		mount --bind "$s/run" /run/libvirt
		mount --bind "$s/lib" /var/lib/libvirt
		mount --bind "$s/cache" /var/cache/libvirt
		mount --bind "$s/log" /var/log/libvirt
		ip link set lo up
		echo $$ >"$s/ns.pid.tmp"
		mv "$s/ns.pid.tmp" "$s/ns.pid"
		exec sleep infinity
	' sh "$s" >"$s/ns.log" 2>&1 </dev/null 8>&- 9>&- &
	fleet_wait 30 test -s "$s/ns.pid" || { cat "$s/ns.log" >&2; return 1; }
	pid=$(cat "$s/ns.pid")
	ip link del "hvf$k" 2>/dev/null || :
	ip link add "hvf$k" type veth peer name eth0 netns "$pid" &&
		ip addr add "$FLEET_NET.$k.2/24" dev "hvf$k" &&
		ip link set "hvf$k" up &&
		fleet_ns "$bed" "$k" ip addr add "$(fleet_addr "$k")/24" dev eth0 &&
		fleet_ns "$bed" "$k" ip link set eth0 up || return 1
	fleet_ns "$bed" "$k" virtlogd -d -p /run/libvirt/virtlogd.pid &&
		fleet_libvirtd_start "$bed" "$k" || return 1
	fleet_sshd_start "$bed" "$k" || { cat "$s/ssh/sshd.log" >&2; return 1; }
	fleet_known_host "$bed" "$k"
}

fleet_up() { # BED N
	local bed=$1 n=$2 k
	mkdir -p "$bed"
	fleet_down "$bed"
	fleet_ctl_keys "$bed"
	for k in $(seq 1 "$n"); do
		fleet_host_up "$bed" "$k" || return 1
	done
	echo "$n" >"$bed/hosts"
}

fleet_down() { # BED: every host's daemons by PID; the namespaces go with their last process
	local bed=$1 s k f
	for s in "$bed"/h[0-9]*; do
		[ -d "$s" ] || continue
		k=${s##*/h}
		if [ -d "$s/sim/state" ] && [ -s "$s/ns.pid" ]; then # fleet_sim_guests' guests
			fleet_ns "$bed" "$k" env SIM="$s/sim" "$FLEET_HERE/../sim/simfleet.sh" \
				stop >/dev/null 2>&1 || :
		fi
		for f in "$s"/run/qemu/*.pid; do fleet_kill KILL "$f" qemu-system || :; done
		for f in "$s"/run/network/*.pid; do fleet_kill TERM "$f" dnsmasq || :; done
		fleet_kill TERM "$s/ssh/sshd.pid" sshd || :
		fleet_kill TERM "$s/run/libvirtd.pid" libvirtd || :
		fleet_kill TERM "$s/run/virtlogd.pid" virtlogd || :
		fleet_kill TERM "$s/ns.pid" 'sleep infinity' || :
		rm -f "$s/ns.pid"
		ip link del "hvf$k" 2>/dev/null || :
	done
	rm -f "$bed/hosts"
	return 0
}

# fleet_test_xml OUT N [PREFIX]: a test-driver node file with N running persistent direct-kernel guests
# PREFIX1..PREFIXN (fixed UUIDs: the prefix's CRC, the number), every third one shut off.
fleet_test_xml() {
	local out=$1 n=$2 p=${3:-vm} i h
	h=$(printf '%s' "$p" | cksum | cut -d' ' -f1)
	{
		echo "<node>"
		echo "  <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads></cpu>"
		echo "  <memory>64000000</memory>"
		for i in $(seq 1 "$n"); do
			echo "  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
			echo "    <name>$p$i</name>"
			printf "    <uuid>%08x-0000-4000-8000-%012d</uuid>\n" "$h" "$i"
			[ $((i % 3)) -ne 0 ] || echo "    <test:runstate>5</test:runstate>"
			echo "    <memory>262144</memory>"
			echo "    <os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz-5.10.0-28-amd64</kernel>"
			echo "      <cmdline>root=/dev/vda1 console=ttyS0 clocksource=tsc</cmdline></os>"
			echo "  </domain>"
		done
		echo "</node>"
	} >"$out"
}

# fleet_sim_guests BED K N: N simulated sshd guests (tests/sim/simfleet.sh) INSIDE host K's network
# namespace, on 127.0.0.1:2301.. there: not routable from the controller, reachable from the host's
# sshd (direct-tcpip, like ProxyJump). For the jump work (issue 13 item 5); not on a bridge yet
# (simfleet.sh listens on 127.0.0.1 only). The guests' files: BED/hK/sim (see simfleet.sh); the key
# they accept: BED/hK/sim/client/id_ed25519. Unused by the tier so far (tried by hand: 2 guests, 23 s).
fleet_sim_guests() {
	local bed=$1 k=$2 n=$3
	mkdir -p "$bed/h$k/sim"
	fleet_ns "$bed" "$k" env SIM="$bed/h$k/sim" "$FLEET_HERE/../sim/simfleet.sh" start "$n" 2300
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	up) fleet_up "$2" "$3" ;;
	down) fleet_down "$2" ;;
	ctl)
		b=$2
		shift 2
		fleet_ctl "$b" "$@"
		;;
	*)
		echo "usage: bed.sh up BED N | down BED | ctl BED CMD..." >&2
		exit 2
		;;
	esac
fi
