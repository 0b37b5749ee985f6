/* aiorun's own log: one line per message on standard error.
 *
 * Every line begins with "aiorun: ". Lines carry colour only when standard
 * error is a terminal (and NO_COLOR is unset), and a "<N>" syslog priority
 * prefix when standard error is the journal (JOURNAL_STREAM names it). */
#ifndef AIORUN_LOG_H
#define AIORUN_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Syslog priorities, so that the journal prefix is the level itself. */
enum log_level {
	LOG_LEVEL_NONE = -1,
	LOG_LEVEL_ERROR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Inspects standard error once: terminal, journal or neither. */
void log_init(void);

/* Hands each whole line (newline included) to WRITE instead of writing
 * it to standard error; a line WRITE refuses (-1) is written directly.
 * Captured output uses it so that aiorun's lines and the workers' reach a
 * shared output in the order they happened. NULL: direct again. */
typedef int log_writer(const char *line, size_t len, void *data);
void log_set_writer(log_writer *write_line, void *data);

/* JSON: each line one object, {"time":...,"level":...,"msg":...}
 * (SPEC section 12), without colour. */
void log_set_json(bool json);

/* Messages above LEVEL are dropped. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Moves the threshold by STEPS (positive: more verbose), clamped. */
enum log_level log_level_shift(enum log_level level, int steps);

/* As in err(3): the plain names append ": " and strerror(errno), the names
 * ending in x do not. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
