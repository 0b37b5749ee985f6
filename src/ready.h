/* Readiness: when a started worker counts as ready (SPEC section 8), for
 * its "ready" key. notify: the worker sends READY=1 to a NOTIFY_SOCKET of
 * its own, a path in a private 0700 directory; tcp:HOST:PORT: the port
 * accepts a connection; exec:COMMAND: the command exits 0. Probes run on
 * the event loop (probe.h) and repeat within the worker's ready-timeout:
 * a tcp: connection every 25 ms, a command with a delay that doubles from
 * 50 ms to 1 s. A command still running when ready-timeout runs out is
 * killed with its group. What they find is posted to the task (TEV_READY,
 * TEV_NOT_READY). */
#ifndef AIORUN_READY_H
#define AIORUN_READY_H

#include <ev.h>
#include <stdbool.h>
#include <sys/types.h>

#include "probe.h"

struct task;

/* A task's readiness at run time. */
struct ready_probe {
	char *notify_path; /* its own NOTIFY_SOCKET, for READY_NOTIFY */
	char *notify_var;  /* NOTIFY_SOCKET=..., for its environment */
	int notify_fd;
	struct ev_io notify_watcher;
	struct ev_timer timer;   /* the next probe (tcp, exec) */
	struct ev_timer timeout; /* its ready-timeout */
	double delay;            /* before the next probe */
	struct probe attempt;    /* the probe under way (tcp, exec) */
};

struct settings;

/* Makes the private directory of the notify workers' sockets, if any of
 * S's workers has "ready = notify", into *DIR (else NULL). Returns 0 or
 * -1 with errno set. */
int ready_make_dir(const struct settings *s, char **dir);

/* Removes DIR, once every socket in it is gone. NULL is fine. */
void ready_remove_dir(char *dir);

/* Before T's environment is built: for a notify worker, its socket in
 * DIR and the NOTIFY_SOCKET entry. Returns 0 or -1 with errno set. */
int ready_prepare(struct task *t, const char *dir);

/* T was just started: probes until it is ready, within its timeout. A
 * worker that is ready as soon as it runs is ready at once. */
void ready_start(struct task *t);

/* Stops T's probes and its timeout (it ended, or the shutdown began). */
void ready_stop(struct task *t);

/* Whether PID was T's exec probe, which ended with STATUS; the probe goes
 * on from there. */
bool ready_reaped(struct task *t, pid_t pid, int status);

/* Closes and removes T's socket. */
void ready_finish(struct task *t);

#endif
