#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"

/* Attempts at a lock whose file was removed or replaced in the meantime
 * (its holder leaving), and reads of a holder's PID not yet written. */
#define CLAIM_TRIES 5
#define READ_TRIES 20

struct pidfile {
	int dir; /* the directory that holds the file */
	char *name;
	int fd; /* open and locked */
};

static void pause_briefly(void)
{
	struct timespec ms5 = {.tv_nsec = 5 * 1000 * 1000};

	nanosleep(&ms5, NULL);
}

/* Whether NAME in DIR is still the file open at FD. */
static int still_ours(int dir, const char *name, int fd)
{
	struct stat at_name, open;

	return fstatat(dir, name, &at_name, AT_SYMLINK_NOFOLLOW) == 0 &&
	       fstat(fd, &open) == 0 && at_name.st_dev == open.st_dev &&
	       at_name.st_ino == open.st_ino;
}

/* The PID that the holder of FD's lock wrote, or 0. */
static pid_t holder(int fd)
{
	for (int i = 0; i < READ_TRIES; i++) {
		char buf[16];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		long pid;
		char *end;

		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, &end, 10);
			if (end != buf && (*end == '\n' || *end == '\0') &&
			    pid > 0)
				return (pid_t)pid;
		}
		pause_briefly();
	}
	return 0;
}

/* Opens NAME and locks it. Returns the descriptor, -1 with errno set, or
 * -2 when the file went away before it was locked (try again). */
static int open_locked(int dir, const char *name, pid_t *other)
{
	struct stat st;
	int fd = openat(dir, name,
			O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
				O_CLOEXEC,
			0644);

	/* A FIFO without a reader, a socket or a directory. */
	if (fd == -1) {
		if (errno == ENXIO || errno == EISDIR)
			errno = EINVAL;
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int saved = errno;

		if (saved == EWOULDBLOCK) {
			*other = holder(fd);
			saved = EEXIST;
		}
		close(fd);
		errno = saved;
		return -1;
	}
	/* The holder before may have removed the file between our open and
	 * its unlock: a lock on a file that has no name is no lock. */
	if (!still_ours(dir, name, fd)) {
		close(fd);
		return -2;
	}
	return fd;
}

struct pidfile *pidfile_claim(const char *path, pid_t *other)
{
	struct pidfile *pf = calloc(1, sizeof(*pf));
	char pid[24];
	int len, saved;

	*other = 0;
	if (pf == NULL)
		return NULL;
	pf->fd = -1;
	pf->dir = -1;
	if ((pf->dir = paths_open_parent(path, &pf->name)) == -1)
		goto fail;
	for (int i = 0; i < CLAIM_TRIES && pf->fd < 0; i++)
		pf->fd = open_locked(pf->dir, pf->name, other);
	if (pf->fd == -2)
		errno = EAGAIN;
	if (pf->fd < 0)
		goto fail;
	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(pf->fd, 0) == -1 ||
	    pwrite(pf->fd, pid, (size_t)len, 0) != len)
		goto fail;
	return pf;
fail:
	saved = errno;
	if (pf->fd >= 0) {
		/* A half-written file of ours is removed. */
		unlinkat(pf->dir, pf->name, 0);
		close(pf->fd);
	}
	if (pf->dir >= 0)
		close(pf->dir);
	free(pf->name);
	free(pf);
	errno = saved;
	return NULL;
}

void pidfile_release(struct pidfile *pf)
{
	if (pf == NULL)
		return;
	/* Removed while still locked, so that no one takes it over in
	 * between; and only if it is still ours. */
	if (still_ours(pf->dir, pf->name, pf->fd))
		unlinkat(pf->dir, pf->name, 0);
	close(pf->fd);
	close(pf->dir);
	free(pf->name);
	free(pf);
}
