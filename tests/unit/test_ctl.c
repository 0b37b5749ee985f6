/* Unit tests for the control socket's pure parts: the request parser
 * that aiorun and aiorunctl share, the default socket path, and the ring
 * of a worker's recent lines ("aiorunctl logs"). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ctlproto.h"
#include "lines.h"
#include "ring.h"

static int parse(struct ctl_request *req, const char *line)
{
	static char copy[512];
	static char *words[64], *names[64];
	size_t n = 0;
	char err[256];

	strcpy(copy, line);
	for (char *w = strtok(copy, " "); w != NULL; w = strtok(NULL, " "))
		words[n++] = w;
	return ctl_parse(req, words, n, names, err, sizeof(err));
}

static void test_parse(void)
{
	struct ctl_request r;

	CHECK(parse(&r, "status") == 0 && r.command == CTL_STATUS &&
	      r.name_count == 0 && !r.json);
	CHECK(parse(&r, "--json status web") == 0 && r.json &&
	      r.name_count == 1 && strcmp(r.names[0], "web") == 0);
	CHECK(parse(&r, "status --json") == 0 && r.json);
	CHECK(parse(&r, "-s /x/y status") == 0 &&
	      strcmp(r.socket, "/x/y") == 0);
	CHECK(parse(&r, "restart web db") == 0 && r.command == CTL_RESTART &&
	      r.name_count == 2);
	CHECK(parse(&r, "stop --all") == 0 && r.all);
	CHECK(parse(&r, "signal HUP web") == 0 && r.signo == SIGHUP &&
	      r.name_count == 1);
	CHECK(parse(&r, "signal --json SIGUSR1 --all") == 0 &&
	      r.signo == SIGUSR1 && r.all && r.json);
	CHECK(parse(&r, "wait --for exited --timeout 2s a") == 0 &&
	      r.for_exited && r.timeout == 2);
	CHECK(parse(&r, "wait a") == 0 && !r.for_exited && r.timeout < 0);
	CHECK(parse(&r, "logs -n 5 -f web") == 0 && r.lines == 5 && r.follow);
	CHECK(parse(&r, "logs web") == 0 && r.lines == 100 && !r.follow);
	CHECK(parse(&r, "reload") == 0 && r.command == CTL_RELOAD);
	CHECK(parse(&r, "shutdown") == 0 && r.command == CTL_SHUTDOWN);

	/* Bad usage: each is refused, whole. */
	CHECK(parse(&r, "") == -1);
	CHECK(parse(&r, "bogus") == -1);
	CHECK(parse(&r, "start") == -1);
	CHECK(parse(&r, "stop") == -1);
	CHECK(parse(&r, "stop --all web") == -1);
	CHECK(parse(&r, "signal") == -1);
	CHECK(parse(&r, "signal NOPE web") == -1);
	CHECK(parse(&r, "signal HUP") == -1);
	CHECK(parse(&r, "wait --for sometime a") == -1);
	CHECK(parse(&r, "wait --timeout soon a") == -1);
	CHECK(parse(&r, "wait --timeout") == -1);
	CHECK(parse(&r, "logs") == -1);
	CHECK(parse(&r, "logs a b") == -1);
	CHECK(parse(&r, "logs -n -3 a") == -1);
	/* Digits alone; names or --all, never both, for status too. */
	CHECK(parse(&r, "logs -n +3 a") == -1);
	CHECK(parse(&r, "status --all web") == -1);
	CHECK(parse(&r, "status --all") == 0 && r.all);
	CHECK(parse(&r, "logs --all") == -1);
	CHECK(parse(&r, "status -f") == -1);
	CHECK(parse(&r, "reload web") == -1);
	CHECK(parse(&r, "shutdown now") == -1);
	CHECK(parse(&r, "--bogus status") == -1);
}

static void test_default_path(void)
{
	char buf[CTL_PATH_MAX];

	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	CHECK(ctl_default_path(buf, sizeof(buf), 1000) == 0 &&
	      strcmp(buf, "/run/user/1000/aiorun.sock") == 0);
	unsetenv("XDG_RUNTIME_DIR");
	CHECK(ctl_default_path(buf, sizeof(buf), 0) == 0 &&
	      strcmp(buf, "/run/aiorun.sock") == 0);
	CHECK(ctl_default_path(buf, sizeof(buf), 1000) == 0 &&
	      strcmp(buf, "/tmp/aiorun-1000/aiorun.sock") == 0);
	/* A relative one is no runtime directory. */
	setenv("XDG_RUNTIME_DIR", "relative", 1);
	CHECK(ctl_default_path(buf, sizeof(buf), 0) == 0 &&
	      strcmp(buf, "/run/aiorun.sock") == 0);
	setenv("XDG_RUNTIME_DIR",
	       "/a-very-long-directory-name-that-goes-on-"
	       "and-on-and-on-past-the-limit-of-a-unix-"
	       "socket-address-and-then-some-more",
	       1);
	CHECK(ctl_default_path(buf, sizeof(buf), 0) == -1);
	unsetenv("XDG_RUNTIME_DIR");
}

static void test_ring(void)
{
	struct ring r = {0};
	static char lines[300 * 1024];
	const char *text;
	size_t len, total = 0;

	ring_tail(&r, 10, &text, &len);
	CHECK(len == 0);
	CHECK(ring_add(&r, "one\n", 4) == 0 &&
	      ring_add(&r, "two\nthree\n", 10) == 0);
	ring_tail(&r, 2, &text, &len);
	CHECK(len == 10 && memcmp(text, "two\nthree\n", 10) == 0);
	ring_tail(&r, 100, &text, &len);
	CHECK(len == 14);
	ring_tail(&r, 0, &text, &len);
	CHECK(len == 0);

	/* Whatever is written, in reads of any size, the ring stays
	 * bounded, keeps at least RING_KEEP bytes of the newest whole
	 * lines, and its last line is the last written. */
	for (int i = 0; i < 3000; i++) {
		size_t n = (size_t)(i * 7919 % 20000), chunk = 0;

		/* Lines of N bytes (at most a cut piece's), up to one read. */
		if (n > LINE_MAX_BYTES)
			n = LINE_MAX_BYTES;
		do {
			memset(lines + chunk, 'a' + i % 26, n);
			lines[chunk + n] = '\n';
			chunk += n + 1;
		} while (i % 3 == 0 && chunk + n + 1 <= sizeof(lines));
		CHECK(ring_add(&r, lines, chunk) == 0);
		total += chunk;
		CHECK(r.cap <= RING_MAX);
		CHECK(r.len >= (total < RING_KEEP ? total : RING_KEEP));
		CHECK(r.buf[r.start + r.len - 1] == '\n');
		CHECK(r.start == 0 || r.buf[r.start - 1] == '\n');
	}
	ring_tail(&r, 1, &text, &len);
	CHECK(len > 0 && text[len - 1] == '\n' &&
	      (len == 1 || text[0] == 'a' + 2999 % 26));
	ring_finish(&r);
}

int main(void)
{
	test_parse();
	test_default_path();
	test_ring();
	return check_summary();
}
