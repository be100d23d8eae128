#!/bin/sh
# t-libxl.sh: hvclock -c xl:/// on a machine that is not a Xen dom0: one clear line, exit 3,
# no hang (libxl blocks without xenstored), no crash (libxl segfaults with a NULL logger).
. "$(dirname "$0")/lib.sh"

if [ -e /proc/xen/capabilities ] && grep -q control_d /proc/xen/capabilities; then
	skip_all "this machine is a Xen dom0: the off-Xen behaviour cannot be shown here"
fi

# run_timed ARGS...: run() under a 20 s timeout (124 = it hung)
run_timed() {
	rc=0
	timeout 20 "$HVCLOCK" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}

if "$HVCLOCK" --version | grep -q 'libxl'; then
	for uri in xl:/// libxl:/// xl:///system; do
		run_timed -c "$uri" plan
		check "$uri plan: exit 3 (not 124 = hung, not 139 = crashed)" rc_is 3
		check "$uri plan: one line on stderr" err_lines 1
		check "$uri plan: says 'not a Xen dom0'" err_has "hvclock: this host is not a Xen dom0 ("
		check "$uri plan: nothing on stdout" sh -c "[ ! -s '$TMP/out' ]"
	done

	run_timed -c xl:/// plan --json
	check "plan --json: exit 3, the same line" sh -c "[ $rc -eq 3 ] && grep -q 'not a Xen dom0' '$TMP/err'"

	run_timed -c xl:/// list
	check "list: exit 3" rc_is 3

	run_timed -c xl:/// rollout --all-guests
	check "rollout: exit 3, nothing changed" sh -c "[ $rc -eq 3 ] && grep -q 'not a Xen dom0' '$TMP/err'"

	# A domU (xenfs mounted, no control_d) and a dom0 whose xenstored is not running
	# (libxl would block for ever there): refused before libxl runs, through the test hooks.
	printf '' >"$TMP/caps"
	HVCLOCK_XEN_CAPABILITIES="$TMP/caps" run_timed -c xl:/// plan
	check "domU: exit 3, says control_d" sh -c "[ $rc -eq 3 ] && grep -q 'not a Xen dom0 (.*control_d' '$TMP/err'"
	echo control_d >"$TMP/caps"
	HVCLOCK_XEN_CAPABILITIES="$TMP/caps" HVCLOCK_XENSTORED_SOCKETS="$TMP/nosocket" run_timed -c xl:/// plan
	check "dom0 without xenstored: exit 3 at once, says so" sh -c "[ $rc -eq 3 ] && grep -q 'xenstored is not running' '$TMP/err'"
	check "dom0 without xenstored: one line" err_lines 1

	# Past both checks on this machine, libxl itself fails; its message arrives through
	# hvclock's logger, on one line, instead of a crash or libxl's own stderr output.
	if command -v python3 >/dev/null && [ ! -e /dev/xen/privcmd ]; then
		python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$TMP/sock"
		HVCLOCK_XEN_CAPABILITIES="$TMP/caps" HVCLOCK_XENSTORED_SOCKETS="$TMP/sock" run_timed -c xl:/// plan
		check "libxl's own failure: exit 3" rc_is 3
		check "libxl's own failure: one line, libxl's words" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q 'cannot open libxenlight: .*cannot open libxc handle' '$TMP/err'"
	fi

	run_timed -c xl://dom0.example/ plan
	check "remote xl:// URI: exit 3, points to libvirt" sh -c "[ $rc -eq 3 ] && grep -q 'xen+ssh://' '$TMP/err'"
else
	run_timed -c xl:/// plan
	check "built without libxl: exit 3" rc_is 3
	check "built without libxl: says so" err_has "built without the libxl backend"
fi

# Built as a module (-Dlibxl-module=true, the Debian package hvclock-xen): the binary links no
# Xen library, and without the module file xl:/// says so in one line.
if "$HVCLOCK" --version | grep -q 'libxl (module)'; then
	check "module build: hvclock links no Xen library" sh -c "! ldd '$HVCLOCK' | grep -q 'libxen'"
	HVCLOCK_MODULE_DIR="$TMP/nomodules" run_timed -c xl:/// plan
	check "module not installed: exit 3" rc_is 3
	check "module not installed: one line naming the file" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q 'libxl backend is not installed ($TMP/nomodules/libxl.so is missing' '$TMP/err'"
	HVCLOCK_MODULE_DIR="$TMP/nomodules" run_timed --version
	check "module not installed: --version does not list libxl" sh -c "! grep -q libxl '$TMP/out'"
	mkdir -p "$TMP/openmod"
	cp "$HVCLOCK_MODULE_DIR/libxl.so" "$TMP/openmod/"
	chmod 0666 "$TMP/openmod/libxl.so"
	HVCLOCK_MODULE_DIR="$TMP/openmod" run_timed -c xl:/// plan
	check "a module writable by others is not loaded" sh -c "[ $rc -eq 3 ] && grep -q 'libxl backend module: .*writable by' '$TMP/err'"
fi

# Other URIs still go to libvirt.
run_timed -c "$FLEET" list
check "test:// URIs still reach libvirt" rc_is 0

finish
