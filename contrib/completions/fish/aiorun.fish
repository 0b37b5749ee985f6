# fish completion for aiorun

# Worker names declared in the files named with -c and -f on the line.
function __aiorun_workers
    set -l words (commandline -opc)
    for i in (seq (count $words))
        set -l next $words[(math $i + 1)]
        switch $words[$i]
            case -f --procfile
                test -r "$next"; and sed -n 's/^[[:space:]]*\([A-Za-z0-9_.-]\{1,\}\)[[:space:]]*:.*/\1/p' $next
            case -c --config
                test -r "$next"; and sed -n 's/^[[:space:]]*\[worker:\([A-Za-z0-9_.-]\{1,\}\)\][[:space:]]*$/\1/p' $next
        end
    end 2>/dev/null
end

function __aiorun_signals
    string replace -r '^SIG' '' (string split ' ' -- (kill -l 2>/dev/null | string join ' '))
end

# PROGRAM and its arguments come after the first word that is not an option.
function __aiorun_no_program
    set -l words (commandline -opc)
    set -l skip 0
    for w in $words[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -- --
                return 1
            case -w -W -c -f -t -e -p -x -m --worker --waits-for --config --procfile --env-file --grace --wait-timeout --stop-signal --stop-on --on-shutdown --map-exit --pdeathsig --prefix --color --log-format --port --formation --listen-fds --executor-workers --backend --pidfile --control
                set skip 1
            case '-*'
            case '*'
                return 1
        end
    end
    return 0
end

set -l c complete -c aiorun -n __aiorun_no_program
$c -s w -l worker -x -d 'Add a worker (NAME=COMMAND)'
$c -s W -l waits-for -x -d 'Add a worker the shutdown waits for'
$c -s c -l config -r -F -d 'Read settings and workers from an INI file'
$c -s f -l procfile -r -F -d 'Read workers from a Procfile'
$c -l env-file -r -F -a none -d 'KEY=VALUE lines for every worker'
$c -s t -l grace -x -d 'Time between the stop signal and SIGKILL'
$c -l wait-timeout -x -d 'Bound on waiting for shutdown-waits-for workers'
$c -l stop-signal -x -a '(__aiorun_signals)' -d 'Signal that cancels workers'
$c -l stop-on -x -a 'failure exit none' -d 'Which worker end stops all'
$c -l run-forever -d 'The end of PROGRAM does not begin the shutdown'
$c -l on-shutdown -x -d 'Shell command run when the shutdown begins'
$c -s e -l map-exit -x -d 'Exit status CODE becomes NEW'
$c -s p -l pdeathsig -x -a '(__aiorun_signals)' -d 'Signal to receive when the parent dies'
$c -l no-subreaper -d 'Do not adopt orphans'
$c -l prefix -x -a 'auto always never' -d 'Name each captured line'
$c -l color -x -a 'auto always never' -d 'Colour the names'
$c -l timestamps -d 'Put the time on each captured line'
$c -l log-format -x -a 'text json' -d 'How every line is written'
$c -l port -x -d "PORT of the Procfile's first worker"
$c -s m -l formation -x -a '(for n in all (__aiorun_workers); echo $n=; end)' -d 'Run N copies of a worker'
$c -l tty -d 'Give every worker a pseudo-terminal'
$c -l listen-fds -x -a '(echo main; __aiorun_workers)' -d "The worker given systemd's sockets"
$c -s x -l executor-workers -x -d 'Threads of the helper pool'
$c -l backend -x -a 'auto select poll epoll io_uring' -d 'Event-loop backend'
$c -l pidfile -r -F -d 'Write and lock a PID file'
$c -l control -r -F -a none -d "aiorunctl's socket"
$c -s v -l verbose -d 'Log more'
$c -s q -l quiet -d 'Log less'
$c -l check -d 'Validate everything, print what would run'
$c -s h -l help -d 'Show the help'
$c -s V -l version -d 'Show the version'
$c -x -a '(__fish_complete_command)'
complete -c aiorun -n 'not __aiorun_no_program' -x -a '(__fish_complete_subcommand)'
