/* What the libFuzzer targets share: the input as a file that the config
 * loader opens by name, and aiorun's loader run on it. Each target
 * checks invariants of what was accepted and aborts when one fails, so
 * that libFuzzer reports the input. */
#ifndef AIORUN_FUZZ_H
#define AIORUN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "worker.h"

/* Aborts with a message when COND is false. */
#define FUZZ_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(__FILE__, __LINE__, #cond);                  \
	} while (0)

void fuzz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* Silences aiorun's log, and stdio's stdout and stderr, once. */
void fuzz_quiet(void);

/* A name, "/proc/self/fd/N", under which DATA can be read as a file (a
 * memfd, rewritten for each input). */
const char *fuzz_file(const uint8_t *data, size_t size);

/* config_load on ARGV (ARGC entries, ending with NULL). Returns its
 * result; *STATUS is the exit status it asked for. */
int fuzz_load(struct settings *s, int argc, char **argv, int *status);

/* The input as a file, loaded: quiet, DATA written to fuzz_file, its
 * name put in ARGV[2] (ARGV[1] is the option that reads it), then
 * fuzz_load. Returns the file's name; *LOADED is fuzz_load's result. */
const char *fuzz_load_input(struct settings *s, int argc, char **argv,
			    const uint8_t *data, size_t size, int *loaded,
			    int *status);

/* Whether TEXT occurs in DATA at the end of a line (nothing but blanks
 * after it) where BEFORE accepts what precedes it on that line: LINE,
 * the line's start, and LEN, the bytes up to TEXT. */
int fuzz_line_ends_with(const uint8_t *data, size_t size, const char *text,
			int (*before)(const char *line, size_t len));

#endif
