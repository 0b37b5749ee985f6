#include "fsm.h"

#include <signal.h>

/* clang-format off */
#define STEP(act, st) {ACTION_##act, STATE_##st}
#define STAY(st) {ACTION_NONE, STATE_##st}

/* Rows are states, columns events. Reading one cell answers one question,
 * such as "what does a second SIGTERM do while stopping?" (kill
 * everything). A first stop request in a shutdown that a worker's end
 * began asks for what is under way already: the hook, the grace periods
 * and the shutdown-waits-for workers keep their time, as they would have
 * had the signal come first. */
static const struct fsm_step table[STATE_COUNT][EVENT_COUNT] = {
	[STATE_RUNNING] = {
		[EVENT_STOP_SIGNAL] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_DECISIVE_END] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_ALL_ENDED] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_ALL_GONE] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_HOOK_DONE] = STAY(RUNNING),
		/* A worker stopped on request ("aiorunctl stop") is past
		 * its grace. */
		[EVENT_GRACE_EXPIRED] = STEP(KILL_LATE, RUNNING),
		[EVENT_WAIT_EXPIRED] = STAY(RUNNING),
		[EVENT_REAPED] = STAY(RUNNING),
		[EVENT_OUTPUT_CLOSED] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_SHUTDOWN_REQUEST] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_STOP_AGAIN] = STEP(BEGIN_SHUTDOWN, HOOK),
	},
	[STATE_HOOK] = {
		[EVENT_STOP_SIGNAL] = STEP(NOTE_STOP, HOOK),
		[EVENT_DECISIVE_END] = STAY(HOOK),
		[EVENT_ALL_ENDED] = STAY(HOOK),
		[EVENT_ALL_GONE] = STAY(HOOK),
		[EVENT_HOOK_DONE] = STEP(CANCEL, STOPPING),
		[EVENT_GRACE_EXPIRED] = STAY(HOOK),
		[EVENT_WAIT_EXPIRED] = STAY(HOOK),
		[EVENT_REAPED] = STAY(HOOK),
		[EVENT_OUTPUT_CLOSED] = STAY(HOOK),
		[EVENT_SHUTDOWN_REQUEST] = STAY(HOOK),
		[EVENT_STOP_AGAIN] = STEP(KILL_ALL, KILLING),
	},
	[STATE_STOPPING] = {
		[EVENT_STOP_SIGNAL] = STEP(NOTE_STOP, STOPPING),
		[EVENT_DECISIVE_END] = STAY(STOPPING),
		[EVENT_ALL_ENDED] = STAY(STOPPING),
		[EVENT_ALL_GONE] = STEP(FINISH, DONE),
		[EVENT_HOOK_DONE] = STAY(STOPPING),
		[EVENT_GRACE_EXPIRED] = STEP(KILL_LATE, STOPPING),
		[EVENT_WAIT_EXPIRED] = STEP(CANCEL_WAITERS, STOPPING),
		[EVENT_REAPED] = STEP(CANCEL_ORPHANS, STOPPING),
		[EVENT_OUTPUT_CLOSED] = STAY(STOPPING),
		[EVENT_SHUTDOWN_REQUEST] = STAY(STOPPING),
		[EVENT_STOP_AGAIN] = STEP(KILL_ALL, KILLING),
	},
	[STATE_KILLING] = {
		[EVENT_STOP_SIGNAL] = STAY(KILLING),
		[EVENT_DECISIVE_END] = STAY(KILLING),
		[EVENT_ALL_ENDED] = STAY(KILLING),
		[EVENT_ALL_GONE] = STEP(FINISH, DONE),
		[EVENT_HOOK_DONE] = STAY(KILLING),
		[EVENT_GRACE_EXPIRED] = STAY(KILLING),
		[EVENT_WAIT_EXPIRED] = STAY(KILLING),
		[EVENT_REAPED] = STEP(KILL_ORPHANS, KILLING),
		[EVENT_OUTPUT_CLOSED] = STAY(KILLING),
		[EVENT_SHUTDOWN_REQUEST] = STAY(KILLING),
		[EVENT_STOP_AGAIN] = STAY(KILLING),
	},
	[STATE_DONE] = {
		[EVENT_STOP_SIGNAL] = STEP(NOTE_STOP, DONE),
		[EVENT_DECISIVE_END] = STAY(DONE),
		[EVENT_ALL_ENDED] = STAY(DONE),
		[EVENT_ALL_GONE] = STAY(DONE),
		[EVENT_HOOK_DONE] = STAY(DONE),
		[EVENT_GRACE_EXPIRED] = STAY(DONE),
		[EVENT_WAIT_EXPIRED] = STAY(DONE),
		[EVENT_REAPED] = STAY(DONE),
		[EVENT_OUTPUT_CLOSED] = STAY(DONE),
		[EVENT_SHUTDOWN_REQUEST] = STAY(DONE),
		[EVENT_STOP_AGAIN] = STEP(ABANDON_OUTPUT, DONE),
	},
};

/* clang-format on */

struct fsm_step fsm_step(enum sup_state state, enum sup_event event)
{
	return table[state][event];
}

const char *fsm_state_name(enum sup_state state)
{
	static const char *const names[STATE_COUNT] = {
		"running", "hook", "stopping", "killing", "done",
	};
	return names[state];
}

const char *fsm_event_name(enum sup_event event)
{
	static const char *const names[EVENT_COUNT] = {
		"stop-signal",   "decisive-end",     "all-ended",    "all-gone",
		"hook-done",     "grace-expired",    "wait-expired", "reaped",
		"output-closed", "shutdown-request", "stop-again",
	};
	return names[event];
}

int fsm_exit_status(const struct exit_facts *facts)
{
	switch (facts->cause) {
	case CAUSE_WORKER:
		return facts->cause_status;
	case CAUSE_SIGNAL:
		if (facts->has_program)
			return facts->program_status >= 0
				       ? facts->program_status
				       : 0;
		return facts->killed_late ? 128 + SIGKILL : 0;
	case CAUSE_OUTPUT_CLOSED:
		return 128 + SIGPIPE;
	case CAUSE_ALL_ENDED:
	case CAUSE_NONE:
	default:
		return facts->first_failure < 0 ? 0 : facts->first_failure;
	}
}

struct end_outcome fsm_worker_end(const struct end_facts *facts)
{
	struct end_outcome out = {VERDICT_NOTHING, false, facts->failed};
	bool wants_restart =
		facts->restart == RESTART_ALWAYS ||
		(facts->restart == RESTART_ON_FAILURE && facts->failed);

	if (facts->shutting_down || facts->by_request) {
		out.failed = false;
		return out;
	}
	if (facts->is_main) {
		if (!facts->run_forever)
			out.verdict = VERDICT_SHUTDOWN;
		return out;
	}
	if (wants_restart && !facts->limit_hit) {
		out.verdict = VERDICT_RESTART;
		return out;
	}
	if (wants_restart) {
		out.given_up = true;
		out.failed = true;
	}
	if (facts->stop_on == STOP_ON_EXIT ||
	    (facts->stop_on == STOP_ON_FAILURE && out.failed))
		out.verdict = VERDICT_SHUTDOWN;
	return out;
}

/* A worker's life ------------------------------------------------------ */

/* clang-format off */
#define TSTEP(act, st) {TACT_##act, TASK_##st}
#define TSTAY(st) {TACT_NONE, TASK_##st}

/* The cells a task's ends share, in every state where it has a process. */
#define ENDS_WHILE_UP \
	[TEV_END_RESTART] = TSTEP(SCHEDULE, BACKOFF), \
	[TEV_END_DONE] = TSTEP(END, EXITED), \
	[TEV_END_FAILED] = TSTEP(END, FAILED)

/* Rows are states, columns events; a cell left out is "nothing happens,
 * the state stays", filled in by fsm_task_step. Rules the table keeps
 * (test_fsm.c checks each): nothing leaves "stopped" but a start request;
 * "failed", "exited" and "skipped" never start by themselves; nothing
 * starts after the shutdown began; SIGKILL reaches a task in any state,
 * and a task that has ended can still be cancelled, since its group may
 * outlive its leader. */
static const struct task_step task_table[TASK_STATE_COUNT][TEV_COUNT] = {
	[TASK_WAITING] = {
		[TEV_START] = TSTEP(SPAWN, STARTING),
		[TEV_STARTED] = TSTEP(WATCH, STARTING),
		[TEV_SHUTDOWN] = TSTAY(SKIPPED),
		[TEV_SKIP] = TSTEP(SKIP, SKIPPED),
		[TEV_STOP_REQUEST] = TSTAY(STOPPED),
		/* Asked for: what it comes after is not waited for. */
		[TEV_START_REQUEST] = TSTEP(SPAWN, STARTING),
	},
	[TASK_STARTING] = {
		[TEV_READY] = TSTEP(READY, RUNNING),
		[TEV_NOT_READY] = TSTEP(NOT_READY, STARTING),
		ENDS_WHILE_UP,
		[TEV_SHUTDOWN] = TSTEP(DISARM, STARTING),
		[TEV_CANCEL] = TSTEP(CANCEL, STOPPING),
		[TEV_KILL] = TSTEP(KILL, STARTING),
		[TEV_STOP_REQUEST] = TSTEP(CANCEL, HALTING),
	},
	[TASK_RUNNING] = {
		ENDS_WHILE_UP,
		[TEV_SHUTDOWN] = TSTEP(DISARM, RUNNING),
		[TEV_CANCEL] = TSTEP(CANCEL, STOPPING),
		[TEV_KILL] = TSTEP(KILL, RUNNING),
		[TEV_STOP_REQUEST] = TSTEP(CANCEL, HALTING),
		[TEV_UNHEALTHY] = TSTEP(UNHEALTHY, UNHEALTHY),
	},
	/* Already sent its stop signal: a cancel or a stop request has
	 * nothing more to send. */
	[TASK_UNHEALTHY] = {
		ENDS_WHILE_UP,
		[TEV_SHUTDOWN] = TSTEP(DISARM, UNHEALTHY),
		[TEV_CANCEL] = TSTAY(STOPPING),
		[TEV_GRACE_EXPIRED] = TSTEP(KILL, UNHEALTHY),
		[TEV_KILL] = TSTEP(KILL, UNHEALTHY),
		[TEV_STOP_REQUEST] = TSTAY(HALTING),
	},
	[TASK_BACKOFF] = {
		[TEV_RESTART_DUE] = TSTEP(SPAWN, STARTING),
		[TEV_SHUTDOWN] = TSTEP(DISARM, EXITED),
		[TEV_KILL] = TSTEP(KILL, BACKOFF),
		[TEV_STOP_REQUEST] = TSTEP(DISARM, STOPPED),
		[TEV_START_REQUEST] = TSTEP(SPAWN, STARTING),
	},
	[TASK_STOPPING] = {
		[TEV_END_RESTART] = TSTAY(EXITED),
		[TEV_END_DONE] = TSTAY(EXITED),
		[TEV_END_FAILED] = TSTAY(EXITED),
		[TEV_GRACE_EXPIRED] = TSTEP(KILL, STOPPING),
		[TEV_KILL] = TSTEP(KILL, STOPPING),
	},
	[TASK_HALTING] = {
		[TEV_END_RESTART] = TSTAY(STOPPED),
		[TEV_END_DONE] = TSTAY(STOPPED),
		[TEV_END_FAILED] = TSTAY(STOPPED),
		[TEV_CANCEL] = TSTAY(STOPPING),
		[TEV_GRACE_EXPIRED] = TSTEP(KILL, HALTING),
		[TEV_KILL] = TSTEP(KILL, HALTING),
	},
	[TASK_STOPPED] = {
		[TEV_CANCEL] = TSTEP(CANCEL, STOPPED),
		[TEV_GRACE_EXPIRED] = TSTEP(KILL, STOPPED),
		[TEV_KILL] = TSTEP(KILL, STOPPED),
		[TEV_START_REQUEST] = TSTEP(SPAWN, STARTING),
	},
	[TASK_EXITED] = {
		[TEV_CANCEL] = TSTEP(CANCEL, EXITED),
		[TEV_GRACE_EXPIRED] = TSTEP(KILL, EXITED),
		[TEV_KILL] = TSTEP(KILL, EXITED),
		[TEV_START_REQUEST] = TSTEP(SPAWN, STARTING),
	},
	[TASK_FAILED] = {
		[TEV_CANCEL] = TSTEP(CANCEL, FAILED),
		[TEV_GRACE_EXPIRED] = TSTEP(KILL, FAILED),
		[TEV_KILL] = TSTEP(KILL, FAILED),
		[TEV_START_REQUEST] = TSTEP(SPAWN, STARTING),
	},
	[TASK_SKIPPED] = {
		[TEV_START_REQUEST] = TSTEP(SPAWN, STARTING),
	},
};

/* clang-format on */

struct task_step fsm_task_step(enum task_state state, enum task_event event)
{
	struct task_step step = task_table[state][event];

	/* An empty cell is {TACT_NONE, TASK_WAITING}: the state stays. */
	if (step.action == TACT_NONE && step.next == TASK_WAITING)
		step.next = state;
	return step;
}

const char *fsm_task_state_name(enum task_state state)
{
	static const char *const names[TASK_STATE_COUNT] = {
		[TASK_WAITING] = "waiting",
		[TASK_STARTING] = "starting",
		[TASK_RUNNING] = "running",
		[TASK_BACKOFF] = "backoff",
		[TASK_STOPPING] = "stopping",
		[TASK_HALTING] = "stopping",
		[TASK_STOPPED] = "stopped",
		[TASK_EXITED] = "exited",
		[TASK_FAILED] = "failed",
		[TASK_SKIPPED] = "skipped",
		/* Its health shows why. */
		[TASK_UNHEALTHY] = "stopping",
	};
	return names[state];
}

const char *fsm_task_event_name(enum task_event event)
{
	static const char *const names[TEV_COUNT] = {
		[TEV_START] = "start",
		[TEV_STARTED] = "started",
		[TEV_READY] = "ready",
		[TEV_NOT_READY] = "not-ready",
		[TEV_END_RESTART] = "end-restart",
		[TEV_END_DONE] = "end-done",
		[TEV_END_FAILED] = "end-failed",
		[TEV_RESTART_DUE] = "restart-due",
		[TEV_SHUTDOWN] = "shutdown",
		[TEV_CANCEL] = "cancel",
		[TEV_GRACE_EXPIRED] = "grace-expired",
		[TEV_KILL] = "kill",
		[TEV_STOP_REQUEST] = "stop-request",
		[TEV_START_REQUEST] = "start-request",
		[TEV_UNHEALTHY] = "unhealthy",
		[TEV_SKIP] = "skip",
	};
	return names[event];
}

enum task_event fsm_end_event(const struct end_outcome *out)
{
	if (out->verdict == VERDICT_RESTART)
		return TEV_END_RESTART;
	return out->failed ? TEV_END_FAILED : TEV_END_DONE;
}

/* Restarts ------------------------------------------------------------- */

double fsm_restart_delay(double *next, double first, double max, double uptime)
{
	double delay;

	if (uptime >= STABLE_UPTIME)
		*next = first;
	delay = *next > MIN_RESTART_DELAY ? *next : MIN_RESTART_DELAY;
	/* A maximum below the first delay leaves the first as it is. */
	*next = 2 * delay < max ? 2 * delay : max;
	if (*next < delay)
		*next = delay;
	return delay;
}

bool fsm_start_limit_hit(const double *starts, int limit, int count,
			 double interval, double now)
{
	if (limit == 0 || count < limit)
		return false;
	return now - starts[count % limit] < interval;
}
