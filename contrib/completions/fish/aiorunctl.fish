# fish completion for aiorunctl

function __aiorunctl_workers
    set -l words (commandline -opc)
    set -l socket
    for i in (seq (count $words))
        if test "$words[$i]" = -s
            set socket -s $words[(math $i + 1)]
        end
    end
    aiorunctl $socket --json status 2>/dev/null | sed -n 's/.*"name":"\([^"]*\)".*/\1/p'
end

function __aiorunctl_signals
    string replace -r '^SIG' '' (string split ' ' -- (kill -l 2>/dev/null | string join ' '))
end

set -l commands status start stop restart signal wait logs reload shutdown
complete -c aiorunctl -f
complete -c aiorunctl -s s -r -F -d 'The control socket'
complete -c aiorunctl -l json -d 'One JSON object per line'
complete -c aiorunctl -n "not __fish_seen_subcommand_from $commands" -a status -d 'One row per worker'
complete -c aiorunctl -n "not __fish_seen_subcommand_from $commands" -a start -d 'Start workers that are not running'
complete -c aiorunctl -n "not __fish_seen_subcommand_from $commands" -a stop -d 'Cancel workers; they stay down'
complete -c aiorunctl -n "not __fish_seen_subcommand_from $commands" -a restart -d 'Stop, then start'
complete -c aiorunctl -n "not __fish_seen_subcommand_from $commands" -a signal -d 'Send a signal to workers'
complete -c aiorunctl -n "not __fish_seen_subcommand_from $commands" -a wait -d 'Wait until workers are ready or ended'
complete -c aiorunctl -n "not __fish_seen_subcommand_from $commands" -a logs -d "A worker's last lines"
complete -c aiorunctl -n "not __fish_seen_subcommand_from $commands" -a reload -d 'Read the files again'
complete -c aiorunctl -n "not __fish_seen_subcommand_from $commands" -a shutdown -d 'Begin the shutdown'
complete -c aiorunctl -n '__fish_seen_subcommand_from status start stop restart wait logs' -a '(__aiorunctl_workers)'
complete -c aiorunctl -n '__fish_seen_subcommand_from start stop restart' -l all -d 'Every worker'
complete -c aiorunctl -n '__fish_seen_subcommand_from wait' -l timeout -x -d 'Give up after'
complete -c aiorunctl -n '__fish_seen_subcommand_from wait' -l for -x -a 'ready exited' -d 'What to wait for'
complete -c aiorunctl -n '__fish_seen_subcommand_from logs' -s n -x -d 'How many lines'
complete -c aiorunctl -n '__fish_seen_subcommand_from logs' -s f -d 'Follow'
complete -c aiorunctl -n '__fish_seen_subcommand_from signal; and test (count (commandline -opc)) -le 2' -a '(__aiorunctl_signals)'
complete -c aiorunctl -n '__fish_seen_subcommand_from signal; and test (count (commandline -opc)) -gt 2' -a '(__aiorunctl_workers)'
