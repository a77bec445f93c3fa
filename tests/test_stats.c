/* test_stats.c -- the Fano frontier against independently computed values
 * (Python float bisection on H2, recorded below), its certified direction
 * and monotonicity; Clopper-Pearson against closed forms and textbook
 * cases, with the exact (GMP) and GSL paths agreeing; verdicts; the bits
 * the frontier needs (its inverse) and efficiency, in their safe direction. */
#include "testutil.h"
#include <math.h>
#include <string.h>
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

START_TEST (clopper_pearson_holds_at_whole_model_counts)
{
  /* A whole VAR-d16 at 256px tests N_total = 6946816 bits; GSL's
     incomplete beta fails to converge at shapes in the millions for about
     a third of the counts near the middle (3527907 among them: the
     pyramidkv trial of 16 x 16 heads at half the bits, seed 1, that ended
     in "numeric failure", tests/cli_newuser.sh).  Every count must give an interval, around k/n,
     of the width the normal approximation gives at this n, and the
     intervals must move up with k by about 1/n. */
  const size_t n = 6946816;
  double plo = 0, phi = 0;
  for (size_t k = 3527880; k <= 3527930; k++)
    {
      double lo, hi, p = (double) k / n, half = 2.5758293 * sqrt (p * (1 - p) / n);
      ck_assert_msg (varlb_clopper_pearson (&lo, &hi, k, n, 0.99) == VARLB_OK, "k=%zu", k);
      ck_assert_msg (lo < p && p < hi && fabs ((hi - lo) / (2 * half) - 1) < 1e-3,
                     "k=%zu: [%.12g, %.12g] around %.12g", k, lo, hi, p);
      if (k > 3527880)
        ck_assert_msg (fabs (lo - plo - 1.0 / n) < 0.1 / n && fabs (hi - phi - 1.0 / n) < 0.1 / n,
                       "k=%zu: steps %.3g %.3g", k, lo - plo, hi - phi);
      plo = lo, phi = hi;
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
  /* 10 of 10 bits right is above a 0.79 ceiling, but not enough evidence. */
  ck_assert_str_eq (varlb_verdict (10, 10, 2500, 10000), VARLB_VERDICT_ABOVE);
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

START_TEST (binary_entropy_is_in_bits)
{
  /* H2(1/2) = 1 bit exactly; H2(1/4) = 2 - (3/4) log2 3; symmetric. */
  ck_assert_double_eq (varlb_h2 (0.5), 1.0);
  ck_assert_double_eq_tol (varlb_h2 (0.25), 2.0 - 0.75 * log2 (3.0), 1e-15);
  ck_assert_double_eq_tol (varlb_h2 (0.9), varlb_h2 (0.1), 1e-15);
  ck_assert_double_eq (varlb_h2 (0.0), 0.0);
  ck_assert (isnan (varlb_h2 (1.5)));
}
END_TEST

START_TEST (full_instance_rule_never_flags_what_counting_allows)
{
  /* The full-instance verdict is valid for any compressor, correlated bits
     or not: wherever it says impossible, the counting bound
     2^B P[Bin(N, 1/2) >= k] (a B-bit blob decodes to at most 2^B strings)
     is at most alpha (tests/test_verdict.c checks it exactly).  Checked at the smallest flagged count k over a grid
     of N and B, the binomial tail summed in log space (lgamma). */
  const double Ns[] = { 40, 200, 1000, 27136 };
  for (int a = 0; a < 4; a++)
    for (double f = 0.05; f < 1.0; f += 0.15)
      {
        double N = Ns[a], B = floor (f * N);
        /* the smallest flagged k, by bisection (flags are monotone in k) */
        size_t lo = 0, k = (size_t) N;
        if (strcmp (varlb_verdict (k, (size_t) N, B, N), VARLB_VERDICT_IMPOSSIBLE) != 0)
          continue;
        while (k - lo > 1)
          {
            size_t mid = lo + (k - lo) / 2;
            if (strcmp (varlb_verdict (mid, (size_t) N, B, N), VARLB_VERDICT_IMPOSSIBLE) == 0)
              k = mid;
            else
              lo = mid;
          }
        /* log2 of 2^{B-N} sum_{j>=k} C(N,j), largest term first. */
        double mx = -INFINITY, sum = 0.0;
        for (size_t j = k; j <= (size_t) N; j++)
          {
            double l = lgamma (N + 1) - lgamma ((double) j + 1) - lgamma (N - (double) j + 1);
            if (l > mx)
              {
                sum = sum * exp (mx - l) + 1.0;
                mx = l;
              }
            else
              sum += exp (l - mx);
          }
        double log2_bound = (B - N) + (mx + log (sum)) / log (2.0);
        ck_assert_msg (log2_bound <= log2 (VARLB_VERDICT_ALPHA) + 1e-9,
                       "N = %g, B = %g, k = %zu: bound 2^%g", N, B, k, log2_bound);
      }
}
END_TEST

START_TEST (mean_interval_known_cases)
{
  double lo, hi;
  /* i.i.d., all S values 1: Hoeffding's KL bound gives (1 - level)/2 =
     mu^S, the same lower end as Clopper-Pearson for S of S. */
  for (size_t S = 1; S <= 5; S++)
    {
      ck_assert_int_eq (varlb_mean_interval (&lo, &hi, 1.0, S, 0, 0.95), VARLB_OK);
      ck_assert_double_eq_tol (lo, pow (0.025, 1.0 / S), 1e-12);
      ck_assert_double_eq (hi, 1.0);
    }
  /* Symmetric around 1/2; Serfling's finite-population factor narrows it:
     at m = N/2 the half-width is sqrt((1 - (m-1)/N) ln(40) / (2m)). */
  ck_assert_int_eq (varlb_mean_interval (&lo, &hi, 0.5, 200, 400, 0.95), VARLB_OK);
  ck_assert_double_eq_tol (0.5 - lo, hi - 0.5, 1e-12);
  ck_assert_double_eq_tol (hi - 0.5, sqrt ((1.0 - 199.0 / 400.0) * log (40.0) / 400.0), 1e-9);
  double lo2, hi2;
  ck_assert_int_eq (varlb_mean_interval (&lo2, &hi2, 0.5, 200, 0, 0.95), VARLB_OK);
  ck_assert_double_lt (hi - lo, hi2 - lo2);
  /* The whole population: the mean is known. */
  ck_assert_int_eq (varlb_mean_interval (&lo, &hi, 0.3, 7, 7, 0.95), VARLB_OK);
  ck_assert_double_eq (lo, 0.3);
  ck_assert_double_eq (hi, 0.3);
  ck_assert_int_eq (varlb_mean_interval (&lo, &hi, 0.3, 8, 7, 0.95), VARLB_EINVAL);
  ck_assert_int_eq (varlb_mean_interval (&lo, &hi, 1.3, 8, 0, 0.95), VARLB_EINVAL);
  ck_assert_double_eq (varlb_mean_tail (0.4, 10, 0, 0.5), 1.0);
  ck_assert_double_eq_tol (varlb_mean_tail (1.0, 10, 0, 0.5), pow (0.5, 10), 1e-15);
}
END_TEST

/* Population of N token accuracies: a fraction FRAC of tokens (a uniform
   subset) decoded perfectly, the rest with d coin-flip bits each. */
static void
honest_population (double *y, size_t N, size_t d, double frac, gsl_rng *r)
{
  for (size_t i = 0; i < N; i++)
    {
      size_t c = 0;
      if (gsl_rng_uniform (r) < frac)
        c = d;
      else
        for (size_t j = 0; j < d; j++)
          c += gsl_rng_uniform (r) < 0.5;
      y[i] = (double) c;
    }
}

START_TEST (sampled_verdict_false_alarms_at_most_alpha_honest_hash_scheme)
{
  /* The honest exec compressor: a 20-bit key hash plus the value
     bits of half the 424 tokens (256px, d = 64): 17840 bits charged against
     N = 27136 (ceiling 0.936; accuracy about 0.75).  Bob samples 4 tokens.
     Over 2000 instances the bit-level Clopper-Pearson verdict (varlb_verdict
     over 256 bits) calls the honest scheme impossible whenever the 4 tokens
     are all kept (1/16 of the time); the token-level test must stay at or
     below its level 0.01. */
  const size_t n = 424, d = 64, m = 4, runs = 2000;
  const double B = 17840, N = (double) (n * d);
  double y[424];
  size_t idx[4], old_flags = 0, new_flags = 0;
  gsl_rng *r = varlb_rng_new (2024, VARLB_STREAM_USER);
  for (size_t it = 0; it < runs; it++)
    {
      honest_population (y, n, d, 0.5, r);
      ck_assert_int_eq (varlb_multi_index_draw (idx, m, n, r), VARLB_OK);
      size_t correct = 0;
      for (size_t k = 0; k < m; k++)
        correct += (size_t) y[idx[k]];
      old_flags += strcmp (varlb_verdict (correct, m * d, B, N), VARLB_VERDICT_IMPOSSIBLE) == 0;
      varlb_judgement_t j;
      ck_assert_int_eq (varlb_judge (&j, correct, m, n, d, B, B), VARLB_OK);
      ck_assert (j.sampled);
      ck_assert (j.ci_low <= j.accuracy && j.accuracy <= j.ci_high);
      new_flags += strcmp (j.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
    }
  gsl_rng_free (r);
  /* 1/16 = 0.0625 expected for the old rule (standard error 0.0054). */
  ck_assert_msg (old_flags > 0.04 * runs, "bit-level rule flagged %zu of %zu", old_flags, runs);
  ck_assert_msg (new_flags <= VARLB_VERDICT_ALPHA * runs, "token-level test flagged %zu of %zu",
                 new_flags, runs);
}
END_TEST

/* Bob samples M of the N tokens of POP (correct bits per token, d each):
   is the trial judged impossible at B bits? */
static int
sample_flagged (const size_t *pop, size_t *idx, size_t m, size_t n, size_t d, double B,
                gsl_rng *r)
{
  ck_assert_int_eq (varlb_multi_index_draw (idx, m, n, r), VARLB_OK);
  size_t correct = 0;
  for (size_t k = 0; k < m; k++)
    correct += pop[idx[k]];
  varlb_judgement_t j;
  ck_assert_int_eq (varlb_judge (&j, correct, m, n, d, B, B), VARLB_OK);
  return strcmp (j.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
}

START_TEST (sampled_verdict_at_most_alpha_at_the_least_favourable_population)
{
  /* The hardest honest case for the token-level test: a two-point
     population (tokens all right or at chance) whose accuracy sits exactly
     at the critical level p_c, sampled half at a time, where the test has
     real power (below).  False alarms over 1500 samples: at most 1%
     (+ 3 standard errors). */
  const size_t n = 2000, d = 16, m = 1000, runs = 1500;
  const double N = (double) (n * d), B = 0.3 * N;
  double p_c = varlb_fano_ceiling (B + log2 (1.0 / (VARLB_VERDICT_ALPHA / 10)), N);
  size_t ones = (size_t) floor ((p_c - 0.5) / 0.5 * n); /* (ones + (n-ones)/2) / n <= p_c */
  size_t *pop = malloc (n * sizeof *pop), *idx = malloc (m * sizeof *idx), flags = 0;
  for (size_t i = 0; i < n; i++)
    pop[i] = i < ones ? d : d / 2;
  gsl_rng *r = varlb_rng_new (77, VARLB_STREAM_USER);
  for (size_t it = 0; it < runs; it++)
    flags += sample_flagged (pop, idx, m, n, d, B, r);
  ck_assert_msg (flags <= runs * (VARLB_VERDICT_ALPHA + 3 * sqrt (0.01 * 0.99 / runs)),
                 "flagged %zu of %zu", flags, runs);
  /* Power: a side channel worth 0.06 more accuracy is flagged every time. */
  for (size_t i = 0; i < n; i++)
    pop[i] = i < ones + (size_t) (0.12 * n) ? d : d / 2;
  for (size_t it = 0; it < 50; it++)
    ck_assert (sample_flagged (pop, idx, m, n, d, B, r));
  gsl_rng_free (r);
  free (pop);
  free (idx);
}
END_TEST

START_TEST (sampled_verdict_counting_ceiling_has_its_allowance)
{
  /* The sampled test compares the token mean with p_c, the Fano ceiling of
     B + log2(1/(ALPHA/10)) bits (a B-bit blob's 2^B strings): an accuracy
     above the ceiling of B bits but not above p_c is never evidence, p = 1
     exactly, however many tokens were asked: above the ceiling, not
     significant. */
  const size_t n = 100, d = 10;
  const double N = (double) (n * d), B = 500;
  double p0 = varlb_fano_ceiling (B, N);
  double pc = varlb_fano_ceiling (B + log2 (1.0 / (VARLB_VERDICT_ALPHA / 10)), N);
  ck_assert_double_gt (pc - p0, 0.003);
  size_t m = n - 1, correct = (size_t) ceil (0.5 * (p0 + pc) * (double) (m * d));
  double acc = (double) correct / (double) (m * d);
  ck_assert (acc > p0 && acc < pc);
  varlb_judgement_t j;
  ck_assert_int_eq (varlb_judge (&j, correct, m, n, d, B, B), VARLB_OK);
  ck_assert_double_eq (j.p_value, 1.0);
  ck_assert_str_eq (j.verdict, VARLB_VERDICT_ABOVE);
  /* Well above p_c with 99 of 100 tokens: flagged. */
  ck_assert_int_eq (varlb_judge (&j, m * d, m, n, d, B, B), VARLB_OK);
  ck_assert_str_eq (j.verdict, VARLB_VERDICT_IMPOSSIBLE);
  ck_assert_double_le (j.p_value, VARLB_VERDICT_ALPHA);
}
END_TEST

TEST_MAIN ("stats", s)
{
  TCase *tc = test_case (s, "core", 300);
  ADD_TEST (tc, fano_ceiling_matches_independent_values);
  ADD_TEST (tc, fano_ceiling_is_monotone_and_above_trivial_line);
  ADD_TEST (tc, clopper_pearson_known_cases);
  ADD_TEST (tc, clopper_pearson_exact_path_agrees_with_beta_quantiles);
  ADD_TEST (tc, clopper_pearson_covers_at_least_its_level);
  ADD_TEST (tc, clopper_pearson_holds_at_whole_model_counts);
  ADD_TEST (tc, verdicts_follow_the_bound);
  ADD_TEST (tc, fano_bits_needed_matches_independent_values);
  ADD_TEST (tc, fano_bits_needed_never_exceeds_the_exact_value);
  ADD_TEST (tc, efficiency_is_bits_needed_over_bits_charged_rounded_down);
  ADD_TEST (tc, binary_entropy_is_in_bits);
  ADD_TEST (tc, full_instance_rule_never_flags_what_counting_allows);
  ADD_TEST (tc, mean_interval_known_cases);
  ADD_TEST (tc, sampled_verdict_false_alarms_at_most_alpha_honest_hash_scheme);
  ADD_TEST (tc, sampled_verdict_at_most_alpha_at_the_least_favourable_population);
  ADD_TEST (tc, sampled_verdict_counting_ceiling_has_its_allowance);
}
