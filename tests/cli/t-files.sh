#!/bin/bash
# t-files.sh: the files hvclock trusts and writes (issue 9, item 5), with real files and the real
# binary: StrictModes for hvclock.conf and profiles, the lock only its own user can open, state
# files written without following planted symlinks. Parts that need root (chown, a second user)
# SKIP as TAP comments when run as another user.
. "$(dirname "$0")/lib.sh"

# Others must be able to reach into TMP, or the "unprivileged user" cases would prove nothing.
chmod 755 "$TMP"
unset HVCLOCK_TEST_INSECURE_FILES
uid=$(id -u)
as_root() { [ "$uid" = 0 ]; }
skip() { echo "# SKIP $1"; }
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
can_drop() { as_root && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 &&
	getent group nogroup >/dev/null; }
line_is() { [ "$(cat "$TMP/err")" = "$1" ]; }
P=$HVCLOCK_PROFILES_DIR

# --- hvclock.conf ---
mkdir -m 755 "$TMP/etc"
conf=$TMP/etc/hvclock.conf
printf '[run]\nparallel = 2\n' >"$conf"
chmod 664 "$conf"
run --config "$conf" -c "$FLEET" plan
check "config writable by group: exit 3, one line naming it" \
	eval 'rc_is 3 && line_is "hvclock: $conf: writable by group: refusing (chmod go-w)"'

chmod 646 "$conf"
run --config "$conf" -c "$FLEET" plan
check "config writable by others: exit 3, one line naming it" \
	eval 'rc_is 3 && line_is "hvclock: $conf: writable by others: refusing (chmod go-w)"'

HVCLOCK_TEST_INSECURE_FILES=1 run --config "$conf" -c "$FLEET" plan
check "HVCLOCK_TEST_INSECURE_FILES=1 (test suite only) relaxes the check" \
	eval '[ "$rc" -ne 3 ] && ! err_has refusing'

# The shipped example, copied as it is (sections of commented-out keys), is a valid configuration.
cp "$HVC_TEST_DATA_DIR/../../docs/hvclock.conf.example" "$TMP/etc/example.conf"
chmod 600 "$TMP/etc/example.conf"
run --config "$TMP/etc/example.conf" -c "$FLEET" plan
check "docs/hvclock.conf.example as it is: loads, plans (exit 4), no word about the file" \
	eval 'rc_is 4 && ! err_has example.conf'

mkdir -m 777 "$TMP/wdir"
chmod 777 "$TMP/wdir" # whatever the umask
printf '[run]\nparallel = 2\n' >"$TMP/wdir/hvclock.conf"
chmod 644 "$TMP/wdir/hvclock.conf"
run --config "$TMP/wdir/hvclock.conf" -c "$FLEET" plan
check "config in a world-writable, non-sticky directory: refused, naming the directory" \
	eval 'rc_is 3 && err_lines 1 && err_has "hvclock: $TMP/wdir/hvclock.conf: directory $TMP/wdir is writable by others: refusing"'

if as_root; then
	mkdir -m 1777 "$TMP/sticky"
	chmod 1777 "$TMP/sticky"
	printf '[run]\nparallel = 2\n' >"$TMP/sticky/hvclock.conf"
	run --config "$TMP/sticky/hvclock.conf" -c "$FLEET" plan
	check "config in a root-owned sticky directory (like /tmp): accepted" \
		eval '[ "$rc" -ne 3 ] && ! err_has refusing'
else
	skip "root-owned sticky directory: needs root"
fi

mkfifo "$TMP/etc/fifo.conf"
rc=0
timeout 60 "$HVCLOCK" --config "$TMP/etc/fifo.conf" -c "$FLEET" plan >"$TMP/out" 2>"$TMP/err" || rc=$?
check "a FIFO as the configuration: refused at once, not waited on" \
	eval 'rc_is 3 && line_is "hvclock: $TMP/etc/fifo.conf: not a regular file: refusing"'

run --config /dev/null -c "$FLEET" plan
check "/dev/null as the configuration: no configuration, fine" eval '[ "$rc" -ne 3 ] && ! err_has refusing'

# --- profiles ---
mkdir -m 755 "$TMP/prof"
cp "$P"/*.profile "$TMP/prof/"
chmod 644 "$TMP/prof"/*.profile
run --profiles-dir "$TMP/prof" -c "$FLEET" plan
check "a copy of the shipped profiles, owned by us, 0644: accepted" eval '[ "$rc" -ne 3 ]'

chmod 757 "$TMP/prof"
run --profiles-dir "$TMP/prof" -c "$FLEET" plan
check "profile directory writable by others: exit 3, one line naming it" \
	eval 'rc_is 3 && line_is "hvclock: $TMP/prof: writable by others: refusing (chmod go-w)"'
chmod 755 "$TMP/prof"

one=$(find "$TMP/prof" -name '*.profile' | sort | head -1)
chmod 664 "$one"
run --profiles-dir "$TMP/prof" -c "$FLEET" plan
check "profile file writable by group: exit 3, one line naming it" \
	eval 'rc_is 3 && line_is "hvclock: $one: writable by group: refusing (chmod go-w)"'
chmod 644 "$one"

if as_root && id nobody >/dev/null 2>&1; then
	chown nobody "$one"
	run --profiles-dir "$TMP/prof" -c "$FLEET" plan
	check "profile file owned by another user (nobody): exit 3, one line naming it" \
		eval 'rc_is 3 && line_is "hvclock: $one: owned by uid $(id -u nobody), not root or uid 0: refusing"'
	chown 0 "$one"
else
	skip "profile owned by another user: needs root (chown)"
fi

# --- the lock: only its own user can open it ---
lockdir=$TMP/lockdir
export HVCLOCK_LOCK_FILE=$lockdir/lock
export HVCLOCK_STATE_DIR=$TMP/state
run -c "$FLEET" rollout centos6-db
check "rollout creates the lock directory 0700 and the lock file 0600, its own" \
	eval '[ "$rc" -ne 3 ] && [ "$(stat -c %a:%u "$lockdir")" = "700:$uid" ] && [ "$(stat -c %a:%u:%F "$lockdir/lock")" = "600:$uid:regular file" ]'

# attack PATH: an unprivileged user tries to take PATH's flock and hold it; afterwards
# $TMP/att.out says "held" if it got it. The holder waits on a FIFO we close when done.
attack() {
	rm -f "$TMP/hold" "$TMP/att.out"
	mkfifo "$TMP/hold"
	nobody flock -n "$1" sh -c 'echo held; read x' <"$TMP/hold" >"$TMP/att.out" 2>&1 &
	att=$!
	exec 8>"$TMP/hold"
	for _ in $(seq 600); do # the attacker has it, or gave up: up to 60 s
		grep -q held "$TMP/att.out" 2>/dev/null && break
		kill -0 "$att" 2>/dev/null || break
		sleep 0.1
	done
}
attack_end() {
	exec 8>&-
	wait "$att" 2>/dev/null
}

if can_drop; then
	attack "$HVCLOCK_LOCK_FILE"
	run -c "$FLEET" rollout centos6-db
	attack_end
	diag <"$TMP/att.out"
	check "an unprivileged user cannot open the lock, so cannot block a rollout" \
		eval '! grep -q held "$TMP/att.out" && grep -q "Permission denied" "$TMP/att.out" && [ "$rc" -ne 3 ] && ! err_has "another hvclock run"'

	# The old layout (/run/hvclock.lock: 0644 in a 0755 directory) let anyone hold the lock.
	# hvclock now refuses such a directory instead of being blocked through it.
	open=$TMP/open
	mkdir -m 755 "$open"
	(umask 022 && : >"$open/hvclock.lock")
	attack "$open/hvclock.lock"
	HVCLOCK_LOCK_FILE=$open/hvclock.lock run -c "$FLEET" rollout centos6-db
	attack_end
	check "a lock in a directory others can enter: refused, naming it (never blocked through it)" \
		eval 'rc_is 3 && line_is "hvclock: lock directory $open: open to group or others (mode 0755): refusing (chmod 700 $open)"'
else
	skip "unprivileged user cannot open the lock: needs root, setpriv and the user nobody"
fi

chmod 644 "$HVCLOCK_LOCK_FILE"
run -c "$FLEET" rollout centos6-db
check "a lock file others may read: refused, naming it" \
	eval 'rc_is 3 && line_is "hvclock: lock file $HVCLOCK_LOCK_FILE: open to group or others (chmod 600): refusing"'
chmod 600 "$HVCLOCK_LOCK_FILE"

rm -f "$HVCLOCK_LOCK_FILE"
ln -s "$TMP/etc/hvclock.conf" "$HVCLOCK_LOCK_FILE"
run -c "$FLEET" rollout centos6-db
check "a symlink as the lock file: not followed, refused" \
	eval 'rc_is 3 && line_is "hvclock: cannot open lock file $HVCLOCK_LOCK_FILE: it is a symlink"'
rm -f "$HVCLOCK_LOCK_FILE"

# --- state files: planted symlinks are never written through ---
uuid=4a1c6e2b-9f0d-4e57-8b3a-1c2d3e4f5001 # centos6-db: a rollout records a host-side change
export HVCLOCK_STATE_DIR=$TMP/state2
mkdir -m 700 "$TMP/lock2" # a lock both old and new hvclock take: this part is about the state
export HVCLOCK_LOCK_FILE=$TMP/lock2/lock
mkdir -p -m 700 "$HVCLOCK_STATE_DIR/guests"
echo precious >"$TMP/victim"
# Where the old code wrote its temp file: STATE/guests/UUID.json.tmp.PID. The shell plants the
# link under its own PID, then becomes hvclock (exec keeps the PID).
rc=0
sh -c 'ln -s "$1" "$2.tmp.$$" && shift 2 && exec "$@"' sh "$TMP/victim" \
	"$HVCLOCK_STATE_DIR/guests/$uuid.json" "$HVCLOCK" -c "$FLEET" rollout centos6-db \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
check "a symlink planted at the state temp path is not followed (its target is untouched)" \
	eval '[ "$(cat "$TMP/victim")" = precious ] && [ -f "$HVCLOCK_STATE_DIR/guests/$uuid.json" ] && [ ! -L "$HVCLOCK_STATE_DIR/guests/$uuid.json" ] && grep -q "\"time\"" "$HVCLOCK_STATE_DIR/guests/$uuid.json" && [ "$(stat -c %a "$HVCLOCK_STATE_DIR/guests/$uuid.json")" = 600 ]'

mkdir -m 700 "$TMP/elsewhere"
ln -s "$TMP/elsewhere" "$TMP/state-link"
HVCLOCK_STATE_DIR=$TMP/state-link run -c "$FLEET" rollout centos6-db
check "a state directory that is a symlink: refused, nothing written through it" \
	eval 'err_has "hvclock: warning: host state not recorded: $TMP/state-link: is a symlink: refusing" && [ -z "$(ls -A "$TMP/elsewhere")" ]'

finish
