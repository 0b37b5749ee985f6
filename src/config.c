#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "accounts.h"
#include "conffile.h"
#include "parse.h"

#ifndef AIORUN_VERSION
#define AIORUN_VERSION "unknown"
#endif

/* Which sources may set an option: every long option can come from the
 * command line; most from the environment and the config file too. */
enum option_source {
	FROM_ALL,      /* command line, environment, config file */
	FROM_NOT_FILE, /* not the config file (--config, --procfile) */
	FROM_CLI_ONLY, /* -w, -W, --check, --help, --version */
};

/* An option setter returns -1 when VALUE is not valid; the caller names the
 * option and the value, unless the setter stored a message of its own. */
typedef int option_setter(struct settings *s, const char *value);

struct option_def {
	const char *name; /* long name; AIORUN_<NAME>; config file key */
	int key;          /* short letter, or a code past the letters */
	bool takes_value;
	enum option_source source;
	const char *what; /* what a valid value is, for error messages */
	option_setter *set;
};

static int set_grace(struct settings *s, const char *value)
{
	return parse_duration(value, &s->grace);
}

static int set_wait_timeout(struct settings *s, const char *value)
{
	return parse_duration(value, &s->wait_timeout);
}

/* SIGKILL and SIGSTOP cannot be caught, so a worker could not clean up;
 * SIGCONT, sent after every stop signal anyway, would cancel nothing. */
static int parse_stop_signal(const char *value)
{
	int signo = parse_signal(value);

	return signo == SIGKILL || signo == SIGSTOP || signo == SIGCONT ? -1
									: signo;
}

static int set_stop_signal(struct settings *s, const char *value)
{
	return (s->stop_signal = parse_stop_signal(value)) < 0 ? -1 : 0;
}

static int set_pdeathsig(struct settings *s, const char *value)
{
	return (s->pdeathsig = parse_signal(value)) < 0 ? -1 : 0;
}

static int set_run_forever(struct settings *s, const char *value)
{
	return parse_bool(value, &s->run_forever);
}

static int set_no_subreaper(struct settings *s, const char *value)
{
	return parse_bool(value, &s->no_subreaper);
}

/* A file name or a command: any text but the empty one. */
static int set_text(const char **field, const char *value)
{
	*field = value;
	return value[0] == '\0' ? -1 : 0;
}

static int set_on_shutdown(struct settings *s, const char *value)
{
	return set_text(&s->on_shutdown, value);
}

static int set_pidfile(struct settings *s, const char *value)
{
	return set_text(&s->pidfile, value);
}

static int set_backend(struct settings *s, const char *value)
{
	return parse_backend(value, &s->backend);
}

/* From the environment, a list: "143:0,1:0" or "143 1:0". */
static int set_map_exit(struct settings *s, const char *value)
{
	char list[256];
	char *rest = list, *item;
	int from, to, count = 0;

	if (strlcpy(list, value, sizeof(list)) >= sizeof(list))
		return -1;
	while ((item = strsep(&rest, ", ")) != NULL) {
		if (item[0] == '\0')
			continue;
		if (parse_exit_mapping(item, &from, &to) == -1)
			return -1;
		s->exit_map[from] = to;
		count++;
	}
	return count > 0 ? 0 : -1;
}

/* -v and -q move the level one step per use; from the environment the
 * value is a count ("2") or a boolean ("yes" is one step). */
static int verbosity_steps(const char *value)
{
	long long steps;
	bool on;

	if (parse_number(value, 0, 4, &steps) == 0)
		return (int)steps;
	if (parse_bool(value, &on) == 0)
		return on ? 1 : 0;
	return -1;
}

static int set_verbose(struct settings *s, const char *value)
{
	int steps = verbosity_steps(value);

	if (steps < 0)
		return -1;
	s->log_level = log_level_shift(s->log_level, steps);
	return 0;
}

static int set_quiet(struct settings *s, const char *value)
{
	int steps = verbosity_steps(value);

	if (steps < 0)
		return -1;
	s->log_level = log_level_shift(s->log_level, -steps);
	return 0;
}

static int set_executor_workers(struct settings *s, const char *value)
{
	long long count;

	if (parse_number(value, 1, 64, &count) == -1)
		return -1;
	s->executor_workers = (int)count;
	return 0;
}

/* The index of VALUE among the COUNT NAMES, or -1: the value of an enum
 * whose names are listed in its order. */
static int name_index(const char *value, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(value, names[i]) == 0)
			return (int)i;
	return -1;
}

static int parse_mode(const char *value, enum output_mode *mode)
{
	static const char *const names[] = {
		[OUTPUT_AUTO] = "auto",
		[OUTPUT_ALWAYS] = "always",
		[OUTPUT_NEVER] = "never",
	};
	int i = name_index(value, names, sizeof(names) / sizeof(names[0]));

	*mode = (enum output_mode)(i < 0 ? 0 : i);
	return i < 0 ? -1 : 0;
}

static int set_prefix(struct settings *s, const char *value)
{
	return parse_mode(value, &s->output.prefix);
}

static int set_color(struct settings *s, const char *value)
{
	return parse_mode(value, &s->output.colour);
}

static int set_timestamps(struct settings *s, const char *value)
{
	return parse_bool(value, &s->output.timestamps);
}

static int set_listen_fds(struct settings *s, const char *value)
{
	s->listen_worker = value;
	return config_valid_name(value) ? 0 : -1;
}

static int set_check(struct settings *s, const char *value)
{
	(void)value;
	s->check = true;
	return 0;
}

static int set_stop_on(struct settings *s, const char *value)
{
	static const char *const names[] = {
		[STOP_ON_FAILURE] = "failure",
		[STOP_ON_EXIT] = "exit",
		[STOP_ON_NONE] = "none",
	};
	int i = name_index(value, names, sizeof(names) / sizeof(names[0]));

	s->stop_on = (enum stop_on)(i < 0 ? 0 : i);
	return i < 0 ? -1 : 0;
}

static int set_config_file(struct settings *s, const char *value)
{
	return set_text(&s->config_file, value);
}

static int set_procfile(struct settings *s, const char *value)
{
	return set_text(&s->procfile, value);
}

static int set_env_file(struct settings *s, const char *value)
{
	return set_text(&s->env_file, value);
}

/* -w and -W: "NAME=COMMAND". */
static int add_cli_worker(struct settings *s, const char *value, bool waits_for,
			  const char *origin)
{
	const char *equals = strchr(value, '=');
	struct worker *w;
	char *name;

	if (equals == NULL || equals == value || equals[1] == '\0')
		return -1;
	name = strndup(value, (size_t)(equals - value));
	w = name ? config_add_worker(s, name, equals + 1, origin) : NULL;
	free(name);
	if (w == NULL)
		return config_fail(s, "%s: out of memory", origin);
	w->waits_for = waits_for;
	return 0;
}

static int set_worker(struct settings *s, const char *value)
{
	return add_cli_worker(s, value, false, "--worker");
}

static int set_waits_for(struct settings *s, const char *value)
{
	return add_cli_worker(s, value, true, "--waits-for");
}

enum { KEY_LONG_ONLY = 256 };

static const struct option_def options[] = {
	{"worker", 'w', true, FROM_CLI_ONLY, "worker (NAME=COMMAND)",
	 set_worker},
	{"waits-for", 'W', true, FROM_CLI_ONLY, "worker (NAME=COMMAND)",
	 set_waits_for},
	{"config", 'c', true, FROM_NOT_FILE, "file name", set_config_file},
	{"procfile", 'f', true, FROM_NOT_FILE, "file name", set_procfile},
	{"env-file", KEY_LONG_ONLY + 0, true, FROM_ALL, "file name",
	 set_env_file},
	{"grace", 't', true, FROM_ALL, "duration", set_grace},
	{"wait-timeout", KEY_LONG_ONLY + 1, true, FROM_ALL, "duration",
	 set_wait_timeout},
	{"stop-signal", KEY_LONG_ONLY + 2, true, FROM_ALL, "signal",
	 set_stop_signal},
	{"stop-on", KEY_LONG_ONLY + 3, true, FROM_ALL,
	 "value (failure, exit, none)", set_stop_on},
	{"run-forever", KEY_LONG_ONLY + 4, false, FROM_ALL, "boolean",
	 set_run_forever},
	{"on-shutdown", KEY_LONG_ONLY + 5, true, FROM_ALL, "command",
	 set_on_shutdown},
	{"map-exit", 'e', true, FROM_ALL, "exit mapping (CODE[:NEW], 0-255)",
	 set_map_exit},
	{"pdeathsig", 'p', true, FROM_ALL, "signal", set_pdeathsig},
	{"no-subreaper", KEY_LONG_ONLY + 6, false, FROM_ALL, "boolean",
	 set_no_subreaper},
	{"prefix", KEY_LONG_ONLY + 10, true, FROM_ALL,
	 "value (auto, always, never)", set_prefix},
	{"color", KEY_LONG_ONLY + 11, true, FROM_ALL,
	 "value (auto, always, never)", set_color},
	{"timestamps", KEY_LONG_ONLY + 12, false, FROM_ALL, "boolean",
	 set_timestamps},
	{"listen-fds", KEY_LONG_ONLY + 13, true, FROM_ALL, "worker name",
	 set_listen_fds},
	{"executor-workers", 'x', true, FROM_ALL, "thread count (1-64)",
	 set_executor_workers},
	{"backend", KEY_LONG_ONLY + 7, true, FROM_ALL,
	 "backend (auto, select, poll, epoll, io_uring)", set_backend},
	{"pidfile", KEY_LONG_ONLY + 8, true, FROM_ALL, "file name",
	 set_pidfile},
	{"verbose", 'v', false, FROM_ALL, "count", set_verbose},
	{"quiet", 'q', false, FROM_ALL, "count", set_quiet},
	{"check", KEY_LONG_ONLY + 9, false, FROM_CLI_ONLY, NULL, set_check},
	{"help", 'h', false, FROM_CLI_ONLY, NULL, NULL},
	{"version", 'V', false, FROM_CLI_ONLY, NULL, NULL},
};
#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))
_Static_assert(OPTION_COUNT <= OPTION_SLOTS, "raise OPTION_SLOTS");

/* The help text is laid out as it prints. */
/* clang-format off */
static const char usage_text[] =
	"usage: aiorun [OPTION]... [--] PROGRAM [ARG]...\n"
	"       aiorun [OPTION]... -w NAME=COMMAND [-w ...] [[--] PROGRAM [ARG]...]\n"
	"       aiorun [OPTION]... -c FILE | -f PROCFILE [[--] PROGRAM [ARG]...]\n"
	"\n"
	"Run PROGRAM, or a set of workers, and give them an orderly life and\n"
	"death: forward signals, reap zombies, restart what should be restarted,\n"
	"turn SIGINT and SIGTERM into a graceful shutdown, and exit with a\n"
	"status that means something.\n"
	"\n"
	"  -w, --worker NAME=COMMAND add a worker (a line of shell; repeatable)\n"
	"  -W, --waits-for NAME=COMMAND\n"
	"                            add a worker that the shutdown waits for\n"
	"  -c, --config FILE         read settings and workers from an INI file\n"
	"  -f, --procfile FILE       read workers from a Procfile\n"
	"      --env-file FILE       add KEY=VALUE lines to every worker's environment\n"
	"  -t, --grace DURATION      time between the stop signal and SIGKILL (10s)\n"
	"      --wait-timeout DURATION\n"
	"                            bound on waiting for shutdown-waits-for workers (0: none)\n"
	"      --stop-signal SIG     signal that cancels workers\n"
	"      --stop-on WHAT        failure, exit or none: which worker end stops all\n"
	"      --run-forever         the end of PROGRAM does not begin the shutdown\n"
	"      --on-shutdown COMMAND shell command run when the shutdown begins\n"
	"  -e, --map-exit CODE[:NEW] exit status CODE becomes NEW (default 0)\n"
	"  -p, --pdeathsig SIG       signal to receive when aiorun's parent dies\n"
	"      --no-subreaper        do not adopt orphans when not PID 1\n"
	"      --prefix WHEN         auto, always or never: name each captured line\n"
	"      --color WHEN          auto, always or never: colour the names\n"
	"      --timestamps          put the time on each captured line\n"
	"      --listen-fds NAME     the worker given systemd's sockets (main)\n"
	"  -x, --executor-workers N  threads of the helper pool (online CPUs, at most 16)\n"
	"      --backend NAME        auto, select, poll, epoll or io_uring\n"
	"      --pidfile FILE        write and lock a PID file\n"
	"  -v, --verbose             log more (repeatable)\n"
	"  -q, --quiet               log less (repeatable)\n"
	"      --check               validate everything, print what would run\n"
	"  -h, --help                show this help\n"
	"  -V, --version             show the version\n"
	"\n"
	"Every long option but -w, -W, --check, --help and --version can be set\n"
	"as AIORUN_<NAME> (AIORUN_GRACE=5s). See aiorun(1) and aiorun.conf(5).\n";
/* clang-format on */

static void settings_defaults(struct settings *s)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	*s = (struct settings){
		.grace = 10,
		.executor_workers = cpus < 1    ? 1
				    : cpus > 16 ? 16
						: (int)cpus,
		.stop_on = STOP_ON_FAILURE,
		.log_level = LOG_LEVEL_INFO,
	};
	for (int code = 0; code < 256; code++)
		s->exit_map[code] = code;
}

/* Memory ----------------------------------------------------------------- */

void *config_own(struct settings *s, void *ptr)
{
	if (ptr == NULL)
		return NULL;
	if (s->owned_count == s->owned_cap) {
		size_t cap = s->owned_cap ? 2 * s->owned_cap : 64;
		void **grown = reallocarray(s->owned, cap, sizeof(*grown));

		if (grown == NULL) {
			free(ptr);
			return NULL;
		}
		s->owned = grown;
		s->owned_cap = cap;
	}
	s->owned[s->owned_count++] = ptr;
	return ptr;
}

char *config_strdup(struct settings *s, const char *text)
{
	return config_own(s, strdup(text));
}

int config_fail(struct settings *s, const char *fmt, ...)
{
	va_list ap;

	if (s->error[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}

void config_free(struct settings *s)
{
	for (size_t i = 0; i < s->worker_count; i++)
		worker_finish(&s->workers[i]);
	for (size_t i = 0; i < s->owned_count; i++)
		free(s->owned[i]);
	free(s->owned);
	free(s->workers);
	s->owned = NULL;
	s->workers = NULL;
	s->owned_count = s->worker_count = 0;
}

/* Options ---------------------------------------------------------------- */

/* "wait-timeout" -> "AIORUN_WAIT_TIMEOUT". */
static void env_name(const char *option, char *buf, size_t size)
{
	size_t len = strlcpy(buf, "AIORUN_", size);

	for (; *option != '\0' && len + 1 < size; option++)
		buf[len++] = *option == '-' ? '_' : (char)(*option & ~0x20);
	buf[len] = '\0';
}

static int apply(struct settings *s, const struct option_def *def,
		 const char *value, const char *origin)
{
	if (def->set(s, value) == 0)
		return 0;
	return config_fail(s, "%s: invalid %s '%s'", origin, def->what, value);
}

static int load_environment(struct settings *s)
{
	char name[64];

	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const char *value;

		if (options[i].source == FROM_CLI_ONLY || s->seen[i])
			continue;
		env_name(options[i].name, name, sizeof(name));
		value = getenv(name);
		/* Empty is unset: "docker run -e AIORUN_GRACE=" sets nothing.
		 */
		if (value == NULL || value[0] == '\0')
			continue;
		s->seen[i] = true;
		if (apply(s, &options[i], value, name) == -1)
			return -1;
	}
	return 0;
}

int config_set_global(struct settings *s, const char *key, const char *value,
		      const char *origin)
{
	char where[512];

	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const struct option_def *def = &options[i];

		if (strcmp(def->name, key) != 0 || def->source != FROM_ALL)
			continue;
		if (s->seen[i])
			return 0;
		/* inih's VALUE lives only as long as the handler call. */
		if ((value = config_strdup(s, value)) == NULL)
			return config_fail(s, "%s: out of memory", origin);
		snprintf(where, sizeof(where), "%s: %s", origin, key);
		return apply(s, def, value, where);
	}
	return config_fail(s, "%s: unknown key '%s' in [aiorun]", origin, key);
}

static const struct option_def *option_by_name(const char *name)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

static const struct option_def *option_by_key(int key)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (options[i].key == key)
			return &options[i];
	return NULL;
}

/* getopt_long's complaints, in aiorun's words. */
static void usage_error(struct settings *s, int key, const char *arg)
{
	const struct option_def *def = option_by_key(optopt);

	if (key == ':')
		config_fail(s, "missing value for option '%s'", arg);
	else if (def != NULL && optopt >= KEY_LONG_ONLY)
		config_fail(s, "--%s takes no value", def->name);
	else if (optopt != 0)
		config_fail(s, "unknown option '-%c'", optopt);
	else
		config_fail(s, "unknown option '%s'", arg);
}

/* Reads the command line up to PROGRAM. Returns 0, 1 after --help or
 * --version (printed), or -1. */
static int load_command_line(struct settings *s, int argc, char **argv)
{
	struct option longopts[OPTION_COUNT + 1] = {0};
	/* "+": stop at the first non-option, so "aiorun ls -l" runs "ls -l". */
	char shortopts[2 * OPTION_COUNT + 3] = "+:";
	size_t shortlen = strlen(shortopts);
	int key;

	for (size_t i = 0; i < OPTION_COUNT; i++) {
		longopts[i] =
			(struct option){options[i].name, options[i].takes_value,
					NULL, options[i].key};
		if (options[i].key < KEY_LONG_ONLY) {
			shortopts[shortlen++] = (char)options[i].key;
			if (options[i].takes_value)
				shortopts[shortlen++] = ':';
		}
	}
	shortopts[shortlen] = '\0';

	opterr = 0;
	while ((key = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	       -1) {
		const struct option_def *def = option_by_key(key);
		char origin[64];

		if (key == '?' || key == ':') {
			usage_error(s, key, argv[optind - 1]);
			return -1;
		}
		if (key == 'h') {
			fputs(usage_text, stdout);
			return 1;
		}
		if (key == 'V') {
			puts("aiorun " AIORUN_VERSION);
			return 1;
		}
		s->seen[def - options] = true;
		snprintf(origin, sizeof(origin), "--%s", def->name);
		if (apply(s, def, def->takes_value ? optarg : "1", origin) ==
		    -1)
			return -1;
	}
	return 0;
}

/* Workers ---------------------------------------------------------------- */

bool config_valid_env_key(const char *key, size_t len)
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

bool config_valid_name(const char *name)
{
	return name[0] != '\0' && name[strspn(name, "abcdefghijklmnopqrstuvwxyz"
						    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						    "0123456789_-.")] == '\0';
}

static struct worker *add_worker(struct settings *s, const char *name,
				 const char *origin)
{
	struct worker *w;

	if (!config_valid_name(name)) {
		config_fail(s,
			    "%s: invalid worker name '%s' (letters, digits, "
			    "'_', '-' and '.')",
			    origin, name);
		return NULL;
	}
	for (size_t i = 0; i < s->worker_count; i++) {
		if (strcmp(s->workers[i].name, name) == 0) {
			config_fail(s,
				    "%s: duplicate worker name '%s' (first "
				    "declared at %s)",
				    origin, name, s->workers[i].origin);
			return NULL;
		}
	}
	if (s->worker_count == s->worker_cap) {
		size_t cap = s->worker_cap ? 2 * s->worker_cap : 8;
		struct worker *grown =
			reallocarray(s->workers, cap, sizeof(*grown));

		if (grown == NULL) {
			config_fail(s, "%s: out of memory", origin);
			return NULL;
		}
		s->workers = grown;
		s->worker_cap = cap;
	}
	w = &s->workers[s->worker_count++];
	*w = (struct worker){
		.name = config_strdup(s, name),
		.grace = -1,
		.status = -1,
		.restart = RESTART_NO,
		.restart_delay = 0.1,
		.restart_max_delay = 30,
		.start_limit = 5,
		.start_interval = 10,
		.log_max_size = 10 * 1024 * 1024,
		.log_keep = 5,
		.origin = config_strdup(s, origin),
	};
	return w;
}

struct worker *config_add_worker(struct settings *s, const char *name,
				 const char *command, const char *origin)
{
	struct worker *w = add_worker(s, name, origin);
	char **argv;

	if (w == NULL)
		return NULL;
	argv = config_own(s, calloc(4, sizeof(*argv)));
	if (argv == NULL) {
		config_fail(s, "%s: out of memory", origin);
		return NULL;
	}
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = command ? config_strdup(s, command) : NULL;
	w->argv = argv;
	return w;
}

static int set_command(struct settings *s, struct worker *w, const char *value)
{
	w->argv[2] = config_strdup(s, value);
	return value[0] == '\0' ? -1 : 0;
}

static int set_directory(struct settings *s, struct worker *w,
			 const char *value)
{
	struct stat st;

	w->directory = config_strdup(s, value);
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
	w->user = user.name[0] ? config_strdup(s, user.name) : NULL;
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

	if (value[key_len] != '=' || !config_valid_env_key(value, key_len))
		return -1;
	while (w->env != NULL && w->env[count] != NULL)
		count++;
	grown = config_own(s, calloc(count + 2, sizeof(*grown)));
	if (grown == NULL)
		return -1;
	if (count > 0)
		memcpy(grown, w->env, count * sizeof(*grown));
	grown[count] = config_strdup(s, value);
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
	return (w->stop_signal = parse_stop_signal(value)) < 0 ? -1 : 0;
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
	w->log_file = config_strdup(s, value);
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

/* A numeric IPv4 or IPv6 address. */
static bool valid_address(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

/* notify, tcp:HOST:PORT, exec:COMMAND. A host is numeric (no name
 * service in a static binary), or "localhost". */
static int set_ready(struct settings *s, struct worker *w, const char *value)
{
	if (strcmp(value, "notify") == 0) {
		w->ready = READY_NOTIFY;
		return 0;
	}
	if (strncmp(value, "exec:", 5) == 0 && value[5] != '\0') {
		w->ready = READY_EXEC;
		w->ready_command = config_strdup(s, value + 5);
		return 0;
	}
	if (strncmp(value, "tcp:", 4) == 0) {
		const char *colon = strrchr(value + 4, ':');
		long long port;
		char *host;

		if (colon == NULL || colon == value + 4)
			return -1;
		if (parse_number(colon + 1, 1, 65535, &port) == -1)
			return -1;
		w->ready_port = (int)port;
		host = config_own(
			s, strndup(value + 4, (size_t)(colon - value - 4)));
		if (host == NULL)
			return -1;
		if (strcmp(host, "localhost") == 0)
			host = "127.0.0.1";
		/* [::1] may come with brackets. */
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			host[strlen(host) - 1] = '\0';
			host++;
		}
		w->ready_host = host;
		w->ready = READY_TCP;
		return valid_address(host) ? 0 : -1;
	}
	return -1;
}

static int set_ready_timeout(struct settings *s, struct worker *w,
			     const char *value)
{
	(void)s;
	return parse_duration(value, &w->ready_timeout);
}

/* "NAME[,NAME]...", repeatable; checked once every worker is known. */
static int set_after(struct settings *s, struct worker *w, const char *value)
{
	char *list = config_strdup(s, value), *name, *rest = list;

	if (list == NULL)
		return -1;
	while ((name = strsep(&rest, ", ")) != NULL) {
		char **grown;

		if (name[0] == '\0')
			continue;
		if (!config_valid_name(name))
			return -1;
		grown = config_own(
			s, calloc((size_t)w->after_count + 2, sizeof(*grown)));
		if (grown == NULL)
			return -1;
		if (w->after_count > 0)
			memcpy(grown, w->after,
			       (size_t)w->after_count * sizeof(*grown));
		grown[w->after_count++] = name;
		w->after = grown;
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
	{"restart-delay", "duration", set_restart_delay},
	{"restart-max-delay", "duration", set_restart_max_delay},
	{"start-limit", "start limit (N/DURATION)", set_start_limit},
	{"stop-signal", "signal", set_worker_stop_signal},
	{"grace", "duration", set_worker_grace},
	{"shutdown-waits-for", "boolean", set_waits},
	{"ready", "readiness (notify, tcp:HOST:PORT, exec:COMMAND)", set_ready},
	{"ready-timeout", "duration", set_ready_timeout},
	{"after", "list of worker names", set_after},
	{"log-file", "file name", set_log_file},
	{"log-max-size", "size (bytes, or with K, M or G)", set_log_max_size},
	{"log-keep", "count (0-1000)", set_log_keep},
};

int config_set_worker_key(struct settings *s, struct worker *w, const char *key,
			  const char *value, const char *origin)
{
	for (size_t i = 0; i < sizeof(worker_keys) / sizeof(worker_keys[0]);
	     i++) {
		if (strcmp(worker_keys[i].name, key) != 0)
			continue;
		if (worker_keys[i].set(s, w, value) == -1)
			return config_fail(s, "%s: %s: invalid %s '%s'", origin,
					   key, worker_keys[i].what, value);
		return 0;
	}
	return config_fail(s, "%s: unknown key '%s' in [worker:%s]", origin,
			   key, w->name);
}

/* Loading ---------------------------------------------------------------- */

struct worker *find_worker(struct settings *s, const char *name)
{
	for (size_t i = 0; i < s->worker_count; i++)
		if (strcmp(s->workers[i].name, name) == 0)
			return &s->workers[i];
	return NULL;
}

static int add_program(struct settings *s, char **program)
{
	struct worker *w = add_worker(s, "main", "PROGRAM");

	if (w == NULL)
		return -1;
	w->argv = program;
	w->is_main = true;
	w->foreground = true;
	return 0;
}

/* What can only be known once every key is read: the group a user runs
 * as (the one given, or the user's own) and the user's supplementary
 * groups, looked up now since they cannot be after fork. */
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
		w->after_index = config_own(
			s, calloc((size_t)w->after_count, sizeof(int)));
		if (w->after_index == NULL)
			return config_fail(s, "out of memory");
		for (int a = 0; a < w->after_count; a++) {
			struct worker *other = find_worker(s, w->after[a]);

			if (other == NULL)
				return config_fail(s,
						   "%s: after: no worker named "
						   "'%s'",
						   w->origin, w->after[a]);
			w->after_index[a] = (int)(other - s->workers);
		}
	}
	state = calloc(s->worker_count, 1);
	path = calloc(s->worker_count + 1, sizeof(*path));
	if (state == NULL || path == NULL) {
		free(state);
		free(path);
		return config_fail(s, "out of memory");
	}
	for (size_t i = 0; i < s->worker_count && result == 0; i++) {
		char cycle[1024] = "";
		int depth = 0, back = -1, k = 0;

		if (state[i] != 0 ||
		    !find_cycle(s, (int)i, state, path, &depth, &back))
			continue;
		while (path[k] != back)
			k++;
		for (; k <= depth; k++) {
			strlcat(cycle, s->workers[path[k]].name, sizeof(cycle));
			strlcat(cycle, " -> ", sizeof(cycle));
		}
		strlcat(cycle, s->workers[back].name, sizeof(cycle));
		result = config_fail(s, "%s: after: a dependency cycle: %s",
				     s->workers[back].origin, cycle);
	}
	free(state);
	free(path);
	return result;
}

static int finish_workers(struct settings *s)
{
	for (size_t i = 0; i < s->worker_count; i++) {
		struct worker *w = &s->workers[i];
		int count = 0;

		if (w->set_uid)
			w->set_gid = true;
		if (w->user == NULL)
			continue;
		w->groups = config_own(
			s, accounts_groups_of(w->user, w->gid, &count));
		if (w->groups == NULL)
			return config_fail(s,
					   "%s: cannot list the groups of %s",
					   w->origin, w->user);
		w->group_count = count;
	}
	return 0;
}

/* The files named by the options, in a fixed order: the config file
 * (which may set --env-file), the Procfile, the env-file. */
static int load_files(struct settings *s)
{
	if (s->config_file != NULL &&
	    conffile_read_ini(s, s->config_file) == -1)
		return -1;
	if (s->procfile != NULL && conffile_read_procfile(s, s->procfile) == -1)
		return -1;
	if (s->env_file != NULL && conffile_read_env(s, s->env_file) == -1)
		return -1;
	if (check_order(s) == -1)
		return -1;
	return finish_workers(s);
}

int config_load(struct settings *s, int argc, char **argv, int *exit_status)
{
	int done;

	settings_defaults(s);
	*exit_status = EXIT_USAGE;
	if ((done = load_command_line(s, argc, argv)) != 0 ||
	    load_environment(s) == -1) {
		if (done > 0) {
			*exit_status = 0;
			return -1;
		}
		log_errx("%s", s->error);
		return -1;
	}
	/* PROGRAM takes its name before the files: a worker named "main"
	 * there is the file's error. */
	if (optind < argc && add_program(s, argv + optind) == -1) {
		log_errx("%s", s->error);
		return -1;
	}
	if (load_files(s) == -1) {
		log_errx("%s", s->error);
		*exit_status = EXIT_CONFIG;
		return -1;
	}
	if (s->worker_count == 0) {
		fputs(usage_text, stderr);
		return -1;
	}
	if (s->listen_worker != NULL &&
	    find_worker(s, s->listen_worker) == NULL) {
		/* From the config file, it is the file's error. */
		bool from_file =
			!s->seen[option_by_name("listen-fds") - options];

		log_errx("%s: no worker named '%s'",
			 from_file ? "config file: listen-fds" : "--listen-fds",
			 s->listen_worker);
		if (from_file)
			*exit_status = EXIT_CONFIG;
		return -1;
	}
	return 0;
}

static const char *restart_name(enum restart_policy policy)
{
	static const char *const names[] = {
		[RESTART_NO] = "no",
		[RESTART_ON_FAILURE] = "on-failure",
		[RESTART_ALWAYS] = "always",
	};
	return names[policy];
}

void config_print(const struct settings *s)
{
	int width = 0;

	for (size_t i = 0; i < s->worker_count; i++)
		if ((int)strlen(s->workers[i].name) > width)
			width = (int)strlen(s->workers[i].name);
	for (size_t i = 0; i < s->worker_count; i++) {
		const struct worker *w = &s->workers[i];

		printf("%-*s  restart=%-10s %-9s ", width, w->name,
		       restart_name(w->restart),
		       w->is_main     ? "program"
		       : w->waits_for ? "waits-for"
				      : "-");
		if (w->is_main)
			for (char **arg = w->argv; *arg != NULL; arg++)
				printf("%s%s", arg == w->argv ? "" : " ", *arg);
		else
			printf("%s", w->argv[2]);
		printf("\n");
	}
	fflush(stdout);
}
