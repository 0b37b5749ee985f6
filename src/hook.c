#include "hook.h"

#include <stdlib.h>

#include "spawn.h"

pid_t hook_start(const struct settings *s)
{
	char *argv[] = {"/bin/sh", "-c", (char *)s->on_shutdown, NULL};
	char *vars[] = {"AIORUN_WORKER_NAME=on-shutdown", NULL};
	struct spawn_plan plan = {
		.path = "/bin/sh",
		.argv = argv,
		.no_input = true,
		.out_fd = -1,
		.err_fd = -1,
	};
	struct spawn_child child;
	char **envp = spawn_environment(s->env_common, NULL, vars);
	int result;

	if (envp == NULL)
		return -1;
	plan.envp = envp;
	result = spawn_run(&plan, &child);
	free(envp);
	return result == -1 ? -1 : child.pid;
}
