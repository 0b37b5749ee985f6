#include "supervisor.h"
#include "supervisor_impl.h"

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

static void dispatch(struct supervisor *sup);

struct task *sup_task_by_pid(struct supervisor *sup, pid_t pid)
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
		shutdown_perform(sup, step.action, &next);
	}
	sup->dispatching = false;
}

void sup_post(struct supervisor *sup, struct input in)
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

/* Starts the tasks held back by "after" whose turn came, unless START is
 * false, and skips those whose turn cannot come. */
static void start_waiting(struct supervisor *sup, bool start)
{
	if (!sup->ctx.shutting_down)
		order_start_waiting(sup->tasks, sup->live, start);
}

static void task_ready(struct task *t, void *owner)
{
	struct supervisor *sup = owner;

	(void)t;
	/* Once the shutdown began, none is waiting any more. */
	start_waiting(sup, true);
	check_all_ready(sup);
}

static void task_ended(struct task *t, const struct end_outcome *out,
		       int status, bool not_ready, void *owner)
{
	struct supervisor *sup = owner;

	/* What can no longer start is seen to before this end may begin
	 * the shutdown; what it lets start does not start when it does: it
	 * would be cancelled at once. */
	start_waiting(sup, out->verdict != VERDICT_SHUTDOWN);
	if (out->failed && sup->facts.first_failure < 0)
		sup->facts.first_failure = status;
	if (out->verdict == VERDICT_SHUTDOWN)
		sup_post(sup, (struct input){.event = EVENT_DECISIVE_END,
					     .task = t,
					     .status = status,
					     .not_ready = not_ready});
}

static void task_cancelled(struct task *t, void *owner)
{
	(void)t;
	shutdown_rearm_grace(owner);
}

/* Callbacks: each turns what happened into an input. ---------------------- */

/* A task stopped or continued by a signal: no end, but worth a word. */
static void log_stop(struct supervisor *sup, pid_t pid, int wstatus)
{
	struct task *t = sup_task_by_pid(sup, pid);

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
			sup_post(sup, (struct input){.event = EVENT_REAPED});
			return;
		}
	}
	if ((t = sup_task_by_pid(sup, pid)) != NULL) {
		if (t->def->is_main)
			sup->facts.program_status = status;
		task_reaped(t, watcher->rstatus);
	} else if (pid == sup->hook_pid) {
		sup->hook_pid = 0;
		if (status != 0)
			log_warnx("the on-shutdown hook ended with status %d",
				  status);
		sup_post(sup, (struct input){.event = EVENT_HOOK_DONE});
	} else {
		log_debug("Reaped adopted process %d (status %d)", (int)pid,
			  status);
		adopted_forget(&sup->adopted, pid);
	}

	sup_post(sup, (struct input){.event = EVENT_REAPED});
	reconcile_sweep(sup);
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
	sup_post(sup, (struct input){.event = EVENT_HOOK_DONE});
}

static void grace_timer_cb(struct ev_loop *loop, struct ev_timer *timer,
			   int revents)
{
	(void)loop;
	(void)revents;
	sup_post(timer->data, (struct input){.event = EVENT_GRACE_EXPIRED});
	reconcile_sweep(timer->data);
}

static void wait_timer_cb(struct ev_loop *loop, struct ev_timer *timer,
			  int revents)
{
	(void)loop;
	(void)revents;
	sup_post(timer->data, (struct input){.event = EVENT_WAIT_EXPIRED});
}

static void output_closed(int fd, void *data)
{
	log_warnx("standard %s has no reader any more: stopping",
		  fd == 1 ? "output" : "error");
	sup_post(data, (struct input){.event = EVENT_OUTPUT_CLOSED});
}

void supervisor_signal(int signo, void *data)
{
	struct supervisor *sup = data;

	if (signals_is_stop(signo)) {
		enum sup_event event = sup->stop_requested ? EVENT_STOP_AGAIN
							   : EVENT_STOP_SIGNAL;

		sup->stop_requested = true;
		sup_post(sup, (struct input){.event = event, .signo = signo});
		return;
	}
	/* Job control: aiorun is a job of its shell (terminal.h). */
	if (signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU) {
		terminal_suspend(sup->tasks, sup->count);
		return;
	}
	if (signo == SIGCONT)
		terminal_resume(sup->tasks, sup->count);
	/* The workers' terminals follow aiorun's (and their foreground
	 * groups get SIGWINCH from the kernel, as well as forwarded). */
	if (signo == SIGWINCH && sup->ctx.output != NULL)
		output_resize(sup->ctx.output);
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
	ev_prepare_init(&sup->orphan_scan, shutdown_orphan_scan_cb);
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
	start_waiting(sup, true);
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
	shutdown_rearm_grace(sup);
}

void supervisor_request_shutdown(struct supervisor *sup, int uid)
{
	sup->stop_requested = true;
	sup_post(sup, (struct input){.event = EVENT_SHUTDOWN_REQUEST,
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
