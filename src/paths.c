#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int paths_open_parent(const char *path, char **name)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd = -1, saved;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	*name = strdup(slash ? slash + 1 : path);
	if (dir != NULL && *name != NULL)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	saved = errno;
	free(dir);
	if (fd == -1) {
		free(*name);
		*name = NULL;
	}
	errno = saved;
	return fd;
}
