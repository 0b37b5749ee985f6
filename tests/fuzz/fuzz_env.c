/* The env-file (--env-file): accepted, every entry is KEY=VALUE with a
 * valid KEY, taken from one line; refused, 78 with FILE:LINE. */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = {"aiorun", "--env-file", NULL, "-w", "a=true", NULL};
	struct settings s;
	int loaded, status;
	const char *path =
		fuzz_load_input(&s, 5, argv, data, size, &loaded, &status);

	if (loaded == 0) {
		for (char **e = s.env_common; e != NULL && *e != NULL; e++) {
			size_t key = strcspn(*e, "=");

			FUZZ_ASSERT((*e)[key] == '=');
			FUZZ_ASSERT(worker_valid_env_key(*e, key));
			FUZZ_ASSERT(strchr(*e, '\n') == NULL);
			FUZZ_ASSERT(memmem(data, size, *e, key + 1) != NULL);
		}
	} else {
		FUZZ_ASSERT(status == EXIT_CONFIG);
		FUZZ_ASSERT(strncmp(s.error, path, strlen(path)) == 0 &&
			    s.error[strlen(path)] == ':');
	}
	config_free(&s);
	return 0;
}
