#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"

static enum log_level threshold = LOG_LEVEL_INFO;
static bool use_colour;
static bool use_priority;
static bool use_json;
static struct json_clock json_clock;
static log_writer *writer;
static void *writer_data;

/* JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected; it only
 * counts if standard error is still that stream (it may have been
 * redirected since). */
static bool stderr_is_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (stream == NULL || sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) == -1)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(void)
{
	use_priority = stderr_is_journal();
	const char *no_colour = getenv("NO_COLOR");

	use_colour = !use_priority && isatty(STDERR_FILENO) &&
		     (no_colour == NULL || no_colour[0] == '\0');
}

void log_set_level(enum log_level level)
{
	threshold = level;
}

enum log_level log_get_level(void)
{
	return threshold;
}

enum log_level log_level_shift(enum log_level level, int steps)
{
	static const enum log_level order[] = {
		LOG_LEVEL_NONE, LOG_LEVEL_ERROR, LOG_LEVEL_WARN,
		LOG_LEVEL_INFO, LOG_LEVEL_DEBUG,
	};
	const int last = (int)(sizeof(order) / sizeof(order[0])) - 1;
	int i = 0;

	while (i < last && order[i] != level)
		i++;
	i += steps;
	if (i < 0)
		i = 0;
	if (i > last)
		i = last;
	return order[i];
}

static const char *colour_of(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERROR:
		return "\033[1;31m";
	case LOG_LEVEL_WARN:
		return "\033[1;33m";
	case LOG_LEVEL_DEBUG:
		return "\033[2m";
	default:
		return "\033[1m";
	}
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERROR:
		return "error";
	case LOG_LEVEL_WARN:
		return "warning";
	case LOG_LEVEL_DEBUG:
		return "debug";
	default:
		return "info";
	}
}

/* {"time":"...","level":"info","msg":"..."} with its newline, from the
 * message TEXT (LEN bytes), into LINE (SIZE bytes). Returns its length;
 * a message too long for LINE is cut. */
static size_t json_line(enum log_level level, const char *text, size_t len,
			char *line, size_t size)
{
	size_t n = 0, room;

	if (use_priority)
		n = (size_t)snprintf(line, size, "<%d>", level);
	n += (size_t)snprintf(line + n, size - n, "{\"time\":\"");
	json_time(&json_clock, line + n);
	n += JSON_TIME_LEN;
	n += (size_t)snprintf(line + n, size - n,
			      "\",\"level\":\"%s\",\"msg\":\"",
			      level_name(level));
	room = size - n - 4;
	while (len > 0 && json_escaped_len(text, len) > room)
		len = len > 64 ? len - 64 : 0;
	n = (size_t)(json_escape(line + n, text, len) - line);
	memcpy(line + n, "\"}\n", 3);
	return n + 3;
}

/* Formats the whole line first and writes it with one write(2), so that a
 * line never interleaves with another writer's. */
static void log_line(enum log_level level, int errnum, const char *fmt,
		     va_list ap)
{
	char line[2048];
	size_t len = 0;
	int n;

	if (level > threshold)
		return;
	if (use_priority)
		len += (size_t)snprintf(line, sizeof(line), "<%d>", level);
	if (use_colour && !use_json)
		n = snprintf(line + len, sizeof(line) - len,
			     "%saiorun:\033[0m ", colour_of(level));
	else
		n = snprintf(line + len, sizeof(line) - len, "aiorun: ");
	len += (size_t)n;
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	len = n < 0 ? len : len + (size_t)n;
	if (errnum != 0 && len < sizeof(line))
		len += (size_t)snprintf(line + len, sizeof(line) - len, ": %s",
					strerror(errnum));
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	if (use_json) {
		char json[sizeof(line) * 2 + 128];
		size_t start = strlen("aiorun: ") + (use_priority ? 3 : 0);

		len = json_line(level, line + start, len - start, json,
				sizeof(json));
		if (writer == NULL || writer(json, len, writer_data) != 0)
			while (write(STDERR_FILENO, json, len) == -1 &&
			       errno == EINTR)
				;
		return;
	}
	line[len++] = '\n';
	if (writer != NULL && writer(line, len, writer_data) == 0)
		return;
	while (write(STDERR_FILENO, line, len) == -1 && errno == EINTR)
		;
}

void log_set_json(bool json)
{
	use_json = json;
}

void log_set_writer(log_writer *write_line, void *data)
{
	writer = write_line;
	writer_data = data;
}

#define LOG_FUNCTION(name, level, with_errno)                                  \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		int saved = errno;                                             \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_line(level, (with_errno) ? saved : 0, fmt, ap);            \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	}

LOG_FUNCTION(log_err, LOG_LEVEL_ERROR, true)
LOG_FUNCTION(log_errx, LOG_LEVEL_ERROR, false)
LOG_FUNCTION(log_warn, LOG_LEVEL_WARN, true)
LOG_FUNCTION(log_warnx, LOG_LEVEL_WARN, false)
LOG_FUNCTION(log_info, LOG_LEVEL_INFO, false)
LOG_FUNCTION(log_debug, LOG_LEVEL_DEBUG, false)
