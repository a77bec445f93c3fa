/* verdict.c -- the verdict on a trial and on a group of trials: the
 * counting tail 2^B P[Bin(N, 1/2) >= k] (certified, MPFR), the bits a blob's
 * length carries, each row judged at the unit Bob sampled, independent
 * trials pooled, and Holm's correction over many tests at once.
 * proofs/verdicts.md states and proves each rule; README "How to read
 * verdicts" says how to read them. */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <mpfr.h>
#include "varlb.h"

/* -------------------------------------------------- the counting tail */

double
varlb_length_bits (unsigned long long max_blob_bytes)
{
  /* Lengths 0..M are M + 1 values: ceil(log2(M + 1)) is the bit length of
     M (exact, in integers). */
  double b = 0.0;
  for (unsigned long long m = max_blob_bytes; m; m >>= 1)
    b += 1.0;
  return b;
}

/* The allowance of a blob within its budget: the blobs of at most
   floor(B/8) bytes are fewer than 2^(8 floor(B/8)) 256/255, and they get
   63/64 of the level (the other 1/64 goes to the lengths over the budget,
   VARLB_OVER_BUDGET_BITS): log2(256/255) + log2(64/63) = 0.028367...,
   rounded up. */
#define WITHIN_BUDGET_BITS 0.0284
#define OVER_BUDGET_BITS 6.0

double
varlb_bits_judged (double bits_charged, double budget_bits, double side_channel_bits,
                   double length_bits)
{
  if (!(bits_charged >= 0.0) || !(budget_bits >= 0.0) || !(side_channel_bits >= 0.0)
      || !(length_bits >= 0.0) || isinf (bits_charged) || isinf (side_channel_bits))
    return NAN;
  /* proofs/verdicts.md, Lemma 2: every blob b gets a weight w(b), the
     weights summing to at most 1 over every blob the half could write, and
     is judged at log2(1/w(b)) bits.  Within the budget: w = (63/64) / (the
     number of blobs of at most floor(B/8) bytes; a charge that is no whole
     number of bytes, which no half can make, counts as its own bits).  Over it, at L bytes:
     w = (1/64) / (2^(8L) 2^LENGTH_BITS) (2^LENGTH_BITS lengths at most). */
  double base = bits_charged <= budget_bits
                ? fmax (8.0 * floor (budget_bits / 8.0), bits_charged) + WITHIN_BUDGET_BITS
                : bits_charged + length_bits + OVER_BUDGET_BITS;
  return base + side_channel_bits;
}

/* Terms of the tail are summed until the next one is below 2^-TAIL_STOP of
   the sum; the rest is bounded by a geometric series and added. */
#define TAIL_STOP 64
#define TAIL_PREC 128

/* min(1, 2^B 2^-n sum_{j>=k} C(n,j)), every step rounded up:
     L = ln C(n,k) + (B - n) ln 2    (lngamma is correctly rounded in MPFR:
                                      the first rounded up, the two
                                      subtracted rounded down),
     S = sum_{j>=k} C(n,j)/C(n,k) = 1 + r_k + r_k r_{k+1} + ...,
         r_j = (n - j)/(j + 1), each product and sum rounded up; once the
         ratio q = r_j < 1 and the term T is below 2^-TAIL_STOP S, every
         later ratio is at most q (r_j falls with j), so the terms left sum
         to at most T q / (1 - q), added (rounded up) before stopping,
     p = exp (L + ln S), rounded up.
   Cost: the terms fall below 2^-64 of the sum within about 5 sqrt(n) steps
   of n/2, so a tail at n = 10^7 is a few thousand MPFR steps. */
double
varlb_counting_tail (size_t k, size_t n, double bits)
{
  if (n == 0 || k > n || n >= (size_t) 1 << 53 || !(bits >= 0.0) || isinf (bits))
    return NAN;
  /* At or below the middle the tail is at least 1/2; 1 bounds p always, so
     nothing is lost that a verdict could use (p >= 2^(B-1)). */
  if (k == 0 || bits >= (double) n || k <= n / 2 + 1)
    return 1.0;
  mpfr_t L, a, S, T, q, one_q, rem;
  mpfr_inits2 (TAIL_PREC, L, a, S, T, q, one_q, rem, (mpfr_ptr) 0);
  int sign;
  mpfr_set_ui (a, (unsigned long) 0, MPFR_RNDN);
  /* ln C(n, k), rounded up. */
  mpfr_set_d (L, (double) n + 1.0, MPFR_RNDN);    /* n < 2^53 below: exact */
  mpfr_lgamma (L, &sign, L, MPFR_RNDU);
  mpfr_set_d (a, (double) k + 1.0, MPFR_RNDN);
  mpfr_lgamma (a, &sign, a, MPFR_RNDD);
  mpfr_sub (L, L, a, MPFR_RNDU);
  mpfr_set_d (a, (double) (n - k) + 1.0, MPFR_RNDN);
  mpfr_lgamma (a, &sign, a, MPFR_RNDD);
  mpfr_sub (L, L, a, MPFR_RNDU);
  /* + (B - n) ln 2, B - n < 0: ln 2 rounded down makes the product larger. */
  mpfr_set_d (a, bits, MPFR_RNDN);
  mpfr_sub_d (a, a, (double) n, MPFR_RNDU);       /* exact at 128 bits */
  mpfr_const_log2 (q, MPFR_RNDD);
  mpfr_mul (a, a, q, MPFR_RNDU);
  mpfr_add (L, L, a, MPFR_RNDU);
  /* S, the tail relative to its first term. */
  mpfr_set_ui (S, 1, MPFR_RNDN);
  mpfr_set_ui (T, 1, MPFR_RNDN);
  for (size_t j = k; j < n; j++)
    {
      /* T = C(n, j+1) / C(n, k), rounded up. */
      mpfr_mul_d (T, T, (double) (n - j), MPFR_RNDU);
      mpfr_div_d (T, T, (double) j + 1.0, MPFR_RNDU);
      mpfr_add (S, S, T, MPFR_RNDU);
      if (j + 1 == n)
        break; /* the last term: S is complete */
      /* q = r_{j+1} = (n - j - 1)/(j + 2) < 1 since j + 1 > n/2. */
      mpfr_set_d (q, (double) (n - j - 1), MPFR_RNDN);
      mpfr_div_d (q, q, (double) j + 2.0, MPFR_RNDU);
      mpfr_mul_2si (rem, S, -TAIL_STOP, MPFR_RNDN);
      if (mpfr_cmp (T, rem) <= 0)
        {
          mpfr_ui_sub (one_q, 1, q, MPFR_RNDD);
          mpfr_mul (rem, T, q, MPFR_RNDU);
          mpfr_div (rem, rem, one_q, MPFR_RNDU);
          mpfr_add (S, S, rem, MPFR_RNDU);
          break;
        }
    }
  mpfr_log (S, S, MPFR_RNDU);
  mpfr_add (L, L, S, MPFR_RNDU);
  double p = mpfr_sgn (L) >= 0 ? 1.0 : (mpfr_exp (L, L, MPFR_RNDU), mpfr_get_d (L, MPFR_RNDU));
  mpfr_clears (L, a, S, T, q, one_q, rem, (mpfr_ptr) 0);
  return p < 1.0 ? p : 1.0;
}

/* ------------------------------------------------------ the row's verdict */

/* What the budget (bits charged) against N makes a result that is not
   impossible. */
static const char *
budget_verdict (size_t correct, size_t tested, double bits_charged, double N)
{
  if (bits_charged >= N)
    return correct == tested ? VARLB_VERDICT_SUCCEEDS : VARLB_VERDICT_LOSSY;
  return VARLB_VERDICT_FAILS;
}

/* Impossible when P <= alpha; else above the ceiling when the accuracy is
   (chance allows it), else the budget's verdict. */
static const char *
verdict_of (double p, double accuracy, double ceiling, const char *by_budget)
{
  if (p <= VARLB_VERDICT_ALPHA)
    return VARLB_VERDICT_IMPOSSIBLE;
  if (accuracy > ceiling)
    return VARLB_VERDICT_ABOVE;
  return by_budget;
}

const char *
varlb_verdict (size_t correct, size_t tested, double bits_charged, double N)
{
  if (tested == 0 || correct > tested || !(N > 0.0))
    return VARLB_VERDICT_ERROR;
  double ceiling = varlb_fano_ceiling (bits_charged, N), p;
  if ((double) tested == N)
    p = varlb_counting_tail (correct, tested, bits_charged);
  else
    {
      /* A subset of the bits, taken as independent draws: the one-sided
         Clopper-Pearson tail at the ceiling (P[Beta(k, n-k+1) <= p*]). */
      double lo, hi;
      if (varlb_clopper_pearson (&lo, &hi, correct, tested, 1.0 - 2.0 * VARLB_VERDICT_ALPHA)
          != VARLB_OK)
        return VARLB_VERDICT_ERROR;
      p = lo > ceiling ? 0.0 : 1.0;
    }
  return verdict_of (p, (double) correct / (double) tested, ceiling,
                     budget_verdict (correct, tested, bits_charged, N));
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
      /* Every Alice token was asked: the counting bound itself is the
         p-value.  A blob of B bits judged takes at most 2^B values, each
         decoding to one string, so for any compressor, correlated bits or
         not, P[correct >= k] <= 2^B P[Bin(N, 1/2) >= k]
         (proofs/verdicts.md, Lemma 1). */
      int st = varlb_clopper_pearson (&j->ci_low, &j->ci_high, correct, tested, 0.95);
      if (st != VARLB_OK)
        return st;
      j->p_value = varlb_counting_tail (correct, tested, bits_judged);
      j->verdict = verdict_of (j->p_value, j->accuracy, j->fano_judged, j->verdict_by_budget);
      return isnan (j->p_value) ? VARLB_ENUMERIC : VARLB_OK;
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
  j->verdict = verdict_of (j->p_value, j->accuracy, j->fano_judged, j->verdict_by_budget);
  return VARLB_OK;
}

int
varlb_judge_pooled (varlb_judgement_t *j, const varlb_counts_t *c, size_t k)
{
  /* K independent trials are one trial on their concatenated instances:
     the blobs together take at most 2^(B_1 + ... + B_K) values, and the
     hidden bits of different instances are independent
     (proofs/verdicts.md, Lemma 3).  One design (A, R, d) keeps the sampled
     rule's strata alike. */
  memset (j, 0, sizeof *j);
  j->verdict = VARLB_VERDICT_ERROR;
  j->accuracy = j->ci_low = j->ci_high = j->p_value = NAN;
  j->fano_ceiling = j->fano_judged = NAN;
  if (k == 0)
    return VARLB_EINVAL;
  size_t correct = 0, strata = 0;
  double charged = 0.0, judged = 0.0;
  for (size_t i = 0; i < k; i++)
    {
      if (c[i].r != c[0].r || c[i].a != c[0].a || c[i].d != c[0].d || c[i].strata == 0
          || c[i].correct > SIZE_MAX - correct || c[i].strata > SIZE_MAX - strata)
        return VARLB_EINVAL;
      correct += c[i].correct, strata += c[i].strata;
      charged += c[i].bits_charged, judged += c[i].bits_judged;
    }
  return varlb_judge_strata (j, correct, strata, c[0].r, c[0].a, c[0].d, charged, judged);
}

int
varlb_trial_judge (varlb_trial_t *t, size_t correct, size_t strata, size_t r, size_t a, size_t d,
                   unsigned long long max_blob_bytes)
{
  /* Bits judged: every blob the half could have written within its budget
     (or, over it, this blob's bits and its length, one of max_blob_bytes +
     1), and the side channels (proofs/verdicts.md, Lemma 2). */
  t->length_bits = varlb_length_bits (max_blob_bytes);
  t->bits_judged = varlb_bits_judged (t->bits_charged, t->budget_bits, t->side_channel_bits,
                                      t->length_bits);
  varlb_judgement_t j;
  int st = varlb_judge_strata (&j, correct, strata, r, a, d, t->bits_charged, t->bits_judged);
  if (st != VARLB_OK)
    return st;
  double N = (double) a * (double) strata * (double) d;
  t->bits_tested = r * strata * d;
  t->correct = correct;
  t->accuracy = j.accuracy;
  t->ci_low = j.ci_low;
  t->ci_high = j.ci_high;
  t->fano_ceiling = j.fano_judged;
  t->p_value = j.p_value;
  t->verdict = j.verdict;
  t->trivial = varlb_trivial_accuracy (t->bits_charged, N);
  t->efficiency = varlb_efficiency (t->accuracy, t->bits_charged, N);
  return VARLB_OK;
}

/* Ascending p-values, NaN last, ties by index (a stable order). */
typedef struct { double p; size_t i; } holm_item_t;

static int
holm_cmp (const void *x, const void *y)
{
  const holm_item_t *a = x, *b = y;
  int na = isnan (a->p), nb = isnan (b->p);
  if (na != nb)
    return na - nb;
  if (!na && a->p != b->p)
    return a->p < b->p ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

int
varlb_holm (unsigned char *reject, const double *p, size_t n, double alpha)
{
  if (!(alpha > 0.0 && alpha < 1.0))
    return VARLB_EINVAL;
  holm_item_t *ord = malloc ((n ? n : 1) * sizeof *ord);
  if (ord == NULL)
    return VARLB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    {
      reject[i] = 0;
      ord[i].p = p[i], ord[i].i = i;
    }
  qsort (ord, n, sizeof *ord, holm_cmp);
  /* Step down: reject the k-th smallest while p_(k) <= alpha / (n - k). */
  for (size_t k = 0; k < n; k++)
    {
      if (!(ord[k].p <= alpha / (double) (n - k)))
        break;
      reject[ord[k].i] = 1;
    }
  free (ord);
  return VARLB_OK;
}
