#!/bin/sh
# deps.sh: install the Debian packages hvclock needs to build and test, if any is missing.
# Idempotent; needs root (or sudo) only when something is missing.
set -eu

PKGS="meson ninja-build gcc pkg-config libc6-dev
libvirt-dev libvirt-clients libxml2-dev libjson-c-dev libsmartcols-dev libssh-dev libxen-dev
python3 python3-jsonschema openssh-server openssh-client busybox-static dash clang
qemu-system-x86 libvirt-daemon-system libvirt-daemon-driver-qemu dnsmasq-base libxml2-utils
cpio kmod e2fsprogs fdisk xz-utils util-linux iproute2 file
systemd grub-common grub2-common
dpkg-dev debhelper fakeroot lintian bash-completion
ansible-core python3-prometheus-client virtinst python3-yaml"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps.sh: need root to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >&2
