#include "parse.h"

#include <ctype.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

int parse_duration(const char *text, double *seconds)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{"", 1}, {"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600},
	};
	char *end;
	double value;

	/* Plain decimals only: strtod alone would also take hex, exponents,
	 * "inf", signs and leading blanks. */
	size_t digits = strspn(text, "0123456789.");
	char number[32];

	if (digits == 0 || digits >= sizeof(number))
		return -1;
	memcpy(number, text, digits);
	number[digits] = '\0';
	value = strtod(number, &end);
	if (*end != '\0')
		return -1;
	end = (char *)text + digits;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		value *= units[i].scale;
		if (!isfinite(value) || value > DURATION_MAX)
			return -1;
		*seconds = value;
		return 0;
	}
	return -1;
}

char *format_duration(double seconds, char *buf, size_t size)
{
	if (seconds > 0 && seconds < 1)
		snprintf(buf, size, "%gms", seconds * 1000);
	else
		snprintf(buf, size, "%gs", seconds);
	return buf;
}

const char *duration_text(double seconds)
{
	static char buf[32];

	return format_duration(seconds, buf, sizeof(buf));
}

int parse_number(const char *text, long long min, long long max,
		 long long *value)
{
	const char *errstr;
	long long number;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	number = strtonum(text, min, max, &errstr);
	if (errstr != NULL)
		return -1;
	*value = number;
	return 0;
}

/* Standard Linux numbering; realtime signals are reachable by number. */
static const char *const signal_names[] = {
	[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",
	[SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",
	[SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
	[SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
	[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",
	[SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM",
	[SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
	[SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};
#define NAMED_SIGNALS ((int)(sizeof(signal_names) / sizeof(signal_names[0])))

/* RTMIN, RTMIN+N, RTMAX and RTMAX-N, as kill(1) takes them: the
 * real-time signals glibc leaves to programs (SIGRTMIN is 34, not 32).
 * Returns -1 for anything else. */
static int realtime_signal(const char *name)
{
	long long offset = 0;
	bool from_min = strncasecmp(name, "RTMIN", 5) == 0;

	if (!from_min && strncasecmp(name, "RTMAX", 5) != 0)
		return -1;
	if (name[5] != '\0' &&
	    (name[5] != (from_min ? '+' : '-') ||
	     parse_number(name + 6, 1, SIGRTMAX - SIGRTMIN, &offset) == -1))
		return -1;
	return from_min ? SIGRTMIN + (int)offset : SIGRTMAX - (int)offset;
}

int parse_signal(const char *text)
{
	const char *name = text;
	long long number;
	int signo;

	if (parse_number(text, 1, NSIG - 1, &number) == 0)
		return (int)number;
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (signo = 1; signo < NAMED_SIGNALS; signo++)
		if (signal_names[signo] &&
		    strcasecmp(name, signal_names[signo] + 3) == 0)
			return signo;
	return realtime_signal(name);
}

const char *signal_name(int signo)
{
	static _Thread_local char other[16];

	if (signo > 0 && signo < NAMED_SIGNALS && signal_names[signo] != NULL)
		return signal_names[signo];
	snprintf(other, sizeof(other), "SIG%d", signo);
	return other;
}

int parse_size(const char *text, long long *bytes)
{
	static const struct {
		const char *suffix;
		long long scale;
	} units[] = {
		{"", 1},           {"B", 1},          {"K", 1LL << 10},
		{"KB", 1LL << 10}, {"M", 1LL << 20},  {"MB", 1LL << 20},
		{"G", 1LL << 30},  {"GB", 1LL << 30},
	};
	size_t digits = strspn(text, "0123456789");
	char number[16];
	const char *errstr;
	long long value;

	if (digits == 0 || digits >= sizeof(number))
		return -1;
	memcpy(number, text, digits);
	number[digits] = '\0';
	value = strtonum(number, 1, 1LL << 40, &errstr);
	if (errstr != NULL)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(text + digits, units[i].suffix) != 0)
			continue;
		if (value > (1LL << 40) / units[i].scale)
			return -1;
		*bytes = value * units[i].scale;
		return 0;
	}
	return -1;
}

int parse_exit_code(const char *text)
{
	long long code;

	return parse_number(text, 0, 255, &code) == 0 ? (int)code : -1;
}

int parse_exit_mapping(const char *text, int *from, int *to)
{
	char code[8];
	const char *colon = strchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);

	if (len == 0 || len >= sizeof(code))
		return -1;
	memcpy(code, text, len);
	code[len] = '\0';
	*from = parse_exit_code(code);
	*to = colon ? parse_exit_code(colon + 1) : 0;
	return *from < 0 || *to < 0 ? -1 : 0;
}

int parse_bool(const char *text, bool *value)
{
	static const char *const truths[] = {"yes", "true", "on", "1"};
	static const char *const lies[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
		if (strcasecmp(text, truths[i]) == 0) {
			*value = true;
			return 0;
		}
		if (strcasecmp(text, lies[i]) == 0) {
			*value = false;
			return 0;
		}
	}
	return -1;
}

int parse_backend(const char *text, enum backend *backend)
{
	static const char *const names[] = {
		[BACKEND_AUTO] = "auto",         [BACKEND_SELECT] = "select",
		[BACKEND_POLL] = "poll",         [BACKEND_EPOLL] = "epoll",
		[BACKEND_IO_URING] = "io_uring",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(text, names[i]) == 0) {
			*backend = (enum backend)i;
			return 0;
		}
	}
	return -1;
}

int wait_status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}
