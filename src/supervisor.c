#include "supervisor.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adopted.h"
#include "children.h"
#include "fsm.h"
#include "grace.h"
#include "hook.h"
#include "log.h"
#include "order.h"
#include "output.h"
#include "parse.h"
#include "ready.h"
#include "signals.h"
#include "spawn.h"
#include "systemd.h"
#include "task.h"
#include "terminal.h"

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
	bool ready_sent;      /* READY=1 has gone to systemd */
	/* Settings loaded by reloads (the first is the caller's): each is
	 * kept while a task's definition points into it. */
	struct settings **gens;
	size_t gen_count;
};

static void post(struct supervisor *sup, struct input in);
static void dispatch(struct supervisor *sup);
static void sweep_leaving(struct supervisor *sup);

static const char *duration_text(double seconds)
{
	static char buf[32];

	return format_duration(seconds, buf, sizeof(buf));
}

static struct task *task_by_pid(struct supervisor *sup, pid_t pid)
{
	for (size_t i = 0; i < sup->count; i++)
		if (sup->tasks[i]->pid == pid)
			return sup->tasks[i];
	return NULL;
}

/* Running, or due to restart. */
static bool tasks_active(const struct supervisor *sup)
{
	for (size_t i = 0; i < sup->count; i++)
		if (task_active(sup->tasks[i]))
			return true;
	return false;
}

/* Adopted processes ---------------------------------------------------- */

/* Whether a child is the supervisor's own: a task or the hook, or of the
 * group of a task that is taken care of (signalled with its group when it
 * was cancelled, or to be, for a shutdown-waits-for worker). */
static bool claimed(pid_t pid, pid_t pgid, void *data)
{
	struct supervisor *sup = data;

	if (task_by_pid(sup, pid) != NULL || pid == sup->hook_pid)
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

/* Grace periods --------------------------------------------------------- */

/* Arms the grace timer for the earliest deadline still pending, if any. */
static void rearm_grace_timer(struct supervisor *sup)
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
	/* A worker stopped on request is no shutdown's late one. */
	if (grace_kill_late(sup->tasks, sup->count, &sup->adopted,
			    sup->settings->grace, ev_now(sup->loop)) &&
	    sup->state != STATE_RUNNING)
		sup->facts.killed_late = true;
	rearm_grace_timer(sup);
}

/* Actions ---------------------------------------------------------------- */

static const char *cause_text(const struct supervisor *sup,
			      const struct input *in, char *buf, size_t size)
{
	switch (in->event) {
	case EVENT_STOP_SIGNAL:
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
		post(sup, (struct input){.event = EVENT_HOOK_DONE});
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

	if (in->event == EVENT_STOP_SIGNAL) {
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
		sup->ctx.stop_signal =
			in->event == EVENT_STOP_SIGNAL ? in->signo : SIGTERM;

	/* No restart, no readiness, no late start once the shutdown has
	 * begun. */
	sup->ctx.shutting_down = true;
	for (size_t i = 0; i < sup->count; i++)
		task_post(sup->tasks[i], TEV_SHUTDOWN);

	if (sup->settings->on_shutdown != NULL)
		start_hook(sup);
	else
		post(sup, (struct input){.event = EVENT_HOOK_DONE});
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
	rearm_grace_timer(sup);
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
	rearm_grace_timer(sup);
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

/* After reaps: the processes may have left orphans of their own, which
 * are now aiorun's and must go the way of the rest. Many reaps can come in
 * one loop iteration, so the /proc scan waits for the iteration's end
 * (orphan_scan_cb) and is done once. */
static void scan_orphans_soon(struct supervisor *sup, enum sup_action action)
{
	sup->scan = action;
	ev_prepare_start(sup->loop, &sup->orphan_scan);
}

static void orphan_scan_cb(struct ev_loop *loop, struct ev_prepare *watcher,
			   int revents)
{
	struct supervisor *sup = watcher->data;

	(void)revents;
	ev_prepare_stop(loop, watcher);
	if (sup->scan == ACTION_CANCEL_ORPHANS) {
		cancel_free_tasks(sup);
		cancel_adopted(sup);
		rearm_grace_timer(sup);
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

static void perform(struct supervisor *sup, enum sup_action action,
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

/* The event queue ------------------------------------------------------- */

/* The event that the current situation implies, once the queue is empty:
 * what keeps the machine from waiting for something that cannot come. */
static bool settled_event(const struct supervisor *sup, struct input *in)
{
	bool run_forever = sup->settings->run_forever;

	*in = (struct input){.event = EVENT_COUNT};
	switch (sup->state) {
	case STATE_RUNNING:
		if (!run_forever && !tasks_active(sup))
			in->event = EVENT_ALL_ENDED;
		else if (run_forever && !children_remain())
			in->event = EVENT_ALL_GONE;
		break;
	case STATE_STOPPING:
	case STATE_KILLING:
		if (!children_remain())
			in->event = EVENT_ALL_GONE;
		break;
	default:
		break;
	}
	return in->event != EVENT_COUNT;
}

/* Handles the queue to its end, unless an event is being handled already
 * (an action posted the new one). Each event moves the state machine by
 * exactly one table cell; when the queue is empty, what the situation
 * implies is posted too. */
static void dispatch(struct supervisor *sup)
{
	struct input next;

	if (sup->dispatching)
		return;
	sup->dispatching = true;
	for (;;) {
		struct fsm_step step;

		if (sup->queue_len == 0 && !settled_event(sup, &next))
			break;
		if (sup->queue_len > 0) {
			next = sup->queue[sup->queue_head];
			sup->queue_head = (sup->queue_head + 1) % QUEUE_SIZE;
			sup->queue_len--;
		}
		step = fsm_step(sup->state, next.event);
		log_debug("state %s, event %s: now %s",
			  fsm_state_name(sup->state),
			  fsm_event_name(next.event),
			  fsm_state_name(step.next));
		sup->state = step.next;
		perform(sup, step.action, &next);
	}
	sup->dispatching = false;
}

static void post(struct supervisor *sup, struct input in)
{
	if (sup->queue_len == QUEUE_SIZE) {
		log_errx("internal error: event queue full, dropping %s",
			 fsm_event_name(in.event));
		return;
	}
	sup->queue[(sup->queue_head + sup->queue_len++) % QUEUE_SIZE] = in;
	dispatch(sup);
}

/* What the tasks tell -------------------------------------------------- */

/* READY=1 to systemd once every task is started and ready. */
static void check_all_ready(struct supervisor *sup)
{
	if (sup->ready_sent)
		return;
	for (size_t i = 0; i < sup->live; i++)
		if (!sup->tasks[i]->ready_seen)
			return;
	sup->ready_sent = true;
	systemd_notify("READY=1\nSTATUS=Running %zu tasks", sup->live);
}

/* Starts the tasks held back by "after" whose turn came, and skips
 * those whose turn cannot come. */
static void start_waiting(struct supervisor *sup)
{
	if (!sup->ctx.shutting_down)
		order_start_waiting(sup->tasks, sup->live);
}

static void task_ready(struct task *t, void *owner)
{
	struct supervisor *sup = owner;

	(void)t;
	/* Once the shutdown began, none is waiting any more. */
	start_waiting(sup);
	check_all_ready(sup);
}

static void task_ended(struct task *t, const struct end_outcome *out,
		       int status, bool not_ready, void *owner)
{
	struct supervisor *sup = owner;

	/* What waits for its end, or can no longer start, is seen to
	 * before its end may begin the shutdown. */
	start_waiting(sup);
	if (out->failed && sup->facts.first_failure < 0)
		sup->facts.first_failure = status;
	if (out->verdict == VERDICT_SHUTDOWN)
		post(sup, (struct input){.event = EVENT_DECISIVE_END,
					 .task = t,
					 .status = status,
					 .not_ready = not_ready});
}

static void task_cancelled(struct task *t, void *owner)
{
	(void)t;
	rearm_grace_timer(owner);
}

/* Callbacks: each turns what happened into an input. ---------------------- */

/* A task stopped or continued by a signal: no end, but worth a word. */
static void log_stop(struct supervisor *sup, pid_t pid, int wstatus)
{
	struct task *t = task_by_pid(sup, pid);

	if (t == NULL)
		return;
	if (WIFSTOPPED(wstatus)) {
		log_debug("Task %s (pid %d) stopped by %s", t->def->name,
			  (int)pid, signal_name(WSTOPSIG(wstatus)));
		terminal_task_stopped(t, WSTOPSIG(wstatus));
	} else if (WIFCONTINUED(wstatus))
		log_debug("Task %s (pid %d) continued", t->def->name, (int)pid);
}

static void reaper_cb(struct ev_loop *loop, struct ev_child *watcher,
		      int revents)
{
	struct supervisor *sup = watcher->data;
	int status = wait_status_code(watcher->rstatus);
	pid_t pid = watcher->rpid;
	struct task *t;

	(void)loop;
	(void)revents;
	if (status < 0) {
		log_stop(sup, pid, watcher->rstatus);
		return;
	}
	for (size_t i = 0; i < sup->count; i++) {
		if (ready_reaped(sup->tasks[i], pid, status) ||
		    health_reaped(sup->tasks[i], pid, status)) {
			/* An exec: probe may have been cancelled as adopted. */
			adopted_forget(&sup->adopted, pid);
			post(sup, (struct input){.event = EVENT_REAPED});
			return;
		}
	}
	if ((t = task_by_pid(sup, pid)) != NULL) {
		if (t->def->is_main)
			sup->facts.program_status = status;
		task_reaped(t, watcher->rstatus);
	} else if (pid == sup->hook_pid) {
		sup->hook_pid = 0;
		if (status != 0)
			log_warnx("the on-shutdown hook ended with status %d",
				  status);
		post(sup, (struct input){.event = EVENT_HOOK_DONE});
	} else {
		log_debug("Reaped adopted process %d (status %d)", (int)pid,
			  status);
		adopted_forget(&sup->adopted, pid);
	}

	post(sup, (struct input){.event = EVENT_REAPED});
	sweep_leaving(sup);
}

static void hook_timer_cb(struct ev_loop *loop, struct ev_timer *timer,
			  int revents)
{
	struct supervisor *sup = timer->data;

	(void)loop;
	(void)revents;
	log_warnx("the on-shutdown hook is still running after %s: killing it",
		  duration_text(sup->settings->grace));
	if (sup->hook_pid > 0)
		kill(-sup->hook_pid, SIGKILL);
	post(sup, (struct input){.event = EVENT_HOOK_DONE});
}

static void grace_timer_cb(struct ev_loop *loop, struct ev_timer *timer,
			   int revents)
{
	(void)loop;
	(void)revents;
	post(timer->data, (struct input){.event = EVENT_GRACE_EXPIRED});
	sweep_leaving(timer->data);
}

static void wait_timer_cb(struct ev_loop *loop, struct ev_timer *timer,
			  int revents)
{
	(void)loop;
	(void)revents;
	post(timer->data, (struct input){.event = EVENT_WAIT_EXPIRED});
}

static void output_closed(int fd, void *data)
{
	log_warnx("standard %s has no reader any more: stopping",
		  fd == 1 ? "output" : "error");
	post(data, (struct input){.event = EVENT_OUTPUT_CLOSED});
}

void supervisor_signal(int signo, void *data)
{
	struct supervisor *sup = data;

	if (signals_is_stop(signo)) {
		post(sup, (struct input){.event = EVENT_STOP_SIGNAL,
					 .signo = signo});
		return;
	}
	/* Job control: aiorun is a job of its shell (terminal.h). */
	if (signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU) {
		terminal_suspend(sup->tasks, sup->count);
		return;
	}
	if (signo == SIGCONT)
		terminal_resume(sup->tasks, sup->count);
	for (size_t i = 0; i < sup->count; i++) {
		struct task *t = sup->tasks[i];

		if (t->pid <= 0)
			continue;
		log_debug("Forwarding %s to %s (pid %d)", signal_name(signo),
			  t->def->name, (int)t->pid);
		if (task_signal(t, signo) == -1 && errno != ESRCH)
			log_warn("cannot forward %s to %s", signal_name(signo),
				 t->def->name);
	}
}

/* Reload ------------------------------------------------------------------ */

static bool defined_in(const struct task *t, const struct settings *s)
{
	return t->def >= s->workers && t->def < s->workers + s->worker_count;
}

static struct task *live_task(const struct supervisor *sup, const char *name)
{
	for (size_t i = 0; i < sup->live; i++)
		if (strcmp(sup->tasks[i]->def->name, name) == 0)
			return sup->tasks[i];
	return NULL;
}

/* A task a reload removed or replaced, still named NAME, or NULL. */
static struct task *leaving_task(const struct supervisor *sup, const char *name)
{
	for (size_t i = sup->live; i < sup->count; i++)
		if (strcmp(sup->tasks[i]->def->name, name) == 0)
			return sup->tasks[i];
	return NULL;
}

/* T may start now: what it comes after is ready, and the task it
 * replaces is gone. */
static void start_if_free(struct supervisor *sup, struct task *t)
{
	char why[256];

	if (t->state == TASK_WAITING && sup->state == STATE_RUNNING &&
	    order_verdict(sup->tasks, t, why, sizeof(why)) == ORDER_GO &&
	    leaving_task(sup, t->def->name) == NULL)
		task_post(t, TEV_START);
}

/* Frees the tasks a reload removed once nothing of them is left (their
 * process, its group, a readiness probe), starts the tasks that replace
 * them, and frees the settings no task points into any more. */
static void sweep_leaving(struct supervisor *sup)
{
	size_t kept = sup->live;
	bool freed = false;

	for (size_t i = sup->live; i < sup->count; i++) {
		struct task *t = sup->tasks[i];

		if (t->pid > 0 || t->state == TASK_BACKOFF || task_alive(t) ||
		    t->probe.attempt.pid > 0 || t->health.check.pid > 0) {
			sup->tasks[kept++] = t;
			continue;
		}
		log_debug("Task %s is gone: forgotten", t->def->name);
		task_finish(t);
		free(t);
		freed = true;
	}
	sup->count = kept;
	if (!freed)
		return;
	for (size_t g = 0; g < sup->gen_count;) {
		struct settings *old = sup->gens[g];
		bool used = old == sup->settings;

		for (size_t i = 0; i < sup->count && !used; i++)
			used = defined_in(sup->tasks[i], old);
		if (used) {
			g++;
			continue;
		}
		config_free(old);
		free(old);
		sup->gens[g] = sup->gens[--sup->gen_count];
	}
	for (size_t i = 0; i < sup->live; i++)
		start_if_free(sup, sup->tasks[i]);
}

/* What a reload does to one worker of the new settings. */
enum change {
	CHANGE_NONE,
	CHANGE_ADDED,
	CHANGE_CHANGED,
};

static void say(void (*report)(const char *line, void *data), void *data,
		const char *name, const char *what)
{
	char line[512];

	snprintf(line, sizeof(line), "%s %s", name, what);
	log_info("Reload: %s", line);
	report(line, data);
}

int supervisor_reload(struct supervisor *sup, struct settings *next,
		      void (*report)(const char *line, void *data), void *data)
{
	size_t n = next->worker_count, count = 0, changes = 0, leaving;
	struct task **tasks = calloc(n + sup->count + 1, sizeof(*tasks));
	enum change *change = calloc(n + 1, sizeof(*change));
	struct settings **gens =
		realloc(sup->gens, (sup->gen_count + 1) * sizeof(*gens));
	bool same_env = true;
	char *dir = NULL;

	if (gens != NULL)
		sup->gens = gens;
	if (tasks == NULL || change == NULL || gens == NULL ||
	    (sup->notify_dir == NULL && ready_make_dir(next, &dir) == -1))
		goto fail;
	if (dir != NULL)
		sup->notify_dir = dir;
	/* --env-file reaches every worker: a change there changes all. */
	for (size_t i = 0; same_env; i++) {
		char *a = sup->settings->env_common
				  ? sup->settings->env_common[i]
				  : NULL;
		char *b = next->env_common ? next->env_common[i] : NULL;

		if (a == NULL || b == NULL)
			same_env = a == b;
		else
			same_env = strcmp(a, b) == 0;
		if (a == NULL || b == NULL)
			break;
	}
	/* First whatever can fail: the new tasks. Nothing has changed
	 * yet. */
	for (size_t i = 0; i < n; i++) {
		const struct worker *w = &next->workers[i];
		struct task *old = live_task(sup, w->name);

		if (old != NULL && same_env && worker_equal(old->def, w)) {
			tasks[i] = old;
			continue;
		}
		change[i] = old != NULL ? CHANGE_CHANGED : CHANGE_ADDED;
		if ((tasks[i] = calloc(1, sizeof(**tasks))) == NULL ||
		    task_init(tasks[i], &sup->ctx, w, sup->notify_dir) == -1)
			goto fail;
	}
	/* Then the switch: the old tasks kept follow the new definitions,
	 * the others leave, after those that were leaving already. */
	count = n;
	for (size_t i = 0; i < sup->live; i++) {
		struct task *t = sup->tasks[i];
		const struct worker *w =
			settings_find_worker(next, t->def->name);

		if (w != NULL && tasks[w - next->workers] == t)
			task_redefine(t, w);
		else
			tasks[count++] = t;
	}
	for (size_t i = sup->live; i < sup->count; i++)
		tasks[count++] = sup->tasks[i];
	free(sup->tasks);
	sup->tasks = tasks;
	sup->gens[sup->gen_count++] = next;
	sup->settings = next;
	sup->ctx.settings = next;
	/* Those that left: stopped as "aiorunctl stop" does. */
	for (size_t i = n; i < count - (sup->count - sup->live); i++) {
		const struct task *t = tasks[i];

		if (settings_find_worker(next, t->def->name) == NULL) {
			say(report, data, t->def->name, "removed: stopping");
			changes++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (change[i] == CHANGE_NONE)
			continue;
		changes++;
		say(report, data, tasks[i]->def->name,
		    change[i] == CHANGE_ADDED ? "added: starting"
					      : "changed: restarting");
	}
	if (changes == 0)
		say(report, data, "nothing", "changed");
	leaving = count - (sup->count - sup->live);
	/* Consistent before any event: the events may look at every task. */
	sup->live = n;
	sup->count = count;
	for (size_t i = n; i < leaving; i++) {
		struct task *t = tasks[i];

		task_post(t, TEV_STOP_REQUEST);
		if (t->pid <= 0 && t->sent == SENT_NOTHING && task_alive(t))
			task_post(t, TEV_CANCEL);
	}
	free(change);
	rearm_grace_timer(sup);
	for (size_t i = 0; i < n; i++)
		start_if_free(sup, tasks[i]);
	sweep_leaving(sup);
	return 0;

fail:
	for (size_t i = 0; tasks != NULL && change != NULL && i < n; i++) {
		if (change[i] == CHANGE_NONE || tasks[i] == NULL)
			continue;
		task_finish(tasks[i]);
		free(tasks[i]);
	}
	free(tasks);
	free(change);
	return -1;
}

/* Creation and start ----------------------------------------------------- */

struct supervisor *supervisor_create(struct ev_loop *loop,
				     const struct settings *settings,
				     struct output *output)
{
	struct supervisor *sup = calloc(1, sizeof(*sup));

	if (sup == NULL)
		return NULL;
	sup->loop = loop;
	sup->settings = settings;
	sup->ctx = (struct task_context){
		.loop = loop,
		.settings = settings,
		.output = output,
		.ready = task_ready,
		.ended = task_ended,
		.cancelled = task_cancelled,
		.owner = sup,
	};
	sup->state = STATE_RUNNING;
	sup->facts = (struct exit_facts){
		.cause = CAUSE_NONE,
		.program_status = -1,
		.first_failure = -1,
	};
	sup->tasks = calloc(settings->worker_count + 1, sizeof(*sup->tasks));
	if (sup->tasks == NULL ||
	    ready_make_dir(settings, &sup->notify_dir) == -1) {
		supervisor_destroy(sup);
		return NULL;
	}
	for (size_t i = 0; i < settings->worker_count; i++) {
		const struct worker *w = &settings->workers[i];

		if (w->is_main)
			sup->facts.has_program = true;
		if ((sup->tasks[i] = calloc(1, sizeof(**sup->tasks))) == NULL) {
			supervisor_destroy(sup);
			return NULL;
		}
		sup->count++;
		sup->live++;
		if (task_init(sup->tasks[i], &sup->ctx, w, sup->notify_dir) ==
		    -1) {
			supervisor_destroy(sup);
			return NULL;
		}
	}
	task_pass_sockets(sup->tasks, sup->count, sup->settings->listen_worker);
	if (output != NULL)
		output_on_closed(output, output_closed, sup);

	/* pid 0: every child, adopted orphans included; 1: stops and
	 * continues too. */
	ev_child_init(&sup->reaper, reaper_cb, 0, 1);
	sup->reaper.data = sup;
	ev_child_start(loop, &sup->reaper);
	ev_init(&sup->hook_timer, hook_timer_cb);
	sup->hook_timer.data = sup;
	ev_init(&sup->grace_timer, grace_timer_cb);
	sup->grace_timer.data = sup;
	ev_init(&sup->wait_timer, wait_timer_cb);
	sup->wait_timer.data = sup;
	ev_prepare_init(&sup->orphan_scan, orphan_scan_cb);
	sup->orphan_scan.data = sup;
	return sup;
}

/* Stops whatever was started before a failed start: nothing may be left
 * running when aiorun exits with its own failure status. The workers'
 * groups get SIGKILL; what they started elsewhere (a setsid daemon, say)
 * is re-parented to aiorun as their leaders die, and is killed and reaped
 * in turn, until no child is left. */
static void abort_start(struct supervisor *sup)
{
	/* Nothing of the run is left to see: the loop may still turn while
	 * the output is written out. */
	ev_child_stop(sup->loop, &sup->reaper);
	for (size_t i = 0; i < sup->count; i++) {
		struct task *t = sup->tasks[i];

		if (t->pid > 0) {
			task_signal(t, SIGKILL);
			while (waitpid(t->pid, NULL, 0) == -1 && errno == EINTR)
				;
			t->pid = 0;
		}
	}
	for (;;) {
		adopted_kill_all();
		if (waitpid(-1, NULL, 0) == -1 && errno == ECHILD)
			break;
	}
}

/* Tasks forked before any is awaited: their programs load in parallel.
 * The batch stays well below the usual limit of 1024 open descriptors,
 * one of which each pending child holds. */
#define START_BATCH 64

int supervisor_start(struct supervisor *sup, int *exit_status)
{
	double now = ev_now(sup->loop);

	for (size_t first = 0; first < sup->count; first += START_BATCH) {
		size_t end = first + START_BATCH < sup->count
				     ? first + START_BATCH
				     : sup->count;
		size_t forked = first;
		struct task *failed = NULL;
		int error = 0;

		while (forked < end && failed == NULL) {
			struct task *t = sup->tasks[forked];

			/* Held back until what it comes after is ready. */
			if (t->def->after_count == 0 && task_fork(t) == -1) {
				failed = t;
				error = errno;
			} else {
				forked++;
			}
		}
		for (size_t i = first; i < forked; i++) {
			struct task *t = sup->tasks[i];

			if (t->def->after_count > 0)
				continue;
			if (task_await(t) == -1) {
				if (failed == NULL) {
					failed = t;
					error = errno;
				}
				continue;
			}
			task_record_start(t, now);
		}
		if (failed != NULL) {
			char why[512];

			log_errx("cannot run %s: %s",
				 failed->def->is_main ? failed->def->argv[0]
						      : failed->def->name,
				 spawn_error_text(&failed->plan, &failed->child,
						  error, why, sizeof(why)));
			/* A status means exec's fault; none, the system's. */
			*exit_status = failed->status >= 0 ? failed->status
							   : EXIT_OSERR;
			abort_start(sup);
			return -1;
		}
	}
	/* Those held back by "after" are watched as they start. */
	for (size_t i = 0; i < sup->count; i++)
		if (sup->tasks[i]->pid > 0)
			task_post(sup->tasks[i], TEV_STARTED);
	start_waiting(sup);
	check_all_ready(sup);
	systemd_watchdog_start(sup->loop);
	return 0;
}

struct task **supervisor_tasks(struct supervisor *sup, size_t *count)
{
	*count = sup->live;
	return sup->tasks;
}

bool supervisor_running(const struct supervisor *sup)
{
	return sup->state == STATE_RUNNING;
}

void supervisor_watch_tasks(struct supervisor *sup,
			    void (*changed)(struct task *t, void *data),
			    void *data)
{
	sup->ctx.changed = changed;
	sup->ctx.changed_data = data;
}

void supervisor_arm_grace(struct supervisor *sup)
{
	rearm_grace_timer(sup);
}

void supervisor_request_shutdown(struct supervisor *sup, int uid)
{
	post(sup, (struct input){.event = EVENT_SHUTDOWN_REQUEST,
				 .signo = SIGTERM,
				 .status = uid});
}

int supervisor_exit_status(const struct supervisor *sup)
{
	return sup->settings->exit_map[fsm_exit_status(&sup->facts)];
}

void supervisor_destroy(struct supervisor *sup)
{
	if (sup == NULL)
		return;
	ev_child_stop(sup->loop, &sup->reaper);
	ev_timer_stop(sup->loop, &sup->hook_timer);
	ev_timer_stop(sup->loop, &sup->grace_timer);
	ev_timer_stop(sup->loop, &sup->wait_timer);
	ev_prepare_stop(sup->loop, &sup->orphan_scan);
	systemd_watchdog_stop(sup->loop);
	for (size_t i = 0; i < sup->count; i++) {
		task_finish(sup->tasks[i]);
		free(sup->tasks[i]);
	}
	ready_remove_dir(sup->notify_dir);
	free(sup->tasks);
	for (size_t g = 0; g < sup->gen_count; g++) {
		config_free(sup->gens[g]);
		free(sup->gens[g]);
	}
	free(sup->gens);
	adopted_finish(&sup->adopted);
	free(sup);
}
