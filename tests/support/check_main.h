#ifndef GATEHOUSE_CHECK_MAIN_H
#define GATEHOUSE_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/*
 * The main() of a Check program with one suite. CK_FORK stays at Check's
 * default (fork per test) so that a crash fails one test, not the run.
 */
#define CHECK_MAIN(make_suite)                                         \
	int main(void)                                                 \
	{                                                              \
		SRunner *runner = srunner_create(make_suite());        \
		srunner_run_all(runner, CK_NORMAL);                    \
		int failed = srunner_ntests_failed(runner);            \
		srunner_free(runner);                                  \
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;      \
	}

#endif
