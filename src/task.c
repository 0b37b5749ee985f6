#include "task.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "output.h"
#include "parse.h"
#include "systemd.h"
#include "terminal.h"

/* An event with what it carries. */
struct task_input {
	enum task_event event;
	struct end_outcome outcome; /* END events: what follows */
	int status;                 /* END events: what it counts as */
	const char *why;            /* TEV_SKIP: what cannot be */
};

static void task_dispatch(struct task *t, struct task_input in);

double task_grace(const struct task *t)
{
	return t->def->grace >= 0 ? t->def->grace : t->ctx->settings->grace;
}

int task_signal(const struct task *t, int signo)
{
	if (t->pgid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(-t->pgid, signo);
}

int task_probe_command(struct task *t, struct probe *p, const char *command,
		       double limit)
{
	char *argv[] = {"/bin/sh", "-c", (char *)command, NULL};
	struct spawn_plan plan = {
		.path = "/bin/sh",
		.argv = argv,
		.envp = t->envp,
		.directory = t->def->directory,
		.no_input = true,
		.out_fd = -1,
		.err_fd = -1,
		.quiet = true,
	};

	return probe_exec(p, &plan, limit);
}

bool task_alive(const struct task *t)
{
	return t->pid > 0 || (t->pgid > 0 && kill(-t->pgid, 0) == 0);
}

bool task_pending_kill(const struct task *t)
{
	return t->sent == SENT_STOP && task_alive(t);
}

bool task_active(const struct task *t)
{
	return t->pid > 0 || t->state == TASK_BACKOFF ||
	       t->state == TASK_STOPPED;
}

/* Socket activation ----------------------------------------------------- */

/* Socket activation: when systemd passed sockets to aiorun itself, they
 * go on to one task, PROGRAM unless --listen-fds names another, which
 * gets them at 3 and up with LISTEN_PID its own. No other task sees
 * them. */
void task_pass_sockets(struct task **tasks, size_t count, const char *name)
{
	const char *names;
	int fds = systemd_listen_fds(&names);

	if (fds == 0)
		return;
	for (size_t i = 0; i < count; i++) {
		struct task *t = tasks[i];

		if (name != NULL ? strcmp(t->def->name, name) == 0
				 : t->def->is_main) {
			t->listen_fds = fds;
			t->listen_names = names;
			return;
		}
	}
	log_warnx("LISTEN_FDS: no PROGRAM to pass %d sockets to", fds);
}

/* Starting ---------------------------------------------------------------- */

void task_record_start(struct task *t, double now)
{
	if (t->def->start_limit > 0)
		t->starts[t->start_count % t->def->start_limit] = now;
	t->start_count++;
	t->started_at = now;
}

static char *format_var(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *format_var(const char *fmt, ...)
{
	va_list ap;
	char *var;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&var, fmt, ap);
	va_end(ap);
	return n == -1 ? NULL : var;
}

/* The environment's own entries: AIORUN_WORKER_NAME, PORT, NOTIFY_SOCKET for
 * "ready = notify", and the LISTEN_* of the sockets passed on, with room
 * in LISTEN_PID for the digits of the pid that the child writes. */
static int build_environment(struct task *t)
{
	const struct worker *w = t->def;
	char **vars = t->vars;
	int n = 0;

	if ((vars[n++] = format_var("AIORUN_WORKER_NAME=%s", w->name)) == NULL)
		return -1;
	/* Last of the layers: nothing overrides a Procfile's PORT. */
	if (w->port > 0 && (vars[n++] = format_var("PORT=%d", w->port)) == NULL)
		return -1;
	if (t->listen_fds > 0) {
		if ((vars[n++] = format_var("LISTEN_FDS=%d", t->listen_fds)) ==
		    NULL)
			return -1;
		if (t->listen_names != NULL &&
		    (vars[n++] = format_var("LISTEN_FDNAMES=%s",
					    t->listen_names)) == NULL)
			return -1;
		if ((vars[n++] = format_var("LISTEN_PID=%024d", 0)) == NULL)
			return -1;
		strcpy(vars[n - 1], "LISTEN_PID=0");
		t->plan.listen_pid = vars[n - 1];
		t->plan.listen_fds = t->listen_fds;
	}
	/* Its own socket's entry belongs to the probe. */
	vars[n++] = t->probe.notify_var;
	t->envp = spawn_environment(t->ctx->settings->env_common, w->env, vars);
	vars[n - 1] = NULL;
	return t->envp == NULL ? -1 : 0;
}

/* What a start needs before the fork: the program found along PATH and
 * the whole environment, made once. */
static int prepare(struct task *t)
{
	const struct worker *w = t->def;
	char *path;

	if (t->envp == NULL && build_environment(t) == -1)
		return -1;
	t->plan.envp = t->envp;
	if (t->plan.path != NULL)
		return 0;
	if (spawn_resolve(w->argv[0], &path) == -1) {
		t->child.step = 0;
		t->status = spawn_failure_status(errno);
		return -1;
	}
	t->plan.path = path;
	return 0;
}

static void log_start_failure(const struct task *t, int error)
{
	char why[512];

	log_errx(
		"cannot run %s: %s",
		t->def->is_main ? t->def->argv[0] : t->def->name,
		spawn_error_text(&t->plan, &t->child, error, why, sizeof(why)));
}

int task_fork(struct task *t)
{
	int capture[2] = {-1, -1};
	int result;

	if (prepare(t) == -1)
		return -1;
	t->took_terminal = t->def->foreground && terminal_is_ours();
	t->plan.take_terminal = t->took_terminal;
	if (t->ctx->output != NULL &&
	    output_attach(t->ctx->output, t->def, capture) == -1)
		return -1;
	t->plan.tty = t->def->tty && capture[0] >= 0 && capture[1] < 0;
	t->plan.tty_fd = t->plan.tty ? capture[0] : -1;
	t->plan.out_fd = t->plan.tty ? -1 : capture[0];
	t->plan.err_fd = capture[1];
	result = spawn_start(&t->plan, &t->child);
	/* The child has its own copies now, or none is coming. */
	for (int i = 0; i < 2; i++)
		if (capture[i] >= 0)
			close(capture[i]);
	t->plan.out_fd = t->plan.err_fd = t->plan.tty_fd = -1;
	if (result == -1)
		return -1;
	t->pid = t->pgid = t->child.pid;
	t->sent = SENT_NOTHING;
	return 0;
}

int task_await(struct task *t)
{
	int error;

	if (spawn_await(&t->child) == 0)
		return 0;
	/* The child may have taken the terminal before its exec failed:
	 * its group is gone, and a shell's next read would fail. */
	error = errno;
	if (t->took_terminal) {
		t->took_terminal = false;
		terminal_take_back(0);
	}
	errno = error;
	t->pid = t->pgid = 0;
	t->status = spawn_failure_status(errno);
	return -1;
}

/* Starts T now. Returns 0, or -1 with errno set after logging why. */
static int start_now(struct task *t)
{
	/* Only exec's failure sets a status: otherwise EXIT_OSERR. */
	t->status = -1;
	task_record_start(t, ev_now(t->ctx->loop));
	if (task_fork(t) == -1 || task_await(t) == -1) {
		int error = errno;

		log_start_failure(t, error);
		errno = error;
		return -1;
	}
	return 0;
}

/* Ends ----------------------------------------------------------------- */

/* A failure is a warning, so that -q still says which worker failed and
 * why. */
static void log_end(const struct task *t, int wstatus, bool failed)
{
	void (*log)(const char *, ...) = failed ? log_warnx : log_info;

	if (WIFSIGNALED(wstatus))
		log("Task %s ended by %s", t->def->name,
		    signal_name(WTERMSIG(wstatus)));
	else
		log("Task %s exited with status %d", t->def->name,
		    WEXITSTATUS(wstatus));
}

/* What T's end with WSTATUS leads to: its restart policy first, then
 * --stop-on (fsm_worker_end). */
static struct task_input judge_end(const struct task *t, int wstatus)
{
	const struct settings *s = t->ctx->settings;
	int status = wait_status_code(wstatus);
	bool by_aiorun = WIFSIGNALED(wstatus) && t->sent != SENT_NOTHING;
	struct end_facts facts = {
		.shutting_down = t->ctx->shutting_down,
		.by_request = t->state == TASK_HALTING,
		.is_main = t->def->is_main,
		.run_forever = s->run_forever,
		.restart = t->def->restart,
		.stop_on = s->stop_on,
		.failed = (status != 0 && !by_aiorun) ||
			  t->state == TASK_UNHEALTHY,
		.limit_hit = fsm_start_limit_hit(
			t->starts, t->def->start_limit, t->start_count,
			t->def->start_interval, ev_now(t->ctx->loop)),
	};
	struct task_input in = {.outcome = fsm_worker_end(&facts)};

	/* A worker given up counts as failed, even after a clean exit. */
	in.status = in.outcome.failed && status == 0 ? 1 : status;
	in.event = fsm_end_event(&in.outcome);
	return in;
}

void task_reaped(struct task *t, int wstatus)
{
	struct task_input in;

	t->pid = 0;
	t->status = t->last_status = wait_status_code(wstatus);
	ready_stop(t);
	health_stop(t);
	if (t->took_terminal) {
		t->took_terminal = false;
		terminal_take_back(t->pgid);
	}
	/* Its last words first. */
	if (t->ctx->output != NULL)
		output_collect(t->ctx->output, t->def);
	log_end(t, wstatus,
		(t->status != 0 &&
		 !(WIFSIGNALED(wstatus) && t->sent != SENT_NOTHING)) ||
			t->state == TASK_UNHEALTHY);
	in = judge_end(t, wstatus);
	task_dispatch(t, in);
}

/* T could not be started (again): as if it had run and failed, its
 * policy decides what follows. */
static struct task_input start_failed(struct task *t)
{
	int status = t->status >= 0 ? t->status : EXIT_OSERR;

	t->last_status = status;
	return judge_end(t, W_EXITCODE(status, 0));
}

/* Actions ---------------------------------------------------------------- */

static void restart_cb(struct ev_loop *loop, struct ev_timer *timer,
		       int revents)
{
	struct task *t = timer->data;

	(void)loop;
	(void)revents;
	task_post(t, TEV_RESTART_DUE);
}

/* TACT_SPAWN: EVENT says why, for the log and the restart count: a
 * restart of the policy's, the turn of a worker held back by "after"
 * (TEV_START comes only to a waiting one), or a start asked for. Returns
 * whether a follow-up event is in *NEXT. */
static bool spawn_action(struct task *t, enum task_event event,
			 struct task_input *next)
{
	const struct worker *w = t->def;
	bool by_policy = event == TEV_RESTART_DUE;

	ev_timer_stop(t->ctx->loop, &t->restart_timer);
	/* RESTARTS counts what the policy did, not "aiorunctl start". */
	if (by_policy)
		t->restarts++;
	if (start_now(t) == -1) {
		*next = start_failed(t);
		return true;
	}
	if (by_policy)
		log_info("Restarted task %s (pid %d)", w->name, (int)t->pid);
	else if (event == TEV_START && w->after_count > 0)
		log_info("Started task %s (pid %d) after %s%s", w->name,
			 (int)t->pid, w->after[0],
			 w->after_count > 1 ? " and others" : "");
	else
		log_info("Started task %s (pid %d)", w->name, (int)t->pid);
	health_reset(t);
	ready_start(t);
	return false;
}

static void schedule_restart(struct task *t)
{
	double delay = fsm_restart_delay(&t->next_delay, t->def->restart_delay,
					 t->def->restart_max_delay,
					 ev_now(t->ctx->loop) - t->started_at);

	log_info("Restarting task %s in %s", t->def->name,
		 duration_text(delay));
	ev_timer_set(&t->restart_timer, delay, 0);
	ev_timer_start(t->ctx->loop, &t->restart_timer);
}

static void report_end(struct task *t, const struct task_input *in)
{
	if (in->outcome.given_up)
		log_warnx("Task %s reached its start limit (%d starts within "
			  "%s): giving up",
			  t->def->name, t->def->start_limit,
			  duration_text(t->def->start_interval));
	t->ctx->ended(t, &in->outcome, in->status, false, t->ctx->owner);
}

static void not_ready(struct task *t)
{
	struct end_outcome out = {
		.verdict = t->ctx->settings->stop_on != STOP_ON_NONE
				   ? VERDICT_SHUTDOWN
				   : VERDICT_NOTHING,
		.failed = true,
	};

	log_warnx("Task %s is not ready after %s: it counts as failed",
		  t->def->name, duration_text(t->def->ready_timeout));
	t->ctx->ended(t, &out, 1, true, t->ctx->owner);
}

/* T's stop signal: its own, else --stop-signal; else, for PROGRAM, the
 * signal that began the shutdown (SIGINT or SIGTERM), and for a shell
 * COMMAND, SIGTERM: the jobs a non-interactive shell starts with '&'
 * ignore SIGINT. */
static int stop_signal(const struct task *t)
{
	if (t->def->stop_signal != 0)
		return t->def->stop_signal;
	if (t->ctx->settings->stop_signal != 0)
		return t->ctx->settings->stop_signal;
	/* PROGRAM gets the signal that began the shutdown; outside one (a
	 * stop or restart by aiorunctl) there is none, and SIGTERM it is. */
	if (t->def->is_main && t->ctx->stop_signal != 0)
		return t->ctx->stop_signal;
	return SIGTERM;
}

/* Sends T its stop signal, then SIGCONT so that a stopped worker can act
 * on it, and starts its grace period. */
static void cancel(struct task *t)
{
	int signo = stop_signal(t);

	log_info("Cancelling task: %s (pid %d) with %s", t->def->name,
		 (int)t->pid, signal_name(signo));
	if (task_signal(t, signo) == -1 && errno != ESRCH)
		log_warn("cannot signal %s (pid %d)", t->def->name,
			 (int)t->pid);
	if (signo != SIGCONT)
		task_signal(t, SIGCONT);
	t->sent = SENT_STOP;
	t->deadline = ev_now(t->ctx->loop) + task_grace(t);
}

static void kill_group(struct task *t)
{
	if (!task_alive(t))
		return;
	task_signal(t, SIGKILL);
	t->sent = SENT_KILL;
}

/* Carries ACTION out. Returns whether it led to a follow-up event, in
 * *NEXT. */
static bool perform(struct task *t, enum task_action action,
		    const struct task_input *in, struct task_input *next)
{
	switch (action) {
	case TACT_NONE:
		break;
	case TACT_SPAWN:
		/* A start asked for is a fresh start: no start limit and no
		 * backoff carried over (SPEC section 9). */
		if (in->event == TEV_START_REQUEST) {
			t->start_count = 0;
			t->next_delay = t->def->restart_delay;
		}
		return spawn_action(t, in->event, next);
	case TACT_WATCH:
		log_debug("Started task %s (pid %d)", t->def->name,
			  (int)t->pid);
		health_reset(t);
		ready_start(t);
		break;
	case TACT_READY:
		t->ready_seen = true;
		ready_stop(t);
		if (t->def->ready != READY_STARTED)
			log_info("Task %s is ready", t->def->name);
		health_start(t);
		t->ctx->ready(t, t->ctx->owner);
		break;
	case TACT_NOT_READY:
		not_ready(t);
		break;
	case TACT_SCHEDULE:
		report_end(t, in);
		schedule_restart(t);
		break;
	case TACT_END:
		report_end(t, in);
		break;
	case TACT_DISARM:
		ev_timer_stop(t->ctx->loop, &t->restart_timer);
		ready_stop(t);
		health_stop(t);
		break;
	case TACT_CANCEL:
		health_stop(t);
		cancel(t);
		break;
	case TACT_KILL:
		health_stop(t);
		kill_group(t);
		break;
	case TACT_UNHEALTHY:
		health_stop(t);
		cancel(t);
		if (t->ctx->cancelled != NULL)
			t->ctx->cancelled(t, t->ctx->owner);
		break;
	case TACT_SKIP:
		log_info("Task %s is skipped: %s", t->def->name,
			 in->why != NULL ? in->why : "its turn cannot come");
		break;
	}
	return false;
}

/* Each step sets the state before its action: an action may post events
 * of its own (a task that becomes ready at once), and those find the
 * state the table gave. */
static void task_dispatch(struct task *t, struct task_input in)
{
	struct task_input next;

	for (;;) {
		struct task_step step = fsm_task_step(t->state, in.event);
		enum task_state from = t->state;

		log_debug("task %s: %s, event %s: now %s", t->def->name,
			  fsm_task_state_name(from),
			  fsm_task_event_name(in.event),
			  fsm_task_state_name(step.next));
		t->state = step.next;
		if (!perform(t, step.action, &in, &next))
			break;
		in = next;
	}
	if (t->ctx->changed != NULL)
		t->ctx->changed(t, t->ctx->changed_data);
}

void task_post(struct task *t, enum task_event event)
{
	task_dispatch(t, (struct task_input){.event = event});
}

void task_skip(struct task *t, const char *why)
{
	task_dispatch(t, (struct task_input){.event = TEV_SKIP, .why = why});
}

int task_init(struct task *t, struct task_context *ctx,
	      const struct worker *def, const char *notify_dir)
{
	*t = (struct task){
		.def = def,
		.ctx = ctx,
		.state = TASK_WAITING,
		.status = -1,
		.last_status = -1,
		.next_delay = def->restart_delay,
		.plan =
			{
				.argv = def->argv,
				.directory = def->directory,
				.set_uid = def->set_uid,
				.set_gid = def->set_gid,
				.uid = def->uid,
				.gid = def->gid,
				.groups = def->groups,
				.group_count = def->group_count,
				/* Only PROGRAM reads aiorun's standard input:
				 * another worker reading a terminal would be
				 * stopped by SIGTTIN. */
				.no_input = !def->is_main,
				.out_fd = -1,
				.err_fd = -1,
			},
		.child = {.exec_fd = -1},
		/* Closed by task_finish however far this goes. */
		.probe = {.notify_fd = -1, .attempt = {.fd = -1}},
		.health = {.check = {.fd = -1}},
	};
	ev_init(&t->restart_timer, restart_cb);
	t->restart_timer.data = t;
	health_init(t);
	if (def->start_limit > 0 &&
	    (t->starts = calloc((size_t)def->start_limit,
				sizeof(*t->starts))) == NULL)
		return -1;
	return ready_prepare(t, notify_dir);
}

void task_redefine(struct task *t, const struct worker *def)
{
	t->def = def;
	t->plan.argv = def->argv;
	t->plan.directory = def->directory;
	t->plan.groups = def->groups;
	/* The environment points into the old definition's strings: made
	 * again at the next start. */
	free(t->envp);
	t->envp = NULL;
	t->plan.envp = NULL;
	t->plan.listen_pid = NULL;
	for (size_t i = 0; i < sizeof(t->vars) / sizeof(t->vars[0]); i++) {
		free(t->vars[i]);
		t->vars[i] = NULL;
	}
}

void task_finish(struct task *t)
{
	ev_timer_stop(t->ctx->loop, &t->restart_timer);
	ready_stop(t);
	health_stop(t);
	ready_finish(t);
	free(t->starts);
	free(t->envp);
	free((char *)t->plan.path);
	for (size_t i = 0; i < sizeof(t->vars) / sizeof(t->vars[0]); i++)
		free(t->vars[i]);
	*t = (struct task){0};
}
