#include "order.h"

#include <stdbool.h>
#include <stdio.h>

#include "task.h"

/* Ended, and no restart is coming. */
static bool finished(const struct task *dep)
{
	return dep->state == TASK_EXITED || dep->state == TASK_FAILED;
}

static bool met(const struct task *dep, enum after_condition condition)
{
	switch (condition) {
	case AFTER_STARTED:
		return dep->start_count > 0 || dep->pid > 0;
	case AFTER_READY:
		return dep->ready_seen;
	case AFTER_EXITED:
		return finished(dep);
	case AFTER_SUCCESS:
		return dep->state == TASK_EXITED && dep->last_status == 0;
	}
	return false;
}

/* Why CONDITION can no longer be met by DEP, into WHY; false when it
 * still can. A worker stopped on request may be started again: it is
 * waited for. */
static bool impossible(const struct task *dep, enum after_condition condition,
		       char *why, size_t size)
{
	const char *name = dep->def->name;

	if (dep->state == TASK_SKIPPED) {
		snprintf(why, size, "%s was skipped", name);
		return true;
	}
	switch (condition) {
	case AFTER_STARTED:
	case AFTER_EXITED:
		return false;
	case AFTER_READY:
		if (!finished(dep) || dep->ready_seen)
			return false;
		snprintf(why, size, "%s ended without being ready", name);
		return true;
	case AFTER_SUCCESS:
		if (!finished(dep) ||
		    (dep->state == TASK_EXITED && dep->last_status == 0))
			return false;
		if (dep->last_status >= 0)
			snprintf(why, size, "%s %s with status %d", name,
				 dep->state == TASK_FAILED ? "failed" : "ended",
				 dep->last_status);
		else
			snprintf(why, size, "%s failed", name);
		return true;
	}
	return false;
}

enum order_verdict order_verdict(struct task *const *tasks,
				 const struct task *t, char *why, size_t size)
{
	const struct worker *w = t->def;
	enum order_verdict verdict = ORDER_GO;

	for (int a = 0; a < w->after_count; a++) {
		const struct task *dep = tasks[w->after_index[a]];
		enum after_condition condition = w->after_condition[a];
		char cause[128];

		if (impossible(dep, condition, cause, sizeof(cause))) {
			snprintf(why, size, "%s, and it waits for %s:%s", cause,
				 dep->def->name,
				 worker_condition_name(condition));
			return ORDER_NEVER;
		}
		if (!met(dep, condition))
			verdict = ORDER_WAIT;
	}
	return verdict;
}

void order_start_waiting(struct task **tasks, size_t count, bool start)
{
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < count; i++) {
			struct task *t = tasks[i];
			char why[256];

			if (t->state != TASK_WAITING ||
			    t->def->after_count == 0)
				continue;
			switch (order_verdict(tasks, t, why, sizeof(why))) {
			case ORDER_GO:
				if (!start)
					break;
				task_post(t, TEV_START);
				again = true;
				break;
			case ORDER_NEVER:
				task_skip(t, why);
				again = true;
				break;
			case ORDER_WAIT:
				break;
			}
		}
	}
}
