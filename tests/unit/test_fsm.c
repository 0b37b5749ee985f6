/* Unit tests for the two state machines (the supervisor's phases, a
 * worker's life) and the rules beside them: the exit status, what a
 * worker's end leads to, restart delays and start limits. */
#include <signal.h>
#include <stdbool.h>
#include <string.h>

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
	/* A second stop request kills, during the hook as while stopping. */
	check_cell(STATE_HOOK, EVENT_STOP_AGAIN, ACTION_KILL_ALL,
		   STATE_KILLING);
	check_cell(STATE_STOPPING, EVENT_STOP_AGAIN, ACTION_KILL_ALL,
		   STATE_KILLING);
	check_cell(STATE_KILLING, EVENT_STOP_AGAIN, ACTION_NONE, STATE_KILLING);
	/* A first one, in a shutdown that a worker's end began, changes
	 * nothing: the hook, the graces and the waits keep their time. */
	check_cell(STATE_HOOK, EVENT_STOP_SIGNAL, ACTION_NOTE_STOP, STATE_HOOK);
	check_cell(STATE_STOPPING, EVENT_STOP_SIGNAL, ACTION_NOTE_STOP,
		   STATE_STOPPING);
	check_cell(STATE_DONE, EVENT_STOP_SIGNAL, ACTION_NOTE_STOP, STATE_DONE);
	/* Deadlines. */
	check_cell(STATE_STOPPING, EVENT_GRACE_EXPIRED, ACTION_KILL_LATE,
		   STATE_STOPPING);
	check_cell(STATE_STOPPING, EVENT_WAIT_EXPIRED, ACTION_CANCEL_WAITERS,
		   STATE_STOPPING);
	/* While running, only a worker stopped on request has a grace. */
	check_cell(STATE_RUNNING, EVENT_GRACE_EXPIRED, ACTION_KILL_LATE,
		   STATE_RUNNING);
	/* "aiorunctl shutdown" is SIGTERM's shutdown, and only once. */
	check_cell(STATE_RUNNING, EVENT_SHUTDOWN_REQUEST, ACTION_BEGIN_SHUTDOWN,
		   STATE_HOOK);
	check_cell(STATE_HOOK, EVENT_SHUTDOWN_REQUEST, ACTION_NONE, STATE_HOOK);
	check_cell(STATE_STOPPING, EVENT_SHUTDOWN_REQUEST, ACTION_NONE,
		   STATE_STOPPING);
	check_cell(STATE_KILLING, EVENT_SHUTDOWN_REQUEST, ACTION_NONE,
		   STATE_KILLING);
	/* Orphans that appear during the shutdown go the same way. */
	check_cell(STATE_STOPPING, EVENT_REAPED, ACTION_CANCEL_ORPHANS,
		   STATE_STOPPING);
	check_cell(STATE_KILLING, EVENT_REAPED, ACTION_KILL_ORPHANS,
		   STATE_KILLING);
	check_cell(STATE_RUNNING, EVENT_REAPED, ACTION_NONE, STATE_RUNNING);
	/* A reader gone from aiorun's output begins the shutdown, once. */
	check_cell(STATE_RUNNING, EVENT_OUTPUT_CLOSED, ACTION_BEGIN_SHUTDOWN,
		   STATE_HOOK);
	check_cell(STATE_STOPPING, EVENT_OUTPUT_CLOSED, ACTION_NONE,
		   STATE_STOPPING);
	/* The end. */
	check_cell(STATE_STOPPING, EVENT_ALL_GONE, ACTION_FINISH, STATE_DONE);
	check_cell(STATE_KILLING, EVENT_ALL_GONE, ACTION_FINISH, STATE_DONE);
	/* While the rest of the output is written out, a second stop
	 * request gives it up. */
	check_cell(STATE_DONE, EVENT_STOP_AGAIN, ACTION_ABANDON_OUTPUT,
		   STATE_DONE);

	/* Nothing leaves DONE, and nothing goes back to RUNNING. */
	for (int state = 0; state < STATE_COUNT; state++) {
		for (int event = 0; event < EVENT_COUNT; event++) {
			struct fsm_step step = fsm_step(state, event);

			/* In DONE, a signal can only hurry the end. */
			if (state == STATE_DONE)
				CHECK(step.next == STATE_DONE &&
				      (step.action == ACTION_NONE ||
				       step.action == ACTION_NOTE_STOP ||
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

	/* The output's reader went away: 141. */
	facts = (struct exit_facts){.cause = CAUSE_OUTPUT_CLOSED,
				    .has_program = true,
				    .program_status = 143,
				    .first_failure = 2};
	CHECK(fsm_exit_status(&facts) == 141);

	/* Everything ended: the first failure, or 0. */
	facts = (struct exit_facts){.cause = CAUSE_ALL_ENDED,
				    .program_status = -1,
				    .first_failure = -1};
	CHECK(fsm_exit_status(&facts) == 0);
	facts.first_failure = 5;
	CHECK(fsm_exit_status(&facts) == 5);
}

/* A worker's life ------------------------------------------------------ */

static void check_task(enum task_state state, enum task_event event,
		       enum task_action action, enum task_state next)
{
	struct task_step step = fsm_task_step(state, event);

	CHECK(step.action == action);
	CHECK(step.next == next);
	if (step.action != action || step.next != next)
		fprintf(stderr, "  in %s on %s\n", fsm_task_state_name(state),
			fsm_task_event_name(event));
}

static bool is_end(enum task_event event)
{
	return event == TEV_END_RESTART || event == TEV_END_DONE ||
	       event == TEV_END_FAILED;
}

/* Whether a state has a process up, or may: a task starts from
 * somewhere else only by spawning. */
static bool is_up(enum task_state state)
{
	return state == TASK_STARTING || state == TASK_RUNNING ||
	       state == TASK_STOPPING || state == TASK_HALTING ||
	       state == TASK_UNHEALTHY;
}

/* The rules the table keeps, checked for every cell. */
static void test_task_rules(void)
{
	for (int st = 0; st < TASK_STATE_COUNT; st++) {
		for (int ev = 0; ev < TEV_COUNT; ev++) {
			enum task_state state = st;
			enum task_event event = ev;
			struct task_step step = fsm_task_step(state, event);
			int failed = checks_failed;

			/* Every cell names a state and an action. */
			CHECK(step.next < TASK_STATE_COUNT);
			CHECK(step.action <= TACT_SKIP);
			/* Only a spawn brings a process up from nothing,
			 * and a spawn always does. */
			if (!is_up(state) && is_up(step.next))
				CHECK(step.action == TACT_SPAWN ||
				      step.action == TACT_WATCH);
			if (step.action == TACT_SPAWN)
				CHECK(step.next == TASK_STARTING);
			/* Nothing leaves "stopped" but a start request. */
			if (state == TASK_STOPPED && event != TEV_START_REQUEST)
				CHECK(step.next == TASK_STOPPED);
			/* "failed", "exited" and "skipped" never start by
			 * themselves. */
			if ((state == TASK_FAILED || state == TASK_EXITED ||
			     state == TASK_SKIPPED) &&
			    event != TEV_START_REQUEST)
				CHECK(step.next == state);
			/* After the shutdown began nothing starts: neither
			 * a waiting task nor one due to restart. */
			if (event == TEV_SHUTDOWN)
				CHECK(step.action != TACT_SPAWN &&
				      (!is_up(step.next) || is_up(state)));
			/* A restart is scheduled only for a task that
			 * ended while up and wanted, and only then. */
			if (step.next == TASK_BACKOFF && state != TASK_BACKOFF)
				CHECK(event == TEV_END_RESTART &&
				      step.action == TACT_SCHEDULE);
			/* A cancelled task ends as "exited", a task stopped
			 * on request as "stopped", whatever its end. */
			if (state == TASK_STOPPING && is_end(event))
				CHECK(step.next == TASK_EXITED &&
				      step.action == TACT_NONE);
			if (state == TASK_HALTING && is_end(event))
				CHECK(step.next == TASK_STOPPED &&
				      step.action == TACT_NONE);
			/* SIGKILL reaches a task in any state but those that
			 * never had a process. */
			if (event == TEV_KILL && state != TASK_WAITING &&
			    state != TASK_SKIPPED)
				CHECK(step.action == TACT_KILL &&
				      step.next == state);
			/* Readiness matters only while starting. */
			if ((event == TEV_READY || event == TEV_NOT_READY) &&
			    state != TASK_STARTING)
				CHECK(step.action == TACT_NONE &&
				      step.next == state);
			if (checks_failed != failed)
				fprintf(stderr, "  in %s on %s\n",
					fsm_task_state_name(state),
					fsm_task_event_name(event));
		}
	}
}

static void test_task_cells(void)
{
	/* A life: waiting, starting, running, ended, restarted. */
	check_task(TASK_WAITING, TEV_START, TACT_SPAWN, TASK_STARTING);
	check_task(TASK_WAITING, TEV_STARTED, TACT_WATCH, TASK_STARTING);
	check_task(TASK_STARTING, TEV_READY, TACT_READY, TASK_RUNNING);
	check_task(TASK_STARTING, TEV_NOT_READY, TACT_NOT_READY, TASK_STARTING);
	check_task(TASK_RUNNING, TEV_END_RESTART, TACT_SCHEDULE, TASK_BACKOFF);
	check_task(TASK_STARTING, TEV_END_RESTART, TACT_SCHEDULE, TASK_BACKOFF);
	check_task(TASK_BACKOFF, TEV_RESTART_DUE, TACT_SPAWN, TASK_STARTING);
	check_task(TASK_RUNNING, TEV_END_DONE, TACT_END, TASK_EXITED);
	check_task(TASK_RUNNING, TEV_END_FAILED, TACT_END, TASK_FAILED);
	/* The shutdown. */
	check_task(TASK_WAITING, TEV_SHUTDOWN, TACT_NONE, TASK_SKIPPED);
	check_task(TASK_BACKOFF, TEV_SHUTDOWN, TACT_DISARM, TASK_EXITED);
	check_task(TASK_STARTING, TEV_SHUTDOWN, TACT_DISARM, TASK_STARTING);
	check_task(TASK_RUNNING, TEV_SHUTDOWN, TACT_DISARM, TASK_RUNNING);
	/* An unhealthy task is cancelled, and its end is judged. */
	check_task(TASK_RUNNING, TEV_UNHEALTHY, TACT_UNHEALTHY, TASK_UNHEALTHY);
	check_task(TASK_STARTING, TEV_UNHEALTHY, TACT_NONE, TASK_STARTING);
	check_task(TASK_UNHEALTHY, TEV_END_RESTART, TACT_SCHEDULE,
		   TASK_BACKOFF);
	check_task(TASK_UNHEALTHY, TEV_END_FAILED, TACT_END, TASK_FAILED);
	check_task(TASK_UNHEALTHY, TEV_GRACE_EXPIRED, TACT_KILL,
		   TASK_UNHEALTHY);
	check_task(TASK_UNHEALTHY, TEV_CANCEL, TACT_NONE, TASK_STOPPING);
	/* A start condition that cannot be met: logged once. */
	check_task(TASK_WAITING, TEV_SKIP, TACT_SKIP, TASK_SKIPPED);
	check_task(TASK_SKIPPED, TEV_SKIP, TACT_NONE, TASK_SKIPPED);
	check_task(TASK_RUNNING, TEV_SKIP, TACT_NONE, TASK_RUNNING);
	check_task(TASK_RUNNING, TEV_CANCEL, TACT_CANCEL, TASK_STOPPING);
	check_task(TASK_STOPPING, TEV_CANCEL, TACT_NONE, TASK_STOPPING);
	check_task(TASK_STOPPING, TEV_GRACE_EXPIRED, TACT_KILL, TASK_STOPPING);
	check_task(TASK_RUNNING, TEV_GRACE_EXPIRED, TACT_NONE, TASK_RUNNING);
	/* A group outlives its leader: still cancelled, still killed. */
	check_task(TASK_EXITED, TEV_CANCEL, TACT_CANCEL, TASK_EXITED);
	check_task(TASK_EXITED, TEV_GRACE_EXPIRED, TACT_KILL, TASK_EXITED);
	/* Requests. */
	check_task(TASK_RUNNING, TEV_STOP_REQUEST, TACT_CANCEL, TASK_HALTING);
	check_task(TASK_BACKOFF, TEV_STOP_REQUEST, TACT_DISARM, TASK_STOPPED);
	check_task(TASK_HALTING, TEV_CANCEL, TACT_NONE, TASK_STOPPING);
	check_task(TASK_STOPPED, TEV_START_REQUEST, TACT_SPAWN, TASK_STARTING);
	check_task(TASK_STOPPED, TEV_RESTART_DUE, TACT_NONE, TASK_STOPPED);
	check_task(TASK_FAILED, TEV_RESTART_DUE, TACT_NONE, TASK_FAILED);
	check_task(TASK_SKIPPED, TEV_START, TACT_NONE, TASK_SKIPPED);

	CHECK(strcmp(fsm_task_state_name(TASK_HALTING), "stopping") == 0);
	CHECK(strcmp(fsm_task_state_name(TASK_BACKOFF), "backoff") == 0);
}

/* What a worker's end leads to: the restart policy first, then
 * --stop-on. */
static void test_worker_end(void)
{
	struct end_facts f = {.restart = RESTART_NO,
			      .stop_on = STOP_ON_FAILURE};
	struct end_outcome out;

	/* A one-shot task that succeeds is simply done. */
	out = fsm_worker_end(&f);
	CHECK(out.verdict == VERDICT_NOTHING && !out.failed);
	CHECK(fsm_end_event(&out) == TEV_END_DONE);
	/* A failure ends the set under --stop-on failure... */
	f.failed = true;
	out = fsm_worker_end(&f);
	CHECK(out.verdict == VERDICT_SHUTDOWN && out.failed);
	CHECK(fsm_end_event(&out) == TEV_END_FAILED);
	/* ...not under none. */
	f.stop_on = STOP_ON_NONE;
	out = fsm_worker_end(&f);
	CHECK(out.verdict == VERDICT_NOTHING && out.failed);
	/* exit: any end. */
	f = (struct end_facts){.restart = RESTART_NO, .stop_on = STOP_ON_EXIT};
	CHECK(fsm_worker_end(&f).verdict == VERDICT_SHUTDOWN);

	/* on-failure restarts a failure, not a success. */
	f = (struct end_facts){.restart = RESTART_ON_FAILURE,
			       .stop_on = STOP_ON_FAILURE,
			       .failed = true};
	out = fsm_worker_end(&f);
	CHECK(out.verdict == VERDICT_RESTART && out.failed);
	CHECK(fsm_end_event(&out) == TEV_END_RESTART);
	f.failed = false;
	CHECK(fsm_worker_end(&f).verdict == VERDICT_NOTHING);
	/* always restarts both. */
	f.restart = RESTART_ALWAYS;
	CHECK(fsm_worker_end(&f).verdict == VERDICT_RESTART);
	/* Past its start limit it is given up, and counts as failed even
	 * after a clean exit. */
	f.limit_hit = true;
	out = fsm_worker_end(&f);
	CHECK(out.verdict == VERDICT_SHUTDOWN && out.given_up && out.failed);
	CHECK(fsm_end_event(&out) == TEV_END_FAILED);

	/* PROGRAM never restarts; its end begins the shutdown unless
	 * --run-forever. */
	f = (struct end_facts){.is_main = true,
			       .restart = RESTART_ALWAYS,
			       .stop_on = STOP_ON_NONE};
	CHECK(fsm_worker_end(&f).verdict == VERDICT_SHUTDOWN);
	f.run_forever = true;
	CHECK(fsm_worker_end(&f).verdict == VERDICT_NOTHING);

	/* Once the shutdown began, or for a worker stopped on request,
	 * nothing follows and nothing counts as failed. */
	f = (struct end_facts){.restart = RESTART_ALWAYS,
			       .stop_on = STOP_ON_FAILURE,
			       .failed = true,
			       .shutting_down = true};
	out = fsm_worker_end(&f);
	CHECK(out.verdict == VERDICT_NOTHING && !out.failed);
	f.shutting_down = false;
	f.by_request = true;
	out = fsm_worker_end(&f);
	CHECK(out.verdict == VERDICT_NOTHING && !out.failed);
}

static void test_restart_delay(void)
{
	double next = 0.1;

	/* Doubles from the first delay... */
	CHECK(fsm_restart_delay(&next, 0.1, 1, 0) == 0.1);
	CHECK(fsm_restart_delay(&next, 0.1, 1, 0) == 0.2);
	CHECK(fsm_restart_delay(&next, 0.1, 1, 0) == 0.4);
	CHECK(fsm_restart_delay(&next, 0.1, 1, 0) == 0.8);
	/* ...up to the maximum, and stays there. */
	CHECK(fsm_restart_delay(&next, 0.1, 1, 0) == 1);
	CHECK(fsm_restart_delay(&next, 0.1, 1, 0) == 1);
	/* A worker that stayed up STABLE_UPTIME starts over. */
	CHECK(fsm_restart_delay(&next, 0.1, 1, STABLE_UPTIME) == 0.1);
	CHECK(fsm_restart_delay(&next, 0.1, 1, STABLE_UPTIME - 1) == 0.2);
	/* Never below the floor, so a crash loop cannot spin. */
	next = 0;
	CHECK(fsm_restart_delay(&next, 0, 1, 0) == MIN_RESTART_DELAY);
	/* A maximum below the first delay leaves the first as it is. */
	next = 5;
	CHECK(fsm_restart_delay(&next, 5, 1, 0) == 5);
	CHECK(fsm_restart_delay(&next, 5, 1, 0) == 5);
}

static void test_start_limit(void)
{
	double starts[3] = {0};
	int count = 0;

	/* 3 starts within 10 s: a fourth would pass the limit. */
	for (double now = 1; now <= 3; now++) {
		CHECK(!fsm_start_limit_hit(starts, 3, count, 10, now));
		starts[count % 3] = now;
		count++;
	}
	CHECK(fsm_start_limit_hit(starts, 3, count, 10, 4));
	/* Once the oldest is 10 s old, there is room again. */
	CHECK(!fsm_start_limit_hit(starts, 3, count, 10, 11));
	starts[count % 3] = 11;
	count++;
	/* The ring now holds 2, 3 and 11: the oldest is 2. */
	CHECK(fsm_start_limit_hit(starts, 3, count, 10, 11.5));
	CHECK(!fsm_start_limit_hit(starts, 3, count, 10, 12));
	/* No limit: never hit, however fast. */
	CHECK(!fsm_start_limit_hit(NULL, 0, 1000, 10, 0));
}

int main(void)
{
	test_table();
	test_exit_status();
	test_task_rules();
	test_task_cells();
	test_worker_end();
	test_restart_delay();
	test_start_limit();
	return check_summary();
}
