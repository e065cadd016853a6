/* suites.h - every CUnit suite of the unit test program */
#ifndef TCPS_TEST_SUITES_H
#define TCPS_TEST_SUITES_H

#include <CUnit/CUnit.h>

/* Each adds one suite to the registry; returns 0 on success. */
int suite_cursor(void);
int suite_decode(void);
int suite_frag(void);
int suite_flowtab(void);
int suite_engine(void);
int suite_tcpsm(void);
int suite_paths(void);
int suite_stream(void);
int suite_source(void);
int suite_source_fast(void);
int suite_source_live(void);   /* more of suite "source": live capture, devices, privileges */
int suite_report_thread(void);
int suite_report_text(void);

/* Adds the given tests to suite name (made when new) ({name, fn} pairs ending in {NULL, NULL}). */
int add_suite(const char *name, const CU_TestInfo *tests);

#endif
