#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "signals.h"

extern char **environ;

/* What a child holds besides 0, 1 and 2 (and the sockets passed on, at
 * 3 and up) until exec: the write end of the exec-error pipe, at a known
 * place so that closefrom spares only it. Set in the child, whose memory
 * is its own. */
static int child_error_fd = 3;

static bool is_executable_file(const char *path, int *error)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return false;
	/* exec refuses a directory or a device with EACCES too. */
	if (!S_ISREG(st.st_mode) || access(path, X_OK) == -1) {
		*error = EACCES;
		return false;
	}
	return true;
}

/* execvp's search, done before fork: the first executable regular file
 * along PATH; EACCES if only non-executable ones were found. A name with a
 * '/' is checked the same way, so that --check finds what a start would. */
int worker_resolve(struct worker *w)
{
	const char *file = w->argv[0];
	const char *path = getenv("PATH");
	char candidate[PATH_MAX];
	int error = ENOENT;

	if (file[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/') != NULL) {
		if (!is_executable_file(file, &error)) {
			errno = error;
			return -1;
		}
		return (w->path = strdup(file)) == NULL ? -1 : 0;
	}
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";

	while (path != NULL) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		int n;

		/* An empty element is the current directory, as in execvp. */
		n = snprintf(candidate, sizeof(candidate), "%.*s%s%s", (int)len,
			     path, len ? "/" : "", file);
		if (n > 0 && (size_t)n < sizeof(candidate) &&
		    is_executable_file(candidate, &error))
			return (w->path = strdup(candidate)) == NULL ? -1 : 0;
		path = colon ? colon + 1 : NULL;
	}
	errno = error;
	return -1;
}

static bool meant_for_aiorun(const char *entry)
{
	static const char *const prefixes[] = {
		"NOTIFY_SOCKET=",      "WATCHDOG_USEC=", "WATCHDOG_PID=",
		"LISTEN_FDS=",         "LISTEN_PID=",    "LISTEN_FDNAMES=",
		"AIORUN_WORKER_NAME=",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(entry, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Puts ENTRY ("KEY=VALUE") into the COUNT entries of ENVP, replacing an
 * entry with the same key. Returns the new count. */
static size_t env_put(char **envp, size_t count, char *entry)
{
	size_t key_len = strcspn(entry, "=");

	for (size_t i = 0; i < count; i++) {
		if (strncmp(envp[i], entry, key_len + 1) == 0) {
			envp[i] = entry;
			return count;
		}
	}
	envp[count] = entry;
	return count + 1;
}

static size_t list_length(char *const *list)
{
	size_t n = 0;

	while (list != NULL && list[n] != NULL)
		n++;
	return n;
}

/* LISTEN_FDS, LISTEN_FDNAMES and room for LISTEN_PID, for the worker the
 * sockets go to. Returns the new count. */
static size_t add_listen_env(struct worker *w, size_t count)
{
	static char fds_var[32], names_var[4096];

	snprintf(fds_var, sizeof(fds_var), "LISTEN_FDS=%d", w->listen_fds);
	count = env_put(w->envp, count, fds_var);
	if (w->listen_names != NULL) {
		snprintf(names_var, sizeof(names_var), "LISTEN_FDNAMES=%s",
			 w->listen_names);
		count = env_put(w->envp, count, names_var);
	}
	w->listen_pid_var = calloc(1, sizeof("LISTEN_PID=") + 24);
	if (w->listen_pid_var == NULL)
		return count;
	strcpy(w->listen_pid_var, "LISTEN_PID=0");
	return env_put(w->envp, count, w->listen_pid_var);
}

int worker_build_env(struct worker *w, char *const *common)
{
	size_t size = list_length(environ) + list_length(common) +
		      list_length(w->env) + 6;
	size_t count = 0;

	if ((w->envp = calloc(size, sizeof(*w->envp))) == NULL)
		return -1;
	if (asprintf(&w->name_var, "AIORUN_WORKER_NAME=%s", w->name) == -1) {
		w->name_var = NULL;
		free(w->envp);
		w->envp = NULL;
		return -1;
	}
	for (char **entry = environ; *entry != NULL; entry++)
		if (!meant_for_aiorun(*entry))
			w->envp[count++] = *entry;
	for (size_t i = 0; i < list_length(common); i++)
		count = env_put(w->envp, count, common[i]);
	for (size_t i = 0; i < list_length(w->env); i++)
		count = env_put(w->envp, count, w->env[i]);
	count = env_put(w->envp, count, w->name_var);
	/* Its own socket, for "ready = notify". */
	if (w->notify_var != NULL)
		count = env_put(w->envp, count, w->notify_var);
	if (w->listen_fds > 0)
		count = add_listen_env(w, count);
	w->envp[count] = NULL;
	return 0;
}

/* What the child reports through the pipe when it cannot exec. */
enum child_step {
	STEP_EXEC,
	STEP_CHDIR,
	STEP_SETGROUPS,
	STEP_SETGID,
	STEP_SETUID,
};

struct child_failure {
	int step;
	int error;
};

static _Noreturn void child_fail_to(int fd, int step)
{
	struct child_failure failure = {step, errno};

	while (write(fd, &failure, sizeof(failure)) == -1 && errno == EINTR)
		;
	_exit(worker_exec_failure_status(failure.error));
}

static _Noreturn void child_fail(int step)
{
	child_fail_to(child_error_fd, step);
}

/* Gives up privileges in the only safe order: groups while still allowed
 * to, then the group, then the user. */
static void child_drop_privileges(const struct worker *w)
{
	if (w->set_uid && setgroups((size_t)w->group_count, w->groups) == -1)
		child_fail(STEP_SETGROUPS);
	if (w->set_gid && !w->set_uid && setgroups(1, &w->gid) == -1)
		child_fail(STEP_SETGROUPS);
	if (w->set_gid && setgid(w->gid) == -1)
		child_fail(STEP_SETGID);
	if (w->set_uid && setuid(w->uid) == -1)
		child_fail(STEP_SETUID);
}

/* The sockets at 3.. stay open across exec, and LISTEN_PID names the
 * child itself: its digits go into the room the environment left. */
static void child_pass_sockets(const struct worker *w)
{
	char digits[24], *at = w->listen_pid_var + strlen("LISTEN_PID=");
	pid_t pid = getpid();
	int n = 0;

	for (int fd = 3; fd < 3 + w->listen_fds; fd++)
		fcntl(fd, F_SETFD, 0);
	do {
		digits[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	while (n > 0)
		*at++ = digits[--n];
	*at = '\0';
}

/* The child's side, from fork to exec. Async-signal-safe calls only, and
 * _exit on every path. Signals are blocked on entry. */
static _Noreturn void child_exec(const struct worker *w, int error_fd)
{
	sigset_t none;

	setpgid(0, 0);
	/* With SIGTTOU blocked, a background process may take the terminal. */
	if (w->took_terminal)
		tcsetpgrp(STDIN_FILENO, getpid());
	signals_child_reset();

	/* Before the error pipe takes descriptor 3, which one of these may
	 * be. */
	if (w->capture && (dup2(w->capture_fds[0], STDOUT_FILENO) == -1 ||
			   dup2(w->capture_fds[1], STDERR_FILENO) == -1))
		child_fail_to(error_fd, STEP_EXEC);
	child_error_fd = 3 + w->listen_fds;
	if (error_fd != child_error_fd)
		dup3(error_fd, child_error_fd, O_CLOEXEC);
	closefrom(child_error_fd + 1);
	if (w->listen_fds > 0)
		child_pass_sockets(w);

	if (w->directory != NULL && chdir(w->directory) == -1)
		child_fail(STEP_CHDIR);
	child_drop_privileges(w);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(w->path, w->argv, w->envp);
	child_fail(STEP_EXEC);
}

/* Waits for the child to exec (the pipe closes) or to report why it could
 * not. Returns the failure's errno, or 0. */
static int read_exec_error(int fd, int *step)
{
	struct child_failure failure = {STEP_EXEC, 0};
	ssize_t n;

	do
		n = read(fd, &failure, sizeof(failure));
	while (n == -1 && errno == EINTR);
	*step = failure.step;
	return n == (ssize_t)sizeof(failure) ? failure.error : 0;
}

const char *worker_spawn_error(const struct worker *w, int error, char *buf,
			       size_t size)
{
	switch (w->spawn_step) {
	case STEP_CHDIR:
		snprintf(buf, size, "chdir %s: %s", w->directory,
			 strerror(error));
		break;
	case STEP_SETGROUPS:
	case STEP_SETGID:
		snprintf(buf, size, "cannot set group %d: %s", (int)w->gid,
			 strerror(error));
		break;
	case STEP_SETUID:
		snprintf(buf, size, "cannot set user %d: %s", (int)w->uid,
			 strerror(error));
		break;
	default:
		snprintf(buf, size, "%s", strerror(error));
		break;
	}
	return buf;
}

/* glibc's posix_spawn starts the child without copying aiorun's memory
 * (a vfork-like clone) and reports a failed exec itself: the common case
 * costs a third less than fork. It cannot change users or groups, so
 * fork_child below does that. */
static int spawn_child(struct worker *w)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	pid_t pid;
	int error;

	signals_spawn_attr(&attr);
	posix_spawn_file_actions_init(&actions);
	if (w->took_terminal)
		posix_spawn_file_actions_addtcsetpgrp_np(&actions,
							 STDIN_FILENO);
	if (w->capture) {
		posix_spawn_file_actions_adddup2(&actions, w->capture_fds[0],
						 STDOUT_FILENO);
		posix_spawn_file_actions_adddup2(&actions, w->capture_fds[1],
						 STDERR_FILENO);
	}
	if (w->directory != NULL)
		posix_spawn_file_actions_addchdir_np(&actions, w->directory);
	posix_spawn_file_actions_addclosefrom_np(&actions, 3);

	error = posix_spawn(&pid, w->path, &actions, &attr, w->argv, w->envp);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	/* No process could be made: the system's failure, not exec's. */
	if (error == EAGAIN || error == ENOMEM) {
		errno = error;
		return -1;
	}
	w->exec_fd = -1;
	/* posix_spawn says what failed, not where: a directory that is gone
	 * is the likely cause when there is one. */
	w->spawn_step = error != 0 && w->directory != NULL &&
					access(w->directory, X_OK) == -1
				? STEP_CHDIR
				: STEP_EXEC;
	w->spawn_errno = error;
	w->pid = error == 0 ? pid : 0;
	return 0;
}

/* The child reports a failure through a close-on-exec pipe, which
 * worker_await_exec reads. */
static int fork_child(struct worker *w)
{
	int pipefd[2];
	sigset_t saved;
	pid_t pid;
	int error;

	if (pipe2(pipefd, O_CLOEXEC) == -1)
		return -1;

	signals_block_all(&saved);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		child_exec(w, pipefd[1]);
	}
	error = errno;
	sigprocmask(SIG_SETMASK, &saved, NULL);
	close(pipefd[1]);
	if (pid == -1) {
		close(pipefd[0]);
		errno = error;
		return -1;
	}

	/* Also here, so that the group exists before anyone signals it. */
	setpgid(pid, pid);
	w->pid = pid;
	w->exec_fd = pipefd[0];
	return 0;
}

int worker_fork(struct worker *w)
{
	sigset_t defaults;
	int result;

	/* Only a terminal that aiorun has in the foreground is handed on:
	 * "aiorun -- prog &" must leave it to the shell. */
	w->took_terminal = w->foreground && isatty(STDIN_FILENO) &&
			   tcgetpgrp(STDIN_FILENO) == getpgrp();
	/* posix_spawn cannot change users, nor write the child's own pid
	 * into LISTEN_PID. */
	if (!w->set_uid && !w->set_gid && w->listen_fds == 0 &&
	    signals_child_defaults(&defaults))
		result = spawn_child(w);
	else
		result = fork_child(w);
	if (result == -1)
		return -1;
	w->pgid = w->pid;
	w->cancelled = false;
	w->killed = false;
	return 0;
}

int worker_await_exec(struct worker *w)
{
	int error;

	if (w->exec_fd >= 0) {
		error = read_exec_error(w->exec_fd, &w->spawn_step);
		close(w->exec_fd);
		w->exec_fd = -1;
		if (error != 0)
			while (waitpid(w->pid, NULL, 0) == -1 && errno == EINTR)
				;
	} else {
		/* posix_spawn has reaped a child that failed. */
		error = w->spawn_errno;
	}
	if (error == 0)
		return 0;
	w->pid = 0;
	w->pgid = 0;
	w->status = worker_exec_failure_status(error);
	errno = error;
	return -1;
}

int worker_spawn(struct worker *w)
{
	return worker_fork(w) == 0 ? worker_await_exec(w) : -1;
}

void worker_release_terminal(struct worker *w)
{
	sigset_t ttou, saved;

	if (!w->took_terminal)
		return;
	w->took_terminal = false;
	/* aiorun is in the background now: SIGTTOU would stop it. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &saved);
	if (tcgetpgrp(STDIN_FILENO) == w->pgid)
		tcsetpgrp(STDIN_FILENO, getpgrp());
	sigprocmask(SIG_SETMASK, &saved, NULL);
}

int worker_signal(const struct worker *w, int signo)
{
	if (w->pgid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(-w->pgid, signo);
}

int worker_exec_failure_status(int exec_errno)
{
	return exec_errno == ENOENT ? 127 : 126;
}

void worker_finish(struct worker *w)
{
	free(w->envp);
	free(w->name_var);
	free(w->path);
	free(w->starts);
	free(w->listen_pid_var);
	w->listen_pid_var = NULL;
	w->envp = NULL;
	w->name_var = NULL;
	w->path = NULL;
	w->starts = NULL;
}
