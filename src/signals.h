/* Everything about signal dispositions: which signals aiorun watches, which
 * it forwards, and what a child gets before exec.
 *
 * Signals are data here: libev turns them into events on the loop, and the
 * callback only hands the number to the supervisor. A watcher, once started,
 * is never stopped, since libev resets a signal to SIG_DFL when its last
 * watcher stops; a forwarded signal that aiorun inherited as ignored gets no
 * watcher at all and stays ignored. */
#ifndef AIORUN_SIGNALS_H
#define AIORUN_SIGNALS_H

#include <ev.h>
#include <spawn.h>
#include <stdbool.h>

typedef void signals_callback(int signo, void *data);

/* Records the dispositions aiorun inherited, before anything (libev
 * included) changes them, and clears the inherited signal mask. */
void signals_record_inherited(void);

/* Watches SIGINT and SIGTERM always, and SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
 * SIGWINCH and SIGCONT unless inherited as ignored. SIGPIPE is ignored, so that
 * a closed output is an error to handle rather than death. Returns 0. */
int signals_init(struct ev_loop *loop, signals_callback *callback, void *data);

/* SIGINT and SIGTERM: the signals that begin (or hurry) the shutdown. */
bool signals_is_stop(int signo);

/* Gives the calling child the dispositions of SPEC section 5 for every
 * signal aiorun touched: inherited-ignored ones stay ignored, except
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
