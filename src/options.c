#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formation.h"
#include "parse.h"
#include "worker.h"

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

static int set_stop_signal(struct settings *s, const char *value)
{
	return (s->stop_signal = worker_parse_stop_signal(value)) < 0 ? -1 : 0;
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

static int set_control(struct settings *s, const char *value)
{
	return set_text(&s->control, value);
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

static int set_log_format(struct settings *s, const char *value)
{
	if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0)
		return -1;
	s->output.json = strcmp(value, "json") == 0;
	/* Now, so that the errors found later in the loading are JSON too. */
	log_set_json(s->output.json);
	return 0;
}

static int set_port(struct settings *s, const char *value)
{
	long long port;

	if (parse_number(value, 1, 65535, &port) == -1)
		return -1;
	s->port_base = (int)port;
	return 0;
}

/* Checked here item by item; the names once every worker is known
 * (formation.c). */
static int set_formation(struct settings *s, const char *value)
{
	s->formation = value;
	return formation_check(value);
}

static int set_tty(struct settings *s, const char *value)
{
	return parse_bool(value, &s->tty);
}

static int set_listen_fds(struct settings *s, const char *value)
{
	s->listen_worker = value;
	return worker_valid_name(value) ? 0 : -1;
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
	w = name ? settings_add_worker(s, name, equals + 1, origin) : NULL;
	free(name);
	if (w == NULL)
		return settings_fail(s, "%s: out of memory", origin);
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
	{"grace", 't', true, FROM_ALL, DURATION_FORMS, set_grace},
	{"wait-timeout", KEY_LONG_ONLY + 1, true, FROM_ALL, DURATION_FORMS,
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
	{"log-format", KEY_LONG_ONLY + 17, true, FROM_ALL, "value (text, json)",
	 set_log_format},
	{"port", KEY_LONG_ONLY + 15, true, FROM_ALL, "port (1-65535)",
	 set_port},
	{"formation", 'm', true, FROM_ALL,
	 "formation (NAME=N[,NAME=N]..., N from 0 to 1000)", set_formation},
	{"tty", KEY_LONG_ONLY + 16, false, FROM_ALL, "boolean", set_tty},
	{"listen-fds", KEY_LONG_ONLY + 13, true, FROM_ALL, "worker name",
	 set_listen_fds},
	{"executor-workers", 'x', true, FROM_ALL, "thread count (1-64)",
	 set_executor_workers},
	{"backend", KEY_LONG_ONLY + 7, true, FROM_ALL,
	 "backend (auto, select, poll, epoll, io_uring)", set_backend},
	{"pidfile", KEY_LONG_ONLY + 8, true, FROM_ALL, "file name",
	 set_pidfile},
	{"control", KEY_LONG_ONLY + 14, true, FROM_ALL, "socket path",
	 set_control},
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
	"                            (with -f: .env beside the Procfile; none: no file)\n"
	"      --port BASE           PORT of the Procfile's first worker (5000)\n"
	"  -m, --formation NAME=N[,NAME=N]...\n"
	"                            run N copies of a worker (all=N: of each)\n"
	"      --tty                 give every worker a pseudo-terminal\n"
	"  -t, --grace DURATION      time between the stop signal and SIGKILL (10s)\n"
	"      --wait-timeout DURATION\n"
	"                            bound on waiting for shutdown-waits-for workers (0: none)\n"
	"      --stop-signal SIG     signal that cancels workers (PROGRAM: the one\n"
	"                            that began the shutdown; workers: TERM)\n"
	"      --stop-on WHAT        failure, exit or none: which worker end stops all\n"
	"                            (failure)\n"
	"      --run-forever         the end of PROGRAM does not begin the shutdown\n"
	"      --on-shutdown COMMAND shell command run when the shutdown begins\n"
	"  -e, --map-exit CODE[:NEW] exit status CODE becomes NEW (default 0)\n"
	"  -p, --pdeathsig SIG       signal to receive when aiorun's parent dies\n"
	"      --no-subreaper        do not adopt orphans when not PID 1\n"
	"      --prefix WHEN         auto, always or never: name each captured line (auto)\n"
	"      --color WHEN          auto, always or never: colour the names (auto)\n"
	"      --timestamps          put the time on each captured line\n"
	"      --log-format FORMAT   text or json: how every line is written\n"
	"      --listen-fds NAME     the worker given systemd's sockets (main)\n"
	"  -x, --executor-workers N  threads of the helper pool (online CPUs, at most 16)\n"
	"      --backend NAME        auto, select, poll, epoll or io_uring (auto)\n"
	"      --pidfile FILE        write and lock a PID file\n"
	"      --control PATH        aiorunctl's socket, or none (see aiorunctl(1))\n"
	"  -v, --verbose             log more (repeatable)\n"
	"  -q, --quiet               log less (repeatable)\n"
	"      --check               validate everything, print what would run\n"
	"  -h, --help                show this help\n"
	"  -V, --version             show the version\n"
	"\n"
	"Every long option but -w, -W, --check, --help and --version can be set\n"
	"as AIORUN_<NAME> (AIORUN_GRACE=5s). A DURATION is seconds (2, 0.5) or\n"
	"has a unit (500ms, 2s, 1m, 1h); a SIG is a name (TERM, SIGTERM) or a\n"
	"number. See aiorun(1) and aiorun.conf(5).\n";
/* clang-format on */

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
	if (def->set == set_stop_signal &&
	    worker_stop_signal_refusal(value) != NULL)
		return settings_fail(s, "%s: %s is refused: %s", origin, value,
				     worker_stop_signal_refusal(value));
	return settings_fail(s, "%s: invalid %s '%s'", origin, def->what,
			     value);
}

/* Checks VALUE as DEF's without applying it: a key of the config file
 * that the command line or the environment overrides is still checked,
 * since a file with a bad value is a bad file (SPEC section 7), and
 * --check must find it before the override is taken away. */
static int check_overridden(struct settings *s, const struct option_def *def,
			    const char *value, const char *origin)
{
	struct settings scratch = *s;
	int result;

	scratch.error[0] = '\0';
	result = apply(&scratch, def, value, origin);
	/* The one setter with an effect beyond S: back to the value in use. */
	if (def->set == set_log_format)
		log_set_json(s->output.json);
	return result == 0 ? 0 : settings_fail(s, "%s", scratch.error);
}

int options_load_environment(struct settings *s)
{
	char name[64];

	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const char *value;

		/* A variable that the command line overrides is not read, as
		 * an option given twice keeps the last. */
		if (options[i].source == FROM_CLI_ONLY ||
		    s->set_by[i] != SET_BELOW)
			continue;
		env_name(options[i].name, name, sizeof(name));
		value = getenv(name);
		/* Empty is unset: "docker run -e AIORUN_GRACE=" sets nothing.
		 */
		if (value == NULL || value[0] == '\0')
			continue;
		s->set_by[i] = SET_BY_VARIABLE;
		if (apply(s, &options[i], value, name) == -1)
			return -1;
	}
	return 0;
}

int options_set_file_key(struct settings *s, const char *key, const char *value,
			 const char *origin)
{
	char where[512];

	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const struct option_def *def = &options[i];

		if (strcmp(def->name, key) != 0 || def->source != FROM_ALL)
			continue;
		snprintf(where, sizeof(where), "%s: %s", origin, key);
		if (s->set_by[i] != SET_BELOW)
			return check_overridden(s, def, value, where);
		/* inih's VALUE lives only as long as the handler call. */
		if ((value = settings_strdup(s, value)) == NULL ||
		    (s->file_origin[i] = settings_strdup(s, origin)) == NULL)
			return settings_fail(s, "%s: out of memory", origin);
		return apply(s, def, value, where);
	}
	return settings_fail(s, "%s: unknown key '%s' in [aiorun]", origin,
			     key);
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
		settings_fail(s, "missing value for option '%s'", arg);
	else if (def != NULL && optopt >= KEY_LONG_ONLY)
		settings_fail(s, "--%s takes no value", def->name);
	else if (optopt != 0)
		settings_fail(s, "unknown option '-%c'", optopt);
	else
		settings_fail(s, "unknown option '%s'", arg);
}

int options_load_command_line(struct settings *s, int argc, char **argv)
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
		s->set_by[def - options] = SET_ON_COMMAND_LINE;
		snprintf(origin, sizeof(origin), "--%s", def->name);
		if (apply(s, def, def->takes_value ? optarg : "1", origin) ==
		    -1)
			return -1;
	}
	return 0;
}

bool options_is_variable(const char *entry)
{
	char name[64];
	size_t len = strcspn(entry, "=");

	if (strncmp(entry, "AIORUN_", 7) != 0)
		return false;
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		if (options[i].source == FROM_CLI_ONLY)
			continue;
		env_name(options[i].name, name, sizeof(name));
		if (strlen(name) == len && strncmp(entry, name, len) == 0)
			return true;
	}
	return false;
}

bool options_from_command_line(const struct settings *s, const char *name)
{
	const struct option_def *def = option_by_name(name);

	return def != NULL && s->set_by[def - options] != SET_BELOW;
}

const char *options_where(const struct settings *s, const char *name, char *buf,
			  size_t size)
{
	const struct option_def *def = option_by_name(name);
	const char *origin = def != NULL ? s->file_origin[def - options] : NULL;

	if (def != NULL && s->set_by[def - options] == SET_BELOW &&
	    origin != NULL)
		snprintf(buf, size, "%s: %s", origin, name);
	else if (def != NULL && s->set_by[def - options] == SET_BY_VARIABLE)
		env_name(name, buf, size);
	else
		snprintf(buf, size, "--%s", name);
	return buf;
}

void options_usage(FILE *stream)
{
	/* The synopsis: up to the first blank line. */
	fwrite(usage_text, 1, strstr(usage_text, "\n\n") + 1 - usage_text,
	       stream);
}
