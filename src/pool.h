/* The helper thread pool, the "executor": blocking work (writes to a slow
 * terminal or pipe, log files, fsync) runs here so that the event loop
 * never waits on it.
 *
 * Jobs go to lanes. The jobs of one lane run one at a time, in the order
 * they were submitted (a lane is one output stream or one log file, whose
 * bytes must stay in order); different lanes run side by side on up to N
 * threads, started on first use. Each job's completion is handed back to
 * the loop's thread through an ev_async, where its done callback runs.
 * The threads block every signal: signals are the loop's business. */
#ifndef AIORUN_POOL_H
#define AIORUN_POOL_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

struct pool;
struct pool_lane;

struct pool_job {
	/* Runs on a pool thread. */
	void (*run)(struct pool_job *job);
	/* Runs on the loop's thread once RUN has returned; may free JOB.
	 * May be NULL. */
	void (*done)(struct pool_job *job);
	struct pool_lane *lane;
	struct pool_job *next; /* the pool's */
};

/* A lane, owned by the caller; zero-initialised, it is ready for use. It
 * must outlive its jobs. */
struct pool_lane {
	struct pool_job *head, *tail; /* waiting jobs */
	bool busy;                    /* a job of it runs now */
	bool ready;                   /* it is in the ready list */
	struct pool_lane *next_ready;
};

/* A pool of at most THREADS threads that reports to LOOP; THREADS 0 is
 * the online CPUs, at most 16. No thread starts, and nothing is asked of
 * the system, before the first job. Returns NULL with errno set. */
struct pool *pool_create(struct ev_loop *loop, int threads);

/* Queues JOB on JOB->lane. Never blocks on the work itself. Returns 0, or
 * -1 with errno set if no thread could be started (JOB is then not
 * queued). */
int pool_submit(struct pool *pool, struct pool_job *job);

/* Whether LANE has no job queued or running: whatever was submitted to it
 * has been carried out. */
bool pool_lane_idle(struct pool *pool, struct pool_lane *lane);

/* Jobs submitted whose done callback has not run yet. */
size_t pool_pending(const struct pool *pool);

/* Waits until every submitted job has run and its done callback too,
 * running those callbacks here. Call from the loop's thread, outside
 * ev_run or from a callback. */
void pool_drain(struct pool *pool);

/* Drains, stops and joins the threads, frees the pool. NULL is fine. */
void pool_destroy(struct pool *pool);

#endif
