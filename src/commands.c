/* What each command of aiorunctl does (SPEC section 9): status, start,
 * stop, restart, signal, wait, logs, reload, shutdown. Each becomes
 * events of the worker table (task_post) or of the supervisor's; a
 * client waiting for tasks is answered when they change. */
#include "control.h"
#include "control_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "reload.h"

/* TEXT as a JSON string's contents: quotes, backslashes and control
 * characters escaped. */
static size_t json_escape(const char *text, size_t len, char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 7 < size; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '"' || ch == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			n += (size_t)snprintf(buf + n, size - n, "\\u%04x", ch);
		} else {
			buf[n++] = (char)ch;
		}
	}
	buf[n] = '\0';
	return n;
}

/* One line about one worker: "web: stopped", or its JSON object. An
 * error goes to standard error and makes the exit status 1. */
static void report(struct client *c, const struct task *t, bool error,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report(struct client *c, const struct task *t, bool error,
		   const char *fmt, ...)
{
	char what[512], escaped[1100];
	const char *name = t != NULL ? t->def->name : "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (error)
		c->status = CTL_FAILED;
	if (!c->req.json) {
		client_say(c, error ? '2' : '1', "%s%s%s", name,
			   t != NULL ? ": " : "", what);
		return;
	}
	/* In JSON a failure is an object too, among the others on standard
	 * output: "error" in place of "result". */
	json_escape(what, strlen(what), escaped, sizeof(escaped));
	if (t == NULL)
		client_say(c, '1', "{\"%s\":\"%s\"}",
			   error ? "error" : "result", escaped);
	else
		client_say(c, '1',
			   "{\"name\":\"%s\",\"state\":\"%s\",\"%s\":\"%s\"}",
			   name, fsm_task_state_name(t->state),
			   error ? "error" : "result", escaped);
}

/* Has a process, or is about to have one again. */
static bool is_up(const struct task *t)
{
	return t->state == TASK_STARTING || t->state == TASK_RUNNING ||
	       t->state == TASK_HALTING || t->state == TASK_STOPPING;
}

/* Ended for good, as far as the table goes: nothing comes by itself. */
static bool is_down(const struct task *t)
{
	return t->state == TASK_STOPPED || t->state == TASK_EXITED ||
	       t->state == TASK_FAILED || t->state == TASK_SKIPPED;
}

/* The request's workers as task indexes, each once. Returns 0, or -1
 * after naming an unknown one: then nothing is done. */
static int resolve(struct client *c)
{
	size_t count, n = 0;
	struct task **all = control_tasks(c->ctl, &count);
	bool every = c->req.all ||
		     (c->req.command == CTL_STATUS && c->req.name_count == 0);

	c->targets = calloc(count + 1, sizeof(*c->targets));
	c->done = calloc(count + 1, sizeof(*c->done));
	if (c->targets == NULL || c->done == NULL) {
		report(c, NULL, true, "out of memory");
		return -1;
	}
	if (every) {
		for (size_t i = 0; i < count; i++)
			c->targets[n++] = i;
		c->target_count = n;
		return 0;
	}
	for (size_t k = 0; k < c->req.name_count; k++) {
		size_t i;

		for (i = 0; i < count; i++)
			if (strcmp(all[i]->def->name, c->req.names[k]) == 0)
				break;
		if (i == count) {
			char escaped[CTL_REQUEST_MAX * 6 + 1];

			c->status = CTL_FAILED;
			if (!c->req.json) {
				client_say(c, '2', "%s: no such worker",
					   c->req.names[k]);
				return -1;
			}
			json_escape(c->req.names[k], strlen(c->req.names[k]),
				    escaped, sizeof(escaped));
			client_say(c, '1',
				   "{\"name\":\"%s\",\"error\":\"no such "
				   "worker\"}",
				   escaped);
			return -1;
		}
		if (!c->done[i]) {
			c->done[i] = true;
			c->targets[n++] = i;
		}
	}
	memset(c->done, 0, (count + 1) * sizeof(*c->done));
	c->target_count = n;
	return 0;
}

/* "Control: restart web db (uid 1000)": what is obeyed, with its options,
 * and by whom (SPEC section 9). */
static void log_request(const struct client *c)
{
	const struct ctl_request *req = &c->req;
	char what[512] = "", option[64];

	strlcat(what, ctl_command_name(req->command), sizeof(what));
	if (req->command == CTL_SIGNAL) {
		strlcat(what, " ", sizeof(what));
		strlcat(what, signal_name(req->signo), sizeof(what));
	}
	if (req->command == CTL_WAIT) {
		strlcat(what,
			req->for_exited ? " --for exited" : " --for ready",
			sizeof(what));
		if (req->timeout >= 0) {
			snprintf(option, sizeof(option), " --timeout %s",
				 duration_text(req->timeout));
			strlcat(what, option, sizeof(what));
		}
	}
	if (req->command == CTL_LOGS) {
		snprintf(option, sizeof(option), " -n %ld%s", req->lines,
			 req->follow ? " -f" : "");
		strlcat(what, option, sizeof(what));
	}
	if (c->req.all)
		strlcat(what, " --all", sizeof(what));
	for (size_t k = 0; k < c->req.name_count; k++) {
		strlcat(what, " ", sizeof(what));
		strlcat(what, c->req.names[k], sizeof(what));
	}
	log_info("Control: %s (uid %d)", what, c->uid);
}

static char *uptime_text(double seconds, char *buf, size_t size)
{
	long s = (long)seconds;

	if (s >= 86400)
		snprintf(buf, size, "%ldd%ldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, size, "%ldh%ldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, size, "%ldm%lds", s / 60, s % 60);
	else
		snprintf(buf, size, "%lds", s);
	return buf;
}

/* What status shows for T: while a reload's new definition waits for
 * the old process to end, the old one, stopping, with its pid. */
static const struct task *shown(const struct client *c, const struct task *t)
{
	const struct task *old = NULL;

	if (t->state == TASK_WAITING)
		old = supervisor_replaced(c->ctl->sup, t);
	return old != NULL ? old : t;
}

static void do_status(struct client *c)
{
	size_t count;
	struct task **all = control_tasks(c->ctl, &count);
	double now = ev_now(c->ctl->loop);
	int width = 4;

	for (size_t k = 0; k < c->target_count; k++) {
		int len = (int)strlen(all[c->targets[k]]->def->name);

		if (len > width)
			width = len;
	}
	if (!c->req.json)
		client_say(c, '1', "%-*s  %-8s  %7s  %6s  %8s  %4s  %-9s  %s",
			   width, "NAME", "STATE", "PID", "UPTIME", "RESTARTS",
			   "LAST", "HEALTH", "WAITS-FOR");
	for (size_t k = 0; k < c->target_count; k++) {
		const struct task *t = shown(c, all[c->targets[k]]);
		double up = t->pid > 0 ? now - t->started_at : 0;
		char pid[16] = "null", last[16] = "null", upt[32];
		const char *health = health_state_name(t);

		if (t->pid > 0)
			snprintf(pid, sizeof(pid), "%d", (int)t->pid);
		if (t->last_status >= 0)
			snprintf(last, sizeof(last), "%d", t->last_status);
		if (c->req.json) {
			client_say(c, '1',
				   "{\"name\":\"%s\",\"state\":\"%s\","
				   "\"pid\":%s,\"uptime_s\":%.3f,"
				   "\"restarts\":%d,\"last_status\":%s,"
				   "\"health\":%s%s%s,\"waits_for\":%s}",
				   t->def->name, fsm_task_state_name(t->state),
				   pid, up, t->restarts, last,
				   health != NULL ? "\"" : "",
				   health != NULL ? health : "null",
				   health != NULL ? "\"" : "",
				   t->def->waits_for ? "true" : "false");
			continue;
		}
		client_say(c, '1', "%-*s  %-8s  %7s  %6s  %8d  %4s  %-9s  %s",
			   width, t->def->name, fsm_task_state_name(t->state),
			   t->pid > 0 ? pid : "-",
			   t->pid > 0 ? uptime_text(up, upt, sizeof(upt)) : "-",
			   t->restarts, t->last_status >= 0 ? last : "-",
			   health != NULL ? health : "-",
			   t->def->waits_for ? "yes" : "no");
	}
	client_end(c, CTL_OK);
}

/* Posts a start request to T, and says what came of it. */
static void start_one(struct client *c, struct task *t, const char *done)
{
	if (t->state == TASK_STARTING || t->state == TASK_RUNNING) {
		report(c, t, false, "already running (pid %d)", (int)t->pid);
		return;
	}
	if (t->state == TASK_HALTING) {
		report(c, t, true, "not started: it is stopping");
		return;
	}
	task_post(t, TEV_START_REQUEST);
	if (t->pid > 0)
		report(c, t, false, "%s (pid %d)", done, (int)t->pid);
	else
		report(c, t, true, "could not be started (now %s)",
		       fsm_task_state_name(t->state));
}

/* A command that the shutdown answers but does not obey. */
static bool changes_what_runs(const struct client *c)
{
	switch (c->req.command) {
	case CTL_START:
	case CTL_STOP:
	case CTL_RESTART:
	case CTL_RELOAD:
	case CTL_SHUTDOWN:
		return true;
	default:
		return false;
	}
}

/* During the shutdown a start (or restart) is refused; a stop changes
 * nothing, and that is no failure: the shutdown has each worker's end in
 * hand already (SPEC section 9). */
static bool refuse_in_shutdown(struct client *c)
{
	size_t count;
	struct task **all = control_tasks(c->ctl, &count);
	bool stop = c->req.command == CTL_STOP;

	if (supervisor_running(c->ctl->sup))
		return false;
	for (size_t k = 0; k < c->target_count; k++)
		report(c, all[c->targets[k]], !stop,
		       "not %sed: aiorun is shutting down",
		       stop ? "stopp" : "start");
	client_end(c, stop ? CTL_OK : CTL_FAILED);
	return true;
}

static void do_stop(struct client *c)
{
	size_t count;
	struct task **all = control_tasks(c->ctl, &count);

	if (refuse_in_shutdown(c))
		return;
	if (c->req.command == CTL_START) {
		for (size_t k = 0; k < c->target_count; k++)
			start_one(c, all[c->targets[k]], "started");
		client_end(c, c->status);
		return;
	}
	for (size_t k = 0; k < c->target_count; k++)
		task_post(all[c->targets[k]], TEV_STOP_REQUEST);
	supervisor_arm_grace(c->ctl->sup);
	c->phase = PHASE_PENDING;
	commands_check_pending(c);
}

static void do_signal(struct client *c)
{
	size_t count;
	struct task **all = control_tasks(c->ctl, &count);

	for (size_t k = 0; k < c->target_count; k++) {
		struct task *t = all[c->targets[k]];

		/* --all means the workers that run: a one-shot task done
		 * long ago is no failure of "signal HUP --all". */
		if (t->pid <= 0 && c->req.all)
			continue;
		if (t->pid <= 0)
			report(c, t, true, "not running");
		else if (task_signal(t, c->req.signo) == -1)
			report(c, t, true, "cannot signal: %s",
			       strerror(errno));
		else
			report(c, t, false, "sent %s",
			       signal_name(c->req.signo));
	}
	client_end(c, c->status);
}

/* Whether T, or the process a reload is replacing by T, still runs:
 * what a stop waits for. */
static bool still_up(const struct client *c, const struct task *t)
{
	return is_up(t) || supervisor_replaced(c->ctl->sup, t) != NULL;
}

/* Whether what C waits for T has come; says so, or why it cannot. */
static bool settle(struct client *c, struct task *t)
{
	switch (c->req.command) {
	case CTL_STOP:
		if (still_up(c, t))
			return false;
		report(c, t, false, "%s", fsm_task_state_name(t->state));
		return true;
	case CTL_RESTART:
		if (still_up(c, t))
			return false;
		if (!supervisor_running(c->ctl->sup)) {
			report(c, t, true,
			       "not restarted: aiorun is shutting down");
			return true;
		}
		start_one(c, t, "restarted");
		return true;
	case CTL_WAIT:
		if (c->req.for_exited ? is_down(t) : t->state == TASK_RUNNING) {
			if (t->state == TASK_RUNNING)
				report(c, t, false, "ready");
			else if (t->last_status >= 0)
				report(c, t, false, "%s (status %d)",
				       fsm_task_state_name(t->state),
				       t->last_status);
			else
				report(c, t, false, "%s",
				       fsm_task_state_name(t->state));
			return true;
		}
		if (!c->req.for_exited && is_down(t)) {
			report(c, t, true, "%s %s it was ready",
			       fsm_task_state_name(t->state),
			       t->ready_seen ? "after" : "before");
			return true;
		}
		return false;
	case CTL_LOGS:
		return is_down(t);
	default:
		return true;
	}
}

void commands_check_pending(struct client *c)
{
	size_t count;
	struct task **all = control_tasks(c->ctl, &count);
	bool left = false;

	/* In the order given: a worker's line, and a restart's start, wait
	 * for those named before it, as supervisorctl answers. */
	for (size_t k = 0; k < c->target_count && !left; k++) {
		if (c->done[k])
			continue;
		c->done[k] = settle(c, all[c->targets[k]]);
		left = !c->done[k];
	}
	if (!left)
		client_end(c, c->status);
}

void commands_check_all(struct control *ctl)
{
	struct client *next;

	for (struct client *c = ctl->clients; c != NULL; c = next) {
		next = c->next;
		if (c->phase == PHASE_PENDING)
			commands_check_pending(c);
	}
}

void commands_check_cb(struct ev_loop *loop, struct ev_prepare *w, int revents)
{
	(void)revents;
	ev_prepare_stop(loop, w);
	commands_check_all(w->data);
}

/* A task handled an event: the pending clients look, once the loop's
 * iteration is over (not from inside the table's dispatch). */
void commands_task_changed(struct task *t, void *data)
{
	struct control *ctl = data;

	(void)t;
	for (struct client *c = ctl->clients; c != NULL; c = c->next)
		if (c->phase == PHASE_PENDING) {
			ev_prepare_start(ctl->loop, &ctl->check);
			return;
		}
}

void commands_wait_expired(struct client *c)
{
	size_t count;
	struct task **all = control_tasks(c->ctl, &count);
	char d[32];

	/* A worker named after one still awaited may be there already:
	 * its own answer, not a timeout. */
	for (size_t k = 0; k < c->target_count; k++)
		if (!c->done[k] && !settle(c, all[c->targets[k]]))
			report(c, all[c->targets[k]], true,
			       "not %s after %s (now %s)",
			       c->req.for_exited ? "ended" : "ready",
			       format_duration(c->req.timeout, d, sizeof(d)),
			       fsm_task_state_name(all[c->targets[k]]->state));
	client_end(c, CTL_FAILED);
}

static void do_wait(struct client *c)
{
	c->phase = PHASE_PENDING;
	if (c->req.timeout >= 0) {
		ev_timer_set(&c->timer, c->req.timeout, 0);
		ev_timer_start(c->ctl->loop, &c->timer);
	}
	commands_check_pending(c);
}

/* The ring of the task named NAME, or ring_count: lines come in runs
 * from one worker, so the last one found is tried first. */
static size_t ring_of(struct control *ctl, const char *name)
{
	size_t count;
	struct task **all = control_tasks(ctl, &count);

	if (ctl->last_ring < count &&
	    strcmp(all[ctl->last_ring]->def->name, name) == 0)
		return ctl->last_ring;
	for (size_t i = 0; i < count; i++)
		if (strcmp(all[i]->def->name, name) == 0)
			return ctl->last_ring = i;
	return ctl->ring_count;
}

/* LINES (LEN bytes, each line ending in '\n') of the worker NAME, to C. */
static void send_lines(struct client *c, const char *name, const char *lines,
		       size_t len)
{
	char escaped[6 * 1024];
	const char *nl;

	for (; len > 0; len -= (size_t)(nl - lines) + 1, lines = nl + 1) {
		nl = memchr(lines, '\n', len);
		if (!c->req.json) {
			client_put(c, '1', lines, (size_t)(nl - lines));
			continue;
		}
		json_escape(lines, (size_t)(nl - lines), escaped,
			    sizeof(escaped));
		client_say(c, '1', "{\"name\":\"%s\",\"line\":\"%s\"}", name,
			   escaped);
	}
}

/* The lines a worker writes: into its ring, and to its followers. */
void commands_lines_seen(const char *name, const char *lines, size_t len,
			 void *data)
{
	struct control *ctl = data;
	size_t i = ring_of(ctl, name);
	struct client *next;

	if (i >= ctl->ring_count)
		return;
	ring_add(&ctl->rings[i], lines, len);
	for (struct client *c = ctl->clients; c != NULL; c = next) {
		next = c->next;
		if (c->phase != PHASE_PENDING || c->req.command != CTL_LOGS ||
		    c->targets[0] != i)
			continue;
		send_lines(c, name, lines, len);
		client_flush(c);
	}
}

static void do_logs(struct client *c)
{
	struct control *ctl = c->ctl;
	size_t i = c->targets[0], len;
	const char *text;

	if (ctl->output == NULL) {
		report(c, NULL, true,
		       "%s: output not captured (a lone PROGRAM writes to "
		       "aiorun's own)",
		       c->req.names[0]);
		client_end(c, CTL_FAILED);
		return;
	}
	ring_tail(&ctl->rings[i], c->req.lines, &text, &len);
	send_lines(c, c->req.names[0], text, len);
	if (!c->req.follow) {
		client_end(c, CTL_OK);
		return;
	}
	c->phase = PHASE_PENDING;
	if (client_flush(c))
		commands_check_pending(c);
}

static void do_shutdown(struct client *c)
{
	if (!supervisor_running(c->ctl->sup)) {
		report(c, NULL, false, "already shutting down");
	} else {
		supervisor_request_shutdown(c->ctl->sup, c->uid);
		report(c, NULL, false, "shutting down");
	}
	client_end(c, CTL_OK);
}

static void reload_said(const char *line, void *data)
{
	report(data, NULL, false, "%s", line);
}

/* The tasks' names before a reload, for what indexes them: the rings and
 * the pending clients' targets. NULL when out of memory. */
static char **names_before(struct control *ctl)
{
	size_t count;
	struct task **all = control_tasks(ctl, &count);
	char **names = calloc(count + 1, sizeof(*names));

	for (size_t i = 0; names != NULL && i < count; i++) {
		if ((names[i] = strdup(all[i]->def->name)) == NULL) {
			while (i-- > 0)
				free(names[i]);
			free(names);
			return NULL;
		}
	}
	return names;
}

/* NAME's index among the tasks now, or COUNT. */
static size_t index_now(struct task **all, size_t count, const char *name)
{
	size_t i = 0;

	while (i < count && strcmp(all[i]->def->name, name) != 0)
		i++;
	return i;
}

/* After a reload: each ring and each pending client's target follows its
 * worker's name to its new index; a target whose worker left is
 * settled. */
static void names_after(struct control *ctl, char **names, struct ring *rings)
{
	size_t count;
	struct task **all = control_tasks(ctl, &count);

	for (size_t j = 0; j < ctl->ring_count; j++) {
		size_t i = index_now(all, count, names[j]);

		if (i < count)
			rings[i] = ctl->rings[j];
		else
			ring_finish(&ctl->rings[j]);
	}
	for (struct client *c = ctl->clients; c != NULL; c = c->next) {
		if (c->phase != PHASE_PENDING || c->targets == NULL)
			continue;
		for (size_t k = 0; k < c->target_count; k++) {
			size_t i = index_now(all, count, names[c->targets[k]]);

			if (i < count) {
				c->targets[k] = i;
				continue;
			}
			if (!c->done[k] && c->req.command != CTL_LOGS)
				report(c, NULL, c->req.command != CTL_STOP,
				       "%s: removed by a reload",
				       names[c->targets[k]]);
			c->targets[k] = 0;
			c->done[k] = true;
		}
	}
	for (size_t j = 0; j < ctl->ring_count; j++)
		free(names[j]);
	free(names);
	free(ctl->rings);
	ctl->rings = rings;
	ctl->ring_count = count;
	ctl->last_ring = 0;
	ev_prepare_start(ctl->loop, &ctl->check);
}

static void do_reload(struct client *c)
{
	struct control *ctl = c->ctl;
	struct settings *next;
	struct ring *rings = NULL;
	char **names = NULL;
	char err[1024];

	if (!supervisor_running(ctl->sup)) {
		report(c, NULL, true, "not reloaded: aiorun is shutting down");
		client_end(c, CTL_FAILED);
		return;
	}
	if ((next = reload_load(ctl->argc, ctl->argv, err, sizeof(err))) ==
	    NULL) {
		/* The loader has logged the error. */
		log_warnx("Reload: nothing changed");
		report(c, NULL, true, "%s", err);
		client_end(c, CTL_FAILED);
		return;
	}
	if ((names = names_before(ctl)) == NULL ||
	    (rings = calloc(next->worker_count + 1, sizeof(*rings))) == NULL ||
	    supervisor_reload(ctl->sup, next, reload_said, c) == -1) {
		log_warn("Reload: nothing changed");
		report(c, NULL, true, "cannot reload: %s", strerror(errno));
		if (names != NULL)
			for (size_t j = 0; j < ctl->ring_count; j++)
				free(names[j]);
		free(names);
		free(rings);
		config_free(next);
		free(next);
		client_end(c, CTL_FAILED);
		return;
	}
	names_after(ctl, names, rings);
	client_end(c, c->status);
}

void commands_handle(struct client *c, char *line)
{
	size_t count = 0;
	char err[256];

	for (char *word = strtok(line, " \t"); word != NULL;
	     word = strtok(NULL, " \t"))
		c->words[count++] = word;
	if (ctl_parse(&c->req, c->words, count, c->names, err, sizeof(err)) ==
	    -1) {
		client_say(c, '2', "%s", err);
		client_end(c, CTL_USAGE);
		return;
	}
	c->status = CTL_OK;
	if (c->req.command != CTL_RELOAD && c->req.command != CTL_SHUTDOWN &&
	    resolve(c) == -1) {
		client_end(c, CTL_FAILED);
		return;
	}
	/* During the shutdown, a command that would change what runs is
	 * answered but not obeyed, so not logged either. */
	if (supervisor_running(c->ctl->sup) || !changes_what_runs(c))
		log_request(c);
	switch (c->req.command) {
	case CTL_STATUS:
		do_status(c);
		break;
	case CTL_START:
	case CTL_STOP:
	case CTL_RESTART:
		do_stop(c);
		break;
	case CTL_SIGNAL:
		do_signal(c);
		break;
	case CTL_WAIT:
		do_wait(c);
		break;
	case CTL_LOGS:
		do_logs(c);
		break;
	case CTL_RELOAD:
		do_reload(c);
		break;
	case CTL_SHUTDOWN:
		do_shutdown(c);
		break;
	}
}
