/* The files aiorun reads: the INI config file, a Procfile and an env-file.
 * Each returns 0, or -1 with the error in S->error as "FILE:LINE: ...". */
#ifndef AIORUN_CONFFILE_H
#define AIORUN_CONFFILE_H

#include "settings.h"

/* The longest line of a config file, its newline not counted: 1 MiB. A
 * longer one is an error, not two lines. */
#define CONFFILE_LINE_MAX (1 << 20)

/* [aiorun] keys and [worker:NAME] sections, parsed with inih. */
int conffile_read_ini(struct settings *s, const char *path);

/* A NUL byte anywhere in any of these files is an error. */

/* "NAME: COMMAND" lines; blank lines and lines starting with '#' skipped. */
int conffile_read_procfile(struct settings *s, const char *path);

/* "KEY=VALUE" lines (an "export " before KEY and one pair of quotes
 * around VALUE are dropped) into S->env_common. NAMED_BY, when not NULL,
 * says where PATH was named ("FILE:LINE: env-file"), for the error of a
 * file that cannot be opened. */
int conffile_read_env(struct settings *s, const char *path,
		      const char *named_by);

#endif
