/* Processes aiorun adopted (orphans re-parented to it, as PID 1 or as a
 * child subreaper) and cancelled during the shutdown. Each stays listed
 * until it is reaped, so that it is signalled once of each kind. The
 * children are found through /proc (children.h). */
#ifndef AIORUN_ADOPTED_H
#define AIORUN_ADOPTED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct adoptee {
	pid_t pid;
	double deadline; /* when SIGKILL is due */
	bool killed;
};

/* Zero-initialised, it is empty and ready for use. */
struct adopted {
	struct adoptee *list;
	size_t count, cap;
};

bool adopted_has(const struct adopted *a, pid_t pid);

/* Whether the child PID of group PGID is the supervisor's own business
 * (a worker, the hook, a probe) rather than an orphan to cancel. */
typedef bool adopted_claimed(pid_t pid, pid_t pgid, void *data);

/* Cancels every live child of aiorun that is neither listed nor CLAIMED:
 * SIGNO, then SIGCONT so that a stopped one can act on it, and SIGKILL
 * due at DEADLINE. Each is logged. */
void adopted_cancel_new(struct adopted *a, adopted_claimed *claimed, void *data,
			int signo, double deadline);

/* Sends SIGKILL to each listed process whose deadline is at or before NOW,
 * calling KILLED for each. Returns how many. */
int adopted_kill_due(struct adopted *a, double now,
		     void (*killed)(pid_t pid, void *data), void *data);

/* Sends SIGKILL to every child of aiorun, listed or not. */
void adopted_kill_all(void);

/* PID was reaped. */
void adopted_forget(struct adopted *a, pid_t pid);

/* The earliest deadline of those not killed yet, or -1. */
double adopted_next_deadline(const struct adopted *a);

void adopted_finish(struct adopted *a);

#endif
