# shellcheck shell=sh
# diskimg.sh: shell helpers (POSIX sh, sourced) for the disk-booted Debian roots of the e2e tests:
# tier 2's GRUB guest (mkguest.sh) and tier 3's nested Xen dom0 (xen/mkimages.sh). Everything comes
# from Debian packages unpacked with dpkg-deb -x into a directory X; nothing is installed on the host,
# and nothing is mounted (mke2fs -d fills the file system from a directory).
#
#   di_initrd X KVER OUT "MODULES"   busybox initramfs OUT (gzip): insmod MODULES and their dependencies,
#                                    mount root= (/dev/... or UUID=...) read-only or rw as the kernel line
#                                    says, switch_root to its /sbin/init
#   di_grub_files X R                Debian's grub-mkconfig, update-grub, grub-probe and helpers, /etc/grub.d
#                                    and the i386-pc modules into root R; $DI_GRUB_ELF lists the binaries
#                                    whose shared libraries the caller copies in its own layout
#   di_disk X R UUID MIB OUT "CORE_MODULES"
#                                    raw disk OUT: MBR with GRUB's boot.img, core.img (grub-mkimage, prefix
#                                    (hd0,msdos1)/boot/grub, CORE_MODULES built in) in the gap before
#                                    partition 1, partition 1 (MIB MiB, bootable) ext4 made from R with UUID
#
# Host tools: busybox-static, cpio, gzip, kmod (modprobe), e2fsprogs (mke2fs), fdisk (sfdisk), coreutils.

# shellcheck disable=SC2034 # used by the scripts that source this file
DI_GRUB_ELF="usr/sbin/grub-probe usr/bin/grub-mkrelpath usr/bin/grub-script-check usr/bin/grub-editenv
usr/bin/grub-file usr/bin/gettext"

di_log() { echo "diskimg: $*" >&2; }

di_initrd() {
	di_x=$1 di_kver=$2 di_out=$3 di_mods=$4
	di_i=$(mktemp -d "$di_out.d.XXXXXX")
	mkdir -p "$di_i/bin" "$di_i/dev" "$di_i/proc" "$di_i/sys" "$di_i/newroot" "$di_i/lib/modules"
	cp /bin/busybox "$di_i/bin/busybox"
	mknod -m 600 "$di_i/dev/console" c 5 1
	mknod -m 666 "$di_i/dev/null" c 1 3
	: >"$di_i/lib/modules/order"
	for di_m in $di_mods; do modprobe -d "$di_x" -S "$di_kver" --show-depends "$di_m"; done |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r di_p; do
		cp "$di_p" "$di_i/lib/modules/"
		echo "/lib/modules/${di_p##*/}" >>"$di_i/lib/modules/order"
	done
	cat >"$di_i/init" <<'EOF'
#!/bin/busybox sh
# initramfs of the hvclock e2e images: modules, then root= (/dev/... or UUID=...), then switch_root.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod "$m" 2>/dev/null; done </lib/modules/order
root= mode=rw
for kv in $(cat /proc/cmdline); do
	case $kv in
	root=*) root=${kv#root=} ;;
	ro) mode=ro ;;
	rw) mode=rw ;;
	esac
done
dev=
for _ in $(seq 1 100); do
	case $root in
	UUID=*) dev=$(findfs "$root" 2>/dev/null) || dev= ;;
	/dev/*) [ -b "$root" ] && dev=$root ;;
	esac
	[ -n "$dev" ] && break
	sleep 0.1
done
if [ -z "$dev" ] || ! mount -t ext4 -o "$mode" "$dev" /newroot; then
	echo "hvinit: cannot mount root '$root'" >/dev/console
	poweroff -f
fi
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /sbin/init
EOF
	chmod 755 "$di_i/init"
	(cd "$di_i" && find . | cpio -o -H newc --quiet | gzip -1) >"$di_out"
	rm -rf "$di_i"
}

di_grub_files() {
	di_x=$1 di_r=$2
	mkdir -p "$di_r/usr/sbin" "$di_r/usr/bin" "$di_r/usr/share/grub" "$di_r/usr/lib/grub" "$di_r/etc"
	cp "$di_x/usr/sbin/grub-mkconfig" "$di_x/usr/sbin/update-grub" "$di_x/usr/sbin/grub-probe" "$di_r/usr/sbin/"
	cp "$di_x/usr/bin/grub-mkrelpath" "$di_x/usr/bin/grub-script-check" "$di_x/usr/bin/grub-editenv" \
		"$di_x/usr/bin/grub-file" "$di_x/usr/bin/gettext" "$di_r/usr/bin/"
	cp -a "$di_x/usr/share/grub/grub-mkconfig_lib" "$di_r/usr/share/grub/"
	cp -a "$di_x/etc/grub.d" "$di_r/etc/"
	cp -a "$di_x/usr/lib/grub/i386-pc" "$di_r/usr/lib/grub/"
}

di_disk() {
	di_x=$1 di_r=$2 di_uuid=$3 di_mib=$4 di_out=$5 di_core=$6
	rm -f "$di_out" "$di_out.part" "$di_out.core"
	mke2fs -q -t ext4 -L hvroot -U "$di_uuid" -d "$di_r" "$di_out.part" "${di_mib}M" >/dev/null
	truncate -s $((di_mib + 2))M "$di_out"
	# label-id: the MBR disk signature, fixed (grub-probe --target=partuuid is <label-id>-01)
	printf 'label: dos\nlabel-id: 0x%s\nstart=2048, size=%s, type=83, bootable\n' \
		"$(echo "$di_uuid" | cut -c1-8)" $((di_mib * 2048)) | sfdisk -q "$di_out" >/dev/null
	dd if="$di_out.part" of="$di_out" bs=1M seek=1 conv=notrunc,sparse status=none
	rm -f "$di_out.part"
	di_g=$di_x/usr/lib/grub/i386-pc
	# shellcheck disable=SC2086 # the module list is words
	"$di_x/usr/bin/grub-mkimage" -d "$di_g" -O i386-pc -o "$di_out.core" -p '(hd0,msdos1)/boot/grub' $di_core
	[ "$(stat -c %s "$di_out.core")" -lt $((2047 * 512)) ] || { di_log "core.img does not fit before partition 1"; return 1; }
	# boot.img's code (its first 440 bytes, as grub-install writes it: the disk signature and the partition
	# table stay); it loads sector 1, where core.img goes, and grub-mkimage has filled core.img's first
	# blocklist (the sectors after it) already.
	dd if="$di_g/boot.img" of="$di_out" bs=440 count=1 conv=notrunc status=none
	dd if="$di_out.core" of="$di_out" bs=512 seek=1 conv=notrunc status=none
	rm -f "$di_out.core"
}
