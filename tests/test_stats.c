/* test_stats.c -- the Fano frontier against independently computed values
 * (Python float bisection on H2, recorded below), its certified direction
 * and monotonicity; Clopper-Pearson against closed forms and textbook
 * cases, with the exact (GMP) and GSL paths agreeing; verdicts; the bits
 * the frontier needs (its inverse) and efficiency, in their safe direction. */
#include "testutil.h"
#include <math.h>
#include <gsl/gsl_cdf.h>
#include <mpfr.h>

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

START_TEST (fano_bits_needed_matches_independent_values)
{
  /* Reference N (1 - H2(1 - p)) at N = 1e6: python3 with mpmath at 40
     digits, from the same doubles p, quoted to 25 digits. */
  const double p[] = { 0.53, 0.75, 0.9, 0.99, 0.999999 };
  const double ref[] = { 2598.411432260438816936219, 188721.8755408671360903042,
                         531004.4064107188491328851, 919206.8641040887682946188,
                         999978.6257371105614779416 };
  for (int i = 0; i < 5; i++)
    {
      double b = varlb_fano_bits_needed (p[i], 1e6);
      ck_assert_msg (fabs (b - ref[i]) <= 1e-12 * ref[i], "p = %g: %.17g vs %.17g", p[i], b,
                     ref[i]);
    }
  /* It inverts the ceiling: the bits needed for p*(B) are B (p* is
     rounded up by at most 2^-52, which moves the bits by far less than
     1e-6 relative here). */
  const double r[] = { 0.01, 0.1, 0.25, 0.5, 0.75, 0.9 };
  for (int i = 0; i < 6; i++)
    {
      double b = varlb_fano_bits_needed (varlb_fano_ceiling (r[i] * 27136, 27136), 27136);
      ck_assert_msg (fabs (b - r[i] * 27136) < 1e-6 * 27136, "B/N = %g: %.17g", r[i], b / 27136);
    }
  ck_assert_double_eq (varlb_fano_bits_needed (0.5, 1000), 0.0);
  ck_assert_double_eq (varlb_fano_bits_needed (0.3, 1000), 0.0); /* below chance: free */
  ck_assert_double_eq (varlb_fano_bits_needed (0.0, 1000), 0.0);
  ck_assert_double_eq (varlb_fano_bits_needed (1.0, 1000), 1000.0);
  ck_assert (isnan (varlb_fano_bits_needed (1.0 + 1e-9, 1000)));
  ck_assert (isnan (varlb_fano_bits_needed (-0.1, 1000)));
  ck_assert (isnan (varlb_fano_bits_needed (NAN, 1000)));
  ck_assert (isnan (varlb_fano_bits_needed (0.9, 0)));
}
END_TEST

START_TEST (fano_bits_needed_never_exceeds_the_exact_value)
{
  /* The safe direction: against N (1 - H2(1 - p)) at 1024 bits (its
     error ~2^-1000, far below a double's spacing), the certified value
     is never above and within 4 ulps below, at 400 random p in (1/2, 1)
     and N up to 2^30; a flipped rounding would land above about half the
     time.  The bits grow with p. */
  gsl_rng *r = varlb_rng_new (20261123, VARLB_STREAM_USER);
  mpfr_t q, a, b, h;
  mpfr_inits2 (1024, q, a, b, h, (mpfr_ptr) 0);
  double prev = 0.0;
  for (int i = 0; i < 400; i++)
    {
      double p = 0.5 + 0.5 * (i + gsl_rng_uniform (r)) / 400.0;
      double N = ldexp (1.0 + gsl_rng_uniform_int (r, 1000), (int) gsl_rng_uniform_int (r, 20));
      double got = varlb_fano_bits_needed (p, N);
      mpfr_set_d (q, p, MPFR_RNDN);
      mpfr_ui_sub (q, 1, q, MPFR_RNDN);
      mpfr_log2 (a, q, MPFR_RNDN);
      mpfr_mul (a, a, q, MPFR_RNDN);
      mpfr_ui_sub (b, 1, q, MPFR_RNDN);
      mpfr_log2 (h, b, MPFR_RNDN);
      mpfr_mul (h, h, b, MPFR_RNDN);
      mpfr_add (h, h, a, MPFR_RNDN);   /* -H2(q) */
      mpfr_add_ui (h, h, 1, MPFR_RNDN);
      mpfr_mul_d (h, h, N, MPFR_RNDN); /* N (1 - H2(q)) */
      ck_assert_msg (mpfr_cmp_d (h, got) >= 0, "p = %.17g, N = %g: %.17g above the exact value",
                     p, N, got);
      double exact = mpfr_get_d (h, MPFR_RNDN);
      ck_assert_msg (exact - got <= 4 * (nextafter (exact, INFINITY) - exact),
                     "p = %.17g: %.17g far below %.17g", p, got, exact);
      double unit = varlb_fano_bits_needed (p, 1.0);
      ck_assert_double_ge (unit, prev);
      prev = unit;
    }
  mpfr_clears (q, a, b, h, (mpfr_ptr) 0);
  gsl_rng_free (r);
}
END_TEST

START_TEST (efficiency_is_bits_needed_over_bits_charged_rounded_down)
{
  /* The example: kivi at 0.25 N reaching 0.530 is ~1.04% efficient
     (python: (1 - H2(0.47)) / 0.25 = 0.010393645729041445). */
  double e = varlb_efficiency (0.53, 0.25 * 27136, 27136);
  ck_assert_msg (fabs (e - 0.010393645729041445) < 1e-12, "%.17g", e);
  /* On the frontier, efficiency 1; the trivial line at B = N/2 (0.75)
     needs 1 - H2(1/4) = 0.18872 N: 37.7%. */
  e = varlb_efficiency (varlb_fano_ceiling (13568, 27136), 13568, 27136);
  ck_assert_msg (fabs (e - 1.0) < 1e-9, "%.17g", e);
  e = varlb_efficiency (0.75, 500, 1000);
  ck_assert_msg (fabs (e - 0.3774437510817343) < 1e-12, "%.17g", e);
  /* Never above the exact quotient of the certified bits (a rounding to
     nearest lands above it about half the time), and within an ulp. */
  mpfr_t x;
  mpfr_init2 (x, 256);
  for (int i = 1; i < 100; i++)
    {
      double p = 0.5 + i / 200.0, charged = 1000.0 + 37.0 * i;
      double need = varlb_fano_bits_needed (p, 27136), eff = varlb_efficiency (p, charged, 27136);
      mpfr_set_d (x, need, MPFR_RNDN);
      mpfr_div_d (x, x, charged, MPFR_RNDN);
      ck_assert_msg (mpfr_cmp_d (x, eff) >= 0, "p = %g: efficiency %.17g above the quotient", p,
                     eff);
      ck_assert_double_ge (eff, need / charged * (1 - 1e-15));
    }
  mpfr_clear (x);
  ck_assert_double_eq (varlb_efficiency (0.5, 100, 1000), 0.0);
  ck_assert (isnan (varlb_efficiency (0.9, 0, 1000)));
  ck_assert (isnan (varlb_efficiency (0.9, -1, 1000)));
  ck_assert (isnan (varlb_efficiency (1.5, 100, 1000)));
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
  ADD_TEST (tc, fano_bits_needed_matches_independent_values);
  ADD_TEST (tc, fano_bits_needed_never_exceeds_the_exact_value);
  ADD_TEST (tc, efficiency_is_bits_needed_over_bits_charged_rounded_down);
  suite_add_tcase (s, tc);
  return run_suite (s);
}
