#!/bin/sh
# virt-install-hvclock.sh: provision a guest with virt-install from a cloud image and cloud-init
# user data, then have hvclock apply the guest's clock remedy as soon as it answers SSH.
# On the KVM host, as root:
#   virt-install-hvclock.sh NAME DISK USER-DATA [VIRT-INSTALL OPTION]...
# DISK: this guest's own copy of a cloud image (qcow2); USER-DATA: cloud-init user data that lets
# hvclock's SSH key in (cloud-init-user-data.yaml beside this file). Further options go to
# virt-install as they are (e.g. --connect qemu:///system, --network network=NAME, --osinfo NAME).
#
# What runs where: cloud-init runs in the guest at its first boot (it installs the key before
# sshd starts); hvclock runs here, on the host, and talks to libvirt's default connection
# ($LIBVIRT_DEFAULT_URI, else qemu:///system) and to the guest over SSH. `--wait-ssh 300`: hvclock
# keeps trying while the guest has no address yet (DHCP lease or guest agent) or refuses the
# connection (sshd not up yet), for up to 300 s. The guest's SSH host key is new (cloud-init makes
# one at first boot): --accept-new records it at first contact; a changed key is refused later.
# Where the libvirt hook (libvirt-hook-qemu) is installed, it already starts this rollout when the
# guest starts, and the last command is not needed.
set -eu
if [ $# -lt 3 ]; then
	echo "usage: $0 NAME DISK USER-DATA [VIRT-INSTALL OPTION]..." >&2
	exit 2
fi
name=$1 disk=$2 user_data=$3
shift 3

# --noautoconsole: virt-install returns once the guest is started (it does not wait for it).
# --osinfo linux2022: a recent generic Linux (Debian 12's osinfo-db has no "debian12" yet).
virt-install --name "$name" --memory 2048 --vcpus 2 --osinfo linux2022 \
	--import --disk "path=$disk,format=qcow2,bus=virtio" \
	--cloud-init "user-data=$user_data" \
	--network network=default,model=virtio --graphics none --noautoconsole "$@"

# exit 0: the remedy applied (or deferred until the guest's next power-cycle), or nothing to do;
# anything else: see hvclock(1), EXIT STATUS. The name is one argument, after "--".
exec hvclock rollout --accept-new --wait-ssh 300 -- "$name"
