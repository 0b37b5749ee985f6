/* Unit tests for the JSON string encoder (SPEC section 12): escapes,
 * invalid UTF-8 as U+FFFD, and plain text at every offset of the
 * sixteen-byte scan. */
#include <string.h>

#include "check.h"
#include "json.h"

/* TEXT (LEN bytes) escaped equals WANT, and its length was foretold. */
static int escapes_to(const char *text, size_t len, const char *want)
{
	char out[1024];
	size_t n = json_escaped_len(text, len);
	char *end = json_escape(out, text, len);

	return (size_t)(end - out) == n && n == strlen(want) &&
	       memcmp(out, want, n) == 0;
}

#define ESCAPES(text, want) CHECK(escapes_to(text, sizeof(text) - 1, want))

static void test_escapes(void)
{
	ESCAPES("plain", "plain");
	ESCAPES("", "");
	ESCAPES("tab\there", "tab\\there");
	ESCAPES("a \"quote\" and \\", "a \\\"quote\\\" and \\\\");
	ESCAPES("\b\f\n\r", "\\b\\f\\n\\r");
	ESCAPES("\x1b[31m", "\\u001b[31m");
	ESCAPES("\x01\x1f\x7f", "\\u0001\\u001f\\u007f");
	ESCAPES("nul\0byte", "nul\\u0000byte");
}

static void test_utf8(void)
{
	/* Valid sequences pass as they are. */
	ESCAPES("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* A lone continuation byte, a byte that never starts one. */
	ESCAPES("a\x80z", "a\xef\xbf\xbdz");
	ESCAPES("\xff", "\xef\xbf\xbd");
	/* Overlong, a surrogate, past U+10FFFF: each byte replaced. */
	ESCAPES("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	ESCAPES("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	ESCAPES("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
				    "\xef\xbf\xbd");
	/* Cut short by the end of the line. */
	ESCAPES("end\xe2\x82", "end\xef\xbf\xbd\xef\xbf\xbd");
}

/* One byte that needs an escape, at each place of a long plain line: the
 * sixteen-byte scan must stop for it wherever it is. */
static void test_every_offset(void)
{
	char text[80], want[96];

	for (size_t at = 0; at < sizeof(text); at++) {
		memset(text, 'x', sizeof(text));
		text[at] = '"';
		memcpy(want, text, at);
		want[at] = '\\';
		memcpy(want + at + 1, text + at, sizeof(text) - at);
		want[sizeof(text) + 1] = '\0';
		CHECK(escapes_to(text, sizeof(text), want));
	}
}

/* json_plain_len stops at the first byte of each kind that needs more,
 * wherever it is, and a second one later does not move it. */
static void test_plain_len(void)
{
	static const char stops[] = {
		'\n', '"', '\\', 0x00, 0x01, 0x1f, 0x7f, (char)0x80, (char)0xff,
	};
	char text[100];

	CHECK(json_plain_len("", 0) == 0);
	for (size_t k = 0; k < sizeof(stops); k++) {
		for (size_t at = 0; at < sizeof(text); at++) {
			memset(text, 'x', sizeof(text));
			text[at] = stops[k];
			if (at + 9 < sizeof(text))
				text[at + 9] = '"';
			CHECK(json_plain_len(text, sizeof(text)) == at);
			CHECK(json_plain_len(text, at) == at);
		}
	}
	/* Every printable ASCII byte but the two is plain. */
	for (size_t at = 0; at < sizeof(text); at++) {
		char c = (char)(0x20 + at % 0x5f);

		text[at] = c == '"' || c == '\\' ? 'x' : c;
	}
	CHECK(json_plain_len(text, sizeof(text)) == sizeof(text));
}

static void test_time(void)
{
	struct json_clock clock = {0};
	char buf[JSON_TIME_LEN + 1] = {0};

	json_time(&clock, buf);
	CHECK(strlen(buf) == JSON_TIME_LEN);
	CHECK(buf[4] == '-' && buf[7] == '-' && buf[10] == 'T');
	CHECK(buf[13] == ':' && buf[16] == ':' && buf[19] == '.');
	CHECK(buf[23] == 'Z');
}

int main(void)
{
	test_escapes();
	test_utf8();
	test_every_offset();
	test_plain_len();
	test_time();
	return check_summary();
}
