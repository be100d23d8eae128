#!/bin/sh
# corpus-guard.sh KIND BINARY: the corpus test of KIND (xlcfg or libvirt) cannot pass without
# judging files: a corpus directory with no files, or without libvirt's domain.rng, fails; only
# a missing corpus directory is a SKIP. Runs BINARY on small corpora made here.
kind=$1
bin=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0

# expect NAME RC PATTERN: the last run exited RC and its output holds PATTERN
expect() {
	n=$((n + 1))
	if [ "$rc" -eq "$2" ] && grep -q -- "$3" "$tmp/out"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1 (exit $rc)"
		sed 's/^/# /' "$tmp/out" | tail -5
		fails=$((fails + 1))
	fi
}

# run CORPUS_DIR [ENV...]: the binary on that corpus
run() {
	dir=$1
	shift
	rc=0
	env HVC_CORPUS_DIR="$dir" "$@" "$bin" >"$tmp/out" 2>&1 || rc=$?
}

echo "1..3"
case "$kind" in
xlcfg)
	mkdir -p "$tmp/empty/xlcfg"
	echo "origins" >"$tmp/empty/xlcfg/SOURCES.txt"
	run "$tmp/empty"
	expect "xlcfg: a corpus directory with no *.cfg fails" 1 "^not ok .*every corpus file checked: 0 of 0"
	mkdir -p "$tmp/one/xlcfg"
	printf 'name = "g"\ntype = "pv"\nkernel = "/boot/vmlinuz-5.10.0-28-amd64"\nextra = "ro"\n' \
		>"$tmp/one/xlcfg/g.cfg"
	run "$tmp/one"
	expect "xlcfg: one file, checked and counted" 0 "^ok .*every corpus file checked: 1 of 1"
	;;
libvirt)
	mkdir -p "$tmp/empty/libvirt-xml/domainschemadata"
	run "$tmp/empty"
	expect "libvirt-xml: a corpus directory with no *.xml fails" 1 "^not ok .*every corpus file checked: 0 of 0"
	run "$tmp/empty" HVC_DOMAIN_RNG="$tmp/no/domain.rng"
	expect "libvirt-xml: the corpus without domain.rng fails" 1 "^not ok 1 - no $tmp/no/domain.rng"
	;;
*)
	echo "Bail out! unknown kind $kind"
	exit 1
	;;
esac
run "$tmp/none"
expect "$kind: no corpus directory is a SKIP" 0 "^1\.\.0 # SKIP"
[ "$fails" -eq 0 ]
