#include "children.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

bool children_remain(void)
{
	siginfo_t info;

	/* WNOWAIT: look, leave any zombie for the reaper. */
	return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

static int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Orphans are handed to some thread of the reaper, so every task's file
 * is read. */
static int each_from_children_files(children_visitor *visit, void *data)
{
	DIR *tasks = opendir("/proc/self/task");
	struct dirent *task;
	char path[300];
	int found = 0;

	if (tasks == NULL)
		return -1;
	while ((task = readdir(tasks)) != NULL) {
		FILE *list;
		int pid;

		if (task->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children",
			 task->d_name);
		if ((list = fopen(path, "re")) == NULL) {
			found = -1;
			break;
		}
		while (fscanf(list, "%d", &pid) == 1)
			visit((pid_t)pid, data);
		fclose(list);
	}
	closedir(tasks);
	return found;
}

static int each_from_proc_scan(children_visitor *visit, void *data)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	pid_t self = getpid();
	char path[300], stat[512];

	if (proc == NULL)
		return -1;
	while ((entry = readdir(proc)) != NULL) {
		char *after_comm;
		long ppid;

		if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", entry->d_name);
		if (read_small_file(path, stat, sizeof(stat)) == -1)
			continue;
		/* "PID (COMM) STATE PPID ...": COMM may hold anything. */
		after_comm = strrchr(stat, ')');
		if (after_comm != NULL &&
		    sscanf(after_comm, ") %*c %ld", &ppid) == 1 && ppid == self)
			visit((pid_t)atol(entry->d_name), data);
	}
	closedir(proc);
	return 0;
}

int children_in_group(pid_t pgid, children_visitor *visit, void *data)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	char comm[32];
	pid_t group;

	if (proc == NULL)
		return -1;
	while ((entry = readdir(proc)) != NULL) {
		pid_t pid;

		if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
			continue;
		pid = (pid_t)atol(entry->d_name);
		if (children_describe(pid, comm, sizeof(comm), &group) &&
		    group == pgid)
			visit(pid, data);
	}
	closedir(proc);
	return 0;
}

int children_each(children_visitor *visit, void *data)
{
	if (each_from_children_files(visit, data) == 0)
		return 0;
	return each_from_proc_scan(visit, data);
}

bool children_describe(pid_t pid, char *comm, size_t size, pid_t *pgid)
{
	char path[64], stat[512];
	char *open_paren, *close_paren;
	size_t len;
	int group;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small_file(path, stat, sizeof(stat)) == -1)
		return false;
	/* "PID (COMM) STATE ...": COMM may hold anything, ')' included. */
	open_paren = strchr(stat, '(');
	close_paren = strrchr(stat, ')');
	if (open_paren == NULL || close_paren == NULL ||
	    close_paren < open_paren || close_paren[1] != ' ')
		return false;
	len = (size_t)(close_paren - open_paren - 1);
	if (len >= size)
		len = size - 1;
	memcpy(comm, open_paren + 1, len);
	comm[len] = '\0';
	/* ") STATE PPID PGRP ..." */
	if (sscanf(close_paren + 2, "%*c %*d %d", &group) != 1)
		return false;
	*pgid = (pid_t)group;
	return close_paren[2] != 'Z' && close_paren[2] != 'X';
}
