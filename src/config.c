#include "config.h"

#include <getopt.h>
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
		log_errx("%s", s->error);
		return -1;
	}
	/* PROGRAM takes its name before the files: a worker named "main"
	 * there is the file's error. */
	if (optind < argc && settings_add_program(s, argv + optind) == NULL) {
		log_errx("%s", s->error);
		return -1;
	}
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

		log_errx("%s: no worker named '%s'",
			 from_file ? "config file: listen-fds" : "--listen-fds",
			 s->listen_worker);
		if (from_file)
			*exit_status = EXIT_CONFIG;
		return -1;
	}
	return 0;
}

void config_free(struct settings *s)
{
	settings_finish(s);
}
