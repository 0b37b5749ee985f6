/* The command line and the AIORUN_* variables, and the value parsers
 * under them: each line of the input is an argument, or, as NAME=VALUE
 * with NAME beginning with AIORUN_, a variable. Accepted, every setting
 * is within its range; refused, 64 (or 0 after --help and --version). */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "parse.h"

#define MAX_ARGS 32

/* Each parser on TEXT alone, and what it may return. */
static void check_values(const char *text)
{
	long long number, bytes;
	double seconds;
	int signo, from, to;
	bool value;
	enum backend backend;

	if (parse_duration(text, &seconds) == 0) {
		FUZZ_ASSERT(seconds >= 0 && seconds <= DURATION_MAX);
		FUZZ_ASSERT(strchr("0123456789.", text[0]) != NULL);
	}
	if ((signo = parse_signal(text)) != -1) {
		const char *name = signal_name(signo);

		FUZZ_ASSERT(signo >= 1 && signo < NSIG);
		/* A named signal reads back by its name. */
		if (name[3] < '0' || name[3] > '9')
			FUZZ_ASSERT(parse_signal(name) == signo);
	}
	if (parse_size(text, &bytes) == 0)
		FUZZ_ASSERT(bytes >= 1 && bytes <= (1LL << 40));
	if (parse_exit_mapping(text, &from, &to) == 0)
		FUZZ_ASSERT(from >= 0 && from <= 255 && to >= 0 && to <= 255);
	if (parse_number(text, 0, LLONG_MAX, &number) == 0)
		FUZZ_ASSERT(text[strspn(text, "0123456789")] == '\0');
	parse_bool(text, &value);
	parse_backend(text, &backend);
}

static void check_settings(const struct settings *s)
{
	FUZZ_ASSERT(s->grace >= 0 && s->grace <= DURATION_MAX);
	FUZZ_ASSERT(s->wait_timeout >= 0 && s->wait_timeout <= DURATION_MAX);
	FUZZ_ASSERT(s->stop_signal >= 0 && s->stop_signal < NSIG);
	FUZZ_ASSERT(s->stop_signal != SIGKILL && s->stop_signal != SIGSTOP &&
		    s->stop_signal != SIGCONT);
	FUZZ_ASSERT(s->pdeathsig >= 0 && s->pdeathsig < NSIG);
	/* 0: the online CPUs, counted by the pool at its first job. */
	FUZZ_ASSERT(s->executor_workers >= 0 && s->executor_workers <= 64);
	for (int code = 0; code < 256; code++)
		FUZZ_ASSERT(s->exit_map[code] >= 0 && s->exit_map[code] <= 255);
	FUZZ_ASSERT(s->worker_count > 0);
	for (size_t i = 0; i < s->worker_count; i++) {
		const struct worker *w = &s->workers[i];

		FUZZ_ASSERT(worker_valid_name(w->name));
		FUZZ_ASSERT(w->argv != NULL && w->argv[0] != NULL);
		if (!w->is_main)
			FUZZ_ASSERT(w->argv[2] != NULL &&
				    w->argv[2][0] != '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *line, *rest;
	char *argv[MAX_ARGS + 2] = {"aiorun"};
	char *names[MAX_ARGS];
	int argc = 1, name_count = 0, status;
	struct settings s;

	if (copy == NULL || memchr(data, '\0', size) != NULL) {
		free(copy);
		return 0;
	}
	fuzz_quiet();
	memcpy(copy, data, size);
	copy[size] = '\0';
	rest = copy;
	while ((line = strsep(&rest, "\n")) != NULL && argc <= MAX_ARGS) {
		char *equals = strchr(line, '=');

		check_values(line);
		if (strncmp(line, "AIORUN_", 7) == 0 && equals != NULL &&
		    name_count < MAX_ARGS) {
			*equals = '\0';
			if (setenv(line, equals + 1, 1) == 0)
				names[name_count++] = line;
			continue;
		}
		argv[argc++] = line;
	}
	argv[argc] = NULL;
	if (fuzz_load(&s, argc, argv, &status) == 0)
		check_settings(&s);
	else
		FUZZ_ASSERT(status == 0 || status == EXIT_USAGE ||
			    status == EXIT_CONFIG);
	config_free(&s);
	for (int i = 0; i < name_count; i++)
		unsetenv(names[i]);
	free(copy);
	return 0;
}

/* The options that name files read whatever the input names: standard
 * input, at least, reads nothing. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (freopen("/dev/null", "r", stdin) == NULL)
		abort();
	return 0;
}
