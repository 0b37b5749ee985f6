/* Captured output: each worker's standard output and error come through
 * pipes, are cut into lines, prefixed with the worker's name, and written
 * to aiorun's own standard output and error: at once by the loop when the
 * write need not wait, by the helper pool otherwise.
 *
 * Rules (SPEC section 6): every write carries whole lines only, at most
 * 4 KiB of them unless one line is longer; a line over 16 KiB is cut into
 * pieces, each written as a line; a last line without a newline gets one;
 * each stream keeps its order; nothing a worker wrote is lost. When the
 * writes fall behind (a slow reader of aiorun's output), aiorun stops
 * reading the pipes, so that the workers block instead of aiorun's memory
 * growing. */
#ifndef AIORUN_OUTPUT_H
#define AIORUN_OUTPUT_H

#include <ev.h>
#include <stdbool.h>

#include "pool.h"
#include "settings.h"
#include "worker.h"

struct output;

/* Output for WORKERS (their names set the padding and, by their order,
 * the colours), written through POOL, with their log files opened.
 * Workers that come later (a reload) are known from output_attach on. Returns
 * NULL after saying why (a log file that cannot be opened, say). */
struct output *output_create(struct ev_loop *loop, struct pool *pool,
			     const struct output_options *options,
			     const struct worker *workers, size_t count);

/* Before W is spawned: makes its two pipes and starts reading them. FDS
 * receives the write ends, for the child's descriptors 1 and 2; the
 * caller closes them once the child has them. For a worker with "tty",
 * one terminal instead: FDS[0] is its slave, for 0, 1 and 2 (standard
 * error joins standard output), and FDS[1] is -1. Returns 0 or -1 with
 * errno set. */
int output_attach(struct output *out, const struct worker *w, int fds[2]);

/* SIGWINCH: every worker's terminal takes the size of aiorun's. */
void output_resize(struct output *out);

/* Reads what W has written so far, before its end is logged: a worker's
 * last words come before the lines about it. Ends the streams whose
 * writers are all gone. */
void output_collect(struct output *out, const struct worker *w);

/* A log_writer (log.h): aiorun's own line goes out through the lane of
 * standard error, after every captured line read before it. Returns -1,
 * for a direct write, off the loop's thread or once the rest was given
 * up. */
int output_log(const char *line, size_t len, void *out);

/* CLOSED is called once, on the loop's thread, when a write to aiorun's
 * standard output or error (FD) found no reader (EPIPE). */
void output_on_closed(struct output *out, void (*closed)(int fd, void *data),
		      void *data);

/* LINES sees the lines the worker NAME writes, on the loop's thread, as
 * they are cut: LEN bytes of one or more whole lines, each ending in
 * '\n' (a piece of a cut line, or a last line without a newline, is
 * given one), usually all the lines of one read at once. "aiorunctl
 * logs" keeps the recent ones. NULL: none. */
typedef void output_lines_fn(const char *name, const char *lines, size_t len,
			     void *data);
void output_on_lines(struct output *out, output_lines_fn *lines, void *data);

/* Reads every pipe to its end (or until no writer is left that could be
 * waited for) and queues the rest of the lines, the last partial ones
 * with a newline. Call once every process is gone; the pool then writes
 * it all out. */
void output_drain(struct output *out);

/* Gives up writing what is left (a reader that stalls for ever, and a
 * second signal asks to leave): the pool's jobs end within 100 ms.
 * Thread-safe. */
void output_abandon(struct output *out);

/* Bytes queued to the pool and not yet written. */
size_t output_in_flight(const struct output *out);

void output_destroy(struct output *out);

#endif
