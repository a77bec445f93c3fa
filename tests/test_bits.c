/* test_bits.c -- hidden bits and Bob's index distributions: reproducible
 * from the seed, roughly balanced, independent streams; Multi-Index draws
 * distinct indices. */
#include "testutil.h"
#include <math.h>

START_TEST (bits_are_reproducible_and_balanced)
{
  varlb_bits_t a, b;
  varlb_bits_init (&a, 1000, 64);
  varlb_bits_init (&b, 1000, 64);
  ck_assert_int_eq (varlb_bits_random (&a, 42), VARLB_OK);
  ck_assert_int_eq (varlb_bits_random (&b, 42), VARLB_OK);
  ck_assert (mpz_cmp (a.x, b.x) == 0);
  size_t ones = varlb_bits_popcount (&a);
  /* 64000 fair bits: 5 sigma = 632. */
  ck_assert_msg (fabs ((double) ones - 32000.0) < 632.0, "ones = %zu", ones);
  ck_assert_uint_le (mpz_sizeinbase (a.x, 2), 64000);
  ck_assert_int_eq (varlb_bits_random (&b, 43), VARLB_OK);
  ck_assert (mpz_cmp (a.x, b.x) != 0);
  varlb_bits_set (&b, 3, 5, 1);
  ck_assert_int_eq (varlb_bits_get (&b, 3, 5), 1);
  varlb_bits_set (&b, 3, 5, 0);
  ck_assert_int_eq (varlb_bits_get (&b, 3, 5), 0);
  varlb_bits_clear (&a);
  varlb_bits_clear (&b);
}
END_TEST

START_TEST (streams_are_independent)
{
  gsl_rng *r1 = varlb_rng_new (7, VARLB_STREAM_BITS);
  gsl_rng *r2 = varlb_rng_new (7, VARLB_STREAM_JL);
  gsl_rng *r3 = varlb_rng_new (7 + (UINT64_C (1) << 40), VARLB_STREAM_BITS);
  int same12 = 0, same13 = 0;
  for (int i = 0; i < 100; i++)
    {
      unsigned long a = gsl_rng_get (r1), b = gsl_rng_get (r2), c = gsl_rng_get (r3);
      same12 += a == b;
      same13 += a == c;
    }
  /* High seed bits matter (GSL's own generators would drop them). */
  ck_assert_int_lt (same12, 3);
  ck_assert_int_lt (same13, 3);
  gsl_rng_free (r1);
  gsl_rng_free (r2);
  gsl_rng_free (r3);
}
END_TEST

START_TEST (multi_index_draws_distinct_uniform_indices)
{
  gsl_rng *r = varlb_rng_new (5, VARLB_STREAM_BOB);
  size_t idx[100], counts[10] = { 0 };
  ck_assert_int_eq (varlb_multi_index_draw (idx, 100, 100, r), VARLB_OK);
  int seen[100] = { 0 };
  for (int i = 0; i < 100; i++)
    {
      ck_assert_uint_lt (idx[i], 100);
      ck_assert_int_eq (seen[idx[i]]++, 0);
    }
  ck_assert_int_eq (varlb_multi_index_draw (idx, 11, 10, r), VARLB_EINVAL);
  for (int i = 0; i < 20000; i++)
    counts[varlb_index_draw (r, 10)]++;
  for (int i = 0; i < 10; i++)
    ck_assert_msg (counts[i] > 1800 && counts[i] < 2200, "count[%d] = %zu", i, counts[i]);
  gsl_rng_free (r);
}
END_TEST

TEST_MAIN ("bits", s)
{
  TCase *tc = test_case (s, "core", 60);
  ADD_TEST (tc, bits_are_reproducible_and_balanced);
  ADD_TEST (tc, streams_are_independent);
  ADD_TEST (tc, multi_index_draws_distinct_uniform_indices);
}
