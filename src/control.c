#include "control.h"
#include "control_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlproto.h"
#include "log.h"
#include "parse.h"
#include "ring.h"
#include "task.h"

static void client_close(struct client *c);

struct task **control_tasks(struct control *ctl, size_t *count)
{
	return supervisor_tasks(ctl->sup, count);
}

/* The answer ------------------------------------------------------------- */

void client_put(struct client *c, char channel, const char *text, size_t len)
{
	size_t need = c->out_len + len + 2;

	if (c->fd < 0)
		return;
	if (need - c->out_sent > OUT_MAX) {
		log_debug("Control: a client reads too slowly; dropped");
		c->fd = -c->fd - 2; /* marked: closed by client_flush */
		return;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *out;

		while (cap < need)
			cap *= 2;
		if ((out = realloc(c->out, cap)) == NULL) {
			c->fd = -c->fd - 2;
			return;
		}
		c->out = out;
		c->out_cap = cap;
	}
	c->out[c->out_len++] = channel;
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
	c->out[c->out_len++] = '\n';
}

void client_say(struct client *c, char channel, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	client_put(c, channel, line,
		   (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Ends the answer with STATUS; the client goes once it has it all. */
void client_end(struct client *c, int status)
{
	client_say(c, '=', "%d", status);
	c->phase = PHASE_CLOSING;
	/* A client that does not take its answer goes too. */
	ev_timer_stop(c->ctl->loop, &c->timer);
	ev_timer_set(&c->timer, IDLE_TIMEOUT, 0);
	ev_timer_start(c->ctl->loop, &c->timer);
	client_flush(c);
}

/* Writing ---------------------------------------------------------------- */

/* Writes what the socket takes now; the rest when it is writable.
 * Returns false when C is gone (closed: an error, or its answer done). */
bool client_flush(struct client *c)
{
	while (c->fd >= 0 && c->out_sent < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_sent,
				 c->out_len - c->out_sent, MSG_NOSIGNAL);

		if (n > 0) {
			c->out_sent += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(c->ctl->loop, &c->wio);
			return true;
		}
		client_close(c);
		return false;
	}
	if (c->fd < 0 || c->phase == PHASE_CLOSING) {
		client_close(c);
		return false;
	}
	ev_io_stop(c->ctl->loop, &c->wio);
	c->out_sent = c->out_len = 0;
	return true;
}

static void writable_cb(struct ev_loop *loop, struct ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	client_flush(w->data);
}

/* Workers ---------------------------------------------------------------- */

/* status ----------------------------------------------------------------- */

/* start, stop, restart, signal ------------------------------------------- */

/* wait, logs -f: the pending ones ---------------------------------------- */

/* A request -------------------------------------------------------------- */

/* Reading ---------------------------------------------------------------- */

static void readable_cb(struct ev_loop *loop, struct ev_io *w, int revents)
{
	struct client *c = w->data;
	char discard[4096];
	char *nl;
	ssize_t n;

	(void)revents;
	if (c->phase != PHASE_READING) {
		/* Past its request: only its leaving matters. */
		n = recv(c->fd, discard, sizeof(discard), 0);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			client_close(c);
		return;
	}
	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->in_len += (size_t)n;
	c->since = ev_now(loop);
	if ((nl = memchr(c->in, '\n', c->in_len)) == NULL) {
		if (c->in_len < sizeof(c->in))
			return;
		ev_timer_stop(loop, &c->timer);
		client_say(c, '2', "request longer than %d bytes",
			   CTL_REQUEST_MAX);
		client_end(c, CTL_USAGE);
		return;
	}
	ev_timer_stop(loop, &c->timer);
	if (memchr(c->in, '\0', (size_t)(nl - c->in)) != NULL) {
		client_say(c, '2', "a NUL byte in the request");
		client_end(c, CTL_USAGE);
		return;
	}
	*nl = '\0';
	c->phase = PHASE_PENDING;
	commands_handle(c, c->in);
}

static void timer_cb(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct client *c = w->data;
	double idle;

	(void)revents;
	if (c->phase == PHASE_PENDING) {
		commands_wait_expired(c);
		return;
	}
	if (c->phase == PHASE_CLOSING) {
		client_close(c);
		return;
	}
	/* The timer is set once; data since then moves the end on. */
	idle = ev_now(loop) - c->since;
	if (idle < IDLE_TIMEOUT) {
		ev_timer_set(w, IDLE_TIMEOUT - idle, 0);
		ev_timer_start(loop, w);
		return;
	}
	log_debug("Control: dropped a client idle for %gs", IDLE_TIMEOUT);
	client_close(c);
}

static void client_close(struct client *c)
{
	struct control *ctl = c->ctl;
	struct client **p;

	ev_io_stop(ctl->loop, &c->rio);
	ev_io_stop(ctl->loop, &c->wio);
	ev_timer_stop(ctl->loop, &c->timer);
	close(c->fd >= 0 ? c->fd : -c->fd - 2);
	for (p = &ctl->clients; *p != c; p = &(*p)->next)
		;
	*p = c->next;
	ctl->client_count--;
	free(c->out);
	free(c->targets);
	free(c->done);
	free(c);
}

/* Accepting -------------------------------------------------------------- */

/* A short answer to a client that is not served: written if the socket
 * takes it at once, never waited for. */
static void refuse(int fd, const char *why, int status)
{
	char text[128];
	int n = snprintf(text, sizeof(text), "2%s\n=%d\n", why, status);

	if (send(fd, text, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("Control: cannot answer a refused client");
	close(fd);
}

/* Room for one more client: the one idle the longest, still to send its
 * request, gives way. Returns whether there is room. */
static bool make_room(struct control *ctl)
{
	struct client *oldest = NULL;

	if (ctl->client_count < MAX_CLIENTS)
		return true;
	for (struct client *c = ctl->clients; c != NULL; c = c->next)
		if (c->phase == PHASE_READING &&
		    (oldest == NULL || c->since < oldest->since))
			oldest = c;
	if (oldest == NULL)
		return false;
	client_close(oldest);
	return true;
}

static void accept_one(struct control *ctl, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		log_debug("Control: refused a client of uid %d", (int)cred.uid);
		refuse(fd, "permission denied", CTL_DENIED);
		return;
	}
	if (!make_room(ctl)) {
		refuse(fd, "too many clients", CTL_UNAVAILABLE);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		refuse(fd, "out of memory", CTL_UNAVAILABLE);
		return;
	}
	c->ctl = ctl;
	c->fd = fd;
	c->uid = (int)cred.uid;
	c->since = ev_now(ctl->loop);
	ev_io_init(&c->rio, readable_cb, fd, EV_READ);
	ev_io_init(&c->wio, writable_cb, fd, EV_WRITE);
	ev_timer_init(&c->timer, timer_cb, IDLE_TIMEOUT, 0);
	c->rio.data = c->wio.data = c->timer.data = c;
	ev_io_start(ctl->loop, &c->rio);
	ev_timer_start(ctl->loop, &c->timer);
	c->next = ctl->clients;
	ctl->clients = c;
	ctl->client_count++;
}

static void accept_cb(struct ev_loop *loop, struct ev_io *w, int revents)
{
	struct control *ctl = w->data;

	(void)loop;
	(void)revents;
	/* A bounded batch: a flood of connections cannot hold the loop. */
	for (int i = 0; i < MAX_CLIENTS; i++) {
		int fd = accept4(ctl->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("Control: accept");
			return;
		}
		accept_one(ctl, fd);
	}
}

/* The socket ------------------------------------------------------------- */

/* Whether a live process answers on the socket at PATH. */
static bool answered(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool live;

	if (fd == -1)
		return true;
	live = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0 ||
	       errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return live;
}

/* The directory of PATH: made 0700 if missing. The default one under
 * /tmp must be aiorun's own and closed to others, or anyone could put a
 * socket of theirs in aiorun's place. */
static int prepare_dir(const char *path, bool must_own)
{
	char dir[CTL_PATH_MAX];
	char *slash;
	struct stat st;

	strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST || lstat(dir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (must_own && (st.st_uid != geteuid() || (st.st_mode & 077) != 0)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* Binds and listens at CTL->path. A socket nobody answers on is stale and
 * replaced; anything else there is left alone. */
static int listen_at(struct control *ctl, bool must_own)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t mask;
	int fd;

	strlcpy(addr.sun_path, ctl->path, sizeof(addr.sun_path));
	if (prepare_dir(ctl->path, must_own) == -1)
		return -1;
	if (lstat(ctl->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = ENOTSOCK;
			return -1;
		}
		if (answered(&addr)) {
			errno = EADDRINUSE;
			return -1;
		}
		if (unlink(ctl->path) == -1)
			return -1;
	} else if (errno != ENOENT) {
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	/* 0600 from the start: no moment when others could connect. */
	mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1 ||
	    listen(fd, 128) == -1 || lstat(ctl->path, &st) == -1) {
		int error = errno;

		umask(mask);
		close(fd);
		errno = error;
		return -1;
	}
	umask(mask);
	ctl->fd = fd;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	return 0;
}

static void start_accepting(struct control *ctl)
{
	ev_io_init(&ctl->accept_io, accept_cb, ctl->fd, EV_READ);
	ctl->accept_io.data = ctl;
	ev_io_start(ctl->loop, &ctl->accept_io);
	/* The socket alone does not keep the loop running. */
	ev_unref(ctl->loop);
}

static void listen_later(struct ev_loop *loop, struct ev_idle *w, int revents)
{
	struct control *ctl = w->data;

	(void)revents;
	ev_ref(loop);
	ev_idle_stop(loop, w);
	if (!supervisor_running(ctl->sup))
		return;
	if (listen_at(ctl, getenv("XDG_RUNTIME_DIR") == NULL &&
				   geteuid() != 0) == -1) {
		if (errno == EADDRINUSE)
			log_warnx("%s: another aiorun answers there: running "
				  "without control",
				  ctl->path);
		else
			log_warn("%s: running without control", ctl->path);
		return;
	}
	start_accepting(ctl);
}

int control_create(struct control **out, struct ev_loop *loop,
		   const struct settings *settings, struct supervisor *sup,
		   struct output *output)
{
	const char *asked = settings->control;
	struct control *ctl;
	size_t count;

	*out = NULL;
	if (asked != NULL && strcmp(asked, "none") == 0)
		return 0;
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		return -1;
	ctl->loop = loop;
	ctl->settings = settings;
	ctl->sup = sup;
	ctl->output = output;
	ctl->fd = -1;
	if (asked != NULL && strlen(asked) >= sizeof(ctl->path)) {
		free(ctl);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (asked != NULL) {
		strlcpy(ctl->path, asked, sizeof(ctl->path));
		if (listen_at(ctl, false) == -1) {
			int error = errno;

			free(ctl);
			errno = error;
			return -1;
		}
		start_accepting(ctl);
	} else if (ctl_default_path(ctl->path, sizeof(ctl->path), geteuid()) ==
		   -1) {
		log_warn("no default control socket: running without control");
		free(ctl);
		return 0;
	} else {
		/* The default socket waits for the loop's first idle moment:
		 * a run that is over by then (aiorun -- /bin/true) spares its
		 * cost, and a failure is only a warning anyway. */
		ev_idle_init(&ctl->later, listen_later);
		ctl->later.data = ctl;
		ev_set_priority(&ctl->later, EV_MINPRI);
		ev_idle_start(loop, &ctl->later);
		ev_unref(loop);
	}
	supervisor_tasks(sup, &count);
	ctl->ring_count = count;
	if ((ctl->rings = calloc(count + 1, sizeof(*ctl->rings))) == NULL) {
		control_destroy(ctl);
		return -1;
	}
	ev_prepare_init(&ctl->check, commands_check_cb);
	ctl->check.data = ctl;
	supervisor_watch_tasks(sup, commands_task_changed, ctl);
	if (output != NULL)
		output_on_lines(output, commands_lines_seen, ctl);
	*out = ctl;
	return 0;
}

void control_allow_reload(struct control *ctl, int argc, char **argv)
{
	if (ctl == NULL)
		return;
	ctl->argc = argc;
	ctl->argv = argv;
}

const char *control_path(const struct control *ctl)
{
	return ctl->path;
}

void control_destroy(struct control *ctl)
{
	struct stat st;

	if (ctl == NULL)
		return;
	/* aiorun is leaving, every worker has ended: what a pending client
	 * waits for is settled now, and its answer goes out before the
	 * socket does (an answer too large for the socket's buffer is cut). */
	commands_check_all(ctl);
	while (ctl->clients != NULL)
		client_close(ctl->clients);
	if (ev_is_active(&ctl->later)) {
		ev_ref(ctl->loop);
		ev_idle_stop(ctl->loop, &ctl->later);
	}
	if (ev_is_active(&ctl->accept_io)) {
		ev_ref(ctl->loop);
		ev_io_stop(ctl->loop, &ctl->accept_io);
	}
	ev_prepare_stop(ctl->loop, &ctl->check);
	supervisor_watch_tasks(ctl->sup, NULL, NULL);
	if (ctl->output != NULL)
		output_on_lines(ctl->output, NULL, NULL);
	/* Only the socket aiorun made: another may have replaced it. */
	if (ctl->fd >= 0) {
		if (lstat(ctl->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    st.st_dev == ctl->dev && st.st_ino == ctl->ino)
			unlink(ctl->path);
		close(ctl->fd);
	}
	for (size_t i = 0; i < ctl->ring_count; i++)
		ring_finish(&ctl->rings[i]);
	free(ctl->rings);
	free(ctl);
}
