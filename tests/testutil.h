/* testutil.h -- shared scaffolding for the check suites: run_suite fails a
 * run that checked nothing (CK_RUN_CASE or CK_RUN_SUITE selecting no test)
 * and turns a run with a skipped part into automake's SKIP (77). */
#ifndef VARLB_TESTUTIL_H
#define VARLB_TESTUTIL_H
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>
#include "varlb.h"

/* The exit status automake reads as SKIP. */
#define TEST_SKIP 77

/* Parts of a suite that cannot run here (a library this build lacks):
   test_skip says which and why, and run_suite then ends in SKIP, not PASS,
   unless a test failed.  Call before run_suite (from main), never inside a
   test: check runs each test in a child process. */
static int test_skipped;

static inline void
test_skip (const char *what, const char *why)
{
  printf ("SKIP %s: %s\n", what, why);
  test_skipped++;
}

/* Run one suite with a generous per-test timeout (the CI has 2 slow cores).
   Exit status: failure when a test failed, or when no test ran and none
   was skipped (every check needs positive evidence: a run of zero tests
   shows nothing); SKIP when test_skip was called; success otherwise. */
static inline int
run_suite (Suite *s)
{
  gsl_set_error_handler_off ();
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int ran = srunner_ntests_run (sr), failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  if (failed > 0)
    return EXIT_FAILURE;
  if (ran == 0 && test_skipped == 0)
    {
      const char *c = getenv ("CK_RUN_CASE"), *u = getenv ("CK_RUN_SUITE");
      printf ("FAIL no test ran (CK_RUN_SUITE=%s, CK_RUN_CASE=%s select nothing?)\n",
              u ? u : "(unset)", c ? c : "(unset)");
      return EXIT_FAILURE;
    }
  if (test_skipped > 0)
    {
      printf ("%d test(s) ran and passed; %d part(s) skipped (above): SKIP\n", ran,
              test_skipped);
      return TEST_SKIP;
    }
  return EXIT_SUCCESS;
}

#define ADD_TEST(tc, fn) tcase_add_test ((tc), (fn))

/* The default instance drawn from SEED into IN (asserted to build). */
static inline void
test_instance (varlb_instance_t *in, uint64_t seed)
{
  varlb_params_t p;
  ck_assert_int_eq (varlb_params_init (&p), VARLB_OK);
  p.seed = seed;
  ck_assert_int_eq (varlb_instance_init (in, &p), VARLB_OK);
  varlb_params_clear (&p);
}

/* The built-in single-head compressor NAME (asserted to be built in). */
static inline const varlb_compressor_t *
test_compressor (const char *name)
{
  const varlb_compressor_t *c = varlb_compressor_find (name);
  ck_assert_msg (c != NULL, "no compressor %s built in", name);
  return c;
}
#endif
