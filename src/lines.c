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

bool lines_next(struct line_buffer *b, size_t *pos, const char **text,
		size_t *len)
{
	size_t start = *pos;
	char *newline;

	/* A newline right after a cut ends the line that was cut: no empty
	 * line for it. */
	if (start == 0 && b->cut) {
		b->cut = false;
		if (b->len > 0 && b->data[0] == '\n')
			start = 1;
	}
	newline = memchr(b->data + start, '\n', b->len - start);
	*text = b->data + start;
	if (newline == NULL) {
		if (b->len - start < LINE_MAX_BYTES) {
			*pos = start;
			return false;
		}
		*len = LINE_MAX_BYTES;
		*pos = start + LINE_MAX_BYTES;
		b->cut = *pos == b->len;
		return true;
	}
	*len = (size_t)(newline - *text);
	if (*len > LINE_MAX_BYTES)
		*len = LINE_MAX_BYTES;
	start += *len;
	if (b->data[start] == '\n')
		start++;
	*pos = start;
	return true;
}

void lines_consume(struct line_buffer *b, size_t pos)
{
	memmove(b->data, b->data + pos, b->len - pos);
	b->len -= pos;
}

void lines_cut(struct line_buffer *b, line_handler *emit, void *data)
{
	size_t pos = 0, len;
	const char *text;

	while (lines_next(b, &pos, &text, &len))
		emit(text, len, data);
	lines_consume(b, pos);
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
