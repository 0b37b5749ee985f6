/* Start conditions (SPEC section 10): whether a worker held back by
 * "after = NAME:CONDITION, ..." may start now, must wait, or never can,
 * from what the tasks it comes after are. */
#ifndef AIORUN_ORDER_H
#define AIORUN_ORDER_H

#include <stdbool.h>
#include <stddef.h>

struct task;

enum order_verdict {
	ORDER_WAIT,  /* some condition is not met yet, and still may be */
	ORDER_GO,    /* every condition is met */
	ORDER_NEVER, /* some condition can no longer be met */
};

/* T's verdict, TASKS being every task (indexed as the workers). For
 * ORDER_NEVER, WHY (SIZE bytes) says which condition cannot be met. */
enum order_verdict order_verdict(struct task *const *tasks,
				 const struct task *t, char *why, size_t size);

/* Starts each of the COUNT TASKS held back by "after" whose conditions
 * are all met now (TEV_START), unless START is false, and skips each
 * whose conditions can no longer be (task_skip, logged once). A start may
 * meet another's condition ("started"), hence rounds until nothing
 * changes. */
void order_start_waiting(struct task **tasks, size_t count, bool start);

#endif
