#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "conffile.h"
#include "log.h"
#include "options.h"

/* The files named by the options, in a fixed order: the config file
 * (which may set --env-file), the Procfile, the env-file; then what can
 * only be checked once every worker is known. */
static int load_files(struct settings *s)
{
	if (s->config_file != NULL &&
	    conffile_read_ini(s, s->config_file) == -1)
		return -1;
	if (s->procfile != NULL && conffile_read_procfile(s, s->procfile) == -1)
		return -1;
	if (s->env_file != NULL && conffile_read_env(s, s->env_file) == -1)
		return -1;
	return worker_link_all(s);
}

/* A usage error (64): its one line points to --help. Returns -1. */
static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	char message[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	log_errx("%s (see aiorun --help)", message);
	return -1;
}

int config_load(struct settings *s, int argc, char **argv, int *exit_status)
{
	int done;

	settings_init(s);
	*exit_status = EXIT_USAGE;
	if ((done = options_load_command_line(s, argc, argv)) != 0 ||
	    options_load_environment(s) == -1) {
		if (done > 0) {
			*exit_status = 0;
			return -1;
		}
		return usage_error("%s", s->error);
	}
	/* PROGRAM takes its name before the files: a worker named "main"
	 * there is the file's error. */
	if (optind < argc && settings_add_program(s, argv + optind) == NULL)
		return usage_error("%s", s->error);
	if (load_files(s) == -1) {
		log_errx("%s", s->error);
		*exit_status = EXIT_CONFIG;
		return -1;
	}
	if (s->worker_count == 0) {
		options_usage(stderr);
		return -1;
	}
	if (s->listen_worker != NULL &&
	    settings_find_worker(s, s->listen_worker) == NULL) {
		/* From the config file, it is the file's error. */
		bool from_file = !options_from_command_line(s, "listen-fds");

		if (!from_file)
			return usage_error("--listen-fds: no worker named '%s'",
					   s->listen_worker);
		log_errx("config file: listen-fds: no worker named '%s'",
			 s->listen_worker);
		*exit_status = EXIT_CONFIG;
		return -1;
	}
	return 0;
}

void config_free(struct settings *s)
{
	settings_finish(s);
}
