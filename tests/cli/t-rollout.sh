#!/bin/sh
# t-rollout.sh: `hvclock rollout` on the demo fleet (test driver: changes live in this process only).
. "$(dirname "$0")/lib.sh"

run -c "$FLEET" rollout --all-guests --json
check "rollout --all-guests: exit 1 (demo guests have no address for their guest-side steps)" rc_is 1
check "rollout: JSON document" json_check '
assert d["command"] == "rollout" and d["schema"] == 1'
check "rollout: direct-boot cmdline written, deferred until power-cycle" json_check '
a = [a for a in g["centos6-db"]["actions"] if a["kind"] == "host-cmdline"][0]
assert a["result"] == "deferred", a
assert "power-cycle (not a reboot)" in a["result_message"], a'
check "rollout: guest-side action fails with the reason" json_check '
a = [a for a in g["legacy app (centos 6)"]["actions"] if a["kind"] == "guest-bootloader"][0]
assert a["result"] == "failed" and "no address known" in a["result_message"], a
assert g["legacy app (centos 6)"]["result"] == "failed"'
check "rollout: transient guest skipped" json_check '
assert g["transient-el6"]["result"] == "skipped", g["transient-el6"]'
check "rollout: guest without a remedy is skipped, not failed" json_check '
assert g["debian12-web"]["result"] == "skipped", g["debian12-web"]["result"]'
check "rollout: changed: the written host cmdline and its guest, not the failed or skipped" json_check '
db = g["centos6-db"]
a = {x["kind"]: x for x in db["actions"]}
assert a["host-cmdline"]["changed"] is True, a["host-cmdline"]
assert a["live-clocksource"]["changed"] is False and a["timesync"]["changed"] is False, a
assert db["changed"] is True, db
assert g["legacy app (centos 6)"]["changed"] is False
assert g["debian12-web"]["changed"] is False and g["transient-el6"]["changed"] is False'
check "rollout: error_kind: no-address, paused; null where nothing failed" json_check '
a = {x["kind"]: x for x in g["centos6-db"]["actions"]}
assert a["live-clocksource"]["error_kind"] == "no-address", a["live-clocksource"]
assert a["host-cmdline"]["error_kind"] is None and a["timesync"]["error_kind"] is None, a
assert g["centos6-db"]["error_kind"] == "no-address", g["centos6-db"]["error_kind"]
assert g["centos6-db"]["inspect_error_kind"] == "no-address"
p = g["el6-batch-paused"]
assert p["error_kind"] == "paused" and p["inspect_error_kind"] == "paused", p
assert g["debian12-web"]["error_kind"] is None and g["transient-el6"]["error_kind"] is None'
check "rollout: summary counts" json_check '
s = d["summary"]
assert s["guests"] == 9 and s["failed"] >= 1, s
assert sum(s[k] for k in ("applied","in_place","deferred","skipped","failed")) == 9, s'

run -c "$FLEET" rollout centos6-db
check "rollout one guest: text names what changed" sh -c 'grep -q "^centos6-db: failed" '"$TMP/out"' && grep -q "result: deferred: written and read back" '"$TMP/out"
check "rollout: summary line" sh -c 'tail -1 '"$TMP/out"' | grep -q "^1 guests: 0 applied, 0 already in place, 0 deferred until power-cycle/reboot, 0 skipped, 1 failed"'

saved_state=${HVCLOCK_STATE_DIR:-}
export HVCLOCK_STATE_DIR="$TMP/fresh-state"
run -c "$FLEET" rollback --all-guests
check "rollback where hvclock changed nothing: exit 0" rc_is 0
check "rollback: transient guest skipped, others have nothing to restore" sh -c 'grep -q "^transient-el6: skipped" '"$TMP/out"' && grep -q "nothing to roll back\|hvclock has recorded no change" '"$TMP/out"
export HVCLOCK_STATE_DIR="$saved_state"

# The rollouts above recorded host-side changes in state files, which outlive this process's test
# driver: a rollback must then say it cannot reach the guest side, not pretend all is well.
run -c "$FLEET" rollback centos6-db
check "rollback of a recorded guest it cannot reach: exit 1, says why" sh -c '[ '$rc' -eq 1 ] && grep -q "no address known" '"$TMP/out"

run -c "$FLEET" rollout debian12-web
check "rollout of a named guest with no address: exit 1 (not looked at)" rc_is 1

# --- rollout --restart: the refusals, and the guests never restarted ---
for opt in "--canary" "--force-off" "--batch 2" "--max-failed 1" "--restart-timeout 5"; do
	# shellcheck disable=SC2086 # the option and its argument
	run -c "$FLEET" rollout $opt centos6-db
	check "rollout $opt without --restart: usage error" sh -c '[ '$rc' -eq 2 ] && grep -q "^hvclock: option .'"${opt%% *}"'. needs --restart$" '"$TMP/err"
done
for bad in "--batch 0" "--batch 257" "--max-failed 0" "--restart-timeout 0" "--batch x"; do
	# shellcheck disable=SC2086
	run -c "$FLEET" rollout --restart $bad centos6-db
	check "rollout --restart $bad: usage error naming the option" sh -c '[ '$rc' -eq 2 ] && grep -q "^hvclock: invalid '"${bad%% *}"' " '"$TMP/err"
done
run -c "$FLEET" plan --restart
check "plan --restart: not an option of plan" sh -c '[ '$rc' -eq 2 ] && grep -q "option .--restart. is not for plan" '"$TMP/err"

# el5-kvm-x86-64 forced: only a <cmdline> change (deferred) and a check, so the guests wait for a
# power-cycle; none can be restarted here, each for its own reason, and none counts as a failed
# restart: exit 1 only because the named transient guest was not looked at (EXIT STATUS).
run -c "$FLEET" rollout --restart --json --profile el5-kvm-x86-64 centos6-db el6-batch-paused transient-el6
check "rollout --restart, guests never restarted: exit 1 for the named transient guest alone" sh -c '[ '$rc' -eq 1 ] && [ "$(grep -c . '"$TMP/err"')" = 1 ] && grep -q "^hvclock: transient-el6: named but not looked at: transient guest" '"$TMP/err"
check "rollout --restart: restart object per guest, with the reason" json_check '
r = {n: g[n]["restart"] for n in g}
assert r["centos6-db"]["needed"] == "shutdown-start" and r["centos6-db"]["result"] == "skipped", r
assert "not reached over SSH" in r["centos6-db"]["reason"], r
assert r["el6-batch-paused"]["result"] == "skipped" and "paused" in r["el6-batch-paused"]["reason"], r
assert r["transient-el6"]["result"] == "skipped" and "transient" in r["transient-el6"]["reason"], r
assert all(g[n]["verification"] is None and r[n]["action"] == "none" for n in g), r
assert d["summary"]["restart"] == {"verified": 0, "failed": 0, "not_restarted": 3, "not_needed": 0}, d["summary"]'
printf '[guest:centos6-db]\nrestart = no\n' >"$TMP/restart.conf"
chmod 600 "$TMP/restart.conf"
run --config "$TMP/restart.conf" -c "$FLEET" rollout --restart -q --profile el5-kvm-x86-64 centos6-db
check "rollout --restart: restart = no in the configuration is never restarted, and said so (-q: on stderr)" sh -c '[ '$rc' -eq 0 ] && grep -q "^  centos6-db: skipped: restart = no in the configuration$" '"$TMP/err"
check "rollout --restart -q: stdout names the guest that still waits for its restart, only it" sh -c '[ "$(cat '"$TMP/out"')" = centos6-db ]'
run -c "$FLEET" rollout centos6-db --json
check "rollout without --restart: no restart object" json_check '
assert "restart" not in g["centos6-db"] and "restart" not in d["summary"], g["centos6-db"]'

finish
