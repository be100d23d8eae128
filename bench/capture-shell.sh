#!/bin/sh
# capture-shell.sh: installed as a lab guest's login shell by bench/capture.sh and bench/jump.sh.
# Keeps what the client sends on the channel (/tmp/hvc-req.N in the guest, one file per channel),
# then runs it as the lab's own wrapper would.
k=0
while [ -e /tmp/hvc-req.$k ]; do k=$((k + 1)); done
cat >/tmp/hvc-req.$k
exec /bin/sh "$@" </tmp/hvc-req.$k
