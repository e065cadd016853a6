/* test_main.c - runs every unit suite; exit status 0 only if all pass */
#include <stdbool.h>
#include <stdio.h>
#include <CUnit/Basic.h>
#include "suites.h"

int add_suite(const char *name, const CU_TestInfo *tests)
{
	/* A suite may be filled from several files. */
	CU_pSuite s = CU_get_suite(name);
	if (!s)
		s = CU_add_suite(name, NULL, NULL);
	if (!s)
		return -1;
	for (const CU_TestInfo *t = tests; t->pName; t++)
		if (!CU_add_test(s, t->pName, t->pTestFunc))
			return -1;
	return 0;
}

/* unit_tests [SUITE...]: every suite, or only those named. */
int main(int argc, char **argv)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (suite_cursor() || suite_decode() || suite_frag() || suite_flowtab() || suite_engine() ||
	    suite_tcpsm() || suite_paths() || suite_stream() ||
	    suite_source() || suite_source_fast() || suite_source_live() || suite_report_thread() || suite_report_text()) {
		fprintf(stderr, "cannot register the suites: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	/* CUnit counts the last run only: each suite's counts are added up here. */
	unsigned failed = 0, run = 0;
	if (argc == 1) {
		CU_basic_run_tests();
		failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
		run = CU_get_number_of_tests_run();
	}
	for (int i = 1; i < argc; i++) {
		CU_pSuite s = CU_get_suite(argv[i]);
		if (!s) {
			fprintf(stderr, "no suite named %s\n", argv[i]);
			CU_cleanup_registry();
			return 2;
		}
		CU_basic_run_suite(s);
		failed += CU_get_number_of_failures() + CU_get_number_of_tests_failed();
		run += CU_get_number_of_tests_run();
	}
	CU_cleanup_registry();
	return failed || run == 0 ? 1 : 0;
}
