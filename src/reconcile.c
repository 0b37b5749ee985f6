/* A reload applied to the running tasks: workers added, removed,
 * changed, or left alone (SPEC section 9, "reload"). */
#include "supervisor.h"
#include "supervisor_impl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "order.h"

static bool defined_in(const struct task *t, const struct settings *s)
{
	return t->def >= s->workers && t->def < s->workers + s->worker_count;
}

static struct task *live_task(const struct supervisor *sup, const char *name)
{
	for (size_t i = 0; i < sup->live; i++)
		if (strcmp(sup->tasks[i]->def->name, name) == 0)
			return sup->tasks[i];
	return NULL;
}

/* A task a reload removed or replaced, still named NAME, or NULL. */
static struct task *leaving_task(const struct supervisor *sup, const char *name)
{
	for (size_t i = sup->live; i < sup->count; i++)
		if (strcmp(sup->tasks[i]->def->name, name) == 0)
			return sup->tasks[i];
	return NULL;
}

struct task *supervisor_replaced(const struct supervisor *sup,
				 const struct task *t)
{
	struct task *old = leaving_task(sup, t->def->name);

	return old != NULL && task_alive(old) ? old : NULL;
}

/* T may start now: what it comes after is ready, and the task it
 * replaces is gone. */
static void start_if_free(struct supervisor *sup, struct task *t)
{
	char why[256];

	if (t->state == TASK_WAITING && sup->state == STATE_RUNNING &&
	    order_verdict(sup->tasks, t, why, sizeof(why)) == ORDER_GO &&
	    leaving_task(sup, t->def->name) == NULL)
		task_post(t, TEV_START);
}

/* Frees the tasks a reload removed once nothing of them is left (their
 * process, its group, a readiness probe), starts the tasks that replace
 * them, and frees the settings no task points into any more. */
void reconcile_sweep(struct supervisor *sup)
{
	size_t kept = sup->live;
	bool freed = false;

	for (size_t i = sup->live; i < sup->count; i++) {
		struct task *t = sup->tasks[i];

		if (t->pid > 0 || t->state == TASK_BACKOFF || task_alive(t) ||
		    t->probe.attempt.pid > 0 || t->health.check.pid > 0) {
			sup->tasks[kept++] = t;
			continue;
		}
		log_debug("Task %s is gone: forgotten", t->def->name);
		task_finish(t);
		free(t);
		freed = true;
	}
	sup->count = kept;
	if (!freed)
		return;
	for (size_t g = 0; g < sup->gen_count;) {
		struct settings *old = sup->gens[g];
		bool used = old == sup->settings;

		for (size_t i = 0; i < sup->count && !used; i++)
			used = defined_in(sup->tasks[i], old);
		if (used) {
			g++;
			continue;
		}
		config_free(old);
		free(old);
		sup->gens[g] = sup->gens[--sup->gen_count];
	}
	for (size_t i = 0; i < sup->live; i++)
		start_if_free(sup, sup->tasks[i]);
}

/* What a reload does to one worker of the new settings. */
enum change {
	CHANGE_NONE,
	CHANGE_ADDED,
	CHANGE_CHANGED,
};

static void say(void (*report)(const char *line, void *data), void *data,
		const char *name, const char *what)
{
	char line[512];

	snprintf(line, sizeof(line), "%s %s", name, what);
	log_info("Reload: %s", line);
	report(line, data);
}

static bool text_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

/* The [aiorun] keys that take effect from a reload on and differ between
 * A and B, "grace, stop-on", into BUF; empty when none does. */
static void settings_changes(const struct settings *a, const struct settings *b,
			     char *buf, size_t size)
{
	const struct {
		const char *key;
		bool differs;
	} keys[] = {
		{"grace", a->grace != b->grace},
		{"wait-timeout", a->wait_timeout != b->wait_timeout},
		{"stop-signal", a->stop_signal != b->stop_signal},
		{"stop-on", a->stop_on != b->stop_on},
		{"run-forever", a->run_forever != b->run_forever},
		{"on-shutdown", text_differs(a->on_shutdown, b->on_shutdown)},
		{"map-exit",
		 memcmp(a->exit_map, b->exit_map, sizeof(a->exit_map)) != 0},
	};

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!keys[i].differs)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", size);
		strlcat(buf, keys[i].key, size);
	}
}

int supervisor_reload(struct supervisor *sup, struct settings *next,
		      void (*report)(const char *line, void *data), void *data)
{
	size_t n = next->worker_count, count = 0, changes = 0, leaving;
	char keys[128];
	struct task **tasks = calloc(n + sup->count + 1, sizeof(*tasks));
	enum change *change = calloc(n + 1, sizeof(*change));
	struct settings **gens =
		realloc(sup->gens, (sup->gen_count + 1) * sizeof(*gens));
	bool same_env = true;
	char *dir = NULL;

	if (gens != NULL)
		sup->gens = gens;
	if (tasks == NULL || change == NULL || gens == NULL ||
	    (sup->notify_dir == NULL && ready_make_dir(next, &dir) == -1))
		goto fail;
	if (dir != NULL)
		sup->notify_dir = dir;
	/* --env-file reaches every worker: a change there changes all. */
	for (size_t i = 0; same_env; i++) {
		char *a = sup->settings->env_common
				  ? sup->settings->env_common[i]
				  : NULL;
		char *b = next->env_common ? next->env_common[i] : NULL;

		if (a == NULL || b == NULL)
			same_env = a == b;
		else
			same_env = strcmp(a, b) == 0;
		if (a == NULL || b == NULL)
			break;
	}
	/* First whatever can fail: the new tasks. Nothing has changed
	 * yet. */
	for (size_t i = 0; i < n; i++) {
		const struct worker *w = &next->workers[i];
		struct task *old = live_task(sup, w->name);

		if (old != NULL && same_env && worker_equal(old->def, w)) {
			tasks[i] = old;
			continue;
		}
		change[i] = old != NULL ? CHANGE_CHANGED : CHANGE_ADDED;
		if ((tasks[i] = calloc(1, sizeof(**tasks))) == NULL ||
		    task_init(tasks[i], &sup->ctx, w, sup->notify_dir) == -1)
			goto fail;
	}
	/* Then the switch: the old tasks kept follow the new definitions,
	 * the others leave, after those that were leaving already. */
	count = n;
	for (size_t i = 0; i < sup->live; i++) {
		struct task *t = sup->tasks[i];
		const struct worker *w =
			settings_find_worker(next, t->def->name);

		if (w != NULL && tasks[w - next->workers] == t)
			task_redefine(t, w);
		else
			tasks[count++] = t;
	}
	for (size_t i = sup->live; i < sup->count; i++)
		tasks[count++] = sup->tasks[i];
	free(sup->tasks);
	sup->tasks = tasks;
	settings_changes(sup->settings, next, keys, sizeof(keys));
	if (keys[0] != '\0') {
		char what[sizeof(keys) + 16];

		snprintf(what, sizeof(what), "changed: %s", keys);
		say(report, data, "[aiorun]", what);
		changes++;
	}
	sup->gens[sup->gen_count++] = next;
	sup->settings = next;
	sup->ctx.settings = next;
	/* Those that left: stopped as "aiorunctl stop" does. */
	for (size_t i = n; i < count - (sup->count - sup->live); i++) {
		const struct task *t = tasks[i];

		if (settings_find_worker(next, t->def->name) == NULL) {
			say(report, data, t->def->name, "removed: stopping");
			changes++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (change[i] == CHANGE_NONE)
			continue;
		changes++;
		say(report, data, tasks[i]->def->name,
		    change[i] == CHANGE_ADDED ? "added: starting"
					      : "changed: restarting");
	}
	if (changes == 0)
		say(report, data, "nothing", "changed");
	leaving = count - (sup->count - sup->live);
	/* Consistent before any event: the events may look at every task. */
	sup->live = n;
	sup->count = count;
	for (size_t i = n; i < leaving; i++) {
		struct task *t = tasks[i];

		task_post(t, TEV_STOP_REQUEST);
		if (t->pid <= 0 && t->sent == SENT_NOTHING && task_alive(t))
			task_post(t, TEV_CANCEL);
	}
	free(change);
	shutdown_rearm_grace(sup);
	for (size_t i = 0; i < n; i++)
		start_if_free(sup, tasks[i]);
	reconcile_sweep(sup);
	return 0;

fail:
	for (size_t i = 0; tasks != NULL && change != NULL && i < n; i++) {
		if (change[i] == CHANGE_NONE || tasks[i] == NULL)
			continue;
		task_finish(tasks[i]);
		free(tasks[i]);
	}
	free(tasks);
	free(change);
	return -1;
}
