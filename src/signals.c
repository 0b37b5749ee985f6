#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

/* What aiorun does with a signal that it receives. */
enum signal_kind {
	KIND_STOP,    /* SIGINT, SIGTERM: handed over, repeats filtered */
	KIND_FORWARD, /* handed over, to be forwarded */
	KIND_FAULT,   /* read and dropped when sent with kill(2) */
	KIND_JOB,     /* job control: handed over, not forwarded as such */
	KIND_OTHER,   /* never read: left to the kernel or to libev */
};

/* A repeat of a stop signal from the same sender within this many
 * seconds is the same request (SPEC section 3). */
#define SAME_REQUEST_WINDOW 1.0

/* Bit SIGNO - 1: those of the signals whose disposition aiorun changes
 * (see touched[]) that it inherited as ignored. A plain mask rather than
 * a sigset_t, since glibc's sigaddset refuses the signals it reserves. */
static unsigned long long inherited_ignored;

static struct ev_loop *signals_loop;
static struct ev_io reader;
static signals_callback *handler;

/* The last stop signal handed over, to recognise its repeats. */
static struct {
	int signo;    /* 0: none yet */
	pid_t sender; /* 0: not named */
	ev_tstamp at;
} last_stop;

static bool was_ignored(int signo)
{
	return (inherited_ignored >> (signo - 1)) & 1;
}

/* The signals below SIGRTMIN that glibc keeps for its threads (32 and
 * 33): its sigaction and sigaddset refuse them. */
static bool reserved(int signo)
{
	return signo >= 32 && signo < SIGRTMIN;
}

static enum signal_kind kind_of(int signo)
{
	switch (signo) {
	case SIGINT:
	case SIGTERM:
		return KIND_STOP;
	/* Real faults are forced on aiorun by the kernel whatever the mask,
	 * so blocking these only stops a kill(2) from killing it. */
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
	case SIGSYS:
	case SIGABRT:
		return KIND_FAULT;
	case SIGKILL:
	case SIGSTOP:
	/* libev reaps on it. */
	case SIGCHLD:
	/* Ignored: a closed output is an error to handle rather than death.
	 * One sent with kill(2) is not forwarded either: it says that a
	 * write found no reader, which is no news for the workers, and it
	 * would kill every one that keeps the default action. */
	case SIGPIPE:
		return KIND_OTHER;
	/* Job control (SPEC section 5, terminal.h): aiorun stops its tasks'
	 * groups, then itself. Blocked, SIGTTOU also lets aiorun write to
	 * and take its terminal from the background. */
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return KIND_JOB;
	default:
		/* glibc's own: see signals_init. */
		return reserved(signo) ? KIND_OTHER : KIND_FORWARD;
	}
}

/* The kernel's struct for rt_sigaction(2), as x86-64, arm64, riscv and
 * most others lay it out (MIPS, Alpha and SPARC differ). Only SIG_IGN and
 * SIG_DFL go through it: no handler, so no restorer is needed. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask[64 / (8 * sizeof(unsigned long))];
};

/* rt_sigaction(2) without glibc, which refuses its reserved signals.
 * Sets the disposition to *ACTION unless ACTION is NULL; returns the
 * previous one, or SIG_ERR. Async-signal-safe. */
static __sighandler_t reserved_action(int signo, const __sighandler_t *action)
{
#if defined(__mips__) || defined(__alpha__) || defined(__sparc__)
	/* Left as they are there: 32 and 33 still end aiorun. */
	(void)signo;
	(void)action;
	return SIG_ERR;
#else
	struct kernel_sigaction new = {0}, old = {0};

	if (action != NULL)
		new.handler = *action;
	if (syscall(SYS_rt_sigaction, signo, action != NULL ? &new : NULL, &old,
		    sizeof(new.mask)) == -1)
		return SIG_ERR;
	return old.handler;
#endif
}

/* The signals whose disposition aiorun changes, so the only ones a child
 * has to set back, besides glibc's reserved ones (see signals_init).
 * Every other signal passes through exec as it was inherited: ignored,
 * or the default action, since aiorun only blocks the signals it reads. */
static const int touched[] = {
	SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGPIPE,
};
#define TOUCHED_COUNT (sizeof(touched) / sizeof(touched[0]))

/* SPEC section 5: a child gets the default action for these, even when
 * aiorun inherited them as ignored. */
static bool default_in_child(int signo)
{
	return signo == SIGINT || signo == SIGQUIT || signo == SIGTERM;
}

static bool ignored(int signo)
{
	struct sigaction old;

	if (reserved(signo))
		return reserved_action(signo, NULL) == SIG_IGN;
	return sigaction(signo, NULL, &old) == 0 && old.sa_handler == SIG_IGN;
}

/* The signals aiorun reads: blocked, and read from a signalfd, which
 * says who sent each. Blocked, a signal is queued even when ignored: one
 * that aiorun inherited as ignored is read too, and dropped (see
 * receive). Children get an empty mask (signals_spawn_attr, worker.c's
 * child_exec). */
static void read_set(sigset_t *set)
{
	sigemptyset(set);
	for (int signo = 1; signo < NSIG; signo++)
		if (kind_of(signo) != KIND_OTHER)
			sigaddset(set, signo);
}

void signals_record_inherited(void)
{
	sigset_t none;

	inherited_ignored = 0;
	for (size_t i = 0; i < TOUCHED_COUNT; i++)
		if (!default_in_child(touched[i]) && ignored(touched[i]))
			inherited_ignored |= 1ULL << (touched[i] - 1);
	for (int signo = 32; signo < SIGRTMIN; signo++)
		if (ignored(signo))
			inherited_ignored |= 1ULL << (signo - 1);
	/* A signal blocked by whoever started aiorun would never arrive:
	 * SIGTERM blocked would make aiorun unstoppable. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static bool sent_by_a_process(const struct signalfd_siginfo *info)
{
	int code = info->ssi_code;

	return code == SI_USER || code == SI_QUEUE || code == SI_TKILL;
}

/* The pid of the process that sent INFO with kill(2), sigqueue(3) or
 * tgkill(2), or 0 when the kernel does not say: for a signal of its own
 * (a terminal's Ctrl-C), or one from outside aiorun's PID namespace. */
static pid_t sender_of(const struct signalfd_siginfo *info)
{
	return sent_by_a_process(info) ? (pid_t)info->ssi_pid : 0;
}

static const char *sender_text(const struct signalfd_siginfo *info)
{
	static char buf[32];

	if (!sent_by_a_process(info))
		return "the kernel";
	if (info->ssi_pid == 0)
		return "outside the PID namespace";
	snprintf(buf, sizeof(buf), "pid %d", (int)info->ssi_pid);
	return buf;
}

/* timeout(1) and kill -TERM -PGID signal aiorun, then the group it is
 * in: both signals are one request. Only a sender that the kernel names
 * can repeat itself: two Ctrl-C from a terminal are two requests, and so
 * are two signals from outside the namespace of aiorun as PID 1, which
 * may come from two processes. */
static bool same_request(int signo, pid_t sender, ev_tstamp now)
{
	return last_stop.signo == signo && sender != 0 &&
	       last_stop.sender == sender &&
	       now - last_stop.at < SAME_REQUEST_WINDOW;
}

static void receive(const struct signalfd_siginfo *info, void *data)
{
	int signo = (int)info->ssi_signo;
	pid_t sender = sender_of(info);
	ev_tstamp now = ev_now(signals_loop);

	/* SIGXFSZ from its own write past RLIMIT_FSIZE, for one: what
	 * aiorun brought on itself is nobody's request. */
	if (sender == getpid()) {
		log_debug("Ignoring %s, caused by aiorun itself",
			  signal_name(signo));
		return;
	}
	/* Inherited so, since aiorun ignores none of the signals it reads:
	 * it stays ignored, and is not forwarded. Asked here rather than at
	 * start, where it would cost 60 system calls. */
	if (!signals_is_stop(signo) && ignored(signo)) {
		log_debug("Ignoring %s, ignored since aiorun started",
			  signal_name(signo));
		return;
	}
	switch (kind_of(signo)) {
	case KIND_FAULT:
		log_info("Ignoring %s from %s: a fault signal is not "
			 "forwarded",
			 signal_name(signo), sender_text(info));
		return;
	case KIND_STOP:
		if (same_request(signo, sender, now)) {
			log_info("Received %s again from %s within %gs: the "
				 "same request",
				 signal_name(signo), sender_text(info),
				 SAME_REQUEST_WINDOW);
			return;
		}
		last_stop.signo = signo;
		last_stop.sender = sender;
		last_stop.at = now;
		break;
	case KIND_FORWARD:
	case KIND_JOB:
		break;
	case KIND_OTHER:
		return;
	}
	handler(signo, data);
}

/* A batch per wake-up: the watcher is level-triggered, so the rest, if
 * any, comes on the next turn of the loop. */
static void readable_cb(struct ev_loop *loop, struct ev_io *w, int revents)
{
	struct signalfd_siginfo infos[16];
	ssize_t n;

	(void)loop;
	(void)revents;
	do
		n = read(w->fd, infos, sizeof(infos));
	while (n == -1 && errno == EINTR);
	for (ssize_t i = 0; i < n / (ssize_t)sizeof(infos[0]); i++)
		receive(&infos[i], w->data);
}

int signals_init(struct ev_loop *loop, signals_callback *callback, void *data)
{
	sigset_t set;
	int fd;

	signals_loop = loop;
	handler = callback;
	signal(SIGPIPE, SIG_IGN);
	/* glibc's 32 and 33 kill a process that has no handler for them,
	 * and glibc installs one only when it needs them (pthread_cancel,
	 * set*id in a threaded process), which aiorun never does. Ignored,
	 * they can no longer end aiorun; nothing sends them on purpose, so
	 * they are not forwarded. */
	for (int signo = 32; signo < SIGRTMIN; signo++)
		if (!was_ignored(signo))
			reserved_action(signo, &(__sighandler_t){SIG_IGN});

	read_set(&set);
	if ((fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* aiorun always handles these, even when inherited as ignored;
	 * blocked first, so that one sent in between waits to be read. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);

	ev_io_init(&reader, readable_cb, fd, EV_READ);
	reader.data = data;
	ev_io_start(loop, &reader);
	/* Watching signals is not work: it must not keep ev_run alive. */
	ev_unref(loop);
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
	return was_ignored(signo) && !default_in_child(signo);
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
	for (int signo = 32; signo < SIGRTMIN; signo++)
		if (!ignored_in_child(signo))
			reserved_action(signo, &(__sighandler_t){SIG_DFL});
}

/* Sets the bit of a reserved signal the way glibc's own sigaddset sets
 * it. glibc's posix_spawn leaves these ignored in the new program unless
 * they are among those reset to the default. */
static void add_reserved_signal(sigset_t *set, int signo)
{
	unsigned long *words = (unsigned long *)set;
	const int bits = 8 * (int)sizeof(*words);

	words[(signo - 1) / bits] |= 1UL << ((signo - 1) % bits);
}

bool signals_child_defaults(sigset_t *defaults)
{
	bool enough = true;

	sigemptyset(defaults);
	for (int signo = 32; signo < SIGRTMIN; signo++)
		if (!ignored_in_child(signo))
			add_reserved_signal(defaults, signo);
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
