/* merging.c -- Merging, kvpress's MergingPress (after Token Merging, arXiv
 * 2210.09461, and D2O, arXiv 2406.13035): a scorer press picks the kept
 * tokens; every evicted token's value is folded into the kept token whose
 * key is most cosine-similar, with weight max(sim, 0) x |v_e| / (|v_e| +
 * |v_k|), and each kept value becomes the weighted mean
 * (v_k + sum w_e v_e) / (1 + sum w_e).  Keys are kept as they are.  Merges
 * need sim >= similarity_threshold, and only the merge_fraction most
 * similar evicted tokens merge. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  EVICT_PRESS_KNOB ("knorm"),
  { "similarity_threshold", VARLB_KNOB_DOUBLE, "0", 0, 1, "least key cosine similarity for a merge" },
  { "merge_fraction", VARLB_KNOB_DOUBLE, "1", 1e-9, 1,
    "fraction of the evicted tokens (most similar first) that merge" },
};

#define MERGE_EPS 1e-6 /* kvpress's _EPS */

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The linear-interpolation quantile P of X (N > 0 values; sorted here), as
   torch.quantile. */
static double
quantile (double *x, size_t n, double p)
{
  qsort (x, n, sizeof *x, cmp_double);
  double pos = p * (double) (n - 1);
  size_t lo = (size_t) floor (pos), hi = lo + 1 < n ? lo + 1 : lo;
  return x[lo] + (pos - (double) lo) * (x[hi] - x[lo]);
}

static int
select_merge (EVICT_SELECT_PARAMS)
{
  double thr = cc_knob_double (self, kn, "similarity_threshold");
  double frac = cc_knob_double (self, kn, "merge_fraction");
  double *s = malloc ((T ? T : 1) * sizeof *s), *sim = malloc ((T ? T : 1) * sizeof *sim);
  double *tmp = malloc ((T ? T : 1) * sizeof *tmp), *acc = calloc ((k ? k : 1) * dv, sizeof *acc);
  double *wsum = calloc (k ? k : 1, sizeof *wsum);
  size_t *target = malloc ((T ? T : 1) * sizeof *target);
  unsigned char *kept_mask = calloc (T ? T : 1, 1);
  int st = s && sim && tmp && acc && wsum && target && kept_mask
               ? evict_press_scores (s, k, K, V, T, d, dv, seed, self, kn, pyramid)
               : VARLB_ENOMEM;
  *kept = 0;
  if (st == VARLB_OK)
    {
      cc_top_k (keep, k, s, T);
      *kept = k;
      for (size_t i = 0; i < k; i++)
        kept_mask[keep[i]] = 1;
    }
  /* nearest kept key (cosine) of each evicted token */
  size_t merging = 0;
  for (size_t e = 0; st == VARLB_OK && k > 0 && e < T; e++)
    {
      if (kept_mask[e])
        continue;
      double ne = fmax (cblas_dnrm2 ((int) d, K + e * d, 1), MERGE_EPS), best = -INFINITY;
      for (size_t i = 0; i < k; i++)
        {
          const double *kk = K + keep[i] * d;
          double c = cblas_ddot ((int) d, K + e * d, 1, kk, 1)
                     / (ne * fmax (cblas_dnrm2 ((int) d, kk, 1), MERGE_EPS));
          if (c > best)
            best = c, target[e] = i;
        }
      sim[e] = best;
      if (best >= thr)
        tmp[merging++] = best;
    }
  /* the fraction gate: only similarities at or above the (1 - f) quantile */
  double gate = merging && frac < 1.0 ? quantile (tmp, merging, 1.0 - frac) : -INFINITY;
  for (size_t e = 0; st == VARLB_OK && k > 0 && e < T; e++)
    {
      if (kept_mask[e] || sim[e] < thr || sim[e] < gate)
        continue;
      size_t i = target[e];
      double nv = cblas_dnrm2 ((int) dv, V + e * dv, 1);
      double nk = cblas_dnrm2 ((int) dv, V + keep[i] * dv, 1);
      double w = fmax (sim[e], 0.0) * nv / (nv + nk + MERGE_EPS);
      cblas_daxpy ((int) dv, w, V + e * dv, 1, acc + i * dv, 1);
      wsum[i] += w;
    }
  for (size_t i = 0; st == VARLB_OK && i < k; i++)
    if (wsum[i] > 0)
      for (size_t j = 0; j < dv; j++)
        Vw[keep[i] * dv + j] = (V[keep[i] * dv + j] + acc[i * dv + j]) / (1.0 + wsum[i]);
  free (s), free (sim), free (tmp), free (acc), free (wsum), free (target), free (kept_mask);
  return st;
}

EVICT_COMPRESSOR (merging,
                  "Merging (kvpress MergingPress; ToMe arXiv 2210.09461, D2O arXiv 2406.13035): evicted values folded into the most similar kept key's value",
                  evict_select_compress, select_merge);
