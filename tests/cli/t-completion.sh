#!/bin/sh
# t-completion.sh: the bash completion (completion/hvclock.bash) driven as bash drives it
# (COMP_WORDS/COMP_CWORD, then the function `complete -p hvclock` names): commands and options
# from hvclock's own tables, option arguments, guest names of the default connection and of -c.
. "$(dirname "$0")/lib.sh"

SCRIPT=$(cd "$(dirname "$0")/../.." && pwd)/completion/hvclock.bash
BC=/usr/share/bash-completion/bash_completion
command -v bash >/dev/null || skip_all "no bash"
[ -r "$BC" ] || skip_all "bash-completion is not installed ($BC; apt-get install bash-completion)"

# complete WORD... : the words offered when the cursor ends the last WORD ("" = a new word);
# one per line, sorted, in $TMP/out. words[0] is the built binary, as if typed by its path.
complete() {
	rc=0
	bash -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		f=$(complete -p hvclock | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		"$f" hvclock "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' complete "$BC" "$SCRIPT" "$HVCLOCK" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}
# words W... : $TMP/out is exactly these words
words() { [ "$(printf '%s\n' "$@" | sort)" = "$(cat "$TMP/out")" ]; }

export LIBVIRT_DEFAULT_URI="$FLEET"

complete ""
check "commands: every command of the table" words plan rollout rollback check list help
check "commands: nothing on stderr" sh -c "[ ! -s '$TMP/err' ]"

complete ro
check "commands: a prefix" words rollout rollback

complete help ""
check "help COMMAND: the commands" words plan rollout rollback check list help

complete --vers
check "options before the command: --version" words --version

complete plan --pro
check "plan's own options: --profile, --profiles-dir" words --profile --profiles-dir

complete list --pro
check "list: no --profile (not its option)" words --profiles-dir

complete rollback --all
check "rollback: --all-guests" words --all-guests

# Every long option the help shows for plan is offered after `plan --`, and nothing else.
run help plan
hv=$(sed -n 's/^  -., --\([a-z-]*\).*/--\1/p; s/^      --\([a-z-]*\).*/--\1/p' "$TMP/out" | sort -u)
run help
hv=$(printf '%s\n%s\n' "$hv" "$(sed -n 's/^  -., --\([a-z-]*\).*/--\1/p; s/^      --\([a-z-]*\).*/--\1/p' "$TMP/out" | grep -v -e --version)" | sort -u)
complete plan --
check "plan --: exactly the options of 'hvclock help plan' and 'hvclock help' (but --version)" sh -c "[ \"\$(cat '$TMP/out')\" = '$hv' ]"

complete plan ""
check "plan GUEST: the guest names of the default connection" words centos6-db debian12-web el6-batch-paused retired-vm transient-el6 xen-classic-web xen-pvops-mail

complete rollout --wait-ssh 30 xen-
check "rollout after an option's argument: guest names" words xen-classic-web xen-pvops-mail

complete -c "test:///default" rollout ""
check "-c on the line: that connection's guests" words test

complete plan --profile el6
check "--profile NAME: the profile names" words el6-kvm

mkdir "$TMP/d" && : >"$TMP/d/key"
complete plan -i "$TMP/d/k"
check "-i FILE: files" words "$TMP/d/key"

complete list -o UUID,G
check "list -o UUID,G: list's column names after the comma" words UUID,GUEST

complete check --output ""
check "check --output: check's column names" words GUEST HOST HEALTH OFFSET TIMESYNC SYMPTOMS CLOCKSOURCE REMEDY

complete --connect ""
check "--connect URI: nothing offered" words

finish
