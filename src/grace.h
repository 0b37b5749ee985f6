/* The end of grace periods: whatever was cancelled and is still there
 * once its grace period has run out gets SIGKILL, and is named in a line
 * "During shutdown, the following tasks refused to exit after 10s: ...",
 * one line for each length of grace period among them. A task is named
 * by what is really left of it: its process if that runs, else the
 * processes of its group. */
#ifndef AIORUN_GRACE_H
#define AIORUN_GRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "adopted.h"
#include "task.h"

/* Kills the COUNT TASKS and the ADOPTED processes (whose grace period is
 * GLOBAL_GRACE) that are due at NOW, and logs them, as the shutdown's
 * when IN_SHUTDOWN, or else as stopped ones'. Returns whether a task was
 * killed. */
bool grace_kill_late(struct task **tasks, size_t count, struct adopted *adopted,
		     double global_grace, double now, bool in_shutdown);

/* The earliest deadline among the tasks that wait for their SIGKILL and
 * the adopted processes, or -1 when there is none. */
double grace_next_deadline(struct task *const *tasks, size_t count,
			   const struct adopted *adopted);

#endif
