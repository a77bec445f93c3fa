/* certify.c -- certified decoding of a drawn instance (proofs/certify.md):
 * every decoded bit's exact attention output is enclosed in an interval
 * (a rigorous floating-point bound first, MPFR with directed rounding for
 * what it leaves open) and checked against the threshold, so a "decodes
 * correctly" claim for the paper's sec. 1.7 construction is a proof, not a
 * floating-point observation. */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <mpfr.h>
#include <gsl/gsl_cblas.h>
#include "varlb.h"

#define CERT_PREC_FAST 53
#define CERT_PREC_MIN 64
#define CERT_PREC_MAX 2048
/* Rows per Gram block of the floating-point filter. */
#define CERT_BLOCK 64

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
int openblas_get_num_threads (void);
void openblas_set_num_threads (int);
#endif

/* Comparisons of a bound with the threshold.  A NaN bound (Inf - Inf,
   0 / 0 ...) decides nothing: mpfr_cmp_d would call it equal. */
static int
gt_d (mpfr_srcptr x, double t)
{
  return !mpfr_nan_p (x) && mpfr_cmp_d (x, t) > 0;
}

static int
le_d (mpfr_srcptr x, double t)
{
  return !mpfr_nan_p (x) && mpfr_cmp_d (x, t) <= 0;
}

void
varlb_certify_report_init (varlb_certify_report_t *r)
{
  memset (r, 0, sizeof *r);
}

void
varlb_certify_report_clear (varlb_certify_report_t *r)
{
  free (r->bad);
  memset (r, 0, sizeof *r);
}

static int
add_bad (varlb_certify_report_t *r, size_t code)
{
  if (r->n_bad == r->cap_bad)
    {
      size_t cap = r->cap_bad ? 2 * r->cap_bad : 64;
      size_t *b = realloc (r->bad, cap * sizeof *b);
      if (b == NULL)
        return VARLB_ENOMEM;
      r->bad = b;
      r->cap_bad = cap;
    }
  r->bad[r->n_bad++] = code;
  return VARLB_OK;
}

/* Row I's bits from a certified lower bound W on its target weight (MPFR,
   53 bits): every output lies in [vmin + w (v - vmin), vmax - w (vmax - v)].
   Sets DONE[j] = 1 for the bits it certifies; TMP holds two temporaries. */
static void
decide_from_weight (unsigned char *done, const varlb_instance_t *in, size_t i,
                    double vmin, double vmax, mpfr_srcptr w, mpfr_t *tmp)
{
  mpfr_ptr x = tmp[0], o = tmp[1];
  for (size_t j = 0; j < in->d; j++)
    {
      double v = in->V[i * in->d + j];
      if (varlb_bits_get (&in->x, i, j))
        {
          mpfr_set_d (x, v, MPFR_RNDN);
          mpfr_sub_d (x, x, vmin, MPFR_RNDD);
          mpfr_mul (o, w, x, MPFR_RNDD);
          mpfr_add_d (o, o, vmin, MPFR_RNDD);
          done[j] = gt_d (o, in->threshold);
        }
      else
        {
          mpfr_set_d (x, vmax, MPFR_RNDN);
          mpfr_sub_d (x, x, v, MPFR_RNDD);
          mpfr_mul (o, w, x, MPFR_RNDD);
          mpfr_d_sub (o, vmax, o, MPFR_RNDU);
          done[j] = le_d (o, in->threshold);
        }
    }
}

/* e^x <= the returned power of two (a rigorous floating-point bound).
   1.4426 < log2 e < 1.4427, so y = x * (1.4426 or 1.4427) >= x log2 e for
   either sign of x; fl(y) is within 2^-12 of y while |x| < 2^40, and the
   + 1 covers that.  Never 0: below 2^-1074 it returns 2^-1074. */
static double
exp_up_pow2 (double x)
{
  if (!(x < 0x1p40))
    return INFINITY;
  double k = ceil (x * (x < 0.0 ? 1.4426 : 1.4427)) + 1.0;
  if (k > 1023.0)
    return INFINITY;
  if (k < -1074.0)
    k = -1074.0;
  uint64_t bits = k >= -1022.0 ? (uint64_t) ((int64_t) k + 1023) << 52
                               : (uint64_t) 1 << (int) (k + 1074.0);
  double r;
  memcpy (&r, &bits, sizeof r);
  return r;
}

/* The floating-point filter for the rows of one block: row I's weight
   w = 1/(1 + R), R = sum_{t != i} e^{s_t - s_i} (+ e^{-s_i} per zero key).
   G[t] = fl(<k_i, k_t>) from BLAS in any summation order, and
   |fl(<x,y>) - <x,y>| <= gamma_d |x|.|y| <= gamma_d |x| |y| (Higham, Thm.
   3.5; with FMA too), NRM[t] >= |k_t|; doubled, plus an underflow
   allowance, it is ERRC * NRM[i] NRM[t] + tiny.  Each e^x is bounded by a
   power of two (at most 4 times too large: the filter is for the many
   rows whose R is far below the threshold's room) and the sum's rounding
   by (1 + 2 gamma_T), applied in MPFR.  Returns the sum before that
   factor, or NaN when something is not finite (the row then goes to
   MPFR). */
static double
filter_rest (const double *G, const varlb_instance_t *in, size_t i, const double *nrm,
             const unsigned char *zero_key, double errc)
{
  const double C = in->C, tiny = (double) (in->d + 1) * 0x1p-1070;
  const double gi = G[i], erri = errc * nrm[i] * nrm[i] + tiny;
  if (!isfinite (gi) || !isfinite (erri))
    return NAN;
  double sum = 0.0;
  size_t zeros = 0;
  for (size_t t = 0; t < in->T; t++)
    {
      if (t == i)
        continue;
      if (zero_key[t])
        {
          zeros++;
          continue;
        }
      double err = errc * nrm[i] * nrm[t] + tiny;
      double x = C * ((G[t] - gi) + (err + erri));
      if (!isfinite (x))
        return NAN;
      sum += exp_up_pow2 (x);
    }
  /* Zero keys score exactly 0: e^{0 - s_i} each, s_i >= C (g_i - err_i). */
  if (zeros)
    {
      double x = -C * (gi - erri);
      if (!isfinite (x))
        return NAN;
      sum += (double) zeros * exp_up_pow2 (x);
    }
  return sum;
}

/* The MPFR pass for row I at 53 bits (the MPFR-only path's first stage,
   and the filter's fallback): the inner products in double with the same
   error bound as the filter (here the exact sum |k_ij k_tj|, sequential),
   then exp and the sums in MPFR with directed rounding: the target's
   e^{score} rounded down, every other term up, zero keys exactly 1.  A
   non-finite product or bound leaves the row to the full pass. */
static void
fast_row (unsigned char *done, const varlb_instance_t *in, size_t i,
          double vmin, double vmax, mpfr_t *tmp, const unsigned char *zero_key)
{
  const size_t d = in->d, T = in->T;
  const double *ki = in->K + i * d;
  const double gamma = 2.0 * ((double) d * DBL_EPSILON / 2.0)
                       / (1.0 - (double) d * DBL_EPSILON / 2.0);
  mpfr_ptr x = tmp[0], rest = tmp[1], et = tmp[2], w = tmp[3];
  mpfr_set_zero (rest, 1);
  size_t zeros = 0;
  for (size_t t = 0; t < T; t++)
    {
      const double *kt = in->K + t * d;
      if (zero_key[t] && t != i)
        {
          zeros++; /* score exactly 0: weight e^0 = 1, added exactly below */
          continue;
        }
      double g = 0.0, a = 0.0;
      for (size_t j = 0; j < d; j++)
        {
          double p = ki[j] * kt[j];
          g += p;
          a += fabs (p);
        }
      double err = gamma * a * (1.0 + 4.0 * gamma) + (double) (d + 1) * 0x1p-1070;
      if (!isfinite (g) || !isfinite (err))
        return; /* overflow: nothing decided here */
      mpfr_set_d (x, g, MPFR_RNDN);
      if (t == i)
        {
          mpfr_sub_d (x, x, err, MPFR_RNDD);
          mpfr_mul_d (x, x, in->C, MPFR_RNDD);
          mpfr_exp (et, x, MPFR_RNDD);
        }
      else
        {
          mpfr_add_d (x, x, err, MPFR_RNDU);
          mpfr_mul_d (x, x, in->C, MPFR_RNDU);
          mpfr_exp (x, x, MPFR_RNDU);
          mpfr_add (rest, rest, x, MPFR_RNDU);
        }
    }
  mpfr_add_ui (rest, rest, zeros, MPFR_RNDU);
  /* w >= e_lo / (e_lo + rest_hi) */
  mpfr_add (x, et, rest, MPFR_RNDU);
  mpfr_div (w, et, x, MPFR_RNDD);
  decide_from_weight (done, in, i, vmin, vmax, w, tmp);
}

/* Full pass for row I at precision PREC: inner products, exps, the common
   denominator and each coordinate's numerator all as MPFR intervals.  The
   scores are shifted by the largest upper end first, so no exponential can
   overflow whatever the keys' size; one that underflows is 0 rounded down
   and the smallest positive number rounded up, both still bounds.
   STATE[j]: 0 undecided, 1 certified, 2 proved wrong. */
static int
full_row (unsigned char *state, const varlb_instance_t *in, size_t i,
          mpfr_prec_t prec)
{
  const size_t d = in->d, T = in->T;
  const double *ki = in->K + i * d;
  mpfr_t lo, hi, p, Slo, Shi, olo, ohi, shift;
  mpfr_t *elo = malloc (T * sizeof *elo), *ehi = malloc (T * sizeof *ehi);
  if (elo == NULL || ehi == NULL)
    {
      free (elo);
      free (ehi);
      return VARLB_ENOMEM;
    }
  mpfr_inits2 (prec, lo, hi, p, Slo, Shi, olo, ohi, shift, (mpfr_ptr) 0);
  mpfr_set_inf (shift, -1);
  for (size_t t = 0; t < T; t++)
    {
      const double *kt = in->K + t * d;
      mpfr_inits2 (prec, elo[t], ehi[t], (mpfr_ptr) 0);
      mpfr_set_zero (elo[t], 1);
      mpfr_set_zero (ehi[t], 1);
      for (size_t j = 0; j < d; j++)
        {
          mpfr_set_d (p, ki[j], MPFR_RNDN); /* exact: prec >= 53 */
          mpfr_mul_d (p, p, kt[j], MPFR_RNDD);
          mpfr_add (elo[t], elo[t], p, MPFR_RNDD);
          mpfr_set_d (p, ki[j], MPFR_RNDN);
          mpfr_mul_d (p, p, kt[j], MPFR_RNDU);
          mpfr_add (ehi[t], ehi[t], p, MPFR_RNDU);
        }
      /* C > 0: the score C<k_i,k_t> keeps the order of the enclosure. */
      mpfr_mul_d (elo[t], elo[t], in->C, MPFR_RNDD);
      mpfr_mul_d (ehi[t], ehi[t], in->C, MPFR_RNDU);
      mpfr_max (shift, shift, ehi[t], MPFR_RNDN);
    }
  mpfr_set_zero (Slo, 1);
  mpfr_set_zero (Shi, 1);
  for (size_t t = 0; t < T; t++)
    {
      mpfr_sub (elo[t], elo[t], shift, MPFR_RNDD);
      mpfr_exp (elo[t], elo[t], MPFR_RNDD);
      mpfr_sub (ehi[t], ehi[t], shift, MPFR_RNDU);
      mpfr_exp (ehi[t], ehi[t], MPFR_RNDU);
      mpfr_add (Slo, Slo, elo[t], MPFR_RNDD);
      mpfr_add (Shi, Shi, ehi[t], MPFR_RNDU);
    }
  for (size_t j = 0; j < d; j++)
    {
      if (state[j] != 0)
        continue;
      mpfr_set_zero (lo, 1);
      mpfr_set_zero (hi, 1);
      for (size_t t = 0; t < T; t++)
        {
          double v = in->V[t * d + j];
          if (v == 0.0)
            continue;
          mpfr_mul_d (p, v > 0 ? elo[t] : ehi[t], v, MPFR_RNDD);
          mpfr_add (lo, lo, p, MPFR_RNDD);
          mpfr_mul_d (p, v > 0 ? ehi[t] : elo[t], v, MPFR_RNDU);
          mpfr_add (hi, hi, p, MPFR_RNDU);
        }
      mpfr_div (olo, lo, mpfr_sgn (lo) >= 0 ? Shi : Slo, MPFR_RNDD);
      mpfr_div (ohi, hi, mpfr_sgn (hi) >= 0 ? Slo : Shi, MPFR_RNDU);
      int truth = varlb_bits_get (&in->x, i, j);
      /* decoded bit = [o > threshold] */
      if (truth)
        state[j] = gt_d (olo, in->threshold) ? 1 : le_d (ohi, in->threshold) ? 2 : 0;
      else
        state[j] = le_d (ohi, in->threshold) ? 1 : gt_d (olo, in->threshold) ? 2 : 0;
    }
  for (size_t t = 0; t < T; t++)
    mpfr_clears (elo[t], ehi[t], (mpfr_ptr) 0);
  mpfr_clears (lo, hi, p, Slo, Shi, olo, ohi, shift, (mpfr_ptr) 0);
  free (elo);
  free (ehi);
  return VARLB_OK;
}

/* Upper bounds on the key norms for the filter (floating point made
   rigorous): fl(sum k^2) <= (1 + gamma_d) |k|^2 the other way too, so
   |k| <= sqrt(fl(sum k^2) (1 + 2 gamma_d)) (1 + 4u) covers the square
   root's and the products' rounding. */
static void
norm_bounds (double *nrm, const varlb_instance_t *in)
{
  const size_t d = in->d;
  const double u = DBL_EPSILON / 2, g = (double) d * u / (1.0 - (double) d * u);
  for (size_t t = 0; t < in->T; t++)
    {
      double q = 0.0;
      for (size_t j = 0; j < d; j++)
        q += in->K[t * d + j] * in->K[t * d + j];
      nrm[t] = sqrt (q * (1.0 + 2.0 * g) + (double) (d + 1) * 0x1p-1070) * (1.0 + 4.0 * u);
    }
}

/* The instance's arrays finite and the rows Alice's; the values' range
   (VMIN, VMAX) for the weight rule. */
static int
instance_check (double *vmin, double *vmax, const varlb_instance_t *in,
                const size_t *rows, size_t m)
{
  const size_t d = in->d, T = in->T;
  *vmin = INFINITY, *vmax = -INFINITY;
  for (size_t t = 0; t < T * d; t++)
    {
      if (!isfinite (in->V[t]))
        return VARLB_ENUMERIC;
      *vmin = fmin (*vmin, in->V[t]);
      *vmax = fmax (*vmax, in->V[t]);
    }
  for (size_t t = 0; t < T * d; t++)
    if (!isfinite (in->K[t]))
      return VARLB_ENUMERIC;
  for (size_t q = 0; rows && q < m; q++)
    if (rows[q] >= in->alice_tokens)
      return VARLB_EINVAL;
  return VARLB_OK;
}

/* How many of a row's D bits are still undecided. */
static size_t
open_bits (const unsigned char *sr, size_t d)
{
  size_t open = 0;
  for (size_t j = 0; j < d; j++)
    open += !sr[j];
  return open;
}

/* What one certification needs beside the row: the filter's state (GROW is
   the row's Gram row, or NULL without the filter) and the values' range. */
typedef struct cert_ctx {
  const varlb_instance_t *in;
  const double *nrm;
  const unsigned char *zero_key;
  double vmin, vmax, errc, gT;
} cert_ctx_t;

/* Row I's bits into SR: the filter (a Gram row GROW), the 53-bit MPFR pass,
   then doubling precisions for what stays open.  Counts into REFINED,
   FILTERED and MAXP. */
static int
certify_row (unsigned char *sr, const cert_ctx_t *c, size_t i, const double *grow,
             mpfr_t *tmp, size_t *refined, size_t *filtered, unsigned long *maxp)
{
  const varlb_instance_t *in = c->in;
  const size_t d = in->d;
  size_t open = 1;
  if (grow != NULL)
    {
      double rest = filter_rest (grow, in, i, c->nrm, c->zero_key, c->errc);
      if (!isnan (rest))
        {
          /* w >= 1 / (1 + rest (1 + 2 gamma_T)), in MPFR. */
          mpfr_set_d (tmp[2], rest, MPFR_RNDN);
          mpfr_set_d (tmp[3], c->gT, MPFR_RNDU);
          mpfr_mul_2ui (tmp[3], tmp[3], 1, MPFR_RNDU);
          mpfr_add_ui (tmp[3], tmp[3], 1, MPFR_RNDU);
          mpfr_mul (tmp[2], tmp[2], tmp[3], MPFR_RNDU);
          mpfr_add_ui (tmp[2], tmp[2], 1, MPFR_RNDU);
          mpfr_ui_div (tmp[3], 1, tmp[2], MPFR_RNDD);
          decide_from_weight (sr, in, i, c->vmin, c->vmax, tmp[3], tmp);
        }
      open = open_bits (sr, d);
      *filtered += !open;
    }
  if (open)
    fast_row (sr, in, i, c->vmin, c->vmax, tmp, c->zero_key);
  int rst = VARLB_OK;
  open = open_bits (sr, d);
  if (open)
    {
      (*refined)++;
      for (mpfr_prec_t prec = CERT_PREC_MIN; open && prec <= CERT_PREC_MAX
           && rst == VARLB_OK; prec *= 2)
        {
          rst = full_row (sr, in, i, prec);
          if ((unsigned long) prec > *maxp)
            *maxp = (unsigned long) prec;
          open = open_bits (sr, d);
        }
    }
  return rst;
}

/* The rows' states into the report: every bit counted, each one not
   certified (wrong or undecided) added to the report's list. */
static int
tally (varlb_certify_report_t *r, const unsigned char *state, const size_t *rows,
       size_t m, size_t d)
{
  int st = VARLB_OK;
  for (size_t q = 0; q < m && st == VARLB_OK; q++)
    for (size_t j = 0; j < d && st == VARLB_OK; j++)
      {
        size_t i = rows ? rows[q] : q;
        unsigned char sj = state[q * d + j];
        r->bits++;
        if (sj == 1)
          r->certified++;
        else
          {
            if (sj == 2)
              r->wrong++;
            else
              r->undecided++;
            st = add_bad (r, i * d + j);
          }
      }
  return st;
}

int
varlb_certify_instance (varlb_certify_report_t *r, const varlb_instance_t *in,
                        const size_t *rows, size_t m)
{
  if (in->K == NULL || !(in->C > 0.0) || !isfinite (in->C) || !isfinite (in->threshold))
    return VARLB_EINVAL;
  if (rows == NULL)
    m = in->alice_tokens;
  const size_t d = in->d, T = in->T;
  cert_ctx_t c = { .in = in };
  int st = instance_check (&c.vmin, &c.vmax, in, rows, m);
  if (st != VARLB_OK)
    return st;
  const int filter = !(r->flags & VARLB_CERTIFY_NO_FILTER);
  unsigned char *state = malloc (m * d > 0 ? m * d : 1), *zero_key = calloc (T, 1);
  double *nrm = filter ? malloc (T * sizeof *nrm) : NULL;
  if (state == NULL || zero_key == NULL || (filter && nrm == NULL))
    {
      free (state);
      free (zero_key);
      free (nrm);
      return VARLB_ENOMEM;
    }
  memset (state, 0, m * d);
  for (size_t t = 0; t < T; t++)
    {
      zero_key[t] = 1;
      for (size_t j = 0; j < d && zero_key[t]; j++)
        zero_key[t] = in->K[t * d + j] == 0.0;
    }
  if (filter)
    norm_bounds (nrm, in);
  c.nrm = nrm, c.zero_key = zero_key;
  /* The filter's dot-product allowance: 2 gamma_d (doubled for the
     roundings of the allowance itself), and the sum's factor 1 + 2 gamma_T. */
  const double u = DBL_EPSILON / 2;
  c.errc = 2.0 * ((double) d * u / (1.0 - (double) d * u));
  c.gT = (double) T * u / (1.0 - (double) T * u);
  if (r->max_prec < CERT_PREC_FAST)
    r->max_prec = CERT_PREC_FAST;
  size_t refined = 0, filtered = 0;
  unsigned long maxp = r->max_prec;
  const size_t nblocks = (m + CERT_BLOCK - 1) / CERT_BLOCK;
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  int blas_threads = openblas_get_num_threads ();
  openblas_set_num_threads (1);
#endif
  /* Blocks of rows are independent: one thread per block, each with its own
     Gram slab and MPFR temporaries (MPFR keeps its caches per thread). */
#pragma omp parallel reduction(+:refined, filtered) reduction(max:maxp)
  {
    mpfr_t tmp[5];
    for (int k = 0; k < 5; k++)
      mpfr_init2 (tmp[k], CERT_PREC_FAST);
    double *Qb = filter ? malloc (CERT_BLOCK * d * sizeof *Qb) : NULL;
    double *G = filter ? malloc (CERT_BLOCK * T * sizeof *G) : NULL;
    if (filter && (Qb == NULL || G == NULL))
#pragma omp critical (varlb_certify_status)
      st = VARLB_ENOMEM;
#pragma omp for schedule(dynamic, 1)
    for (size_t b = 0; b < nblocks; b++)
      {
        size_t q0 = b * CERT_BLOCK, nb = m - q0 < CERT_BLOCK ? m - q0 : CERT_BLOCK;
        const int gram = filter && G != NULL && Qb != NULL;
        if (gram)
          {
            for (size_t k = 0; k < nb; k++)
              memcpy (Qb + k * d, in->K + (rows ? rows[q0 + k] : q0 + k) * d, d * sizeof *Qb);
            cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nb, (int) T, (int) d,
                         1.0, Qb, (int) d, in->K, (int) d, 0.0, G, (int) T);
          }
        for (size_t k = 0; k < nb; k++)
          {
            size_t q = q0 + k, i = rows ? rows[q] : q;
            int rst = certify_row (state + q * d, &c, i, gram ? G + k * T : NULL, tmp,
                                   &refined, &filtered, &maxp);
            if (rst != VARLB_OK)
#pragma omp critical (varlb_certify_status)
              st = rst;
          }
      }
    free (Qb);
    free (G);
    for (int k = 0; k < 5; k++)
      mpfr_clear (tmp[k]);
    mpfr_free_cache ();
  }
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  openblas_set_num_threads (blas_threads);
#endif
  r->rows_refined += refined;
  r->rows_filtered += filtered;
  r->max_prec = maxp;
  if (st == VARLB_OK)
    st = tally (r, state, rows, m, d);
  free (state);
  free (zero_key);
  free (nrm);
  return st;
}
