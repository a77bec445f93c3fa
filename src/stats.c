/* stats.c -- the statistics of a trial: binary entropy, the Fano frontier
 * (the best mean accuracy B charged bits allow on N uniform bits), the
 * trivial achievable line, the bits the frontier needs for an accuracy and
 * a result's efficiency against it, Clopper-Pearson intervals (the verdict
 * itself is src/verdict.c's).
 * Fano: proofs/achievability.md; proofs/verdicts.md. */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gmp.h>
#include <mpfr.h>
#include <gsl/gsl_cdf.h>
#include "varlb.h"

double
varlb_h2 (double p)
{
  if (!(p > 0.0 && p < 1.0))
    return p == 0.0 || p == 1.0 ? 0.0 : NAN;
  return -p * log2 (p) - (1.0 - p) * log2 (1.0 - p);
}

/* H2(q) enclosed in [lo, hi] with directed rounding, for 0 < q < 1.
   -q log2 q = q * (-log2 q): the upper bound uses log2 rounded down (more
   negative, so -log2 larger) and products and sums rounded up. */
static void
h2_enclose (mpfr_t lo, mpfr_t hi, const mpfr_t q, mpfr_prec_t prec)
{
  mpfr_t a, l, r;
  mpfr_inits2 (prec, a, l, r, (mpfr_ptr) 0);
  mpfr_set_ui (lo, 0, MPFR_RNDN);
  mpfr_set_ui (hi, 0, MPFR_RNDN);
  for (int side = 0; side < 2; side++)
    {
      /* side 0: the term in q; side 1: the term in 1 - q. */
      if (side == 0)
        mpfr_set (a, q, MPFR_RNDN);
      else
        mpfr_ui_sub (a, 1, q, MPFR_RNDN); /* exact at prec >= 2 * 53 */
      mpfr_log2 (l, a, MPFR_RNDD);        /* log2 a, rounded down */
      mpfr_neg (l, l, MPFR_RNDN);         /* -log2 a, now an upper bound */
      mpfr_mul (r, a, l, MPFR_RNDU);
      mpfr_add (hi, hi, r, MPFR_RNDU);
      mpfr_log2 (l, a, MPFR_RNDU);
      mpfr_neg (l, l, MPFR_RNDN);         /* a lower bound of -log2 a */
      mpfr_mul (r, a, l, MPFR_RNDD);
      mpfr_add (lo, lo, r, MPFR_RNDD);
    }
  mpfr_clears (a, l, r, (mpfr_ptr) 0);
}

/* Bisection on p in [1/2, 1]: H2(1 - p) falls from 1 to 0, and p < p*
   exactly when H2(1 - p) > 1 - B/N.  lo moves only when p < p* is proved,
   hi only when p >= p* is proved, so hi stays a certified upper bound. */
double
varlb_fano_ceiling (double bits, double N)
{
  if (!(N > 0.0) || !(bits >= 0.0) || isnan (bits))
    return NAN;
  if (bits >= N)
    return 1.0;
  if (bits == 0.0)
    return 0.5;
  const mpfr_prec_t prec = 160;
  mpfr_t t_lo, t_hi, p, q, h_lo, h_hi;
  mpfr_inits2 (prec, t_lo, t_hi, p, q, h_lo, h_hi, (mpfr_ptr) 0);
  /* t = 1 - B/N enclosed. */
  mpfr_set_d (t_lo, bits, MPFR_RNDN);
  mpfr_div_d (t_lo, t_lo, N, MPFR_RNDU);
  mpfr_ui_sub (t_lo, 1, t_lo, MPFR_RNDD);
  mpfr_set_d (t_hi, bits, MPFR_RNDN);
  mpfr_div_d (t_hi, t_hi, N, MPFR_RNDD);
  mpfr_ui_sub (t_hi, 1, t_hi, MPFR_RNDU);
  /* -1: proved x < p*; +1: proved x >= p*; 0: undecidable at PREC. */
#define FANO_SIDE(x)                                                     \
  (mpfr_set_d (p, (x), MPFR_RNDN), mpfr_ui_sub (q, 1, p, MPFR_RNDN),     \
   h2_enclose (h_lo, h_hi, q, prec),                                     \
   mpfr_cmp (h_lo, t_hi) > 0 ? -1 : mpfr_cmp (h_hi, t_lo) <= 0 ? 1 : 0)
  double lo = 0.5, hi = 1.0;
  /* Shortcut: a double-precision bisection finds p* roughly; the dyadic
     bracket of width 2^-39 around it is where the certified bisection
     from [1/2, 1] would be after 38 steps.  When MPFR proves both ends,
     start there: the same steps follow, so the result is identical, in a
     quarter of the MPFR evaluations. */
  double r = 1.0 - bits / N, a = 0.5, b = 1.0;
  for (int it = 0; it < 60; it++)
    {
      double mid = 0.5 * (a + b);
      if (varlb_h2 (1.0 - mid) > r)
        a = mid;
      else
        b = mid;
    }
  double k = floor ((a - 0.5) * 0x1p39);
  if (k >= 0.0 && k < 0x1p38)
    {
      double l = 0.5 + k * 0x1p-39, h = 0.5 + (k + 1.0) * 0x1p-39;
      if (FANO_SIDE (l) < 0 && FANO_SIDE (h) > 0)
        lo = l, hi = h;
    }
  for (int it = 0; it < 200 && hi - lo > 0x1p-52; it++)
    {
      double mid = 0.5 * (lo + hi);
      int side = FANO_SIDE (mid);
      if (side < 0)
        lo = mid;                        /* proved mid < p* */
      else if (side > 0)
        hi = mid;                        /* proved mid >= p* */
      else
        break;                           /* undecidable here: keep hi */
    }
#undef FANO_SIDE
  mpfr_clears (t_lo, t_hi, p, q, h_lo, h_hi, (mpfr_ptr) 0);
  return hi;
}

/* N (1 - H2(1 - p)) with H2 enclosed and every step rounded down: a
   lower bound on the exact value, so needed / charged is never overstated. */
double
varlb_fano_bits_needed (double accuracy, double N)
{
  if (!(N > 0.0) || !(accuracy >= 0.0 && accuracy <= 1.0))
    return NAN;
  if (accuracy <= 0.5)
    return 0.0;
  if (accuracy == 1.0)
    return N;
  const mpfr_prec_t prec = 160;
  mpfr_t q, h_lo, h_hi;
  mpfr_inits2 (prec, q, h_lo, h_hi, (mpfr_ptr) 0);
  mpfr_set_d (q, accuracy, MPFR_RNDN);
  mpfr_ui_sub (q, 1, q, MPFR_RNDN); /* exact: 1 - p needs at most 54 bits */
  h2_enclose (h_lo, h_hi, q, prec);
  mpfr_ui_sub (h_hi, 1, h_hi, MPFR_RNDD); /* 1 - H2, rounded down */
  mpfr_mul_d (h_hi, h_hi, N, MPFR_RNDD);
  double bits = mpfr_get_d (h_hi, MPFR_RNDD);
  mpfr_clears (q, h_lo, h_hi, (mpfr_ptr) 0);
  return bits > 0.0 ? bits : 0.0;
}

double
varlb_efficiency (double accuracy, double bits_charged, double N)
{
  double needed = varlb_fano_bits_needed (accuracy, N);
  if (isnan (needed) || !(bits_charged > 0.0) || isinf (bits_charged))
    return NAN;
  /* One rounding, down, straight to a double's 53 bits. */
  mpfr_t e;
  mpfr_init2 (e, 53);
  mpfr_set_d (e, needed, MPFR_RNDN); /* exact: a double */
  mpfr_div_d (e, e, bits_charged, MPFR_RNDD);
  double eff = mpfr_get_d (e, MPFR_RNDN); /* exact */
  mpfr_clear (e);
  return eff;
}

double
varlb_trivial_accuracy (double bits, double N)
{
  if (!(N > 0.0) || !(bits >= 0.0))
    return NAN;
  return bits >= N ? 1.0 : 0.5 + bits / (2.0 * N);
}

/* Compare P[X >= k] for X ~ Binomial(n, p) with TARGET, exactly: p is a
   double, so p = a / 2^e with integers a, e, and
     P[X >= k] = sum_{j >= k} C(n,j) a^j b^(n-j) / 2^(e n),   b = 2^e - a;
   the sum is an integer, accumulated by Horner's rule in GMP (each step
   multiplies by a one-limb number or by a binomial coefficient, so a tail
   costs O(n^2) limb operations), and compared with TARGET * 2^(e n), also
   an integer up to a power of two.  Returns the sign of tail - target. */
static int
binom_tail_cmp (size_t k, size_t n, double p, double target)
{
  if (k == 0)
    return 1 > target ? 1 : 1 < target ? -1 : 0;
  if (p <= 0.0)
    return 0 > target ? 1 : 0 < target ? -1 : 0;
  if (p >= 1.0)
    return 1 > target ? 1 : 1 < target ? -1 : 0;
  int ex, tx;
  double m = frexp (p, &ex), tm = frexp (target, &tx);
  mpz_t a, b, acc, apow, u, t, T;
  mpz_inits (a, b, acc, apow, u, t, T, (mpz_ptr) 0);
  mpz_set_d (a, ldexp (m, 53));   /* p = a / 2^e exactly */
  unsigned long e = (unsigned long) (53 - ex);
  mpz_ui_pow_ui (b, 2, e);
  mpz_sub (b, b, a);
  /* Horner over j = k..n: acc = sum_{i=k}^{j} C(n,i) a^(i-k) b^(j-i). */
  mpz_bin_uiui (u, n, k);
  mpz_set (acc, u);
  mpz_set_ui (apow, 1);
  for (size_t j = k + 1; j <= n; j++)
    {
      mpz_mul (apow, apow, a);
      mpz_mul_ui (u, u, n - j + 1);
      mpz_divexact_ui (u, u, j);   /* u = C(n, j) */
      mpz_mul (acc, acc, b);
      mpz_mul (t, u, apow);
      mpz_add (acc, acc, t);
    }
  /* sum = a^k * acc; compare with target * 2^(e n) = Tm * 2^(e n + tx - 53). */
  mpz_pow_ui (t, a, k);
  mpz_mul (acc, acc, t);
  mpz_set_d (T, ldexp (tm, 53));
  long shift = (long) (e * n) + tx - 53;
  if (shift >= 0)
    mpz_mul_2exp (T, T, (mp_bitcnt_t) shift);
  else
    mpz_mul_2exp (acc, acc, (mp_bitcnt_t) -shift);
  int c = mpz_cmp (acc, T);
  mpz_clears (a, b, acc, apow, u, t, T, (mpz_ptr) 0);
  return c;
}

/* Smallest p (to double resolution) with P[X >= k | p] >= target when
   UPPER, else largest p with P[X <= k | p] >= target, i.e.
   P[X >= k+1 | p] <= 1 - target (1 - target is exact for the levels in
   use: target = (1 - level)/2 rounded, and 1 - t is exact for t in
   [1/2, 1] and for t = 2^-m; otherwise the error is one rounding).  Every
   comparison is exact, and tails are monotone in p, so bisection converges
   to the Clopper-Pearson endpoint. */
static double
cp_exact_bound (size_t k, size_t n, double target, int upper)
{
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 64 && hi - lo > 0x1p-60; it++)
    {
      double mid = 0.5 * (lo + hi);
      if (upper)
        {
          /* lower limit: P[X >= k] increases with p */
          if (binom_tail_cmp (k, n, mid, target) >= 0)
            hi = mid;
          else
            lo = mid;
        }
      else
        {
          /* upper limit: P[X <= k] = 1 - P[X >= k+1] decreases with p */
          if (binom_tail_cmp (k + 1, n, mid, 1.0 - target) <= 0)
            lo = mid;
          else
            hi = mid;
        }
    }
  return upper ? hi : lo;
}

/* P[Bin(n, x) >= k] (UPPER) or P[Bin(n, x) < k], summed term by term from
   k outwards along the smaller tail (the larger is its complement), the
   terms by the ratio of neighbours; floating point.  Terms fall at least
   geometrically once past the mode, so the sum stops where they no longer
   change it: some 40 standard deviations of terms at most. */
static double
binomial_tail (double k, double n, double x, int upper)
{
  if (!(x > 0.0))
    return upper ? (k <= 0 ? 1.0 : 0.0) : (k <= 0 ? 0.0 : 1.0);
  if (!(x < 1.0))
    return upper ? 1.0 : 0.0;
  int above = k > n * x; /* k past the mean: P[Bin >= k] is the small tail */
  double j = above ? k : k - 1, odds = x / (1.0 - x);
  double term = exp (lgamma (n + 1) - lgamma (j + 1) - lgamma (n - j + 1) + j * log (x)
                     + (n - j) * log1p (-x)), sum = 0.0;
  while (term > 0.0 && j >= 0 && j <= n && term > 1e-18 * sum)
    {
      sum += term;
      term *= above ? (n - j) / (j + 1) * odds : j / (n - j + 1) / odds;
      j += above ? 1 : -1;
    }
  sum = fmin (sum, 1.0);
  return above == upper ? sum : 1.0 - sum;
}

/* The x with P[Beta(a,b) <= x] = P (UPPER = 0) or P[Beta(a,b) > x] = P
   (UPPER = 1), by bisection on GSL's regularised incomplete beta: GSL's own
   Pinv/Qinv use Newton steps that fail for shape parameters in the
   thousands, which every full-instance trial has.  Where GSL's continued
   fraction does not converge (shapes in the millions, near the mean:
   a whole model's trial) the same probability comes from the binomial
   tail it equals for whole a, b: P[Beta(a,b) <= x] = P[Bin(a+b-1, x) >= a]. */
static double
beta_quantile (double P, double a, double b, int upper)
{
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 100 && hi - lo > 1e-17; it++)
    {
      double mid = 0.5 * (lo + hi);
      double v = upper ? gsl_cdf_beta_Q (mid, a, b) : gsl_cdf_beta_P (mid, a, b);
      if (!isfinite (v) && a == floor (a) && b == floor (b))
        v = binomial_tail (a, a + b - 1, mid, !upper);
      if (!isfinite (v))
        return NAN;
      /* P increases with x, Q decreases. */
      if (upper ? v > P : v < P)
        lo = mid;
      else
        hi = mid;
    }
  return 0.5 * (lo + hi);
}

/* Exact GMP tails up to this many trials, beta quantiles above.  An exact
   interval costs O(n^2) limb operations per bisection step: about 3 ms at
   n = 200 but 0.3 s at n = 1000, too slow for sweeps that sample Bob's
   queries; past 200 the two methods agree to 1e-9 (tests/test_stats.c). */
#define CP_EXACT_MAX_N 200

int
varlb_clopper_pearson (double *lo, double *hi, size_t k, size_t n, double level)
{
  if (n == 0 || k > n || !(level > 0.0 && level < 1.0))
    return VARLB_EINVAL;
  double a = 0.5 * (1.0 - level);
  if (n <= CP_EXACT_MAX_N)
    {
      /* Exact binomial tails (GMP rationals) for small counts. */
      *lo = k == 0 ? 0.0 : cp_exact_bound (k, n, a, 1);
      *hi = k == n ? 1.0 : cp_exact_bound (k, n, a, 0);
      return VARLB_OK;
    }
  *lo = k == 0 ? 0.0 : beta_quantile (a, (double) k, (double) (n - k + 1), 0);
  *hi = k == n ? 1.0 : beta_quantile (a, (double) (k + 1), (double) (n - k), 1);
  if (!isfinite (*lo) || !isfinite (*hi))
    return VARLB_ENUMERIC;
  return VARLB_OK;
}
