/* User-supplied paths that aiorun creates or writes as root (log files,
 * the pidfile): opened relative to a descriptor of their directory, so
 * that the last component is then handled with O_NOFOLLOW, O_EXCL,
 * renameat and unlinkat, never followed through a symbolic link. */
#ifndef AIORUN_PATHS_H
#define AIORUN_PATHS_H

/* Opens the directory PATH is in (O_DIRECTORY) and stores its last
 * component, a new string, in *NAME. Returns the descriptor, or -1 with
 * errno set (*NAME is then NULL). */
int paths_open_parent(const char *path, char **name);

#endif
