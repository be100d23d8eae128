#!/bin/sh
# mkguest.sh CACHEDIR: build (or reuse) the tier-2 guest image from Debian packages; print its directory.
#
# The image, in CACHEDIR/guest-<kernel ABI>-<kernel package version>-<hash of this script and diskimg.sh>/:
#   vmlinux            Debian's kernel, uncompressed (QEMU boots it through the PVH entry; under TCG this
#                      saves the in-guest xz decompression, testbed §2.4): the direct-kernel guests' <kernel>
#   initrd.img         busybox initramfs: loads the virtio/ext4 modules, mounts root= (a device or UUID=),
#                      switch_root to it
#   disk.img           raw disk: MBR with a real GRUB (i386-pc boot.img + core.img from grub-pc-bin), partition 1
#                      ext4 with the whole root filesystem (busybox, dropbear, qemu-ga, Debian's grub-mkconfig
#                      and update-grub, /boot with vmlinuz + initrd.img + grub.cfg + GRUB modules). Every guest
#                      gets its own copy-on-write overlay of it, so /etc, /boot and /var/lib/hvclock persist
#                      across power-cycles, and its SSH host key is made at its first boot.
#   id_ed25519{,.pub}  root's login key (authorized in the image)
#   root-uuid, kver    the root filesystem's UUID, the kernel ABI name
#
# The initramfs, Debian's GRUB tools in the root and the disk's layout (MBR, core.img, ext4 from a tree)
# come from diskimg.sh, shared with the nested-Xen image (xen/mkimages.sh); the image's cache key hashes both.
# Downloads only with `apt-get download` (kept in CACHEDIR/debs); nothing is installed on the host.
# Host tools: busybox-static, cpio, kmod (depmod/modprobe), e2fsprogs (mke2fs -d), fdisk (sfdisk), xz-utils,
# openssh-client (ssh-keygen), qemu-utils not needed. Needs no root except for the device nodes in the
# initramfs (the test runs as root anyway).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=diskimg.sh
. "$HERE/diskimg.sh"

CACHE=${1:?usage: mkguest.sh CACHEDIR}
mkdir -p "$CACHE/debs"
CACHE=$(cd "$CACHE" && pwd)

log() { echo "mkguest: $*" >&2; }

KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
[ -n "$KPKG" ] || { log "apt-cache knows no linux-image-amd64 (run apt-get update)"; exit 3; }
KVER=${KPKG#linux-image-}
KPV=$(apt-cache show "$KPKG" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
SUM=$(cat "$0" "$HERE/diskimg.sh" | sha256sum | cut -c1-12)
OUT=$CACHE/guest-$KVER-$KPV-$SUM

# One builder at a time; a finished image is reused as it is.
exec 9>"$CACHE/.lock"
flock 9
if [ -f "$OUT/ready" ]; then
	echo "$OUT"
	exit 0
fi
for old in "$CACHE"/guest-*; do [ -e "$old" ] && rm -rf "$old"; done

PKGS="$KPKG dropbear-bin libtomcrypt1 libtommath1 qemu-guest-agent grub-pc-bin grub-common grub2-common gettext-base"
# shellcheck disable=SC2086
(cd "$CACHE/debs" && apt-get download $PKGS >"$CACHE/download.log" 2>&1) ||
	{ log "apt-get download failed:"; tail -n 5 "$CACHE/download.log" >&2; exit 3; }

W=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$W"' EXIT
X=$W/x
mkdir -p "$X"
for p in $PKGS; do
	# shellcheck disable=SC2012 # Debian package file names: no blanks
	deb=$(ls -t "$CACHE/debs/${p}_"*.deb | head -n1)
	dpkg-deb -x "$deb" "$X"
done
depmod -b "$X" "$KVER"

# --- kernel: uncompressed vmlinux from the bzImage's xz payload (Debian 6.1 compresses with xz) ---
cp "$X/boot/vmlinuz-$KVER" "$W/vmlinuz"
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$W/vmlinuz" | head -n1 | cut -d: -f1)
tail -c +$((off + 1)) "$W/vmlinuz" | xz -dc --single-stream >"$W/vmlinux" 2>/dev/null || :
[ "$(head -c 4 "$W/vmlinux" | od -An -c | tr -d ' ')" = 177ELF ] || { log "no ELF vmlinux in the bzImage"; exit 1; }

# --- initramfs: busybox, the modules for virtio disk/net/console, ext4; mounts root= and switches to it ---
di_initrd "$X" "$KVER" "$W/initrd.img" "virtio_pci virtio_blk virtio_net crc32c_generic ext4 virtio_console virtio_rng button evdev"

# --- root filesystem ---
R=$W/root
mkdir -p "$R/bin" "$R/sbin" "$R/usr/bin" "$R/usr/sbin" "$R/usr/lib/x86_64-linux-gnu" "$R/usr/share/udhcpc" \
	"$R/lib64" "$R/etc/dropbear" "$R/etc/sysctl.d" "$R/etc/default" "$R/etc/acpi/PWRF" "$R/etc/init.d" "$R/root/.ssh" \
	"$R/proc" "$R/sys" "$R/dev" "$R/run" "$R/tmp" "$R/var/log" "$R/var/lib" "$R/var/tmp" "$R/boot/grub" "$R/mnt"
ln -s usr/lib "$R/lib"
chmod 1777 "$R/tmp" "$R/var/tmp"
chmod 700 "$R/root" "$R/root/.ssh"
cp /bin/busybox "$R/bin/busybox"
for a in $("$R/bin/busybox" --list-full); do
	[ -e "$R/$a" ] || [ -L "$R/$a" ] || ln -s /bin/busybox "$R/$a"
done
cp "$X/usr/sbin/dropbear" "$X/usr/sbin/qemu-ga" "$R/usr/sbin/"
cp "$X/usr/bin/dropbearkey" "$R/usr/bin/"
# Debian's own grub-mkconfig and update-grub, run in the guest by hvclock's apply script
di_grub_files "$X" "$R"
# shared libraries: from the unpacked packages first, then the host (the same Debian release)
for f in usr/sbin/dropbear usr/bin/dropbearkey usr/sbin/qemu-ga $DI_GRUB_ELF; do
	LD_LIBRARY_PATH="$X/usr/lib/x86_64-linux-gnu" ldd "$R/$f" | awk '/=> \// { print $3 }'
done | sort -u | while read -r lib; do cp -L "$lib" "$R/usr/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"

printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:*:19000:0:99999:7:::\n' >"$R/etc/shadow"
chmod 600 "$R/etc/shadow"
printf 'root:x:0:\n' >"$R/etc/group"
printf '/bin/sh\n' >"$R/etc/shells"
printf '127.0.0.1 localhost\n' >"$R/etc/hosts"
printf 'guest\n' >"$R/etc/hostname"
cat >"$R/etc/os-release" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm), hvclock e2e guest"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
EOF
ssh-keygen -q -t ed25519 -N '' -C hvclock-e2e -f "$W/id_ed25519"
cp "$W/id_ed25519.pub" "$R/root/.ssh/authorized_keys"
chmod 600 "$R/root/.ssh/authorized_keys"

cat >"$R/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
case "$1" in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do ip route add default via "$r" dev "$interface"; break; done ;;
esac
EOF
chmod 755 "$R/usr/share/udhcpc/default.script"
cat >"$R/sbin/shutdown" <<'EOF'
#!/bin/sh
# what qemu-ga runs for guest-shutdown (virsh reboot/shutdown through the agent); busybox has none
case " $* " in
*" -r "*) exec /sbin/reboot ;;
*" -H "*) exec /sbin/halt ;;
*) exec /sbin/poweroff ;;
esac
EOF
chmod 755 "$R/sbin/shutdown"
printf '#!/bin/sh\n/sbin/poweroff\n' >"$R/etc/acpi/PWRF/00000080"
chmod 755 "$R/etc/acpi/PWRF/00000080"

cat >"$R/etc/inittab" <<'EOF'
::sysinit:/etc/rc.boot
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
::shutdown:/bin/umount -a -r
EOF
# what Debian's sysvinit procps script does at boot (busybox sysctl has no --system)
cat >"$R/etc/init.d/procps" <<'EOF'
#!/bin/sh
for f in /etc/sysctl.d/*.conf /etc/sysctl.conf; do
	[ -f "$f" ] && sysctl -q -p "$f"
done
EOF
chmod 755 "$R/etc/init.d/procps"
cat >"$R/etc/rc.boot" <<'EOF'
#!/bin/sh
# boot of the hvclock e2e guest (busybox init runs it once, as sysinit)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
grep -q " /dev devtmpfs " /proc/mounts || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o mode=755 tmpfs /run
mount -o remount,rw /
echo "hvinit: root up at $(cut -d' ' -f1 /proc/uptime)s" >/dev/console
HN=$(cat /etc/hostname 2>/dev/null)
for kv in $(cat /proc/cmdline); do
	case $kv in hv.hostname=*) HN=${kv#*=} ;; esac
done
hostname "${HN:-guest}"
ip link set lo up
IF=$(ls /sys/class/net | grep -v '^lo$' | head -n1)
if [ -n "$IF" ]; then
	ip link set "$IF" up
	udhcpc -i "$IF" -b -t 20 -T 1 -x "hostname:${HN:-guest}" -s /usr/share/udhcpc/default.script \
		>/dev/null 2>&1 || :
fi
/etc/init.d/procps start
acpid -c /etc/acpi -l /dev/null
for p in /sys/class/virtio-ports/*; do
	[ "$(cat "$p/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] &&
		qemu-ga -d -m virtio-serial -p "/dev/${p##*/}" -f /run/qemu-ga.pid -t /run
done
# the host key is made at the first boot of each disk (a re-created guest gets a new one)
K=/etc/dropbear/dropbear_ed25519_host_key
if [ ! -s "$K" ]; then
	dropbearkey -t ed25519 -f "$K" >/dev/null 2>&1
	sync
fi
dropbear -s -r "$K" -p 22 -P /run/dropbear.pid
echo "hvinit: ssh up on $IF $(ip -4 -o addr show dev "$IF" 2>/dev/null | awk '{print $4}') at $(cut -d' ' -f1 /proc/uptime)s key $(dropbearkey -y -f "$K" | sed -n 's/^Fingerprint: //p')" >/dev/console
EOF
chmod 755 "$R/etc/rc.boot"

# --- GRUB: Debian's /etc/default/grub style; grub.cfg as grub-mkconfig would write it ---
cat >"$R/etc/default/grub" <<'EOF'
# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.

GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0"
GRUB_TERMINAL="serial console"
GRUB_SERIAL_COMMAND="serial --speed=115200"
GRUB_DISABLE_RECOVERY=true
GRUB_DISABLE_OS_PROBER=true
EOF
cp "$W/vmlinuz" "$R/boot/vmlinuz-$KVER"
cp "$W/initrd.img" "$R/boot/initrd.img-$KVER"
cp -a "$X/usr/lib/grub/i386-pc" "$R/boot/grub/"
UUID=$(cat /proc/sys/kernel/random/uuid)
cat >"$R/boot/grub/grub.cfg" <<EOF
# written by mkguest.sh in the shape of grub-mkconfig's output; update-grub in the guest rewrites it
serial --speed=115200
terminal_input serial console
terminal_output serial console
set default=0
set timeout=0
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root $UUID
menuentry 'Debian GNU/Linux' {
	insmod gzio
	insmod part_msdos
	insmod ext2
	search --no-floppy --fs-uuid --set=root $UUID
	echo 'Loading Linux $KVER ...'
	linux /boot/vmlinuz-$KVER root=/dev/vda1 ro console=ttyS0
	echo 'Loading initial ramdisk ...'
	initrd /boot/initrd.img-$KVER
}
EOF

# --- the disk: MBR + GRUB core in the gap before partition 1 (1 MiB), partition 1 = the root filesystem ---
di_disk "$X" "$R" "$UUID" 160 "$W/disk.img" "biosdisk part_msdos ext2 search_fs_uuid"

mkdir -p "$OUT.tmp"
mv "$W/vmlinux" "$W/vmlinuz" "$W/initrd.img" "$W/disk.img" "$W/id_ed25519" "$W/id_ed25519.pub" "$OUT.tmp/"
echo "$UUID" >"$OUT.tmp/root-uuid"
echo "$KVER" >"$OUT.tmp/kver"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
: >"$OUT/ready"
log "built $OUT"
echo "$OUT"
