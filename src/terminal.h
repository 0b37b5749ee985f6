/* The controlling terminal, and aiorun as a job of the shell that started
 * it (SPEC section 5). PROGRAM's group is given the terminal when aiorun
 * has it in the foreground; when PROGRAM is stopped (Ctrl-Z, SIGTTIN,
 * SIGTTOU), aiorun takes the terminal back and stops itself, so that the
 * shell's prompt returns; when the shell continues aiorun in the
 * foreground (fg), PROGRAM's group gets the terminal again. With no
 * PROGRAM on the terminal, a stop that reaches aiorun stops every task's
 * group, then aiorun. */
#ifndef AIORUN_TERMINAL_H
#define AIORUN_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct task;

/* Whether standard input is a terminal that aiorun's group has in the
 * foreground: a child asking for it would get it ("aiorun -- prog &"
 * leaves it to the shell). */
bool terminal_is_ours(void);

/* Gives the terminal back to aiorun's group if group PGID has it; with
 * PGID 0, if any other group has it (a child whose exec failed after it
 * took the terminal: posix_spawn does not say which pid it had). */
void terminal_take_back(pid_t pgid);

/* T, which wants the terminal, was stopped by SIGNO: when that was a
 * job-control stop on aiorun's terminal, aiorun takes the terminal back
 * and stops itself, until its shell continues it. */
void terminal_task_stopped(struct task *t, int signo);

/* aiorun received SIGTSTP, SIGTTIN or SIGTTOU: every running task's group
 * is stopped, then aiorun itself. Not as PID 1, which no stop can reach
 * and whose workers would stay stopped. */
void terminal_suspend(struct task **tasks, size_t count);

/* aiorun was continued: in the foreground of its terminal, the task that
 * wants the terminal gets it again. The caller forwards SIGCONT. */
void terminal_resume(struct task **tasks, size_t count);

#endif
