#include "signals.h"

#include <signal.h>
#include <spawn.h>
#include <stddef.h>

/* The signals whose disposition aiorun may change, so the only ones a
 * child has to set back. Every other signal passes through exec as it
 * was inherited. */
static const int touched[] = {
	SIGINT,  SIGTERM,  SIGHUP,  SIGQUIT, SIGUSR1,
	SIGUSR2, SIGWINCH, SIGCONT, SIGCHLD, SIGPIPE,
};
#define TOUCHED_COUNT (sizeof(touched) / sizeof(touched[0]))

static const int forwarded[] = {
	SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
};

static sigset_t inherited_ignored;
static struct ev_signal watchers[TOUCHED_COUNT];
static signals_callback *handler;

static void signal_cb(struct ev_loop *loop, struct ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	handler(w->signum, w->data);
}

static void watch(struct ev_loop *loop, size_t slot, int signo, void *data)
{
	ev_signal_init(&watchers[slot], signal_cb, signo);
	watchers[slot].data = data;
	ev_signal_start(loop, &watchers[slot]);
	/* Watching a signal is not work: it must not keep ev_run alive. */
	ev_unref(loop);
}

void signals_record_inherited(void)
{
	struct sigaction old;
	sigset_t none;

	sigemptyset(&inherited_ignored);
	for (size_t i = 0; i < TOUCHED_COUNT; i++)
		if (sigaction(touched[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			sigaddset(&inherited_ignored, touched[i]);
	/* A signal blocked by whoever started aiorun would never arrive:
	 * SIGTERM blocked would make aiorun unstoppable. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int signals_init(struct ev_loop *loop, signals_callback *callback, void *data)
{
	size_t slot = 0;

	handler = callback;
	signal(SIGPIPE, SIG_IGN);
	watch(loop, slot++, SIGINT, data);
	watch(loop, slot++, SIGTERM, data);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		if (!sigismember(&inherited_ignored, forwarded[i]))
			watch(loop, slot++, forwarded[i], data);
	return 0;
}

bool signals_is_stop(int signo)
{
	return signo == SIGINT || signo == SIGTERM;
}

/* What SPEC section 5 wants in the child: inherited-ignored signals stay
 * ignored, except SIGINT, SIGQUIT and SIGTERM. */
static bool ignored_in_child(int signo)
{
	return sigismember(&inherited_ignored, signo) && signo != SIGINT &&
	       signo != SIGQUIT && signo != SIGTERM;
}

void signals_child_reset(void)
{
	struct sigaction action = {0};

	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < TOUCHED_COUNT; i++) {
		action.sa_handler =
			ignored_in_child(touched[i]) ? SIG_IGN : SIG_DFL;
		sigaction(touched[i], &action, NULL);
	}
}

/* glibc keeps the signals below SIGRTMIN (32 and 33) for its threads and
 * its sigaddset refuses them; yet its posix_spawn leaves them ignored in
 * the new program unless they are among those reset to the default. The
 * bits are set the way glibc's own sigaddset sets them. */
static void add_reserved_signals(sigset_t *set)
{
	unsigned long *words = (unsigned long *)set;
	const int bits = 8 * (int)sizeof(*words);

	for (int signo = 32; signo < SIGRTMIN; signo++)
		words[(signo - 1) / bits] |= 1UL << ((signo - 1) % bits);
}

bool signals_child_defaults(sigset_t *defaults)
{
	bool enough = true;

	sigemptyset(defaults);
	add_reserved_signals(defaults);
	for (size_t i = 0; i < TOUCHED_COUNT; i++) {
		if (!ignored_in_child(touched[i]))
			sigaddset(defaults, touched[i]);
		/* Handled here, so exec would reset it: only a child that
		 * sets it itself keeps it ignored. */
		else if (touched[i] == SIGCHLD)
			enough = false;
	}
	return enough;
}

bool signals_spawn_attr(posix_spawnattr_t *attr)
{
	sigset_t none, defaults;
	bool enough = signals_child_defaults(&defaults);

	sigemptyset(&none);
	posix_spawnattr_init(attr);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP |
					       POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(attr, 0);
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &defaults);
	return enough;
}

void signals_block_all(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, old);
}
