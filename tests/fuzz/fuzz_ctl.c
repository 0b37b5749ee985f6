/* A control socket request: one line, cut into words at blanks as aiorun
 * cuts it, then ctl_parse, which aiorunctl runs on its arguments too.
 * Accepted, the request says what its command may say, and its names are
 * words of the line; refused, one reason. */
#include <limits.h>
#include <signal.h>
#include <string.h>

#include "ctlproto.h"
#include "fuzz.h"
#include "parse.h"

#define WORDS_MAX (CTL_REQUEST_MAX / 2 + 1)

/* Whether TEXT is one of the COUNT WORDS, the very pointer. */
static int is_word(char *const *words, size_t count, const char *text)
{
	for (size_t i = 0; i < count; i++)
		if (words[i] == text)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[CTL_REQUEST_MAX + 1];
	static char *words[WORDS_MAX], *names[WORDS_MAX];
	struct ctl_request req;
	char err[256] = "";
	size_t count = 0, len = size < CTL_REQUEST_MAX ? size : CTL_REQUEST_MAX;

	memcpy(line, data, len);
	line[len] = '\0';
	for (char *word = strtok(line, " \t"); word != NULL;
	     word = strtok(NULL, " \t"))
		words[count++] = word;
	FUZZ_ASSERT(count <= WORDS_MAX);
	if (ctl_parse(&req, words, count, names, err, sizeof(err)) == -1) {
		FUZZ_ASSERT(err[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(req.command >= CTL_STATUS && req.command <= CTL_SHUTDOWN);
	FUZZ_ASSERT(strcmp(ctl_command_name(req.command), "") != 0);
	FUZZ_ASSERT(req.names == names && req.name_count < count);
	for (size_t i = 0; i < req.name_count; i++)
		FUZZ_ASSERT(is_word(words, count, names[i]) &&
			    names[i][0] != '\0');
	if (req.command == CTL_SIGNAL)
		FUZZ_ASSERT(req.signo >= 1 && req.signo < NSIG);
	if (req.command == CTL_LOGS)
		FUZZ_ASSERT(req.name_count == 1);
	if (req.command == CTL_RELOAD || req.command == CTL_SHUTDOWN)
		FUZZ_ASSERT(req.name_count == 0);
	if (req.all)
		FUZZ_ASSERT(req.name_count == 0);
	FUZZ_ASSERT(req.lines >= 0 && req.lines <= LONG_MAX);
	FUZZ_ASSERT(req.timeout == -1 ||
		    (req.timeout >= 0 && req.timeout <= DURATION_MAX));
	FUZZ_ASSERT(req.socket == NULL || is_word(words, count, req.socket));
	return 0;
}
