/* A worker's log file: a copy of its lines, appended, rotated by size.
 *
 * aiorun is root in most containers, and the log's directory may belong
 * to the worker's user. So no name in that directory is ever followed:
 * the file is opened with O_NOFOLLOW, and each rotation renames and
 * creates relative to a descriptor of the directory (renameat, and
 * openat with O_CREAT|O_EXCL|O_NOFOLLOW), never through a path that
 * could have become a symbolic link in between. Only a regular file is
 * taken.
 *
 * Open and destroy run on the loop's thread; write and close on the
 * file's pool lane, one job at a time. */
#ifndef AIORUN_LOGFILE_H
#define AIORUN_LOGFILE_H

#include <stddef.h>

struct logfile;

/* Opens PATH for appending, creating it with mode 0644 (less the umask)
 * when it does not exist. MAX_SIZE and KEEP are the worker's log-max-size
 * and log-keep. Returns NULL with errno set: ELOOP when PATH's last
 * component is a symbolic link, EINVAL when it is not a regular file, or
 * what open(2) said. */
struct logfile *logfile_open(const char *path, long long max_size, int keep);

/* Appends the LEN bytes of whole lines at DATA, rotating first whenever
 * the next line would take the file past its size; a line longer than
 * that goes alone into a file of its own. Only what was written counts
 * towards the size, and a write cut short (a full disk) is taken back to
 * its last whole line: the file never holds half a line, and an empty
 * file is never rotated. The first failure of an episode, and the end of
 * one, are logged as warnings naming the file. */
void logfile_write(struct logfile *log, const char *data, size_t len);

/* Syncs and closes the file; later writes are dropped. */
void logfile_close(struct logfile *log);

/* Closes what is open and frees LOG. NULL is harmless. */
void logfile_destroy(struct logfile *log);

#endif
