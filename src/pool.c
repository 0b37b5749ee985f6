#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

struct pool {
	struct ev_loop *loop;
	struct ev_async wakeup; /* a job is done */
	int max_threads;

	pthread_mutex_t lock;
	pthread_cond_t work;     /* a lane became ready, or stopping */
	pthread_cond_t finished; /* a job was done */
	struct pool_lane *ready_head, *ready_tail;
	struct pool_job *done_head, *done_tail; /* done, callback due */
	pthread_t *threads;
	int thread_count, idle_threads;
	size_t pending; /* submitted, callback not yet run */
	bool stopping;
};

/* With the lock held. */
static void make_ready(struct pool *pool, struct pool_lane *lane)
{
	if (lane->ready || lane->busy || lane->head == NULL)
		return;
	lane->ready = true;
	lane->next_ready = NULL;
	if (pool->ready_tail != NULL)
		pool->ready_tail->next_ready = lane;
	else
		pool->ready_head = lane;
	pool->ready_tail = lane;
	pthread_cond_signal(&pool->work);
}

/* With the lock held: the first job of the first ready lane, which
 * becomes busy. */
static struct pool_job *take_job(struct pool *pool)
{
	struct pool_lane *lane = pool->ready_head;
	struct pool_job *job;

	pool->ready_head = lane->next_ready;
	if (pool->ready_head == NULL)
		pool->ready_tail = NULL;
	lane->ready = false;
	lane->busy = true;
	job = lane->head;
	lane->head = job->next;
	if (lane->head == NULL)
		lane->tail = NULL;
	return job;
}

static void *pool_thread(void *arg)
{
	struct pool *pool = arg;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct pool_job *job;

		while (pool->ready_head == NULL && !pool->stopping) {
			pool->idle_threads++;
			pthread_cond_wait(&pool->work, &pool->lock);
			pool->idle_threads--;
		}
		if (pool->ready_head == NULL)
			break;
		job = take_job(pool);
		pthread_mutex_unlock(&pool->lock);

		job->run(job);

		pthread_mutex_lock(&pool->lock);
		job->lane->busy = false;
		make_ready(pool, job->lane);
		job->next = NULL;
		if (pool->done_tail != NULL)
			pool->done_tail->next = job;
		else
			pool->done_head = job;
		pool->done_tail = job;
		pthread_cond_broadcast(&pool->finished);
		ev_async_send(pool->loop, &pool->wakeup);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* Runs the done callbacks of the jobs done so far, on the loop's thread. */
static void collect(struct pool *pool)
{
	struct pool_job *job;

	pthread_mutex_lock(&pool->lock);
	job = pool->done_head;
	pool->done_head = pool->done_tail = NULL;
	pthread_mutex_unlock(&pool->lock);

	while (job != NULL) {
		struct pool_job *next = job->next;

		pool->pending--;
		if (job->done != NULL)
			job->done(job);
		job = next;
	}
}

static void wakeup_cb(struct ev_loop *loop, struct ev_async *w, int revents)
{
	(void)loop;
	(void)revents;
	collect(w->data);
}

struct pool *pool_create(struct ev_loop *loop, int threads)
{
	struct pool *pool = calloc(1, sizeof(*pool));

	if (pool == NULL)
		return NULL;
	pool->loop = loop;
	pool->max_threads = threads;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	pthread_cond_init(&pool->finished, NULL);
	ev_async_init(&pool->wakeup, wakeup_cb);
	pool->wakeup.data = pool;
	return pool;
}

/* What the first job needs: the thread table and the completions'
 * watcher. Left until then, a run that never uses the pool (a lone
 * PROGRAM) spares their system calls. Returns 0 or -1 with errno set. */
static int first_use(struct pool *pool)
{
	if (pool->max_threads <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		pool->max_threads = cpus < 1 ? 1 : cpus > 16 ? 16 : (int)cpus;
	}
	pool->threads =
		calloc((size_t)pool->max_threads, sizeof(*pool->threads));
	if (pool->threads == NULL)
		return -1;
	ev_async_start(pool->loop, &pool->wakeup);
	/* Waiting completions must not keep ev_run going on their own. */
	ev_unref(pool->loop);
	return 0;
}

/* With the lock held: one more thread, unless an idle one can take the
 * job or the limit is reached. */
static int grow(struct pool *pool)
{
	sigset_t all, saved;
	int error;

	if (pool->threads == NULL && first_use(pool) == -1)
		return -1;
	if (pool->idle_threads > 0 || pool->thread_count == pool->max_threads)
		return 0;
	/* The thread inherits this mask: every signal blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	error = pthread_create(&pool->threads[pool->thread_count], NULL,
			       pool_thread, pool);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (error != 0) {
		errno = error;
		/* Fine as long as one thread runs. */
		return pool->thread_count > 0 ? 0 : -1;
	}
	pool->thread_count++;
	return 0;
}

int pool_submit(struct pool *pool, struct pool_job *job)
{
	struct pool_lane *lane = job->lane;

	pthread_mutex_lock(&pool->lock);
	if (grow(pool) == -1) {
		pthread_mutex_unlock(&pool->lock);
		return -1;
	}
	job->next = NULL;
	if (lane->tail != NULL)
		lane->tail->next = job;
	else
		lane->head = job;
	lane->tail = job;
	pool->pending++;
	make_ready(pool, lane);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

bool pool_lane_idle(struct pool *pool, struct pool_lane *lane)
{
	bool idle;

	pthread_mutex_lock(&pool->lock);
	idle = lane->head == NULL && !lane->busy;
	pthread_mutex_unlock(&pool->lock);
	return idle;
}

size_t pool_pending(const struct pool *pool)
{
	return pool->pending;
}

void pool_drain(struct pool *pool)
{
	while (pool->pending > 0) {
		pthread_mutex_lock(&pool->lock);
		while (pool->done_head == NULL)
			pthread_cond_wait(&pool->finished, &pool->lock);
		pthread_mutex_unlock(&pool->lock);
		collect(pool);
	}
}

void pool_destroy(struct pool *pool)
{
	if (pool == NULL)
		return;
	pool_drain(pool);
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->thread_count; i++)
		pthread_join(pool->threads[i], NULL);
	if (ev_is_active(&pool->wakeup)) {
		ev_ref(pool->loop);
		ev_async_stop(pool->loop, &pool->wakeup);
	}
	pthread_cond_destroy(&pool->finished);
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
	free(pool->threads);
	free(pool);
}
