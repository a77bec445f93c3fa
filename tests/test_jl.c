/* test_jl.c -- JL families: scaling (E|k|^2 = 1 or exactly 1), the blocked
 * coherence agrees with a naive all-pairs scan, family names parse. */
#include "testutil.h"
#include <math.h>

static void
naive (const double *K, size_t n, size_t d, double *max_off, double *max_dev, double *min_gap)
{
  *max_off = 0;
  *max_dev = 0;
  *min_gap = INFINITY;
  for (size_t s = 0; s < n; s++)
    {
      double best = 0.0, self = 0;
      for (size_t j = 0; j < d; j++)
        self += K[s * d + j] * K[s * d + j];
      *max_dev = fmax (*max_dev, fabs (self - 1));
      for (size_t t = 0; t < n; t++)
        {
          if (t == s)
            continue;
          double v = 0;
          for (size_t j = 0; j < d; j++)
            v += K[s * d + j] * K[t * d + j];
          *max_off = fmax (*max_off, fabs (v));
          best = fmax (best, v);
        }
      *min_gap = fmin (*min_gap, self - best);
    }
}

START_TEST (blocked_coherence_matches_naive_scan)
{
  const size_t n = 300, d = 24;
  double *K = malloc (n * d * sizeof *K);
  for (int f = 0; f < 3; f++)
    for (int norm = 0; norm < 2; norm++)
      {
        gsl_rng *r = varlb_rng_new (11 + (uint64_t) f, VARLB_STREAM_JL);
        ck_assert_int_eq (varlb_jl_keys (K, n, d, f, norm, r), VARLB_OK);
        gsl_rng_free (r);
        varlb_coherence_t c;
        double off, dev, gap;
        ck_assert_int_eq (varlb_jl_coherence (&c, NULL, K, n, d, 1), VARLB_OK);
        naive (K, n, d, &off, &dev, &gap);
        ck_assert_double_eq_tol (c.max_offdiag, off, 1e-12);
        ck_assert_double_eq_tol (c.max_norm_dev, dev, 1e-12);
        ck_assert_double_eq_tol (c.min_gap, gap, 1e-12);
        ck_assert_double_eq (c.eps_emp, fmax (c.max_offdiag, c.max_norm_dev));
        ck_assert (c.gram_error > 0 && c.gram_error < 1e-12);
        if (norm == VARLB_JL_UNIT || f == VARLB_JL_RADEMACHER)
          ck_assert_double_le (c.max_norm_dev, 1e-12);
      }
  free (K);
}
END_TEST

START_TEST (scaled_keys_have_unit_norm_on_average)
{
  const size_t n = 2000, d = 64;
  double *K = malloc (n * d * sizeof *K);
  for (int f = 0; f < 3; f++)
    {
      gsl_rng *r = varlb_rng_new (3, VARLB_STREAM_JL);
      varlb_jl_keys (K, n, d, f, VARLB_JL_SCALED, r);
      gsl_rng_free (r);
      double sum = 0;
      for (size_t i = 0; i < n * d; i++)
        sum += K[i] * K[i];
      /* mean of n norms with sd <= sqrt(2/d)/sqrt(n) ~ 0.004 */
      ck_assert_msg (fabs (sum / (double) n - 1.0) < 0.03, "family %d mean |k|^2 = %g", f, sum / n);
    }
  free (K);
}
END_TEST

START_TEST (family_names_parse)
{
  varlb_jl_family f;
  varlb_jl_norm m;
  ck_assert_int_eq (varlb_jl_family_parse (&f, "rademacher"), VARLB_OK);
  ck_assert_int_eq (f, VARLB_JL_RADEMACHER);
  ck_assert_int_eq (varlb_jl_family_parse (&f, "sparse"), VARLB_OK);
  ck_assert_int_eq (f, VARLB_JL_ACHLIOPTAS);
  ck_assert_str_eq (varlb_jl_family_name (VARLB_JL_GAUSSIAN), "gaussian");
  ck_assert_int_eq (varlb_jl_family_parse (&f, "cauchy"), VARLB_EINVAL);
  ck_assert_int_eq (varlb_jl_norm_parse (&m, "unit"), VARLB_OK);
  ck_assert_int_eq (varlb_jl_norm_parse (&m, "other"), VARLB_EINVAL);
}
END_TEST

TEST_MAIN ("jl", s)
{
  TCase *tc = test_case (s, "core", 120);
  ADD_TEST (tc, blocked_coherence_matches_naive_scan);
  ADD_TEST (tc, scaled_keys_have_unit_norm_on_average);
  ADD_TEST (tc, family_names_parse);
}
