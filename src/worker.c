#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "signals.h"

extern char **environ;

/* What a child holds besides 0, 1 and 2 until exec: the write end of the
 * exec-error pipe, at a known place so that closefrom spares only it. */
#define ERROR_FD 3

static bool is_executable_file(const char *path, int *error)
{
	struct stat st;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return false;
	if (access(path, X_OK) == -1) {
		*error = EACCES;
		return false;
	}
	return true;
}

/* execvp's search, done before fork: the first executable regular file
 * along PATH; EACCES if only non-executable ones were found. */
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
	if (strchr(file, '/') != NULL)
		return (w->path = strdup(file)) == NULL ? -1 : 0;
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
		"NOTIFY_SOCKET=", "WATCHDOG_USEC=",      "WATCHDOG_PID=",
		"LISTEN_",        "AIORUN_WORKER_NAME=",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(entry, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

int worker_build_env(struct worker *w)
{
	size_t count = 0, kept = 0;
	char *name;

	while (environ[count] != NULL)
		count++;
	if ((w->envp = calloc(count + 2, sizeof(*w->envp))) == NULL)
		return -1;
	if (asprintf(&name, "AIORUN_WORKER_NAME=%s", w->name) == -1) {
		free(w->envp);
		w->envp = NULL;
		return -1;
	}
	for (size_t i = 0; i < count; i++)
		if (!meant_for_aiorun(environ[i]))
			w->envp[kept++] = environ[i];
	w->envp[kept] = name;
	return 0;
}

/* The child's side, from fork to exec. Async-signal-safe calls only, and
 * _exit on every path. Signals are blocked on entry. */
static _Noreturn void child_exec(const struct worker *w, int error_fd)
{
	sigset_t none;
	int error;

	setpgid(0, 0);
	/* With SIGTTOU blocked, a background process may take the terminal. */
	if (w->foreground && isatty(STDIN_FILENO))
		tcsetpgrp(STDIN_FILENO, getpid());
	signals_child_reset();

	if (error_fd != ERROR_FD)
		dup3(error_fd, ERROR_FD, O_CLOEXEC);
	closefrom(ERROR_FD + 1);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(w->path, w->argv, w->envp);

	error = errno;
	while (write(ERROR_FD, &error, sizeof(error)) == -1 && errno == EINTR)
		;
	_exit(worker_exec_failure_status(error));
}

/* Waits for the child to exec (the pipe closes) or to report why it could
 * not (it writes errno). Returns that errno, or 0. */
static int read_exec_error(int fd)
{
	int error = 0;
	ssize_t n;

	do
		n = read(fd, &error, sizeof(error));
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)sizeof(error) ? error : 0;
}

int worker_spawn(struct worker *w)
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
	error = read_exec_error(pipefd[0]);
	close(pipefd[0]);
	if (error != 0) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		w->status = worker_exec_failure_status(error);
		errno = error;
		return -1;
	}
	w->pid = pid;
	w->cancelled = false;
	w->killed = false;
	return 0;
}

int worker_signal(const struct worker *w, int signo)
{
	if (w->pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(-w->pid, signo);
}

int worker_exec_failure_status(int exec_errno)
{
	return exec_errno == ENOENT ? 127 : 126;
}

void worker_finish(struct worker *w)
{
	if (w->envp != NULL) {
		size_t last = 0;

		while (w->envp[last + 1] != NULL)
			last++;
		free(w->envp[last]); /* AIORUN_WORKER_NAME, ours */
		free(w->envp);
	}
	free(w->path);
	w->envp = NULL;
	w->path = NULL;
}
