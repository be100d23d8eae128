#!/bin/bash
# bed.sh: the tier-2 test bed. A throw-away libvirtd (qemu:///system) in its own mount and network
# namespaces, with its own configuration and state directories, an isolated libvirt network with DHCP,
# and TCG guests (<domain type='qemu'>) made from mkguest.sh's image. Nothing on the host changes: the
# daemons, the bridge, dnsmasq and QEMU live in the namespaces and are gone when the bed is taken down.
#
# Sourced by t-e2e.sh; by hand (as root):
#   bed.sh up STATEDIR                       start the daemons and the network; prints the namespace PID
#   bed.sh define STATEDIR GUESTDIR NAME direct|grub   a guest with its own copy of the disk
#   bed.sh down STATEDIR                     destroy every guest, stop every daemon, drop the namespaces
# then e.g.  nsenter -t "$(cat STATEDIR/ns.pid)" -m -n -- virsh -c qemu:///system list
#
# Layout of STATEDIR: etc/ run/ lib/ log/ (bind-mounted over /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/log/libvirt inside), cache/ (over /var/cache/libvirt: QEMU's capabilities, kept between runs),
# disks/NAME.img, xml/NAME.xml, ns.pid.

BED_NET=hvtb
BED_PREFIX=10.77.0
# guest name -> last octet of its address (fixed DHCP leases by MAC 52:54:00:77:00:<octet in hex>)
declare -A BED_OCTET=([d1]=11 [d2]=12 [d3]=13 [g1]=21 [g2]=22 [p1]=31 [p2]=32)

bed_ns() { # STATEDIR CMD...: run CMD inside the bed's namespaces
	local s=$1
	shift
	nsenter -t "$(cat "$s/ns.pid")" -m -n --wd="$PWD" -- "$@"
}
bed_virsh() { # STATEDIR ARGS...
	local s=$1
	shift
	bed_ns "$s" virsh -q -c qemu:///system "$@"
}

bed_up() { # STATEDIR: prints nothing; STATEDIR/ns.pid holds the namespace holder's PID
	local s=$1 i
	mkdir -p "$s"
	bed_down "$s" # a bed left by a run that was killed
	rm -rf "${s:?}/etc" "${s:?}/run" "${s:?}/lib" "${s:?}/log" "${s:?}/disks" "${s:?}/xml" "${s:?}/ns.pid"
	mkdir -p "$s/etc/qemu/networks/autostart" "$s/etc/qemu/autostart" "$s/etc/nwfilter" "$s/run" \
		"$s/lib" "$s/cache" "$s/log/qemu" "$s/disks" "$s/xml"
	cat >"$s/etc/libvirtd.conf" <<-'EOF'
		log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
	EOF
	: >"$s/etc/virtlogd.conf"
	: >"$s/etc/libvirt.conf"
	# QEMU as root, no relabelling, no per-guest mount namespace: a scratch bed, not a hardened host
	cat >"$s/etc/qemu.conf" <<-'EOF'
		user = "root"
		group = "root"
		dynamic_ownership = 0
		remember_owner = 0
		security_driver = "none"
		namespaces = [ ]
	EOF
	local mac i n
	{
		echo "<network>"
		echo "  <name>$BED_NET</name>"
		echo "  <bridge name='${BED_NET}0' stp='off' delay='0'/>"
		echo "  <mac address='52:54:00:77:ff:01'/>"
		echo "  <ip address='$BED_PREFIX.1' netmask='255.255.255.0'>"
		echo "    <dhcp>"
		echo "      <range start='$BED_PREFIX.100' end='$BED_PREFIX.199'/>"
		for n in "${!BED_OCTET[@]}"; do
			i=${BED_OCTET[$n]}
			printf "      <host mac='52:54:00:77:00:%02x' name='%s' ip='%s.%s'/>\n" "$i" "$n" "$BED_PREFIX" "$i"
		done
		echo "    </dhcp>"
		echo "  </ip>"
		echo "</network>"
	} >"$s/net.xml"
	# /run is a private tmpfs inside, so that not even an empty /run/libvirt appears on the host
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --net --propagation private --fork sh -c '
		s=$1
		set -e
		mount -t tmpfs -o mode=755 tmpfs /run
		mkdir -p /run/libvirt
		mount --bind "$s/etc" /etc/libvirt
		mount --bind "$s/run" /run/libvirt
		mount --bind "$s/lib" /var/lib/libvirt
		mount --bind "$s/cache" /var/cache/libvirt
		mount --bind "$s/log" /var/log/libvirt
		ip link set lo up
		virtlogd -d -p /run/libvirt/virtlogd.pid
		libvirtd -d -p /run/libvirt/libvirtd.pid
		echo $$ >"$s/ns.pid.tmp"
		mv "$s/ns.pid.tmp" "$s/ns.pid"
		exec sleep infinity
	' sh "$s" >"$s/ns.log" 2>&1 </dev/null 8>&- 9>&- &
	for i in $(seq 1 150); do
		[ -s "$s/ns.pid" ] && [ -S "$s/run/libvirt-sock" ] && break
		sleep 0.2
	done
	[ -S "$s/run/libvirt-sock" ] || { cat "$s/ns.log" >&2; return 1; }
	bed_virsh "$s" net-define "$s/net.xml" >/dev/null &&
		bed_virsh "$s" net-start "$BED_NET" >/dev/null
}

bed_libvirtd_pid() { cat "$1/run/libvirtd.pid" 2>/dev/null; }

bed_libvirtd_stop() { # STATEDIR: stop the daemon (the guests keep running), wait until it is gone
	local s=$1 p i
	p=$(bed_libvirtd_pid "$s") || return 0
	kill "$p" 2>/dev/null || return 0
	for i in $(seq 1 600); do
		kill -0 "$p" 2>/dev/null || break
		# a zombie: gone for our purpose
		[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] && break
		sleep 0.1
	done
	rm -f "$s/run/libvirt-sock"
}

bed_libvirtd_start() { # STATEDIR: start the daemon again in the same namespaces
	local s=$1 i
	bed_ns "$s" libvirtd -d -p /run/libvirt/libvirtd.pid || return 1
	for i in $(seq 1 150); do
		[ -S "$s/run/libvirt-sock" ] && bed_virsh "$s" version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# bed_kill SIGNAL PIDFILE WORD: kill the PID in PIDFILE only if its command line has WORD (a stale
# pidfile of an earlier run may name a recycled PID)
bed_kill() {
	local p
	p=$(cat "$2" 2>/dev/null) || return 1
	case $p in '' | *[!0-9]*) return 1 ;; esac
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$3" || return 1
	kill "-$1" "$p" 2>/dev/null
}

bed_down() { # STATEDIR: everything the bed started, by PID; the namespaces go with the last process
	local s=$1 d f i
	[ -f "$s/ns.pid" ] || return 0
	# the holder of the namespaces must be ours and alive, else only the pidfiles are stale
	if ! tr '\0' ' ' <"/proc/$(cat "$s/ns.pid")/cmdline" 2>/dev/null | grep -q '^sleep infinity'; then
		rm -f "$s/ns.pid"
		return 0
	fi
	if [ -S "$s/run/libvirt-sock" ]; then
		for d in $(bed_virsh "$s" list --name 2>/dev/null); do
			bed_virsh "$s" destroy "$d" >/dev/null 2>&1
		done
		bed_virsh "$s" net-destroy "$BED_NET" >/dev/null 2>&1
	fi
	# whatever is left: QEMU and dnsmasq (also when libvirtd was stopped by a test), then the daemons
	for i in 1 2; do
		for f in "$s"/run/qemu/*.pid; do bed_kill TERM "$f" qemu-system; done
		for f in "$s"/run/network/*.pid; do bed_kill TERM "$f" dnsmasq; done
		bed_kill TERM "$s/run/libvirtd.pid" libvirtd
		bed_kill TERM "$s/run/virtlogd.pid" virtlogd
		sleep 0.5
	done
	for f in "$s"/run/qemu/*.pid; do bed_kill KILL "$f" qemu-system; done
	bed_kill KILL "$s/run/libvirtd.pid" libvirtd
	bed_kill TERM "$s/ns.pid" 'sleep infinity'
	rm -f "$s/ns.pid"
	return 0
}

bed_ip() { echo "$BED_PREFIX.${BED_OCTET[$1]}"; }

# bed_define STATEDIR GUESTDIR NAME direct|grub [fresh]: copy the image's disk, write and define the XML.
# Besides what the guest needs, each definition carries what a rewrite of the XML could lose (t-e2e.sh checks
# it survives rollout and rollback): VNC and SPICE passwords (libvirt shows them only with --security-info;
# QEMU takes at most 8 characters for VNC), <sysinfo>, metadata of another namespace, <seclabel type='none'/>
# (the bed's qemu.conf has security_driver "none").
bed_define() { # STATEDIR IMAGEDIR NAME direct|grub [UUID]
	local s=$1 g=$2 name=$3 kind=$4 uuid=${5:-} mac os
	mac=$(printf '52:54:00:77:00:%02x' "${BED_OCTET[$name]}")
	cp --sparse=always "$g/disk.img" "$s/disks/$name.img"
	if [ "$kind" = direct ]; then
		os="<kernel>$g/vmlinux</kernel>
    <initrd>$g/initrd.img</initrd>
    <cmdline>root=UUID=$(cat "$g/root-uuid") ro console=ttyS0 hv.hostname=$name</cmdline>"
	else
		os="<boot dev='hd'/>"
	fi
	cat >"$s/xml/$name.xml" <<-EOF
		<domain type='${BED_DOMTYPE:-qemu}'>
		  <name>$name</name>${uuid:+
		  <uuid>$uuid</uuid>}
		  <metadata>
		    <lab:bed xmlns:lab='http://example.org/xmlns/hvclock-e2e-bed/1'>
		      <lab:owner team='e2e'>$name &amp; friends</lab:owner>
		    </lab:bed>
		  </metadata>
		  <memory unit='MiB'>128</memory>
		  <vcpu>1</vcpu>
		  <sysinfo type='smbios'>
		    <system>
		      <entry name='manufacturer'>hvclock e2e bed</entry>
		      <entry name='serial'>E2E-$name</entry>
		    </system>
		  </sysinfo>
		  <os>
		    <type arch='x86_64' machine='pc'>hvm</type>
		    $os
		    <smbios mode='sysinfo'/>
		  </os>
		  <features>
		    <acpi/>
		    <tcg><tb-cache unit='MiB'>32</tb-cache></tcg>
		  </features>
		  <clock offset='utc'/>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>restart</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <emulator>/usr/bin/qemu-system-x86_64</emulator>
		    <disk type='file' device='disk'>
		      <driver name='qemu' type='raw'/>
		      <source file='$s/disks/$name.img'/>
		      <target dev='vda' bus='virtio'/>
		    </disk>
		    <interface type='network'>
		      <source network='$BED_NET'/>
		      <mac address='$mac'/>
		      <model type='virtio'/>
		    </interface>
		    <serial type='pty'><log file='/var/log/libvirt/qemu/$name-console.log' append='on'/></serial>
		    <console type='pty'/>
		    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
		    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
		    <graphics type='vnc' autoport='yes' listen='127.0.0.1' passwd='v${name}pw!'/>
		    <graphics type='spice' autoport='yes' listen='127.0.0.1' passwd='spice-$name-s3cret'/>
		    <memballoon model='none'/>
		  </devices>
		  <seclabel type='none'/>
		</domain>
	EOF
	bed_virsh "$s" define "$s/xml/$name.xml" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	up) bed_up "$2" && cat "$2/ns.pid" ;;
	down) bed_down "$2" ;;
	define) bed_define "$2" "$3" "$4" "$5" ;;
	*)
		echo "usage: bed.sh up|down STATEDIR | define STATEDIR GUESTDIR NAME direct|grub" >&2
		exit 2
		;;
	esac
fi
