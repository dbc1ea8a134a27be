/* Every unit test's main(): run the suite, exit 1 if anything failed. */
#ifndef XENLET_TEST_CHECK_RUN_H
#define XENLET_TEST_CHECK_RUN_H

#include <check.h>

static inline int check_run(Suite *s)
{
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}

#endif
