#include "lines.h"

#include <stdlib.h>
#include <string.h>

char *lines_room(struct line_buffer *b, size_t size)
{
	if (b->cap - b->len < size) {
		/* Doubling: a partial line left by each read must not cost a
		 * realloc (and, at this size, an mremap) on the next. */
		size_t cap =
			b->cap * 2 > b->len + size ? b->cap * 2 : b->len + size;
		char *grown = realloc(b->data, cap);

		if (grown == NULL)
			return NULL;
		b->data = grown;
		b->cap = cap;
	}
	return b->data + b->len;
}

void lines_cut(struct line_buffer *b, line_handler *emit, void *data)
{
	size_t start = 0;

	/* A newline right after a cut ends the line that was cut: no empty
	 * line for it. */
	if (b->cut && b->len > 0 && b->data[0] == '\n')
		start = 1;
	b->cut = false;

	for (;;) {
		char *newline = memchr(b->data + start, '\n', b->len - start);
		size_t len;

		if (newline == NULL) {
			if (b->len - start < LINE_MAX_BYTES)
				break;
			len = LINE_MAX_BYTES;
			emit(b->data + start, len, data);
			start += len;
			b->cut = start == b->len;
			continue;
		}
		len = (size_t)(newline - (b->data + start));
		if (len > LINE_MAX_BYTES)
			len = LINE_MAX_BYTES;
		emit(b->data + start, len, data);
		start += len;
		if (b->data[start] == '\n')
			start++;
	}
	memmove(b->data, b->data + start, b->len - start);
	b->len -= start;
}

void lines_flush(struct line_buffer *b, line_handler *emit, void *data)
{
	if (b->len > 0)
		emit(b->data, b->len, data);
	b->len = 0;
}

void lines_finish(struct line_buffer *b)
{
	free(b->data);
	*b = (struct line_buffer){0};
}
