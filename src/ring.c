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

int ring_add(struct ring *r, const char *text, size_t len)
{
	size_t need;

	if (len > RING_MAX / 8)
		len = RING_MAX / 8;
	need = len + 1;
	if (r->start + r->len + need > r->cap && r->cap < RING_MAX) {
		size_t cap = r->cap > 0 ? r->cap : RING_MIN;
		char *buf;

		while (cap < r->len + need)
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
	if (r->start + r->len + need > r->cap) {
		/* Full: a quarter goes at once, so that the lines move once
		 * per quarter written, not once per line. With lines of at
		 * most an eighth, more than 80 KiB stays. */
		if (r->len + need > r->cap - r->cap / 4)
			drop_to(r, r->cap - r->cap / 4 - need);
		memmove(r->buf, r->buf + r->start, r->len);
		r->start = 0;
	}
	memcpy(r->buf + r->start + r->len, text, len);
	r->buf[r->start + r->len + len] = '\n';
	r->len += need;
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
