#!/bin/bash
# mkimages.sh OUT HVCLOCK PROFILES_DIR: build the nested-Xen machine's disk under OUT/img from Debian
# packages (shared/testbed.md §3): OUT/img/disk.img, a raw disk that boots like a Debian Xen host:
#   MBR           GRUB 2 i386-pc: boot.img, and core.img (grub-mkimage: biosdisk part_msdos ext2 ... built
#                 in, prefix (hd0,msdos1)/boot/grub) in the gap before partition 1
#   partition 1   ext4, dom0's whole root file system: busybox (init: /etc/inittab, /etc/rc.boot), Xen's
#                 tools (xl, xenstored, xenconsoled, hotplug scripts), dropbear, ssh, hvclock with its
#                 libraries and profiles, /etc/xen/domu1.cfg with the PV domU's kernel and busybox/dropbear
#                 initramfs under /var/lib/hvtest, and the host's boot files:
#                 /boot/xen-4.17-amd64.gz (Debian's hypervisor), /boot/vmlinuz-KVER + config-KVER (Debian's
#                 kernel; 20_linux_xen offers only kernels whose config has CONFIG_XEN_DOM0=y),
#                 /boot/initrd.img-KVER (busybox: loads virtio_blk + ext4, mounts root=, switch_root),
#                 /boot/grub (i386-pc modules, grubenv, grub.cfg), Debian's update-grub/grub-mkconfig/
#                 grub-probe/grub-file/..., /etc/grub.d (with 20_linux_xen), /etc/default/grub.d/xen.cfg
#                 and /etc/default/grub (files/default-grub: GRUB_CMDLINE_LINUX for dom0's kernel,
#                 GRUB_CMDLINE_XEN for the hypervisor).
# /boot/grub/grub.cfg is written at build time by Debian's real grub-mkconfig, run in a chroot of the
# root tree with files/grub-probe-stub standing in for grub-probe (the disk does not exist yet; nothing
# is mounted); update-grub in the booted dom0 writes the same file (t-xen.sh checks it).
# Also OUT/img/domu.cpio.gz and the SSH keys under OUT/ssh.
# Packages are fetched with `apt-get download` into OUT/cache and unpacked there (dpkg-deb -x);
# nothing is installed on the host. Exit 3: a package could not be fetched (the caller SKIPs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../diskimg.sh
. "$HERE/../diskimg.sh"
OUT=$1 HVCLOCK=$2 PROFILES=$3
CACHE=$OUT/cache X=$OUT/cache/x IMG=$OUT/img
mkdir -p "$CACHE/debs" "$IMG" "$OUT/ssh"
rm -f "$IMG/xen" "$IMG/vmlinuz" "$IMG/dom0.cpio.gz" # the direct-boot images of earlier versions

KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
[ -n "$KPKG" ] || { echo "apt-cache knows no linux-image-amd64 (apt-get update?)"; exit 3; }
KVER=${KPKG#linux-image-}
PKGS="xen-hypervisor-4.17-amd64 xen-hypervisor-common xen-utils-4.17 xen-utils-common xenstore-utils $KPKG
	dropbear-bin libtomcrypt1 libtommath1 grub-pc-bin grub-common grub2-common gettext-base"
STAMP=$CACHE/unpacked-$KVER-$(echo "$PKGS" | sha256sum | cut -c1-8)
if [ ! -f "$STAMP" ]; then
	rm -f "$CACHE"/debs/*.deb "$CACHE"/unpacked-*
	# shellcheck disable=SC2086 # a list of package names
	(cd "$CACHE/debs" && apt-get download $PKGS) >"$CACHE/download.log" 2>&1 ||
		{ echo "apt-get download failed: $(grep -m1 -E '^E:' "$CACHE/download.log" || tail -n1 "$CACHE/download.log")"; exit 3; }
	rm -rf "$X"
	mkdir -p "$X"
	for d in "$CACHE"/debs/*.deb; do dpkg-deb -x "$d" "$X"; done
	depmod -b "$X" "$KVER"
	touch "$STAMP"
fi
# libvirt's daemon with its libxl driver, and virsh (for t-xen-libvirt.sh only; started by that test, not
# at boot): fetched apart (unpacked into $X too, stamped there, so a new $X unpacks them again), so
# that a failure to fetch them does not stop the image (t-xen.sh does not need them):
# $OUT/img/no-libvirt then says why, and t-xen-libvirt.sh SKIPs.
LVPKGS="libvirt-daemon libvirt-daemon-driver-xen libvirt-clients libvirt0"
LVSTAMP=$X/.lv-unpacked-$(echo "$LVPKGS" | sha256sum | cut -c1-8)
rm -f "$IMG/no-libvirt"
if [ ! -f "$LVSTAMP" ]; then
	rm -rf "$CACHE/lvdebs"
	mkdir -p "$CACHE/lvdebs"
	# shellcheck disable=SC2086 # a list of package names
	if (cd "$CACHE/lvdebs" && apt-get download $LVPKGS) >"$CACHE/lv-download.log" 2>&1; then
		for d in "$CACHE"/lvdebs/*.deb; do dpkg-deb -x "$d" "$X"; done
		touch "$LVSTAMP"
	else
		echo "libvirt packages: apt-get download failed: $(grep -m1 -E '^E:' "$CACHE/lv-download.log" ||
			tail -n1 "$CACHE/lv-download.log")" >"$IMG/no-libvirt"
	fi
fi
XLIB="$X/usr/lib/x86_64-linux-gnu:$X/lib/x86_64-linux-gnu"
XEN_GZ=$(ls "$X"/boot/xen-*.gz)
grep -qx CONFIG_XEN_DOM0=y "$X/boot/config-$KVER" || { echo "$KPKG: not a dom0 kernel (CONFIG_XEN_DOM0)"; exit 1; }

# copy SRC [DEST]: a file into the root $R (DEST defaults to SRC without the $X prefix), and
# for an ELF file its shared libraries (resolved against the unpacked packages, then the host)
copy() {
	local src=$1 dst=${2:-${1#"$X"}}
	mkdir -p "$R$(dirname "$dst")"
	cp -L "$src" "$R$dst"
	if file -L "$src" | grep -q 'dynamically linked'; then
		LD_LIBRARY_PATH=$XLIB ldd "$src" | awk '/=>/ {print $3} /^\t\/lib64/ {print $1}' |
			while read -r l; do
				local d=${l#"$X"}
				if [ -n "$l" ] && [ ! -e "$R$d" ]; then
					mkdir -p "$R$(dirname "$d")"
					cp -L "$l" "$R$d"
				fi
			done
	fi
	return 0
}
# base_root MODULES: busybox, /etc basics, the kernel modules and their dependencies
base_root() {
	rm -rf "$R"
	mkdir -p "$R"/{bin,etc,proc,sys,dev,run,tmp,root/.ssh,var/log,var/lib,usr/bin,usr/sbin,lib64}
	ln -s bin "$R/sbin"
	cp /bin/busybox "$R/bin/busybox"
	for a in $(/bin/busybox --list); do
		if [ ! -e "$R/bin/$a" ]; then ln -s busybox "$R/bin/$a"; fi
	done
	ln -sf ../run "$R/var/run"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
	printf 'root:x:0:\n' >"$R/etc/group"
	printf '/bin/sh\n/bin/bash\n' >"$R/etc/shells"
	for m in $1; do
		modprobe -d "$X" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}' |
			while read -r f; do copy "$f"; done
	done
	cp "$X/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$KVER/" 2>/dev/null || true
	depmod -b "$R" "$KVER"
	cp "$OUT/ssh/id_ed25519.pub" "$R/root/.ssh/authorized_keys"
	chmod 700 "$R/root/.ssh"
}
mkcpio() { (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) >"$2"; }

[ -f "$OUT/ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$OUT/ssh/id_ed25519"
[ -f "$OUT/ssh/dropbear_ed25519_host_key" ] ||
	LD_LIBRARY_PATH=$XLIB "$X/usr/bin/dropbearkey" -t ed25519 -f "$OUT/ssh/dropbear_ed25519_host_key" >/dev/null
# its public half as known_hosts wants it (t-xen-libvirt.sh pins dom0's key on this machine)
LD_LIBRARY_PATH=$XLIB "$X/usr/bin/dropbearkey" -y -f "$OUT/ssh/dropbear_ed25519_host_key" |
	grep '^ssh-ed25519 ' | cut -d' ' -f1,2 >"$OUT/ssh/dropbear_ed25519_host_key.pub"

# ---- domU: busybox + dropbear + xen-netfront ----
R=$OUT/domu-root
base_root "xen-netfront"
copy "$X/usr/sbin/dropbear"
mkdir -p "$R/etc/dropbear"
cp "$OUT/ssh/dropbear_ed25519_host_key" "$R/etc/dropbear/"
install -m 755 "$HERE/files/domu-init" "$R/init"
cp "$HERE/files/domu-inittab" "$R/etc/inittab"
mkcpio "$R" "$IMG/domu.cpio.gz"

# ---- dom0's root file system: Xen tools, dropbear, ssh, hvclock, the domU ----
R=$OUT/dom0-root
base_root "xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-netback xen-blkback bridge virtio_pci virtio_net"
XB=/usr/lib/xen-4.17/bin
for b in xl xenstored xenconsoled xenconsole xen-init-dom0 libxl-save-helper; do copy "$X$XB/$b"; done
copy "$X/usr/bin/xenstore"
for c in read write exists list ls rm chmod watch control; do ln -sf xenstore "$R/usr/bin/xenstore-$c"; done
ln -s ../lib/xen-4.17/bin/xl "$R/usr/sbin/xl"
ln -s ../lib/xen-4.17/bin/xl "$R/usr/bin/xl"
copy "$X/usr/sbin/dropbear"
for b in /bin/bash /usr/bin/flock /usr/bin/ssh /lib/x86_64-linux-gnu/libgcc_s.so.1; do copy "$b"; done
mkdir -p "$R/etc/xen" "$R/var/lib/xen" "$R/var/log/xen/console" "$R/var/lib/xenstored" "$R/var/lib/hvtest" \
	"$R/etc/dropbear" "$R/usr/share/hvclock" "$R/etc/default" "$R/boot/grub"
chmod 1777 "$R/tmp"
cp -a "$X/etc/xen/scripts" "$X/etc/xen/xl.conf" "$R/etc/xen/"
cp "$OUT/ssh/dropbear_ed25519_host_key" "$R/etc/dropbear/"
install -m 600 "$OUT/ssh/id_ed25519" "$R/root/.ssh/id_ed25519"
cp "$X/boot/vmlinuz-$KVER" "$R/var/lib/hvtest/vmlinuz"
cp "$IMG/domu.cpio.gz" "$R/var/lib/hvtest/domu.cpio.gz"
cp "$HERE/files/domu1.cfg" "$R/etc/xen/"
install -m 755 "$HERE/files/dom0-rc.boot" "$R/etc/rc.boot"
install -m 755 "$HERE/files/dom0-rc.shutdown" "$R/etc/rc.shutdown"
cp "$HERE/files/dom0-inittab" "$R/etc/inittab"
printf 'dom0\n' >"$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 dom0\n' >"$R/etc/hosts"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm), hvclock e2e Xen host"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' \
	>"$R/etc/os-release"
copy "$HVCLOCK" /usr/bin/hvclock
# libvirt (monolithic libvirtd with only its libxl connection driver, virsh, virt-ssh-helper): not started at boot
if [ -f "$LVSTAMP" ]; then
	LVLIB=/usr/lib/x86_64-linux-gnu/libvirt
	copy "$X/usr/sbin/libvirtd"
	copy "$X/usr/bin/virsh"
	# what libvirt's remote client runs in dom0 over ssh (xen+ssh://, proxy=auto): busybox's nc has no -U
	copy "$X/usr/bin/virt-ssh-helper"
	copy "$X$LVLIB/connection-driver/libvirt_driver_libxl.so"
	mkdir -p "$R/usr/share/libvirt" "$R/etc/libvirt" "$R/var/lib/libvirt/libxl" "$R/var/log/libvirt/libxl" \
		"$R/var/cache/libvirt"
	cp -a "$X/usr/share/libvirt/cpu_map" "$X/usr/share/libvirt/schemas" "$R/usr/share/libvirt/"
	# libvirt's libxl driver decodes the host CPU from Xen's featureset (physinfo hw_caps) into one of
	# cpu_map's models (libxlCapsInitCPU), and every x86 model needs vme (486 and all that build on
	# it); QEMU's TCG has no VME (-cpu ...,+vme: "TCG doesn't support requested feature"), so the Xen
	# driver would not load ("Cannot find suitable CPU model for given data"). vme is dropped from
	# the models in dom0's copy only (the host's CPU model does not matter to a PV guest).
	sed -i "/<feature name='vme'\/>/d" "$R"/usr/share/libvirt/cpu_map/x86_*.xml
	cp "$X/etc/libvirt/libvirt.conf" "$R/etc/libvirt/"
	cp "$HERE/files/libvirtd.conf" "$R/etc/libvirt/libvirtd.conf"
	cp "$HERE/files/lvdomu.xml" "$R/var/lib/hvtest/lvdomu.xml"
fi
cp -r "$PROFILES" "$R/usr/share/hvclock/profiles"

# ---- dom0's boot: Xen, the kernel and its initramfs, GRUB as Debian sets it up ----
cp "$XEN_GZ" "$X/boot/$(basename "$XEN_GZ" .gz).config" "$R/boot/"
cp "$X/boot/vmlinuz-$KVER" "$X/boot/config-$KVER" "$R/boot/"
di_initrd "$X" "$KVER" "$R/boot/initrd.img-$KVER" "virtio_pci virtio_blk crc32c_generic ext4"
di_grub_files "$X" "$R"
for b in $DI_GRUB_ELF; do copy "$X/$b"; done
cp -a "$X/usr/lib/grub/i386-pc" "$R/boot/grub/"
LD_LIBRARY_PATH=$XLIB "$X/usr/bin/grub-editenv" "$R/boot/grub/grubenv" create
cp -a "$X/etc/default/grub.d" "$R/etc/default/"
cp "$HERE/files/default-grub" "$R/etc/default/grub"
# grub.cfg: Debian's grub-mkconfig in a chroot of the tree, grub-probe answered by the stub
UUID=$(cat /proc/sys/kernel/random/uuid)
mv "$R/usr/sbin/grub-probe" "$OUT/grub-probe.real"
sed "s/@UUID@/$UUID/; s/@LABELID@/$(echo "$UUID" | cut -c1-8)/" "$HERE/files/grub-probe-stub" >"$R/usr/sbin/grub-probe"
chmod 755 "$R/usr/sbin/grub-probe"
mknod -m 666 "$R/dev/null" c 1 3
rc=0
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$R" /usr/sbin/update-grub >"$OUT/grub-mkconfig.log" 2>&1 || rc=$?
rm -f "$R/dev/null"
mv "$OUT/grub-probe.real" "$R/usr/sbin/grub-probe"
[ "$rc" -eq 0 ] || { cat "$OUT/grub-mkconfig.log"; exit 1; }
grep -q '^[[:space:]]*multiboot2[[:space:]]' "$R/boot/grub/grub.cfg" ||
	{ echo "grub-mkconfig wrote no Xen entry:"; cat "$OUT/grub-mkconfig.log"; exit 1; }

# ---- the disk ----
di_disk "$X" "$R" "$UUID" 256 "$IMG/disk.img" "biosdisk part_msdos ext2 search_fs_uuid normal configfile multiboot2 gzio"
echo "$UUID" >"$IMG/root-uuid"
echo "$KVER" >"$IMG/kver"
