#include "fuzz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	abort();
}

void fuzz_quiet(void)
{
	static int done;
	FILE *null;

	if (done++)
		return;
	log_init();
	log_set_level(LOG_LEVEL_NONE);
	/* The usage text and --help go through stdio; libFuzzer and the
	 * sanitizers write to descriptor 2, which stays. */
	if ((null = fopen("/dev/null", "w")) != NULL)
		stdout = stderr = null;
}

const char *fuzz_file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;

	if (fd == -1) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (fd == -1)
			fuzz_fail(__FILE__, __LINE__, "memfd_create");
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		fuzz_fail(__FILE__, __LINE__, "writing the input");
	return path;
}

int fuzz_load(struct settings *s, int argc, char **argv, int *status)
{
	/* getopt keeps its place between calls. */
	optind = 0;
	return config_load(s, argc, argv, status);
}

const char *fuzz_load_input(struct settings *s, int argc, char **argv,
			    const uint8_t *data, size_t size, int *loaded,
			    int *status)
{
	const char *path;

	fuzz_quiet();
	path = fuzz_file(data, size);
	argv[2] = (char *)path;
	*loaded = fuzz_load(s, argc, argv, status);
	return path;
}

int fuzz_line_ends_with(const uint8_t *data, size_t size, const char *text,
			int (*before)(const char *line, size_t len))
{
	size_t len = strlen(text);

	if (len == 0 || len > size)
		return 0;
	for (size_t at = 0; at + len <= size; at++) {
		size_t start = at, end = at + len;

		if (memcmp(data + at, text, len) != 0)
			continue;
		while (end < size && data[end] != '\n' &&
		       isspace((unsigned char)data[end]))
			end++;
		if (end < size && data[end] != '\n')
			continue;
		while (start > 0 && data[start - 1] != '\n')
			start--;
		if (before((const char *)data + start, at - start))
			return 1;
	}
	return 0;
}
