/* The config file (-c): whatever the bytes, aiorun either accepts them,
 * with every worker's command one whole line's value, or refuses them
 * with 78 (or 64 when no worker is left) and a message at FILE:. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "parse.h"

/* "command =" or "command:", blanks around, a byte order mark before. */
static int command_key(const char *line, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (len - i < 7 || memcmp(line + i, "command", 7) != 0)
		return 0;
	for (i += 7; i < len && isspace((unsigned char)line[i]); i++)
		;
	if (i == len || (line[i] != '=' && line[i] != ':'))
		return 0;
	for (i++; i < len && isspace((unsigned char)line[i]); i++)
		;
	return i == len;
}

/* Whether NAME was declared in DATA: [worker:NAME], or for a copy
 * NAME.N (copies = N), [worker:NAME] without its ".N". */
static int declared(const uint8_t *data, size_t size, const char *name)
{
	const char *dot = strrchr(name, '.');
	char header[320];

	snprintf(header, sizeof(header), "[worker:%s]", name);
	if (memmem(data, size, header, strlen(header)) != NULL)
		return 1;
	if (dot == NULL || dot[1] == '\0' ||
	    strspn(dot + 1, "0123456789") != strlen(dot + 1))
		return 0;
	snprintf(header, sizeof(header), "[worker:%.*s]", (int)(dot - name),
		 name);
	return memmem(data, size, header, strlen(header)) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = {"aiorun", "-c", NULL, NULL};
	struct settings s;
	int loaded, status;
	const char *path =
		fuzz_load_input(&s, 3, argv, data, size, &loaded, &status);

	if (loaded == 0) {
		FUZZ_ASSERT(s.worker_count > 0);
		FUZZ_ASSERT(s.grace >= 0 && s.grace <= DURATION_MAX);
		FUZZ_ASSERT(s.wait_timeout >= 0 &&
			    s.wait_timeout <= DURATION_MAX);
		for (size_t i = 0; i < s.worker_count; i++) {
			const struct worker *w = &s.workers[i];

			FUZZ_ASSERT(worker_valid_name(w->name));
			FUZZ_ASSERT(w->argv[2] != NULL &&
				    w->argv[2][0] != '\0');
			/* The command is a whole value, not a piece of one. */
			FUZZ_ASSERT(fuzz_line_ends_with(data, size, w->argv[2],
							command_key));
			FUZZ_ASSERT(declared(data, size, w->name));
			FUZZ_ASSERT(strncmp(w->origin, path, strlen(path)) ==
				    0);
			FUZZ_ASSERT(w->restart_delay >= 0 &&
				    w->restart_delay <= DURATION_MAX);
			FUZZ_ASSERT(w->log_keep >= 0 && w->log_keep <= 1000);
			FUZZ_ASSERT(w->log_max_size >= 1 &&
				    w->log_max_size <= (1LL << 40));
			/* 0: no start limit. */
			FUZZ_ASSERT(w->start_limit >= 0);
		}
	} else {
		FUZZ_ASSERT(status == EXIT_CONFIG || status == EXIT_USAGE);
		/* 64: no worker at all, and the usage text, no message. */
		if (status == EXIT_USAGE)
			FUZZ_ASSERT(s.error[0] == '\0' && s.worker_count == 0);
		/* Every message of the file names it. */
		if (s.error[0] != '\0')
			FUZZ_ASSERT(strncmp(s.error, path, strlen(path)) == 0 &&
				    s.error[strlen(path)] == ':');
	}
	config_free(&s);
	return 0;
}

/* An env-file key would make aiorun read whatever file the input names
 * (a FIFO would block): the environment, which comes first, names an
 * empty one. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("AIORUN_ENV_FILE", "/dev/null", 1);
	return 0;
}
