/* The supervisor's state machine, as data: states, events, and one table
 * of what each event does in each state. Pure, so the table itself is
 * unit-tested; supervisor.c carries the actions out. */
#ifndef AIORUN_FSM_H
#define AIORUN_FSM_H

#include <stdbool.h>

#include "worker.h"

enum sup_state {
	STATE_RUNNING,  /* workers run; restarts happen */
	STATE_HOOK,     /* shutdown began; the on-shutdown hook runs */
	STATE_STOPPING, /* workers cancelled; waiting for every process */
	STATE_KILLING,  /* a second stop signal: everything got SIGKILL */
	STATE_DONE,     /* nothing left: drain, join the pool, exit */
	STATE_COUNT
};

enum sup_event {
	EVENT_STOP_SIGNAL,  /* SIGINT or SIGTERM */
	EVENT_DECISIVE_END, /* a worker ended and that begins the shutdown */
	EVENT_ALL_ENDED,    /* no worker left running or due to restart */
	EVENT_ALL_GONE,     /* no child process at all, adopted ones included */
	EVENT_HOOK_DONE,    /* the on-shutdown hook ended, timed out, or none */
	EVENT_GRACE_EXPIRED, /* some cancelled process is past its grace */
	EVENT_WAIT_EXPIRED,  /* --wait-timeout ran out */
	EVENT_REAPED,        /* some child process ended and was reaped */
	EVENT_COUNT
};

enum sup_action {
	ACTION_NONE,
	ACTION_BEGIN_SHUTDOWN, /* log, notify, start the hook */
	ACTION_CANCEL,         /* stop signal to all but shutdown-waits-for */
	ACTION_KILL_LATE,      /* SIGKILL to those past their grace */
	ACTION_CANCEL_WAITERS, /* stop signal to shutdown-waits-for workers */
	ACTION_KILL_ALL,       /* SIGKILL to everything, now */
	ACTION_CANCEL_ORPHANS, /* stop signal to processes newly adopted */
	ACTION_KILL_ORPHANS,   /* SIGKILL to processes newly adopted */
	ACTION_FINISH,         /* leave the loop */
	ACTION_ABANDON_OUTPUT, /* give up writing out the rest of the output */
};

struct fsm_step {
	enum sup_action action;
	enum sup_state next;
};

/* What EVENT does in STATE. Every pair has an answer. */
struct fsm_step fsm_step(enum sup_state state, enum sup_event event);

const char *fsm_state_name(enum sup_state state);
const char *fsm_event_name(enum sup_event event);

/* What began the shutdown, and what is known at the end, for SPEC
 * section 4. */
enum shutdown_cause {
	CAUSE_NONE,
	CAUSE_WORKER, /* a worker's end: cause_status is its status */
	CAUSE_SIGNAL, /* SIGINT or SIGTERM */
	CAUSE_ALL_ENDED,
};

struct exit_facts {
	enum shutdown_cause cause;
	int cause_status; /* CAUSE_WORKER: that worker's status */
	bool has_program;
	int program_status; /* PROGRAM's last status, -1 if it never ended */
	bool killed_late;   /* some worker had to be killed: its grace ran
			       out, or a second stop signal came */
	int first_failure;  /* status of the first failed worker, -1: none */
};

/* aiorun's exit status, before --map-exit. */
int fsm_exit_status(const struct exit_facts *facts);

/* --stop-on: which worker ending begins the shutdown. */
enum stop_on {
	STOP_ON_FAILURE,
	STOP_ON_EXIT,
	STOP_ON_NONE,
};

/* A worker ended while running: what is known of it. */
struct end_facts {
	bool is_main;
	bool run_forever;
	enum restart_policy restart;
	enum stop_on stop_on;
	bool failed;    /* non-zero, or a signal aiorun did not send */
	bool limit_hit; /* one more start would pass its start-limit */
};

enum end_verdict {
	VERDICT_NOTHING,  /* the others carry on */
	VERDICT_RESTART,  /* start it again after its delay */
	VERDICT_SHUTDOWN, /* its end begins the shutdown */
};

struct end_outcome {
	enum end_verdict verdict;
	bool given_up; /* it wanted a restart past its start-limit */
	bool failed;   /* counts as failed (a worker given up does) */
};

/* What a worker's end leads to: its restart policy first, then
 * --stop-on, for which a worker given up counts as failed. PROGRAM never
 * restarts; its end begins the shutdown unless --run-forever. */
struct end_outcome fsm_worker_end(const struct end_facts *facts);

#endif
