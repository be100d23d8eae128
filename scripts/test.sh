#!/bin/sh
# test.sh: README command 2: install what is missing, build with ASan+UBSan, run every test tier,
# and print "N passed, N failed, N skipped" (counting each TAP case; a tier that skipped as a
# whole counts as one skip). With no arguments (CI) also: the release build (-Werror, tests
# included; compiled, installed into a DESTDIR and run from there: scripts/check-install.sh),
# the fuzz targets (clang, libFuzzer + ASan/UBSan/LSan, a fixed number of runs each), and the
# Debian package (scripts/pkg-test.sh: build, lintian, install, run the installed hvclock).
# Arguments go to `meson test` for the main build only.
set -eu
cd "$(dirname "$0")/.."

scripts/deps.sh
builddir=${HVC_TEST_BUILDDIR:-build-test}
if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C "$builddir" >/dev/null

rc=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@" || rc=$?
logs="$builddir/meson-logs/testlog.json"
skipnote=
installnote=

if [ $# -eq 0 ]; then
	# The release build: what users build, -Werror included, tests compiled too.
	reldir=${HVC_RELEASE_BUILDDIR:-build-release}
	if [ ! -f "$reldir/build.ninja" ]; then
		meson setup "$reldir" --buildtype=release >/dev/null
	fi
	if meson compile -C "$reldir" >"$reldir/compile.log" 2>&1; then
		echo "release build ($reldir): compiles"
		# Installed into a DESTDIR and run from its installed paths (scripts/check-install.sh).
		irc=0
		scripts/check-install.sh "$reldir" >"$reldir/install-check.log" 2>&1 || irc=$?
		cat "$reldir/install-check.log"
		case $irc in
		0) ;;
		77) installnote="install: $(tail -n 1 "$reldir/install-check.log")" ;;
		*) rc=1 ;;
		esac
	else
		tail -n 30 "$reldir/compile.log" | sed 's/^/  /'
		echo "release build ($reldir): FAILED"
		rc=1
	fi

	# The fuzz targets (tests/fuzz): clang's libFuzzer with ASan, UBSan and LSan.
	fuzzdir=${HVC_FUZZ_BUILDDIR:-build-fuzz}
	if ! command -v clang >/dev/null; then
		skipnote="fuzz: no clang (apt-get install clang)"
	else
		if [ ! -f "$fuzzdir/build.ninja" ]; then
			CC=clang meson setup "$fuzzdir" -Dfuzz=enabled -Db_sanitize=address,undefined \
				-Db_lundef=false >/dev/null
		fi
		if meson compile -C "$fuzzdir" >"$fuzzdir/compile.log" 2>&1; then
			meson test -C "$fuzzdir" --print-errorlogs --suite fuzz || rc=$?
			logs="$logs $fuzzdir/meson-logs/testlog.json"
		else
			tail -n 30 "$fuzzdir/compile.log" | sed 's/^/  /'
			echo "fuzz build ($fuzzdir): FAILED"
			rc=1
		fi
	fi
fi
if [ $# -eq 0 ]; then
	# The Debian package: built, lintian, installed into this machine, the installed hvclock run
	# (scripts/pkg-test.sh; HVC_NO_PKG_TEST=1 skips it). Counted like a TAP test.
	scripts/pkg-test.sh --testlog "$builddir/pkg-testlog.json" || rc=1
	logs="$logs $builddir/pkg-testlog.json"
fi
set --
[ -z "$skipnote" ] || set -- "$@" --skip "$skipnote"
[ -z "$installnote" ] || set -- "$@" --skip "$installnote"
# shellcheck disable=SC2086 # a word list
python3 scripts/count-tests.py "$@" $logs || rc=1
exit $rc
