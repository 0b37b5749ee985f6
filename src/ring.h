/* A worker's recent lines, for "aiorunctl logs": the newest lines in a
 * buffer of bounded size. It grows as the worker writes, up to RING_MAX,
 * and then drops its oldest lines whole; at least RING_KEEP bytes of the
 * newest lines are always kept. Used on the loop's thread only. */
#ifndef AIORUN_RING_H
#define AIORUN_RING_H

#include <stddef.h>

#define RING_KEEP (64 * 1024)
#define RING_MAX (128 * 1024)

struct ring {
	char *buf; /* lines, each ending in '\n', from buf + start */
	size_t start, len, cap;
};

/* Adds LINES: LEN bytes of whole lines, each ending in '\n' and none
 * longer than RING_MAX / 8 (16 KiB, the longest piece lines.h cuts, and
 * its newline). Returns 0, or -1 with errno set: the ring is then as it
 * was. */
int ring_add(struct ring *r, const char *lines, size_t len);

/* The newest COUNT lines (fewer if it has fewer) as one piece of text:
 * *TEXT and *LEN. Valid until the next ring_add. */
void ring_tail(const struct ring *r, long count, const char **text,
	       size_t *len);

void ring_finish(struct ring *r);

#endif
