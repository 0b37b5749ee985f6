/* Unit tests for the helper thread pool: many jobs on many lanes, order
 * within a lane, completions on the loop's thread, drain and join. Also
 * built with ThreadSanitizer in CI. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "pool.h"

#define LANES 8
#define JOBS_PER_LANE 2000

struct counted_job {
	struct pool_job job;
	int lane;
	int sequence;
};

static struct pool_lane lanes[LANES];
static int ran[LANES];       /* written by pool threads, one lane at a time */
static int completed[LANES]; /* written on the loop's thread */
static atomic_int out_of_order;
static atomic_int running_per_lane[LANES];
static atomic_int overlaps;
static pthread_t loop_thread;
static atomic_int done_elsewhere;

static void run_counted(struct pool_job *job)
{
	struct counted_job *c = (struct counted_job *)job;

	if (atomic_fetch_add(&running_per_lane[c->lane], 1) != 0)
		atomic_fetch_add(&overlaps, 1);
	if (ran[c->lane] != c->sequence)
		atomic_fetch_add(&out_of_order, 1);
	ran[c->lane]++;
	if (c->sequence % 500 == 0)
		usleep(100);
	atomic_fetch_sub(&running_per_lane[c->lane], 1);
}

static void done_counted(struct pool_job *job)
{
	struct counted_job *c = (struct counted_job *)job;

	if (!pthread_equal(pthread_self(), loop_thread))
		atomic_fetch_add(&done_elsewhere, 1);
	completed[c->lane]++;
	free(c);
}

static void submit_all(struct pool *pool)
{
	for (int sequence = 0; sequence < JOBS_PER_LANE; sequence++) {
		for (int lane = 0; lane < LANES; lane++) {
			struct counted_job *c = calloc(1, sizeof(*c));

			c->job.run = run_counted;
			c->job.done = done_counted;
			c->job.lane = &lanes[lane];
			c->lane = lane;
			c->sequence = sequence;
			CHECK(pool_submit(pool, &c->job) == 0);
		}
	}
}

static void test_many_jobs_drain(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct pool *pool = pool_create(loop, 4);

	loop_thread = pthread_self();
	CHECK(pool != NULL);
	CHECK(pool_pending(pool) == 0);
	submit_all(pool);
	pool_drain(pool);
	CHECK(pool_pending(pool) == 0);
	for (int lane = 0; lane < LANES; lane++) {
		CHECK(ran[lane] == JOBS_PER_LANE);
		CHECK(completed[lane] == JOBS_PER_LANE);
	}
	CHECK(atomic_load(&out_of_order) == 0);
	CHECK(atomic_load(&overlaps) == 0);
	CHECK(atomic_load(&done_elsewhere) == 0);
	pool_destroy(pool);
	ev_loop_destroy(loop);
}

/* Completions reach a running loop through its ev_async. */
static struct pool *loop_pool;
static int loop_done;

static void done_in_loop(struct pool_job *job)
{
	loop_done++;
	free(job);
}

static void run_nothing(struct pool_job *job)
{
	(void)job;
}

static void check_cb(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	(void)revents;
	if (loop_done == 100 || ++*(int *)w->data > 500)
		ev_break(loop, EVBREAK_ALL);
}

static void test_completions_in_the_loop(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct pool_lane lane = {0};
	struct ev_timer timer;
	int ticks = 0;

	loop_pool = pool_create(loop, 2);
	for (int i = 0; i < 100; i++) {
		struct pool_job *job = calloc(1, sizeof(*job));

		job->run = run_nothing;
		job->done = done_in_loop;
		job->lane = &lane;
		pool_submit(loop_pool, job);
	}
	ev_timer_init(&timer, check_cb, 0.001, 0.01);
	timer.data = &ticks;
	ev_timer_start(loop, &timer);
	ev_run(loop, 0);
	CHECK(loop_done == 100);
	CHECK(pool_pending(loop_pool) == 0);
	ev_timer_stop(loop, &timer);
	pool_destroy(loop_pool);
	ev_loop_destroy(loop);
}

static void test_destroy_unused(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);

	/* No job: no thread was started, and destroy joins nothing. */
	pool_destroy(pool_create(loop, 3));
	pool_destroy(NULL);
	ev_loop_destroy(loop);
	CHECK(1);
}

int main(void)
{
	test_many_jobs_drain();
	test_completions_in_the_loop();
	test_destroy_unused();
	return check_summary();
}
