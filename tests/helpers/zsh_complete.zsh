# zsh_complete.zsh DIR LINE: the candidates zsh's completion system offers
# at the end of LINE, with DIR first in $fpath, one a line, sorted. An
# interactive zsh on a pseudo-terminal (zpty) is given LINE and a tab, as a
# user would type them; every compadd is recorded on the way.
zmodload zsh/zpty || exit 2
dir=$1 line=$2
out=$(mktemp -d) || exit 2
trap 'zpty -d z 2>/dev/null; rm -rf $out' EXIT

# await FILE: a bounded wait for FILE to appear.
await() {
	local i
	for i in {1..100}; do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	print -u2 "zsh_complete: no $1:t from zsh"
	exit 1
}

zpty z zsh -f -i
zpty -w z "PS1=''; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "_record() { : >>${(q)out}/seen; compadd() { builtin compadd -O __c \"\$@\"; print -rl -- \${__c[@]} >>${(q)out}/seen; builtin compadd \"\$@\" } }"
zpty -w z "compprefuncs=(_record); print -r ready >${(q)out}/ready"
await $out/ready
zpty -w -n z "$line"$'\t'
await $out/seen
# The line is dropped (Ctrl-U), then a marker is written: the shell reads
# its input in order, so the completion is over by then.
zpty -w z $'\x15'"print -r done >${(q)out}/done"
await $out/done
grep -v '^$' $out/seen | sort -u
exit 0
