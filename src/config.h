/* Settings: what aiorun was asked to do, from the command line and the
 * AIORUN_<NAME> environment variables, in that order of precedence. */
#ifndef AIORUN_CONFIG_H
#define AIORUN_CONFIG_H

#include <stdbool.h>

#include "log.h"

/* aiorun's own exit statuses (sysexits.h values, as SPEC section 4). */
enum {
	EXIT_USAGE = 64,
	EXIT_OSERR = 71,
	EXIT_CONFIG = 78,
	EXIT_CANNOT_EXECUTE = 126,
	EXIT_NOT_FOUND = 127,
};

struct settings {
	double grace;        /* seconds from stop signal to SIGKILL */
	double wait_timeout; /* seconds; 0: wait for ever */
	int stop_signal;     /* 0: the signal that began the shutdown */
	bool run_forever;
	const char *on_shutdown; /* shell command, or NULL */
	int exit_map[256];       /* exit_map[code] is what code becomes */
	int pdeathsig;           /* 0: none */
	bool no_subreaper;
	unsigned int backend; /* libev EVBACKEND_ flags; 0: libev's choice */
	const char *pidfile;  /* or NULL */
	enum log_level log_level;
	bool check;
	char **program; /* PROGRAM and its arguments, or NULL */
};

/* Fills S from ARGV and the environment. Returns 0 to go on; otherwise
 * aiorun must exit with the value stored in *EXIT_STATUS (0 after --help
 * or --version, 64 after a usage error, which has been reported). */
int config_load(struct settings *s, int argc, char **argv, int *exit_status);

/* Prints what would run, for --check. */
void config_print(const struct settings *s);

#endif
