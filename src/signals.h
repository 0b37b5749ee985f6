/* Everything about signal dispositions: which signals aiorun reads, which
 * it forwards, and what a child gets before exec.
 *
 * Signals are data here: the signals aiorun reads are blocked and read
 * from a signalfd on the loop, and only their number goes to the
 * supervisor. What the number cannot say (who sent it: a repeat of
 * SIGTERM by the same process is the same request) is decided here. */
#ifndef AIORUN_SIGNALS_H
#define AIORUN_SIGNALS_H

#include <ev.h>
#include <spawn.h>
#include <stdbool.h>

typedef void signals_callback(int signo, void *data);

/* Records the dispositions aiorun inherited, before anything (libev
 * included) changes them, and clears the inherited signal mask. */
void signals_record_inherited(void);

/* Reads, from a signalfd, every signal that can be caught except
 * SIGCHLD (libev's), the job-control stops SIGTSTP, SIGTTIN and SIGTTOU
 * (left as inherited), and SIGPIPE and glibc's reserved 32 and 33, which
 * it ignores. CALLBACK gets SIGINT and SIGTERM, less the repeats that are
 * the same request (the same signal from the same process within a
 * second), and every other signal read, to be forwarded, but for those
 * aiorun inherited as ignored (they stay ignored), those it caused
 * itself, and the faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
 * SIGSYS, SIGABRT) sent with kill(2): a real fault still kills aiorun.
 * Every thread must keep the signals read blocked (the pool's threads
 * block every signal). Returns -1 with errno set if the signalfd cannot
 * be made. */
int signals_init(struct ev_loop *loop, signals_callback *callback, void *data);

/* SIGINT and SIGTERM: the signals that begin (or hurry) the shutdown.
 * Every other signal the callback gets is to be forwarded. */
bool signals_is_stop(int signo);

/* Gives the calling child the dispositions of SPEC section 5 for every
 * signal aiorun changed: inherited-ignored ones stay ignored, except
 * SIGINT, SIGQUIT and SIGTERM, which get the default action. Leaves the
 * mask alone. Async-signal-safe: for use between fork and exec. */
void signals_child_reset(void);

/* The same for posix_spawn: fills DEFAULTS with the signals to reset to
 * the default action. Returns false when that is not enough (a signal
 * aiorun handles must stay ignored in the child), true otherwise. */
bool signals_child_defaults(sigset_t *defaults);

/* Initialises ATTR for posix_spawn to start a child as
 * signals_child_reset would leave it, with an empty mask, in a process
 * group of its own. Returns what signals_child_defaults returns; the
 * caller destroys ATTR. */
bool signals_spawn_attr(posix_spawnattr_t *attr);

/* Blocks every signal, storing the previous mask in OLD. */
void signals_block_all(sigset_t *old);

#endif
