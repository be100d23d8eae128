#!/bin/sh
# t-usage.sh: usage errors, bad input and every exit code of the CLI.
. "$(dirname "$0")/lib.sh"

run
check "no command: exit 2" rc_is 2
check "no command: one line + usage" err_lines 2
check "no command: says so" err_has "no command given"

run frobnicate
check "unknown command: exit 2, named" sh -c '[ '$rc' -eq 2 ] && grep -q "unknown command '"'"'frobnicate'"'"'" '"$TMP/err"

run --bogus plan
check "unknown global option: exit 2" rc_is 2
check "unknown global option: named" err_has "unknown option '--bogus'"

run plan --bogus
check "unknown plan option: exit 2" rc_is 2
check "unknown plan option: plan usage, not the whole help" err_has "usage: hvclock [-c URI]... [--json] [-q] [-v] plan"
check "unknown plan option: two lines" err_lines 2

run -c
check "-c without URI: exit 2" rc_is 2
check "-c without URI: says it needs an argument" err_has "needs an argument"

run -c "$FLEET" rollout
check "rollout without guests: exit 2" rc_is 2
check "rollout without guests: specific line" err_has "no guests named: give guest names or --all-guests"

run -c "$FLEET" rollout --all-guests centos6-db
check "rollout with both: exit 2" rc_is 2

run -c "$FLEET" rollback
check "rollback without guests: exit 2" sh -c '[ '$rc' -eq 2 ] && grep -q "no guests named" '"$TMP/err"

run -c "$FLEET" rollback --profile el6-kvm --all-guests
check "rollback --profile: exit 2, says it is not for rollback" sh -c '[ '$rc' -eq 2 ] && grep -q "not for rollback" '"$TMP/err"

run -c "$FLEET" plan --all-guests
check "plan --all-guests: same as no names" rc_is 4

run -c "$FLEET" --parallel 0 plan
check "--parallel 0: exit 2" sh -c '[ '$rc' -eq 2 ] && grep -q "invalid --parallel" '"$TMP/err"

run -c "$FLEET" --guest-address 'x=bad host' plan
check "bad --guest-address: exit 2" sh -c '[ '$rc' -eq 2 ] && grep -q "invalid --guest-address" '"$TMP/err"

run -c "$FLEET" --config /nonexistent/hvclock.conf plan
check "--config naming a missing file: exit 3" sh -c '[ '$rc' -eq 3 ] && grep -q "cannot read configuration" '"$TMP/err"

run -c "$FLEET" plan --profile no-such-profile
check "unknown profile: exit 2 and lists known ones" sh -c '[ '$rc' -eq 2 ] && grep -q "known: .*el6-kvm" '"$TMP/err"

run --version
check "--version: exit 0" rc_is 0
check "--version: names the libvirt backend" out_has "backends: libvirt"

run help
check "help: exit 0" rc_is 0
check "help: lists the commands" sh -c 'for c in plan rollout rollback list help; do grep -q "^  $c " '"$TMP/out"' || exit 1; done'
check "help: documents exit code 4" out_has "4  plan only: changes are pending"

run help rollout
check "help rollout: usage line" out_has "rollout [--profile NAME] [--restart] (--all-guests | GUEST...)"

run plan -h
check "plan -h: exit 0 with usage" sh -c '[ '$rc' -eq 0 ] && grep -q "usage: .* plan" '"$TMP/out"

run rollout --help
check "rollout --help: exit 0, the text of 'help rollout'" sh -c '[ '$rc' -eq 0 ] && "$HVCLOCK" help rollout | cmp -s - '"$TMP/out"
check "rollout --help: its own options, under their heading" sh -c 'grep -q "^Options of rollout" '"$TMP/out"' && grep -q -- "^  -p, --profile NAME" '"$TMP/out"

run -c "test:///nonexistent/fleet.xml" plan
check "unreachable URI: exit 3" rc_is 3
check "unreachable URI: one line naming it" sh -c '[ $(wc -l <'"$TMP/err"') -eq 1 ] && grep -q "test:///nonexistent/fleet.xml" '"$TMP/err"

run -c "$FLEET" plan no-such-guest
check "unknown guest: exit 3, one line" sh -c '[ '$rc' -eq 3 ] && [ $(wc -l <'"$TMP/err"') -eq 1 ] && grep -q "guest '"'"'no-such-guest'"'"' not found" '"$TMP/err"

run -c "$FLEET" rollout no-such-guest centos6-db
check "rollout with one unknown guest: exit 3, nothing done" sh -c '[ '$rc' -eq 3 ] && [ ! -s '"$TMP/out"' ]'

run -c "$FLEET" --profiles-dir /nonexistent/profiles plan
check "missing profiles dir: exit 3" rc_is 3
check "missing profiles dir: one line" err_lines 1
check "missing profiles dir: names --profiles-dir and HVCLOCK_PROFILES_DIR" sh -c 'grep -q -- "--profiles-dir or .HVCLOCK_PROFILES_DIR" '"$TMP/err"

# The binary of the build directory, uninstalled, reads the source tree's profiles by default.
saved_profiles=$HVCLOCK_PROFILES_DIR
unset HVCLOCK_PROFILES_DIR
run -c "$FLEET" plan
export HVCLOCK_PROFILES_DIR="$saved_profiles"
check "uninstalled binary, no --profiles-dir nor HVCLOCK_PROFILES_DIR: the source tree's profiles (exit 4)" rc_is 4

mkdir -p "$TMP/badprof"
cp "$HVCLOCK_PROFILES_DIR"/*.profile "$TMP/badprof/"
printf '[profile]\nname = broken\nsummary = x\nfrobnicate = yes\n' >"$TMP/badprof/broken.profile"
run -c "$FLEET" --profiles-dir "$TMP/badprof" plan
check "malformed profile: exit 3" rc_is 3
check "malformed profile: file:line in the one line" sh -c '[ $(wc -l <'"$TMP/err"') -eq 1 ] && grep -q "broken.profile:4:" '"$TMP/err"

run -c "$FLEET" plan
check "plan with changes pending: exit 4" rc_is 4

run -c "$FLEET" plan debian12-web
check "plan of a named guest with no address: exit 1 (not looked at), one line naming it" sh -c '[ '$rc' -eq 1 ] && grep -q "^hvclock: debian12-web: named but not looked at: no address known" '"$TMP/err"

finish
