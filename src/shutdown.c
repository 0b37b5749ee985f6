/* The actions of the phase table (fsm.c): the shutdown's steps, from
 * "Entering shutdown phase." to the loop's end. */
#include "supervisor.h"
#include "supervisor_impl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grace.h"
#include "hook.h"
#include "log.h"
#include "output.h"
#include "parse.h"
#include "systemd.h"

/* Whether a child is the supervisor's own: a task or the hook, or of the
 * group of a task that is taken care of (signalled with its group when it
 * was cancelled, or to be, for a shutdown-waits-for worker). */
static bool claimed(pid_t pid, pid_t pgid, void *data)
{
	struct supervisor *sup = data;

	if (sup_task_by_pid(sup, pid) != NULL || pid == sup->hook_pid)
		return true;
	for (size_t i = 0; i < sup->count; i++) {
		const struct task *t = sup->tasks[i];

		if (t->pgid == pgid &&
		    (t->sent != SENT_NOTHING || t->def->waits_for))
			return true;
	}
	return false;
}

static void cancel_adopted(struct supervisor *sup)
{
	adopted_cancel_new(&sup->adopted, claimed, sup, sup->ctx.stop_signal,
			   ev_now(sup->loop) + sup->settings->grace);
}

/* Arms the grace timer for the earliest deadline still pending, if any. */
void shutdown_rearm_grace(struct supervisor *sup)
{
	double next =
		grace_next_deadline(sup->tasks, sup->count, &sup->adopted);

	ev_timer_stop(sup->loop, &sup->grace_timer);
	if (next < 0)
		return;
	next -= ev_now(sup->loop);
	ev_timer_set(&sup->grace_timer, next > 0 ? next : 0, 0);
	ev_timer_start(sup->loop, &sup->grace_timer);
}

/* One line for each grace period among those killed. */
static void kill_late(struct supervisor *sup)
{
	bool in_shutdown = sup->state != STATE_RUNNING;

	/* A worker stopped on request is no shutdown's late one. */
	if (grace_kill_late(sup->tasks, sup->count, &sup->adopted,
			    sup->settings->grace, ev_now(sup->loop),
			    in_shutdown) &&
	    in_shutdown)
		sup->facts.killed_late = true;
	shutdown_rearm_grace(sup);
}

static const char *cause_text(const struct supervisor *sup,
			      const struct input *in, char *buf, size_t size)
{
	switch (in->event) {
	case EVENT_STOP_SIGNAL:
	case EVENT_STOP_AGAIN:
		snprintf(buf, size, "received %s", signal_name(in->signo));
		break;
	case EVENT_DECISIVE_END:
		if (in->not_ready)
			snprintf(buf, size, "%s was not ready in time",
				 in->task->def->name);
		else
			snprintf(buf, size, "%s ended with status %d",
				 in->task->def->name, in->status);
		break;
	case EVENT_OUTPUT_CLOSED:
		strlcpy(buf, "output closed", size);
		break;
	case EVENT_SHUTDOWN_REQUEST:
		snprintf(buf, size, "requested by aiorunctl (uid %d)",
			 in->status);
		break;
	case EVENT_ALL_GONE:
		if (sup->count > 0 && sup->settings->run_forever) {
			strlcpy(buf, "nothing is left running", size);
			break;
		}
		/* FALLTHROUGH */
	default:
		strlcpy(buf, "every task has ended", size);
		break;
	}
	return buf;
}

static void start_hook(struct supervisor *sup)
{
	if ((sup->hook_pid = hook_start(sup->settings)) == -1) {
		sup->hook_pid = 0;
		log_warn("cannot run the on-shutdown hook");
		sup_post(sup, (struct input){.event = EVENT_HOOK_DONE});
		return;
	}
	log_info("Running the on-shutdown hook (pid %d): %s",
		 (int)sup->hook_pid, sup->settings->on_shutdown);
	ev_timer_set(&sup->hook_timer, sup->settings->grace, 0);
	ev_timer_start(sup->loop, &sup->hook_timer);
}

/* How long the shutdown may take, for systemd's stop timeout: the hook,
 * the longest grace period once for each level of "after", the wait for
 * shutdown-waits-for workers when bounded, and a second to spare. */
static unsigned long long shutdown_bound_usec(const struct supervisor *sup)
{
	double grace = sup->settings->grace;
	int levels = 1;

	for (size_t i = 0; i < sup->live; i++) {
		const struct task *t = sup->tasks[i];
		int depth = worker_depth(sup->settings, t->def);

		if (task_grace(t) > grace)
			grace = task_grace(t);
		if (depth > levels)
			levels = depth;
	}
	return (unsigned long long)((sup->settings->grace + levels * grace +
				     sup->settings->wait_timeout + 1) *
				    1e6);
}

static void begin_shutdown(struct supervisor *sup, const struct input *in)
{
	char cause[128];
	bool by_signal =
		in->event == EVENT_STOP_SIGNAL || in->event == EVENT_STOP_AGAIN;

	if (by_signal) {
		log_info("Stopping the loop (received %s)",
			 signal_name(in->signo));
		sup->facts.cause = CAUSE_SIGNAL;
	} else if (in->event == EVENT_SHUTDOWN_REQUEST) {
		/* As SIGTERM: the same exit status, the same stop signal. */
		sup->facts.cause = CAUSE_SIGNAL;
	} else if (in->event == EVENT_DECISIVE_END) {
		sup->facts.cause = CAUSE_WORKER;
		sup->facts.cause_status = in->status;
	} else if (in->event == EVENT_OUTPUT_CLOSED) {
		sup->facts.cause = CAUSE_OUTPUT_CLOSED;
	} else {
		sup->facts.cause = CAUSE_ALL_ENDED;
	}
	log_info("Entering shutdown phase. (%s)",
		 cause_text(sup, in, cause, sizeof(cause)));
	systemd_notify("STOPPING=1\nSTATUS=Shutting down: %s", cause);
	systemd_notify("EXTEND_TIMEOUT_USEC=%llu", shutdown_bound_usec(sup));

	sup->ctx.stop_signal = sup->settings->stop_signal;
	if (sup->ctx.stop_signal == 0)
		sup->ctx.stop_signal = by_signal ? in->signo : SIGTERM;

	/* No restart, no readiness, no late start once the shutdown has
	 * begun. */
	sup->ctx.shutting_down = true;
	for (size_t i = 0; i < sup->count; i++)
		task_post(sup->tasks[i], TEV_SHUTDOWN);

	if (sup->settings->on_shutdown != NULL)
		start_hook(sup);
	else
		sup_post(sup, (struct input){.event = EVENT_HOOK_DONE});
}

/* Whether a task that comes after T still runs: T is cancelled only once
 * those are gone, so that the workers come down in the reverse of their
 * start order (independent ones at once). */
static bool has_live_dependent(const struct supervisor *sup,
			       const struct task *t)
{
	int index = -1;

	for (size_t i = 0; i < sup->live; i++)
		if (sup->tasks[i] == t)
			index = (int)i;
	/* A task a reload removed: no current one comes after it. */
	if (index < 0)
		return false;
	for (size_t i = 0; i < sup->live; i++) {
		const struct task *other = sup->tasks[i];

		if (other->pid <= 0)
			continue;
		for (int a = 0; a < other->def->after_count; a++)
			if (other->def->after_index[a] == index)
				return true;
	}
	return false;
}

/* Cancels every running task that nothing running depends on, except
 * the shutdown-waits-for ones. */
static void cancel_free_tasks(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->count; i++) {
		struct task *t = sup->tasks[i];

		if (t->pid > 0 && t->sent == SENT_NOTHING &&
		    !t->def->waits_for && !has_live_dependent(sup, t))
			task_post(t, TEV_CANCEL);
	}
}

static void cancel(struct supervisor *sup)
{
	bool waiters = false;

	ev_timer_stop(sup->loop, &sup->hook_timer);
	log_info("Cancelling pending tasks.");
	for (size_t i = 0; i < sup->count; i++)
		if (sup->tasks[i]->pid > 0 && sup->tasks[i]->def->waits_for)
			waiters = true;
	cancel_free_tasks(sup);
	systemd_notify("STATUS=Stopping: waiting for the tasks to end");
	cancel_adopted(sup);
	if (waiters && sup->settings->wait_timeout > 0) {
		ev_timer_set(&sup->wait_timer, sup->settings->wait_timeout, 0);
		ev_timer_start(sup->loop, &sup->wait_timer);
	}
	log_info("Running pending tasks till complete");
	shutdown_rearm_grace(sup);
}

static void cancel_waiters(struct supervisor *sup)
{
	log_warnx("shutdown-waits-for tasks still running after %s "
		  "(--wait-timeout): cancelling them",
		  duration_text(sup->settings->wait_timeout));
	for (size_t i = 0; i < sup->count; i++) {
		struct task *t = sup->tasks[i];

		if (t->def->waits_for && t->sent == SENT_NOTHING &&
		    task_alive(t))
			task_post(t, TEV_CANCEL);
	}
	shutdown_rearm_grace(sup);
}

static void kill_all(struct supervisor *sup, const struct input *in)
{
	log_warnx("Received %s during shutdown: killing every remaining task",
		  signal_name(in->signo));
	ev_timer_stop(sup->loop, &sup->hook_timer);
	ev_timer_stop(sup->loop, &sup->grace_timer);
	ev_timer_stop(sup->loop, &sup->wait_timer);
	for (size_t i = 0; i < sup->count; i++) {
		struct task *t = sup->tasks[i];

		if (task_alive(t)) {
			task_post(t, TEV_KILL);
			sup->facts.killed_late = true;
		}
	}
	if (sup->hook_pid > 0)
		kill(-sup->hook_pid, SIGKILL);
	adopted_kill_all();
}

/* A first stop request in a shutdown that began otherwise (a worker's
 * end, the output closed): the shutdown goes on as it is, and says what
 * a second one would do. */
static void note_stop(struct supervisor *sup, const struct input *in)
{
	if (sup->state != STATE_DONE)
		log_info("Received %s during shutdown: it goes on; a second "
			 "one kills every remaining task",
			 signal_name(in->signo));
	else if (sup->ctx.output != NULL &&
		 output_in_flight(sup->ctx.output) > 0)
		log_info("Received %s while writing out captured output: a "
			 "second one gives up the rest",
			 signal_name(in->signo));
}

/* After reaps: the processes may have left orphans of their own, which
 * are now aiorun's and must go the way of the rest. Many reaps can come in
 * one loop iteration, so the /proc scan waits for the iteration's end
 * (shutdown_orphan_scan_cb) and is done once. */
static void scan_orphans_soon(struct supervisor *sup, enum sup_action action)
{
	sup->scan = action;
	ev_prepare_start(sup->loop, &sup->orphan_scan);
}

void shutdown_orphan_scan_cb(struct ev_loop *loop, struct ev_prepare *watcher,
			     int revents)
{
	struct supervisor *sup = watcher->data;

	(void)revents;
	ev_prepare_stop(loop, watcher);
	if (sup->scan == ACTION_CANCEL_ORPHANS) {
		cancel_free_tasks(sup);
		cancel_adopted(sup);
		shutdown_rearm_grace(sup);
	} else {
		adopted_kill_all();
	}
}

static void finish(struct supervisor *sup)
{
	systemd_watchdog_stop(sup->loop);
	ev_prepare_stop(sup->loop, &sup->orphan_scan);
	ev_timer_stop(sup->loop, &sup->hook_timer);
	ev_timer_stop(sup->loop, &sup->grace_timer);
	ev_timer_stop(sup->loop, &sup->wait_timer);
	ev_break(sup->loop, EVBREAK_ALL);
}

void shutdown_perform(struct supervisor *sup, enum sup_action action,
		      const struct input *in)
{
	switch (action) {
	case ACTION_NONE:
		break;
	case ACTION_BEGIN_SHUTDOWN:
		begin_shutdown(sup, in);
		break;
	case ACTION_CANCEL:
		cancel(sup);
		break;
	case ACTION_KILL_LATE:
		kill_late(sup);
		break;
	case ACTION_CANCEL_WAITERS:
		cancel_waiters(sup);
		break;
	case ACTION_KILL_ALL:
		kill_all(sup, in);
		break;
	case ACTION_NOTE_STOP:
		note_stop(sup, in);
		break;
	case ACTION_CANCEL_ORPHANS:
	case ACTION_KILL_ORPHANS:
		scan_orphans_soon(sup, action);
		break;
	case ACTION_FINISH:
		finish(sup);
		break;
	case ACTION_ABANDON_OUTPUT:
		if (sup->ctx.output != NULL &&
		    output_in_flight(sup->ctx.output) > 0) {
			/* First: this line then goes out directly, not
			 * behind what is given up. */
			output_abandon(sup->ctx.output);
			log_warnx("Received %s while writing out captured "
				  "output: giving up the rest",
				  signal_name(in->signo));
		}
		break;
	}
}
