#include "health.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "task.h"

#define TASK_OF(ptr, member)                                                   \
	((struct task *)((char *)(ptr)-offsetof(struct task, member)))

static void check_cb(struct ev_loop *loop, struct ev_timer *timer, int revents);

static void next_check(struct task *t, double delay)
{
	ev_timer_set(&t->health.timer, delay, 0);
	ev_timer_start(t->ctx->loop, &t->health.timer);
}

/* A check passed or failed: at health-retries failures in a row the
 * verdict goes to the worker table, which cancels the task. */
static void checked(struct task *t, bool ok, const char *reason)
{
	struct health *h = &t->health;
	const struct worker *w = t->def;

	if (ok) {
		if (h->failures > 0)
			log_info("Task %s is healthy again", w->name);
		else if (h->state == HSTATE_CHECKING)
			log_debug("Task %s is healthy", w->name);
		h->failures = 0;
		h->state = HSTATE_HEALTHY;
		next_check(t, w->health_interval);
		return;
	}
	h->failures++;
	if (h->failures < w->health_retries) {
		log_warnx("Task %s failed a health check (%d of %d): %s",
			  w->name, h->failures, w->health_retries, reason);
		next_check(t, w->health_interval);
		return;
	}
	h->state = HSTATE_UNHEALTHY;
	log_warnx("Task %s is unhealthy after %d failed checks: %s", w->name,
		  h->failures, reason);
	health_stop(t);
	task_post(t, TEV_UNHEALTHY);
}

static void check_done(struct probe *check, bool ok, const char *reason)
{
	checked(check->data, ok, reason);
}

/* The command runs like a readiness probe: its worker's environment and
 * directory, a process group of its own, no input, its output dropped. */
static int exec_check(struct task *t)
{
	return task_probe_command(t, &t->health.check, t->def->health_command,
				  t->def->health_timeout);
}

static void check_cb(struct ev_loop *loop, struct ev_timer *timer, int revents)
{
	struct task *t = TASK_OF(timer, health.timer);
	const struct worker *w = t->def;
	struct probe *check = &t->health.check;
	int result = -1;

	(void)loop;
	(void)revents;
	switch (w->health) {
	case HEALTH_TCP:
		result = probe_tcp(check, w->health_host, w->health_port,
				   w->health_timeout);
		break;
	case HEALTH_HTTP:
		result = probe_http(check, w->health_host, w->health_port,
				    w->health_path, w->health_timeout);
		break;
	case HEALTH_EXEC:
		result = exec_check(t);
		break;
	case HEALTH_NONE:
		return;
	}
	if (result == -1)
		checked(t, false,
			errno == EBUSY ? "the last check has not ended"
				       : strerror(errno));
}

void health_init(struct task *t)
{
	t->health = (struct health){.state = HSTATE_NONE};
	ev_init(&t->health.timer, check_cb);
	probe_init(&t->health.check, t->ctx->loop, check_done, t);
}

void health_start(struct task *t)
{
	if (t->def->health == HEALTH_NONE)
		return;
	health_stop(t);
	t->health.state = HSTATE_CHECKING;
	t->health.failures = 0;
	next_check(t, 0);
}

void health_stop(struct task *t)
{
	ev_timer_stop(t->ctx->loop, &t->health.timer);
	probe_cancel(&t->health.check);
}

void health_reset(struct task *t)
{
	health_stop(t);
	t->health.state = HSTATE_NONE;
	t->health.failures = 0;
}

bool health_reaped(struct task *t, pid_t pid, int status)
{
	return probe_reaped(&t->health.check, pid, status);
}

const char *health_state_name(const struct task *t)
{
	switch (t->health.state) {
	case HSTATE_CHECKING:
		return "checking";
	case HSTATE_HEALTHY:
		return "healthy";
	case HSTATE_UNHEALTHY:
		return "unhealthy";
	case HSTATE_NONE:
	default:
		return NULL;
	}
}
