#include "adopted.h"

#include <signal.h>
#include <stdlib.h>

#include "children.h"
#include "log.h"
#include "parse.h"

bool adopted_has(const struct adopted *a, pid_t pid)
{
	for (size_t i = 0; i < a->count; i++)
		if (a->list[i].pid == pid)
			return true;
	return false;
}

static int add(struct adopted *a, pid_t pid, double deadline)
{
	if (a->count == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		struct adoptee *grown =
			reallocarray(a->list, cap, sizeof(*grown));

		if (grown == NULL)
			return -1;
		a->list = grown;
		a->cap = cap;
	}
	a->list[a->count++] = (struct adoptee){pid, deadline, false};
	return 0;
}

struct scan {
	struct adopted *a;
	adopted_claimed *claimed;
	void *data;
	int signo;
	double deadline;
};

static void cancel_new(pid_t pid, void *data)
{
	struct scan *scan = data;
	char comm[32];
	pid_t pgid;

	if (adopted_has(scan->a, pid) ||
	    !children_describe(pid, comm, sizeof(comm), &pgid) ||
	    scan->claimed(pid, pgid, scan->data))
		return;
	if (add(scan->a, pid, scan->deadline) == -1) {
		/* Untracked, it would never get its SIGKILL. */
		log_warn("cannot track adopted process %d: killing it",
			 (int)pid);
		kill(pid, SIGKILL);
		return;
	}
	log_info("Cancelling adopted process: pid %d (%s) with %s", (int)pid,
		 comm, signal_name(scan->signo));
	kill(pid, scan->signo);
	kill(pid, SIGCONT);
}

/* The cheap check spares reading /proc when the last process is gone. */
static void each_child(children_visitor *visit, void *data)
{
	if (children_remain())
		children_each(visit, data);
}

void adopted_cancel_new(struct adopted *a, adopted_claimed *claimed, void *data,
			int signo, double deadline)
{
	struct scan scan = {a, claimed, data, signo, deadline};

	each_child(cancel_new, &scan);
}

int adopted_kill_due(struct adopted *a, double now,
		     void (*killed)(pid_t pid, void *data), void *data)
{
	int count = 0;

	for (size_t i = 0; i < a->count; i++) {
		struct adoptee *e = &a->list[i];

		if (e->killed || e->deadline > now)
			continue;
		kill(e->pid, SIGKILL);
		e->killed = true;
		killed(e->pid, data);
		count++;
	}
	return count;
}

static void kill_child(pid_t pid, void *data)
{
	(void)data;
	kill(pid, SIGKILL);
}

void adopted_kill_all(void)
{
	each_child(kill_child, NULL);
}

void adopted_forget(struct adopted *a, pid_t pid)
{
	for (size_t i = 0; i < a->count; i++) {
		if (a->list[i].pid == pid) {
			a->list[i] = a->list[--a->count];
			return;
		}
	}
}

double adopted_next_deadline(const struct adopted *a)
{
	double next = -1;

	for (size_t i = 0; i < a->count; i++)
		if (!a->list[i].killed &&
		    (next < 0 || a->list[i].deadline < next))
			next = a->list[i].deadline;
	return next;
}

void adopted_finish(struct adopted *a)
{
	free(a->list);
	*a = (struct adopted){0};
}
