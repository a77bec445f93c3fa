/* alloc.c -- the shared machinery of the whole-model budget allocators: one
 * global count of kept tokens from the budget, split over the heads by each
 * method's plan, each head's tokens chosen by a press (observed queries of
 * the head's own public seed, never Bob's) or by position, and the
 * whole-model eviction blob with its charged table of counts. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"

const double *
alloc_head_K (const alloc_ctx_t *c, size_t i)
{
  return c->K + i * c->T * c->d;
}

const double *
alloc_head_V (const alloc_ctx_t *c, size_t i)
{
  return c->V + i * c->T * c->dv;
}

uint64_t
alloc_head_seed (const alloc_ctx_t *c, size_t i)
{
  return varlb_seed_head_public (c->seed, i / c->H, i % c->H);
}

double
alloc_header_bits (size_t n)
{
  return 32.0 * (1.0 + (double) n);
}

size_t
alloc_capacity (double budget_bits, size_t n, size_t d, size_t dv, unsigned prec)
{
  double room = budget_bits - alloc_header_bits (n), per = (double) (d + dv) * prec;
  return room <= 0 || per <= 0 ? 0 : (size_t) floor (room / per);
}

/* ---------------------------------------------------------- the split */


void
alloc_split (size_t *count, size_t n, size_t total, const double *weight, size_t cap)
{
  if (n == 0)
    return;
  if (cap == 0 || total >= n * cap)
    {
      for (size_t i = 0; i < n; i++)
        count[i] = total >= n * cap ? cap : 0;
      return;
    }
  unsigned char *fixed = calloc (n, 1);
  double *share = malloc (n * sizeof *share);
  cc_scored_t *r = malloc (n * sizeof *r);
  if (fixed == NULL || share == NULL || r == NULL)
    {
      /* Out of memory: evenly, still exact. */
      for (size_t i = 0; i < n; i++)
        count[i] = total / n + (i < total % n);
      free (fixed), free (share), free (r);
      return;
    }
  size_t left = total;
  for (;;)
    {
      /* Proportional shares of what the uncapped units have left; a unit
         whose share reaches the cap takes the cap and leaves the round. */
      double W = 0.0;
      size_t open = 0;
      for (size_t i = 0; i < n; i++)
        if (!fixed[i])
          W += weight && weight[i] > 0 ? weight[i] : 0.0, open++;
      int capped = 0;
      for (size_t i = 0; i < n; i++)
        if (!fixed[i])
          {
            double w = W > 0 ? (weight[i] > 0 ? weight[i] : 0.0) / W : 1.0 / (double) open;
            share[i] = (double) left * w;
            if (share[i] >= (double) cap)
              {
                count[i] = cap;
                fixed[i] = 1;
                left -= cap;
                capped = 1;
              }
          }
      if (!capped)
        break;
    }
  size_t given = 0, m = 0;
  for (size_t i = 0; i < n; i++)
    if (!fixed[i])
      {
        count[i] = (size_t) floor (share[i]);
        if (count[i] > cap)
          count[i] = cap;
        given += count[i];
        r[m].s = share[i] - floor (share[i]);
        r[m++].i = i;
      }
  left = left > given ? left - given : 0;
  qsort (r, m, sizeof *r, cc_by_score_desc);
  for (size_t k = 0; k < m && left > 0; k++)
    if (count[r[k].i] < cap)
      count[r[k].i]++, left--;
  for (size_t i = 0; i < n && left > 0; i++)
    while (count[i] < cap && left > 0)
      count[i]++, left--;
  free (fixed), free (share), free (r);
}

/* ------------------------------------------------------- head scores */

int
alloc_press_scores (double *s, const alloc_ctx_t *c, size_t i, size_t k)
{
  return evict_press_scores (s, k, alloc_head_K (c, i), alloc_head_V (c, i), c->T, c->d, c->dv,
                             alloc_head_seed (c, i), c->self, c->kn, c->py);
}

int
alloc_observed (double *s, const alloc_ctx_t *c, size_t i)
{
  return cc_observed_scores (s, alloc_head_K (c, i), c->T, c->d,
                             (size_t) cc_knob_double (c->self, c->kn, "queries"),
                             cc_knob_double (c->self, c->kn, "temperature"),
                             alloc_head_seed (c, i), CC_OBS_SUM);
}

double
alloc_mass_ends (const double *s, size_t T, size_t sink, size_t recent)
{
  double all = 0.0, ends = 0.0;
  for (size_t t = 0; t < T; t++)
    {
      all += s[t];
      if (t < sink || t + recent >= T)
        ends += s[t];
    }
  return all > 0 ? ends / all : 0.0;
}

int
alloc_keep_top (size_t *keep, size_t k, const alloc_ctx_t *c, size_t i)
{
  if (k >= c->T)
    {
      for (size_t t = 0; t < c->T; t++)
        keep[t] = t;
      return VARLB_OK;
    }
  double *s = malloc ((c->T ? c->T : 1) * sizeof *s);
  int st = s ? alloc_press_scores (s, c, i, k) : VARLB_ENOMEM;
  if (st == VARLB_OK)
    cc_top_k (keep, k, s, c->T);
  free (s);
  return st;
}

void
alloc_keep_ends (size_t *keep, size_t k, size_t sink, size_t T)
{
  if (k > T)
    k = T;
  size_t head = sink < k ? sink : k, n = 0;
  for (size_t t = 0; t < head; t++)
    keep[n++] = t;
  for (size_t t = T - (k - head); t < T; t++)
    keep[n++] = t;
}

int
alloc_plan_even (size_t *count, size_t *keep, size_t total, const alloc_ctx_t *c)
{
  alloc_split (count, c->n, total, NULL, c->T);
  int st = VARLB_OK;
  for (size_t i = 0; st == VARLB_OK && i < c->n; i++)
    st = alloc_keep_top (keep + i * c->T, count[i], c, i);
  return st;
}

/* -------------------------------------------------------- the blob */

int
alloc_check_knobs (unsigned *prec, const varlb_compressor_t *self, const varlb_knobs_t *kn)
{
  if (cc_knob_prec (prec, self, kn, "bits") != VARLB_OK
      || (cc_knob (self, kn, "press") && evict_press_check (self, kn) != VARLB_OK))
    return VARLB_EINVAL;
  return VARLB_OK;
}

int
alloc_evict_compress (ALLOC_COMPRESS_PARAMS,
                      const varlb_compressor_t *self, alloc_plan_fn plan)
{
  alloc_ctx_t c = { K, V, L, H, T, d, dv, L * H, seed, kn, py, self, 0 };
  if (alloc_check_knobs (&c.prec, self, kn) != VARLB_OK)
    return VARLB_EINVAL;
  size_t total = alloc_capacity (budget_bits, c.n, d, dv, c.prec);
  if (total > c.n * T)
    total = c.n * T;
  size_t *count = calloc (c.n ? c.n : 1, sizeof *count);
  size_t *keep = malloc ((c.n * T > 0 ? c.n * T : 1) * sizeof *keep);
  int st = count && keep ? VARLB_OK : VARLB_ENOMEM;
  /* Not even the table fits: an empty blob (charged nothing, answers 0). */
  if (st == VARLB_OK && budget_bits < alloc_header_bits (c.n))
    {
      free (count), free (keep);
      return VARLB_OK;
    }
  if (st == VARLB_OK)
    st = plan (count, keep, total, &c);
  size_t sum = 0;
  for (size_t i = 0; st == VARLB_OK && i < c.n; i++)
    {
      sum += count[i];
      if (count[i] > T)
        st = VARLB_EINVAL;
    }
  if (st == VARLB_OK && sum > total)
    st = VARLB_EINVAL; /* a plan over the budget is a bug, never charged */
  if (st == VARLB_OK)
    st = cc_put_u32 (blob, c.prec);
  for (size_t i = 0; st == VARLB_OK && i < c.n; i++)
    st = cc_put_u32 (blob, (uint32_t) count[i]);
  for (size_t i = 0; st == VARLB_OK && i < c.n; i++)
    {
      const double *Ki = alloc_head_K (&c, i), *Vi = alloc_head_V (&c, i);
      const size_t *ki = keep + i * T;
      for (size_t r = 0; st == VARLB_OK && r < count[i]; r++)
        {
          for (size_t j = 0; st == VARLB_OK && j < d; j++)
            st = cc_put_real (blob, Ki[ki[r] * d + j], c.prec);
          for (size_t j = 0; st == VARLB_OK && j < dv; j++)
            st = cc_put_real (blob, Vi[ki[r] * dv + j], c.prec);
        }
    }
  free (count);
  free (keep);
  return st;
}

int
alloc_evict_answer (ALLOC_ANSWER_PARAMS)
{
  size_t n = L * H;
  if (len == 0)
    {
      memset (O, 0, n * m * dv * sizeof *O);
      return VARLB_OK;
    }
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  unsigned prec = cc_get_u32 (&r);
  if (r.bad || !cc_prec_ok (prec) || r.left / 4 < n)
    return VARLB_EFORMAT;
  size_t per = (d + dv) * (prec / 8), sum = 0, most = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t k = cc_get_u32 (&r);
      sum += k; /* n < 2^32 counts below 2^32: no overflow on 64 bits */
      most = k > most ? k : most;
    }
  if (r.bad || per == 0 || sum > r.left / per || sum * per != r.left)
    return VARLB_EFORMAT;
  const unsigned char *counts = blob + 4;
  double *Kc = malloc ((most ? most : 1) * d * sizeof *Kc);
  double *Vc = malloc ((most ? most : 1) * dv * sizeof *Vc);
  int st = Kc && Vc ? VARLB_OK : VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      const unsigned char *p = counts + 4 * i;
      size_t k = (size_t) p[0] | (size_t) p[1] << 8 | (size_t) p[2] << 16 | (size_t) p[3] << 24;
      for (size_t t = 0; t < k; t++)
        {
          for (size_t j = 0; j < d; j++)
            Kc[t * d + j] = cc_get_real (&r, prec);
          for (size_t j = 0; j < dv; j++)
            Vc[t * dv + j] = cc_get_real (&r, prec);
        }
      if (r.bad || cc_decoded_finite (Kc, NULL, k * d) != VARLB_OK
          || cc_decoded_finite (Vc, NULL, k * dv) != VARLB_OK)
        st = VARLB_EFORMAT;
      else
        st = cc_answer_cache (O + i * m * dv, Q + i * m * d, m, Kc, Vc, k, d, dv);
    }
  free (Kc);
  free (Vc);
  return st;
}
