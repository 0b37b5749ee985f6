#include "logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"

/* Creations tried after a rotation when someone else keeps putting a
 * name where the new file goes. */
#define CREATE_TRIES 3

struct logfile {
	const char *path; /* as given, for messages */
	int dir;          /* the directory that holds the file */
	char *name;       /* the file's name in DIR */
	int fd;           /* -1 once closed, or after a failed rotation */
	long long size;   /* bytes written to the current file */
	long long max_size;
	int keep;     /* old files kept: NAME.1 ... NAME.KEEP */
	bool failing; /* the last write failed: lines are being lost */
	bool closed;
};

/* Opens NAME in the log's directory, never through a symbolic link, and
 * takes it only if it is a regular file: a FIFO would block the writes,
 * and a device would be renamed away by a rotation. O_NONBLOCK lets a
 * FIFO be refused instead of waited on; regular files ignore it. */
static int open_name(struct logfile *log, int flags)
{
	struct stat st;
	int fd = openat(log->dir, log->name,
			O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY |
				O_NONBLOCK | O_CLOEXEC | flags,
			0644);

	/* ENXIO: a FIFO without a reader, or a device without a driver. */
	if (fd == -1 && errno == ENXIO)
		errno = EINVAL;
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	log->size = (long long)st.st_size;
	return fd;
}

struct logfile *logfile_open(const char *path, long long max_size, int keep)
{
	struct logfile *log = calloc(1, sizeof(*log));
	int saved;

	if (log == NULL)
		return NULL;
	*log = (struct logfile){
		.path = path,
		.dir = -1,
		.fd = -1,
		.max_size = max_size,
		.keep = keep,
	};
	if ((log->dir = paths_open_parent(path, &log->name)) == -1)
		goto fail;
	if ((log->fd = open_name(log, O_CREAT)) == -1)
		goto fail;
	return log;
fail:
	saved = errno;
	logfile_destroy(log);
	errno = saved;
	return NULL;
}

/* After the old file was renamed away (or, with KEEP 0, removed), a new
 * one is created: O_EXCL, so that whatever was put at the name in the
 * meantime is never opened. Such a name is removed (the name, not what
 * a link points to) and the creation tried again. */
static int create_new(struct logfile *log)
{
	for (int i = 0; i < CREATE_TRIES; i++) {
		int fd = open_name(log, O_CREAT | O_EXCL);

		if (fd != -1 || errno != EEXIST)
			return fd;
		if (unlinkat(log->dir, log->name, 0) == -1 && errno != ENOENT)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* NAME.(KEEP-1) becomes NAME.KEEP, ... NAME becomes NAME.1, and a new,
 * empty NAME is created. With KEEP 0 the file is removed instead. */
static int rotate(struct logfile *log)
{
	char from[NAME_MAX + 16], to[NAME_MAX + 16];

	close(log->fd);
	log->fd = -1;
	if (log->keep == 0)
		unlinkat(log->dir, log->name, 0);
	for (int i = log->keep; i >= 1; i--) {
		if (i > 1)
			snprintf(from, sizeof(from), "%s.%d", log->name, i - 1);
		else
			snprintf(from, sizeof(from), "%s", log->name);
		snprintf(to, sizeof(to), "%s.%d", log->name, i);
		/* A missing NAME.i is no matter: there are fewer old files. */
		renameat(log->dir, from, log->dir, to);
	}
	log->fd = create_new(log);
	return log->fd == -1 ? -1 : 0;
}

/* Writes DATA, whole lines; when the write stops short (a full disk),
 * the part of a line that was written is taken back, so that the file
 * ends with a whole line. Returns 0, or -1 with errno set. */
static int append(struct logfile *log, const char *data, size_t len)
{
	size_t done = 0, whole;
	struct stat st;
	int saved;

	while (done < len) {
		ssize_t n = write(log->fd, data + done, len - done);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	log->size += (long long)done;
	if (done == len)
		return 0;
	saved = errno;
	for (whole = done; whole > 0 && data[whole - 1] != '\n'; whole--)
		;
	if (whole < done && fstat(log->fd, &st) == 0 &&
	    ftruncate(log->fd, st.st_size - (off_t)(done - whole)) == 0)
		log->size -= (long long)(done - whole);
	errno = saved;
	return -1;
}

/* Says once per episode that lines are being lost. */
static void lost(struct logfile *log)
{
	if (!log->failing)
		log_warn("log file %s: cannot write; its lines are lost until "
			 "it can be written again",
			 log->path);
	log->failing = true;
}

void logfile_write(struct logfile *log, const char *data, size_t len)
{
	size_t start = 0;

	if (log->closed)
		return;
	/* A rotation that could not create the new file is tried again
	 * with each write, without O_EXCL: the name is the log's own now. */
	if (log->fd == -1 && (log->fd = open_name(log, O_CREAT)) == -1) {
		lost(log);
		return;
	}
	while (start < len) {
		size_t end = start,
		       room = log->size < log->max_size
				      ? (size_t)(log->max_size - log->size)
				      : 0;

		while (end < len) {
			const char *nl = memchr(data + end, '\n', len - end);
			size_t next = nl ? (size_t)(nl - data) + 1 : len;

			if (next - start > room && end > start)
				break;
			end = next;
			if (next - start > room)
				break;
		}
		/* An empty file is never rotated: a line too long for any
		 * file goes alone into the one there is. */
		if (end - start > room && log->size > 0) {
			if (rotate(log) == -1) {
				lost(log);
				return;
			}
			continue;
		}
		if (append(log, data + start, end - start) == -1) {
			lost(log);
			return;
		}
		start = end;
	}
	if (log->failing && len > 0) {
		log_warnx("log file %s: written again; lines were lost before",
			  log->path);
		log->failing = false;
	}
}

void logfile_close(struct logfile *log)
{
	if (log->fd >= 0) {
		fsync(log->fd);
		close(log->fd);
	}
	log->fd = -1;
	log->closed = true;
}

void logfile_destroy(struct logfile *log)
{
	if (log == NULL)
		return;
	if (log->fd >= 0)
		close(log->fd);
	if (log->dir >= 0)
		close(log->dir);
	free(log->name);
	free(log);
}
