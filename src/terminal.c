#include "terminal.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "task.h"

bool terminal_is_ours(void)
{
	return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

/* tcsetpgrp from a background group raises SIGTTOU: blocked meanwhile. */
static void give(pid_t pgid)
{
	sigset_t ttou, saved;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &saved);
	tcsetpgrp(STDIN_FILENO, pgid);
	sigprocmask(SIG_SETMASK, &saved, NULL);
}

void terminal_take_back(pid_t pgid)
{
	pid_t holder = tcgetpgrp(STDIN_FILENO);

	if (holder != -1 && (pgid == 0 ? holder != getpgrp() : holder == pgid))
		give(getpgrp());
}

static void stop_self(void)
{
	/* PID 1 cannot be stopped by its own signal; nothing to do. */
	if (getpid() == 1)
		return;
	log_debug("Stopping aiorun itself, as a job of its shell");
	kill(getpid(), SIGSTOP);
}

static bool is_job_stop(int signo)
{
	return signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU;
}

void terminal_task_stopped(struct task *t, int signo)
{
	if (!t->def->foreground || !is_job_stop(signo) || !isatty(STDIN_FILENO))
		return;
	if (t->took_terminal) {
		t->took_terminal = false;
		terminal_take_back(t->pgid);
	}
	stop_self();
}

void terminal_suspend(struct task **tasks, size_t count)
{
	if (getpid() == 1)
		return;
	for (size_t i = 0; i < count; i++) {
		if (tasks[i]->pid <= 0)
			continue;
		log_debug("Stopping %s (pid %d)", tasks[i]->def->name,
			  (int)tasks[i]->pid);
		task_signal(tasks[i], SIGSTOP);
	}
	stop_self();
}

void terminal_resume(struct task **tasks, size_t count)
{
	if (!terminal_is_ours())
		return;
	for (size_t i = 0; i < count; i++) {
		struct task *t = tasks[i];

		if (t->pid <= 0 || !t->def->foreground || t->took_terminal)
			continue;
		t->took_terminal = true;
		give(t->pgid);
	}
}
