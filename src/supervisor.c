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

#include "children.h"
#include "fsm.h"
#include "log.h"
#include "notify.h"
#include "output.h"
#include "parse.h"
#include "ready.h"
#include "signals.h"

/* An event with what it carries: the signal, or the worker that ended. */
struct input {
	enum sup_event event;
	int signo;
	const struct worker *worker;
	int status;     /* EVENT_DECISIVE_END: the status it stands for */
	bool not_ready; /* ...and it is there because it was not ready */
};

/* A process aiorun adopted and cancelled during the shutdown. It stays
 * listed until reaped, so that it is signalled once of each kind. */
struct adoptee {
	pid_t pid;
	double deadline; /* when SIGKILL is due */
	bool killed;
};

#define QUEUE_SIZE 8

struct supervisor {
	struct ev_loop *loop;
	struct output *output; /* or NULL: children inherit 1 and 2 */
	const struct settings *settings;
	struct worker *workers;
	size_t count;

	enum sup_state state;
	struct input queue[QUEUE_SIZE];
	size_t queue_head, queue_len;
	bool dispatching;

	struct exit_facts facts;
	int stop_signal; /* what cancels, once the shutdown began */

	struct worker hook;
	char *hook_argv[4];

	struct adoptee *adopted;
	size_t adopted_count, adopted_cap;

	struct ev_child reaper;
	struct ev_timer hook_timer;
	struct ev_timer grace_timer;
	struct ev_timer wait_timer;
	struct ev_prepare orphan_scan;
	struct ev_timer watchdog; /* WATCHDOG=1 to systemd */
	char *notify_dir;         /* the notify workers' sockets, or NULL */
	bool ready_sent;          /* READY=1 has gone to systemd */
};

static void post(struct supervisor *sup, struct input in);
static void dispatch(struct supervisor *sup);
static void watch_readiness(struct supervisor *sup, struct worker *w);

static const char *duration_text(double seconds)
{
	static char buf[32];

	return format_duration(seconds, buf, sizeof(buf));
}

static double grace_of(const struct supervisor *sup, const struct worker *w)
{
	return w->grace >= 0 ? w->grace : sup->settings->grace;
}

static struct worker *worker_by_pid(struct supervisor *sup, pid_t pid)
{
	for (size_t i = 0; i < sup->count; i++)
		if (sup->workers[i].pid == pid)
			return &sup->workers[i];
	return NULL;
}

/* Whether anything of W is left: its process, or others of its group. */
static bool worker_alive(const struct worker *w)
{
	return w->pid > 0 || (w->pgid > 0 && kill(-w->pgid, 0) == 0);
}

/* Whether a cancelled worker still waits for its SIGKILL. */
static bool worker_pending_kill(const struct worker *w)
{
	return w->cancelled && !w->killed && worker_alive(w);
}

/* Running, or due to restart. */
static bool workers_running(const struct supervisor *sup)
{
	for (size_t i = 0; i < sup->count; i++)
		if (sup->workers[i].pid > 0 ||
		    ev_is_active(&sup->workers[i].restart_timer))
			return true;
	return false;
}

/* Sends W its stop signal, then SIGCONT so that a stopped worker can act
 * on it, and starts its grace period. */
static void cancel_worker(struct supervisor *sup, struct worker *w)
{
	int signo = w->stop_signal ? w->stop_signal : sup->stop_signal;

	log_info("Cancelling task: %s (pid %d) with %s", w->name, (int)w->pid,
		 signal_name(signo));
	if (worker_signal(w, signo) == -1 && errno != ESRCH)
		log_warn("cannot signal %s (pid %d)", w->name, (int)w->pid);
	if (signo != SIGCONT)
		worker_signal(w, SIGCONT);
	w->cancelled = true;
	w->deadline = ev_now(sup->loop) + grace_of(sup, w);
}

/* Adopted processes ---------------------------------------------------- */

static bool is_known(struct supervisor *sup, pid_t pid)
{
	if (worker_by_pid(sup, pid) != NULL || pid == sup->hook.pid)
		return true;
	for (size_t i = 0; i < sup->adopted_count; i++)
		if (sup->adopted[i].pid == pid)
			return true;
	return false;
}

/* Whether a process of group PGID is already taken care of by its worker:
 * signalled with the group when the worker was cancelled, or to be, for a
 * shutdown-waits-for worker. */
static bool covered_by_worker(const struct supervisor *sup, pid_t pgid)
{
	for (size_t i = 0; i < sup->count; i++) {
		const struct worker *w = &sup->workers[i];

		if (w->pgid == pgid && (w->cancelled || w->waits_for))
			return true;
	}
	return false;
}

static void adopt(pid_t pid, void *data)
{
	struct supervisor *sup = data;
	struct adoptee *grown;
	char comm[32];
	pid_t pgid;

	if (is_known(sup, pid) ||
	    !children_describe(pid, comm, sizeof(comm), &pgid) ||
	    covered_by_worker(sup, pgid))
		return;
	if (sup->adopted_count == sup->adopted_cap) {
		size_t cap = sup->adopted_cap ? 2 * sup->adopted_cap : 16;

		grown = reallocarray(sup->adopted, cap, sizeof(*grown));
		if (grown == NULL) {
			/* Untracked, it would never get its SIGKILL. */
			log_warn("cannot track adopted process %d: killing it",
				 (int)pid);
			kill(pid, SIGKILL);
			return;
		}
		sup->adopted = grown;
		sup->adopted_cap = cap;
	}
	log_info("Cancelling adopted process: pid %d (%s) with %s", (int)pid,
		 comm, signal_name(sup->stop_signal));
	kill(pid, sup->stop_signal);
	kill(pid, SIGCONT);
	sup->adopted[sup->adopted_count++] = (struct adoptee){
		.pid = pid,
		.deadline = ev_now(sup->loop) + sup->settings->grace,
	};
}

static void forget_adoptee(struct supervisor *sup, pid_t pid)
{
	for (size_t i = 0; i < sup->adopted_count; i++) {
		if (sup->adopted[i].pid == pid) {
			sup->adopted[i] = sup->adopted[--sup->adopted_count];
			return;
		}
	}
}

static void kill_child(pid_t pid, void *data)
{
	(void)data;
	kill(pid, SIGKILL);
}

/* Visits every child, if there is any: the cheap check spares reading
 * /proc when the last process is gone. */
static void each_child(children_visitor *visit, void *data)
{
	if (children_remain())
		children_each(visit, data);
}

/* Grace periods --------------------------------------------------------- */

/* Arms the grace timer for the earliest deadline still pending, if any. */
static void rearm_grace_timer(struct supervisor *sup)
{
	double next = -1;

	for (size_t i = 0; i < sup->count; i++) {
		const struct worker *w = &sup->workers[i];

		if (worker_pending_kill(w) && (next < 0 || w->deadline < next))
			next = w->deadline;
	}
	for (size_t i = 0; i < sup->adopted_count; i++) {
		const struct adoptee *a = &sup->adopted[i];

		if (!a->killed && (next < 0 || a->deadline < next))
			next = a->deadline;
	}

	ev_timer_stop(sup->loop, &sup->grace_timer);
	if (next < 0)
		return;
	next -= ev_now(sup->loop);
	ev_timer_set(&sup->grace_timer, next > 0 ? next : 0, 0);
	ev_timer_start(sup->loop, &sup->grace_timer);
}

/* Appends "NAME (pid N)" to a list being built in BUF. */
static void list_append(char *buf, size_t size, const char *name, pid_t pid)
{
	char item[128];

	snprintf(item, sizeof(item), "%s%s (pid %d)", buf[0] ? ", " : "", name,
		 (int)pid);
	strlcat(buf, item, size);
}

/* Kills whatever of the cancelled is past its deadline and has the grace
 * period GRACE, or whatever grace the first one found has when GRACE is
 * negative; names them all in one line. Returns whether it found any. */
static bool kill_late_with(struct supervisor *sup, double now, double grace)
{
	char late[1024] = "";

	for (size_t i = 0; i < sup->count; i++) {
		struct worker *w = &sup->workers[i];

		if (!worker_pending_kill(w) || w->deadline > now)
			continue;
		if (grace < 0)
			grace = grace_of(sup, w);
		if (grace_of(sup, w) != grace)
			continue;
		list_append(late, sizeof(late), w->name, w->pgid);
		worker_signal(w, SIGKILL);
		w->killed = true;
		sup->facts.killed_late = true;
	}
	for (size_t i = 0; i < sup->adopted_count; i++) {
		struct adoptee *a = &sup->adopted[i];

		if (a->killed || a->deadline > now)
			continue;
		if (grace < 0)
			grace = sup->settings->grace;
		if (sup->settings->grace != grace)
			continue;
		list_append(late, sizeof(late), "adopted", a->pid);
		kill(a->pid, SIGKILL);
		a->killed = true;
	}
	if (late[0] == '\0')
		return false;
	log_warnx("During shutdown, the following tasks refused to exit after "
		  "%s: %s; sending SIGKILL",
		  duration_text(grace), late);
	return true;
}

/* One line for each grace period among those killed. */
static void kill_late(struct supervisor *sup)
{
	/* A deadline a millisecond away is due: timers may fire that early. */
	double now = ev_now(sup->loop) + 1e-3;

	while (kill_late_with(sup, now, -1))
		;
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
				 in->worker->name);
		else
			snprintf(buf, size, "%s ended with status %d",
				 in->worker->name, in->status);
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
	struct worker *hook = &sup->hook;

	sup->hook_argv[0] = "/bin/sh";
	sup->hook_argv[1] = "-c";
	sup->hook_argv[2] = (char *)sup->settings->on_shutdown;
	hook->name = "on-shutdown";
	hook->argv = sup->hook_argv;
	hook->grace = -1;
	if ((hook->path = strdup("/bin/sh")) == NULL ||
	    worker_build_env(hook, sup->settings->env_common) == -1 ||
	    worker_spawn(hook) == -1) {
		log_warn("cannot run the on-shutdown hook");
		post(sup, (struct input){.event = EVENT_HOOK_DONE});
		return;
	}
	log_info("Running the on-shutdown hook (pid %d): %s", (int)hook->pid,
		 sup->settings->on_shutdown);
	ev_timer_set(&sup->hook_timer, sup->settings->grace, 0);
	ev_timer_start(sup->loop, &sup->hook_timer);
}

/* How many workers deep the longest "after" chain below W goes: the
 * workers are cancelled one level at a time. */
static int chain_depth(const struct supervisor *sup, const struct worker *w,
		       int limit)
{
	int deepest = 0;

	if (limit == 0)
		return 0;
	for (int a = 0; a < w->after_count; a++) {
		int depth = chain_depth(sup, &sup->workers[w->after_index[a]],
					limit - 1);

		if (depth > deepest)
			deepest = depth;
	}
	return deepest + 1;
}

/* How long the shutdown may take, for systemd's stop timeout: the hook,
 * the longest grace period once for each level of "after", the wait for
 * shutdown-waits-for workers when bounded, and a second to spare. */
static unsigned long long shutdown_bound_usec(const struct supervisor *sup)
{
	double grace = sup->settings->grace;
	int levels = 1;

	for (size_t i = 0; i < sup->count; i++) {
		const struct worker *w = &sup->workers[i];
		int depth = chain_depth(sup, w, (int)sup->count);

		if (grace_of(sup, w) > grace)
			grace = grace_of(sup, w);
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
	} else if (in->event == EVENT_DECISIVE_END) {
		sup->facts.cause = CAUSE_WORKER;
		sup->facts.cause_status = in->status;
	} else {
		sup->facts.cause = CAUSE_ALL_ENDED;
	}
	log_info("Entering shutdown phase. (%s)",
		 cause_text(sup, in, cause, sizeof(cause)));
	notify_send("STOPPING=1\nSTATUS=Shutting down: %s", cause);
	notify_send("EXTEND_TIMEOUT_USEC=%llu", shutdown_bound_usec(sup));

	sup->stop_signal = sup->settings->stop_signal;
	if (sup->stop_signal == 0)
		sup->stop_signal =
			in->event == EVENT_STOP_SIGNAL ? in->signo : SIGTERM;

	/* No restart, no readiness, no late start once the shutdown has
	 * begun. */
	for (size_t i = 0; i < sup->count; i++) {
		struct worker *w = &sup->workers[i];

		ev_timer_stop(sup->loop, &w->restart_timer);
		ev_timer_stop(sup->loop, &w->ready_timeout_timer);
		ready_stop(sup->loop, w);
		w->waiting_start = false;
	}

	if (sup->settings->on_shutdown != NULL)
		start_hook(sup);
	else
		post(sup, (struct input){.event = EVENT_HOOK_DONE});
}

/* Whether a worker that comes after W still runs: W is cancelled only
 * once those are gone, so that the workers come down in the reverse of
 * their start order (independent ones at once). */
static bool has_live_dependent(const struct supervisor *sup,
			       const struct worker *w)
{
	int index = (int)(w - sup->workers);

	for (size_t i = 0; i < sup->count; i++) {
		const struct worker *other = &sup->workers[i];

		if (other->pid <= 0)
			continue;
		for (int a = 0; a < other->after_count; a++)
			if (other->after_index[a] == index)
				return true;
	}
	return false;
}

/* Cancels every running worker that nothing running depends on, except
 * the shutdown-waits-for ones. */
static void cancel_free_workers(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->count; i++) {
		struct worker *w = &sup->workers[i];

		if (w->pid > 0 && !w->cancelled && !w->waits_for &&
		    !has_live_dependent(sup, w))
			cancel_worker(sup, w);
	}
}

static void cancel(struct supervisor *sup)
{
	bool waiters = false;

	ev_timer_stop(sup->loop, &sup->hook_timer);
	log_info("Cancelling pending tasks.");
	for (size_t i = 0; i < sup->count; i++)
		if (sup->workers[i].pid > 0 && sup->workers[i].waits_for)
			waiters = true;
	cancel_free_workers(sup);
	notify_send("STATUS=Stopping: waiting for the tasks to end");
	each_child(adopt, sup);
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
		struct worker *w = &sup->workers[i];

		if (w->waits_for && !w->cancelled && worker_alive(w))
			cancel_worker(sup, w);
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
		struct worker *w = &sup->workers[i];

		if (worker_alive(w)) {
			worker_signal(w, SIGKILL);
			w->killed = true;
			sup->facts.killed_late = true;
		}
	}
	if (sup->hook.pid > 0)
		worker_signal(&sup->hook, SIGKILL);
	each_child(kill_child, NULL);
}

/* After any reap: the process may have left orphans of its own, which
 * are now aiorun's and must go the way of the rest. */
/* After reaps: the processes may have left orphans of their own, which
 * are now aiorun's and must go the way of the rest. Many reaps can come in
 * one loop iteration, so the /proc scan waits for the iteration's end
 * (orphan_scan_cb) and is done once. */
static void scan_orphans_soon(struct supervisor *sup)
{
	ev_prepare_start(sup->loop, &sup->orphan_scan);
}

static void orphan_scan_cb(struct ev_loop *loop, struct ev_prepare *watcher,
			   int revents)
{
	struct supervisor *sup = watcher->data;

	(void)revents;
	ev_prepare_stop(loop, watcher);
	if (sup->state == STATE_STOPPING) {
		cancel_free_workers(sup);
		each_child(adopt, sup);
		rearm_grace_timer(sup);
	} else if (sup->state == STATE_KILLING) {
		each_child(kill_child, NULL);
	}
}

static void finish(struct supervisor *sup)
{
	if (ev_is_active(&sup->watchdog)) {
		ev_ref(sup->loop);
		ev_timer_stop(sup->loop, &sup->watchdog);
	}
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
		scan_orphans_soon(sup);
		break;
	case ACTION_FINISH:
		finish(sup);
		break;
	case ACTION_ABANDON_OUTPUT:
		if (sup->output != NULL && output_in_flight(sup->output) > 0) {
			log_warnx("Received %s while writing out captured "
				  "output: giving up the rest",
				  signal_name(in->signo));
			output_abandon(sup->output);
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
		if (!run_forever && !workers_running(sup))
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

/* Callbacks: each turns what happened into an input. ---------------------- */

/* The shortest wait before a restart, whatever restart-delay says: a
 * worker that fails at once must not make aiorun spin. */
#define MIN_RESTART_DELAY 0.01
/* A worker up this long has started well: its next delay starts over. */
#define STABLE_UPTIME 10.0

static void record_start(struct worker *w, double now)
{
	w->starts[w->start_count % w->start_limit] = now;
	w->start_count++;
	w->started_at = now;
}

/* Whether one more start now would make more than start-limit starts
 * within its interval. */
static bool start_limit_hit(const struct worker *w, double now)
{
	double oldest;

	if (w->start_count < w->start_limit)
		return false;
	oldest = w->starts[w->start_count % w->start_limit];
	return now - oldest < w->start_interval;
}

/* What a worker needs before its first fork. */
static int prepare_worker(struct supervisor *sup, struct worker *w)
{
	if (w->path == NULL && worker_resolve(w) == -1) {
		w->status = worker_exec_failure_status(errno);
		w->spawn_step = 0;
		return -1;
	}
	if (w->envp == NULL &&
	    worker_build_env(w, sup->settings->env_common) == -1)
		return -1;
	return 0;
}

/* A start that fails counts against the start limit too: a worker that
 * cannot start at all is given up like one that keeps failing. */
/* worker_fork, with W's output captured when aiorun captures it. */
static int fork_worker(struct supervisor *sup, struct worker *w)
{
	int result;

	w->capture = sup->output != NULL;
	if (w->capture && output_attach(sup->output, w, w->capture_fds) == -1)
		return -1;
	result = worker_fork(w);
	/* The child has its own copies now, or none is coming. */
	if (w->capture) {
		close(w->capture_fds[0]);
		close(w->capture_fds[1]);
	}
	return result;
}

static int start_worker(struct supervisor *sup, struct worker *w)
{
	record_start(w, ev_now(sup->loop));
	if (prepare_worker(sup, w) == -1 || fork_worker(sup, w) == -1 ||
	    worker_await_exec(w) == -1)
		return -1;
	return 0;
}

static void log_start_failure(const struct worker *w)
{
	char why[512];

	log_errx("cannot run %s: %s", w->is_main ? w->argv[0] : w->name,
		 worker_spawn_error(w, errno, why, sizeof(why)));
}

static void schedule_restart(struct supervisor *sup, struct worker *w)
{
	double now = ev_now(sup->loop);
	double delay;

	if (now - w->started_at >= STABLE_UPTIME)
		w->next_delay = w->restart_delay;
	delay = w->next_delay > MIN_RESTART_DELAY ? w->next_delay
						  : MIN_RESTART_DELAY;
	/* A maximum below the first delay leaves the first as it is. */
	w->next_delay = 2 * delay < w->restart_max_delay ? 2 * delay
							 : w->restart_max_delay;
	if (w->next_delay < delay)
		w->next_delay = delay;
	log_info("Restarting task %s in %s", w->name, duration_text(delay));
	ev_timer_set(&w->restart_timer, delay, 0);
	ev_timer_start(sup->loop, &w->restart_timer);
}

static void log_end(const struct worker *w, int wstatus)
{
	if (WIFSIGNALED(wstatus))
		log_info("Task %s ended by %s", w->name,
			 signal_name(WTERMSIG(wstatus)));
	else
		log_info("Task %s exited with status %d", w->name,
			 WEXITSTATUS(wstatus));
}

/* W's process ended with WSTATUS (as from waitpid). While running, its
 * restart policy and --stop-on decide what follows; once the shutdown has
 * begun, nothing does. */
static void worker_ended(struct supervisor *sup, struct worker *w, int wstatus)
{
	int status = wait_status_code(wstatus);
	bool by_aiorun = WIFSIGNALED(wstatus) && (w->cancelled || w->killed);
	struct end_facts facts = {
		.is_main = w->is_main,
		.run_forever = sup->settings->run_forever,
		.restart = w->restart,
		.stop_on = sup->settings->stop_on,
		.failed = status != 0 && !by_aiorun,
		.limit_hit = start_limit_hit(w, ev_now(sup->loop)),
	};
	struct end_outcome out;

	w->pid = 0;
	w->status = status;
	ready_stop(sup->loop, w);
	ev_timer_stop(sup->loop, &w->ready_timeout_timer);
	worker_release_terminal(w);
	log_end(w, wstatus);
	if (w->is_main)
		sup->facts.program_status = status;
	if (sup->state != STATE_RUNNING)
		return;

	out = fsm_worker_end(&facts);
	if (out.given_up)
		log_warnx("Task %s reached its start limit (%d starts within "
			  "%s): giving up",
			  w->name, w->start_limit,
			  duration_text(w->start_interval));
	/* A worker given up counts as failed, even after a clean exit. */
	if (out.failed && status == 0)
		status = 1;
	if (out.failed && sup->facts.first_failure < 0)
		sup->facts.first_failure = status;

	if (out.verdict == VERDICT_RESTART)
		schedule_restart(sup, w);
	else if (out.verdict == VERDICT_SHUTDOWN)
		post(sup, (struct input){.event = EVENT_DECISIVE_END,
					 .worker = w,
					 .status = status});
}

/* W could not be started (again): as if it had run and failed, its
 * policy decides what follows. */
static void start_failed(struct supervisor *sup, struct worker *w)
{
	log_start_failure(w);
	worker_ended(sup, w,
		     w->status >= 0 ? W_EXITCODE(w->status, 0)
				    : W_EXITCODE(EXIT_OSERR, 0));
}

static void restart_cb(struct ev_loop *loop, struct ev_timer *timer,
		       int revents)
{
	struct supervisor *sup = timer->data;
	struct worker *w = WORKER_OF(timer, restart_timer);

	(void)loop;
	(void)revents;
	/* Only exec's failure sets a status: otherwise EXIT_OSERR below. */
	w->status = -1;
	if (start_worker(sup, w) == 0) {
		log_info("Restarted task %s (pid %d)", w->name, (int)w->pid);
		watch_readiness(sup, w);
		return;
	}
	start_failed(sup, w);
	dispatch(sup);
}

static void reaper_cb(struct ev_loop *loop, struct ev_child *watcher,
		      int revents)
{
	struct supervisor *sup = watcher->data;
	int status = wait_status_code(watcher->rstatus);
	pid_t pid = watcher->rpid;
	struct worker *w;

	(void)revents;
	if (status < 0)
		return;
	for (size_t i = 0; i < sup->count; i++) {
		if (ready_reaped(loop, &sup->workers[i], pid, status)) {
			/* An exec: probe may have been cancelled as adopted. */
			forget_adoptee(sup, pid);
			post(sup, (struct input){.event = EVENT_REAPED});
			return;
		}
	}
	if ((w = worker_by_pid(sup, pid)) != NULL) {
		worker_ended(sup, w, watcher->rstatus);
	} else if (pid == sup->hook.pid) {
		sup->hook.pid = 0;
		if (status != 0)
			log_warnx("the on-shutdown hook ended with status %d",
				  status);
		post(sup, (struct input){.event = EVENT_HOOK_DONE});
	} else {
		log_debug("Reaped adopted process %d (status %d)", (int)pid,
			  status);
		forget_adoptee(sup, pid);
	}

	post(sup, (struct input){.event = EVENT_REAPED});
}

static void hook_timer_cb(struct ev_loop *loop, struct ev_timer *timer,
			  int revents)
{
	struct supervisor *sup = timer->data;

	(void)loop;
	(void)revents;
	log_warnx("the on-shutdown hook is still running after %s: killing it",
		  duration_text(sup->settings->grace));
	worker_signal(&sup->hook, SIGKILL);
	post(sup, (struct input){.event = EVENT_HOOK_DONE});
}

static void grace_timer_cb(struct ev_loop *loop, struct ev_timer *timer,
			   int revents)
{
	(void)loop;
	(void)revents;
	post(timer->data, (struct input){.event = EVENT_GRACE_EXPIRED});
}

static void wait_timer_cb(struct ev_loop *loop, struct ev_timer *timer,
			  int revents)
{
	(void)loop;
	(void)revents;
	post(timer->data, (struct input){.event = EVENT_WAIT_EXPIRED});
}

static void watchdog_cb(struct ev_loop *loop, struct ev_timer *timer,
			int revents)
{
	(void)loop;
	(void)timer;
	(void)revents;
	notify_send("WATCHDOG=1");
}

/* READY=1 to systemd once every worker is started and ready. */
static void check_all_ready(struct supervisor *sup)
{
	if (sup->ready_sent)
		return;
	for (size_t i = 0; i < sup->count; i++)
		if (!sup->workers[i].is_ready)
			return;
	sup->ready_sent = true;
	notify_send("READY=1\nSTATUS=Running %zu tasks", sup->count);
}

static void start_waiting(struct supervisor *sup);

static void on_ready(struct worker *w, void *data)
{
	struct supervisor *sup = data;

	w->is_ready = true;
	ev_timer_stop(sup->loop, &w->ready_timeout_timer);
	if (w->ready != READY_STARTED)
		log_info("Task %s is ready", w->name);
	if (sup->state == STATE_RUNNING)
		start_waiting(sup);
	check_all_ready(sup);
}

static void ready_timeout_cb(struct ev_loop *loop, struct ev_timer *timer,
			     int revents)
{
	struct supervisor *sup = timer->data;
	struct worker *w = WORKER_OF(timer, ready_timeout_timer);

	(void)revents;
	ready_stop(loop, w);
	log_warnx("Task %s is not ready after %s: it counts as failed", w->name,
		  duration_text(w->ready_timeout));
	if (sup->facts.first_failure < 0)
		sup->facts.first_failure = 1;
	if (sup->settings->stop_on != STOP_ON_NONE)
		post(sup, (struct input){.event = EVENT_DECISIVE_END,
					 .worker = w,
					 .status = 1,
					 .not_ready = true});
}

/* W has just started: its readiness is watched, within its timeout. */
static void watch_readiness(struct supervisor *sup, struct worker *w)
{
	if (w->ready != READY_STARTED && w->ready_timeout > 0) {
		ev_timer_set(&w->ready_timeout_timer, w->ready_timeout, 0);
		ev_timer_start(sup->loop, &w->ready_timeout_timer);
	}
	ready_start(sup->loop, w, on_ready, sup);
}

static bool dependencies_ready(const struct supervisor *sup,
			       const struct worker *w)
{
	for (int a = 0; a < w->after_count; a++)
		if (!sup->workers[w->after_index[a]].is_ready)
			return false;
	return true;
}

/* Starts the workers held back whose dependencies are all ready now. */
static void start_waiting(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->count; i++) {
		struct worker *w = &sup->workers[i];

		if (!w->waiting_start || !dependencies_ready(sup, w))
			continue;
		w->waiting_start = false;
		if (start_worker(sup, w) == 0) {
			log_info("Started task %s (pid %d) after %s%s", w->name,
				 (int)w->pid, w->after[0],
				 w->after_count > 1 ? " and others" : "");
			watch_readiness(sup, w);
			continue;
		}
		start_failed(sup, w);
	}
}

void supervisor_signal(int signo, void *data)
{
	struct supervisor *sup = data;

	if (signals_is_stop(signo)) {
		post(sup, (struct input){.event = EVENT_STOP_SIGNAL,
					 .signo = signo});
		return;
	}
	for (size_t i = 0; i < sup->count; i++) {
		struct worker *w = &sup->workers[i];

		if (w->pid <= 0)
			continue;
		log_debug("Forwarding %s to %s (pid %d)", signal_name(signo),
			  w->name, (int)w->pid);
		if (worker_signal(w, signo) == -1 && errno != ESRCH)
			log_warn("cannot forward %s to %s", signal_name(signo),
				 w->name);
	}
}

struct supervisor *supervisor_create(struct ev_loop *loop,
				     const struct settings *settings,
				     struct output *output)
{
	struct supervisor *sup = calloc(1, sizeof(*sup));

	if (sup == NULL)
		return NULL;
	sup->loop = loop;
	sup->settings = settings;
	sup->output = output;
	sup->workers = settings->workers;
	sup->count = settings->worker_count;
	sup->state = STATE_RUNNING;
	sup->facts = (struct exit_facts){
		.cause = CAUSE_NONE,
		.program_status = -1,
		.first_failure = -1,
	};
	for (size_t i = 0; i < sup->count; i++) {
		struct worker *w = &sup->workers[i];

		if (w->is_main)
			sup->facts.has_program = true;
		w->next_delay = w->restart_delay;
		w->starts = calloc((size_t)w->start_limit, sizeof(*w->starts));
		if (w->starts == NULL) {
			supervisor_destroy(sup);
			return NULL;
		}
		ev_init(&w->restart_timer, restart_cb);
		w->restart_timer.data = sup;
		ev_init(&w->ready_timeout_timer, ready_timeout_cb);
		w->ready_timeout_timer.data = sup;
		w->notify_fd = -1;
		if (w->ready == READY_NOTIFY && sup->notify_dir == NULL) {
			char dir[] = "/tmp/aiorun-notify-XXXXXX";

			/* mkdtemp makes it 0700: the sockets are ours. */
			if (mkdtemp(dir) == NULL ||
			    (sup->notify_dir = strdup(dir)) == NULL) {
				supervisor_destroy(sup);
				return NULL;
			}
		}
		if (ready_prepare(w, sup->notify_dir) == -1) {
			supervisor_destroy(sup);
			return NULL;
		}
	}

	/* pid 0: every child, adopted orphans included. */
	ev_child_init(&sup->reaper, reaper_cb, 0, 0);
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
	ev_init(&sup->watchdog, watchdog_cb);
	return sup;
}

/* Stops whatever was started before a failed start: nothing may be left
 * running when aiorun exits with its own failure status. */
static void abort_start(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->count; i++) {
		struct worker *w = &sup->workers[i];

		if (w->pid > 0) {
			worker_signal(w, SIGKILL);
			while (waitpid(w->pid, NULL, 0) == -1 && errno == EINTR)
				;
			w->pid = 0;
		}
	}
}

/* Workers forked before any is awaited: their programs load in
 * parallel. The batch stays well below the usual limit of 1024 open
 * descriptors, one of which each pending child holds. */
#define START_BATCH 64

int supervisor_start(struct supervisor *sup, int *exit_status)
{
	double now = ev_now(sup->loop);

	for (size_t first = 0; first < sup->count; first += START_BATCH) {
		size_t end = first + START_BATCH < sup->count
				     ? first + START_BATCH
				     : sup->count;
		size_t forked = first;
		struct worker *failed = NULL;
		int error = 0;

		while (forked < end && failed == NULL) {
			struct worker *w = &sup->workers[forked];

			/* Held back until what it comes after is ready. */
			if (w->after_count > 0) {
				w->waiting_start = true;
				forked++;
				continue;
			}
			if (prepare_worker(sup, w) == -1 ||
			    fork_worker(sup, w) == -1) {
				failed = w;
				error = errno;
			} else {
				forked++;
			}
		}
		for (size_t i = first; i < forked; i++) {
			struct worker *w = &sup->workers[i];

			if (w->waiting_start)
				continue;
			if (worker_await_exec(w) == -1) {
				if (failed == NULL) {
					failed = w;
					error = errno;
				}
				continue;
			}
			record_start(w, now);
			log_debug("Started task %s (pid %d)", w->name,
				  (int)w->pid);
		}
		if (failed != NULL) {
			errno = error;
			log_start_failure(failed);
			/* A status means exec's fault; none, the system's. */
			*exit_status = failed->status >= 0 ? failed->status
							   : EXIT_OSERR;
			abort_start(sup);
			return -1;
		}
	}
	/* Those held back by "after" are watched as they start. */
	for (size_t i = 0; i < sup->count; i++)
		if (sup->workers[i].pid > 0 && sup->workers[i].after_count == 0)
			watch_readiness(sup, &sup->workers[i]);
	check_all_ready(sup);
	if (notify_watchdog_interval() > 0) {
		double every = notify_watchdog_interval();

		ev_timer_set(&sup->watchdog, every, every);
		ev_timer_start(sup->loop, &sup->watchdog);
		/* The pings must not keep the loop running by themselves. */
		ev_unref(sup->loop);
	}
	return 0;
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
	if (ev_is_active(&sup->watchdog)) {
		ev_ref(sup->loop);
		ev_timer_stop(sup->loop, &sup->watchdog);
	}
	for (size_t i = 0; i < sup->count; i++) {
		struct worker *w = &sup->workers[i];

		ev_timer_stop(sup->loop, &w->restart_timer);
		ev_timer_stop(sup->loop, &w->ready_timeout_timer);
		ready_stop(sup->loop, w);
		ready_finish(w);
	}
	if (sup->notify_dir != NULL)
		rmdir(sup->notify_dir);
	free(sup->notify_dir);
	worker_finish(&sup->hook);
	free(sup->adopted);
	free(sup);
}
