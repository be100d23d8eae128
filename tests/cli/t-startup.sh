#!/bin/sh
# t-startup.sh: what a process maps before it needs a backend. Built with -Dlibvirt-module=true
# (the Debian package), libvirt's backend is a module loaded only for a URI that needs it: the
# commands that reach no hypervisor (--version, --help, help, __complete commands/options) and
# xl:/// map none of libvirt's libraries (~60 with their dependencies: ~15 ms of dynamic
# loading per process, bench/README.md); a libvirt URI loads the module and works as before.
. "$(dirname "$0")/lib.sh"

[ "${HVC_LIBVIRT_MODULE:-0}" = 1 ] ||
	skip_all "libvirt is linked in (-Dlibvirt-module=false): every process maps it"

# ld_run ARGS...: run hvclock with the dynamic loader's list of opened files in $TMP/ld
ld_run() {
	rc=0
	LD_DEBUG=files LD_DEBUG_OUTPUT="$TMP/ld" run_hvclock "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	cat "$TMP"/ld.* >"$TMP/ld" 2>/dev/null || : >"$TMP/ld"
	rm -f "$TMP"/ld.*
}
no_libvirt() { ! grep -q 'file=libvirt\.so' "$TMP/ld"; }
has_libvirt() { grep -q 'file=libvirt\.so' "$TMP/ld"; }

check "the binary does not need libvirt.so (NEEDED)" sh -c "! readelf -d '$HVCLOCK' | grep -q 'NEEDED.*libvirt'"

ld_run --version
check "--version: lists 'libvirt (module)'" sh -c "[ $rc -eq 0 ] && grep -q 'libvirt (module)' '$TMP/out'"
check "--version: libvirt.so not loaded" no_libvirt
ld_run --help
check "--help: exit 0, libvirt.so not loaded" sh -c "[ $rc -eq 0 ] && ! grep -q 'file=libvirt\.so' '$TMP/ld'"
ld_run help plan
check "help plan: exit 0, libvirt.so not loaded" sh -c "[ $rc -eq 0 ] && ! grep -q 'file=libvirt\.so' '$TMP/ld'"
ld_run __complete commands
check "__complete commands (every TAB): libvirt.so not loaded" sh -c "[ $rc -eq 0 ] && grep -qx plan '$TMP/out' && ! grep -q 'file=libvirt\.so' '$TMP/ld'"
ld_run __complete options plan
check "__complete options plan: libvirt.so not loaded" sh -c "[ $rc -eq 0 ] && ! grep -q 'file=libvirt\.so' '$TMP/ld'"
ld_run -c xl:/// list
check "xl:/// (exit 3 off Xen): libvirt.so not loaded" sh -c "[ $rc -eq 3 ] && ! grep -q 'file=libvirt\.so' '$TMP/ld'"

ld_run -c "$FLEET" list
check "a libvirt URI: the module and libvirt.so loaded, the list as before" sh -c "[ $rc -eq 0 ] && grep -q 'file=libvirt\.so' '$TMP/ld' && grep -q '^centos6-db  *running' '$TMP/out'"

HVCLOCK_MODULE_DIR="$TMP/nomodules" run -c "$FLEET" list
check "module not installed: exit 3" rc_is 3
check "module not installed: one line naming the file and the package" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -qF 'libvirt backend is not installed ($TMP/nomodules/libvirt.so is missing; Debian: package hvclock)' '$TMP/err'"

finish
