#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "options.h"
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
int spawn_resolve(const char *file, char **resolved)
{
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
		return (*resolved = strdup(file)) == NULL ? -1 : 0;
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
			return (*resolved = strdup(candidate)) == NULL ? -1 : 0;
		path = colon ? colon + 1 : NULL;
	}
	errno = error;
	return -1;
}

/* Environment ------------------------------------------------------------ */

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
	return options_is_variable(entry);
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

char **spawn_environment(char *const *common, char *const *own,
			 char *const *extra)
{
	char *const *layers[] = {common, own, extra};
	size_t count = 0;
	char **envp = calloc(list_length(environ) + list_length(common) +
				     list_length(own) + list_length(extra) + 1,
			     sizeof(*envp));

	if (envp == NULL)
		return NULL;
	for (char **entry = environ; *entry != NULL; entry++)
		if (!meant_for_aiorun(*entry))
			envp[count++] = *entry;
	for (size_t l = 0; l < sizeof(layers) / sizeof(layers[0]); l++)
		for (size_t i = 0; i < list_length(layers[l]); i++)
			count = env_put(envp, count, layers[l][i]);
	envp[count] = NULL;
	return envp;
}

/* The forked child ------------------------------------------------------ */

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
	_exit(spawn_failure_status(failure.error));
}

static _Noreturn void child_fail(int step)
{
	child_fail_to(child_error_fd, step);
}

/* Gives up privileges in the only safe order: groups while still allowed
 * to, then the group, then the user. */
static void child_drop_privileges(const struct spawn_plan *p)
{
	if (p->set_uid && setgroups((size_t)p->group_count, p->groups) == -1)
		child_fail(STEP_SETGROUPS);
	if (p->set_gid && !p->set_uid && setgroups(1, &p->gid) == -1)
		child_fail(STEP_SETGROUPS);
	if (p->set_gid && setgid(p->gid) == -1)
		child_fail(STEP_SETGID);
	if (p->set_uid && setuid(p->uid) == -1)
		child_fail(STEP_SETUID);
}

/* The sockets at 3.. stay open across exec, and LISTEN_PID names the
 * child itself: its digits go into the room the environment left. */
static void child_pass_sockets(const struct spawn_plan *p)
{
	char digits[24], *at = p->listen_pid + strlen("LISTEN_PID=");
	pid_t pid = getpid();
	int n = 0;

	for (int fd = 3; fd < 3 + p->listen_fds; fd++)
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
static _Noreturn void child_exec(const struct spawn_plan *p, int error_fd)
{
	sigset_t none;
	int null_fd;

	/* A terminal of its own needs a session of its own, of which it is
	 * the controlling terminal. */
	if (p->tty && (setsid() == -1 || ioctl(p->tty_fd, TIOCSCTTY, 0) == -1))
		child_fail_to(error_fd, STEP_EXEC);
	if (!p->tty)
		setpgid(0, 0);
	/* With SIGTTOU blocked, a background process may take the terminal. */
	if (p->take_terminal)
		tcsetpgrp(STDIN_FILENO, getpid());
	signals_child_reset();

	/* Before the error pipe takes descriptor 3, which one of these may
	 * be. */
	if ((p->out_fd >= 0 && dup2(p->out_fd, STDOUT_FILENO) == -1) ||
	    (p->err_fd >= 0 && dup2(p->err_fd, STDERR_FILENO) == -1))
		child_fail_to(error_fd, STEP_EXEC);
	if (p->no_input) {
		null_fd = open("/dev/null", O_RDONLY);
		if (null_fd == -1 || dup2(null_fd, STDIN_FILENO) == -1)
			child_fail_to(error_fd, STEP_EXEC);
	}
	if (p->quiet) {
		null_fd = open("/dev/null", O_WRONLY);
		if (null_fd == -1 || dup2(null_fd, STDOUT_FILENO) == -1)
			child_fail_to(error_fd, STEP_EXEC);
	}
	if (p->tty)
		for (int fd = 0; fd <= 2; fd++)
			if (dup2(p->tty_fd, fd) == -1)
				child_fail_to(error_fd, STEP_EXEC);
	child_error_fd = 3 + p->listen_fds;
	if (error_fd != child_error_fd)
		dup3(error_fd, child_error_fd, O_CLOEXEC);
	closefrom(child_error_fd + 1);
	if (p->listen_fds > 0)
		child_pass_sockets(p);

	if (p->directory != NULL && chdir(p->directory) == -1)
		child_fail(STEP_CHDIR);
	child_drop_privileges(p);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(p->path, p->argv, p->envp != NULL ? p->envp : environ);
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

/* The child reports a failure through a close-on-exec pipe, which
 * spawn_await reads. */
static int fork_child(const struct spawn_plan *p, struct spawn_child *c)
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
		child_exec(p, pipefd[1]);
	}
	error = errno;
	sigprocmask(SIG_SETMASK, &saved, NULL);
	close(pipefd[1]);
	if (pid == -1) {
		close(pipefd[0]);
		errno = error;
		return -1;
	}

	/* Also here, so that the group exists before anyone signals it; not
	 * for a session leader-to-be, whose setsid a group would make fail. */
	if (!p->tty)
		setpgid(pid, pid);
	c->pid = pid;
	c->exec_fd = pipefd[0];
	return 0;
}

/* glibc's posix_spawn starts the child without copying aiorun's memory
 * (a vfork-like clone) and reports a failed exec itself: the common case
 * costs a third less than fork. It cannot change users or groups, nor
 * write the child's own pid into LISTEN_PID: fork_child does those. */
static int posix_spawn_child(const struct spawn_plan *p, struct spawn_child *c)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	pid_t pid;
	int error;

	signals_spawn_attr(&attr);
	posix_spawn_file_actions_init(&actions);
	if (p->take_terminal)
		posix_spawn_file_actions_addtcsetpgrp_np(&actions,
							 STDIN_FILENO);
	if (p->out_fd >= 0)
		posix_spawn_file_actions_adddup2(&actions, p->out_fd,
						 STDOUT_FILENO);
	if (p->err_fd >= 0)
		posix_spawn_file_actions_adddup2(&actions, p->err_fd,
						 STDERR_FILENO);
	if (p->no_input)
		posix_spawn_file_actions_addopen(&actions, STDIN_FILENO,
						 "/dev/null", O_RDONLY, 0);
	if (p->quiet)
		posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO,
						 "/dev/null", O_WRONLY, 0);
	if (p->directory != NULL)
		posix_spawn_file_actions_addchdir_np(&actions, p->directory);
	posix_spawn_file_actions_addclosefrom_np(&actions, 3);

	error = posix_spawn(&pid, p->path, &actions, &attr, p->argv,
			    p->envp != NULL ? p->envp : environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	/* No process could be made: the system's failure, not exec's. */
	if (error == EAGAIN || error == ENOMEM) {
		errno = error;
		return -1;
	}
	c->exec_fd = -1;
	/* posix_spawn says what failed, not where: a directory that is gone
	 * is the likely cause when there is one. */
	c->step = error != 0 && p->directory != NULL &&
				  access(p->directory, X_OK) == -1
			  ? STEP_CHDIR
			  : STEP_EXEC;
	c->error = error;
	c->pid = error == 0 ? pid : 0;
	return 0;
}

int spawn_start(const struct spawn_plan *plan, struct spawn_child *child)
{
	sigset_t defaults;

	*child = (struct spawn_child){.exec_fd = -1};
	/* posix_spawn cannot make a controlling terminal. */
	if (!plan->set_uid && !plan->set_gid && plan->listen_fds == 0 &&
	    !plan->tty && signals_child_defaults(&defaults))
		return posix_spawn_child(plan, child);
	return fork_child(plan, child);
}

int spawn_await(struct spawn_child *child)
{
	int error;

	if (child->exec_fd >= 0) {
		error = read_exec_error(child->exec_fd, &child->step);
		close(child->exec_fd);
		child->exec_fd = -1;
		if (error != 0)
			while (waitpid(child->pid, NULL, 0) == -1 &&
			       errno == EINTR)
				;
	} else {
		/* posix_spawn has reaped a child that failed. */
		error = child->error;
	}
	if (error == 0)
		return 0;
	child->pid = 0;
	errno = error;
	return -1;
}

int spawn_run(const struct spawn_plan *plan, struct spawn_child *child)
{
	return spawn_start(plan, child) == 0 ? spawn_await(child) : -1;
}

const char *spawn_error_text(const struct spawn_plan *plan,
			     const struct spawn_child *child, int error,
			     char *buf, size_t size)
{
	switch (child->step) {
	case STEP_CHDIR:
		snprintf(buf, size, "chdir %s: %s", plan->directory,
			 strerror(error));
		break;
	case STEP_SETGROUPS:
	case STEP_SETGID:
		snprintf(buf, size, "cannot set group %d: %s", (int)plan->gid,
			 strerror(error));
		break;
	case STEP_SETUID:
		snprintf(buf, size, "cannot set user %d: %s", (int)plan->uid,
			 strerror(error));
		break;
	default:
		snprintf(buf, size, "%s", strerror(error));
		break;
	}
	return buf;
}

int spawn_failure_status(int exec_errno)
{
	return exec_errno == ENOENT ? 127 : 126;
}
