/* aiorun: run a program, or a set of workers, and give them an orderly
 * life and an orderly death. */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "log.h"
#include "systemd.h"
#include "output.h"
#include "pidfile.h"
#include "pool.h"
#include "signals.h"
#include "supervisor.h"
#include "spawn.h"

/* A closed 0, 1 or 2 would be taken by the next descriptor aiorun opens,
 * and a child would then read or write it by accident. */
static int open_standard_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return -1;
	}
	return 0;
}

static struct pidfile *claim_pidfile(const char *path)
{
	pid_t other;
	struct pidfile *pf = pidfile_claim(path, &other);

	if (pf != NULL)
		return pf;
	if (errno == EEXIST)
		log_errx("%s: already held by a running aiorun (pid %d)", path,
			 (int)other);
	else if (errno == ELOOP)
		log_errx("%s: a symbolic link: a pidfile is never opened "
			 "through one",
			 path);
	else if (errno == EINVAL)
		log_errx("%s: not a regular file", path);
	else
		log_err("%s", path);
	return NULL;
}

/* The parent may already be gone by the time the request is made. */
static int set_pdeathsig(int signo)
{
	pid_t parent = getppid();

	if (prctl(PR_SET_PDEATHSIG, signo) == -1)
		return -1;
	if (getppid() != parent)
		raise(signo);
	return 0;
}

/* Orphans are handed to the nearest subreaper: as PID 1 aiorun gets them
 * anyway, otherwise it asks. */
static int become_reaper(const struct settings *s)
{
	if (getpid() == 1 || s->no_subreaper)
		return 0;
	return prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* libev's default reaction to a failed system call is abort(), which for
 * PID 1 would take the whole container down with a core dump. */
static void loop_syserr(const char *msg)
{
	log_err("event loop: %s", msg);
}

static void never_cb(struct ev_loop *loop, struct ev_periodic *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* Without a periodic watcher libev wakes up every 59.743 s to notice jumps
 * of the wall clock. With one, it watches the clock through a timerfd
 * instead, and its longest sleep becomes about 17 days: an idle aiorun
 * makes no system call. This periodic, which does nothing, is due in
 * 2033 and every 31 years after. It starts at the loop's first idle
 * moment: a run over by then (aiorun -- /bin/true) never sleeps at all,
 * and spares the timerfd's system calls. */
static struct ev_periodic clock_watch;

static void first_idle_cb(struct ev_loop *loop, struct ev_idle *w, int revents)
{
	(void)revents;
	ev_ref(loop);
	ev_idle_stop(loop, w);
	ev_periodic_init(&clock_watch, never_cb, 0, 1e9, NULL);
	ev_periodic_start(loop, &clock_watch);
	ev_unref(loop);
}

static struct ev_loop *open_loop(const struct settings *s)
{
	static const unsigned int flags[] = {
		[BACKEND_AUTO] = 0,
		[BACKEND_SELECT] = EVBACKEND_SELECT,
		[BACKEND_POLL] = EVBACKEND_POLL,
		[BACKEND_EPOLL] = EVBACKEND_EPOLL,
		[BACKEND_IO_URING] = EVBACKEND_IOURING,
	};
	static struct ev_idle first_idle;
	struct ev_loop *loop;

	ev_set_syserr_cb(loop_syserr);
	if ((loop = ev_default_loop(EVFLAG_NOENV | flags[s->backend])) == NULL)
		return NULL;
	ev_idle_init(&first_idle, first_idle_cb);
	ev_set_priority(&first_idle, EV_MINPRI);
	ev_idle_start(loop, &first_idle);
	ev_unref(loop);
	return loop;
}

/* A lone PROGRAM keeps aiorun's standard output and error untouched (a
 * terminal stays a terminal) unless --prefix always asks otherwise; with
 * workers (only they can have log files), every line is captured. */
static bool captures_output(const struct settings *s)
{
	return s->worker_count > 1 || !s->workers[0].is_main ||
	       s->output.prefix == OUTPUT_ALWAYS;
}

/* Each captured worker holds two pipes open in aiorun for as long as it
 * runs: a thousand workers pass the usual soft limit of 1024 descriptors.
 * The soft limit goes up to the hard one; workers inherit it. */
static void raise_fd_limit(void)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
	    limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}
}

/* Waits until the pool has written everything, with the loop running so
 * that a signal can still be heard: the supervisor then gives the rest of
 * a stalled output up. */
static void wait_for_executor(struct ev_loop *loop, struct pool *pool)
{
	while (pool_pending(pool) > 0)
		ev_run(loop, EVRUN_ONCE);
}

/* An explicit --control PATH that cannot be set up is an error before
 * anything starts (the default path's failure is only a warning). */
static int open_control(struct control **control, struct ev_loop *loop,
			const struct settings *s, struct supervisor *sup,
			struct output *output)
{
	if (control_create(control, loop, s, sup, output) == 0)
		return 0;
	if (errno == EADDRINUSE)
		log_errx("--control %s: a running aiorun answers there",
			 s->control);
	else if (errno == ENOTSOCK)
		log_errx("--control %s: exists and is not a socket (left as "
			 "it is)",
			 s->control);
	else
		log_err("--control %s", s->control);
	return -1;
}

static int run(const struct settings *s, int argc, char **argv)
{
	struct supervisor *sup = NULL;
	struct control *control = NULL;
	struct pool *pool = NULL;
	struct output *output = NULL;
	struct pidfile *pfh = NULL;
	struct ev_loop *loop;
	int status = EXIT_OSERR;
	bool started;

	if (open_standard_fds() == -1) {
		log_err("cannot open /dev/null");
		return EXIT_OSERR;
	}
	if (s->pidfile != NULL && (pfh = claim_pidfile(s->pidfile)) == NULL)
		return EXIT_OSERR;
	if (s->pdeathsig != 0 && set_pdeathsig(s->pdeathsig) == -1) {
		log_err("--pdeathsig");
		goto remove_pidfile;
	}
	if (systemd_init() == -1)
		log_warn("NOTIFY_SOCKET: cannot notify the service manager");
	if (become_reaper(s) == -1)
		log_warn("cannot become a child subreaper; orphans will not "
			 "be reaped");
	if ((loop = open_loop(s)) == NULL) {
		log_errx(
			"cannot start the event loop (backend %s unavailable?)",
			s->backend ? "requested" : "auto");
		goto remove_pidfile;
	}
	/* No thread starts before the first job. */
	if ((pool = pool_create(loop, s->executor_workers)) == NULL) {
		log_err("cannot start");
		goto remove_pidfile;
	}
	if (captures_output(s)) {
		raise_fd_limit();
		output = output_create(loop, pool, &s->output, s->workers,
				       s->worker_count);
		/* output_create has said why. */
		if (output == NULL)
			goto destroy_pool;
	}
	if ((sup = supervisor_create(loop, s, output)) == NULL) {
		log_err("cannot start");
		goto destroy_pool;
	}
	if (open_control(&control, loop, s, sup, output) == -1) {
		started = false;
	} else if (signals_init(loop, supervisor_signal, sup) == -1) {
		log_err("cannot watch signals");
		started = false;
	} else {
		started = supervisor_start(sup, &status) == 0;
	}
	/* From now on aiorun's lines take the lane of the captured ones
	 * (output_log). A failed start's one line goes out directly, before
	 * whatever it started is stopped. */
	if (started && output != NULL)
		log_set_writer(output_log, output);
	/* Requests come once the loop runs. */
	control_allow_reload(control, argc, argv);
	if (started)
		ev_run(loop, 0);

	/* What the workers wrote is written out, even after a failed
	 * start. */
	if (output != NULL)
		output_drain(output);
	if (started)
		log_info("Waiting for executor shutdown.");
	wait_for_executor(loop, pool);
	/* Everything is written: aiorun's last lines go straight out. */
	log_set_writer(NULL, NULL);
	if (started) {
		log_info("Leaving. Bye!");
		status = supervisor_exit_status(sup);
	}
	control_destroy(control);
	supervisor_destroy(sup);
destroy_pool:
	pool_destroy(pool);
	log_set_writer(NULL, NULL);
	output_destroy(output);
remove_pidfile:
	pidfile_release(pfh);
	return status;
}

/* --check: everything a start would check, short of starting. */
static int check(const struct settings *s)
{
	for (size_t i = 0; i < s->worker_count; i++) {
		const struct worker *w = &s->workers[i];
		char *path;

		if (spawn_resolve(w->argv[0], &path) == -1) {
			log_err("cannot run %s", w->argv[0]);
			return spawn_failure_status(errno);
		}
		free(path);
	}
	settings_print(s);
	log_info("configuration OK");
	return 0;
}

int main(int argc, char **argv)
{
	struct settings settings;
	int status;

	signals_record_inherited();
	log_init();
	if (config_load(&settings, argc, argv, &status) == -1) {
		config_free(&settings);
		return status;
	}
	log_set_level(settings.log_level);
	if (settings.check) {
		status = check(&settings);
	} else {
		status = run(&settings, argc, argv);
	}
	config_free(&settings);
	return status;
}
