/* The supervisor's own parts, shared by the files that make it up and
 * included by nothing else: supervisor.c (creation, start, the event queue
 * and the callbacks that feed it), shutdown.c (the actions of the phase
 * table) and reconcile.c (a reload applied to the running tasks). */
#ifndef AIORUN_SUPERVISOR_IMPL_H
#define AIORUN_SUPERVISOR_IMPL_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "adopted.h"
#include "fsm.h"
#include "settings.h"
#include "task.h"

/* An event with what it carries: the signal, or the worker that ended. */
struct input {
	enum sup_event event;
	int signo;
	const struct task *task;
	int status;     /* EVENT_DECISIVE_END: the status it stands for */
	bool not_ready; /* ...and it is there because it was not ready */
};

#define QUEUE_SIZE 8

struct supervisor {
	struct ev_loop *loop;
	const struct settings *settings;
	/* Every task: those of SETTINGS->workers first, in their order (so
	 * that "after" indexes find them), then those a reload removed or
	 * replaced, until their processes are gone. */
	struct task **tasks;
	size_t count;
	size_t live; /* the first LIVE are SETTINGS->workers' */
	struct task_context ctx;

	enum sup_state state;
	struct input queue[QUEUE_SIZE];
	size_t queue_head, queue_len;
	bool dispatching;

	struct exit_facts facts;
	pid_t hook_pid; /* the on-shutdown hook, while it runs */
	struct adopted adopted;

	struct ev_child reaper;
	struct ev_timer hook_timer;
	struct ev_timer grace_timer;
	struct ev_timer wait_timer;
	struct ev_prepare orphan_scan;
	enum sup_action scan; /* what the orphan scan does: cancel or kill */
	char *notify_dir;     /* the notify workers' sockets, or NULL */
	bool stop_requested;  /* a stop signal or "aiorunctl shutdown" came:
				 the next stop signal is a second request */
	bool ready_sent;      /* READY=1 has gone to systemd */
	/* Settings loaded by reloads (the first is the caller's): each is
	 * kept while a task's definition points into it. */
	struct settings **gens;
	size_t gen_count;
};

/* supervisor.c */

/* Queues IN and handles the queue, unless it is being handled already. */
void sup_post(struct supervisor *sup, struct input in);
struct task *sup_task_by_pid(struct supervisor *sup, pid_t pid);

/* shutdown.c */

/* Carries out ACTION, a cell of the phase table, for IN. */
void shutdown_perform(struct supervisor *sup, enum sup_action action,
		      const struct input *in);
/* Arms the grace timer for the earliest deadline still pending, if any. */
void shutdown_rearm_grace(struct supervisor *sup);
void shutdown_orphan_scan_cb(struct ev_loop *loop, struct ev_prepare *watcher,
			     int revents);

/* reconcile.c */

/* Frees the tasks a reload removed once nothing of them is left, starts
 * the tasks that replace them, and frees the settings no task points
 * into any more. */
void reconcile_sweep(struct supervisor *sup);

#endif
