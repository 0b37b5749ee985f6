#include "fsm.h"

#include <signal.h>

/* clang-format off */
#define STEP(act, st) {ACTION_##act, STATE_##st}
#define STAY(st) {ACTION_NONE, STATE_##st}

/* Rows are states, columns events. Reading one cell answers one question,
 * such as "what does SIGTERM do while stopping?" (kill everything). */
static const struct fsm_step table[STATE_COUNT][EVENT_COUNT] = {
	[STATE_RUNNING] = {
		[EVENT_STOP_SIGNAL] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_DECISIVE_END] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_ALL_ENDED] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_ALL_GONE] = STEP(BEGIN_SHUTDOWN, HOOK),
		[EVENT_HOOK_DONE] = STAY(RUNNING),
		[EVENT_GRACE_EXPIRED] = STAY(RUNNING),
		[EVENT_WAIT_EXPIRED] = STAY(RUNNING),
		[EVENT_REAPED] = STAY(RUNNING),
	},
	[STATE_HOOK] = {
		[EVENT_STOP_SIGNAL] = STEP(KILL_ALL, KILLING),
		[EVENT_DECISIVE_END] = STAY(HOOK),
		[EVENT_ALL_ENDED] = STAY(HOOK),
		[EVENT_ALL_GONE] = STAY(HOOK),
		[EVENT_HOOK_DONE] = STEP(CANCEL, STOPPING),
		[EVENT_GRACE_EXPIRED] = STAY(HOOK),
		[EVENT_WAIT_EXPIRED] = STAY(HOOK),
		[EVENT_REAPED] = STAY(HOOK),
	},
	[STATE_STOPPING] = {
		[EVENT_STOP_SIGNAL] = STEP(KILL_ALL, KILLING),
		[EVENT_DECISIVE_END] = STAY(STOPPING),
		[EVENT_ALL_ENDED] = STAY(STOPPING),
		[EVENT_ALL_GONE] = STEP(FINISH, DONE),
		[EVENT_HOOK_DONE] = STAY(STOPPING),
		[EVENT_GRACE_EXPIRED] = STEP(KILL_LATE, STOPPING),
		[EVENT_WAIT_EXPIRED] = STEP(CANCEL_WAITERS, STOPPING),
		[EVENT_REAPED] = STEP(CANCEL_ORPHANS, STOPPING),
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
	},
	[STATE_DONE] = {
		[EVENT_STOP_SIGNAL] = STEP(ABANDON_OUTPUT, DONE),
		[EVENT_DECISIVE_END] = STAY(DONE),
		[EVENT_ALL_ENDED] = STAY(DONE),
		[EVENT_ALL_GONE] = STAY(DONE),
		[EVENT_HOOK_DONE] = STAY(DONE),
		[EVENT_GRACE_EXPIRED] = STAY(DONE),
		[EVENT_WAIT_EXPIRED] = STAY(DONE),
		[EVENT_REAPED] = STAY(DONE),
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
		"stop-signal", "decisive-end",  "all-ended",    "all-gone",
		"hook-done",   "grace-expired", "wait-expired", "reaped",
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
