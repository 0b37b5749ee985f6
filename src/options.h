/* aiorun's options: one table of every option, read from the command
 * line, from the AIORUN_<NAME> environment variables and from the config
 * file's [aiorun] section, in that order of precedence (SPEC section 2). */
#ifndef AIORUN_OPTIONS_H
#define AIORUN_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "settings.h"

/* Reads the command line up to PROGRAM (optind is left on it). Returns 0,
 * 1 after --help or --version (printed), or -1 after settings_fail. */
int options_load_command_line(struct settings *s, int argc, char **argv);

/* Reads the AIORUN_<NAME> variables of the options the command line did
 * not set; an empty one counts as unset. Returns 0, or -1 after
 * settings_fail. */
int options_load_environment(struct settings *s);

/* A key of the config file's [aiorun] section: applied unless the command
 * line or the environment set it already. Returns 0, or -1 after
 * settings_fail (an unknown key, a bad value). */
int options_set_file_key(struct settings *s, const char *key, const char *value,
			 const char *origin);

/* Whether ENTRY ("NAME=VALUE") is the AIORUN_<NAME> variable of one of
 * aiorun's options: those are aiorun's alone, and a nested aiorun must not
 * read them again (it would run the same set). */
bool options_is_variable(const char *entry);

/* Whether the option NAME was set on the command line or in the
 * environment (rather than by the config file or not at all). */
bool options_from_command_line(const struct settings *s, const char *name);

/* Where the option NAME was set, for a message about its value:
 * "--NAME", "AIORUN_NAME", or "FILE:LINE: NAME" for the config file's
 * key. */
const char *options_where(const struct settings *s, const char *name, char *buf,
			  size_t size);

/* The synopsis, for a call with nothing to run. */
void options_usage(FILE *stream);

#endif
