#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conffile.h"
#include "formation.h"
#include "log.h"
#include "options.h"

/* With -f and no --env-file: the .env beside the Procfile, if there is
 * one (SPEC section 11). */
static int read_default_env(struct settings *s)
{
	const char *slash = strrchr(s->procfile, '/');
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%.*s.env",
		 slash ? (int)(slash - s->procfile + 1) : 0, s->procfile);
	if (lstat(path, &st) == -1 && errno == ENOENT)
		return 0;
	return conffile_read_env(s, settings_strdup(s, path), NULL);
}

/* The files named by the options, in a fixed order: the Procfile, then
 * the config file (which may set --env-file, and add keys to the
 * Procfile's workers), then the env-file. With the config file alone its
 * workers come first, as they always did. */
static int load_files(struct settings *s)
{
	bool procfile_first = s->procfile != NULL && s->config_file != NULL;

	if (procfile_first && conffile_read_procfile(s, s->procfile) == -1)
		return -1;
	if (s->config_file != NULL &&
	    conffile_read_ini(s, s->config_file) == -1)
		return -1;
	if (!procfile_first && s->procfile != NULL &&
	    conffile_read_procfile(s, s->procfile) == -1)
		return -1;
	if (s->env_file != NULL && strcmp(s->env_file, "none") != 0) {
		char where[600];

		/* Named in the config file: that line is the cause too. */
		options_where(s, "env-file", where, sizeof(where));
		return conffile_read_env(
			s, s->env_file,
			options_from_command_line(s, "env-file") ? NULL
								 : where);
	}
	if (s->env_file == NULL && s->procfile != NULL)
		return read_default_env(s);
	return 0;
}

/* Copies and ports, then what can only be checked once every worker is
 * known. A --formation that names no worker is a usage error when it
 * came from the command line or the environment. */
static int finish_workers(struct settings *s, int *exit_status)
{
	if (formation_count(s) == -1) {
		if (options_from_command_line(s, "formation"))
			*exit_status = EXIT_USAGE;
		return -1;
	}
	if (formation_expand(s) == -1 || worker_link_all(s) == -1)
		return -1;
	/* PROGRAM keeps aiorun's own terminal, if any. */
	for (size_t i = 0; i < s->worker_count; i++)
		if (s->tty && !s->workers[i].is_main)
			s->workers[i].tty = true;
	return 0;
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
	*exit_status = EXIT_CONFIG;
	if (load_files(s) == -1 || finish_workers(s, exit_status) == -1) {
		if (*exit_status == EXIT_USAGE)
			return usage_error("%s", s->error);
		log_errx("%s", s->error);
		return -1;
	}
	*exit_status = EXIT_USAGE;
	if (s->worker_count == 0) {
		/* The synopsis first: the usage message SPEC section 1 asks
		 * for, then the one line that names the cause. */
		options_usage(stderr);
		return usage_error("nothing to run: give a PROGRAM or a "
				   "worker");
	}
	if (s->listen_worker != NULL &&
	    settings_find_worker(s, s->listen_worker) == NULL) {
		char where[600];

		options_where(s, "listen-fds", where, sizeof(where));
		/* From the config file, it is the file's error. */
		if (options_from_command_line(s, "listen-fds"))
			return usage_error("%s: no worker named '%s'", where,
					   s->listen_worker);
		log_errx("%s: no worker named '%s'", where, s->listen_worker);
		*exit_status = EXIT_CONFIG;
		return -1;
	}
	return 0;
}

void config_free(struct settings *s)
{
	settings_finish(s);
}
