#include "worker.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include "accounts.h"
#include "parse.h"
#include "settings.h"

void worker_init(struct worker *w, const char *name, const char *origin)
{
	*w = (struct worker){
		.name = name,
		.grace = -1,
		.restart = RESTART_NO,
		.restart_delay = 0.1,
		.restart_max_delay = 30,
		.log_max_size = 10 * 1024 * 1024,
		.log_keep = 5,
		.copies = 1,
		.procfile_index = -1,
		.health_interval = 10,
		.health_timeout = 2,
		.health_retries = 3,
		.origin = origin,
	};
}

const char *worker_stop_signal_refusal(const char *value)
{
	switch (parse_signal(value)) {
	case SIGKILL:
		return "SIGKILL cannot be caught, so no worker could end "
		       "gracefully; it comes anyway when the grace period runs "
		       "out";
	case SIGSTOP:
		return "SIGSTOP cannot be caught, and would stop the workers "
		       "instead of ending them";
	case SIGCONT:
		return "SIGCONT follows every stop signal anyway, and ends "
		       "nothing";
	default:
		return NULL;
	}
}

int worker_parse_stop_signal(const char *value)
{
	int signo = parse_signal(value);

	return signo == SIGKILL || signo == SIGSTOP || signo == SIGCONT ? -1
									: signo;
}

bool worker_valid_env_key(const char *key, size_t len)
{
	if (len == 0 || (key[0] >= '0' && key[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY"
			   "Z"
			   "0123456789_",
			   key[i]) == NULL)
			return false;
	return true;
}

bool worker_valid_name(const char *name)
{
	return name[0] != '\0' && name[strspn(name, "abcdefghijklmnopqrstuvwxyz"
						    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						    "0123456789_-.")] == '\0';
}

static int set_command(struct settings *s, struct worker *w, const char *value)
{
	w->argv[2] = settings_strdup(s, value);
	return value[0] == '\0' ? -1 : 0;
}

static int set_directory(struct settings *s, struct worker *w,
			 const char *value)
{
	struct stat st;

	w->directory = settings_strdup(s, value);
	return stat(value, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* A name, or a number for an id that need not exist. The supplementary
 * groups are looked up once the whole section is read (finish_workers). */
static int set_user(struct settings *s, struct worker *w, const char *value)
{
	struct account user;

	if (accounts_user(value, &user) == -1)
		return -1;
	w->set_uid = true;
	w->uid = user.uid;
	w->user = user.name[0] ? settings_strdup(s, user.name) : NULL;
	if (!w->set_gid)
		w->gid = user.gid;
	return 0;
}

static int set_group(struct settings *s, struct worker *w, const char *value)
{
	(void)s;
	if (accounts_group(value, &w->gid) == -1)
		return -1;
	w->set_gid = true;
	return 0;
}

/* Repeatable: each entry is appended to the worker's list. */
static int set_env(struct settings *s, struct worker *w, const char *value)
{
	size_t count = 0, key_len = strcspn(value, "=");
	char **grown;

	if (value[key_len] != '=' || !worker_valid_env_key(value, key_len))
		return -1;
	while (w->env != NULL && w->env[count] != NULL)
		count++;
	grown = settings_own(s, calloc(count + 2, sizeof(*grown)));
	if (grown == NULL)
		return -1;
	if (count > 0)
		memcpy(grown, w->env, count * sizeof(*grown));
	grown[count] = settings_strdup(s, value);
	w->env = grown;
	return grown[count] == NULL ? -1 : 0;
}

static int set_restart(struct settings *s, struct worker *w, const char *value)
{
	(void)s;
	if (strcmp(value, "no") == 0)
		w->restart = RESTART_NO;
	else if (strcmp(value, "on-failure") == 0)
		w->restart = RESTART_ON_FAILURE;
	else if (strcmp(value, "always") == 0)
		w->restart = RESTART_ALWAYS;
	else
		return -1;
	return 0;
}

static int set_restart_delay(struct settings *s, struct worker *w,
			     const char *value)
{
	(void)s;
	return parse_duration(value, &w->restart_delay);
}

static int set_restart_max_delay(struct settings *s, struct worker *w,
				 const char *value)
{
	(void)s;
	return parse_duration(value, &w->restart_max_delay);
}

/* "N/DURATION", N from 1. */
static int set_start_limit(struct settings *s, struct worker *w,
			   const char *value)
{
	const char *slash = strchr(value, '/');
	long long limit;
	char count[16];

	(void)s;
	if (slash == NULL || (size_t)(slash - value) >= sizeof(count))
		return -1;
	memcpy(count, value, (size_t)(slash - value));
	count[slash - value] = '\0';
	if (parse_number(count, 1, 100000, &limit) == -1)
		return -1;
	w->start_limit = (int)limit;
	return parse_duration(slash + 1, &w->start_interval);
}

static int set_worker_stop_signal(struct settings *s, struct worker *w,
				  const char *value)
{
	(void)s;
	return (w->stop_signal = worker_parse_stop_signal(value)) < 0 ? -1 : 0;
}

static int set_worker_grace(struct settings *s, struct worker *w,
			    const char *value)
{
	(void)s;
	return parse_duration(value, &w->grace);
}

static int set_waits(struct settings *s, struct worker *w, const char *value)
{
	(void)s;
	return parse_bool(value, &w->waits_for);
}

static int set_log_file(struct settings *s, struct worker *w, const char *value)
{
	w->log_file = settings_strdup(s, value);
	return value[0] == '\0' ? -1 : 0;
}

static int set_log_max_size(struct settings *s, struct worker *w,
			    const char *value)
{
	(void)s;
	return parse_size(value, &w->log_max_size);
}

static int set_log_keep(struct settings *s, struct worker *w, const char *value)
{
	long long keep;

	(void)s;
	if (parse_number(value, 0, 1000, &keep) == -1)
		return -1;
	w->log_keep = (int)keep;
	return 0;
}

static int set_copies(struct settings *s, struct worker *w, const char *value)
{
	long long copies;

	(void)s;
	if (parse_number(value, 0, WORKER_COPIES_MAX, &copies) == -1)
		return -1;
	w->copies = (int)copies;
	return 0;
}

static int set_tty(struct settings *s, struct worker *w, const char *value)
{
	(void)s;
	return parse_bool(value, &w->tty);
}

/* A numeric IPv4 or IPv6 address. */
static bool valid_address(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

/* "HOST:PORT" at TEXT, LEN bytes: a host is numeric (no name service in
 * a static binary), or "localhost"; [::1] may come with brackets. */
static int set_endpoint(struct settings *s, const char *text, size_t len,
			const char **host_out, int *port_out)
{
	char *copy = settings_own(s, strndup(text, len)), *colon, *host;
	long long port;

	if (copy == NULL || (colon = strrchr(copy, ':')) == NULL ||
	    colon == copy)
		return -1;
	*colon = '\0';
	if (parse_number(colon + 1, 1, 65535, &port) == -1)
		return -1;
	host = copy;
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		host++;
	}
	*host_out = host;
	*port_out = (int)port;
	return valid_address(host) ? 0 : -1;
}

/* notify, tcp:HOST:PORT, exec:COMMAND. */
static int set_ready(struct settings *s, struct worker *w, const char *value)
{
	if (strcmp(value, "notify") == 0) {
		w->ready = READY_NOTIFY;
		return 0;
	}
	if (strncmp(value, "exec:", 5) == 0 && value[5] != '\0') {
		w->ready = READY_EXEC;
		w->ready_command = settings_strdup(s, value + 5);
		return 0;
	}
	if (strncmp(value, "tcp:", 4) == 0) {
		w->ready = READY_TCP;
		return set_endpoint(s, value + 4, strlen(value + 4),
				    &w->ready_host, &w->ready_port);
	}
	return -1;
}

/* tcp:HOST:PORT, http:HOST:PORT/PATH (or http://...), exec:COMMAND. The
 * path is sent as it is: it may hold no space and no control
 * character. */
static int set_health(struct settings *s, struct worker *w, const char *value)
{
	const char *rest, *slash;

	if (strncmp(value, "exec:", 5) == 0 && value[5] != '\0') {
		w->health = HEALTH_EXEC;
		w->health_command = settings_strdup(s, value + 5);
		return w->health_command == NULL ? -1 : 0;
	}
	if (strncmp(value, "tcp:", 4) == 0) {
		w->health = HEALTH_TCP;
		return set_endpoint(s, value + 4, strlen(value + 4),
				    &w->health_host, &w->health_port);
	}
	if (strncmp(value, "http:", 5) != 0)
		return -1;
	rest = value + 5;
	if (strncmp(rest, "//", 2) == 0)
		rest += 2;
	slash = strchr(rest, '/');
	w->health = HEALTH_HTTP;
	w->health_path = settings_strdup(s, slash != NULL ? slash : "/");
	if (w->health_path == NULL || strlen(w->health_path) > 256)
		return -1;
	for (const char *c = w->health_path; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return -1;
	return set_endpoint(
		s, rest, slash != NULL ? (size_t)(slash - rest) : strlen(rest),
		&w->health_host, &w->health_port);
}

#define POSITIVE_DURATION "duration above zero (0.5, 500ms, 2s, 1m, 1h)"

/* A duration above zero: a check every 0 s would spin. */
static int positive_duration(const char *value, double *out)
{
	return parse_duration(value, out) == -1 || *out <= 0 ? -1 : 0;
}

static int set_health_interval(struct settings *s, struct worker *w,
			       const char *value)
{
	(void)s;
	return positive_duration(value, &w->health_interval);
}

static int set_health_timeout(struct settings *s, struct worker *w,
			      const char *value)
{
	(void)s;
	return positive_duration(value, &w->health_timeout);
}

static int set_health_retries(struct settings *s, struct worker *w,
			      const char *value)
{
	long long retries;

	(void)s;
	if (parse_number(value, 1, 1000, &retries) == -1)
		return -1;
	w->health_retries = (int)retries;
	return 0;
}

static int set_ready_timeout(struct settings *s, struct worker *w,
			     const char *value)
{
	(void)s;
	return parse_duration(value, &w->ready_timeout);
}

const char *worker_condition_name(enum after_condition condition)
{
	static const char *const names[] = {
		[AFTER_READY] = "ready",
		[AFTER_STARTED] = "started",
		[AFTER_EXITED] = "exited",
		[AFTER_SUCCESS] = "success",
	};
	return names[condition];
}

static int parse_condition(const char *text, enum after_condition *out)
{
	for (int c = AFTER_READY; c <= AFTER_SUCCESS; c++)
		if (strcmp(text, worker_condition_name(c)) == 0) {
			*out = c;
			return 0;
		}
	return -1;
}

/* "NAME[:CONDITION][,NAME[:CONDITION]]...", repeatable; the names are
 * checked once every worker is known. */
static int set_after(struct settings *s, struct worker *w, const char *value)
{
	char *list = settings_strdup(s, value), *name, *rest = list;

	if (list == NULL)
		return -1;
	while ((name = strsep(&rest, ", ")) != NULL) {
		enum after_condition condition = AFTER_READY;
		char *colon = strchr(name, ':');
		size_t n = (size_t)w->after_count;
		enum after_condition *conditions;
		char **grown;

		if (name[0] == '\0')
			continue;
		if (colon != NULL) {
			*colon = '\0';
			if (parse_condition(colon + 1, &condition) == -1)
				return -1;
		}
		if (!worker_valid_name(name))
			return -1;
		grown = settings_own(s, calloc(n + 2, sizeof(*grown)));
		conditions =
			settings_own(s, calloc(n + 1, sizeof(*conditions)));
		if (grown == NULL || conditions == NULL)
			return -1;
		if (n > 0) {
			memcpy(grown, w->after, n * sizeof(*grown));
			memcpy(conditions, w->after_condition,
			       n * sizeof(*conditions));
		}
		grown[n] = name;
		conditions[n] = condition;
		w->after = grown;
		w->after_condition = conditions;
		w->after_count++;
	}
	return w->after_count > 0 ? 0 : -1;
}

static const struct worker_key {
	const char *name;
	const char *what;
	int (*set)(struct settings *s, struct worker *w, const char *value);
} worker_keys[] = {
	{"command", "command", set_command},
	{"directory", "directory (it must exist)", set_directory},
	{"user", "user", set_user},
	{"group", "group", set_group},
	{"env", "environment entry (KEY=VALUE)", set_env},
	{"restart", "restart policy (no, on-failure, always)", set_restart},
	{"restart-delay", DURATION_FORMS, set_restart_delay},
	{"restart-max-delay", DURATION_FORMS, set_restart_max_delay},
	{"start-limit", "start limit (N/DURATION)", set_start_limit},
	{"stop-signal", "signal", set_worker_stop_signal},
	{"grace", DURATION_FORMS, set_worker_grace},
	{"shutdown-waits-for", "boolean", set_waits},
	{"ready", "readiness (notify, tcp:HOST:PORT, exec:COMMAND)", set_ready},
	{"ready-timeout", DURATION_FORMS, set_ready_timeout},
	{"after",
	 "list of worker names, each with :started, :ready, :exited or "
	 ":success",
	 set_after},
	{"health",
	 "health check (tcp:HOST:PORT, http:HOST:PORT/PATH, "
	 "exec:COMMAND)",
	 set_health},
	{"health-interval", POSITIVE_DURATION, set_health_interval},
	{"health-timeout", POSITIVE_DURATION, set_health_timeout},
	{"health-retries", "count (1-1000)", set_health_retries},
	{"log-file", "file name", set_log_file},
	{"log-max-size", "size (bytes, or with K, M or G)", set_log_max_size},
	{"log-keep", "count (0-1000)", set_log_keep},
	{"copies", "count (0-1000)", set_copies},
	{"tty", "boolean", set_tty},
};

int worker_set_key(struct settings *s, struct worker *w, const char *key,
		   const char *value, const char *origin)
{
	for (size_t i = 0; i < sizeof(worker_keys) / sizeof(worker_keys[0]);
	     i++) {
		if (strcmp(worker_keys[i].name, key) != 0)
			continue;
		if (worker_keys[i].set(s, w, value) == 0) {
			/* Its names are checked once every worker is known:
			 * a message about them points to this line. */
			if (worker_keys[i].set == set_after &&
			    (w->after_origin = settings_strdup(s, origin)) ==
				    NULL)
				return settings_fail(s, "%s: out of memory",
						     origin);
			return 0;
		}
		if (worker_keys[i].set == set_worker_stop_signal &&
		    worker_stop_signal_refusal(value) != NULL)
			return settings_fail(s, "%s: %s: %s is refused: %s",
					     origin, key, value,
					     worker_stop_signal_refusal(value));
		return settings_fail(s, "%s: %s: invalid %s '%s'", origin, key,
				     worker_keys[i].what, value);
	}
	return settings_fail(s, "%s: unknown key '%s' in [worker:%s]", origin,
			     key, w->name);
}

/* Depth-first search from W for a cycle of "after". STATE: 0 not seen,
 * 1 on the current path, 2 done. On a cycle, PATH[0..*DEPTH] is the path
 * and *BACK the worker on it that the last one comes after. */
static bool find_cycle(const struct settings *s, int w, char *state, int *path,
		       int *depth, int *back)
{
	state[w] = 1;
	path[*depth] = w;
	for (int i = 0; i < s->workers[w].after_count; i++) {
		int next = s->workers[w].after_index[i];

		if (state[next] == 1) {
			*back = next;
			return true;
		}
		(*depth)++;
		if (state[next] == 0 &&
		    find_cycle(s, next, state, path, depth, back))
			return true;
		(*depth)--;
	}
	state[w] = 2;
	return false;
}

/* What worker FROM waits for of worker TO. */
static enum after_condition edge_condition(const struct settings *s, int from,
					   int to)
{
	const struct worker *w = &s->workers[from];

	for (int a = 0; a < w->after_count; a++)
		if (w->after_index[a] == to)
			return w->after_condition[a];
	return AFTER_READY;
}

static const char *after_origin(const struct worker *w)
{
	return w->after_origin != NULL ? w->after_origin : w->origin;
}

/* Every name in "after" is another worker, and no worker comes after
 * itself, however far round. */
static int check_order(struct settings *s)
{
	int *path;
	char *state;
	int result = 0;

	for (size_t i = 0; i < s->worker_count; i++) {
		struct worker *w = &s->workers[i];

		if (w->after_count == 0)
			continue;
		w->after_index = settings_own(
			s, calloc((size_t)w->after_count, sizeof(int)));
		if (w->after_index == NULL)
			return settings_fail(s, "out of memory");
		for (int a = 0; a < w->after_count; a++) {
			struct worker *other =
				settings_find_worker(s, w->after[a]);

			if (other == NULL)
				return settings_fail(
					s,
					"%s: after: no worker named "
					"'%s' (in %s:%s)",
					after_origin(w), w->after[a],
					w->after[a],
					worker_condition_name(
						w->after_condition[a]));
			w->after_index[a] = (int)(other - s->workers);
		}
	}
	state = calloc(s->worker_count, 1);
	path = calloc(s->worker_count + 1, sizeof(*path));
	if (state == NULL || path == NULL) {
		free(state);
		free(path);
		return settings_fail(s, "out of memory");
	}
	for (size_t i = 0; i < s->worker_count && result == 0; i++) {
		char cycle[1024] = "";
		int depth = 0, back = -1, k = 0;

		if (state[i] != 0 ||
		    !find_cycle(s, (int)i, state, path, &depth, &back))
			continue;
		while (path[k] != back)
			k++;
		strlcat(cycle, s->workers[path[k]].name, sizeof(cycle));
		for (; k <= depth; k++) {
			int to = k < depth ? path[k + 1] : back;

			strlcat(cycle, " -> ", sizeof(cycle));
			strlcat(cycle, s->workers[to].name, sizeof(cycle));
			strlcat(cycle, ":", sizeof(cycle));
			strlcat(cycle,
				worker_condition_name(
					edge_condition(s, path[k], to)),
				sizeof(cycle));
		}
		result = settings_fail(s, "%s: after: a dependency cycle: %s",
				       after_origin(&s->workers[back]), cycle);
	}
	free(state);
	free(path);
	return result;
}

/* What can only be known once every key is read: the group a user runs
 * as (the one given, or the user's own) and the user's supplementary
 * groups, looked up now since they cannot be after fork. */
static int finish_workers(struct settings *s)
{
	for (size_t i = 0; i < s->worker_count; i++) {
		struct worker *w = &s->workers[i];
		int count = 0;

		if (w->set_uid)
			w->set_gid = true;
		if (w->user == NULL)
			continue;
		w->groups = settings_own(
			s, accounts_groups_of(w->user, w->gid, &count));
		if (w->groups == NULL)
			return settings_fail(s,
					     "%s: cannot list the groups of %s",
					     w->origin, w->user);
		w->group_count = count;
	}
	return 0;
}

static int chain_depth(const struct settings *s, const struct worker *w,
		       int limit)
{
	int deepest = 0;

	if (limit == 0)
		return 0;
	for (int a = 0; a < w->after_count; a++) {
		int depth = chain_depth(s, &s->workers[w->after_index[a]],
					limit - 1);

		if (depth > deepest)
			deepest = depth;
	}
	return deepest + 1;
}

int worker_depth(const struct settings *s, const struct worker *w)
{
	return chain_depth(s, w, (int)s->worker_count);
}

int worker_link_all(struct settings *s)
{
	if (check_order(s) == -1)
		return -1;
	return finish_workers(s);
}

/* Two strings, either of which may be NULL. */
static bool text_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Two NULL-terminated lists, either of which may be NULL. */
static bool list_equal(char *const *a, char *const *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	for (; *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return *a == NULL && *b == NULL;
}

bool worker_equal(const struct worker *a, const struct worker *b)
{
	if (a->after_count != b->after_count ||
	    a->group_count != b->group_count ||
	    (a->group_count > 0 &&
	     memcmp(a->groups, b->groups,
		    (size_t)a->group_count * sizeof(*a->groups)) != 0))
		return false;
	for (int i = 0; i < a->after_count; i++)
		if (strcmp(a->after[i], b->after[i]) != 0 ||
		    a->after_condition[i] != b->after_condition[i])
			return false;
	return text_equal(a->name, b->name) && list_equal(a->argv, b->argv) &&
	       list_equal(a->env, b->env) &&
	       text_equal(a->directory, b->directory) &&
	       a->set_uid == b->set_uid && a->set_gid == b->set_gid &&
	       text_equal(a->user, b->user) && a->uid == b->uid &&
	       a->gid == b->gid && a->is_main == b->is_main &&
	       a->waits_for == b->waits_for && a->foreground == b->foreground &&
	       a->stop_signal == b->stop_signal && a->grace == b->grace &&
	       a->restart == b->restart &&
	       a->restart_delay == b->restart_delay &&
	       a->restart_max_delay == b->restart_max_delay &&
	       a->start_limit == b->start_limit &&
	       a->start_interval == b->start_interval && a->ready == b->ready &&
	       text_equal(a->ready_host, b->ready_host) &&
	       a->ready_port == b->ready_port &&
	       text_equal(a->ready_command, b->ready_command) &&
	       a->ready_timeout == b->ready_timeout &&
	       text_equal(a->log_file, b->log_file) &&
	       a->log_max_size == b->log_max_size &&
	       a->log_keep == b->log_keep && a->health == b->health &&
	       text_equal(a->health_host, b->health_host) &&
	       a->health_port == b->health_port &&
	       text_equal(a->health_path, b->health_path) &&
	       text_equal(a->health_command, b->health_command) &&
	       a->health_interval == b->health_interval &&
	       a->health_timeout == b->health_timeout &&
	       a->health_retries == b->health_retries && a->tty == b->tty &&
	       a->port == b->port;
}
