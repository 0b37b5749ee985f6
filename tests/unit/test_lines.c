/* Unit tests for cutting a stream into lines (SPEC section 6): whole
 * lines, a last line without a newline, lines over 16 KiB in pieces. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lines.h"

/* What the cutter handed on: the lines, each ended by '|'. */
struct seen {
	char text[4 * LINE_MAX_BYTES];
	size_t len;
	int lines;
	size_t longest;
};

static void collect(const char *text, size_t len, void *data)
{
	struct seen *seen = data;

	CHECK(memchr(text, '\n', len) == NULL);
	if (seen->len + len + 1 < sizeof(seen->text)) {
		memcpy(seen->text + seen->len, text, len);
		seen->len += len;
		seen->text[seen->len++] = '|';
		seen->text[seen->len] = '\0';
	}
	if (len > seen->longest)
		seen->longest = len;
	seen->lines++;
}

/* Feeds TEXT to B in pieces of at most CHUNK bytes. */
static void feed(struct line_buffer *b, struct seen *seen, const char *text,
		 size_t len, size_t chunk)
{
	for (size_t at = 0; at < len; at += chunk) {
		size_t n = len - at < chunk ? len - at : chunk;
		char *room = lines_room(b, n);

		memcpy(room, text + at, n);
		b->len += n;
		lines_cut(b, collect, seen);
	}
}

static void test_whole_lines(void)
{
	static const char text[] = "one\ntwo\n\nthree\nfour";

	/* However the bytes arrive, the same lines come out. */
	for (size_t chunk = 1; chunk <= sizeof(text); chunk++) {
		struct line_buffer b = {0};
		struct seen seen = {0};

		feed(&b, &seen, text, strlen(text), chunk);
		CHECK(strcmp(seen.text, "one|two||three|") == 0);
		/* The last line has no newline: it waits for the end. */
		CHECK(b.len == 4);
		lines_flush(&b, collect, &seen);
		CHECK(strcmp(seen.text, "one|two||three|four|") == 0);
		CHECK(seen.lines == 5);
		lines_finish(&b);
	}
}

static void test_long_lines(void)
{
	size_t len = 2 * LINE_MAX_BYTES + 100;
	char *text = malloc(len + 2);
	struct line_buffer b = {0};
	struct seen seen = {0};

	memset(text, 'a', len);
	text[len] = '\n';
	text[len + 1] = 'b';
	feed(&b, &seen, text, len + 2, 4096);
	lines_flush(&b, collect, &seen);
	/* Two pieces of the limit, the rest, and the next line. */
	CHECK(seen.lines == 4);
	CHECK(seen.longest == LINE_MAX_BYTES);
	CHECK(seen.len == len + 1 + 4);
	lines_finish(&b);

	/* A line of exactly the limit, then its newline in the next read:
	 * one line, not one and an empty one. */
	memset(&seen, 0, sizeof(seen));
	feed(&b, &seen, text, LINE_MAX_BYTES, LINE_MAX_BYTES);
	feed(&b, &seen, "\nnext\n", 6, 6);
	CHECK(seen.lines == 2);
	CHECK(seen.len == LINE_MAX_BYTES + 1 + 5);
	lines_finish(&b);

	/* An empty line after a cut that was not at its newline stays. */
	memset(&seen, 0, sizeof(seen));
	feed(&b, &seen, text, LINE_MAX_BYTES + 1, LINE_MAX_BYTES + 1);
	feed(&b, &seen, "\n\n", 2, 2);
	CHECK(seen.lines == 3);
	lines_finish(&b);
	free(text);
}

static void test_flush_empty(void)
{
	struct line_buffer b = {0};
	struct seen seen = {0};

	lines_flush(&b, collect, &seen);
	CHECK(seen.lines == 0);
	lines_finish(&b);
}

int main(void)
{
	test_whole_lines();
	test_long_lines();
	test_flush_empty();
	return check_summary();
}
