/* Cutting a stream of bytes into lines, as SPEC section 6 asks: each line
 * is handed on without its newline; a line longer than LINE_MAX_BYTES is
 * handed on in pieces, each one a line; a last line without a newline is
 * handed on when the stream ends. Pure: no I/O, so it is unit-tested. */
#ifndef AIORUN_LINES_H
#define AIORUN_LINES_H

#include <stdbool.h>
#include <stddef.h>

/* Longer lines are cut into pieces of this size. */
#define LINE_MAX_BYTES 16384

/* Bytes read and not yet handed on. Zero-initialised, it is empty. */
struct line_buffer {
	char *data;
	size_t len, cap;
	bool cut; /* the last line handed on was cut at LINE_MAX_BYTES */
};

typedef void line_handler(const char *text, size_t len, void *data);

/* Room for SIZE more bytes at the end of B, where the caller reads to,
 * then adds what it read to B->len. Returns it, or NULL with errno set. */
char *lines_room(struct line_buffer *b, size_t size);

/* Hands each whole line of B to EMIT and keeps the partial last one,
 * unless it has reached LINE_MAX_BYTES. */
void lines_cut(struct line_buffer *b, line_handler *emit, void *data);

/* The same, one line at a time, for a caller that would rather not be
 * called back for each: the next whole line from *POS (0 at first) is
 * set in *TEXT and *LEN, and *POS moves past it. Returns false when no
 * whole line is left; then lines_consume(B, *POS) drops what was handed
 * on. */
bool lines_next(struct line_buffer *b, size_t *pos, const char **text,
		size_t *len);
void lines_consume(struct line_buffer *b, size_t pos);

/* The stream ended: hands on what is left as a last line, if anything. */
void lines_flush(struct line_buffer *b, line_handler *emit, void *data);

void lines_finish(struct line_buffer *b);

#endif
