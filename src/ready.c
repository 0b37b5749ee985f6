#include "ready.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "settings.h"
#include "parse.h"
#include "systemd.h"
#include "task.h"

#define FIRST_DELAY 0.05
#define LONGEST_DELAY 1.0

/* The task whose member MEMBER (a watcher) PTR points to. */
#define TASK_OF(ptr, member)                                                   \
	((struct task *)((char *)(ptr)-offsetof(struct task, member)))

static void attempt_done(struct probe *attempt, bool ok, const char *reason);

static void became_ready(struct task *t)
{
	ready_stop(t);
	task_post(t, TEV_READY);
}

static void probe_later(struct task *t)
{
	struct ready_probe *p = &t->probe;

	ev_timer_set(&p->timer, p->delay, 0);
	ev_timer_start(t->ctx->loop, &p->timer);
	p->delay = p->delay * 2 < LONGEST_DELAY ? p->delay * 2 : LONGEST_DELAY;
}

/* notify ------------------------------------------------------------------ */

/* mkdtemp makes it 0700: the sockets are aiorun's alone. */
int ready_make_dir(const struct settings *s, char **dir)
{
	char path[] = "/tmp/aiorun-notify-XXXXXX";

	*dir = NULL;
	for (size_t i = 0; i < s->worker_count; i++) {
		if (s->workers[i].ready != READY_NOTIFY)
			continue;
		if (mkdtemp(path) == NULL || (*dir = strdup(path)) == NULL)
			return -1;
		return 0;
	}
	return 0;
}

void ready_remove_dir(char *dir)
{
	if (dir != NULL)
		rmdir(dir);
	free(dir);
}

int ready_prepare(struct task *t, const char *dir)
{
	struct ready_probe *p = &t->probe;
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	int on = 1;

	p->notify_fd = -1;
	probe_init(&p->attempt, t->ctx->loop, attempt_done, t);
	if (t->def->ready != READY_NOTIFY)
		return 0;
	if (asprintf(&p->notify_path, "%s/%s.sock", dir, t->def->name) == -1) {
		p->notify_path = NULL;
		return -1;
	}
	if (strlen(p->notify_path) >= sizeof(address.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(address.sun_path, p->notify_path);
	p->notify_fd =
		socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->notify_fd == -1 ||
	    setsockopt(p->notify_fd, SOL_SOCKET, SO_PASSCRED, &on,
		       sizeof(on)) == -1 ||
	    bind(p->notify_fd, (struct sockaddr *)&address, sizeof(address)) ==
		    -1)
		return -1;
	if (asprintf(&p->notify_var, "NOTIFY_SOCKET=%s", p->notify_path) ==
	    -1) {
		p->notify_var = NULL;
		return -1;
	}
	return 0;
}

/* Whether PID is T or of T's process group: only they may say it is
 * ready. */
static bool sent_by(const struct task *t, pid_t pid)
{
	return pid == t->pid || (t->pgid > 0 && getpgid(pid) == t->pgid);
}

static void notify_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct task *t = TASK_OF(io, probe.notify_watcher);
	char message[4096], control[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {message, sizeof(message) - 1};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	struct ucred *cred = NULL;
	ssize_t n;

	(void)loop;
	(void)revents;
	while ((n = recvmsg(t->probe.notify_fd, &msg, MSG_DONTWAIT)) >= 0) {
		message[n] = '\0';
		cred = NULL;
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
		     cmsg = CMSG_NXTHDR(&msg, cmsg))
			if (cmsg->cmsg_level == SOL_SOCKET &&
			    cmsg->cmsg_type == SCM_CREDENTIALS)
				cred = (struct ucred *)CMSG_DATA(cmsg);
		if (cred == NULL || !sent_by(t, cred->pid)) {
			log_debug("%s: a notification from pid %d ignored",
				  t->def->name, cred ? (int)cred->pid : -1);
			continue;
		}
		for (char *line = strtok(message, "\n"); line != NULL;
		     line = strtok(NULL, "\n")) {
			if (strncmp(line, "STATUS=", 7) == 0)
				systemd_notify("STATUS=%s: %s", t->def->name,
					       line + 7);
			else if (strcmp(line, "READY=1") == 0 && !t->ready_seen)
				became_ready(t);
		}
		msg.msg_controllen = sizeof(control);
	}
}
/* tcp and exec ------------------------------------------------------------ */

/* A refused connection costs a few system calls: tried every 25 ms, a
 * port is seen open within that much of its opening. A connection that
 * hangs (a SYN dropped on the way) is given up after a second. */
#define TCP_RETRY 0.025
#define TCP_ATTEMPT_LIMIT 1.0
/* Without a ready-timeout, an exec: probe that hangs is killed after
 * this long and tried again. */
#define EXEC_ATTEMPT_LIMIT 30.0

static void retry(struct task *t)
{
	if (t->def->ready == READY_TCP) {
		ev_timer_set(&t->probe.timer, TCP_RETRY, 0);
		ev_timer_start(t->ctx->loop, &t->probe.timer);
	} else {
		probe_later(t);
	}
}

static void attempt_done(struct probe *attempt, bool ok, const char *reason)
{
	struct task *t = attempt->data;

	if (t->ready_seen || t->pid <= 0)
		return;
	log_debug("%s: readiness probe: %s", t->def->name,
		  ok ? "ready" : reason);
	if (ok)
		became_ready(t);
	else
		retry(t);
}

/* The probe runs like its worker: its environment, its directory, the
 * dispositions of a child, a process group of its own, no standard input;
 * what it prints on standard output is dropped. */
static int exec_probe(struct task *t)
{
	double limit = t->def->ready_timeout > 0 ? t->def->ready_timeout
						 : EXEC_ATTEMPT_LIMIT;

	return task_probe_command(t, &t->probe.attempt, t->def->ready_command,
				  limit);
}

bool ready_reaped(struct task *t, pid_t pid, int status)
{
	return probe_reaped(&t->probe.attempt, pid, status);
}

/* ------------------------------------------------------------------------ */

static void probe_cb(struct ev_loop *loop, struct ev_timer *timer, int revents)
{
	struct task *t = TASK_OF(timer, probe.timer);
	int result = 0;

	(void)loop;
	(void)revents;
	if (t->def->ready == READY_TCP)
		result = probe_tcp(&t->probe.attempt, t->def->ready_host,
				   t->def->ready_port, TCP_ATTEMPT_LIMIT);
	else if (t->def->ready == READY_EXEC)
		result = exec_probe(t);
	if (result == -1)
		retry(t);
}

static void timeout_cb(struct ev_loop *loop, struct ev_timer *timer,
		       int revents)
{
	struct task *t = TASK_OF(timer, probe.timeout);

	(void)loop;
	(void)revents;
	ready_stop(t);
	task_post(t, TEV_NOT_READY);
}

void ready_start(struct task *t)
{
	struct ready_probe *p = &t->probe;
	struct ev_loop *loop = t->ctx->loop;

	ready_stop(t);
	t->ready_seen = false;
	p->delay = FIRST_DELAY;
	if (t->def->ready != READY_STARTED && t->def->ready_timeout > 0) {
		ev_timer_init(&p->timeout, timeout_cb, t->def->ready_timeout,
			      0);
		ev_timer_start(loop, &p->timeout);
	}
	switch (t->def->ready) {
	case READY_STARTED:
		became_ready(t);
		break;
	case READY_NOTIFY:
		ev_io_init(&p->notify_watcher, notify_cb, p->notify_fd,
			   EV_READ);
		ev_io_start(loop, &p->notify_watcher);
		break;
	case READY_TCP:
	case READY_EXEC:
		ev_timer_init(&p->timer, probe_cb, 0, 0);
		ev_timer_start(loop, &p->timer);
		break;
	}
}

void ready_stop(struct task *t)
{
	struct ready_probe *p = &t->probe;
	struct ev_loop *loop = t->ctx->loop;

	ev_timer_stop(loop, &p->timer);
	ev_timer_stop(loop, &p->timeout);
	ev_io_stop(loop, &p->notify_watcher);
	probe_cancel(&p->attempt);
}

void ready_finish(struct task *t)
{
	struct ready_probe *p = &t->probe;

	if (p->notify_path != NULL)
		unlink(p->notify_path);
	if (p->notify_fd >= 0)
		close(p->notify_fd);
	free(p->notify_path);
	free(p->notify_var);
	p->notify_path = p->notify_var = NULL;
	p->notify_fd = -1;
}
