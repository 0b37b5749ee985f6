/* The supervisor: runs the workers on a libev loop and carries out the
 * state machine of fsm.h, from start to the end of the shutdown. */
#ifndef AIORUN_SUPERVISOR_H
#define AIORUN_SUPERVISOR_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "output.h"
#include "worker.h"

struct supervisor;

/* Supervises SETTINGS->workers, their output captured by OUTPUT unless it
 * is NULL. The supervisor keeps the three pointers, which must outlive
 * it. Returns NULL with errno set. */
struct supervisor *supervisor_create(struct ev_loop *loop,
				     const struct settings *settings,
				     struct output *output);

/* Starts every worker. Returns 0, or -1 when a worker could not be started:
 * then the cause is logged, whatever had started is killed and reaped, and
 * *EXIT_STATUS is what aiorun should exit with. */
int supervisor_start(struct supervisor *sup, int *exit_status);

/* Handles a signal aiorun received (the signals.h callback). */
void supervisor_signal(int signo, void *sup);

/* The tasks, one per worker, in the order of the current settings'
 * workers: for the control socket, which posts its requests to them
 * (task_post). A reload changes the array (supervisor_reload). */
struct task **supervisor_tasks(struct supervisor *sup, size_t *count);

/* The task that a reload replaced by T (the same name, its old
 * definition) while it still has a process, or NULL. */
struct task *supervisor_replaced(const struct supervisor *sup,
				 const struct task *t);

/* Reload (SPEC section 9): NEXT, a second settings loaded from the same
 * command line and files, replaces the current ones. Workers of the same
 * name and an equal definition (worker_equal) keep their task and
 * process; the others' tasks are stopped as "aiorunctl stop" does and
 * forgotten once nothing of them is left; new and changed workers get
 * new tasks, a changed one started once its old process is gone. REPORT
 * gets one line per change (logged as "Reload: ..."). The supervisor
 * owns NEXT (heap allocated) from then on, and frees each settings once
 * no task points into it. The caller refuses a reload once the shutdown
 * has begun. Returns 0, or -1 with errno set: then nothing changed and
 * NEXT is still the caller's. */
int supervisor_reload(struct supervisor *sup, struct settings *next,
		      void (*report)(const char *line, void *data), void *data);

/* Whether the shutdown has not begun: nothing may start once it has. */
bool supervisor_running(const struct supervisor *sup);

/* CHANGED is called after each event a task handled (task.h). */
struct task;
void supervisor_watch_tasks(struct supervisor *sup,
			    void (*changed)(struct task *t, void *data),
			    void *data);

/* Arms the grace timer for a task just stopped on request: SIGKILL
 * follows its grace period. */
void supervisor_arm_grace(struct supervisor *sup);

/* Begins the shutdown as SIGTERM does, its reason "requested by
 * aiorunctl (uid UID)". Nothing once the shutdown has begun. */
void supervisor_request_shutdown(struct supervisor *sup, int uid);

/* aiorun's exit status once ev_run has returned: SPEC section 4, with
 * --map-exit applied. */
int supervisor_exit_status(const struct supervisor *sup);

void supervisor_destroy(struct supervisor *sup);

#endif
