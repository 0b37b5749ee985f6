/* aiorun's two state machines, as data: the supervisor's phases and each
 * worker's life ("task"). Each is an enum of states, an enum of events,
 * and one table of what each event does in each state; a state changes
 * nowhere else. Pure, so the tables and the rules beside them (exit
 * status, what a worker's end leads to, restart delays, start limits) are
 * unit-tested; supervisor.c and task.c carry the actions out. */
#ifndef AIORUN_FSM_H
#define AIORUN_FSM_H

#include <stdbool.h>

#include "settings.h"

enum sup_state {
	STATE_RUNNING,  /* workers run; restarts happen */
	STATE_HOOK,     /* shutdown began; the on-shutdown hook runs */
	STATE_STOPPING, /* workers cancelled; waiting for every process */
	STATE_KILLING,  /* a second stop request: everything got SIGKILL */
	STATE_DONE,     /* nothing left: drain, join the pool, exit */
	STATE_COUNT
};

enum sup_event {
	EVENT_STOP_SIGNAL,  /* SIGINT or SIGTERM, the first stop request */
	EVENT_DECISIVE_END, /* a worker ended and that begins the shutdown */
	EVENT_ALL_ENDED,    /* no worker left running or due to restart */
	EVENT_ALL_GONE,     /* no child process at all, adopted ones included */
	EVENT_HOOK_DONE,    /* the on-shutdown hook ended, timed out, or none */
	EVENT_GRACE_EXPIRED,    /* some cancelled process is past its grace */
	EVENT_WAIT_EXPIRED,     /* --wait-timeout ran out */
	EVENT_REAPED,           /* some child process ended and was reaped */
	EVENT_OUTPUT_CLOSED,    /* aiorun's standard output or error lost its
				   reader */
	EVENT_SHUTDOWN_REQUEST, /* "aiorunctl shutdown": as SIGTERM, once */
	EVENT_STOP_AGAIN, /* SIGINT or SIGTERM after an earlier stop request
			     (a stop signal or "aiorunctl shutdown") */
	EVENT_COUNT
};

enum sup_action {
	ACTION_NONE,
	ACTION_BEGIN_SHUTDOWN, /* log, notify, start the hook */
	ACTION_CANCEL,         /* stop signal to all but shutdown-waits-for */
	ACTION_KILL_LATE,      /* SIGKILL to those past their grace */
	ACTION_CANCEL_WAITERS, /* stop signal to shutdown-waits-for workers */
	ACTION_KILL_ALL,       /* SIGKILL to everything, now */
	ACTION_NOTE_STOP,      /* a first stop request in a shutdown that
				  began otherwise: it goes on as it is */
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
	CAUSE_OUTPUT_CLOSED, /* EPIPE on aiorun's output: 141 */
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

/* A worker ended while running: what is known of it. */
struct end_facts {
	bool shutting_down; /* the shutdown has begun: nothing follows */
	bool by_request;    /* it was stopped on request: nothing follows */
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

/* A worker's life ------------------------------------------------------ */

/* The states that "aiorunctl status" shows (SPEC section 9), and a
 * second "stopping" that remembers what comes after it. */
enum task_state {
	TASK_WAITING,   /* not started yet: held back by "after", or about to */
	TASK_STARTING,  /* started, not ready yet */
	TASK_RUNNING,   /* ready, or has no readiness condition */
	TASK_BACKOFF,   /* ended; waiting to restart */
	TASK_STOPPING,  /* cancelled by the shutdown: its end is awaited */
	TASK_HALTING,   /* stopping on request; "stopped" comes next */
	TASK_STOPPED,   /* stopped on request: stays down until started */
	TASK_EXITED,    /* ended, will not restart */
	TASK_FAILED,    /* ended in failure or given up; will not restart */
	TASK_SKIPPED,   /* never started: what it waits for cannot come */
	TASK_UNHEALTHY, /* cancelled for failing its health checks: its end
			   counts as a failure */
	TASK_STATE_COUNT
};

enum task_event {
	TEV_START,       /* its turn to start (what it comes after is ready) */
	TEV_STARTED,     /* it was started with others, at start-up */
	TEV_READY,       /* its readiness condition holds */
	TEV_NOT_READY,   /* its ready-timeout ran out */
	TEV_END_RESTART, /* it ended (or could not start); its policy
			    restarts it */
	TEV_END_DONE,    /* it ended, and that was no failure */
	TEV_END_FAILED,  /* it ended in failure, or was given up */
	TEV_RESTART_DUE, /* its restart delay ran out */
	TEV_SHUTDOWN,    /* the shutdown began: nothing starts any more */
	TEV_CANCEL,      /* the shutdown cancels it */
	TEV_GRACE_EXPIRED, /* cancelled, and still there after its grace */
	TEV_KILL,          /* a second stop signal: SIGKILL, now */
	TEV_STOP_REQUEST,  /* asked to stop and stay down */
	TEV_START_REQUEST, /* asked to start */
	TEV_UNHEALTHY,     /* health-retries health checks failed in a row */
	TEV_SKIP,          /* what it comes after can no longer be */
	TEV_COUNT
};

enum task_action {
	TACT_NONE,
	TACT_SPAWN,     /* start its process and watch its readiness */
	TACT_WATCH,     /* it was started: watch its readiness */
	TACT_READY,     /* tell the supervisor it is ready */
	TACT_NOT_READY, /* it counts as failed; the supervisor decides */
	TACT_SCHEDULE,  /* arm the restart timer with the next delay */
	TACT_END,       /* tell the supervisor it ended, with the verdict */
	TACT_DISARM,    /* stop its restart timer and readiness probes */
	TACT_CANCEL,    /* stop signal to its group; its grace begins */
	TACT_KILL,      /* SIGKILL to what is left of its group */
	TACT_UNHEALTHY, /* as TACT_CANCEL, for its health */
	TACT_SKIP,      /* log once that it will never start */
};

struct task_step {
	enum task_action action;
	enum task_state next;
};

/* What EVENT does to a task in STATE. Every pair has an answer. */
struct task_step fsm_task_step(enum task_state state, enum task_event event);

/* "running", "backoff", ...: the name "aiorunctl status" shows. */
const char *fsm_task_state_name(enum task_state state);
const char *fsm_task_event_name(enum task_event event);

/* The event a worker's end stands for, from what fsm_worker_end made of
 * it. */
enum task_event fsm_end_event(const struct end_outcome *out);

/* Restarts ------------------------------------------------------------- */

/* The wait before a restart, whatever restart-delay says: a worker that
 * fails at once must not make aiorun spin. */
#define MIN_RESTART_DELAY 0.01
/* A worker up this long has started well: its next delay starts over. */
#define STABLE_UPTIME 10.0

/* The delay before the coming restart of a worker that was up UPTIME
 * seconds, its restart-delay FIRST and restart-max-delay MAX. *NEXT is
 * the delay the doubling has reached (FIRST before any restart) and is
 * moved on. */
double fsm_restart_delay(double *next, double first, double max, double uptime);

/* Whether one more start at NOW would make more than LIMIT starts within
 * INTERVAL seconds. STARTS is a ring of the last LIMIT start times, of
 * which COUNT were ever recorded (the oldest at COUNT % LIMIT). A LIMIT
 * of 0 is no limit. */
bool fsm_start_limit_hit(const double *starts, int limit, int count,
			 double interval, double now);

#endif
