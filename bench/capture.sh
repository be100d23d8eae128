#!/bin/bash
# capture.sh: record the exact stdin hvclock sends to each healthy guest kind, and build the
# OpenSSH floor's per-kind job files from it. Part of bench/run.sh (see bench/README.md).
#
#   SIM=DIR HVCLOCK=BIN bench/capture.sh OUTDIR BASEPORT PARALLEL
#
# Starts a small lab (two guests of every healthy kind), replaces each guest's /bin/bash (the
# login shell sshd runs, `bash -c "/bin/sh -s"`; in the lab a wrapper that execs /bin/sh) by a
# wrapper that first saves its stdin to /tmp/hvc-req.K (K = 0, 1, ... per exec channel), runs
# `hvclock rollout --all-guests` once, and then writes, per kind,
#
#   OUTDIR/jobs/KIND.job    ( <request 0> ) NEWLINE ( <request 1> ) ...
#   OUTDIR/jobs/KIND.req.K  request K alone (bench/libssh-replay.c sends each on a channel)
#
# i.e. every request hvclock sent on that guest's session, in order, each in a subshell (the
# scripts `set -eu` and define the same function names), for ONE `/bin/sh -s` stdin. It checks
# that both guests of a kind received byte-identical requests (so one job per kind is exact).
#
# Then it proves the job does the same work: the lab is started fresh (without the wrappers),
# the jobs are fed through plain `ssh ... /bin/sh -s`, and every guest tree is compared, file by
# file, with the tree hvclock left (dev/, tmp/ and the wrapper excluded); that tree is kept as
# OUTDIR/jobs/KIND.manifest, the oracle for every later run. Leaves the lab stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
simfleet=$top/tests/sim/simfleet.sh
out=$1 base=$2 par=$3
: "${SIM:?}" "${HVCLOCK:?}"
KINDS="el6-kvm xenlinux-pv modern-kvm modern-xen-pv el7-kvm-grubby sles-kvm-mkconfig"
export SIM_KINDS=$KINDS
nk=$(wc -w <<<"$KINDS")
n=$((2 * nk))
mkdir -p "$out/jobs" "$out/capture"
cap=$out/capture

fresh_lab() {
	"$simfleet" stop >/dev/null 2>&1 || true
	rm -rf "$SIM"
	mkdir -p "$SIM"
	"$simfleet" start "$n" "$base" >"$cap/start.log" 2>&1 ||
		{ cat "$cap/start.log" >&2; exit 1; }
}

manifest() { python3 "$here/tree.py" manifest "$1"; }

fresh_lab
"$simfleet" fleet-xml "$cap/fleet.xml"
while read -r g _ _ _; do
	w=$SIM/guests/$g/bin/bash
	rm -f "$w" # hardlinked to the lab's shared copy: never write through it
	cp "$here/capture-shell.sh" "$w"
	chmod 755 "$w"
done < <("$simfleet" inventory)

rc=0
HVCLOCK_PROFILES_DIR=$top/templates/profiles HVCLOCK_STATE_DIR=$cap/state \
	HVCLOCK_LOCK_FILE=$cap/run/lock HVCLOCK_CONFIG=/dev/null \
	"$HVCLOCK" -c "test://$cap/fleet.xml" -i "$SIM/client/id_ed25519" \
	--known-hosts "$SIM/client/known_hosts" --no-agent --parallel "$par" \
	rollout --all-guests --json >"$cap/rollout.json" 2>"$cap/rollout.err" || rc=$?
[ $rc = 0 ] || { echo "capture: hvclock rollout exited $rc" >&2; cat "$cap/rollout.err" >&2; exit 1; }

declare -A first=()
while read -r g _ port kind; do
	t=$SIM/guests/$g/tmp
	ls "$t"/hvc-req.* >/dev/null 2>&1 || { echo "capture: nothing captured on $g" >&2; exit 1; }
	job=$cap/$g.job
	: >"$job"
	k=0
	while [ -e "$t/hvc-req.$k" ]; do
		{ echo "("; cat "$t/hvc-req.$k"; echo ")"; } >>"$job"
		cp "$t/hvc-req.$k" "$cap/$g.req.$k"
		k=$((k + 1))
	done
	echo "$k" >"$cap/$g.nreq"
	manifest "$SIM/guests/$g" >"$cap/$g.hvclock.manifest"
	if [ -z "${first[$kind]:-}" ]; then
		first[$kind]=$g
		cp "$job" "$out/jobs/$kind.job"
		cp "$cap/$g.hvclock.manifest" "$out/jobs/$kind.manifest"
		rm -f "$out/jobs/$kind".req.*
		for ((i = 0; i < k; i++)); do cp "$cap/$g.req.$i" "$out/jobs/$kind.req.$i"; done
	elif ! cmp -s "$job" "$out/jobs/$kind.job"; then
		echo "capture: $g and ${first[$kind]} ($kind) got different requests" >&2
		exit 1
	fi
done < <("$simfleet" inventory)
"$simfleet" stop >/dev/null

# The floor job on a fresh lab must leave every guest exactly as hvclock did.
fresh_lab
bad=0
while read -r g _ port kind; do
	ssh -o KexAlgorithms=curve25519-sha256 -o BatchMode=yes -i "$SIM/client/id_ed25519" \
		-o UserKnownHostsFile="$SIM/client/known_hosts" -p "$port" root@127.0.0.1 \
		/bin/sh -s <"$out/jobs/$kind.job" >"$cap/$g.floor.out" 2>"$cap/$g.floor.err" ||
		{ echo "capture: floor job on $g ($kind) exited $?" >&2; bad=1; }
	manifest "$SIM/guests/$g" >"$cap/$g.floor.manifest"
	if ! diff "$cap/$g.hvclock.manifest" "$cap/$g.floor.manifest" >"$cap/$g.diff"; then
		echo "capture: $g ($kind): the floor job left another tree than hvclock:" >&2
		head -20 "$cap/$g.diff" >&2
		bad=1
	fi
done < <("$simfleet" inventory)
"$simfleet" stop >/dev/null
[ $bad = 0 ] || exit 1

for kind in $KINDS; do
	g=${first[$kind]}
	printf '  %-18s %d request(s), %6d bytes: %s\n' "$kind" "$(cat "$cap/$g.nreq")" \
		"$(wc -c <"$out/jobs/$kind.job")" \
		"$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); g = [x for x in d["guests"] if x["name"] == sys.argv[2]][0]
print(g["result"], "/", ", ".join("%s=%s" % (a["kind"], a["result"]) for a in g["actions"]) or "no actions")' \
			"$cap/rollout.json" "$g")"
done
echo "  floor jobs == hvclock's requests; guest trees after floor == after hvclock (all $n guests)"
