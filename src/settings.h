/* Settings: what aiorun was asked to do, as plain data. The loader
 * (config.c) fills one struct settings from the command line, the
 * environment and the files; after that nothing changes it, and nothing
 * in it belongs to the event loop, so a second one can be loaded and
 * compared with the first. What happens at run time lives in the
 * supervisor's own structs (task.h). */
#ifndef AIORUN_SETTINGS_H
#define AIORUN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "parse.h"
#include "worker.h"

/* aiorun's own exit statuses (sysexits.h values, as SPEC section 4). */
enum {
	EXIT_USAGE = 64,
	EXIT_OSERR = 71,
	EXIT_CONFIG = 78,
	EXIT_CANNOT_EXECUTE = 126,
	EXIT_NOT_FOUND = 127,
};

/* --stop-on: which worker ending begins the shutdown. */
enum stop_on {
	STOP_ON_FAILURE,
	STOP_ON_EXIT,
	STOP_ON_NONE,
};

enum output_mode {
	OUTPUT_AUTO,
	OUTPUT_ALWAYS,
	OUTPUT_NEVER,
};

struct output_options {
	enum output_mode prefix; /* auto: prefix what is captured */
	enum output_mode colour; /* auto: on a terminal */
	bool timestamps;
	bool json; /* --log-format json (SPEC section 12) */
};

/* Room for every option of the table in options.c. */
#define OPTION_SLOTS 40

struct settings {
	double grace;        /* seconds from stop signal to SIGKILL */
	double wait_timeout; /* seconds; 0: wait for ever */
	int stop_signal;     /* 0: the signal that began the shutdown */
	enum stop_on stop_on;
	bool run_forever;
	const char *on_shutdown; /* shell command, or NULL */
	int exit_map[256];       /* exit_map[code] is what code becomes */
	int pdeathsig;           /* 0: none */
	bool no_subreaper;
	int executor_workers; /* threads of the helper pool; 0: the online
				 CPUs, at most 16, counted at its first job */
	struct output_options output;
	enum backend backend; /* auto: libev's choice */
	const char *pidfile;  /* or NULL */
	const char *control;  /* the control socket; NULL: the default */
	const char *config_file;
	const char *procfile;
	const char *env_file;  /* "none": no .env beside the Procfile */
	int port_base;         /* --port: PORT of the Procfile's first worker */
	const char *formation; /* -m "NAME=N[,NAME=N]...", or NULL */
	bool tty;              /* --tty: every worker gets a terminal */
	const char *listen_worker; /* gets LISTEN_FDS; NULL: main */
	enum log_level log_level;
	bool check;

	char **env_common; /* --env-file entries, NULL-terminated, or NULL */
	struct worker *workers;
	size_t worker_count;

	/* Private to the loader. */
	size_t worker_cap;
	/* Whether each option was set above the config file: on the
	 * command line, or by its AIORUN_<NAME> variable. */
	enum {
		SET_BELOW,
		SET_ON_COMMAND_LINE,
		SET_BY_VARIABLE
	} set_by[OPTION_SLOTS];
	const char *file_origin[OPTION_SLOTS]; /* "FILE:LINE" of its key */
	void **owned; /* allocations freed by settings_finish */
	size_t owned_count, owned_cap;
	char error[1024]; /* the first error, for config_load to report */
};

/* S with every default and no worker. */
void settings_init(struct settings *s);

/* Frees what S owns. S may be half loaded. */
void settings_finish(struct settings *s);

/* Keeps PTR until settings_finish; returns it. NULL stays NULL. */
void *settings_own(struct settings *s, void *ptr);
char *settings_strdup(struct settings *s, const char *text);

/* Stores the first error, which begins with where it was found
 * ("FILE:LINE: ..."); returns -1. */
int settings_fail(struct settings *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Declares a worker running COMMAND (NULL: not known yet) through
 * /bin/sh, with every default. ORIGIN names where it was declared.
 * Returns it, or NULL after settings_fail (a bad or duplicate name). The
 * pointer is valid until the next worker is added. */
struct worker *settings_add_worker(struct settings *s, const char *name,
				   const char *command, const char *origin);

/* Declares PROGRAM, the worker named "main": ARGV is run directly. */
struct worker *settings_add_program(struct settings *s, char **argv);

/* The worker named NAME, or NULL. */
struct worker *settings_find_worker(const struct settings *s, const char *name);

/* Prints the workers that would run, one line each, for --check. */
void settings_print(const struct settings *s);

#endif
