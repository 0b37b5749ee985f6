/* Reload: the settings loaded again from aiorun's own command line, for
 * "aiorunctl reload" (SPEC section 9). What changes at run time is the
 * supervisor's business (supervisor_reload); this half only loads, and
 * says what is wrong. */
#ifndef AIORUN_RELOAD_H
#define AIORUN_RELOAD_H

#include <stddef.h>

#include "settings.h"

/* Loads ARGV (aiorun's command line, ARGC words) again, with the files it
 * names as they are now. Returns a new settings, to be freed with
 * config_free and free; or NULL with the first error ("FILE:LINE: ...")
 * in ERR, SIZE bytes. */
struct settings *reload_load(int argc, char **argv, char *err, size_t size);

#endif
