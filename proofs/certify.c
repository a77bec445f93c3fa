/* certify.c -- certified decoding of a drawn instance (proofs/certify.md):
 * every decoded bit's exact attention output is enclosed in an MPFR interval
 * (directed rounding) and checked against the threshold, so a "decodes
 * correctly" claim for the paper's sec. 1.7 construction is a proof, not a
 * floating-point observation. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <mpfr.h>
#include "varlb.h"

#define CERT_PREC_FAST 53
#define CERT_PREC_MIN 64
#define CERT_PREC_MAX 2048

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

/* Fast pass for row I: one shared denominator.  The inner products are
   taken in double with the standard bound |fl(x.y) - x.y| <= gamma_d
   sum|x_j y_j| (gamma_d = d u / (1 - d u), u = 2^-53; doubled, plus an
   underflow allowance), then exp and the sums in MPFR with directed
   rounding.  With w the target weight, every output lies in
   [vmin + w (v - vmin), vmax - w (vmax - v)], so a lower bound on w decides
   most bits.  Sets DONE[j] = 1 for bits it certifies. */
static void
fast_row (unsigned char *done, const varlb_instance_t *in, size_t i,
          double vmin, double vmax, mpfr_t *tmp, const unsigned char *zero_key)
{
  const size_t d = in->d, T = in->T;
  const double *ki = in->K + i * d;
  const double gamma = 2.0 * ((double) d * DBL_EPSILON / 2.0)
                       / (1.0 - (double) d * DBL_EPSILON / 2.0);
  mpfr_ptr x = tmp[0], rest = tmp[1], et = tmp[2], w = tmp[3], o = tmp[4];
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
  for (size_t j = 0; j < d; j++)
    {
      double v = in->V[i * d + j];
      int truth = varlb_bits_get (&in->x, i, j);
      if (truth)
        {
          mpfr_set_d (x, v, MPFR_RNDN);
          mpfr_sub_d (x, x, vmin, MPFR_RNDD);
          mpfr_mul (o, w, x, MPFR_RNDD);
          mpfr_add_d (o, o, vmin, MPFR_RNDD);
          done[j] = mpfr_cmp_d (o, in->threshold) > 0;
        }
      else
        {
          mpfr_set_d (x, vmax, MPFR_RNDN);
          mpfr_sub_d (x, x, v, MPFR_RNDD);
          mpfr_mul (o, w, x, MPFR_RNDD);
          mpfr_d_sub (o, vmax, o, MPFR_RNDU);
          done[j] = mpfr_cmp_d (o, in->threshold) <= 0;
        }
    }
}

/* Full pass for row I at precision PREC: inner products, exps, the common
   denominator and each coordinate's numerator all as MPFR intervals.
   STATE[j]: 0 undecided, 1 certified, 2 proved wrong. */
static int
full_row (unsigned char *state, const varlb_instance_t *in, size_t i,
          mpfr_prec_t prec)
{
  const size_t d = in->d, T = in->T;
  const double *ki = in->K + i * d;
  mpfr_t lo, hi, p, Slo, Shi, olo, ohi;
  mpfr_t *elo = malloc (T * sizeof *elo), *ehi = malloc (T * sizeof *ehi);
  if (elo == NULL || ehi == NULL)
    {
      free (elo);
      free (ehi);
      return VARLB_ENOMEM;
    }
  mpfr_inits2 (prec, lo, hi, p, Slo, Shi, olo, ohi, (mpfr_ptr) 0);
  mpfr_set_zero (Slo, 1);
  mpfr_set_zero (Shi, 1);
  for (size_t t = 0; t < T; t++)
    {
      const double *kt = in->K + t * d;
      mpfr_inits2 (prec, elo[t], ehi[t], (mpfr_ptr) 0);
      mpfr_set_zero (lo, 1);
      mpfr_set_zero (hi, 1);
      for (size_t j = 0; j < d; j++)
        {
          mpfr_set_d (p, ki[j], MPFR_RNDN); /* exact: prec >= 53 */
          mpfr_mul_d (p, p, kt[j], MPFR_RNDD);
          mpfr_add (lo, lo, p, MPFR_RNDD);
          mpfr_set_d (p, ki[j], MPFR_RNDN);
          mpfr_mul_d (p, p, kt[j], MPFR_RNDU);
          mpfr_add (hi, hi, p, MPFR_RNDU);
        }
      /* C > 0: the score C<k_i,k_t> keeps the order of the enclosure. */
      mpfr_mul_d (lo, lo, in->C, MPFR_RNDD);
      mpfr_mul_d (hi, hi, in->C, MPFR_RNDU);
      mpfr_exp (elo[t], lo, MPFR_RNDD);
      mpfr_exp (ehi[t], hi, MPFR_RNDU);
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
        state[j] = mpfr_cmp_d (olo, in->threshold) > 0 ? 1
                   : mpfr_cmp_d (ohi, in->threshold) <= 0 ? 2 : 0;
      else
        state[j] = mpfr_cmp_d (ohi, in->threshold) <= 0 ? 1
                   : mpfr_cmp_d (olo, in->threshold) > 0 ? 2 : 0;
    }
  for (size_t t = 0; t < T; t++)
    mpfr_clears (elo[t], ehi[t], (mpfr_ptr) 0);
  mpfr_clears (lo, hi, p, Slo, Shi, olo, ohi, (mpfr_ptr) 0);
  free (elo);
  free (ehi);
  return VARLB_OK;
}

int
varlb_certify_instance (varlb_certify_report_t *r, const varlb_instance_t *in,
                        const size_t *rows, size_t m)
{
  if (in->K == NULL || !(in->C > 0.0) || !isfinite (in->threshold))
    return VARLB_EINVAL;
  if (rows == NULL)
    m = in->alice_tokens;
  const size_t d = in->d;
  double vmin = INFINITY, vmax = -INFINITY;
  for (size_t t = 0; t < in->T * d; t++)
    {
      if (!isfinite (in->V[t]))
        return VARLB_ENUMERIC;
      vmin = fmin (vmin, in->V[t]);
      vmax = fmax (vmax, in->V[t]);
    }
  for (size_t t = 0; t < in->T * d; t++)
    if (!isfinite (in->K[t]))
      return VARLB_ENUMERIC;
  for (size_t q = 0; rows && q < m; q++)
    if (rows[q] >= in->alice_tokens)
      return VARLB_EINVAL;
  unsigned char *state = malloc (m * d > 0 ? m * d : 1), *zero_key = calloc (in->T, 1);
  if (state == NULL || zero_key == NULL)
    {
      free (state);
      free (zero_key);
      return VARLB_ENOMEM;
    }
  for (size_t t = 0; t < in->T; t++)
    {
      zero_key[t] = 1;
      for (size_t j = 0; j < d && zero_key[t]; j++)
        zero_key[t] = in->K[t * d + j] == 0.0;
    }
  if (r->max_prec < CERT_PREC_FAST)
    r->max_prec = CERT_PREC_FAST;
  int st = VARLB_OK;
  size_t refined = 0;
  unsigned long maxp = r->max_prec;
  /* Rows are independent: one thread per row, each with its own MPFR
     temporaries (MPFR keeps its caches per thread). */
#pragma omp parallel reduction(+:refined) reduction(max:maxp)
  {
    mpfr_t tmp[5];
    for (int k = 0; k < 5; k++)
      mpfr_init2 (tmp[k], CERT_PREC_FAST);
#pragma omp for schedule(dynamic, 4)
    for (size_t q = 0; q < m; q++)
      {
        size_t i = rows ? rows[q] : q;
        unsigned char *sr = state + q * d;
        fast_row (sr, in, i, vmin, vmax, tmp, zero_key);
        int open = 0, rst = VARLB_OK;
        for (size_t j = 0; j < d; j++)
          open += !sr[j];
        if (open)
          {
            refined++;
            for (mpfr_prec_t prec = CERT_PREC_MIN; open && prec <= CERT_PREC_MAX
                 && rst == VARLB_OK; prec *= 2)
              {
                rst = full_row (sr, in, i, prec);
                if ((unsigned long) prec > maxp)
                  maxp = (unsigned long) prec;
                open = 0;
                for (size_t j = 0; j < d; j++)
                  open += !sr[j];
              }
          }
        if (rst != VARLB_OK)
#pragma omp critical (varlb_certify_status)
          st = rst;
      }
    for (int k = 0; k < 5; k++)
      mpfr_clear (tmp[k]);
    mpfr_free_cache ();
  }
  r->rows_refined += refined;
  r->max_prec = maxp;
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
  free (state);
  free (zero_key);
  return st;
}
