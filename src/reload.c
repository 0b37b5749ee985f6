#include "reload.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct settings *reload_load(int argc, char **argv, char *err, size_t size)
{
	struct settings *s = calloc(1, sizeof(*s));
	int status;

	if (s == NULL) {
		strlcpy(err, "out of memory", size);
		return NULL;
	}
	/* getopt starts over: 0 makes glibc forget the first scan. */
	optind = 0;
	if (config_load(s, argc, argv, &status) == 0)
		return s;
	if (s->error[0] != '\0')
		strlcpy(err, s->error, size);
	else if (s->worker_count == 0)
		strlcpy(err, "no worker to run", size);
	else
		strlcpy(err, "the configuration cannot be loaded", size);
	config_free(s);
	free(s);
	return NULL;
}
