#include "json.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* What each byte becomes: as it is; a two-character escape; a \u00XX
 * escape; or the start of a UTF-8 sequence (or a byte that cannot be
 * one), decoded by utf8_length. */
enum { AS_IS, SHORT_ESCAPE, LONG_ESCAPE, MULTIBYTE };

static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static inline int byte_class(unsigned char c)
{
	if (plain(c))
		return AS_IS;
	if (c >= 0x80)
		return MULTIBYTE;
	if (c == '"' || c == '\\' || c == '\b' || c == '\t' || c == '\n' ||
	    c == '\f' || c == '\r')
		return SHORT_ESCAPE;
	return LONG_ESCAPE;
}

static char short_escape(unsigned char c)
{
	switch (c) {
	case '\b':
		return 'b';
	case '\t':
		return 't';
	case '\n':
		return 'n';
	case '\f':
		return 'f';
	case '\r':
		return 'r';
	default:
		return (char)c; /* '"' and '\\' */
	}
}

/* How many bytes at the start of TEXT need no escape, sixteen at a time
 * (GCC's vector extension: SSE2 on x86-64, NEON on arm64): none below
 * 0x20, none from 0x7f up, no '"' and no '\\'. Most log lines are plain
 * ASCII throughout. */
typedef unsigned char bytes16 __attribute__((vector_size(16)));
typedef uint64_t words2 __attribute__((vector_size(16)));

/* The place of the first byte set in WORD, whose bytes are 0 or 0xff,
 * counted in memory order. */
static inline size_t first_set(uint64_t word)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(word) / 8;
#else
	return (size_t)__builtin_clzll(word) / 8;
#endif
}

static size_t plain_prefix(const unsigned char *p, size_t len)
{
	size_t i = 0;

	for (; i + 16 <= len; i += 16) {
		bytes16 v;
		words2 bad;

		memcpy(&v, p + i, 16);
		/* Below 0x20 or from 0x7f up, in one unsigned compare. */
		bad = (words2)(((bytes16)(v - 0x20) >= 0x5f) | (v == '"') |
			       (v == '\\'));
		if (bad[0] != 0)
			return i + first_set(bad[0]);
		if (bad[1] != 0)
			return i + 8 + first_set(bad[1]);
	}
	while (i < len && plain(p[i]))
		i++;
	return i;
}

size_t json_plain_len(const char *text, size_t len)
{
	return plain_prefix((const unsigned char *)text, len);
}

/* The length of the valid UTF-8 sequence at P (at most END - P bytes
 * long), or 0 when P starts none: overlong forms, surrogates and code
 * points past U+10FFFF are invalid (RFC 3629). */
static size_t utf8_length(const unsigned char *p, const unsigned char *end)
{
	size_t avail = (size_t)(end - p);
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (avail < 2 || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (i >= avail || p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

/* U+FFFD, for each byte that starts no valid sequence. */
static const char replacement[3] = {(char)0xef, (char)0xbf, (char)0xbd};

size_t json_escaped_len(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	size_t out = len;

	while (p < end) {
		size_t n;

		p += plain_prefix(p, (size_t)(end - p));
		if (p == end)
			break;
		switch (byte_class(*p)) {
		case AS_IS:
			p++;
			break;
		case SHORT_ESCAPE:
			out += 1;
			p++;
			break;
		case LONG_ESCAPE:
			out += 5;
			p++;
			break;
		default:
			n = utf8_length(p, end);
			if (n == 0) {
				out += sizeof(replacement) - 1;
				n = 1;
			}
			p += n;
			break;
		}
	}
	return out;
}

char *json_escape(char *dest, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)text, *end = p + len;

	while (p < end) {
		const unsigned char *run = p;
		size_t n;

		/* Plain text is copied in runs, not byte by byte. */
		p += plain_prefix(p, (size_t)(end - p));
		memcpy(dest, run, (size_t)(p - run));
		dest += p - run;
		if (p == end)
			break;
		switch (byte_class(*p)) {
		case SHORT_ESCAPE:
			*dest++ = '\\';
			*dest++ = short_escape(*p++);
			break;
		case LONG_ESCAPE:
			memcpy(dest, "\\u00", 4);
			dest[4] = hex[*p >> 4];
			dest[5] = hex[*p & 0xf];
			dest += 6;
			p++;
			break;
		default:
			n = utf8_length(p, end);
			if (n == 0) {
				memcpy(dest, replacement, sizeof(replacement));
				dest += sizeof(replacement);
				p++;
			} else {
				memcpy(dest, p, n);
				dest += n;
				p += n;
			}
			break;
		}
	}
	return dest;
}

void json_time(struct json_clock *clock, char *buf)
{
	struct timespec now;
	unsigned int ms;

	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec != clock->second || clock->text[0] == '\0') {
		struct tm tm;

		gmtime_r(&now.tv_sec, &tm);
		strftime(clock->text, sizeof(clock->text), "%Y-%m-%dT%H:%M:%S",
			 &tm);
		clock->second = now.tv_sec;
	}
	ms = (unsigned int)(now.tv_nsec / 1000000);
	memcpy(buf, clock->text, JSON_TIME_LEN - 5);
	buf[JSON_TIME_LEN - 5] = '.';
	buf[JSON_TIME_LEN - 4] = (char)('0' + ms / 100);
	buf[JSON_TIME_LEN - 3] = (char)('0' + ms / 10 % 10);
	buf[JSON_TIME_LEN - 2] = (char)('0' + ms % 10);
	buf[JSON_TIME_LEN - 1] = 'Z';
}
