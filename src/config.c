#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#ifndef AIORUN_VERSION
#define AIORUN_VERSION "unknown"
#endif

/* An option setter returns -1 when VALUE is not valid; the caller names the
 * option and the value. */
typedef int option_setter(struct settings *s, const char *value);

struct option_def {
	const char *name; /* long name; AIORUN_<NAME> in the environment */
	int key;          /* short letter, or a code past the letters */
	bool takes_value;
	bool cli_only;    /* no environment form */
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

/* SIGKILL and SIGSTOP cannot be caught, so a worker could neither clean
 * up nor ever be "cancelled" gracefully; 0 is not a signal. */
static int parse_stop_signal(const char *value)
{
	int signo = parse_signal(value);

	return signo == SIGKILL || signo == SIGSTOP ? -1 : signo;
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

static int set_on_shutdown(struct settings *s, const char *value)
{
	s->on_shutdown = value;
	return value[0] == '\0' ? -1 : 0;
}

static int set_pidfile(struct settings *s, const char *value)
{
	s->pidfile = value;
	return value[0] == '\0' ? -1 : 0;
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
	const char *errstr;
	bool on;
	int steps = (int)strtonum(value, 0, 4, &errstr);

	if (errstr == NULL)
		return steps;
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

static int set_check(struct settings *s, const char *value)
{
	(void)value;
	s->check = true;
	return 0;
}

enum { KEY_LONG_ONLY = 256 };

static const struct option_def options[] = {
	{"grace", 't', true, false, "duration", set_grace},
	{"wait-timeout", KEY_LONG_ONLY + 0, true, false, "duration",
	 set_wait_timeout},
	{"stop-signal", KEY_LONG_ONLY + 1, true, false, "signal",
	 set_stop_signal},
	{"run-forever", KEY_LONG_ONLY + 2, false, false, "boolean",
	 set_run_forever},
	{"on-shutdown", KEY_LONG_ONLY + 3, true, false, "command",
	 set_on_shutdown},
	{"map-exit", 'e', true, false, "exit mapping (CODE[:NEW], 0-255)",
	 set_map_exit},
	{"pdeathsig", 'p', true, false, "signal", set_pdeathsig},
	{"no-subreaper", KEY_LONG_ONLY + 4, false, false, "boolean",
	 set_no_subreaper},
	{"backend", KEY_LONG_ONLY + 5, true, false,
	 "backend (auto, select, poll, epoll, io_uring)", set_backend},
	{"pidfile", KEY_LONG_ONLY + 6, true, false, "file name", set_pidfile},
	{"verbose", 'v', false, false, "count", set_verbose},
	{"quiet", 'q', false, false, "count", set_quiet},
	{"check", KEY_LONG_ONLY + 7, false, true, NULL, set_check},
	{"help", 'h', false, true, NULL, NULL},
	{"version", 'V', false, true, NULL, NULL},
};
#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

/* The help text is laid out as it prints. */
/* clang-format off */
static const char usage_text[] =
	"usage: aiorun [OPTION]... [--] PROGRAM [ARG]...\n"
	"\n"
	"Run PROGRAM and give it an orderly life and death: forward signals,\n"
	"reap zombies, turn SIGINT and SIGTERM into a graceful shutdown, and\n"
	"exit with PROGRAM's status.\n"
	"\n"
	"  -t, --grace DURATION      time between the stop signal and SIGKILL (10s)\n"
	"      --wait-timeout DURATION\n"
	"                            bound on waiting for shutdown-waits-for workers (0: none)\n"
	"      --stop-signal SIG     signal that cancels workers\n"
	"      --run-forever         the end of PROGRAM does not begin the shutdown\n"
	"      --on-shutdown COMMAND shell command run when the shutdown begins\n"
	"  -e, --map-exit CODE[:NEW] exit status CODE becomes NEW (default 0)\n"
	"  -p, --pdeathsig SIG       signal to receive when aiorun's parent dies\n"
	"      --no-subreaper        do not adopt orphans when not PID 1\n"
	"      --backend NAME        auto, select, poll, epoll or io_uring\n"
	"      --pidfile FILE        write and lock a PID file\n"
	"  -v, --verbose             log more (repeatable)\n"
	"  -q, --quiet               log less (repeatable)\n"
	"      --check               validate the settings, print what would run\n"
	"  -h, --help                show this help\n"
	"  -V, --version             show the version\n"
	"\n"
	"Every long option but --check, --help and --version can be set as\n"
	"AIORUN_<NAME> (AIORUN_GRACE=5s). See aiorun(1).\n";
/* clang-format on */

static void settings_defaults(struct settings *s)
{
	*s = (struct settings){
		.grace = 10,
		.log_level = LOG_LEVEL_INFO,
	};
	for (int code = 0; code < 256; code++)
		s->exit_map[code] = code;
}

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
	log_errx("%s: invalid %s '%s'", origin, def->what, value);
	return -1;
}

static int load_environment(struct settings *s, const bool *seen)
{
	char name[64];

	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const char *value;

		if (options[i].cli_only || seen[i])
			continue;
		env_name(options[i].name, name, sizeof(name));
		value = getenv(name);
		if (value != NULL && apply(s, &options[i], value, name) == -1)
			return -1;
	}
	return 0;
}

static const struct option_def *option_by_key(int key)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (options[i].key == key)
			return &options[i];
	return NULL;
}

/* getopt_long's complaints, in aiorun's words. */
static void usage_error(int key, const char *arg)
{
	const struct option_def *def = option_by_key(optopt);

	if (key == ':')
		log_errx("missing value for option '%s'", arg);
	else if (def != NULL && optopt >= KEY_LONG_ONLY)
		log_errx("--%s takes no value", def->name);
	else if (optopt != 0)
		log_errx("unknown option '-%c'", optopt);
	else
		log_errx("unknown option '%s'", arg);
	fputs("Try 'aiorun --help'.\n", stderr);
}

int config_load(struct settings *s, int argc, char **argv, int *exit_status)
{
	struct option longopts[OPTION_COUNT + 1] = {0};
	bool seen[OPTION_COUNT] = {false};
	/* "+": stop at the first non-option, so "aiorun ls -l" runs "ls -l". */
	char shortopts[2 * OPTION_COUNT + 3] = "+:";
	size_t shortlen = strlen(shortopts);
	int key;

	settings_defaults(s);
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

	*exit_status = EXIT_USAGE;
	opterr = 0;
	while ((key = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	       -1) {
		const struct option_def *def = option_by_key(key);
		char origin[64];

		if (key == '?' || key == ':') {
			usage_error(key, argv[optind - 1]);
			return -1;
		}
		if (key == 'h') {
			fputs(usage_text, stdout);
			*exit_status = 0;
			return -1;
		}
		if (key == 'V') {
			puts("aiorun " AIORUN_VERSION);
			*exit_status = 0;
			return -1;
		}
		seen[def - options] = true;
		snprintf(origin, sizeof(origin), "--%s", def->name);
		if (apply(s, def, def->takes_value ? optarg : "1", origin) ==
		    -1)
			return -1;
	}
	if (load_environment(s, seen) == -1)
		return -1;

	if (optind < argc)
		s->program = argv + optind;
	if (s->program == NULL) {
		fputs(usage_text, stderr);
		return -1;
	}
	return 0;
}

void config_print(const struct settings *s)
{
	printf("main:");
	for (char **arg = s->program; *arg != NULL; arg++)
		printf(" %s", *arg);
	printf("\n");
	fflush(stdout);
}
