# shellcheck shell=bash
# lib.sh: what the nested-Xen tests (t-xen.sh, t-xen-libvirt.sh) share, sourced after they set OUT
# (work directory) and HERE: TAP output, the guards, the disk image, the machine, ssh into dom0 and
# the domU, JSON checks. The sourcing script may define bail_more (more diagnostics before a bail).

BUDGET=${HVC_XEN_E2E_BUDGET:-480}
T0=$(date +%s)
# TAP: ok, not_ok, diag, skip_all (1..0 # SKIP, exit 0: meson 1.0 reports an exit 77 of a TAP test as
# an ERROR), tap_done; bail is this file's own (below).
. "$HERE/../../lib/tap.sh"
QEMU_PID=
SERIAL=$OUT/serial.log

elapsed() { echo $(($(date +%s) - T0)); }
finish() {
	echo "# total $(elapsed) s"
	tap_done
	exit $?
}
# bail NAME (replaces tap.sh's): a step the rest depends on failed; show the serial console's end (and bail_more's) and stop
bail() {
	not_ok "$1"
	{ echo "last lines of the serial console ($SERIAL):"; tail -n 25 "$SERIAL" 2>/dev/null; } | diag
	if [ -n "$QEMU_PID" ] && declare -F bail_more >/dev/null; then bail_more; fi
	finish
}
stop_qemu() { [ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null && wait "$QEMU_PID" 2>/dev/null; QEMU_PID=; }
trap stop_qemu EXIT

# xen_e2e_guards BACKEND: SKIP unless this machine can run the test and hvclock has BACKEND;
# makes OUT absolute
xen_e2e_guards() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (root-owned file trees, device nodes, chroot, depmod)"
	local t
	for t in qemu-system-x86_64 ssh ssh-keygen cpio depmod modprobe dpkg-deb apt-get apt-cache file gzip \
		python3 timeout mke2fs sfdisk chroot; do
		command -v "$t" >/dev/null || skip_all "$t is not installed (scripts/deps.sh installs it)"
	done
	file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || skip_all "needs busybox-static (/bin/busybox)"
	"$HVCLOCK" --version 2>/dev/null | grep -q "$1" || skip_all "this hvclock was built without the $1 backend"
	case $OUT in *[,\ ]*) skip_all "HVC_XEN_E2E_DIR must not contain commas or spaces (QEMU -drive file=)" ;; esac
	mkdir -p "$OUT"
	OUT=$(cd "$OUT" && pwd)
	rm -f "$OUT"/*.check # check_json appends to these
	SERIAL=$OUT/serial.log
	KEY=$OUT/ssh/id_ed25519
}

# xen_e2e_image: build the images (mkimages.sh: SKIP when a package cannot be fetched) and give this
# run a fresh copy of the disk: the run's copy is the host's disk from here on
xen_e2e_image() {
	local rc=0
	"$HERE/mkimages.sh" "$OUT" "$HVCLOCK" "$HVCLOCK_PROFILES_DIR" >"$OUT/mkimages.log" 2>&1 || rc=$?
	[ "$rc" -eq 3 ] && skip_all "$(tail -n1 "$OUT/mkimages.log")"
	if [ "$rc" -ne 0 ]; then
		not_ok "build the images"
		tail -n 20 "$OUT/mkimages.log" | diag
		finish
	fi
	cp --sparse=always "$OUT/img/disk.img" "$OUT/disk.img"
}

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# start_qemu LOG: power the machine on. Memory: 1 GiB below 4 GiB and 2 GiB above it, so that Xen
# gives dom0 and the domU memory above 4 GiB: the top of low memory is where GRUB ran, and QEMU/TCG
# keeps treating those pages as code (every write there takes its slow self-modifying-code path),
# which made dom0 about 7 times slower when it got them (-m 3072 with all of it below 4 GiB).
start_qemu() {
	SERIAL=$1
	qemu-system-x86_64 -accel tcg -machine pc,max-ram-below-4g=1G -m 3072 -smp 2 -nographic -no-reboot \
		-drive "file=$OUT/disk.img,format=raw,if=virtio" \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device virtio-net-pci,netdev=n0 \
		</dev/null >"$SERIAL" 2>&1 &
	QEMU_PID=$!
}

SSHO="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes"
# S CMD: run CMD in dom0; D CMD: run CMD in the domU (through dom0)
# shellcheck disable=SC2086 # SSHO is a list of options
S() { timeout 120 ssh -i "$KEY" $SSHO -p "$PORT" root@127.0.0.1 "$@"; }
D() { S "ssh -i /root/.ssh/id_ed25519 $SSHO root@10.99.0.2 '$1'"; }
# wait_for SECONDS CMD...: retry until CMD succeeds, within SECONDS and the overall budget
wait_for() {
	local until=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$until" ] || [ "$(elapsed)" -ge "$BUDGET" ]; then return 1; fi
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
		sleep 2
	done
}
# check_json NAME FILE PYTHON: d = the document, gs = the guests, g = the first guest (None if none),
# a = its actions by kind, h = the host row (None when there is none)
check_json() {
	if python3 -c "
import json, sys
d = json.load(open('$2'))
gs = d['guests']
g = gs[0] if gs else None
a = {x['kind']: x for x in g.get('actions', [])} if g else {}
h = d.get('host')
$3
" 2>>"$2.check"; then ok "$1"; else not_ok "$1"; { cat "$2.check"; cat "$2"; } | head -60 | diag; fi
}
# grub_var FILE NAME: the value of NAME= in an /etc/default/grub file (shell quoting undone)
grub_var() { python3 -c "
import shlex, sys
for l in open(sys.argv[1]):
    if l.startswith(sys.argv[2] + '='):
        print(shlex.split(l.split('=', 1)[1])[0] if l.split('=', 1)[1].strip() else '')
" "$1" "$2"; }
