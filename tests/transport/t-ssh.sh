#!/bin/bash
# t-ssh.sh: start simulated sshd guests (tests/sim/simfleet.sh), run test-ssh on them, stop them.
# env: HVC_TEST_SSH_BIN (the C test), HVC_TEST_SSH_SIM_DIR (preferred lab directory, in the build
#      dir; used only if sshd's ChrootDirectory rule allows it, else a fresh directory under
#      /srv/hvclock-sim-test), HVC_TEST_SIMFLEET (another simfleet.sh). Prints TAP; the lab's log
#      is shown as comments when the test fails.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (sshd with ChrootDirectory)"
[ -x /usr/sbin/sshd ] || skip_all "/usr/sbin/sshd missing (openssh-server)"
[ -x /bin/dash ] || skip_all "/bin/dash missing (dash)"
[ -x /bin/busybox ] || skip_all "/bin/busybox missing (busybox-static)"
if ldd /bin/busybox >/dev/null 2>&1; then
	skip_all "/bin/busybox is not static (busybox-static)"
fi
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen missing (openssh-client)"
: "${HVC_TEST_SSH_BIN:?HVC_TEST_SSH_BIN must name the test program}"

simfleet=${HVC_TEST_SIMFLEET:-$src/tests/sim/simfleet.sh}
[ -x "$simfleet" ] || bail "$simfleet is missing"

# sshd's ChrootDirectory rule: every existing component root-owned, not group/world-writable.
chain_ok() {
	local p=$1
	while :; do
		if [ -e "$p" ]; then
			[ "$(stat -c %u "$p")" = 0 ] || return 1
			case "$(stat -c %A "$p")" in ?????w???? | ????????w?) return 1 ;; esac
		fi
		[ "$p" = / ] && return 0
		p=$(dirname "$p")
	done
}

made_sim=
want=${HVC_TEST_SSH_SIM_DIR:-}
if [ -n "$want" ] && chain_ok "$(realpath -m "$want")"; then
	SIM=$(realpath -m "$want")
	export SIM
	"$simfleet" stop >/dev/null 2>&1 # a lab left over by an interrupted run
	if grep -q " $SIM/" /proc/mounts; then
		bail "something is still mounted under $SIM"
	fi
	rm -rf "$SIM"
	mkdir -p "$SIM" || bail "cannot create $SIM"
else
	mkdir -p /srv/hvclock-sim-test || bail "cannot create /srv/hvclock-sim-test"
	chmod 755 /srv/hvclock-sim-test
	SIM=$(mktemp -d /srv/hvclock-sim-test/run.XXXXXX) || bail "mktemp in /srv/hvclock-sim-test"
	chmod 755 "$SIM"
	export SIM
	made_sim=1
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/hvc-ssh-test.XXXXXX") || bail "mktemp"
log=$scratch/simfleet.log

# One guest per kind; the last healthy one is the victim of the dropped-connection test.
# (simfleet reads SIM_KINDS as one line)
kinds="el6-kvm xenlinux-pv modern-kvm modern-xen-pv el7-kvm-grubby sles-kvm-mkconfig"
kinds="$kinds hung-banner hung-cmd bad-hostkey noauth closed huge-output binary-output modern-kvm"
export SIM_KINDS=$kinds
n=14

agent_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null
	"$simfleet" stop >>"$log" 2>&1
	# Never rm -rf a tree something is still mounted in.
	if [ -n "$made_sim" ] && ! grep -q " $SIM/" /proc/mounts; then
		rm -rf "$SIM"
	fi
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Several runs may share the machine: pick a free port range.
started=
for _ in 1 2 3 4 5 6 7 8; do
	base=$((10000 + (RANDOM % 300) * 50)) # below the ephemeral range (32768+)
	busy=$(ss -Htln "sport >= :$((base + 1)) and sport <= :$((base + n))" 2>/dev/null)
	[ -z "$busy" ] || continue
	if "$simfleet" start "$n" "$base" >>"$log" 2>&1; then
		started=1
		break
	fi
	"$simfleet" stop >>"$log" 2>&1
done
if [ -z "$started" ]; then
	diag <"$log"
	bail "cannot start the simulated guests (SIM=$SIM)"
fi
"$simfleet" inventory >"$scratch/inventory" 2>>"$log"

# Passphrase-protected keys in both formats: OpenSSH's own and PEM (OpenSSL's default would prompt).
enc=
if ssh-keygen -q -t ed25519 -N 'not-empty' -f "$scratch/enc_ed25519" >>"$log" 2>&1; then
	enc="$scratch/enc_ed25519"
fi
if ssh-keygen -q -t ecdsa -m PEM -N 'not-empty' -f "$scratch/enc_ecdsa_pem" >>"$log" 2>&1; then
	enc="$enc $scratch/enc_ecdsa_pem"
fi

# A key no guest accepts (IdentitiesOnly: with it as -i, the agent's accepted key is not offered).
denied=
if ssh-keygen -q -t ed25519 -N '' -f "$scratch/denied_ed25519" >>"$log" 2>&1; then
	denied="$scratch/denied_ed25519"
fi

# An ssh-agent holding the lab's client key, for the agent cases only (SSH_AUTH_SOCK stays unset).
agent_sock=
if command -v ssh-agent >/dev/null && command -v ssh-add >/dev/null; then
	agent_out=$(ssh-agent -s -a "$scratch/agent.sock" 2>>"$log")
	agent_pid=$(printf '%s\n' "$agent_out" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
	if [ -n "$agent_pid" ] &&
		SSH_AUTH_SOCK=$scratch/agent.sock ssh-add "$SIM/client/id_ed25519" >>"$log" 2>&1
	then
		agent_sock=$scratch/agent.sock
	fi
fi

export HVC_TEST_SSH_INVENTORY=$scratch/inventory
export HVC_TEST_SSH_IDENTITY=$SIM/client/id_ed25519
export HVC_TEST_SSH_KNOWN_HOSTS=$SIM/client/known_hosts
export HVC_TEST_SSH_SCRATCH=$scratch
export HVC_TEST_SSH_GUESTS=$SIM/guests
export HVC_TEST_SSH_ENC_KEYS=$enc
export HVC_TEST_SSH_AGENT_SOCK=$agent_sock
export HVC_TEST_SSH_DENIED_KEY=$denied
unset SSH_AUTH_SOCK

echo "# lab: SIM=$SIM ports $((base + 1))-$((base + n))"
sed 's/^/# /' "$scratch/inventory"
# test-ssh prints the TAP stream and its plan; a sanitizer report from it or from the hvclock runs
# it starts (its CLI identity cases) ends the stream with a bail-out.
"$HVC_TEST_SSH_BIN" </dev/null
rc=$?
if [ "$rc" != 0 ]; then
	echo "# simfleet log:"
	sed 's/^/#   /' "$log"
fi
san_check || bail "a sanitizer reported (above)"
san_cleanup
exit "$rc"
