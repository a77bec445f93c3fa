/* stats.c -- the statistics of a trial: binary entropy, the Fano frontier
 * (the best mean accuracy B charged bits allow on N uniform bits), the
 * trivial achievable line, Clopper-Pearson intervals and the verdict.
 * Fano: paper.md sec. 4 "lower-bound curve"; DESIGN.md "the game". */
#include <config.h>
#include <math.h>
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
  double lo = 0.5, hi = 1.0;
  for (int it = 0; it < 200 && hi - lo > 0x1p-52; it++)
    {
      double mid = 0.5 * (lo + hi);
      mpfr_set_d (p, mid, MPFR_RNDN);
      mpfr_ui_sub (q, 1, p, MPFR_RNDN); /* exact */
      h2_enclose (h_lo, h_hi, q, prec);
      if (mpfr_cmp (h_lo, t_hi) > 0)
        lo = mid;                        /* proved mid < p* */
      else if (mpfr_cmp (h_hi, t_lo) <= 0)
        hi = mid;                        /* proved mid >= p* */
      else
        break;                           /* undecidable here: keep hi */
    }
  mpfr_clears (t_lo, t_hi, p, q, h_lo, h_hi, (mpfr_ptr) 0);
  return hi;
}

double
varlb_trivial_accuracy (double bits, double N)
{
  if (!(N > 0.0) || !(bits >= 0.0))
    return NAN;
  return bits >= N ? 1.0 : 0.5 + bits / (2.0 * N);
}

/* P[X >= k] for X ~ Binomial(n, p), exactly, p a double (a dyadic
   rational), as a double rounded to nearest. */
static double
binom_upper_tail_exact (size_t k, size_t n, double p)
{
  mpq_t P, Q, term, sum, pw;
  mpz_t c;
  mpq_inits (P, Q, term, sum, pw, (mpq_ptr) 0);
  mpz_init (c);
  mpq_set_d (P, p);
  mpq_set_ui (Q, 1, 1);
  mpq_sub (Q, Q, P);
  for (size_t j = k; j <= n; j++)
    {
      mpz_bin_uiui (c, n, j);
      mpq_set_z (term, c);
      for (size_t e = 0; e < j; e++)
        mpq_mul (term, term, P);
      for (size_t e = 0; e < n - j; e++)
        mpq_mul (term, term, Q);
      mpq_add (sum, sum, term);
    }
  double r = mpq_get_d (sum);
  mpq_clears (P, Q, term, sum, pw, (mpq_ptr) 0);
  mpz_clear (c);
  return r;
}

/* Smallest p (to double resolution) with P[X >= k | p] >= target when
   UPPER, else largest p with P[X <= k | p] >= target; tails are monotone in
   p, so bisection converges. */
static double
cp_exact_bound (size_t k, size_t n, double target, int upper)
{
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 64; it++)
    {
      double mid = 0.5 * (lo + hi);
      if (upper)
        {
          /* lower limit: P[X >= k] increases with p */
          if (binom_upper_tail_exact (k, n, mid) >= target)
            hi = mid;
          else
            lo = mid;
        }
      else
        {
          /* upper limit: P[X <= k] = 1 - P[X >= k+1] decreases with p */
          if (1.0 - binom_upper_tail_exact (k + 1, n, mid) >= target)
            lo = mid;
          else
            hi = mid;
        }
    }
  return upper ? hi : lo;
}

/* The x with P[Beta(a,b) <= x] = P (UPPER = 0) or P[Beta(a,b) > x] = P
   (UPPER = 1), by bisection on GSL's regularised incomplete beta: GSL's own
   Pinv/Qinv use Newton steps that fail for shape parameters in the
   thousands, which every full-instance trial has. */
static double
beta_quantile (double P, double a, double b, int upper)
{
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 100 && hi - lo > 1e-17; it++)
    {
      double mid = 0.5 * (lo + hi);
      double v = upper ? gsl_cdf_beta_Q (mid, a, b) : gsl_cdf_beta_P (mid, a, b);
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

#define CP_EXACT_MAX_N 60

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

const char *
varlb_verdict (size_t correct, size_t tested, double bits_charged, double N)
{
  if (tested == 0)
    return VARLB_VERDICT_ERROR;
  double lo, hi;
  if (varlb_clopper_pearson (&lo, &hi, correct, tested, 0.99) != VARLB_OK)
    return VARLB_VERDICT_ERROR;
  if (lo > varlb_fano_ceiling (bits_charged, N))
    return VARLB_VERDICT_IMPOSSIBLE;
  if (bits_charged >= N)
    return correct == tested ? VARLB_VERDICT_SUCCEEDS : VARLB_VERDICT_LOSSY;
  return VARLB_VERDICT_FAILS;
}
