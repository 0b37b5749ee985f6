/* A minimal assertion helper for the unit tests: counts failures, prints
 * each with its line, and ends with the plain "N passed, N failed" line. */
#ifndef AIORUN_TEST_CHECK_H
#define AIORUN_TEST_CHECK_H

#include <stdio.h>

static int checks_passed, checks_failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (cond) {                                                    \
			checks_passed++;                                       \
		} else {                                                       \
			checks_failed++;                                       \
			fprintf(stderr, "%s:%d: failed: %s\n", __FILE__,       \
				__LINE__, #cond);                              \
		}                                                              \
	} while (0)

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", checks_passed, checks_failed);
	return checks_failed == 0 ? 0 : 1;
}

#endif
