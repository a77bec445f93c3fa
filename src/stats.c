/* stats.c -- the statistics of a trial: binary entropy, the Fano frontier
 * (the best mean accuracy B charged bits allow on N uniform bits), the
 * trivial achievable line, the bits the frontier needs for an accuracy and
 * a result's efficiency against it, Clopper-Pearson intervals and the
 * verdict.
 * Fano: paper.md sec. 4 "lower-bound curve"; DESIGN.md "the game". */
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

/* The full-instance rule: impossible when the 99% Clopper-Pearson lower
   end over the TESTED bits exceeds the Fano ceiling of BITS_JUDGED (bits
   charged plus any side-channel allowance); otherwise the budget (bits
   charged) against N says which kind of result it is. */
static const char *
budget_verdict (size_t correct, size_t tested, double bits_charged, double N)
{
  if (bits_charged >= N)
    return correct == tested ? VARLB_VERDICT_SUCCEEDS : VARLB_VERDICT_LOSSY;
  return VARLB_VERDICT_FAILS;
}

static const char *
verdict_rule (size_t correct, size_t tested, double bits_charged, double bits_judged,
              double N)
{
  if (tested == 0)
    return VARLB_VERDICT_ERROR;
  double lo, hi;
  if (varlb_clopper_pearson (&lo, &hi, correct, tested, 0.99) != VARLB_OK)
    return VARLB_VERDICT_ERROR;
  if (lo > varlb_fano_ceiling (bits_judged, N))
    return VARLB_VERDICT_IMPOSSIBLE;
  return budget_verdict (correct, tested, bits_charged, N);
}

const char *
varlb_verdict (size_t correct, size_t tested, double bits_charged, double N)
{
  return verdict_rule (correct, tested, bits_charged, bits_charged, N);
}

/* ------------------------------------------------- tests at the right unit */

/* Kullback-Leibler divergence D(a || b) between Bernoulli laws, in nats
   (floating point); a, b in [0, 1], +Inf where b leaves a's support. */
static double
kl_bernoulli (double a, double b)
{
  double s = 0.0;
  if (a > 0.0)
    s += b > 0.0 ? a * log (a / b) : INFINITY;
  if (a < 1.0)
    s += b < 1.0 ? (1.0 - a) * log ((1.0 - a) / (1.0 - b)) : INFINITY;
  return s > 0.0 ? s : 0.0;
}

/* Hoeffding's tail at M draws, and Serfling's at the finite-population
   factor RHO = 1 - (r-1)/A of draws without replacement (0: none). */
static double
mean_tail_rho (double mean, size_t m, double rho, double mu0)
{
  if (mean <= mu0)
    return 1.0;
  double p = exp (-(double) m * kl_bernoulli (mean, mu0));
  if (rho > 0.0)
    {
      double t = mean - mu0, s = exp (-2.0 * (double) m * t * t / rho);
      p = s < p ? s : p;
    }
  return p;
}

double
varlb_mean_tail (double mean, size_t m, size_t population, double mu0)
{
  if (m == 0 || !(mean >= 0.0 && mean <= 1.0) || !(mu0 >= 0.0 && mu0 <= 1.0)
      || (population && m > population))
    return NAN;
  if (mean <= mu0)
    return 1.0;
  if (population && m == population)
    return 0.0; /* the whole population: its mean is known exactly */
  /* Hoeffding (1963), Theorem 1: P[mean >= mu0 + t] <= exp(-m D(mu0+t || mu0)),
     valid without replacement by his Theorem 4; Serfling (1974), Corollary
     1.1: exp(-2 m t^2 / (1 - (m-1)/N)). */
  return mean_tail_rho (mean, m, population ? 1.0 - (double) (m - 1) / (double) population : 0.0,
                        mu0);
}

/* The interval inverting mean_tail_rho at (1 - LEVEL)/2 on each side. */
static void
mean_interval_rho (double *lo, double *hi, double mean, size_t m, double rho, double level)
{
  double a = 0.5 * (1.0 - level);
  /* The lower end: the smallest mu0 whose one-sided test at a does not
     reject MEAN (the tail bound grows with mu0 below MEAN); the upper end
     by symmetry, on 1 - values. */
  for (int side = 0; side < 2; side++)
    {
      double x = side ? 1.0 - mean : mean, l = 0.0, h = x;
      if (mean_tail_rho (x, m, rho, 0.0) > a)
        h = 0.0;
      for (int it = 0; it < 200 && h - l > 0x1p-52; it++)
        {
          double mid = 0.5 * (l + h);
          if (mean_tail_rho (x, m, rho, mid) <= a)
            l = mid;
          else
            h = mid;
        }
      if (side)
        *hi = 1.0 - h;
      else
        *lo = h;
    }
}

int
varlb_mean_interval (double *lo, double *hi, double mean, size_t m, size_t population,
                     double level)
{
  if (m == 0 || !(mean >= 0.0 && mean <= 1.0) || !(level > 0.0 && level < 1.0)
      || (population && m > population))
    return VARLB_EINVAL;
  if (population && m == population)
    *lo = *hi = mean;
  else
    mean_interval_rho (lo, hi, mean, m,
                       population ? 1.0 - (double) (m - 1) / (double) population : 0.0, level);
  return VARLB_OK;
}

/* The sampled verdict spends VARLB_VERDICT_ALPHA as 1/10 on the instance
   (the counting bound below) and 9/10 on Bob's sample. */
#define ALPHA_COUNT (VARLB_VERDICT_ALPHA / 10.0)

int
varlb_judge (varlb_judgement_t *j, size_t correct, size_t m, size_t n, size_t d,
             double bits_charged, double bits_judged)
{
  return varlb_judge_strata (j, correct, 1, m, n, d, bits_charged, bits_judged);
}

int
varlb_judge_strata (varlb_judgement_t *j, size_t correct, size_t strata, size_t r, size_t a,
                    size_t d, double bits_charged, double bits_judged)
{
  memset (j, 0, sizeof *j);
  j->verdict = VARLB_VERDICT_ERROR;
  j->accuracy = j->ci_low = j->ci_high = j->p_value = NAN;
  j->fano_ceiling = j->fano_judged = NAN;
  if (d == 0 || strata == 0 || a == 0 || r == 0 || r > a || a > SIZE_MAX / d / strata
      || correct > r * d * strata || !(bits_charged >= 0.0) || !(bits_judged >= bits_charged)
      || !isfinite (bits_judged))
    return VARLB_EINVAL;
  const size_t m = r * strata, n = a * strata, tested = m * d;
  const double N = (double) n * (double) d;
  j->tokens = m;
  j->sampled = m < n;
  j->accuracy = (double) correct / (double) tested;
  j->fano_ceiling = varlb_fano_ceiling (bits_charged, N);
  j->fano_judged = varlb_fano_ceiling (bits_judged, N);
  j->verdict_by_budget = budget_verdict (correct, tested, bits_charged, N);
  if (!j->sampled)
    {
      /* Every Alice token was asked: the verdict as it always was, Clopper-
         Pearson over the N bits at 99% (lower end past the ceiling).  Valid
         whatever the bits' correlation: P[correct >= k] <= 2^B P[Bin(N, 1/2)
         >= k] (2^B blobs, one decoded string each), and with c the ceiling,
         for k >= c N each term 2^{B-N} C(N,j) is at most C(N,j) c^j
         (1-c)^{N-j} (their ratio is 2^{-N (j/N - c) log2(c/(1-c))}), so the
         false-alarm probability is at most P[Bin(N, c) >= k] < 0.005. */
      int st = varlb_clopper_pearson (&j->ci_low, &j->ci_high, correct, tested, 0.95);
      if (st != VARLB_OK)
        return st;
      j->verdict = verdict_rule (correct, tested, bits_charged, bits_judged, N);
      /* Its p-value: the lower end at confidence 1 - p touches the ceiling,
         i.e. p = 2 P[Bin(N, p*) >= correct] (gsl: P[Beta(k, N-k+1) <= p*]). */
      double tail = correct == 0 ? 1.0
                    : gsl_cdf_beta_P (j->fano_judged, (double) correct,
                                      (double) (tested - correct + 1));
      j->p_value = j->accuracy <= j->fano_judged ? 1.0 : fmin (1.0, 2.0 * tail);
      return VARLB_OK;
    }
  /* Bob queried a uniform sample of M of the N tokens: the unit is the
     token, y_i = correct bits of token i / d in [0, 1].  H0 (an honest
     compressor): the answer to a query depends on the blob and that query
     only, so the n values y_i are fixed once the blob is, and the sample
     is independent of them.  Then
       P[sample mean >= y] <= P[mu >= p_c] + P[sample mean - mu >= y - p_c]
     with mu the accuracy over all n tokens.  First term: a B-bit blob takes
     at most 2^B values, each decoding to one string, so
     P[mu >= a] <= 2^B P[Bin(N, 1/2) >= aN] <= 2^(B - N (1 - H2(a))), which
     is ALPHA_COUNT at a = p_c = Fano ceiling of B + log2(1/ALPHA_COUNT) bits.
     Second term: varlb_mean_tail at mu0 = p_c (Hoeffding/Serfling, valid
     for any values in [0, 1]: correlated bits inside a token cost nothing).
     With STRATA (a whole model's heads, R of each head's A tokens drawn,
     the heads' draws independent): Hoeffding's bound holds for the pooled
     M = R STRATA draws as for independent ones (his Theorem 4 in each
     stratum, Theorem 1 across), and Serfling's moment bound
     exp(l^2 R rho / 8) per stratum, rho = 1 - (R-1)/A, multiplies across
     strata to exp(-2 M t^2 / rho): the population factor is a stratum's,
     never the pooled 1 - (M-1)/N, which would be smaller. */
  double rho = 1.0 - (double) (r - 1) / (double) a;
  mean_interval_rho (&j->ci_low, &j->ci_high, j->accuracy, m, rho, 0.95);
  double p_c = varlb_fano_ceiling (bits_judged + log2 (1.0 / ALPHA_COUNT), N);
  double tail = mean_tail_rho (j->accuracy, m, rho, p_c);
  j->p_value = j->accuracy <= p_c ? 1.0 : fmin (1.0, ALPHA_COUNT + tail);
  j->verdict = j->p_value <= VARLB_VERDICT_ALPHA ? VARLB_VERDICT_IMPOSSIBLE
               : j->verdict_by_budget;
  return VARLB_OK;
}

int
varlb_holm (unsigned char *reject, const double *p, size_t n, double alpha)
{
  if (!(alpha > 0.0 && alpha < 1.0))
    return VARLB_EINVAL;
  size_t *ord = malloc ((n ? n : 1) * sizeof *ord);
  if (ord == NULL)
    return VARLB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    {
      reject[i] = 0;
      ord[i] = i;
    }
  /* Insertion sort by p-value (NaN last): R is a sweep's row count. */
  for (size_t i = 1; i < n; i++)
    for (size_t k = i; k > 0 && (p[ord[k]] < p[ord[k - 1]]
                                 || (isnan (p[ord[k - 1]]) && !isnan (p[ord[k]]))); k--)
      {
        size_t t = ord[k];
        ord[k] = ord[k - 1];
        ord[k - 1] = t;
      }
  /* Step down: reject the k-th smallest while p_(k) <= alpha / (n - k). */
  for (size_t k = 0; k < n; k++)
    {
      double pk = p[ord[k]];
      if (!(pk <= alpha / (double) (n - k)))
        break;
      reject[ord[k]] = 1;
    }
  free (ord);
  return VARLB_OK;
}
