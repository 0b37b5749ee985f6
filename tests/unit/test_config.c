/* Unit tests for the configuration: the command line, the environment,
 * the INI file, the Procfile and the env-file, and their precedence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "worker.h"

static char dir[] = "/tmp/aiorun-unit-XXXXXX";

static const char *write_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static const char *write_file(const char *name, const char *text)
{
	const char *path = write_path(name);
	FILE *file = fopen(path, "w");

	fputs(text, file);
	fclose(file);
	return path;
}

/* Loads ARGS (NULL-terminated, without argv[0]) into S. */
static int load(struct settings *s, int *status, const char *const *args)
{
	char *argv[32] = {"aiorun"};
	int argc = 1;

	while (*args != NULL && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	optind = 1;
	return config_load(s, argc, argv, status);
}

static const struct worker *find(const struct settings *s, const char *name)
{
	for (size_t i = 0; i < s->worker_count; i++)
		if (strcmp(s->workers[i].name, name) == 0)
			return &s->workers[i];
	return NULL;
}

static void test_ini(void)
{
	struct settings s;
	const struct worker *web, *flush;
	const char *conf = write_file(
		"a.conf", "[aiorun]\n"
			  "grace = 5s\n"
			  "stop-on = exit\n"
			  "\n"
			  "[worker:web]\n"
			  "command = python3 -m http.server; echo x\n"
			  "restart = on-failure\n"
			  "restart-delay = 250ms\n"
			  "start-limit = 3/1m\n"
			  "env = A=1\n"
			  "env = B=2=3\n"
			  "stop-signal = INT\n"
			  "grace = 1.5\n"
			  "[worker:flush]\n"
			  "command = ./flush\n"
			  "shutdown-waits-for = yes\n");
	int status = -1;

	CHECK(load(&s, &status, (const char *[]){"-c", conf, NULL}) == 0);
	CHECK(s.grace == 5);
	CHECK(s.stop_on == STOP_ON_EXIT);
	CHECK(s.worker_count == 2);
	web = find(&s, "web");
	flush = find(&s, "flush");
	CHECK(web != NULL && flush != NULL);
	if (web == NULL || flush == NULL)
		return;
	CHECK(strcmp(web->argv[0], "/bin/sh") == 0);
	CHECK(strcmp(web->argv[2], "python3 -m http.server; echo x") == 0);
	CHECK(web->restart == RESTART_ON_FAILURE);
	CHECK(web->restart_delay == 0.25);
	CHECK(web->start_limit == 3 && web->start_interval == 60);
	CHECK(web->env != NULL && strcmp(web->env[0], "A=1") == 0 &&
	      strcmp(web->env[1], "B=2=3") == 0 && web->env[2] == NULL);
	CHECK(web->stop_signal == 2);
	CHECK(web->grace == 1.5);
	CHECK(!web->waits_for && flush->waits_for);
	CHECK(flush->restart == RESTART_NO && flush->grace < 0);
	config_free(&s);
}

static void test_precedence(void)
{
	struct settings s;
	const char *conf = write_file("p.conf", "[aiorun]\n"
						"grace = 5s\n"
						"wait-timeout = 7s\n"
						"stop-signal = HUP\n"
						"[worker:a]\ncommand = x\n");
	int status;

	setenv("AIORUN_GRACE", "6s", 1);
	setenv("AIORUN_WAIT_TIMEOUT", "8s", 1);
	CHECK(load(&s, &status,
		   (const char *[]){"-c", conf, "--grace", "9", NULL}) == 0);
	CHECK(s.grace == 9);        /* command line */
	CHECK(s.wait_timeout == 8); /* environment */
	CHECK(s.stop_signal == 1);  /* file */
	config_free(&s);
	unsetenv("AIORUN_GRACE");
	unsetenv("AIORUN_WAIT_TIMEOUT");
}

static void test_sources_combine(void)
{
	struct settings s;
	const char *proc = write_file("Procfile", "# comment\n\n"
						  "web: run web  \n"
						  "jobs:run jobs\n");
	char procfile[256];
	int status;

	strlcpy(procfile, proc, sizeof(procfile));
	CHECK(load(&s, &status,
		   (const char *[]){"-f", procfile, "-W", "x=y", "--", "prog",
				    "arg", NULL}) == 0);
	CHECK(s.worker_count == 4);
	/* The command line's, PROGRAM, then the files'. */
	CHECK(strcmp(s.workers[0].name, "x") == 0 && s.workers[0].waits_for);
	CHECK(strcmp(s.workers[1].name, "main") == 0 && s.workers[1].is_main &&
	      strcmp(s.workers[1].argv[0], "prog") == 0 &&
	      strcmp(s.workers[1].argv[1], "arg") == 0);
	CHECK(strcmp(s.workers[2].name, "web") == 0 &&
	      strcmp(s.workers[2].argv[2], "run web") == 0);
	CHECK(strcmp(s.workers[3].name, "jobs") == 0 &&
	      strcmp(s.workers[3].argv[2], "run jobs") == 0);
	config_free(&s);
}

static void test_errors(void)
{
	struct settings s;
	int status;
	const char *bad = write_file("bad.conf", "[worker:a]\n"
						 "command = x\n"
						 "nope = 1\n");

	CHECK(load(&s, &status, (const char *[]){"-c", bad, NULL}) == -1);
	CHECK(status == EXIT_CONFIG);
	CHECK(strstr(s.error, "bad.conf:3: unknown key 'nope' in [worker:a]") !=
	      NULL);
	config_free(&s);

	CHECK(load(&s, &status, (const char *[]){"-w", "a", NULL}) == -1);
	CHECK(status == EXIT_USAGE);
	config_free(&s);

	CHECK(load(&s, &status, (const char *[]){NULL}) == -1);
	CHECK(status == EXIT_USAGE);
	config_free(&s);

	CHECK(load(&s, &status, (const char *[]){"--version", NULL}) == -1);
	CHECK(status == 0);
	config_free(&s);
}

static void test_names(void)
{
	CHECK(worker_valid_name("web"));
	CHECK(worker_valid_name("web-1.a_b"));
	CHECK(!worker_valid_name(""));
	CHECK(!worker_valid_name("a b"));
	CHECK(!worker_valid_name("a/b"));
	CHECK(!worker_valid_name("a:b"));
}

/* What a reload compares: any key differs, not where it was declared. */
static void test_worker_equal(void)
{
	struct settings a, b;
	char one[256], two[256];
	int status;

	/* write_file's path is in a static buffer: copied. */
	strcpy(one, write_file("eq1.conf", "[worker:web]\n"
					   "command = serve --port 1\n"
					   "env = A=1\n"
					   "[worker:db]\ncommand = db\n"
					   "[worker:job]\ncommand = job\n"
					   "after = db\n"));
	strcpy(two, write_file("eq2.conf", "# moved down a line\n"
					   "[worker:web]\n"
					   "command = serve --port 1\n"
					   "env = A=2\n"
					   "[worker:job]\ncommand = job\n"
					   "after = db\n"
					   "[worker:db]\ncommand = db\n"
					   "grace = 3s\n"));

	CHECK(load(&a, &status, (const char *[]){"-c", one, NULL}) == 0);
	CHECK(load(&b, &status, (const char *[]){"-c", two, NULL}) == 0);
	CHECK(worker_equal(find(&a, "web"), find(&a, "web")));
	/* The same keys at another line, "after" at another index. */
	CHECK(worker_equal(find(&a, "job"), find(&b, "job")));
	CHECK(!worker_equal(find(&a, "web"), find(&b, "web"))); /* env */
	CHECK(!worker_equal(find(&a, "db"), find(&b, "db")));   /* grace */
	CHECK(!worker_equal(find(&a, "web"), find(&a, "db")));  /* name */
	config_free(&a);
	config_free(&b);
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 2;
	/* The config modules log their errors: keep the output readable. */
	log_set_level(LOG_LEVEL_NONE);
	test_ini();
	test_precedence();
	test_sources_combine();
	test_errors();
	test_names();
	test_worker_equal();
	for (const char *const *name =
		     (const char *const[]){"a.conf", "p.conf", "Procfile",
					   "bad.conf", "eq1.conf", "eq2.conf",
					   NULL};
	     *name != NULL; name++)
		unlink(write_path(*name));
	rmdir(dir);
	return check_summary();
}
