/* Health checks (SPEC section 10): once a worker is ready, its "health"
 * check (tcp:, http: or exec:, probe.h) runs every health-interval, each
 * bounded by health-timeout. After health-retries failures in a row the
 * task is logged as unhealthy and gets TEV_UNHEALTHY: the worker table
 * cancels it, and its end counts as a failure. Checks stop when the task
 * ends, is cancelled, or the shutdown begins. */
#ifndef AIORUN_HEALTH_H
#define AIORUN_HEALTH_H

#include <ev.h>
#include <stdbool.h>
#include <sys/types.h>

#include "probe.h"

struct task;

/* What "aiorunctl status" shows. */
enum health_state {
	HSTATE_NONE,      /* no check, or not ready yet since its start */
	HSTATE_CHECKING,  /* ready; no check has passed yet */
	HSTATE_HEALTHY,   /* the last check passed, or too few failed since */
	HSTATE_UNHEALTHY, /* health-retries checks failed in a row */
};

/* A task's health at run time. */
struct health {
	enum health_state state;
	int failures;          /* in a row */
	struct ev_timer timer; /* the next check */
	struct probe check;    /* the check under way */
};

/* Sets T's checks up; none runs yet. */
void health_init(struct task *t);

/* T is ready: its checks begin, the first at once. Nothing for a worker
 * without "health". */
void health_start(struct task *t);

/* Stops T's checks (a command under way is killed with its group); the
 * state stays, for "status". */
void health_stop(struct task *t);

/* T starts again: its health is unknown until it is ready. */
void health_reset(struct task *t);

/* Whether PID was T's exec: check, which ended with STATUS. */
bool health_reaped(struct task *t, pid_t pid, int status);

/* "healthy", "unhealthy", "checking", or NULL. */
const char *health_state_name(const struct task *t);

#endif
