/* Unit tests for parse.c: durations, signals, exit codes, booleans,
 * backends and wait statuses. */
#include <ev.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "parse.h"

static int duration_is(const char *text, double expected)
{
	double got = -1;

	return parse_duration(text, &got) == 0 && fabs(got - expected) < 1e-9;
}

static void test_durations(void)
{
	const char *bad[] = {
		"",      "-1",          "abc",  "1x",    "1 s",    " 1", "1s ",
		"inf",   "nan",         "0x10", "1e400", "s",      "ms", "2d",
		"1.2.3", "99999999999", "1e1",  "+1",    "1.5e3ms"};
	char buf[32];
	double back;

	CHECK(duration_is("0", 0));
	CHECK(duration_is("2", 2));
	CHECK(duration_is("0.5", 0.5));
	CHECK(duration_is(".25", 0.25));
	CHECK(duration_is("500ms", 0.5));
	CHECK(duration_is("2s", 2));
	CHECK(duration_is("1m", 60));
	CHECK(duration_is("1.5m", 90));
	CHECK(duration_is("1h", 3600));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double untouched = 42;

		CHECK(parse_duration(bad[i], &untouched) == -1);
		CHECK(untouched == 42);
		if (untouched != 42)
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
	}

	CHECK(strcmp(format_duration(10, buf, sizeof(buf)), "10s") == 0);
	CHECK(strcmp(format_duration(0.5, buf, sizeof(buf)), "500ms") == 0);
	CHECK(strcmp(format_duration(1.5, buf, sizeof(buf)), "1.5s") == 0);
	CHECK(strcmp(format_duration(0, buf, sizeof(buf)), "0s") == 0);
	/* What is written reads back as the same value. */
	for (double d = 0.001; d < 5000; d *= 3.7) {
		format_duration(d, buf, sizeof(buf));
		CHECK(parse_duration(buf, &back) == 0 &&
		      fabs(back - d) < d * 1e-5);
	}
}

static void test_signals(void)
{
	CHECK(parse_signal("TERM") == SIGTERM);
	CHECK(parse_signal("SIGTERM") == SIGTERM);
	CHECK(parse_signal("term") == SIGTERM);
	CHECK(parse_signal("sigint") == SIGINT);
	CHECK(parse_signal("15") == SIGTERM);
	CHECK(parse_signal("9") == SIGKILL);
	CHECK(parse_signal("WINCH") == SIGWINCH);
	CHECK(parse_signal("64") == 64);
	CHECK(parse_signal("0") == -1);
	CHECK(parse_signal("65") == -1);
	/* Numbers take digits alone, as durations do. */
	CHECK(parse_signal(" 15") == -1);
	CHECK(parse_signal("+15") == -1);
	CHECK(parse_signal("15 ") == -1);
	CHECK(parse_signal(" TERM") == -1);
	CHECK(parse_exit_code("+3") == -1);
	CHECK(parse_exit_code(" 3") == -1);
	CHECK(parse_signal("-1") == -1);
	CHECK(parse_signal("SIG") == -1);
	CHECK(parse_signal("") == -1);
	CHECK(parse_signal("TERMINATE") == -1);
	CHECK(parse_signal("SIGSIGTERM") == -1);
	/* The real-time signals as kill(1) names them. */
	CHECK(parse_signal("RTMIN") == SIGRTMIN);
	CHECK(parse_signal("SIGRTMIN+1") == SIGRTMIN + 1);
	CHECK(parse_signal("rtmin+30") == SIGRTMAX);
	CHECK(parse_signal("RTMAX") == SIGRTMAX);
	CHECK(parse_signal("SIGRTMAX-2") == SIGRTMAX - 2);
	CHECK(parse_signal("RTMIN+31") == -1);
	CHECK(parse_signal("RTMIN+0") == -1);
	CHECK(parse_signal("RTMIN-1") == -1);
	CHECK(parse_signal("RTMAX+1") == -1);
	CHECK(parse_signal("RTMIN+") == -1);
	CHECK(parse_signal("RTMIN+ 1") == -1);
	CHECK(parse_signal("RTMINX") == -1);

	CHECK(strcmp(signal_name(SIGTERM), "SIGTERM") == 0);
	CHECK(strcmp(signal_name(SIGKILL), "SIGKILL") == 0);
	CHECK(strcmp(signal_name(40), "SIG40") == 0);
	/* Every named signal reads back from its own name. */
	for (int signo = 1; signo < 32; signo++)
		CHECK(parse_signal(signal_name(signo)) == signo);
}

static void test_exit_codes(void)
{
	int from, to;

	for (int code = 0; code < 256; code++) {
		char text[8];

		snprintf(text, sizeof(text), "%d", code);
		CHECK(parse_exit_code(text) == code);
	}
	CHECK(parse_exit_code("256") == -1);
	CHECK(parse_exit_code("-1") == -1);
	CHECK(parse_exit_code("1a") == -1);
	CHECK(parse_exit_code("") == -1);

	CHECK(parse_exit_mapping("143", &from, &to) == 0 && from == 143 &&
	      to == 0);
	CHECK(parse_exit_mapping("143:7", &from, &to) == 0 && from == 143 &&
	      to == 7);
	CHECK(parse_exit_mapping(":7", &from, &to) == -1);
	CHECK(parse_exit_mapping("1:", &from, &to) == -1);
	CHECK(parse_exit_mapping("1:2:3", &from, &to) == -1);
	CHECK(parse_exit_mapping("300:1", &from, &to) == -1);
	CHECK(parse_exit_mapping("123456789", &from, &to) == -1);
}

static void test_sizes(void)
{
	long long bytes = 0;
	const char *bad[] = {"",     "0",     "-1",
			     "1T",   "1 K",   "K",
			     "1.5M", "2000G", "99999999999999999"};

	CHECK(parse_size("1", &bytes) == 0 && bytes == 1);
	CHECK(parse_size("1024", &bytes) == 0 && bytes == 1024);
	CHECK(parse_size("512K", &bytes) == 0 && bytes == 512 * 1024);
	CHECK(parse_size("10MB", &bytes) == 0 && bytes == 10 * 1024 * 1024);
	CHECK(parse_size("10mb", &bytes) == 0 && bytes == 10 * 1024 * 1024);
	CHECK(parse_size("1G", &bytes) == 0 && bytes == 1LL << 30);
	CHECK(parse_size("7B", &bytes) == 0 && bytes == 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse_size(bad[i], &bytes) == -1);
}

static void test_bools_and_backends(void)
{
	const char *truths[] = {"yes", "YES", "true", "on", "1"};
	const char *lies[] = {"no", "false", "Off", "0"};
	enum backend backend;
	bool value;

	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++)
		CHECK(parse_bool(truths[i], &value) == 0 && value);
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++)
		CHECK(parse_bool(lies[i], &value) == 0 && !value);
	CHECK(parse_bool("maybe", &value) == -1);
	CHECK(parse_bool("", &value) == -1);

	CHECK(parse_backend("auto", &backend) == 0 && backend == BACKEND_AUTO);
	CHECK(parse_backend("epoll", &backend) == 0 &&
	      backend == BACKEND_EPOLL);
	CHECK(parse_backend("poll", &backend) == 0 && backend == BACKEND_POLL);
	CHECK(parse_backend("select", &backend) == 0 &&
	      backend == BACKEND_SELECT);
	CHECK(parse_backend("io_uring", &backend) == 0 &&
	      backend == BACKEND_IO_URING);
	CHECK(parse_backend("kqueue", &backend) == -1);
}

/* Builds wait statuses the way the kernel encodes them. */
static void test_wait_statuses(void)
{
	for (int code = 0; code < 256; code++)
		CHECK(wait_status_code(code << 8) == code);
	for (int signo = 1; signo < 32; signo++) {
		CHECK(wait_status_code(signo) == 128 + signo);
		CHECK(wait_status_code(signo | 0x80) == 128 + signo); /* core */
	}
	CHECK(wait_status_code((SIGSTOP << 8) | 0x7f) == -1); /* stopped */
	CHECK(wait_status_code(0xffff) == -1);                /* continued */
}

int main(void)
{
	test_durations();
	test_signals();
	test_exit_codes();
	test_sizes();
	test_bools_and_backends();
	test_wait_statuses();
	return check_summary();
}
