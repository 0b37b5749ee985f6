/* What aiorun and aiorunctl share of the control socket (SPEC section 9):
 * where the socket is by default, and what a request says. Pure: the
 * client checks a command before it connects, and aiorun checks the same
 * words again when they arrive, with the same rules.
 *
 * The wire: the client sends one line, the command's words separated by
 * single spaces (no word holds a space), at most CTL_REQUEST_MAX bytes
 * with the newline. aiorun answers with lines that each begin with one
 * character: '1' a line for aiorunctl's standard output, '2' one for its
 * standard error, '=' the exit status, after which aiorun closes. */
#ifndef AIORUN_CTLPROTO_H
#define AIORUN_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CTL_REQUEST_MAX 4096

/* aiorunctl's exit statuses (sysexits.h values). */
enum {
	CTL_OK = 0,
	CTL_FAILED = 1,
	CTL_USAGE = 64,
	CTL_UNAVAILABLE = 69,
	CTL_DENIED = 77,
};

enum ctl_command {
	CTL_STATUS,
	CTL_START,
	CTL_STOP,
	CTL_RESTART,
	CTL_SIGNAL,
	CTL_WAIT,
	CTL_LOGS,
	CTL_RELOAD,
	CTL_SHUTDOWN,
};

struct ctl_request {
	enum ctl_command command;
	bool json;
	bool all;           /* --all: every worker */
	const char *socket; /* -s PATH, or NULL */
	int signo;          /* signal */
	double timeout;     /* wait --timeout; < 0: none */
	bool for_exited;    /* wait --for exited (else ready) */
	long lines;         /* logs -n */
	bool follow;        /* logs -f */
	char **names;       /* into the words given to ctl_parse */
	size_t name_count;
};

/* Reads WORDS (the command first, then its arguments and options, which
 * may come in any order). NAMES must have room for COUNT entries. Returns
 * 0, or -1 with the reason in ERR. */
int ctl_parse(struct ctl_request *req, char **words, size_t count, char **names,
	      char *err, size_t err_size);

/* "status", "restart", ... */
const char *ctl_command_name(enum ctl_command command);

/* The socket's path when none is given: $XDG_RUNTIME_DIR/aiorun.sock,
 * /run/aiorun.sock for root, else /tmp/aiorun-UID/aiorun.sock. Returns 0,
 * or -1 (ENAMETOOLONG) when it does not fit a socket address. */
int ctl_default_path(char *buf, size_t size, uid_t uid);

/* Where a socket address puts the path, and how long it may be. */
#define CTL_PATH_MAX 108

#endif
