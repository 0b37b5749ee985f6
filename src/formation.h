/* Copies of workers and the Procfile's PORT (SPEC section 11): what the
 * loader does once every worker is declared. "copies = N" and "-m
 * NAME=N" make N workers NAME.1 ... NAME.N of one definition, each
 * supervised on its own; NAME=0 runs none. A Procfile's worker gets PORT
 * = base + 100 per Procfile line before it + 1 per copy before it. */
#ifndef AIORUN_FORMATION_H
#define AIORUN_FORMATION_H

#include "settings.h"

/* Whether TEXT is "NAME=N[,NAME=N]..." with N from 0 to
 * WORKER_COPIES_MAX and NAME a worker name or "all". Returns 0 or -1. */
int formation_check(const char *text);

/* Applies S->formation to the workers' copy counts: "all" first, then
 * each name. Returns 0, or -1 after settings_fail (a name no worker
 * has, PROGRAM's name). */
int formation_count(struct settings *s);

/* Gives the Procfile's workers their PORT, then replaces each worker
 * with its copies: none for 0, itself for 1, NAME.1 ... NAME.N for more
 * (with log-file FILE.1 ... FILE.N). An "after" naming a copied worker
 * then names each copy; one naming a worker that runs no copy is
 * dropped. Returns 0, or -1 after settings_fail (a copy's name taken). */
int formation_expand(struct settings *s);

#endif
