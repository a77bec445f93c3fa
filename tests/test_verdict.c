/* test_verdict.c -- src/verdict.c and src/mac.c against independent
 * computations: the counting tail against exact GMP sums (never below, at
 * most 1e-14 above) and the issue's figures; the verdict's boundary where
 * the exact tail crosses alpha; the bits judged keeping the level over
 * every blob length a half could write (an exact union bound), where
 * judging at the bits charged alone does not; pooled trials; the judge's
 * checks of its counts and its strata; Holm by hand and at scale; the row
 * MAC against Python's hashlib. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <gmp.h>
#include <mpfr.h>

/* S = sum_{j >= k} C(n, j), exactly. */
static void
exact_tail_sum (mpz_t S, size_t k, size_t n)
{
  mpz_t c;
  mpz_init (c);
  mpz_set_ui (S, 0);
  mpz_bin_uiui (c, n, k);
  for (size_t j = k; j <= n; j++)
    {
      mpz_add (S, S, c);
      mpz_mul_ui (c, c, n - j);
      mpz_divexact_ui (c, c, j + 1);
    }
  mpz_clear (c);
}

/* 2^B S / 2^n as a double rounded to nearest (B an integer). */
static double
exact_tail (size_t k, size_t n, long B)
{
  mpz_t S;
  mpfr_t x;
  mpz_init (S);
  mpfr_init2 (x, 200);
  exact_tail_sum (S, k, n);
  mpfr_set_z (x, S, MPFR_RNDN);
  mpfr_mul_2si (x, x, B - (long) n, MPFR_RNDN);
  double p = mpfr_get_d (x, MPFR_RNDN);
  mpfr_clear (x);
  mpz_clear (S);
  return p;
}

START_TEST (counting_tail_bounds_the_exact_sum_from_above_within_1e14)
{
  /* Exact: GMP sums of binomial coefficients.  The certified tail must
     never be below them and may exceed them only by its rounding and the
     2^-64 geometric remainder. */
  const size_t ns[] = { 40, 1000, 27136 };
  const long Bs[] = { 0, 8, 13, 40 };
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 4; b++)
      for (double z = 1.0; z <= 9.0; z += 2.0)
        {
          size_t n = ns[a], k = n / 2 + 2 + (size_t) (z * sqrt ((double) n) / 2.0);
          if (k > n)
            continue;
          double want = fmin (1.0, exact_tail (k, n, Bs[b])), got = varlb_counting_tail (k, n, (double) Bs[b]);
          ck_assert_msg (got >= want && got <= want * (1.0 + 1e-14),
                         "n %zu k %zu B %ld: %.17g vs exact %.17g", n, k, Bs[b], got, want);
        }
  /* Every count of a small instance, the whole range. */
  for (size_t k = 0; k <= 40; k++)
    {
      double want = fmin (1.0, exact_tail (k, 40, 3)), got = varlb_counting_tail (k, 40, 3);
      ck_assert_msg (got >= want, "k %zu: %.17g below %.17g", k, got, want);
      ck_assert_msg (k <= 21 || got <= want * (1.0 + 1e-14), "k %zu: %.17g vs %.17g", k, got, want);
    }
  ck_assert (isnan (varlb_counting_tail (41, 40, 3)));
  ck_assert (isnan (varlb_counting_tail (1, 0, 3)));
  ck_assert (isnan (varlb_counting_tail (30, 40, -1)));
  ck_assert_double_eq (varlb_counting_tail (40, 40, 40), 1.0);
}
END_TEST

START_TEST (counting_tail_gives_the_issues_figures)
{
  /* The default instance: N = 27136 bits, 13 bits judged, ceiling 0.5129.
     One row at the ceiling + 0.002: 0.0040; + 0.004: 1.1e-4; + 0.001:
     0.020; eight such rows pooled: 2.7e-7 (the counts rounded up once,
     over 8 N). */
  const size_t N = 27136;
  double c = varlb_fano_ceiling (13, (double) N);
  ck_assert_double_eq_tol (c, 0.5129, 5e-5);
  const double m[] = { 0.001, 0.002, 0.004 }, want[] = { 0.0198, 0.00394, 1.06e-4 };
  for (int i = 0; i < 3; i++)
    {
      double p = varlb_counting_tail ((size_t) ceil ((c + m[i]) * N), N, 13);
      ck_assert_msg (fabs (p - want[i]) < 0.01 * want[i], "+%g: %g, want %g", m[i], p, want[i]);
    }
  double p8 = varlb_counting_tail ((size_t) ceil ((c + 0.001) * 8 * N), 8 * N, 8 * 13);
  ck_assert_msg (p8 > 2.6e-7 && p8 < 2.8e-7, "pooled: %g", p8);
}
END_TEST

START_TEST (counting_tail_is_fast_and_right_at_millions_of_bits)
{
  /* N = 10^7 and 10^9 bits (whole models are larger than one head): the
     tail at 4 standard deviations against the log-space sum of lgammal
     terms (long double: about 1e-8 relative at 10^9). */
  const size_t ns[] = { 10000000, 1000000000 };
  for (int a = 0; a < 2; a++)
    {
      size_t n = ns[a], k = n / 2 + (size_t) (2.0 * sqrt ((double) n));
      long double mx = -INFINITY, sum = 0.0L;
      for (size_t j = k; j <= n && j < k + (size_t) (20 * sqrt ((double) n)); j++)
        {
          long double l = lgammal ((long double) n + 1) - lgammal ((long double) j + 1)
                          - lgammal ((long double) (n - j) + 1);
          if (l > mx)
            sum = sum * expl (mx - l) + 1.0L, mx = l;
          else
            sum += expl (l - mx);
        }
      double want = (double) expl (mx + logl (sum) + (10.0L - (long double) n) * logl (2.0L));
      double got = varlb_counting_tail (k, n, 10);
      ck_assert_msg (fabs (got - want) < 1e-6 * want, "n %zu: %.17g vs %.17g", n, got, want);
    }
}
END_TEST

START_TEST (verdict_level_is_alpha_at_the_exact_boundary)
{
  /* N = 10000 bits, a quarter charged: "impossible" exactly from the
     smallest k with 2^2500 sum_{j>=k} C(N,j) <= 0.01 2^N, found with GMP
     integers (100 2^B S_k <= 2^N).  At level 0.02 the flip would come
     earlier; at the binomial relaxation (Clopper-Pearson at p*) much later. */
  const size_t N = 10000;
  const long B = 2500;
  mpz_t S, lhs, rhs;
  mpz_inits (S, lhs, rhs, (mpz_ptr) 0);
  mpz_ui_pow_ui (rhs, 2, N);
  size_t kstar = 0;
  for (size_t k = 7800; k <= N && !kstar; k++)
    {
      exact_tail_sum (S, k, N);
      mpz_mul_2exp (lhs, S, (mp_bitcnt_t) B);
      mpz_mul_ui (lhs, lhs, 100);
      if (mpz_cmp (lhs, rhs) <= 0)
        kstar = k;
    }
  mpz_clears (S, lhs, rhs, (mpz_ptr) 0);
  ck_assert_uint_gt (kstar, 7800);
  ck_assert_str_eq (varlb_verdict (kstar - 1, N, (double) B, (double) N), VARLB_VERDICT_ABOVE);
  ck_assert_str_eq (varlb_verdict (kstar, N, (double) B, (double) N), VARLB_VERDICT_IMPOSSIBLE);
  varlb_judgement_t j;
  ck_assert_int_eq (varlb_judge (&j, kstar - 1, 100, 100, 100, B, B), VARLB_OK);
  ck_assert_str_eq (j.verdict, VARLB_VERDICT_ABOVE);
  ck_assert_double_gt (j.p_value, VARLB_VERDICT_ALPHA);
  ck_assert_int_eq (varlb_judge (&j, kstar, 100, 100, 100, B, B), VARLB_OK);
  ck_assert_str_eq (j.verdict, VARLB_VERDICT_IMPOSSIBLE);
  ck_assert_double_le (j.p_value, VARLB_VERDICT_ALPHA);
  /* The old rule's boundary (99% Clopper-Pearson lower end above p*) is
     later: the counting tail flags what it missed. */
  double lo, hi;
  ck_assert_int_eq (varlb_clopper_pearson (&lo, &hi, kstar, N, 0.99), VARLB_OK);
  ck_assert_double_lt (lo, varlb_fano_ceiling (B, N));
  /* Side-channel bits raise the bits judged. */
  ck_assert_int_eq (varlb_judge (&j, kstar, 100, 100, 100, B, B + 100), VARLB_OK);
  ck_assert_str_ne (j.verdict, VARLB_VERDICT_IMPOSSIBLE);
  /* Below the ceiling: fails as the bound predicts. */
  ck_assert_int_eq (varlb_judge (&j, 7000, 100, 100, 100, B, B), VARLB_OK);
  ck_assert_str_eq (j.verdict, VARLB_VERDICT_FAILS);
}
END_TEST

/* The smallest count flagged for a trial judged at BITS (N + 1: none). */
static size_t
first_flagged (size_t n, double bits)
{
  size_t lo = n / 2, hi = n + 1;
  while (hi - lo > 1)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (varlb_counting_tail (mid, n, bits) <= VARLB_VERDICT_ALPHA)
        hi = mid;
      else
        lo = mid;
    }
  return hi;
}

/* 2^N alpha^-1 P[false flag] bound: sum over lengths L = 0..MAXLEN of
   256^L S_{k_L} (exact integers), k_L flagged for a blob of L bytes judged
   at JUDGED (L). */
static int
union_within_level (size_t n, size_t maxlen, double (*judged) (size_t, void *), void *arg)
{
  mpz_t sum, S, rhs;
  mpz_inits (sum, S, rhs, (mpz_ptr) 0);
  for (size_t L = 0; L <= maxlen; L++)
    {
      size_t k = first_flagged (n, judged (L, arg));
      if (k > n)
        continue;
      exact_tail_sum (S, k, n);
      mpz_mul_2exp (S, S, (mp_bitcnt_t) (8 * L));
      mpz_add (sum, sum, S);
    }
  mpz_mul_ui (sum, sum, 100); /* alpha = 1/100 */
  mpz_ui_pow_ui (rhs, 2, n);
  int ok = mpz_cmp (sum, rhs) <= 0;
  mpz_clears (sum, S, rhs, (mpz_ptr) 0);
  return ok;
}

static double
judged_rule (size_t L, void *arg)
{
  const double *budget_maxlen = arg;
  return varlb_bits_judged (8.0 * (double) L, budget_maxlen[0], 0.0,
                            varlb_length_bits ((unsigned long long) budget_maxlen[1]));
}

static double
judged_charged (size_t L, void *arg)
{
  (void) arg;
  return 8.0 * (double) L;
}

START_TEST (bits_judged_keep_the_level_over_every_blob_length)
{
  /* A compressor may choose its blob's length from the data.  Whatever it
     does, P[some blob b it could write decodes within the flagged count]
     <= sum over every blob b of P[Bin(N,1/2) >= k_b] = 2^-N sum over
     lengths L of 256^L S_{k_L}: at most alpha under varlb_bits_judged
     (budgets of 3, 5, 12 bytes, blobs of up to 40 bytes, N = 200 and 400
     bits), above alpha when each length is judged at its own bits alone. */
  const size_t ns[] = { 200, 400 };
  const double budgets[] = { 24, 40, 96 };
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      {
        double arg[2] = { budgets[b], 40 };
        ck_assert_msg (union_within_level (ns[a], 40, judged_rule, arg), "N %zu, budget %g",
                       ns[a], budgets[b]);
      }
  ck_assert (!union_within_level (200, 40, judged_charged, NULL));
  /* The rule's values. */
  ck_assert_double_eq_tol (varlb_bits_judged (8, 8, 5, 27), 13.0284, 1e-12);
  ck_assert_double_eq_tol (varlb_bits_judged (0, 13, 0, 27), 8.0284, 1e-12);
  ck_assert_double_eq_tol (varlb_bits_judged (16, 8, 5, 27), 54, 1e-12);
  ck_assert (isnan (varlb_bits_judged (-1, 8, 5, 27)));
  ck_assert_double_eq (varlb_length_bits (0), 0);
  ck_assert_double_eq (varlb_length_bits (1), 1);
  ck_assert_double_eq (varlb_length_bits (2), 2);
  ck_assert_double_eq (varlb_length_bits (3), 2);
  ck_assert_double_eq (varlb_length_bits (4), 3);
  ck_assert_double_eq (varlb_length_bits ((1ULL << 26) - 1), 26);
  ck_assert_double_eq (varlb_length_bits (1ULL << 26), 27);
}
END_TEST

START_TEST (pooled_trials_are_one_trial_on_the_concatenation)
{
  /* Eight rows at the ceiling + 0.001 (13 bits judged each): each alone
     p = 0.02, together the counting tail over 8 N at 8 x 13 bits. */
  const size_t N = 27136, d = 64;
  double c = varlb_fano_ceiling (13, (double) N);
  size_t k = (size_t) ceil ((c + 0.001) * N);
  varlb_counts_t rows[8];
  for (int i = 0; i < 8; i++)
    rows[i] = (varlb_counts_t) { k, 1, N / d, N / d, d, 8, 13 };
  varlb_judgement_t j, one;
  ck_assert_int_eq (varlb_judge (&one, k, N / d, N / d, d, 8, 13), VARLB_OK);
  ck_assert_str_eq (one.verdict, VARLB_VERDICT_ABOVE);
  ck_assert_int_eq (varlb_judge_pooled (&j, rows, 8), VARLB_OK);
  ck_assert_str_eq (j.verdict, VARLB_VERDICT_IMPOSSIBLE);
  ck_assert_double_eq (j.p_value, varlb_counting_tail (8 * k, 8 * N, 8 * 13));
  ck_assert_double_lt (j.p_value, 3e-7);
  /* A sample of tokens pools as strata of one design; mixed designs do not. */
  varlb_counts_t s[2] = { { 100, 1, 10, 424, 64, 8, 13 }, { 120, 1, 10, 424, 64, 8, 13 } };
  ck_assert_int_eq (varlb_judge_pooled (&j, s, 2), VARLB_OK);
  varlb_judgement_t js;
  ck_assert_int_eq (varlb_judge_strata (&js, 220, 2, 10, 424, 64, 16, 26), VARLB_OK);
  ck_assert (memcmp (&j, &js, sizeof j) == 0);
  s[1].r = 11;
  ck_assert_int_eq (varlb_judge_pooled (&j, s, 2), VARLB_EINVAL);
  ck_assert_int_eq (varlb_judge_pooled (&j, s, 0), VARLB_EINVAL);
}
END_TEST

START_TEST (holm_at_scale_matches_the_step_down_by_hand)
{
  /* 5000 p-values with ties, sorted by qsort inside: the rejections are
     those of the step-down written out over a sorted copy. */
  enum { n = 5000 };
  static double p[n], q[n];
  static unsigned char rej[n];
  unsigned long s = 12345;
  for (int i = 0; i < n; i++)
    {
      s = s * 6364136223846793005UL + 1442695040888963407UL;
      p[i] = (double) ((s >> 33) % 1000) * 1e-8; /* ties, and values near alpha / n */
      q[i] = p[i];
    }
  ck_assert_int_eq (varlb_holm (rej, p, n, 0.01), VARLB_OK);
  /* Sort q and count the step-down's rejections. */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && q[j] < q[j - 1]; j--)
      {
        double t = q[j];
        q[j] = q[j - 1];
        q[j - 1] = t;
      }
  int want = 0;
  while (want < n && q[want] <= 0.01 / (double) (n - want))
    want++;
  int got = 0;
  for (int i = 0; i < n; i++)
    got += rej[i];
  ck_assert_int_eq (got, want);
  ck_assert_int_gt (want, 0);
  ck_assert_int_lt (want, n);
}
END_TEST

START_TEST (row_mac_matches_an_independent_blake2b)
{
  /* Python: k = bytes(range(1, 33)); sub = blake2b(b"varlb/v1/row-mac-key",
     digest_size=32, key=k); blake2b(b"varlb/v1/row-mac\0" + pack("<Q", 5)
     + b"a,b,c" + b'"x",1,2', digest_size=16, key=sub).hexdigest(). */
  unsigned char key[VARLB_JUDGE_KEY_BYTES];
  for (int i = 0; i < VARLB_JUDGE_KEY_BYTES; i++)
    key[i] = (unsigned char) (i + 1);
  char mac[VARLB_ROW_MAC_HEX + 1], other[VARLB_ROW_MAC_HEX + 1];
  varlb_row_mac (mac, key, "a,b,c", 5, "\"x\",1,2", 7);
  ck_assert_str_eq (mac, "4df8df5b3190d3d4b45bee42fc8ce54c");
  /* The split between header and row is signed too. */
  varlb_row_mac (other, key, "a,b,c\"", 6, "x\",1,2", 6);
  ck_assert_str_ne (mac, other);
  key[0] ^= 1;
  varlb_row_mac (other, key, "a,b,c", 5, "\"x\",1,2", 7);
  ck_assert_str_ne (mac, other);
}
END_TEST

/* ------------------------------------- the judge and Holm (verdict.c) */

START_TEST (judge_rejects_inconsistent_counts)
{
  varlb_judgement_t j;
  ck_assert_int_eq (varlb_judge (&j, 65, 1, 10, 64, 10, 10), VARLB_EINVAL); /* > m d */
  ck_assert_int_eq (varlb_judge (&j, 1, 11, 10, 64, 10, 10), VARLB_EINVAL); /* m > n */
  ck_assert_int_eq (varlb_judge (&j, 1, 0, 10, 64, 10, 10), VARLB_EINVAL);
  ck_assert_int_eq (varlb_judge (&j, 1, 1, 10, 0, 10, 10), VARLB_EINVAL);
  ck_assert_int_eq (varlb_judge (&j, 1, 1, 10, 64, 10, 9), VARLB_EINVAL); /* judged < charged */
  ck_assert_int_eq (varlb_judge (&j, 1, 1, 10, 64, NAN, 10), VARLB_EINVAL);
  ck_assert_str_eq (j.verdict, VARLB_VERDICT_ERROR);
  /* Budget at or above N: succeeds / loses bits, sampled or not. */
  ck_assert_int_eq (varlb_judge (&j, 128, 2, 10, 64, 640, 640), VARLB_OK);
  ck_assert_str_eq (j.verdict, VARLB_VERDICT_SUCCEEDS);
  ck_assert_int_eq (varlb_judge (&j, 127, 2, 10, 64, 640, 640), VARLB_OK);
  ck_assert_str_eq (j.verdict, VARLB_VERDICT_LOSSY);
}
END_TEST

/* varlb_judge_strata (a whole model: one stratum per head).  Properties:
   one stratum is varlb_judge; every token of every stratum asked is the
   full-instance rule on the pooled counts; a sample's p-value is ALPHA/10
   plus the smaller of Hoeffding's exp(-M D(acc || p_c)) and Serfling's
   exp(-2 M t^2 / rho) with a stratum's rho = 1 - (R-1)/A (recomputed here
   from the formulas), never below the pooled-sample one. */
START_TEST (judge_strata_is_judge_per_stratum_and_pools_conservatively)
{
  static const size_t grid[][5] = { /* strata, r, a, d, correct fraction x 100 */
    { 4, 3, 14, 8, 100 }, { 4, 14, 14, 8, 100 }, { 2, 100, 120, 16, 97 }, { 6, 50, 51, 4, 90 },
    { 3, 1, 40, 64, 100 }, { 8, 30, 30, 16, 60 }, { 5, 199, 200, 8, 99 }
  };
  for (size_t g = 0; g < sizeof grid / sizeof grid[0]; g++)
    {
      size_t S = grid[g][0], r = grid[g][1], a = grid[g][2], d = grid[g][3];
      size_t m = S * r, n = S * a, tested = m * d, correct = tested * grid[g][4] / 100;
      double N = (double) (n * d);
      for (double f = 0.05; f < 1.2; f += 0.15)
        {
          double B = floor (f * N), J = B + 5;
          varlb_judgement_t js, jp, j1, k1;
          ck_assert_int_eq (varlb_judge_strata (&js, correct, S, r, a, d, B, J), VARLB_OK);
          ck_assert_int_eq (varlb_judge (&jp, correct, m, n, d, B, J), VARLB_OK);
          ck_assert_int_eq (varlb_judge_strata (&j1, correct / S, 1, r, a, d, B / S, J / S),
                            VARLB_OK);
          ck_assert_int_eq (varlb_judge (&k1, correct / S, r, a, d, B / S, J / S), VARLB_OK);
          ck_assert (memcmp (&j1, &k1, sizeof j1) == 0);
          ck_assert_int_eq (js.sampled, r < a);
          ck_assert_uint_eq (js.tokens, m);
          if (r == a)
            {
              ck_assert (memcmp (&js, &jp, sizeof js) == 0);
              continue;
            }
          double acc = (double) correct / (double) tested;
          double pc = varlb_fano_ceiling (J + log2 (1.0 / (VARLB_VERDICT_ALPHA / 10)), N);
          double want = 1.0;
          if (acc > pc)
            {
              double kl = acc * log (acc / pc)
                          + (acc < 1 ? (1 - acc) * log ((1 - acc) / (1 - pc)) : 0.0);
              double rho = 1.0 - (double) (r - 1) / (double) a, t = acc - pc;
              want = fmin (1.0, VARLB_VERDICT_ALPHA / 10
                                + fmin (exp (-(double) m * kl), exp (-2.0 * m * t * t / rho)));
            }
          ck_assert_msg (fabs (js.p_value - want) <= 1e-12 * want,
                         "grid %zu f %.2f: p %.17g, want %.17g", g, f, js.p_value, want);
          ck_assert_double_ge (js.p_value, jp.p_value);
          ck_assert_str_eq (js.verdict, js.p_value <= VARLB_VERDICT_ALPHA
                                        ? VARLB_VERDICT_IMPOSSIBLE
                                        : acc > js.fano_judged ? VARLB_VERDICT_ABOVE
                                        : js.verdict_by_budget);
          ck_assert_double_le (js.ci_low, acc);
          ck_assert_double_ge (js.ci_high, acc);
        }
    }
  varlb_judgement_t j;
  ck_assert_int_eq (varlb_judge_strata (&j, 1, 0, 1, 10, 8, 1, 1), VARLB_EINVAL);
  ck_assert_int_eq (varlb_judge_strata (&j, 1, 2, 11, 10, 8, 1, 1), VARLB_EINVAL);
  ck_assert_int_eq (varlb_judge_strata (&j, 2 * 3 * 8 + 1, 2, 3, 10, 8, 1, 1), VARLB_EINVAL);
}
END_TEST

START_TEST (holm_steps_down_at_alpha_over_the_remaining_count)
{
  /* Sorted: 0.001 <= 0.05/4, 0.013 <= 0.05/3, then 0.04 > 0.05/2 stops. */
  const double p[] = { 0.001, 0.04, 0.013, 0.3, NAN };
  unsigned char rej[5];
  ck_assert_int_eq (varlb_holm (rej, p, 4, 0.05), VARLB_OK);
  ck_assert (rej[0] && !rej[1] && rej[2] && !rej[3]);
  /* One more hypothesis: 0.013 > 0.05/4 now, so only the first survives. */
  ck_assert_int_eq (varlb_holm (rej, p, 5, 0.05), VARLB_OK);
  ck_assert (rej[0] && !rej[1] && !rej[2] && !rej[3] && !rej[4]);
  ck_assert_int_eq (varlb_holm (rej, p, 5, 0.0), VARLB_EINVAL);
  /* Step-down stops at the first non-rejection: the largest, 0.045, is
     within its own threshold 0.05/1, but 0.04 > 0.05/2 before it stopped
     the procedure, so it stands (a `continue` for the stop rejects it). */
  const double q[] = { 0.045, 0.001, 0.04, 0.013 };
  ck_assert_int_eq (varlb_holm (rej, q, 4, 0.05), VARLB_OK);
  ck_assert (!rej[0] && rej[1] && !rej[2] && rej[3]);
}
END_TEST

TEST_MAIN ("verdict", s)
{
  TCase *tc = test_case (s, "core", 300);
  ADD_TEST (tc, counting_tail_bounds_the_exact_sum_from_above_within_1e14);
  ADD_TEST (tc, counting_tail_gives_the_issues_figures);
  ADD_TEST (tc, counting_tail_is_fast_and_right_at_millions_of_bits);
  ADD_TEST (tc, verdict_level_is_alpha_at_the_exact_boundary);
  ADD_TEST (tc, bits_judged_keep_the_level_over_every_blob_length);
  ADD_TEST (tc, pooled_trials_are_one_trial_on_the_concatenation);
  ADD_TEST (tc, holm_at_scale_matches_the_step_down_by_hand);
  ADD_TEST (tc, judge_rejects_inconsistent_counts);
  ADD_TEST (tc, judge_strata_is_judge_per_stratum_and_pools_conservatively);
  ADD_TEST (tc, holm_steps_down_at_alpha_over_the_remaining_count);
  ADD_TEST (tc, row_mac_matches_an_independent_blake2b);
}
