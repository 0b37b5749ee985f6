/* A task: one worker's life at run time. The worker's definition
 * (worker.h) says what to run; the task holds what happens to it: its
 * state in the worker table of fsm.h, its process, its restarts, its
 * readiness. Every change of state goes through task_post, which looks the
 * event up in that table and carries out the action it names; callbacks
 * only post events. The supervisor owns the tasks and hears of them
 * through the hooks of struct task_context. */
#ifndef AIORUN_TASK_H
#define AIORUN_TASK_H

#include <ev.h>
#include <stdbool.h>
#include <sys/types.h>

#include "fsm.h"
#include "health.h"
#include "ready.h"
#include "settings.h"
#include "spawn.h"
#include "worker.h"

struct output;

/* What the tasks share with their supervisor. */
struct task_context {
	struct ev_loop *loop;
	const struct settings *settings;
	struct output *output; /* or NULL: children inherit 1 and 2 */
	bool shutting_down;    /* set when the shutdown begins */
	int stop_signal;       /* what cancels, once the shutdown began */
	/* The task became ready. */
	void (*ready)(struct task *t, void *owner);
	/* The task ended (or could not start, or was not ready in time,
	 * NOT_READY) while its end still mattered: OUT says what follows,
	 * STATUS what it counts as. */
	void (*ended)(struct task *t, const struct end_outcome *out, int status,
		      bool not_ready, void *owner);
	void *owner;
	/* T was sent its stop signal outside the shutdown (it is
	 * unhealthy): its grace period runs from now. NULL: nobody asks. */
	void (*cancelled)(struct task *t, void *owner);
	/* Some event reached T: its state may have changed. Called once
	 * the event and its follow-ups are handled; NULL: nobody asks. */
	void (*changed)(struct task *t, void *data);
	void *changed_data;
};

/* What aiorun has sent the task's process group since it started. */
enum task_sent {
	SENT_NOTHING,
	SENT_STOP, /* its stop signal: its grace period runs */
	SENT_KILL,
};

struct task {
	const struct worker *def;
	struct task_context *ctx;
	enum task_state state;

	/* The process. */
	pid_t pid;       /* 0 when none runs */
	pid_t pgid;      /* its process group, which may outlive it */
	int status;      /* last status (code or 128+N), -1 before any end */
	int last_status; /* the same, kept across starts, for "status" */
	enum task_sent sent;
	double deadline;          /* after SENT_STOP: when SIGKILL is due */
	bool took_terminal;       /* its group has aiorun's terminal */
	struct spawn_plan plan;   /* built before the first start */
	struct spawn_child child; /* between task_fork and task_await */
	char **envp;              /* its whole environment */
	char *vars[7];            /* the entries of its own in envp (task.c) */
	int listen_fds; /* sockets at 3.. passed on (LISTEN_FDS), or 0 */
	const char *listen_names;

	/* Restarts. */
	double started_at;
	int restarts;      /* the restarts its policy made */
	double next_delay; /* the coming restart's delay */
	double *starts;    /* the last start_limit start times, a ring */
	int start_count;   /* starts recorded in the ring */
	struct ev_timer restart_timer;

	/* Readiness (ready.c). */
	bool ready_seen; /* ready since its last start */
	struct ready_probe probe;

	/* Health checks (health.c). */
	struct health health;
};

/* Sets T up for DEF, in state "waiting". Returns 0, or -1 with errno
 * set. */
int task_init(struct task *t, struct task_context *ctx,
	      const struct worker *def, const char *notify_dir);

/* A reload found T's worker unchanged: T now follows DEF, an equal
 * definition in the new settings, and no longer points into the old
 * ones. Its process, if any, is left alone. */
void task_redefine(struct task *t, const struct worker *def);

/* Frees what task_init and the starts allocated. */
void task_finish(struct task *t);

/* Moves T by one cell of the worker table, and on through the follow-up
 * events its actions lead to (a start that fails is an end). */
void task_post(struct task *t, enum task_event event);

/* What T comes after can no longer be as it waits for: T is skipped,
 * logged once with WHY, if it is still waiting. */
void task_skip(struct task *t, const char *why);

/* T's process ended with WSTATUS (as from waitpid): the end is recorded
 * and logged, and its event posted. */
void task_reaped(struct task *t, int wstatus);

/* task_fork and task_await: a first start in two halves, so that many
 * workers load their programs in parallel. task_await returns 0 (post
 * TEV_STARTED then), or -1 with errno set after logging why: T->status is
 * then 126 or 127 when the program could not be executed. */
int task_fork(struct task *t);
int task_await(struct task *t);

/* Counts a start at NOW against T's start limit. */
void task_record_start(struct task *t, double now);

/* Starts COMMAND, a line of shell, as a probe P of T's (readiness or
 * health): its worker's environment and directory, a process group of
 * its own, no input, its output dropped, killed with its group after
 * LIMIT seconds. Returns what probe_exec returns. */
int task_probe_command(struct task *t, struct probe *p, const char *command,
		       double limit);

/* Whether anything of T is left: its process, or others of its group. */
bool task_alive(const struct task *t);

/* Whether T was sent its stop signal and still waits for its SIGKILL. */
bool task_pending_kill(const struct task *t);

/* Running, due to restart, or held down on request (a stopped worker
 * is still part of the set: "start" may bring it back). */
bool task_active(const struct task *t);

/* T's grace period: its own, or the global one. */
double task_grace(const struct task *t);

/* Socket activation: the sockets systemd passed to aiorun go to the task
 * NAME, or PROGRAM's when NAME is NULL. */
void task_pass_sockets(struct task **tasks, size_t count, const char *name);

/* Sends SIGNO to T's process group. Returns 0 or -1 with errno set. */
int task_signal(const struct task *t, int signo);

#endif
