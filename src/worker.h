/* A worker: one program aiorun starts, watches and stops, in a process
 * group of its own. This module spawns it (fork, exec, and an exec-error
 * pipe, so that a program that cannot run is reported by aiorun) and
 * builds what it needs beforehand, since between fork and exec only
 * async-signal-safe calls are allowed. */
#ifndef AIORUN_WORKER_H
#define AIORUN_WORKER_H

#include <stdbool.h>
#include <sys/types.h>

struct worker {
	const char *name;
	char **argv;     /* argv[0] is what was asked for */
	char *path;      /* argv[0] resolved against PATH, before any fork */
	char **envp;     /* the worker's environment */
	bool is_main;    /* PROGRAM: its end begins the shutdown */
	bool waits_for;  /* shutdown-waits-for: waited for, not cancelled */
	bool foreground; /* take the terminal on standard input, if any */
	int stop_signal; /* 0: the supervisor's */
	double grace;    /* seconds; < 0: the supervisor's */

	pid_t pid;       /* 0 when not running */
	int status;      /* last status (code or 128+N), -1 before any end */
	bool cancelled;  /* aiorun sent it its stop signal */
	bool killed;     /* aiorun sent it SIGKILL */
	double deadline; /* when cancelled: when SIGKILL is due */
};

/* Resolves W's argv[0] against PATH into W->path. Returns 0, or -1 with
 * errno ENOENT (nothing found) or EACCES (found, not executable). */
int worker_resolve(struct worker *w);

/* Builds W->envp: aiorun's environment without the variables meant for
 * aiorun alone (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*), plus
 * AIORUN_WORKER_NAME. Returns 0, or -1 with errno set. */
int worker_build_env(struct worker *w);

/* Starts W. Returns 0 with W->pid set, or -1 with errno set: when fork
 * failed, W->status is left alone; when the program could not be
 * executed, errno is exec's error, W->status is 126 or 127, and the child
 * has been reaped. */
int worker_spawn(struct worker *w);

/* Sends SIGNO to W's process group. Returns 0 or -1 with errno set. */
int worker_signal(const struct worker *w, int signo);

/* The exit status aiorun reports when W could not be executed: 127 when
 * it was not found, 126 otherwise (as a shell does). */
int worker_exec_failure_status(int exec_errno);

/* Frees what worker_resolve and worker_build_env allocated. */
void worker_finish(struct worker *w);

#endif
