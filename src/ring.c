#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation: a quiet worker costs little. */
#define RING_MIN 4096

/* Drops the oldest lines until LEN bytes or fewer are left. */
static void drop_to(struct ring *r, size_t len)
{
	while (r->len > len) {
		char *nl = memchr(r->buf + r->start, '\n', r->len);
		size_t line = (size_t)(nl - (r->buf + r->start)) + 1;

		r->start += line;
		r->len -= line;
	}
}

int ring_add(struct ring *r, const char *lines, size_t len)
{
	const size_t most = RING_MAX - RING_MAX / 4;

	if (len == 0)
		return 0;
	/* More than the ring keeps at once: only the newest lines of it,
	 * from the first line that begins in its last MOST bytes. */
	if (len > most) {
		const char *from = lines + len - most;

		if (from[-1] != '\n')
			from = (const char *)memchr(from, '\n', most) + 1;
		len -= (size_t)(from - lines);
		lines = from;
		r->start = r->len = 0;
	}
	if (r->start + r->len + len > r->cap && r->cap < RING_MAX) {
		size_t cap = r->cap > 0 ? r->cap : RING_MIN;
		char *buf;

		while (cap < r->len + len)
			cap *= 2;
		if (cap > RING_MAX)
			cap = RING_MAX;
		if ((buf = malloc(cap)) == NULL)
			return -1;
		if (r->len > 0)
			memcpy(buf, r->buf + r->start, r->len);
		free(r->buf);
		r->buf = buf;
		r->cap = cap;
		r->start = 0;
	}
	if (r->start + r->len + len > r->cap) {
		/* Full: a quarter goes at once, so that the lines move once
		 * per quarter written, not once per read. */
		if (r->len + len > most)
			drop_to(r, most - len);
		memmove(r->buf, r->buf + r->start, r->len);
		r->start = 0;
	}
	memcpy(r->buf + r->start + r->len, lines, len);
	r->len += len;
	return 0;
}

void ring_tail(const struct ring *r, long count, const char **text, size_t *len)
{
	const char *begin = r->buf + r->start;
	size_t at = r->len;

	/* The last byte is a newline: step over COUNT of those before. */
	while (at > 0 && count > 0) {
		at--;
		while (at > 0 && begin[at - 1] != '\n')
			at--;
		count--;
	}
	*text = begin + at;
	*len = r->len - at;
}

void ring_finish(struct ring *r)
{
	free(r->buf);
	*r = (struct ring){0};
}
