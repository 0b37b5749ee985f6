/* The on-shutdown hook (--on-shutdown): a line of shell run when the
 * shutdown begins, before any worker is cancelled, started like any child
 * (spawn.h) with the --env-file entries and AIORUN_WORKER_NAME=on-shutdown,
 * and /dev/null for its standard input.
 * The supervisor waits for it within the grace period. */
#ifndef AIORUN_HOOK_H
#define AIORUN_HOOK_H

#include <sys/types.h>

#include "settings.h"

/* Starts S->on_shutdown. Returns its pid, or -1 with errno set. */
pid_t hook_start(const struct settings *s);

#endif
