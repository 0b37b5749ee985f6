/* aiorunctl: asks a running aiorun what it runs and tells it what to
 * change, over its control socket (SPEC section 9, ctlproto.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlproto.h"

#ifndef AIORUN_VERSION
#define AIORUN_VERSION "unknown"
#endif

/* clang-format off */
static const char usage_text[] =
	"Usage: aiorunctl [-s SOCKET] [--json] COMMAND [ARG]...\n"
	"\n"
	"  status [NAME]...                      what runs: one row per worker\n"
	"  start NAME...|--all                   start workers that do not run\n"
	"  stop NAME...|--all                    stop workers; they stay down\n"
	"  restart NAME...|--all                 stop, then start\n"
	"  signal SIG NAME...|--all              send SIG to the workers' groups\n"
	"  wait [--for ready|exited] [--timeout D] NAME...|--all\n"
	"  logs [-n N] [-f] NAME                 the last N lines (100); -f follows\n"
	"  reload                                read the config file again\n"
	"  shutdown                              stop everything, as SIGTERM does\n"
	"\n"
	"  -s, --socket PATH   aiorun's socket (AIORUN_CONTROL, else the default)\n"
	"      --json          one JSON object per line\n"
	"\n"
	"Exit status: 0 done, 1 failed for some worker, 64 bad usage,\n"
	"69 no aiorun answers, 77 permission denied. See aiorunctl(1).\n";
/* clang-format on */

static int usage_error(const char *why)
{
	fprintf(stderr, "aiorunctl: %s\n", why);
	fputs("Try 'aiorunctl --help'.\n", stderr);
	return CTL_USAGE;
}

/* The request line: the words but -s and its value, which are the
 * client's alone. Returns 0, or -1 when a word cannot travel. */
static int build_line(char **words, int count, char *line, size_t size)
{
	size_t len = 0;

	line[0] = '\0';
	for (int i = 0; i < count; i++) {
		if (strcmp(words[i], "-s") == 0 ||
		    strcmp(words[i], "--socket") == 0) {
			i++;
			continue;
		}
		if (strpbrk(words[i], " \t\n\r") != NULL || words[i][0] == '\0')
			return -1;
		if (len > 0)
			len = strlcat(line, " ", size);
		len = strlcat(line, words[i], size);
	}
	if (len + 2 > size)
		return -1;
	line[len++] = '\n';
	line[len] = '\0';
	return 0;
}

static int find_socket(const struct ctl_request *req, char *path, size_t size)
{
	const char *env = getenv("AIORUN_CONTROL");

	if (req->socket != NULL || (env != NULL && env[0] != '\0')) {
		const char *given = req->socket != NULL ? req->socket : env;

		if (strlen(given) >= size || strlen(given) >= CTL_PATH_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		strlcpy(path, given, size);
		return 0;
	}
	return ctl_default_path(path, size, geteuid());
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1) {
		int error = errno;

		close(fd);
		errno = error;
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Prints aiorun's answer; returns the exit status it ends with. */
static int read_answer(int fd, const char *path)
{
	FILE *in = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int status = -1;

	if (in == NULL) {
		perror("aiorunctl");
		close(fd);
		return CTL_UNAVAILABLE;
	}
	while (status < 0 && (len = getline(&line, &cap, in)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		switch (line[0]) {
		case '1':
			fwrite(line + 1, 1, (size_t)len - 1, stdout);
			putchar('\n');
			/* "logs -f" shows each line as it comes. */
			fflush(stdout);
			break;
		case '2':
			fflush(stdout);
			fprintf(stderr, "aiorunctl: %s\n", line + 1);
			break;
		case '=':
			status = atoi(line + 1);
			break;
		default:
			break;
		}
	}
	free(line);
	fclose(in);
	if (status < 0) {
		fprintf(stderr, "aiorunctl: %s: aiorun closed the connection\n",
			path);
		return CTL_UNAVAILABLE;
	}
	return status;
}

/* Checks the command, sends it, prints the answer. */
static int run(int argc, char **argv, char **names)
{
	struct ctl_request req;
	char line[CTL_REQUEST_MAX + 1], path[CTL_PATH_MAX], err[256];
	int fd;

	if (ctl_parse(&req, argv + 1, (size_t)argc - 1, names, err,
		      sizeof(err)) == -1)
		return usage_error(err);
	if (build_line(argv + 1, argc - 1, line, sizeof(line)) == -1)
		return usage_error("the request is too long, or a word is "
				   "empty or holds a space");
	if (find_socket(&req, path, sizeof(path)) == -1) {
		fprintf(stderr, "aiorunctl: socket path: %s\n",
			strerror(errno));
		return CTL_UNAVAILABLE;
	}
	if ((fd = connect_to(path)) == -1) {
		int error = errno;

		fprintf(stderr, "aiorunctl: %s: %s\n", path, strerror(error));
		return error == EACCES || error == EPERM ? CTL_DENIED
							 : CTL_UNAVAILABLE;
	}
	/* A refused client's answer may already wait: read it anyway. */
	if (send_all(fd, line, strlen(line)) == -1 && errno != EPIPE &&
	    errno != ECONNRESET) {
		fprintf(stderr, "aiorunctl: %s: %s\n", path, strerror(errno));
		close(fd);
		return CTL_UNAVAILABLE;
	}
	return read_answer(fd, path);
}

int main(int argc, char **argv)
{
	char **names, **words = NULL;
	int status, count = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			puts("aiorunctl " AIORUN_VERSION);
			return 0;
		}
	}
	if ((names = calloc((size_t)argc * 2 + 1, sizeof(*names))) == NULL ||
	    (words = calloc((size_t)argc * 2 + 1, sizeof(*words))) == NULL) {
		perror("aiorunctl");
		free(names);
		return CTL_UNAVAILABLE;
	}
	/* --socket=PATH and -sPATH are -s PATH. */
	for (int i = 0; i < argc; i++) {
		if (i > 0 && strncmp(argv[i], "--socket=", 9) == 0) {
			words[count++] = "-s";
			words[count++] = argv[i] + 9;
		} else if (i > 0 && strncmp(argv[i], "-s", 2) == 0 &&
			   argv[i][2] != '\0') {
			words[count++] = "-s";
			words[count++] = argv[i] + 2;
		} else {
			words[count++] = argv[i];
		}
	}
	status = run(count, words, names);
	free(words);
	free(names);
	return status;
}
