/* Pure decoding of the values aiorun reads: durations, signals, exit codes,
 * booleans, event-loop backends, and wait(2) statuses, and their text for
 * log lines. Nothing here logs or reads global state (two texts come in a
 * buffer of their own), so all of it is unit-tested directly. */
#ifndef AIORUN_PARSE_H
#define AIORUN_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* The longest duration accepted: a year, far beyond any sane grace period
 * and far below what a double or ev_tstamp would round. */
#define DURATION_MAX (365.0 * 24 * 3600)

/* What parse_duration takes, for messages. */
#define DURATION_FORMS "duration (2, 0.5, 500ms, 2s, 1m, 1h)"

/* "2", "0.5" (seconds) or a number with a unit: "500ms", "2s", "1m", "1h".
 * Returns 0 and stores seconds, or -1 for anything else (negative, empty,
 * trailing junk, over DURATION_MAX). */
int parse_duration(const char *text, double *seconds);

/* Writes SECONDS the way parse_duration reads it back: "10s", "500ms",
 * "1.5s". Returns BUF. */
char *format_duration(double seconds, char *buf, size_t size);

/* format_duration into a buffer of its own, for a log line: valid until
 * the next call, on the loop's thread. */
const char *duration_text(double seconds);

/* A whole number from MIN to MAX written in decimal digits alone: no
 * sign, no blank, nothing after (strtonum(3) would take a leading blank
 * and '+'). Returns 0 and stores it, or -1. */
int parse_number(const char *text, long long min, long long max,
		 long long *value);

/* "TERM", "SIGTERM", "term" or "15". Returns the signal number, or -1.
 * No blank or sign is taken, as for every number aiorun reads.
 * SIGKILL and SIGSTOP are accepted: whether they make sense is the
 * caller's business. */
int parse_signal(const char *text);

/* "SIGTERM" for 15; "SIG40" for a signal without a name. The pointer stays
 * valid until the next call with a nameless signal from the same thread. */
const char *signal_name(int signo);

/* A size in bytes: "1048576", or with a unit: "512K", "10MB", "1G" (K, M,
 * G, each optionally followed by B; powers of 1024). At least 1, at most
 * 1 TiB. Returns 0 and stores it, or -1. */
int parse_size(const char *text, long long *bytes);

/* 0..255. Returns the code or -1. */
int parse_exit_code(const char *text);

/* "CODE" or "CODE:NEW" (NEW defaults to 0). Returns 0 or -1. */
int parse_exit_mapping(const char *text, int *from, int *to);

/* yes/no/true/false/on/off/1/0, any case. Returns 0 or -1. */
int parse_bool(const char *text, bool *value);

/* The event-loop backends, by name: the runtime maps them to libev's
 * flags, so that the configuration needs no ev.h. */
enum backend {
	BACKEND_AUTO,
	BACKEND_SELECT,
	BACKEND_POLL,
	BACKEND_EPOLL,
	BACKEND_IO_URING,
};

/* auto, select, poll, epoll, io_uring. Returns 0 or -1. */
int parse_backend(const char *text, enum backend *backend);

/* A worker's status from a wait(2) status: the exit code, or 128+N when
 * signal N killed it. -1 for a status that is not an end (stopped,
 * continued). */
int wait_status_code(int wstatus);

#endif
