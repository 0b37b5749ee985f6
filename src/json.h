/* JSON strings, for --log-format json (SPEC section 12): text escaped so
 * that one line of it is one JSON string whatever the bytes were.
 * Control characters, '"' and '\' are escaped; bytes that are not valid
 * UTF-8 become U+FFFD. Pure and allocation-free, since every captured
 * line passes through it.
 *
 * Written here rather than taken from jansson or json-c (Debian ships
 * both with static archives): neither replaces invalid UTF-8 (jansson
 * refuses the string, json-c writes it as it is), and both build a tree
 * of allocated objects for each line, where this writes straight into
 * the output's buffer. */
#ifndef AIORUN_JSON_H
#define AIORUN_JSON_H

#include <stddef.h>
#include <time.h>

/* How many of the LEN bytes at the start of TEXT need no escape: a
 * newline, for one, ends the count. */
size_t json_plain_len(const char *text, size_t len);

/* The length of LEN bytes of TEXT once escaped, quotes not included. */
size_t json_escaped_len(const char *text, size_t len);

/* Writes TEXT escaped to DEST, which has room for json_escaped_len of
 * it. Returns the end of what was written. */
char *json_escape(char *dest, const char *text, size_t len);

/* The time to the second, formatted once a second. Zero-initialised. */
struct json_clock {
	time_t second;
	char text[24];
};

/* "2026-12-04T15:20:27.123Z": now in UTC, RFC 3339 with milliseconds,
 * into BUF (JSON_TIME_LEN bytes, no NUL). */
#define JSON_TIME_LEN 24
void json_time(struct json_clock *clock, char *buf);

#endif
