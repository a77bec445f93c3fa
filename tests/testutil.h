/* testutil.h -- shared scaffolding for the check suites: TEST_MAIN and
 * test_case build a suite; run_suite fails a run that checked nothing
 * (CK_RUN_CASE or CK_RUN_SUITE selecting no test) and turns a run with a
 * skipped part into automake's SKIP (77). */
#ifndef VARLB_TESTUTIL_H
#define VARLB_TESTUTIL_H
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include "varlb.h"

/* The exit status automake reads as SKIP. */
#define TEST_SKIP 77

/* Parts of a suite that cannot run here (a library this build lacks):
   test_skip says which and why, and run_suite then ends in SKIP, not PASS,
   unless a test failed.  Call before run_suite (from main or the body of
   TEST_MAIN), never inside a test: check runs each test in a child process. */
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
/* A table-driven test: FN once per row of the array TABLE (_i the row). */
#define ADD_TABLE_TEST(tc, fn, table) \
  tcase_add_loop_test ((tc), (fn), 0, (int) (sizeof (table) / sizeof *(table)))

/* The main of a test program, the same for every suite: it makes suite
   NAME, runs the block after the macro (which adds the cases to S, with
   test_case below, and may call test_skip), then runs the suite:
     TEST_MAIN ("npy", s)
     {
       TCase *tc = test_case (s, "core", 60);
       ADD_TEST (tc, ...);
     }  */
#define TEST_MAIN(name, s)                                                                 \
  static void test_main_cases (Suite *s);                                                   \
  int main (void)                                                                           \
  {                                                                                         \
    Suite *test_main_suite = suite_create (name);                                           \
    test_main_cases (test_main_suite);                                                      \
    return run_suite (test_main_suite);                                                     \
  }                                                                                         \
  static void test_main_cases (Suite *s)

/* A test case NAME added to suite S, each of its tests killed after
   TIMEOUT seconds (check's default of 4 s is too short on the CI).  Cases
   run in the order they are made. */
static inline TCase *
test_case (Suite *s, const char *name, double timeout)
{
  TCase *tc = tcase_create (name);
  tcase_set_timeout (tc, timeout);
  suite_add_tcase (s, tc);
  return tc;
}

/* The instance drawn from SEED into IN (asserted to build): the default
   parameters (the 256px preset, d = 64), or the pyramid SCHEDULE (a list
   such as "1,2,4") with key dimension D where SCHEDULE is not NULL; judged
   under KEY (VARLB_JUDGE_KEY_BYTES bytes; NULL: the open key). */
static inline void
test_instance_keyed (varlb_instance_t *in, const char *schedule, size_t d, uint64_t seed,
                     const unsigned char *key)
{
  varlb_params_t p;
  ck_assert_int_eq (varlb_params_init (&p), VARLB_OK);
  if (schedule)
    {
      varlb_pyramid_clear (&p.pyramid);
      ck_assert_int_eq (varlb_pyramid_init_parse (&p.pyramid, schedule), VARLB_OK);
      p.d = d;
    }
  p.seed = seed;
  if (key)
    memcpy (p.judge_key, key, VARLB_JUDGE_KEY_BYTES);
  ck_assert_int_eq (varlb_instance_init (in, &p), VARLB_OK);
  varlb_params_clear (&p);
}

/* The default instance drawn from SEED into IN (asserted to build). */
static inline void
test_instance (varlb_instance_t *in, uint64_t seed)
{
  test_instance_keyed (in, NULL, 0, seed, NULL);
}

/* The fraction of equal bits between two instances' secrets (exact count,
   one floating-point division). */
static inline double
test_agreement (const varlb_instance_t *a, const varlb_instance_t *b)
{
  mpz_t x;
  mpz_init (x);
  mpz_xor (x, a->x.x, b->x.x);
  double diff = (double) mpz_popcount (x);
  mpz_clear (x);
  return 1.0 - diff / (double) a->N;
}

/* The built-in single-head compressor NAME (asserted to be built in). */
static inline const varlb_compressor_t *
test_compressor (const char *name)
{
  const varlb_compressor_t *c = varlb_compressor_find (name);
  ck_assert_msg (c != NULL, "no compressor %s built in", name);
  return c;
}

/* KNOB_TEXT parsed into K (initialised here; asserted to parse) and, where
   CHECK, asserted valid for C's knob table.  A test that hands compress a
   knob out of range on purpose passes CHECK = 0. */
static inline void
test_knobs (varlb_knobs_t *k, const varlb_compressor_t *c, const char *knob_text, int check)
{
  char why[256];
  varlb_knobs_init (k);
  ck_assert_int_eq (varlb_knobs_parse (k, knob_text), VARLB_OK);
  if (check)
    ck_assert_msg (varlb_knobs_check (c, k, why, sizeof why) == VARLB_OK, "%s:%s: %s",
                   c->name, knob_text, why);
}

/* Compress K, V (the Alice tokens of IN, d columns each, under IN's public
   seed and pyramid) with C and KNOB_TEXT (test_knobs, CHECK as there) at
   BUDGET bits; returns compress's status, the blob in B (initialised here). */
static inline int
test_compress (varlb_blob_t *b, const varlb_compressor_t *c, const varlb_instance_t *in,
               const double *K, const double *V, double budget, const char *knob_text,
               int check)
{
  varlb_knobs_t k;
  test_knobs (&k, c, knob_text, check);
  varlb_blob_init (b);
  int st = c->compress (b, K, V, in->alice_tokens, in->d, in->d, budget, in->public_seed, &k,
                        &in->par.pyramid);
  varlb_knobs_clear (&k);
  return st;
}

/* The little-endian 32-bit word at P (the counts in blob headers). */
static inline uint32_t
test_le32 (const unsigned char *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* The tests named after TC, added to it in that order (a list reads as
   one, where ADD_TEST line after line repeats itself):
     ADD_TESTS (tc, knobs_parse, registry_names, specs_resolve);  */
#define ADD_TESTS(tc, ...)                                                                  \
  do                                                                                        \
    {                                                                                       \
      const TTest *add_tests_list[] = { __VA_ARGS__ };                                      \
      for (size_t add_tests_i = 0; add_tests_i < sizeof add_tests_list / sizeof *add_tests_list; \
           add_tests_i++)                                                                   \
        tcase_add_test ((tc), add_tests_list[add_tests_i]);                                 \
    }                                                                                       \
  while (0)

/* A suite whose tests share one default instance: TEST_FIXTURE_INSTANCE
   (in, SEED) declares IN and the fixture that draws it from SEED before
   each test of a case (test_case_drawn) and clears it after; check runs
   both in the test's own process, so a test that changes IN changes it
   for itself alone. */
#define TEST_FIXTURE_INSTANCE(var, seed)                                                     \
  static varlb_instance_t var;                                                               \
  static void test_fixture_draw (void) { test_instance (&(var), (seed)); }                  \
  static void test_fixture_clear (void) { varlb_instance_clear (&(var)); }

/* test_case, each test with the instance of TEST_FIXTURE_INSTANCE. */
#define test_case_drawn(s, name, timeout)                                                    \
  test_case_fixture (test_case ((s), (name), (timeout)), test_fixture_draw, test_fixture_clear)

static inline TCase *
test_case_fixture (TCase *tc, void (*setup) (void), void (*teardown) (void))
{
  tcase_add_checked_fixture (tc, setup, teardown);
  return tc;
}

/* NAME:KNOBS (asserted valid for its knob table) compresses K, V (T x d,
   T x dv) at BUDGET under the public seed SEED and pyramid PY into B
   (initialised here; asserted to succeed and to fit the budget), then,
   where M > 0, answers the M queries Q into O (m x dv), asserted to
   succeed. */
static inline void
test_run (varlb_blob_t *b, double *O, const char *name, const char *knobs, const double *K,
          const double *V, size_t T, size_t d, size_t dv, double budget, const double *Q,
          size_t m, const varlb_pyramid_t *py, uint64_t seed)
{
  const varlb_compressor_t *c = test_compressor (name);
  varlb_knobs_t k;
  test_knobs (&k, c, knobs, 1);
  varlb_blob_init (b);
  int st = c->compress (b, K, V, T, d, dv, budget, seed, &k, py);
  ck_assert_msg (st == VARLB_OK, "%s:%s compress returned %d", name, knobs, st);
  ck_assert_double_le (8.0 * (double) b->len, budget);
  if (m > 0)
    {
      st = c->answer (O, b->data, b->len, seed, Q, m, d, dv, &k, py);
      ck_assert_msg (st == VARLB_OK, "%s:%s answer returned %d", name, knobs, st);
    }
  varlb_knobs_clear (&k);
}

/* The queries of M Alice tokens 0, STRIDE, 2 STRIDE, ... of IN: their
   indices in *IDX, the queries in *Q and room for M answers in *O (all
   allocated here). */
static inline void
test_queries (size_t **idx, double **Q, double **O, const varlb_instance_t *in, size_t m,
              size_t stride)
{
  *idx = malloc (m * sizeof **idx);
  *Q = malloc (m * in->d * sizeof **Q);
  *O = malloc (m * in->d * sizeof **O);
  ck_assert (*idx && *Q && *O);
  for (size_t i = 0; i < m; i++)
    (*idx)[i] = i * stride;
  ck_assert_int_eq (varlb_instance_queries (*Q, in, *idx, m), VARLB_OK);
}

/* The largest error of NAME:KNOBS's answers at BUDGET against exact
   attention over IN's cache, on the queries of M tokens STRIDE apart
   (floating point). */
static inline double
test_attention_error (const varlb_instance_t *in, const char *name, const char *knobs,
                      double budget, size_t m, size_t stride)
{
  size_t n = in->alice_tokens, d = in->d, *idx;
  double *Q, *O, *ref = malloc (m * d * sizeof *ref), worst = 0.0;
  ck_assert (ref != NULL);
  test_queries (&idx, &Q, &O, in, m, stride);
  ck_assert_int_eq (varlb_attention (ref, Q, m, in->K, in->V, n, d, d, NULL, NULL, NULL), VARLB_OK);
  varlb_blob_t b;
  test_run (&b, O, name, knobs, in->K, in->V, n, d, d, budget, Q, m, &in->par.pyramid,
            in->public_seed);
  for (size_t i = 0; i < m * d; i++)
    worst = worst > fabs (O[i] - ref[i]) ? worst : fabs (O[i] - ref[i]);
  varlb_blob_clear (&b);
  free (idx), free (Q), free (O), free (ref);
  return worst;
}
#endif
