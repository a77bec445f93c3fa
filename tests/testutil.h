/* testutil.h -- shared scaffolding for the check suites. */
#ifndef VARLB_TESTUTIL_H
#define VARLB_TESTUTIL_H
#include <check.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>
#include "varlb.h"

/* Run one suite with a generous per-test timeout (the CI has 2 slow cores). */
static inline int
run_suite (Suite *s)
{
  gsl_set_error_handler_off ();
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#define ADD_TEST(tc, fn) tcase_add_test ((tc), (fn))
#endif
