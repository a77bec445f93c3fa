/* criticalkv.c -- CriticalKV (arXiv 2502.03805, kvpress CriticalKVPress):
 * two-stage selection over any scorer press.  Stage 1 keeps the top
 * first_stage_ratio x k tokens by the press's scores; stage 2 fills the
 * rest by (score + epsilon) x ||W_o v||_1, the size of what the token adds
 * to the output.  One head has no output projection (W_o = I), so stage 2
 * weighs by ||v||_1. */
#include <config.h>
#include <float.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  EVICT_PRESS_KNOB ("snapkv"),
  { "epsilon", VARLB_KNOB_DOUBLE, "1e-4", 0, 1e9, "added to the scores before the ||v||_1 weighting" },
  { "first_stage_ratio", VARLB_KNOB_DOUBLE, "0.5", 0, 1, "fraction of the kept tokens chosen by the press alone" },
};

static int
score (EVICT_SCORE_PARAMS)
{
  int st = evict_press_scores (s, k, K, V, T, d, dv, seed, self, kn, pyramid);
  size_t first = (size_t) (cc_knob_double (self, kn, "first_stage_ratio") * (double) k);
  double eps = cc_knob_double (self, kn, "epsilon");
  size_t *top = malloc ((first ? first : 1) * sizeof *top);
  if (st == VARLB_OK && top == NULL)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    {
      cc_top_k (top, first, s, T);
      for (size_t t = 0; t < T; t++)
        s[t] = (s[t] + eps) * cblas_dasum ((int) dv, V + t * dv, 1);
      for (size_t i = 0; i < first; i++)
        s[top[i]] = DBL_MAX;
    }
  free (top);
  return st;
}

EVICT_COMPRESSOR (criticalkv,
                  "CriticalKV (arXiv 2502.03805): two-stage selection, the press's top half then (score + eps) x ||v||_1",
                  evict_score_compress, score);
