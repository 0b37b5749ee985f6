/* Unit tests for the supervisor's state machine and the exit status. */
#include <signal.h>

#include "check.h"
#include "fsm.h"

static void check_cell(enum sup_state state, enum sup_event event,
		       enum sup_action action, enum sup_state next)
{
	struct fsm_step step = fsm_step(state, event);

	CHECK(step.action == action);
	CHECK(step.next == next);
	if (step.action != action || step.next != next)
		fprintf(stderr, "  in %s on %s\n", fsm_state_name(state),
			fsm_event_name(event));
}

static void test_table(void)
{
	/* Whatever begins the shutdown, it begins once. */
	check_cell(STATE_RUNNING, EVENT_STOP_SIGNAL, ACTION_BEGIN_SHUTDOWN,
		   STATE_HOOK);
	check_cell(STATE_RUNNING, EVENT_DECISIVE_END, ACTION_BEGIN_SHUTDOWN,
		   STATE_HOOK);
	check_cell(STATE_RUNNING, EVENT_ALL_ENDED, ACTION_BEGIN_SHUTDOWN,
		   STATE_HOOK);
	check_cell(STATE_HOOK, EVENT_DECISIVE_END, ACTION_NONE, STATE_HOOK);
	check_cell(STATE_STOPPING, EVENT_DECISIVE_END, ACTION_NONE,
		   STATE_STOPPING);
	/* Cancelling waits for the hook. */
	check_cell(STATE_HOOK, EVENT_HOOK_DONE, ACTION_CANCEL, STATE_STOPPING);
	check_cell(STATE_HOOK, EVENT_ALL_GONE, ACTION_NONE, STATE_HOOK);
	/* A second stop signal kills, during the hook as while stopping. */
	check_cell(STATE_HOOK, EVENT_STOP_SIGNAL, ACTION_KILL_ALL,
		   STATE_KILLING);
	check_cell(STATE_STOPPING, EVENT_STOP_SIGNAL, ACTION_KILL_ALL,
		   STATE_KILLING);
	check_cell(STATE_KILLING, EVENT_STOP_SIGNAL, ACTION_NONE,
		   STATE_KILLING);
	/* Deadlines. */
	check_cell(STATE_STOPPING, EVENT_GRACE_EXPIRED, ACTION_KILL_LATE,
		   STATE_STOPPING);
	check_cell(STATE_STOPPING, EVENT_WAIT_EXPIRED, ACTION_CANCEL_WAITERS,
		   STATE_STOPPING);
	check_cell(STATE_RUNNING, EVENT_GRACE_EXPIRED, ACTION_NONE,
		   STATE_RUNNING);
	/* Orphans that appear during the shutdown go the same way. */
	check_cell(STATE_STOPPING, EVENT_REAPED, ACTION_CANCEL_ORPHANS,
		   STATE_STOPPING);
	check_cell(STATE_KILLING, EVENT_REAPED, ACTION_KILL_ORPHANS,
		   STATE_KILLING);
	check_cell(STATE_RUNNING, EVENT_REAPED, ACTION_NONE, STATE_RUNNING);
	/* The end. */
	check_cell(STATE_STOPPING, EVENT_ALL_GONE, ACTION_FINISH, STATE_DONE);
	check_cell(STATE_KILLING, EVENT_ALL_GONE, ACTION_FINISH, STATE_DONE);
	/* While the rest of the output is written out, a signal gives it
	 * up. */
	check_cell(STATE_DONE, EVENT_STOP_SIGNAL, ACTION_ABANDON_OUTPUT,
		   STATE_DONE);

	/* Nothing leaves DONE, and nothing goes back to RUNNING. */
	for (int state = 0; state < STATE_COUNT; state++) {
		for (int event = 0; event < EVENT_COUNT; event++) {
			struct fsm_step step = fsm_step(state, event);

			/* In DONE, a signal can only hurry the end. */
			if (state == STATE_DONE)
				CHECK(step.next == STATE_DONE &&
				      (step.action == ACTION_NONE ||
				       step.action == ACTION_ABANDON_OUTPUT));
			if (state != STATE_RUNNING)
				CHECK(step.next != STATE_RUNNING);
		}
	}
}

static void test_exit_status(void)
{
	struct exit_facts facts = {
		.cause = CAUSE_WORKER,
		.cause_status = 3,
		.has_program = true,
		.program_status = 3,
		.first_failure = 3,
	};

	CHECK(fsm_exit_status(&facts) == 3);

	/* A signal and a PROGRAM: PROGRAM's status, whatever it is. */
	facts = (struct exit_facts){.cause = CAUSE_SIGNAL,
				    .has_program = true,
				    .program_status = 128 + SIGTERM,
				    .first_failure = -1};
	CHECK(fsm_exit_status(&facts) == 143);
	facts.program_status = 0;
	CHECK(fsm_exit_status(&facts) == 0);
	facts.program_status = 128 + SIGKILL;
	facts.killed_late = true;
	CHECK(fsm_exit_status(&facts) == 137);

	/* A signal and no PROGRAM: 137 if something had to be killed. */
	facts = (struct exit_facts){.cause = CAUSE_SIGNAL,
				    .program_status = -1,
				    .first_failure = 2};
	CHECK(fsm_exit_status(&facts) == 0);
	facts.killed_late = true;
	CHECK(fsm_exit_status(&facts) == 137);

	/* Everything ended: the first failure, or 0. */
	facts = (struct exit_facts){.cause = CAUSE_ALL_ENDED,
				    .program_status = -1,
				    .first_failure = -1};
	CHECK(fsm_exit_status(&facts) == 0);
	facts.first_failure = 5;
	CHECK(fsm_exit_status(&facts) == 5);
}

int main(void)
{
	test_table();
	test_exit_status();
	return check_summary();
}
