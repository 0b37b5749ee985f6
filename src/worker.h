/* A worker's definition: what the configuration says of one program
 * aiorun runs (its command, user, restart policy, readiness, order), as
 * plain data. Its keys ([worker:NAME] in the config file) are read here,
 * and the "after" graph is checked here. What happens to the worker at
 * run time is a task's business (task.h). */
#ifndef AIORUN_WORKER_H
#define AIORUN_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct settings;

/* When a started worker counts as ready (SPEC section 8). */
enum ready_kind {
	READY_STARTED, /* as soon as it runs */
	READY_NOTIFY,  /* it sends READY=1 to its own NOTIFY_SOCKET */
	READY_TCP,     /* ready_host:ready_port accepts a connection */
	READY_EXEC,    /* ready_command exits 0 */
};

/* What a worker waits for of each one it comes after ("after = NAME:..."). */
enum after_condition {
	AFTER_READY,   /* it is ready (the default) */
	AFTER_STARTED, /* it was started */
	AFTER_EXITED,  /* it ended and will not restart, whatever its status */
	AFTER_SUCCESS, /* it ended with status 0 and will not restart */
};

/* What checks a ready worker's health (SPEC section 10). */
enum health_kind {
	HEALTH_NONE,
	HEALTH_TCP,  /* health_host:health_port accepts a connection */
	HEALTH_HTTP, /* a GET of health_path there answers 2xx or 3xx */
	HEALTH_EXEC, /* health_command exits 0 */
};

enum restart_policy {
	RESTART_NO,
	RESTART_ON_FAILURE,
	RESTART_ALWAYS,
};

struct worker {
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
	int start_limit;          /* more starts than this within...; 0: none */
	double start_interval;    /* ...this many seconds: given up */
	const char *origin;       /* where it was declared, for messages */
	const char *after_origin; /* where its "after" was set, or NULL */
	enum ready_kind ready;
	const char *ready_host; /* READY_TCP: a numeric address */
	int ready_port;
	const char *ready_command; /* READY_EXEC */
	double ready_timeout;      /* seconds; 0: wait for ever */
	char **after;              /* names it starts after, or NULL */
	int *after_index;          /* the same, as indexes in the table */
	enum after_condition *after_condition; /* the same, what is awaited */
	int after_count;
	enum health_kind health;
	const char *health_host; /* HEALTH_TCP, HEALTH_HTTP: numeric */
	int health_port;
	const char *health_path;    /* HEALTH_HTTP: from its '/' */
	const char *health_command; /* HEALTH_EXEC */
	double health_interval;     /* seconds between checks, > 0 */
	double health_timeout;      /* seconds a check may take, > 0 */
	int health_retries;   /* consecutive failures that make it unhealthy */
	const char *log_file; /* a copy of its output, or NULL */
	long long log_max_size; /* rotated before it grows past this */
	int log_keep;           /* old files kept */
	int copies;             /* copies = N: how many run; 1 by default */
	bool tty;               /* its 0, 1 and 2 are a pseudo-terminal */
	int procfile_index;     /* its line among the Procfile's, or -1 */
	int port;               /* PORT in its environment, or 0 for none */
};

/* copies = N and -m NAME=N go up to this. */
#define WORKER_COPIES_MAX 1000

/* W with every default, named NAME, declared at ORIGIN. */
void worker_init(struct worker *w, const char *name, const char *origin);

/* Applies the [worker:NAME] key KEY to W; memory goes to S. Returns 0, or
 * -1 after settings_fail ("ORIGIN: KEY: invalid ..."). */
int worker_set_key(struct settings *s, struct worker *w, const char *key,
		   const char *value, const char *origin);

/* What can only be done once every worker is known: each "after" name
 * becomes an index (an unknown name or a cycle is an error), and each
 * user's supplementary groups are looked up (they cannot be after fork).
 * Returns 0, or -1 after settings_fail. */
int worker_link_all(struct settings *s);

/* How many workers deep the longest "after" chain from W goes, W
 * included: 1 for a worker that comes after none. The shutdown cancels
 * the workers one level at a time. */
int worker_depth(const struct settings *s, const struct worker *w);

/* Whether A and B define the same worker: every key the same (the
 * "after" names, not their indexes; not where each was declared). A
 * reload restarts a worker whose definition is not equal. */
bool worker_equal(const struct worker *a, const struct worker *b);

/* "ready", "started", "exited", "success". */
const char *worker_condition_name(enum after_condition condition);

/* Whether NAME is a valid worker name: letters, digits, '_', '-', '.'. */
bool worker_valid_name(const char *name);

/* Whether the LEN bytes at KEY make an environment variable's name:
 * letters, digits and '_', not starting with a digit. */
bool worker_valid_env_key(const char *key, size_t len);

/* SIGKILL and SIGSTOP cannot be caught, so a worker could not clean up;
 * SIGCONT, sent after every stop signal anyway, would cancel nothing.
 * Returns the signal, or -1 for those and for what is no signal. */
int worker_parse_stop_signal(const char *value);

/* Why VALUE, a signal, cannot be a stop signal; NULL when it can, or when
 * it is no signal at all. */
const char *worker_stop_signal_refusal(const char *value);

#endif
