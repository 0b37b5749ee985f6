#include "grace.h"

#include <stdio.h>
#include <string.h>

#include "children.h"
#include "log.h"
#include "parse.h"

/* The processes named in a "refused to exit" line: as many as fit, then
 * a count of the others. */
struct late_list {
	char text[1024];
	int more;
};

static void late_add(struct late_list *late, const char *item)
{
	/* Room kept for ", and N more". */
	if (strlen(late->text) + strlen(item) + 2 + 24 >= sizeof(late->text)) {
		late->more++;
		return;
	}
	if (late->text[0] != '\0')
		strlcat(late->text, ", ", sizeof(late->text));
	strlcat(late->text, item, sizeof(late->text));
}

/* The pids of a group: "7" or "7, 9", with "..." for those that do not
 * fit. */
struct group_pids {
	char text[96];
	int count;
	bool cut;
};

static void add_pid(pid_t pid, void *data)
{
	struct group_pids *g = data;
	char item[24];

	snprintf(item, sizeof(item), "%s%d", g->count ? ", " : "", (int)pid);
	g->count++;
	if (g->cut)
		return;
	if (strlen(g->text) + strlen(item) + 5 >= sizeof(g->text)) {
		strlcat(g->text, ", ...", sizeof(g->text));
		g->cut = true;
		return;
	}
	strlcat(g->text, item, sizeof(g->text));
}

/* "NAME (pid N)", naming what is really left of T: its leader if it
 * runs, else the processes of its group that outlived it. */
static void late_add_task(struct late_list *late, const struct task *t)
{
	struct group_pids g = {.count = 0};
	char item[160];

	if (t->pid > 0)
		add_pid(t->pid, &g);
	else
		children_in_group(t->pgid, add_pid, &g);
	if (g.count == 0)
		add_pid(t->pgid, &g);
	snprintf(item, sizeof(item), "%s (pid%s %s)", t->def->name,
		 g.count > 1 ? "s" : "", g.text);
	late_add(late, item);
}

static void late_add_adoptee(pid_t pid, void *data)
{
	char item[64];

	snprintf(item, sizeof(item), "adopted (pid %d)", (int)pid);
	late_add(data, item);
}

/* What one pass kills: the late ones that have the grace period GRACE,
 * or whatever grace the first one found has when GRACE is negative. */
struct pass {
	struct task **tasks;
	size_t count;
	struct adopted *adopted;
	double global_grace; /* the adopted processes' */
	double now;
	bool in_shutdown;
	int tasks_killed;
};

/* Kills whatever of the cancelled is past its deadline and has the grace
 * period GRACE, or whatever grace the first one found has when GRACE is
 * negative; names them all in one line. Returns whether it found any. */
static bool kill_late_with(struct pass *p, double grace)
{
	struct late_list late = {.more = 0};
	double now = p->now;
	const char *who;

	for (size_t i = 0; i < p->count; i++) {
		struct task *t = p->tasks[i];

		if (!task_pending_kill(t) || t->deadline > now)
			continue;
		if (grace < 0)
			grace = task_grace(t);
		if (task_grace(t) != grace)
			continue;
		late_add_task(&late, t);
		task_post(t, TEV_GRACE_EXPIRED);
		p->tasks_killed++;
	}
	/* Adopted processes have the global grace period. */
	if ((grace < 0 || grace == p->global_grace) &&
	    adopted_kill_due(p->adopted, now, late_add_adoptee, &late) > 0)
		grace = p->global_grace;
	if (late.text[0] == '\0')
		return false;
	/* A worker stopped on request (aiorunctl, a reload, a failed
	 * health check) is no shutdown's. */
	who = p->in_shutdown ? "During shutdown, the following tasks"
			     : "The following tasks";
	if (late.more > 0)
		log_warnx("%s refused to exit after %s: %s, and %d more; "
			  "sending SIGKILL",
			  who, duration_text(grace), late.text, late.more);
	else
		log_warnx("%s refused to exit after %s: %s; sending SIGKILL",
			  who, duration_text(grace), late.text);
	return true;
}

bool grace_kill_late(struct task **tasks, size_t count, struct adopted *adopted,
		     double global_grace, double now, bool in_shutdown)
{
	/* A deadline a millisecond away is due: timers may fire that early. */
	struct pass p = {tasks,      count,       adopted, global_grace,
			 now + 1e-3, in_shutdown, 0};

	while (kill_late_with(&p, -1))
		;
	return p.tasks_killed > 0;
}

double grace_next_deadline(struct task *const *tasks, size_t count,
			   const struct adopted *adopted)
{
	double next = adopted_next_deadline(adopted);

	for (size_t i = 0; i < count; i++) {
		const struct task *t = tasks[i];

		if (task_pending_kill(t) && (next < 0 || t->deadline < next))
			next = t->deadline;
	}
	return next;
}
