#!/bin/sh
# /etc/rc.boot of the disk-booted dom0 (busybox init runs it once, as sysinit; shared/testbed.md §3.3):
# the root file system read-write, Xen's modules, xenfs, xenstored, dom0's xenstore entries,
# xenconsoled, network to the host (QEMU user net) and to the domUs (bridge xenbr0), dropbear.
export PATH=/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
grep -q " /dev devtmpfs " /proc/mounts || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -o remount,rw /
t() { echo "HVT $(cut -d' ' -f1 /proc/uptime) $*"; }
t "dom0 rc.boot start: $(cat /proc/cmdline)"
hostname "$(cat /etc/hostname)"
mkdir -p /run/xen /run/xenstored /run/lock /var/log/xen/console /var/lib/xen
# xenstored starts from an empty database at every boot (as Debian's xencommons does it). libxl's
# userdata files of the previous boot's domains stay in /var/lib/xen, as on a real host.
rm -f /var/lib/xenstored/tdb*
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-netback xen-blkback bridge virtio_pci virtio_net; do
	modprobe $m 2>/dev/null || echo "modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen
xenstored --pid-file /run/xenstored.pid && t "xenstored started"
xen-init-dom0 >/dev/null && t "xen-init-dom0 done"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest && t "xenconsoled started"
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ip route add default via 10.0.2.2
brctl addbr xenbr0
echo 0 >/sys/class/net/xenbr0/bridge/forward_delay
ip addr add 10.99.0.1/24 dev xenbr0
ip link set xenbr0 up
dropbear -r /etc/dropbear/dropbear_ed25519_host_key -p 22 -s -P /run/dropbear.pid && t "dropbear started"
t "dom0 ready, clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
