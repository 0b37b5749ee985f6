/* A test helper that reports what a child of aiorun sees and receives.
 *
 *   probe record DIR [CHILDREN] [ignore]
 *       Records every signal it gets as a line "PID SIGNAME" appended to
 *       DIR/signals, after starting CHILDREN copies of itself in its own
 *       process group (default 0), each recording too. Creates DIR/ready.N
 *       (N its pid) once its handlers are in place. SIGINT and SIGTERM end
 *       it with status 0, or are only recorded with "ignore".
 *   probe exec-with [ignore=SIG,...] [block=SIG,...] [nonblock-stdout]
 *           -- COMMAND...
 *       Runs COMMAND with those signals ignored and blocked, as a shell's
 *       background job or nohup would, or with a non-blocking stdout.
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
 *   probe status
 *       Prints its blocked and ignored signal sets (hex, as in
 *       /proc/PID/status), its open descriptors, whether it leads its
 *       process group, and whether that group has the terminal.
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

static const int recorded[] = {SIGHUP,   SIGINT,  SIGQUIT, SIGUSR1, SIGUSR2,
			       SIGWINCH, SIGCONT, SIGTERM, SIGALRM};
static int log_fd = -1;
static bool ignore_stop;

static void on_signal(int signo)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "%d SIG%s\n", (int)getpid(),
			   sigabbrev_np(signo));

	if (write(log_fd, line, (size_t)len) < 0)
		_exit(3);
	if ((signo == SIGTERM || signo == SIGINT) && !ignore_stop)
		_exit(0);
}

static int record(const char *dir, int children)
{
	char path[4096];
	struct sigaction action = {.sa_handler = on_signal};

	snprintf(path, sizeof(path), "%s/signals", dir);
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd == -1) {
		perror(path);
		return 2;
	}
	for (size_t i = 0; i < sizeof(recorded) / sizeof(recorded[0]); i++)
		sigaction(recorded[i], &action, NULL);
	for (int i = 0; i < children; i++)
		if (fork() == 0)
			break;
	snprintf(path, sizeof(path), "%s/ready.%d", dir, (int)getpid());
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	for (;;)
		pause();
}

static void print_set(const char *name, const char *status)
{
	const char *line = strstr(status, name);
	const char *end = line ? strchr(line, '\n') : NULL;

	if (line && end)
		printf("%.*s\n", (int)(end - line), line);
}

static int status(void)
{
	char buf[8192];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	long max = sysconf(_SC_OPEN_MAX);

	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	print_set("SigBlk:", buf);
	print_set("SigIgn:", buf);
	printf("fds:");
	for (long i = 0; i < max && i < 65536; i++)
		if (fcntl((int)i, F_GETFD) != -1)
			printf(" %ld", i);
	printf("\npgid-is-pid: %s\n", getpgrp() == getpid() ? "yes" : "no");
	if (isatty(STDIN_FILENO))
		printf("terminal-foreground: %s\n",
		       tcgetpgrp(STDIN_FILENO) == getpgrp() ? "yes" : "no");
	else
		printf("terminal-foreground: no terminal\n");
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
		int signo;

		for (signo = 1; signo < 32; signo++)
			if (sigabbrev_np(signo) &&
			    strcmp(sigabbrev_np(signo), name) == 0)
				break;
		if (signo == 32)
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
	if (argc == 2 && strcmp(argv[1], "status") == 0)
		return status();
	if (argc == 3 && strcmp(argv[1], "fill-fifo") == 0)
		return fill_fifo(argv[2]);
	fprintf(stderr,
		"usage: probe record DIR [CHILDREN] [ignore] | probe status\n");
	return 2;
}
