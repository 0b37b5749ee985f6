/* A worker: one program aiorun starts, watches and stops, in a process
 * group of its own. This module spawns it (fork, exec, and an exec-error
 * pipe, so that a program that cannot run is reported by aiorun) and
 * builds what it needs beforehand, since between fork and exec only
 * async-signal-safe calls are allowed. */
#ifndef AIORUN_WORKER_H
#define AIORUN_WORKER_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* When a started worker counts as ready (SPEC section 8). */
enum ready_kind {
	READY_STARTED, /* as soon as it runs */
	READY_NOTIFY,  /* it sends READY=1 to its own NOTIFY_SOCKET */
	READY_TCP,     /* ready_host:ready_port accepts a connection */
	READY_EXEC,    /* ready_command exits 0 */
};

enum restart_policy {
	RESTART_NO,
	RESTART_ON_FAILURE,
	RESTART_ALWAYS,
};

struct worker {
	/* What the configuration says. */
	const char *name;
	char **argv;           /* argv[0] is what was asked for */
	char **env;            /* KEY=VALUE entries of its own, or NULL */
	const char *directory; /* or NULL: aiorun's */
	bool set_uid, set_gid;
	const char *user; /* its name, for the supplementary groups */
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups, with set_uid */
	int group_count;
	bool is_main;    /* PROGRAM: its end begins the shutdown */
	bool waits_for;  /* shutdown-waits-for: waited for, not cancelled */
	bool foreground; /* take the terminal on standard input, if any */
	int stop_signal; /* 0: the supervisor's */
	double grace;    /* seconds; < 0: the supervisor's */
	enum restart_policy restart;
	double restart_delay;     /* first delay before a restart */
	double restart_max_delay; /* the doubling stops there */
	int start_limit;          /* more starts than this within... */
	double start_interval;    /* ...this many seconds: given up */
	const char *origin;       /* where it was declared, for messages */
	enum ready_kind ready;
	const char *ready_host; /* READY_TCP: a numeric address */
	int ready_port;
	const char *ready_command; /* READY_EXEC */
	double ready_timeout;      /* seconds; 0: wait for ever */
	char **after;              /* names it starts after, or NULL */
	int *after_index;          /* the same, as indexes in the table */
	int after_count;
	const char *log_file;   /* a copy of its output, or NULL */
	long long log_max_size; /* rotated before it grows past this */
	int log_keep;           /* old files kept */

	/* Built before the first fork. */
	char *path;     /* argv[0] resolved against PATH */
	char **envp;    /* the whole environment */
	char *name_var; /* AIORUN_WORKER_NAME=NAME, in envp */
	double *starts; /* the last start_limit start times, a ring */

	/* The running process. */
	pid_t pid;       /* 0 when not running */
	pid_t pgid;      /* its process group, which may outlive it */
	int status;      /* last status (code or 128+N), -1 before any end */
	bool cancelled;  /* aiorun sent it its stop signal */
	bool killed;     /* aiorun sent it SIGKILL */
	double deadline; /* when cancelled: when SIGKILL is due */
	int spawn_step;  /* what failed in the child, for worker_spawn_error */
	int exec_fd;     /* between worker_fork and worker_await_exec */
	int spawn_errno; /* posix_spawn's verdict, for worker_await_exec */
	bool took_terminal; /* its group has aiorun's terminal */
	int listen_fds;     /* sockets at 3.. passed on (LISTEN_FDS), or 0 */
	const char *listen_names; /* LISTEN_FDNAMES, or NULL */
	char *listen_pid_var;     /* "LISTEN_PID=" the child fills in */
	bool capture;             /* the child's 1 and 2 are capture_fds */
	int capture_fds[2];
	double started_at;
	double next_delay; /* the coming restart's delay */
	int start_count;   /* starts recorded in the ring */
	struct ev_timer restart_timer;

	/* Readiness. */
	bool is_ready;
	bool waiting_start; /* held back until what it comes after is ready */
	char *notify_path;  /* its own NOTIFY_SOCKET, for READY_NOTIFY */
	char *notify_var;
	int notify_fd;
	struct ev_io notify_watcher;
	struct ev_timer ready_timer; /* the next probe (tcp, exec) */
	struct ev_timer ready_timeout_timer;
	double probe_delay;
	pid_t probe_pid; /* READY_EXEC's running probe */
};

/* The worker whose member MEMBER (a watcher, say) PTR points to. */
#define WORKER_OF(ptr, member)                                                 \
	((struct worker *)((char *)(ptr)-offsetof(struct worker, member)))

/* Resolves W's argv[0] against PATH into W->path. Returns 0, or -1 with
 * errno ENOENT (nothing found) or EACCES (found, not executable). */
int worker_resolve(struct worker *w);

/* Builds W->envp: aiorun's environment without the variables meant for
 * aiorun alone (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*), then COMMON (the
 * --env-file entries, may be NULL), then W->env, each replacing what came
 * before, then AIORUN_WORKER_NAME. Returns 0, or -1 with errno set. */
int worker_build_env(struct worker *w, char *const *common);

/* Starts W. Returns 0 with W->pid set, or -1 with errno set: when fork
 * failed, W->status is left alone; when the program could not be
 * executed, errno is exec's error, W->status is 126 or 127, and the child
 * has been reaped. */
int worker_spawn(struct worker *w);

/* worker_spawn in two halves, so that many children can exec at once:
 * worker_fork starts the child (W->pid is set), worker_await_exec waits
 * until it has executed its program or failed to, with the same results
 * as worker_spawn. */
int worker_fork(struct worker *w);
int worker_await_exec(struct worker *w);

/* What failed when worker_spawn reported that the program could not be
 * executed ("chdir /srv: No such file or directory"), into BUF. */
const char *worker_spawn_error(const struct worker *w, int error, char *buf,
			       size_t size);

/* Takes back the terminal W's group was given, if it still has it. */
void worker_release_terminal(struct worker *w);

/* Sends SIGNO to W's process group, which may outlive W's own process. Returns
 * 0 or -1 with errno set. */
int worker_signal(const struct worker *w, int signo);

/* The exit status aiorun reports when W could not be executed: 127 when
 * it was not found, 126 otherwise (as a shell does). */
int worker_exec_failure_status(int exec_errno);

/* Frees what worker_resolve, worker_build_env and the supervisor
 * allocated; not what the configuration owns. */
void worker_finish(struct worker *w);

#endif
