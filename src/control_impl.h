/* The control module's own parts, shared by control.c (the socket, its
 * clients and their I/O) and commands.c (what each command does), and
 * included by nothing else. */
#ifndef AIORUN_CONTROL_IMPL_H
#define AIORUN_CONTROL_IMPL_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ctlproto.h"
#include "output.h"
#include "ring.h"
#include "settings.h"
#include "supervisor.h"
#include "task.h"

#define MAX_CLIENTS 64
#define IDLE_TIMEOUT 10.0
/* An answer not taken up to here: the client reads too slowly (a "logs
 * -f" of a chatty worker) and is dropped rather than buffered for. */
#define OUT_MAX (1024 * 1024)

enum client_phase {
	PHASE_READING, /* its request has not come whole yet */
	PHASE_PENDING, /* waits for tasks: stop, restart, wait, logs -f */
	PHASE_CLOSING, /* the answer is complete; it goes once written */
};

struct client {
	struct control *ctl;
	int fd;
	int uid;
	enum client_phase phase;
	double since; /* when it last sent something */
	struct ev_io rio, wio;
	struct ev_timer timer; /* idle, then wait --timeout */

	char in[CTL_REQUEST_MAX];
	size_t in_len;
	char *out;
	size_t out_len, out_sent, out_cap;

	struct ctl_request req;
	char *words[CTL_REQUEST_MAX / 2 + 1];
	char *names[CTL_REQUEST_MAX / 2 + 1];
	size_t *targets; /* task indexes */
	bool *done;
	size_t target_count;
	int status; /* the exit status it will get */
	struct client *next;
};

struct control {
	struct ev_loop *loop;
	const struct settings *settings;
	struct supervisor *sup;
	struct output *output;
	int fd;
	char path[CTL_PATH_MAX];
	dev_t dev;
	ino_t ino;
	struct ev_io accept_io;
	struct ev_idle later;    /* the default socket, once the loop is idle */
	struct ev_prepare check; /* after tasks changed: the pending ones */
	struct client *clients;
	int client_count;
	struct ring *rings; /* one per task, the recent lines */
	size_t ring_count;
	size_t last_ring; /* the one commands_lines_seen found last */
	int argc;         /* aiorun's command line, for "reload" */
	char **argv;
};

/* control.c: a client's answer, a line at a time on CHANNEL ('1' its
 * standard output, '2' its standard error), then its exit status. */
void client_put(struct client *c, char channel, const char *text, size_t len);
void client_say(struct client *c, char channel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void client_end(struct client *c, int status);
/* Writes what it can of the answer; false once the client is closed. */
bool client_flush(struct client *c);
/* The supervisor's tasks, COUNT of them. */
struct task **control_tasks(struct control *ctl, size_t *count);

/* commands.c */

/* Obeys the request LINE of C. */
void commands_handle(struct client *c, char *line);
/* Answers C if what it waits for has come. */
void commands_check_pending(struct client *c);
/* C's wait --timeout ran out. */
void commands_wait_expired(struct client *c);
/* After tasks changed: the pending clients are looked at, each answered
 * once what it waits for is settled. */
void commands_check_all(struct control *ctl);
void commands_check_cb(struct ev_loop *loop, struct ev_prepare *w, int revents);
void commands_task_changed(struct task *t, void *data);
/* A worker's lines, kept for "logs" (an output_lines_fn). */
void commands_lines_seen(const char *name, const char *lines, size_t len,
			 void *data);

#endif
