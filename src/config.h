/* Settings: what aiorun was asked to do, from the command line, the
 * AIORUN_<NAME> environment variables and the config file, in that order
 * of precedence; and the workers, from -w/-W, the config file, a Procfile
 * and PROGRAM. */
#ifndef AIORUN_CONFIG_H
#define AIORUN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "fsm.h"
#include "log.h"
#include "output.h"
#include "worker.h"

/* aiorun's own exit statuses (sysexits.h values, as SPEC section 4). */
enum {
	EXIT_USAGE = 64,
	EXIT_OSERR = 71,
	EXIT_CONFIG = 78,
	EXIT_CANNOT_EXECUTE = 126,
	EXIT_NOT_FOUND = 127,
};

/* Room for every option of the table in config.c. */
#define OPTION_SLOTS 32

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
	int executor_workers; /* threads of the helper pool */
	struct output_options output;
	unsigned int backend; /* libev EVBACKEND_ flags; 0: libev's choice */
	const char *pidfile;  /* or NULL */
	const char *config_file;
	const char *procfile;
	const char *env_file;
	const char *listen_worker; /* gets LISTEN_FDS; NULL: main */
	enum log_level log_level;
	bool check;

	char **env_common; /* --env-file entries, NULL-terminated, or NULL */
	struct worker *workers;
	size_t worker_count;

	/* Private to the config modules. */
	size_t worker_cap;
	bool seen[OPTION_SLOTS]; /* set on the command line or environment */
	void **owned;            /* allocations freed by config_free */
	size_t owned_count, owned_cap;
	char error[1024]; /* the first error, for config_load to report */
};

/* Fills S from ARGV, the environment and the files they name. Returns 0 to
 * go on; otherwise aiorun must exit with the value stored in *EXIT_STATUS
 * (0 after --help or --version; 64 after a usage error and 78 after a
 * configuration error, both reported on standard error). */
int config_load(struct settings *s, int argc, char **argv, int *exit_status);

/* Prints the workers that would run, one line each, for --check. */
void config_print(const struct settings *s);

void config_free(struct settings *s);

/* The worker named NAME, or NULL. */
struct worker *find_worker(struct settings *s, const char *name);

/* For the file readers (conffile.c). Each returns -1 after storing a
 * message in S->error that begins with ORIGIN. */

/* Keeps PTR until config_free; returns it. NULL stays NULL. */
void *config_own(struct settings *s, void *ptr);
char *config_strdup(struct settings *s, const char *text);

/* Stores the first error; returns -1. */
int config_fail(struct settings *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A key of the config file's [aiorun] section: applied unless the command
 * line or the environment set it already. */
int config_set_global(struct settings *s, const char *key, const char *value,
		      const char *origin);

/* Declares a worker running COMMAND through /bin/sh. */
struct worker *config_add_worker(struct settings *s, const char *name,
				 const char *command, const char *origin);

/* A key of a [worker:NAME] section. */
int config_set_worker_key(struct settings *s, struct worker *w, const char *key,
			  const char *value, const char *origin);

/* Whether the LEN bytes at KEY make an environment variable's name:
 * letters, digits and '_', not starting with a digit. */
bool config_valid_env_key(const char *key, size_t len);

/* Whether NAME is a valid worker name: letters, digits, '_', '-', '.'. */
bool config_valid_name(const char *name);

#endif
