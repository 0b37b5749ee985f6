/* What the kernel knows of aiorun's children, adopted orphans included
 * (aiorun is PID 1 or a child subreaper, so orphans become its children). */
#ifndef AIORUN_CHILDREN_H
#define AIORUN_CHILDREN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Whether any child exists, running or a zombie not yet reaped. Does not
 * reap. */
bool children_remain(void);

typedef void children_visitor(pid_t pid, void *data);

/* Calls VISIT for each live child of this process. Reads
 * /proc/self/task/N/children, or scans /proc where the kernel lacks that
 * file. Returns 0, or -1 with errno set if /proc cannot be read. */
int children_each(children_visitor *visit, void *data);

/* Calls VISIT for each live process of group PGID, aiorun's child or not,
 * in /proc's order. Returns 0, or -1 with errno set. */
int children_in_group(pid_t pgid, children_visitor *visit, void *data);

/* Stores PID's command name in COMM and its process group in *PGID, and
 * tells whether PID still runs: false for a zombie or a process gone. */
bool children_describe(pid_t pid, char *comm, size_t size, pid_t *pgid);

#endif
