# shellcheck shell=bash
# guestrun.sh: a guest script run in a sim guest the way hvclock runs it (sourced; needs $top and
# $SIM, the lab's directory).

# sim_guest_assemble SCRIPT: templates/guest/SCRIPT with lib.sh inserted, as hvclock embeds it.
sim_guest_assemble() {
	python3 "${top:?}/templates/guest/embed.py" --assemble "$top/templates/guest/lib.sh" "$1"
}

# sim_guest_run ASSEMBLED PORT: ASSEMBLED, then stdin as its data block, through
# "ssh root@127.0.0.1 -p PORT /bin/sh -s" with the lab's client key and known_hosts.
# (timeout 300 and ConnectTimeout=60: hang guards, far beyond a busy machine's time)
sim_guest_run() {
	{
		cat "$1"
		echo "hvc_main <<'HVCLOCK_DATA_END'"
		cat
		echo "HVCLOCK_DATA_END"
	} | timeout 300 ssh -F /dev/null -T -i "$SIM/client/id_ed25519" \
		-o UserKnownHostsFile="$SIM/client/known_hosts" -o StrictHostKeyChecking=yes \
		-o BatchMode=yes -o ConnectTimeout=60 -p "$2" root@127.0.0.1 /bin/sh -s
}
