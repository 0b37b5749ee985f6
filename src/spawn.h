/* Starting a child: the one way aiorun starts any process (a worker, the
 * on-shutdown hook, an exec: probe). Every child gets a process group of
 * its own, the signal dispositions of SPEC section 5 with an empty mask,
 * and only descriptors 0, 1 and 2 (plus sockets passed on on purpose);
 * a program that cannot be executed is reported by aiorun, with what
 * failed. Everything the child needs is built before the fork, since
 * between fork and exec only async-signal-safe calls are allowed. */
#ifndef AIORUN_SPAWN_H
#define AIORUN_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What to start, and how. Zero-initialised but for out_fd and err_fd
 * (-1), it is "run PATH with ARGV in aiorun's environment". */
struct spawn_plan {
	const char *path;      /* the program (spawn_resolve) */
	char *const *argv;     /* argv[0] is what was asked for */
	char *const *envp;     /* the whole environment */
	const char *directory; /* or NULL: aiorun's */
	bool set_uid, set_gid;
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups, with set_uid */
	int group_count;
	bool take_terminal; /* its group becomes the terminal's foreground */
	bool no_input;      /* its standard input is /dev/null */
	int out_fd, err_fd; /* its descriptors 1 and 2; -1: aiorun's */
	bool tty;           /* a session of its own, on the terminal... */
	int tty_fd;         /* ...whose slave this is: its 0, 1 and 2 */
	bool quiet;         /* its standard output goes to /dev/null */
	int listen_fds;     /* sockets at 3.. passed on (LISTEN_FDS), or 0 */
	char *listen_pid;   /* "LISTEN_PID=" in ENVP, with room for a pid
			       that the child writes: its own */
};

/* A child between spawn_start and spawn_await. */
struct spawn_child {
	pid_t pid;
	int exec_fd; /* the exec-error pipe of a forked child, or -1 */
	int error;   /* posix_spawn's verdict */
	int step;    /* what failed, for spawn_error_text */
};

/* Resolves FILE against PATH as execvp would, into a new string *PATH.
 * A name with a '/' is checked the same way. Returns 0, or -1 with errno
 * ENOENT (nothing found) or EACCES (found, not executable). */
int spawn_resolve(const char *file, char **path);

/* A new environment: aiorun's without the variables meant for aiorun
 * alone (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*, AIORUN_WORKER_NAME, and the
 * AIORUN_<OPTION> of every option aiorun has), then
 * each entry of COMMON, OWN and EXTRA in turn (NULL-terminated lists,
 * each may be NULL), each replacing an entry of the same name. The
 * entries are not copied; the caller frees the array. Returns NULL with
 * errno set. */
char **spawn_environment(char *const *common, char *const *own,
			 char *const *extra);

/* Starts PLAN: CHILD->pid is set. Returns 0, or -1 with errno set when no
 * process could be made. Whether the program runs is known after
 * spawn_await; many children can be started before any is awaited. */
int spawn_start(const struct spawn_plan *plan, struct spawn_child *child);

/* Waits until CHILD has executed its program or failed to. Returns 0, or
 * -1 with errno exec's error: the child has then been reaped. */
int spawn_await(struct spawn_child *child);

/* spawn_start, then spawn_await. */
int spawn_run(const struct spawn_plan *plan, struct spawn_child *child);

/* What failed when spawn_await reported ERROR ("chdir /srv: No such file
 * or directory"), into BUF. */
const char *spawn_error_text(const struct spawn_plan *plan,
			     const struct spawn_child *child, int error,
			     char *buf, size_t size);

/* The status aiorun reports for a program that could not be executed:
 * 127 when it was not found, 126 otherwise (as a shell does). */
int spawn_failure_status(int exec_errno);

#endif
