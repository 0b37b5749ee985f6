/* --pidfile: aiorun's PID in a file that it holds locked (flock) while it
 * runs, so that a second aiorun with the same file refuses to start.
 *
 * The file is opened without following a symbolic link in its last
 * component, and taken only if it is a regular file: aiorun runs as root,
 * and the file's directory may be writable by others. At the end it is
 * removed only if the name still leads to the file aiorun locked. */
#ifndef AIORUN_PIDFILE_H
#define AIORUN_PIDFILE_H

#include <sys/types.h>

struct pidfile;

/* Creates or opens PATH (mode 0644 less the umask), locks it and writes
 * the caller's PID. A file that nobody holds, left by a process that
 * died, is taken over. Returns NULL with errno set: EEXIST when a live
 * process holds the lock, with its PID in *OTHER (0 when it has not
 * written one yet); ELOOP when PATH's last component is a symbolic link;
 * EINVAL when it is not a regular file; or what a system call said. */
struct pidfile *pidfile_claim(const char *path, pid_t *other);

/* Removes the file, if its name still leads to the file that was
 * locked, then unlocks and frees. NULL is harmless. */
void pidfile_release(struct pidfile *pf);

#endif
