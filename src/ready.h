/* Readiness: when a started worker counts as ready (SPEC section 8), for
 * its "ready" key. notify: the worker sends READY=1 to a NOTIFY_SOCKET of
 * its own, a path in a private 0700 directory; tcp:HOST:PORT: the port
 * accepts a connection; exec:COMMAND: the command exits 0. Probes repeat
 * with a delay that doubles from 50 ms to 1 s. */
#ifndef AIORUN_READY_H
#define AIORUN_READY_H

#include <ev.h>
#include <stdbool.h>

#include "worker.h"

typedef void ready_callback(struct worker *w, void *data);

/* Before W's environment is built: for a notify worker, its socket in
 * DIR and the NOTIFY_SOCKET entry. Returns 0 or -1 with errno set. */
int ready_prepare(struct worker *w, const char *dir);

/* W was just started: probes until it is ready, then calls READY. Calls
 * nothing for a worker that is ready as soon as it runs. */
void ready_start(struct ev_loop *loop, struct worker *w, ready_callback *ready,
		 void *data);

/* Stops W's probes (it ended, or the shutdown began). */
void ready_stop(struct ev_loop *loop, struct worker *w);

/* Whether PID was W's exec probe, which ended with STATUS; the probe goes
 * on from there. */
bool ready_reaped(struct ev_loop *loop, struct worker *w, pid_t pid,
		  int status);

/* Closes and removes W's socket. */
void ready_finish(struct worker *w);

#endif
