/* cam.c -- CaM, cache merging (ICML 2024, openreview LCTmppB165; kvpress
 * CAMPress): a scorer press picks the kept tokens; the evicted ones with the
 * best scores (up to compression_interval, later positions first on ties)
 * are merged: each adds v_e / m to the values of the next m <= merge_budget
 * kept tokens after it, with probability min(1, A_e / mean A over those
 * m), A the attention accumulated over the observed queries (the decoding
 * steps; public seed, never Bob's) and the coin from the public seed.
 * Kept keys are unchanged; values only grow. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  EVICT_PRESS_KNOB ("streamingllm"),
  { "merge_budget", VARLB_KNOB_INT, "32", 1, 1e9, "kept neighbours each merged value is spread over" },
  { "compression_interval", VARLB_KNOB_INT, "512", 0, 1e9,
    "evicted tokens that may merge (kvpress: decoding steps since the last compression)" },
};

static int
select_cam (EVICT_SELECT_PARAMS)
{
  size_t budget = (size_t) cc_knob_double (self, kn, "merge_budget");
  size_t interval = (size_t) cc_knob_double (self, kn, "compression_interval");
  double *s = malloc ((T ? T : 1) * sizeof *s), *A = malloc ((T ? T : 1) * sizeof *A);
  double *neg = malloc ((T ? T : 1) * sizeof *neg);
  size_t *order = malloc ((T ? T : 1) * sizeof *order);
  unsigned char *kept_mask = calloc (T ? T : 1, 1);
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  int st = s && A && neg && order && kept_mask && r
               ? evict_press_scores (s, k, K, V, T, d, dv, seed, self, kn, pyramid)
               : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = cc_observed_scores (A, K, T, d, (size_t) cc_knob_double (self, kn, "queries"),
                             cc_knob_double (self, kn, "temperature"), seed, CC_OBS_SUM);
  *kept = 0;
  if (st == VARLB_OK)
    {
      cc_top_k (keep, k, s, T);
      *kept = k;
      for (size_t i = 0; i < k; i++)
        kept_mask[keep[i]] = 1;
      /* merge candidates: evicted, best score first, later position first
         on ties (rank the reversed order) */
      for (size_t t = 0; t < T; t++)
        neg[T - 1 - t] = kept_mask[t] ? -INFINITY : s[t];
      st = cc_rank_desc (order, neg, T);
    }
  size_t merged = 0;
  for (size_t i = 0; st == VARLB_OK && k > 0 && i < T && merged < interval; i++)
    {
      size_t e = T - 1 - order[i];
      if (kept_mask[e])
        break; /* only kept tokens (-inf) remain */
      merged++;
      /* the window: the next kept tokens after e (keep is sorted) */
      size_t first = 0;
      while (first < k && keep[first] <= e)
        first++;
      size_t m = k - first < budget ? k - first : budget;
      if (m == 0)
        continue;
      double mean = 0.0;
      for (size_t j = first; j < first + m; j++)
        mean += A[keep[j]] / (double) m;
      double p = A[e] / mean;
      p = isnan (p) ? 0.0 : isinf (p) ? 1.0 : fmin (fmax (p, 0.0), 1.0);
      if (gsl_rng_uniform (r) >= p)
        continue;
      for (size_t j = first; j < first + m; j++)
        for (size_t c = 0; c < dv; c++)
          Vw[keep[j] * dv + c] += V[e * dv + c] / (double) m;
    }
  free (s), free (A), free (neg), free (order), free (kept_mask);
  if (r)
    gsl_rng_free (r);
  return st;
}

EVICT_COMPRESSOR (cam,
                  "CaM (ICML 2024, openreview LCTmppB165): evicted values merged into the next kept tokens with attention-ratio probability",
                  evict_select_compress, select_cam);
