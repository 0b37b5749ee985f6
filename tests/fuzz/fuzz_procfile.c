/* The Procfile (-f): accepted, each worker is one line's NAME and
 * COMMAND, whole; refused, 78 with FILE:LINE (or 64 when it declares no
 * worker). */
#include <string.h>

#include "fuzz.h"

static const char *name;  /* the worker being checked */
static const char *input; /* the Procfile's first byte */

/* Blanks, NAME, ':', blanks: what comes before a Procfile's command; on
 * the first line, after a UTF-8 byte order mark, if any. */
static int name_colon(const char *line, size_t len)
{
	size_t i, name_len = strlen(name);

	if (line == input && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	i = strspn(line, " \t");

	if (i > len || len - i < name_len + 1 ||
	    memcmp(line + i, name, name_len) != 0 || line[i + name_len] != ':')
		return 0;
	for (i += name_len + 1; i < len && (line[i] == ' ' || line[i] == '\t');
	     i++)
		;
	return i == len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = {"aiorun", "-f", NULL, NULL};
	struct settings s;
	int loaded, status;
	const char *path =
		fuzz_load_input(&s, 3, argv, data, size, &loaded, &status);

	input = (const char *)data;
	if (loaded == 0) {
		FUZZ_ASSERT(s.worker_count > 0);
		for (size_t i = 0; i < s.worker_count; i++) {
			const struct worker *w = &s.workers[i];

			FUZZ_ASSERT(worker_valid_name(w->name));
			FUZZ_ASSERT(w->argv[2] != NULL &&
				    w->argv[2][0] != '\0');
			name = w->name;
			FUZZ_ASSERT(fuzz_line_ends_with(data, size, w->argv[2],
							name_colon));
			for (size_t j = 0; j < i; j++)
				FUZZ_ASSERT(strcmp(s.workers[j].name,
						   w->name) != 0);
		}
	} else {
		FUZZ_ASSERT(status == EXIT_CONFIG || status == EXIT_USAGE);
		if (status == EXIT_USAGE)
			FUZZ_ASSERT(s.error[0] == '\0' && s.worker_count == 0);
		if (s.error[0] != '\0')
			FUZZ_ASSERT(strncmp(s.error, path, strlen(path)) == 0 &&
				    s.error[strlen(path)] == ':');
	}
	config_free(&s);
	return 0;
}
