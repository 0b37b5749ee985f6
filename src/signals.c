#include "signals.h"

#include <signal.h>
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

void signals_child_reset(void)
{
	struct sigaction action = {0};

	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < TOUCHED_COUNT; i++) {
		int signo = touched[i];
		bool keep_ignored = sigismember(&inherited_ignored, signo) &&
				    signo != SIGINT && signo != SIGQUIT &&
				    signo != SIGTERM;

		action.sa_handler = keep_ignored ? SIG_IGN : SIG_DFL;
		sigaction(signo, &action, NULL);
	}
}

void signals_block_all(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, old);
}
