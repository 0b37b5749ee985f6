/* One probe attempt on the event loop, shared by readiness (ready.c) and
 * health checks (health.c): a TCP connection, an HTTP GET or a command.
 * Nothing here blocks: a connection is watched by an ev_io until it is
 * writable, a reply until its status line is in, a command until it is
 * reaped; a timer bounds each attempt, after which the attempt has failed
 * (a command's whole process group gets SIGKILL). The owner hears of the
 * outcome once, through its DONE callback, unless it cancelled the
 * attempt first. */
#ifndef AIORUN_PROBE_H
#define AIORUN_PROBE_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct spawn_plan;
struct probe;

/* The attempt ended: OK, or not and REASON says why ("connection
 * refused", "HTTP status 503", "timed out after 2s"). */
typedef void probe_done_fn(struct probe *p, bool ok, const char *reason);

struct probe {
	struct ev_loop *loop;
	probe_done_fn *done;
	void *data; /* the owner's */

	bool busy;    /* an attempt is under way */
	double limit; /* its time limit, seconds; 0: none */
	struct ev_timer timer;
	int fd; /* its socket, or -1 */
	struct ev_io io;
	char request[512]; /* HTTP: what is sent, then what is read */
	size_t request_len, sent;
	bool http;
	bool connected;
	char reply[256]; /* HTTP: the status line, as it comes */
	size_t got;
	pid_t pid; /* a command, still to be reaped (even once cancelled) */
	char reason[160];
};

/* Sets P up; DONE is called with P when an attempt ends. */
void probe_init(struct probe *p, struct ev_loop *loop, probe_done_fn *done,
		void *data);

/* Starts an attempt to connect to HOST (a numeric address) and PORT
 * within LIMIT seconds (0: no limit). An HTTP attempt then sends a GET of
 * PATH with a Host header and judges the status line: 2xx and 3xx are
 * fine. Returns 0, or -1 with errno set (no attempt is under way). */
int probe_tcp(struct probe *p, const char *host, int port, double limit);
int probe_http(struct probe *p, const char *host, int port, const char *path,
	       double limit);

/* Starts PLAN, a command whose exit status 0 is fine, within LIMIT
 * seconds. Returns 0, or -1 with errno set: EBUSY while the last command
 * is not reaped yet. */
int probe_exec(struct probe *p, const struct spawn_plan *plan, double limit);

/* Ends the attempt under way, if any, without a word to the owner: the
 * socket is closed, a command's group gets SIGKILL. */
void probe_cancel(struct probe *p);

/* Whether PID is P's command (running, or cancelled and killed), which
 * ended with STATUS (a code, or 128+N): the attempt ends with it. */
bool probe_reaped(struct probe *p, pid_t pid, int status);

#endif
