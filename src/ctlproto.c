#include "ctlproto.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static const char *const command_names[] = {
	[CTL_STATUS] = "status",     [CTL_START] = "start",
	[CTL_STOP] = "stop",         [CTL_RESTART] = "restart",
	[CTL_SIGNAL] = "signal",     [CTL_WAIT] = "wait",
	[CTL_LOGS] = "logs",         [CTL_RELOAD] = "reload",
	[CTL_SHUTDOWN] = "shutdown",
};
#define COMMAND_COUNT (sizeof(command_names) / sizeof(command_names[0]))

const char *ctl_command_name(enum ctl_command command)
{
	return command_names[command];
}

static int fail(char *err, size_t size, const char *fmt, const char *arg)
{
	snprintf(err, size, fmt, arg);
	return -1;
}

/* Whether OPTION fits COMMAND. */
static bool allowed(enum ctl_command command, const char *option)
{
	if (strcmp(option, "--all") == 0)
		return command != CTL_LOGS && command != CTL_RELOAD &&
		       command != CTL_SHUTDOWN;
	if (strcmp(option, "--timeout") == 0 || strcmp(option, "--for") == 0)
		return command == CTL_WAIT;
	if (strcmp(option, "-n") == 0 || strcmp(option, "-f") == 0 ||
	    strcmp(option, "--follow") == 0 || strcmp(option, "--lines") == 0)
		return command == CTL_LOGS;
	return true;
}

/* An option of COMMAND at WORDS[*I]; its value, if any, follows. */
static int option(struct ctl_request *req, char **words, size_t count,
		  size_t *i, char *err, size_t size)
{
	const char *opt = words[*i];
	const char *value = *i + 1 < count ? words[*i + 1] : NULL;
	bool takes = strcmp(opt, "-s") == 0 || strcmp(opt, "--socket") == 0 ||
		     strcmp(opt, "--timeout") == 0 ||
		     strcmp(opt, "--for") == 0 || strcmp(opt, "-n") == 0 ||
		     strcmp(opt, "--lines") == 0;

	if (!allowed(req->command, opt))
		return fail(err, size, "%s: not an option of this command",
			    opt);
	if (takes && value == NULL)
		return fail(err, size, "%s: missing value", opt);
	if (takes)
		(*i)++;
	if (strcmp(opt, "--json") == 0) {
		req->json = true;
	} else if (strcmp(opt, "--all") == 0) {
		req->all = true;
	} else if (strcmp(opt, "-f") == 0 || strcmp(opt, "--follow") == 0) {
		req->follow = true;
	} else if (strcmp(opt, "-s") == 0 || strcmp(opt, "--socket") == 0) {
		req->socket = value;
	} else if (strcmp(opt, "--timeout") == 0) {
		if (parse_duration(value, &req->timeout) == -1)
			return fail(err, size,
				    "--timeout: invalid duration '%s'", value);
	} else if (strcmp(opt, "--for") == 0) {
		if (strcmp(value, "ready") != 0 && strcmp(value, "exited") != 0)
			return fail(err, size,
				    "--for: '%s' is neither ready nor exited",
				    value);
		req->for_exited = strcmp(value, "exited") == 0;
	} else if (strcmp(opt, "-n") == 0 || strcmp(opt, "--lines") == 0) {
		long long lines;

		/* Digits alone, as every number of aiorun's. */
		if (parse_number(value, 0, LONG_MAX, &lines) == -1)
			return fail(err, size, "-n: invalid line count '%s'",
				    value);
		req->lines = (long)lines;
	} else {
		return fail(err, size, "unknown option '%s'", opt);
	}
	return 0;
}

/* What each command needs besides its options. */
static int check_names(const struct ctl_request *req, char *err, size_t size)
{
	const char *name = ctl_command_name(req->command);

	if (req->name_count > 0 && req->all)
		return fail(err, size, "%s: worker names and --all together",
			    name);
	switch (req->command) {
	case CTL_STATUS:
		return 0;
	case CTL_LOGS:
		if (req->name_count != 1)
			return fail(err, size, "%s: name exactly one worker",
				    name);
		return 0;
	case CTL_RELOAD:
	case CTL_SHUTDOWN:
		if (req->name_count > 0)
			return fail(err, size, "%s: takes no worker name",
				    name);
		return 0;
	default:
		if (req->name_count == 0 && !req->all)
			return fail(err, size,
				    "%s: name a worker, or give --all", name);
		return 0;
	}
}

int ctl_parse(struct ctl_request *req, char **words, size_t count, char **names,
	      char *err, size_t err_size)
{
	size_t i;

	*req = (struct ctl_request){
		.timeout = -1, .lines = 100, .names = names};
	/* -s and --json may come before the command too. */
	for (i = 0; i < count && words[i][0] == '-'; i++) {
		req->command = CTL_STATUS;
		if (strcmp(words[i], "--json") != 0 &&
		    strcmp(words[i], "-s") != 0 &&
		    strcmp(words[i], "--socket") != 0)
			return fail(err, err_size, "unknown option '%s'",
				    words[i]);
		if (option(req, words, count, &i, err, err_size) == -1)
			return -1;
	}
	if (i == count)
		return fail(err, err_size, "%s", "missing command");
	for (req->command = 0; req->command < COMMAND_COUNT; req->command++)
		if (strcmp(words[i], command_names[req->command]) == 0)
			break;
	if (req->command == COMMAND_COUNT)
		return fail(err, err_size, "unknown command '%.64s'", words[i]);
	for (i++; i < count; i++) {
		if (words[i][0] == '-' && words[i][1] != '\0') {
			if (option(req, words, count, &i, err, err_size) == -1)
				return -1;
			continue;
		}
		if (req->command == CTL_SIGNAL && req->signo == 0) {
			if ((req->signo = parse_signal(words[i])) <= 0)
				return fail(err, err_size,
					    "signal: unknown signal '%.32s'",
					    words[i]);
			continue;
		}
		names[req->name_count++] = words[i];
	}
	if (req->command == CTL_SIGNAL && req->signo == 0)
		return fail(err, err_size, "%s", "signal: missing signal");
	return check_names(req, err, err_size);
}

int ctl_default_path(char *buf, size_t size, uid_t uid)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	int n;

	if (dir != NULL && dir[0] == '/')
		n = snprintf(buf, size, "%s/aiorun.sock", dir);
	else if (uid == 0)
		n = snprintf(buf, size, "/run/aiorun.sock");
	else
		n = snprintf(buf, size, "/tmp/aiorun-%u/aiorun.sock",
			     (unsigned)uid);
	if (n < 0 || (size_t)n >= size || (size_t)n >= CTL_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
