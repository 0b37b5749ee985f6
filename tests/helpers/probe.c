/* A test helper that reports what a child of aiorun sees and receives.
 *
 *   probe record DIR [CHILDREN] [ignore]
 *       Records every signal it gets as a line "PID SIGNAME" appended to
 *       DIR/signals, after starting CHILDREN copies of itself in its own
 *       process group (default 0), each recording too. Every signal that
 *       can be caught is recorded, but the job-control stops (TSTP, TTIN,
 *       TTOU), which keep their default action, and glibc's 32 and 33.
 *       SIGNAME is SIG and the signal's abbreviation, or its number for a
 *       real-time one (SIG34). Creates DIR/ready.N (N its pid) once its
 *       handlers are in place. SIGINT and SIGTERM end it with status 0, or
 *       are only recorded with "ignore".
 *   probe exec-with [ignore=SIG,...] [block=SIG,...] [nonblock-stdout]
 *           -- COMMAND...
 *       Runs COMMAND with those signals ignored and blocked, as a shell's
 *       background job or nohup would, or with a non-blocking stdout. A
 *       signal is an abbreviation (HUP) or a number (40).
 *   probe notify-listen PATH FILE
 *       Binds a datagram socket at PATH and appends each message it gets
 *       to FILE as one line, its newlines made spaces: a stand-in for
 *       systemd's notification socket.
 *   probe listen-exec -- COMMAND...
 *       Runs COMMAND as systemd's socket activation would: a listening
 *       TCP socket at descriptor 3, LISTEN_FDS=1, LISTEN_PID its own pid,
 *       LISTEN_FDNAMES=web.
 *   probe listen-check
 *       Prints whether LISTEN_PID is its own pid, whether descriptor 3 is
 *       a socket, and LISTEN_FDS and LISTEN_FDNAMES.
 *   probe status [FILE]
 *       Prints its blocked and ignored signal sets (hex, as in
 *       /proc/PID/status), its open descriptors, whether it leads its
 *       process group, and whether that group has the terminal; to FILE,
 *       if given, which appears once complete.
 *   probe fill-fifo PATH
 *       Writes newlines into the FIFO at PATH, which someone else holds
 *       open for reading, until it is full: whoever writes to it next
 *       waits until it is read. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int log_fd = -1;
static bool ignore_stop;

static void on_signal(int signo)
{
	char line[64];
	const char *name = sigabbrev_np(signo);
	int len = name ? snprintf(line, sizeof(line), "%d SIG%s\n",
				  (int)getpid(), name)
		       : snprintf(line, sizeof(line), "%d SIG%d\n",
				  (int)getpid(), signo);

	if (write(log_fd, line, (size_t)len) < 0)
		_exit(3);
	if ((signo == SIGTERM || signo == SIGINT) && !ignore_stop)
		_exit(0);
}

static bool is_fault(int signo)
{
	switch (signo) {
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
	case SIGSYS:
	case SIGABRT:
		return true;
	default:
		return false;
	}
}

static int record(const char *dir, int children)
{
	char path[4096];
	struct sigaction action = {.sa_handler = on_signal};
	int signo;

	snprintf(path, sizeof(path), "%s/signals", dir);
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd == -1) {
		perror(path);
		return 2;
	}
	/* One handler at a time: the lines come in the order the signals
	 * are taken, lowest number first among those pending. */
	sigfillset(&action.sa_mask);
	for (signo = 1; signo < NSIG; signo++) {
		if (signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU)
			continue;
		/* A real fault must still kill the probe. */
		action.sa_flags = is_fault(signo) ? SA_RESETHAND : 0;
		/* SIGKILL, SIGSTOP, 32 and 33 are refused. */
		sigaction(signo, &action, NULL);
	}
	for (int i = 0; i < children; i++)
		if (fork() == 0)
			break;
	snprintf(path, sizeof(path), "%s/ready.%d", dir, (int)getpid());
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	for (;;)
		pause();
}

static void print_set(FILE *out, const char *name, const char *status)
{
	const char *line = strstr(status, name);
	const char *end = line ? strchr(line, '\n') : NULL;

	if (line && end)
		fprintf(out, "%.*s\n", (int)(end - line), line);
}

/* To FILE, if given, whole: written to FILE.new, then renamed. */
static int status(const char *file)
{
	char buf[8192], fds[4096] = "", temp[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	long max = sysconf(_SC_OPEN_MAX);
	size_t used = 0;
	FILE *out = stdout;

	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* Before FILE is opened, which would be one of them. */
	for (long i = 0; i < max && i < 65536; i++)
		if (fcntl((int)i, F_GETFD) != -1 && used < sizeof(fds))
			used += (size_t)snprintf(fds + used, sizeof(fds) - used,
						 " %ld", i);
	if (file != NULL) {
		snprintf(temp, sizeof(temp), "%s.new", file);
		if ((out = fopen(temp, "we")) == NULL) {
			perror(temp);
			return 2;
		}
	}
	print_set(out, "SigBlk:", buf);
	print_set(out, "SigIgn:", buf);
	fprintf(out, "fds:%s\n", fds);
	fprintf(out, "pgid-is-pid: %s\n", getpgrp() == getpid() ? "yes" : "no");
	if (isatty(STDIN_FILENO))
		fprintf(out, "terminal-foreground: %s\n",
			tcgetpgrp(STDIN_FILENO) == getpgrp() ? "yes" : "no");
	else
		fprintf(out, "terminal-foreground: no terminal\n");
	if (file != NULL && (fclose(out) != 0 || rename(temp, file) == -1)) {
		perror(file);
		return 2;
	}
	return 0;
}

/* Applies "ignore=INT,TERM" or "block=USR1" to the current process. */
static int apply_disposition(const char *spec)
{
	bool ignore = strncmp(spec, "ignore=", 7) == 0;
	char list[256], *name, *rest;
	sigset_t set;

	if (strcmp(spec, "nonblock-stdout") == 0)
		return fcntl(STDOUT_FILENO, F_SETFL, O_NONBLOCK);
	if (!ignore && strncmp(spec, "block=", 6) != 0)
		return -1;
	snprintf(list, sizeof(list), "%s", strchr(spec, '=') + 1);
	sigemptyset(&set);
	for (rest = list; (name = strsep(&rest, ",")) != NULL;) {
		char *end;
		int signo = (int)strtol(name, &end, 10);

		if (*end != '\0' || end == name)
			for (signo = 1; signo < 32; signo++)
				if (sigabbrev_np(signo) &&
				    strcmp(sigabbrev_np(signo), name) == 0)
					break;
		/* glibc refuses its own 32 and 33. */
		if (signo < 1 || signo >= NSIG ||
		    (signo >= 32 && signo < SIGRTMIN))
			return -1;
		if (ignore)
			signal(signo, SIG_IGN);
		sigaddset(&set, signo);
	}
	if (!ignore)
		sigprocmask(SIG_BLOCK, &set, NULL);
	return 0;
}

static int exec_with(int argc, char **argv)
{
	int i;

	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (apply_disposition(argv[i]) == -1) {
			fprintf(stderr, "probe: bad disposition %s\n", argv[i]);
			return 2;
		}
	if (i + 1 >= argc)
		return 2;
	execvp(argv[i + 1], argv + i + 1);
	perror(argv[i + 1]);
	return 127;
}

static int notify_listen(const char *path, const char *file)
{
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int out = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	char message[4096];

	snprintf(address.sun_path, sizeof(address.sun_path), "%s", path);
	if (sock == -1 || out == -1 ||
	    bind(sock, (struct sockaddr *)&address, sizeof(address)) == -1) {
		perror(path);
		return 2;
	}
	for (;;) {
		ssize_t n = recv(sock, message, sizeof(message) - 1, 0);

		if (n <= 0)
			continue;
		for (ssize_t i = 0; i < n; i++)
			if (message[i] == '\n')
				message[i] = ' ';
		message[n++] = '\n';
		if (write(out, message, (size_t)n) < 0)
			return 3;
	}
}

static int listen_exec(char **argv)
{
	struct sockaddr_in address = {.sin_family = AF_INET};
	int sock = socket(AF_INET, SOCK_STREAM, 0);
	char pid[32];

	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sock == -1 ||
	    bind(sock, (struct sockaddr *)&address, sizeof(address)) == -1 ||
	    listen(sock, 8) == -1 || dup2(sock, 3) == -1) {
		perror("socket");
		return 2;
	}
	if (sock != 3)
		close(sock);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDNAMES", "web", 1);
	execvp(argv[0], argv);
	perror(argv[0]);
	return 127;
}

static int listen_check(void)
{
	const char *pid = getenv("LISTEN_PID");
	struct stat st;

	printf("LISTEN_PID is mine: %s\n",
	       pid && atoi(pid) == (int)getpid() ? "yes" : "no");
	printf("fd 3: %s\n", fstat(3, &st) == 0 && S_ISSOCK(st.st_mode)
				     ? "socket"
				     : "not a socket");
	printf("LISTEN_FDS=%s\n",
	       getenv("LISTEN_FDS") ? getenv("LISTEN_FDS") : "unset");
	printf("LISTEN_FDNAMES=%s\n",
	       getenv("LISTEN_FDNAMES") ? getenv("LISTEN_FDNAMES") : "unset");
	return 0;
}

static int fill_fifo(const char *path)
{
	/* Its own open file description: the next writer's stays blocking. */
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	char newlines[4096];
	size_t size = sizeof(newlines);

	if (fd == -1) {
		perror(path);
		return 2;
	}
	memset(newlines, '\n', sizeof(newlines));
	/* Whole pages first, then single bytes into what is left. */
	while (size > 0) {
		if (write(fd, newlines, size) == -1) {
			if (errno != EAGAIN) {
				perror(path);
				return 2;
			}
			size = size > 1 ? 1 : 0;
		}
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "listen-exec") == 0 &&
	    strcmp(argv[2], "--") == 0)
		return listen_exec(argv + 3);
	if (argc == 2 && strcmp(argv[1], "listen-check") == 0)
		return listen_check();
	if (argc == 4 && strcmp(argv[1], "notify-listen") == 0)
		return notify_listen(argv[2], argv[3]);
	if (argc >= 4 && strcmp(argv[1], "exec-with") == 0)
		return exec_with(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "record") == 0) {
		ignore_stop = argc >= 5 && strcmp(argv[4], "ignore") == 0;
		return record(argv[2], argc >= 4 ? atoi(argv[3]) : 0);
	}
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "status") == 0)
		return status(argc == 3 ? argv[2] : NULL);
	if (argc == 3 && strcmp(argv[1], "fill-fifo") == 0)
		return fill_fifo(argv[2]);
	fprintf(stderr,
		"usage: probe record DIR [CHILDREN] [ignore] | probe status\n");
	return 2;
}
