#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parse.h"
#include "spawn.h"

#define PROBE_OF(ptr, member)                                                  \
	((struct probe *)((char *)(ptr)-offsetof(struct probe, member)))

static void stop_watching(struct probe *p)
{
	ev_timer_stop(p->loop, &p->timer);
	ev_io_stop(p->loop, &p->io);
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
}

/* Ends the attempt and tells the owner, who may start the next one from
 * its callback. */
static void conclude(struct probe *p, bool ok, const char *reason)
{
	stop_watching(p);
	p->busy = false;
	if (reason != p->reason)
		strlcpy(p->reason, reason, sizeof(p->reason));
	p->done(p, ok, p->reason);
}

static void kill_command(struct probe *p)
{
	/* Its group: what the command started goes with it. */
	if (p->pid > 0)
		kill(-p->pid, SIGKILL);
}

static void timer_cb(struct ev_loop *loop, struct ev_timer *timer, int revents)
{
	struct probe *p = PROBE_OF(timer, timer);
	char limit[32];

	(void)loop;
	(void)revents;
	kill_command(p);
	snprintf(p->reason, sizeof(p->reason), "no answer within %s",
		 format_duration(p->limit, limit, sizeof(limit)));
	conclude(p, false, p->reason);
}

static void arm_limit(struct probe *p, double limit)
{
	p->limit = limit;
	p->busy = true;
	p->reason[0] = '\0';
	if (limit > 0) {
		ev_timer_set(&p->timer, limit, 0);
		ev_timer_start(p->loop, &p->timer);
	}
}

void probe_init(struct probe *p, struct ev_loop *loop, probe_done_fn *done,
		void *data)
{
	*p = (struct probe){.loop = loop, .done = done, .data = data, .fd = -1};
	ev_init(&p->timer, timer_cb);
}

/* HTTP -------------------------------------------------------------------- */

/* "HTTP/1.1 204 No Content": 2xx and 3xx are fine; anything else that is
 * no status line has failed. */
static void judge_status_line(struct probe *p)
{
	char *line = p->reply;
	int code;

	if (strncmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' ||
	    line[7] > '9' || line[8] != ' ' || line[9] < '1' || line[9] > '5' ||
	    line[10] < '0' || line[10] > '9' || line[11] < '0' ||
	    line[11] > '9' || (line[12] != ' ' && line[12] != '\r')) {
		conclude(p, false, "no HTTP status line in the reply");
		return;
	}
	code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + line[11] - '0';
	if (code >= 200 && code < 400) {
		conclude(p, true, "");
		return;
	}
	snprintf(p->reason, sizeof(p->reason), "HTTP status %d", code);
	conclude(p, false, p->reason);
}

static void read_reply(struct probe *p)
{
	ssize_t n;
	char *end;

	n = read(p->fd, p->reply + p->got, sizeof(p->reply) - 1 - p->got);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conclude(p, false,
			 n == 0 ? "the connection closed before a status line"
				: strerror(errno));
		return;
	}
	p->got += (size_t)n;
	p->reply[p->got] = '\0';
	if ((end = strchr(p->reply, '\n')) != NULL) {
		*end = '\0';
		judge_status_line(p);
	} else if (p->got == sizeof(p->reply) - 1) {
		conclude(p, false, "no HTTP status line in the reply");
	}
}

static void send_request(struct probe *p)
{
	ssize_t n = send(p->fd, p->request + p->sent, p->request_len - p->sent,
			 MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conclude(p, false, strerror(errno));
		return;
	}
	p->sent += (size_t)n;
	if (p->sent < p->request_len)
		return;
	ev_io_stop(p->loop, &p->io);
	ev_io_set(&p->io, p->fd, EV_READ);
	ev_io_start(p->loop, &p->io);
}

/* TCP --------------------------------------------------------------------- */

static void io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct probe *p = PROBE_OF(io, io);
	int error = 0;
	socklen_t len = sizeof(error);

	(void)loop;
	if (revents & EV_READ) {
		read_reply(p);
		return;
	}
	if (p->connected) {
		send_request(p);
		return;
	}
	/* Writable: the connection is made, or has failed. */
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	if (error != 0) {
		conclude(p, false, strerror(error));
		return;
	}
	p->connected = true;
	if (!p->http) {
		conclude(p, true, "");
		return;
	}
	send_request(p);
}

static int set_address(struct sockaddr_storage *address, socklen_t *len,
		       const char *host, int port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)address;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)address;

	*address = (struct sockaddr_storage){0};
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	errno = EINVAL;
	return -1;
}

/* Connecting to localhost, the answer is often there at once: it is
 * still given through the loop, as every other. */
int probe_tcp(struct probe *p, const char *host, int port, double limit)
{
	struct sockaddr_storage address;
	socklen_t len;

	probe_cancel(p);
	if (set_address(&address, &len, host, port) == -1)
		return -1;
	p->fd = socket(address.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd == -1)
		return -1;
	if (connect(p->fd, (struct sockaddr *)&address, len) == -1 &&
	    errno != EINPROGRESS) {
		int error = errno;

		close(p->fd);
		p->fd = -1;
		errno = error;
		return -1;
	}
	p->sent = p->got = 0;
	ev_io_init(&p->io, io_cb, p->fd, EV_WRITE);
	ev_io_start(p->loop, &p->io);
	arm_limit(p, limit);
	return 0;
}

int probe_http(struct probe *p, const char *host, int port, const char *path,
	       double limit)
{
	bool v6 = strchr(host, ':') != NULL;
	int n = snprintf(p->request, sizeof(p->request),
			 "GET %s HTTP/1.1\r\nHost: %s%s%s:%d\r\n"
			 "User-Agent: aiorun\r\nAccept: */*\r\n"
			 "Connection: close\r\n\r\n",
			 path, v6 ? "[" : "", host, v6 ? "]" : "", port);

	if (n < 0 || (size_t)n >= sizeof(p->request)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (probe_tcp(p, host, port, limit) == -1)
		return -1;
	p->http = true;
	p->request_len = (size_t)n;
	return 0;
}

/* exec -------------------------------------------------------------------- */

int probe_exec(struct probe *p, const struct spawn_plan *plan, double limit)
{
	struct spawn_child child;

	probe_cancel(p);
	if (p->pid > 0) {
		errno = EBUSY;
		return -1;
	}
	if (spawn_run(plan, &child) == -1)
		return -1;
	p->pid = child.pid;
	arm_limit(p, limit);
	return 0;
}

bool probe_reaped(struct probe *p, pid_t pid, int status)
{
	if (p->pid <= 0 || pid != p->pid)
		return false;
	p->pid = 0;
	if (!p->busy)
		return true;
	/* What the command started in its group goes with it. */
	kill(-pid, SIGKILL);
	if (status == 0) {
		conclude(p, true, "");
		return true;
	}
	if (status > 128)
		snprintf(p->reason, sizeof(p->reason), "ended by %s",
			 signal_name(status - 128));
	else
		snprintf(p->reason, sizeof(p->reason), "exit status %d",
			 status);
	conclude(p, false, p->reason);
	return true;
}

void probe_cancel(struct probe *p)
{
	if (p->busy)
		kill_command(p);
	stop_watching(p);
	p->busy = false;
	p->http = p->connected = false;
	p->sent = p->got = 0;
}
