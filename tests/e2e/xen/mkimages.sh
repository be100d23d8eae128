#!/bin/bash
# mkimages.sh OUT HVCLOCK PROFILES_DIR: build the nested-Xen images under OUT/img from Debian packages
# (shared/testbed.md §3): the Xen hypervisor, the Debian kernel (dom0 and domU), and a busybox dom0
# initramfs holding xl/xenstored/xenconsoled, dropbear, ssh, hvclock (with its libraries and the
# profiles) and a PV domU (kernel + busybox/dropbear initramfs + /etc/xen/domu1.cfg).
# Packages are fetched with `apt-get download` into OUT/cache and unpacked there (dpkg-deb -x);
# nothing is installed on the host. Exit 3: a package could not be fetched (the caller SKIPs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$1 HVCLOCK=$2 PROFILES=$3
CACHE=$OUT/cache X=$OUT/cache/x IMG=$OUT/img
mkdir -p "$CACHE/debs" "$IMG" "$OUT/ssh"

KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
[ -n "$KPKG" ] || { echo "apt-cache knows no linux-image-amd64 (apt-get update?)"; exit 3; }
KVER=${KPKG#linux-image-}
PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils $KPKG dropbear-bin
	libtomcrypt1 libtommath1"
if [ ! -f "$CACHE/unpacked-$KVER" ]; then
	rm -f "$CACHE"/debs/*.deb
	(cd "$CACHE/debs" && apt-get download $PKGS) >"$CACHE/download.log" 2>&1 ||
		{ echo "apt-get download failed: $(grep -m1 -E '^E:' "$CACHE/download.log" || tail -n1 "$CACHE/download.log")"; exit 3; }
	rm -rf "$X"
	mkdir -p "$X"
	for d in "$CACHE"/debs/*.deb; do dpkg-deb -x "$d" "$X"; done
	depmod -b "$X" "$KVER"
	touch "$CACHE/unpacked-$KVER"
fi
XLIB="$X/usr/lib/x86_64-linux-gnu:$X/lib/x86_64-linux-gnu"

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

# ---- domU: busybox + dropbear + xen-netfront ----
R=$OUT/domu-root
base_root "xen-netfront"
copy "$X/usr/sbin/dropbear"
mkdir -p "$R/etc/dropbear"
cp "$OUT/ssh/dropbear_ed25519_host_key" "$R/etc/dropbear/"
install -m 755 "$HERE/files/domu-init" "$R/init"
cp "$HERE/files/domu-inittab" "$R/etc/inittab"
mkcpio "$R" "$IMG/domu.cpio.gz"

# ---- dom0: Xen tools, dropbear, ssh, hvclock ----
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
	"$R/etc/dropbear" "$R/usr/share/hvclock"
cp -a "$X/etc/xen/scripts" "$X/etc/xen/xl.conf" "$R/etc/xen/"
cp "$OUT/ssh/dropbear_ed25519_host_key" "$R/etc/dropbear/"
install -m 600 "$OUT/ssh/id_ed25519" "$R/root/.ssh/id_ed25519"
cp "$X/boot/vmlinuz-$KVER" "$R/var/lib/hvtest/vmlinuz"
cp "$IMG/domu.cpio.gz" "$R/var/lib/hvtest/domu.cpio.gz"
cp "$HERE/files/domu1.cfg" "$R/etc/xen/"
install -m 755 "$HERE/files/dom0-init" "$R/init"
copy "$HVCLOCK" /usr/bin/hvclock
cp -r "$PROFILES" "$R/usr/share/hvclock/profiles"
mkcpio "$R" "$IMG/dom0.cpio.gz"

zcat "$X/boot/xen-4.17-amd64.gz" >"$IMG/xen" # QEMU's multiboot loader wants the ELF32 image
cp "$X/boot/vmlinuz-$KVER" "$IMG/vmlinuz"
