# bash completion for hvclock(1).
# The commands and options come from hvclock itself (`hvclock __complete`, printed from its
# command and option tables), the guest names from the connections given with -c on the line,
# else the default one, as `hvclock list` finds them.

# _hvclock_reply WORDS: COMPREPLY = the words of WORDS that start with $cur
_hvclock_reply() {
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_hvclock() {
	local cur prev words cword
	_init_completion || return

	local hvclock=${words[0]} cmd='' i w optlines arg
	local -a connects=() takes_arg=()

	# Options that take an argument, before or after any command: "--name ARG", "-x ARG".
	optlines=$("$hvclock" __complete arguments 2>/dev/null)
	while read -r w arg; do
		[[ -n $arg ]] && takes_arg+=("$w")
	done <<<"$optlines"

	# The command: the first word that is neither an option nor an option's argument.
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ " ${takes_arg[*]} " == *" $w "* ]]; then
			[[ $w == -c || $w == --connect ]] && connects+=(-c "${words[i + 1]}")
			((i++))
			continue
		fi
		[[ $w == --connect=* ]] && connects+=(-c "${w#--connect=}")
		[[ $w == -* ]] && continue
		cmd=$w
		break
	done

	# The argument of an option: its kind from the table's argument name.
	arg=$(awk -v o="$prev" '$1 == o && NF > 1 { print $2; exit }' <<<"$optlines")
	if [[ -n $arg && $prev == -* ]]; then
		case $arg in
		FILE | PATH) _filedir ;;
		DIR) _filedir -d ;;
		'yes|no|auto') _hvclock_reply "yes no auto" ;;
		COLUMNS)
			# a comma-separated list: complete its last name, keep what comes before
			local pre=${cur%"${cur##*,}"}
			mapfile -t COMPREPLY < <(compgen -P "$pre" -W "$("$hvclock" __complete columns $cmd 2>/dev/null)" -- "${cur##*,}")
			;;
		NAME)
			if [[ $prev == -p || $prev == --profile ]]; then
				local dir
				dir=${HVCLOCK_PROFILES_DIR:-/usr/share/hvclock/profiles}
				_hvclock_reply "$(cd "$dir" 2>/dev/null && for f in *.profile; do [[ -f $f ]] && echo "${f%.profile}"; done)"
			fi
			;;
		esac
		return
	fi

	if [[ $cur == -* ]]; then
		if [[ -n $cmd ]]; then
			w=$("$hvclock" __complete options "$cmd" 2>/dev/null)
		else
			w=$("$hvclock" __complete options 2>/dev/null)
		fi
		_hvclock_reply "$(awk '$1 ~ /^--/ { print $1 }' <<<"$w")"
		return
	fi

	case $cmd in
	'')
		_hvclock_reply "$("$hvclock" __complete commands 2>/dev/null)"
		;;
	help)
		_hvclock_reply "$("$hvclock" __complete commands 2>/dev/null)"
		;;
	plan | rollout | rollback)
		_hvclock_reply "$("$hvclock" "${connects[@]}" __complete guests 2>/dev/null)"
		;;
	esac
}
complete -F _hvclock hvclock
