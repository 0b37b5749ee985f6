#include "ready.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "signals.h"

#define FIRST_DELAY 0.05
#define LONGEST_DELAY 1.0

extern char **environ;

/* What a probe needs to report back. */
struct probe_context {
	ready_callback *ready;
	void *data;
	int tcp_fd; /* a connection under way, or -1 */
};

static struct probe_context *context_of(struct worker *w)
{
	return w->ready_timer.data;
}

static void became_ready(struct ev_loop *loop, struct worker *w)
{
	struct probe_context *c = context_of(w);

	ready_stop(loop, w);
	if (c != NULL && c->ready != NULL)
		c->ready(w, c->data);
}

static void probe_later(struct ev_loop *loop, struct worker *w)
{
	ev_timer_set(&w->ready_timer, w->probe_delay, 0);
	ev_timer_start(loop, &w->ready_timer);
	w->probe_delay = w->probe_delay * 2 < LONGEST_DELAY ? w->probe_delay * 2
							    : LONGEST_DELAY;
}

/* notify ------------------------------------------------------------------ */

int ready_prepare(struct worker *w, const char *dir)
{
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	int on = 1;

	w->notify_fd = -1;
	if (w->ready != READY_NOTIFY)
		return 0;
	if (asprintf(&w->notify_path, "%s/%s.sock", dir, w->name) == -1) {
		w->notify_path = NULL;
		return -1;
	}
	if (strlen(w->notify_path) >= sizeof(address.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(address.sun_path, w->notify_path);
	w->notify_fd =
		socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (w->notify_fd == -1 ||
	    setsockopt(w->notify_fd, SOL_SOCKET, SO_PASSCRED, &on,
		       sizeof(on)) == -1 ||
	    bind(w->notify_fd, (struct sockaddr *)&address, sizeof(address)) ==
		    -1)
		return -1;
	if (asprintf(&w->notify_var, "NOTIFY_SOCKET=%s", w->notify_path) ==
	    -1) {
		w->notify_var = NULL;
		return -1;
	}
	return 0;
}

/* Whether PID is W or of W's process group: only they may say it is
 * ready. */
static bool sent_by(const struct worker *w, pid_t pid)
{
	return pid == w->pid || (w->pgid > 0 && getpgid(pid) == w->pgid);
}

static void notify_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct worker *w = io->data;
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

	(void)revents;
	while ((n = recvmsg(w->notify_fd, &msg, MSG_DONTWAIT)) >= 0) {
		message[n] = '\0';
		cred = NULL;
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
		     cmsg = CMSG_NXTHDR(&msg, cmsg))
			if (cmsg->cmsg_level == SOL_SOCKET &&
			    cmsg->cmsg_type == SCM_CREDENTIALS)
				cred = (struct ucred *)CMSG_DATA(cmsg);
		if (cred == NULL || !sent_by(w, cred->pid)) {
			log_debug("%s: a notification from pid %d ignored",
				  w->name, cred ? (int)cred->pid : -1);
			continue;
		}
		for (char *line = strtok(message, "\n"); line != NULL;
		     line = strtok(NULL, "\n")) {
			if (strncmp(line, "STATUS=", 7) == 0)
				notify_send("STATUS=%s: %s", w->name, line + 7);
			else if (strcmp(line, "READY=1") == 0 && !w->is_ready)
				became_ready(loop, w);
		}
		msg.msg_controllen = sizeof(control);
	}
}

/* tcp --------------------------------------------------------------------- */

/* One connection attempt, or the end of one under way. Returns whether
 * the port accepted it. */
static bool tcp_probe(struct worker *w)
{
	struct probe_context *c = context_of(w);
	struct sockaddr_storage address = {0};
	struct sockaddr_in *in4 = (struct sockaddr_in *)&address;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&address;
	socklen_t len;
	int error = 0;

	if (c->tcp_fd >= 0) {
		struct pollfd done = {.fd = c->tcp_fd, .events = POLLOUT};

		if (poll(&done, 1, 0) == 0)
			return false; /* still under way */
		len = sizeof(error);
		getsockopt(c->tcp_fd, SOL_SOCKET, SO_ERROR, &error, &len);
		close(c->tcp_fd);
		c->tcp_fd = -1;
		return error == 0;
	}
	if (inet_pton(AF_INET, w->ready_host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)w->ready_port);
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, w->ready_host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)w->ready_port);
		len = sizeof(*in6);
	} else {
		return false;
	}
	c->tcp_fd = socket(address.ss_family,
			   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->tcp_fd == -1)
		return false;
	if (connect(c->tcp_fd, (struct sockaddr *)&address, len) == 0) {
		close(c->tcp_fd);
		c->tcp_fd = -1;
		return true;
	}
	if (errno != EINPROGRESS) {
		close(c->tcp_fd);
		c->tcp_fd = -1;
	}
	return false;
}

/* exec -------------------------------------------------------------------- */

/* The probe runs like its worker: its environment, its directory, the
 * dispositions of a child, a process group of its own. */
static void exec_probe(struct worker *w)
{
	char *argv[] = {"/bin/sh", "-c", (char *)w->ready_command, NULL};
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;

	signals_spawn_attr(&attr);
	posix_spawn_file_actions_init(&actions);
	if (w->directory != NULL)
		posix_spawn_file_actions_addchdir_np(&actions, w->directory);
	posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
					 O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&actions, 3);
	if (posix_spawn(&w->probe_pid, "/bin/sh", &actions, &attr, argv,
			w->envp != NULL ? w->envp : environ) != 0)
		w->probe_pid = 0;
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
}

bool ready_reaped(struct ev_loop *loop, struct worker *w, pid_t pid, int status)
{
	if (w->probe_pid == 0 || pid != w->probe_pid)
		return false;
	w->probe_pid = 0;
	if (w->is_ready || w->pid <= 0)
		return true;
	if (status == 0)
		became_ready(loop, w);
	else
		probe_later(loop, w);
	return true;
}

/* ------------------------------------------------------------------------ */

static void probe_cb(struct ev_loop *loop, struct ev_timer *timer, int revents)
{
	struct worker *w = WORKER_OF(timer, ready_timer);

	(void)revents;
	if (w->ready == READY_TCP) {
		if (tcp_probe(w))
			became_ready(loop, w);
		else
			probe_later(loop, w);
	} else if (w->ready == READY_EXEC && w->probe_pid == 0) {
		exec_probe(w);
		if (w->probe_pid == 0)
			probe_later(loop, w);
	}
}

void ready_start(struct ev_loop *loop, struct worker *w, ready_callback *ready,
		 void *data)
{
	struct probe_context *c = context_of(w);

	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return;
		c->tcp_fd = -1;
		ev_init(&w->ready_timer, probe_cb);
		w->ready_timer.data = c;
	}
	ready_stop(loop, w);
	c->ready = ready;
	c->data = data;
	w->is_ready = false;
	w->probe_delay = FIRST_DELAY;
	switch (w->ready) {
	case READY_STARTED:
		became_ready(loop, w);
		break;
	case READY_NOTIFY:
		ev_io_init(&w->notify_watcher, notify_cb, w->notify_fd,
			   EV_READ);
		w->notify_watcher.data = w;
		ev_io_start(loop, &w->notify_watcher);
		break;
	case READY_TCP:
	case READY_EXEC:
		ev_timer_set(&w->ready_timer, 0, 0);
		ev_timer_start(loop, &w->ready_timer);
		break;
	}
}

void ready_stop(struct ev_loop *loop, struct worker *w)
{
	struct probe_context *c = context_of(w);

	if (c == NULL)
		return;
	ev_timer_stop(loop, &w->ready_timer);
	if (w->ready == READY_NOTIFY)
		ev_io_stop(loop, &w->notify_watcher);
	if (c->tcp_fd >= 0) {
		close(c->tcp_fd);
		c->tcp_fd = -1;
	}
}

void ready_finish(struct worker *w)
{
	if (w->notify_path != NULL)
		unlink(w->notify_path);
	if (w->notify_fd > 0)
		close(w->notify_fd);
	free(context_of(w));
	free(w->notify_path);
	free(w->notify_var);
	w->ready_timer.data = NULL;
	w->notify_path = w->notify_var = NULL;
}
