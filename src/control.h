/* The control socket (SPEC section 9): aiorunctl's requests, served on
 * the loop's thread. Every request is one line; each command becomes
 * events of the worker table (task_post) or of the supervisor's, never a
 * change of state of its own. The socket never blocks the supervisor:
 * non-blocking I/O, a request of at most 4 KiB, at most 64 clients, an
 * idle client dropped after 10 s, and a bounded answer per client. With
 * no client connected, it adds no wake-up: one watcher on the listening
 * socket. */
#ifndef AIORUN_CONTROL_H
#define AIORUN_CONTROL_H

#include <ev.h>

#include "output.h"
#include "settings.h"
#include "supervisor.h"

struct control;

/* Listens on the socket SETTINGS asks for (--control, else the default
 * path). *CTL is NULL when there is none: "--control none", or the default
 * path could not be set up (logged: aiorun runs without control). Returns
 * 0, or -1 with errno set when an explicit path cannot be set up:
 * ENOTSOCK, it exists and is not a socket (left as it is); EADDRINUSE, a
 * live aiorun answers on it. OUTPUT may be NULL (nothing captured). */
int control_create(struct control **ctl, struct ev_loop *loop,
		   const struct settings *settings, struct supervisor *sup,
		   struct output *output);

/* "reload" loads ARGV (ARGC words: aiorun's command line, which must
 * outlive CTL) again. NULL CTL is harmless. */
void control_allow_reload(struct control *ctl, int argc, char **argv);

/* The path listened on. */
const char *control_path(const struct control *ctl);

/* Closes every client, and removes the socket if it is still the one
 * aiorun made. NULL is harmless. */
void control_destroy(struct control *ctl);

#endif
