/* test_stats.c -- the Fano frontier against independently computed values
 * (Python float bisection on H2, recorded below), its certified direction
 * and monotonicity; Clopper-Pearson against closed forms and textbook
 * cases, with the exact (GMP) and GSL paths agreeing; verdicts. */
#include "testutil.h"
#include <math.h>
#include <gsl/gsl_cdf.h>

START_TEST (fano_ceiling_matches_independent_values)
{
  /* Reference p*: python3 with mpmath at 40 significant digits, 200
     bisection steps on H2(1 - p) = 1 - r, quoted to 25 digits (their
     error is far below a double's).  The tolerance 1e-12 is what a double
     bisection stopping at 2^-52 resolution deserves, with room to spare. */
  const double r[] = { 0.5, 0.25, 0.9, 0.01 };
  const double ref[] = { 0.8899721355616404487381883, 0.7854982551401712492901206,
                         0.9870131379444822146459396, 0.5588023887382459173007302 };
  for (int i = 0; i < 4; i++)
    {
      double p = varlb_fano_ceiling (r[i] * 1e6, 1e6);
      ck_assert_msg (fabs (p - ref[i]) < 1e-12, "r = %g: %.17g vs %.17g", r[i], p, ref[i]);
      /* Certified: never below the true p* (ref is p* rounded to a double,
         and the smallest double at or above p* is at least that). */
      ck_assert_msg (p >= ref[i], "r = %g: %.17g below p* %.17g", r[i], p, ref[i]);
      /* Certified upper bound: H2(1 - p) <= 1 - r (up to double rounding of H2). */
      ck_assert (varlb_h2 (1.0 - p) <= 1.0 - r[i] + 1e-15);
    }
  ck_assert_double_eq (varlb_fano_ceiling (0, 100), 0.5);
  ck_assert_double_eq (varlb_fano_ceiling (100, 100), 1.0);
  ck_assert_double_eq (varlb_fano_ceiling (1e9, 100), 1.0);
  ck_assert (isnan (varlb_fano_ceiling (1, 0)));
  ck_assert (isnan (varlb_fano_ceiling (-1, 10)));
}
END_TEST

START_TEST (fano_ceiling_is_monotone_and_above_trivial_line)
{
  double prev = 0.5;
  for (int b = 0; b <= 1000; b += 7)
    {
      double p = varlb_fano_ceiling (b, 1000);
      double t = varlb_trivial_accuracy (b, 1000);
      ck_assert_double_ge (p, prev);
      /* Storing B bits and guessing the rest is achievable, so it can never
         beat the information-theoretic ceiling. */
      ck_assert_double_ge (p + 1e-15, t);
      prev = p;
    }
  ck_assert_double_eq (varlb_trivial_accuracy (500, 1000), 0.75);
  ck_assert_double_eq (varlb_trivial_accuracy (5000, 1000), 1.0);
}
END_TEST

START_TEST (clopper_pearson_known_cases)
{
  double lo, hi;
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 0, 10, 0.95), VARLB_OK);
  ck_assert_double_eq (lo, 0.0);
  ck_assert_double_eq_tol (hi, 1.0 - pow (0.025, 0.1), 1e-12);
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 10, 10, 0.95), VARLB_OK);
  ck_assert_double_eq_tol (lo, pow (0.025, 0.1), 1e-12);
  ck_assert_double_eq (hi, 1.0);
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 5, 10, 0.95), VARLB_OK);
  ck_assert_double_eq_tol (lo, 0.18708602, 1e-7);
  ck_assert_double_eq_tol (hi, 0.81291398, 1e-7);
  /* n = 100: exact path; k = 0 has a closed form. */
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 0, 100, 0.95), VARLB_OK);
  ck_assert_double_eq_tol (hi, 1.0 - pow (0.025, 0.01), 1e-10);
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 50, 100, 0.95), VARLB_OK);
  ck_assert_double_eq_tol (lo, 0.39832, 1e-5);
  ck_assert_double_eq_tol (hi, 0.60168, 1e-5);
  /* n = 5000: the beta-quantile path; closed forms at k = 0 and k = n. */
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 0, 5000, 0.99), VARLB_OK);
  ck_assert_double_eq (lo, 0.0);
  ck_assert_double_eq_tol (hi, 1.0 - pow (0.005, 1.0 / 5000), 1e-12);
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 5000, 5000, 0.99), VARLB_OK);
  ck_assert_double_eq_tol (lo, pow (0.005, 1.0 / 5000), 1e-12);
  ck_assert_double_eq (hi, 1.0);
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 11, 10, 0.95), VARLB_EINVAL);
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 1, 0, 0.95), VARLB_EINVAL);
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, 1, 10, 1.0), VARLB_EINVAL);
}
END_TEST

START_TEST (clopper_pearson_exact_path_agrees_with_beta_quantiles)
{
  /* The exact binomial tails (n <= 200) and GSL's beta quantiles must
     agree: the interval endpoints are the same beta quantiles whatever the
     method.  n = 201 and 260 check the beta-quantile path the same way. */
  static const size_t ns[] = { 1, 8, 15, 22, 29, 36, 43, 50, 57, 120, 200, 201, 260 };
  for (size_t in = 0; in < sizeof ns / sizeof *ns; in++)
    for (size_t n = ns[in], k = 0; k <= n; k += n > 60 ? 7 : 1)
      {
        double lo, hi;
        ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, k, n, 0.9), VARLB_OK);
        double glo = k == 0 ? 0.0 : gsl_cdf_beta_Pinv (0.05, k, n - k + 1);
        double ghi = k == n ? 1.0 : gsl_cdf_beta_Qinv (0.05, k + 1, n - k);
        ck_assert_msg (fabs (lo - glo) < 1e-9 && fabs (hi - ghi) < 1e-9,
                       "k=%zu n=%zu: [%g,%g] vs [%g,%g]", k, n, lo, hi, glo, ghi);
        ck_assert (lo <= (double) k / n && (double) k / n <= hi);
      }
}
END_TEST

START_TEST (clopper_pearson_covers_at_least_its_level)
{
  /* Coverage at p = 0.3 over 600 binomial draws with n = 200 (exact path,
     the slower one) and 2000 with n = 400 (beta quantiles): at least 95%
     minus 3 standard errors of a proportion. */
  static const int ns[] = { 200, 400 }, draws[] = { 600, 2000 };
  for (int in = 0; in < 2; in++)
    {
      gsl_rng *r = varlb_rng_new (12, VARLB_STREAM_USER);
      int covered = 0, n = ns[in], m = draws[in];
      for (int it = 0; it < m; it++)
        {
          size_t k = 0;
          for (int j = 0; j < n; j++)
            k += gsl_rng_uniform (r) < 0.3;
          double lo, hi;
          ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, k, n, 0.95), VARLB_OK);
          covered += lo <= 0.3 && 0.3 <= hi;
        }
      gsl_rng_free (r);
      ck_assert_int_ge (covered, (int) (m * (0.95 - 3 * sqrt (0.05 * 0.95 / m))));
    }
}
END_TEST

START_TEST (verdicts_follow_the_bound)
{
  /* Perfect accuracy with a quarter of the bits is impossible. */
  ck_assert_str_eq (varlb_verdict (10000, 10000, 2500, 10000), VARLB_VERDICT_IMPOSSIBLE);
  /* Chance accuracy with a quarter of the bits is what the bound predicts. */
  ck_assert_str_eq (varlb_verdict (5000, 10000, 2500, 10000), VARLB_VERDICT_FAILS);
  ck_assert_str_eq (varlb_verdict (10000, 10000, 10000, 10000), VARLB_VERDICT_SUCCEEDS);
  ck_assert_str_eq (varlb_verdict (9000, 10000, 20000, 10000), VARLB_VERDICT_LOSSY);
  /* 10 of 10 bits right is not enough evidence against a 0.79 ceiling. */
  ck_assert_str_eq (varlb_verdict (10, 10, 2500, 10000), VARLB_VERDICT_FAILS);
  ck_assert_str_eq (varlb_verdict (0, 0, 1, 10), VARLB_VERDICT_ERROR);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("stats");
  TCase *tc = tcase_create ("core");
  tcase_set_timeout (tc, 300);
  ADD_TEST (tc, fano_ceiling_matches_independent_values);
  ADD_TEST (tc, fano_ceiling_is_monotone_and_above_trivial_line);
  ADD_TEST (tc, clopper_pearson_known_cases);
  ADD_TEST (tc, clopper_pearson_exact_path_agrees_with_beta_quantiles);
  ADD_TEST (tc, clopper_pearson_covers_at_least_its_level);
  ADD_TEST (tc, verdicts_follow_the_bound);
  suite_add_tcase (s, tc);
  return run_suite (s);
}
