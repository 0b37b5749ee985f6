/* The loader: fills a struct settings (settings.h) from the command line,
 * the environment and the files they name, checks it as a whole, and
 * says what is wrong. The only entry point main.c needs. */
#ifndef AIORUN_CONFIG_H
#define AIORUN_CONFIG_H

#include "settings.h"

/* Fills S from ARGV, the environment and the files they name. Returns 0 to
 * go on; otherwise aiorun must exit with the value stored in *EXIT_STATUS
 * (0 after --help or --version; 64 after a usage error and 78 after a
 * configuration error, both reported on standard error). Either way, S is
 * freed with config_free. */
int config_load(struct settings *s, int argc, char **argv, int *exit_status);

void config_free(struct settings *s);

#endif
