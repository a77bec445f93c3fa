/* scalekv.c -- ScaleKV (arXiv 2505.19602, VAR-specific): the budget is split
 * across the VAR scales (proportionally to their token counts, or
 * uniformly), and within each scale the tokens with the highest observed
 * score are kept.  As in ScaleKV's main branch, the score is the raw logits
 * of the observation queries summed (public seed, never Bob's), max-pooled
 * with kernel 5 over token order (ScaleKV, arXiv 2505.19602). */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  { "split", VARLB_KNOB_STRING, "proportional", 0, 0,
    "budget split across scales: proportional (to pn^2) or uniform" },
  { "scoring", VARLB_KNOB_STRING, "logits", 0, 0,
    "logits (summed raw logits, ScaleKV) or softmax (summed attention)" },
  { "kernel", VARLB_KNOB_INT, "5", 1, 1001, "pooling kernel (tokens)" },
  { "pooling", VARLB_KNOB_STRING, "max", 0, 0, "max (ScaleKV) or avg" },
};

static size_t
choose (EVICT_CHOOSE_PARAMS)
{
  int uniform = strcmp (cc_knob (self, kn, "split"), "uniform") == 0;
  int logits = strcmp (cc_knob (self, kn, "scoring"), "logits") == 0;
  int use_max = strcmp (cc_knob (self, kn, "pooling"), "max") == 0;
  size_t kernel = (size_t) cc_knob_double (self, kn, "kernel");
  double *raw = malloc (T * sizeof *raw), *s = malloc (T * sizeof *s);
  size_t *quota = calloc (pyramid->scales, sizeof *quota), *tmp = malloc (T * sizeof *tmp);
  size_t n = 0;
  if (raw == NULL || s == NULL || quota == NULL || tmp == NULL
      || cc_observed_scores (raw, K, T, d, (size_t) cc_knob_double (self, kn, "queries"),
                             cc_knob_double (self, kn, "temperature"), seed,
                             logits ? CC_OBS_LOGITS : CC_OBS_SUM) != VARLB_OK)
    goto done;
  cc_pool1d (s, raw, T, kernel, use_max);
  /* The cache holds the scales whose tokens end at or before T. */
  size_t S = 0;
  while (S < pyramid->scales && pyramid->offset[S + 1] <= T)
    S++;
  if (S == 0)
    goto done; /* no whole scale cached: nothing to split */
  size_t left = k;
  for (size_t sc = 0; sc < S; sc++)
    {
      size_t size = pyramid->offset[sc + 1] - pyramid->offset[sc];
      size_t q = uniform ? k / S : (size_t) ((double) k * (double) size / (double) T);
      quota[sc] = q < size ? q : size;
      left -= quota[sc] < left ? quota[sc] : left;
    }
  /* Hand out what rounding left over, largest scales first; one pass
     fills every scale's room, so the budget or the cache runs out. */
  for (size_t sc = S; left > 0 && sc-- > 0;)
    {
      size_t room = pyramid->offset[sc + 1] - pyramid->offset[sc] - quota[sc];
      size_t more = room < left ? room : left;
      quota[sc] += more;
      left -= more;
    }
  for (size_t sc = 0; sc < S; sc++)
    {
      size_t base = pyramid->offset[sc], size = pyramid->offset[sc + 1] - base;
      cc_top_k (tmp, quota[sc], s + base, size);
      for (size_t i = 0; i < quota[sc]; i++)
        keep[n++] = base + tmp[i];
    }
done:
  free (raw);
  free (s);
  free (quota);
  free (tmp);
  return n;
}

extern const varlb_compressor_t varlb_compressor_scalekv;

static int
compress (CC_COMPRESS_PARAMS)
{
  const char *split = cc_knob (&varlb_compressor_scalekv, kn, "split");
  const char *scoring = cc_knob (&varlb_compressor_scalekv, kn, "scoring");
  const char *pool = cc_knob (&varlb_compressor_scalekv, kn, "pooling");
  if ((strcmp (split, "proportional") != 0 && strcmp (split, "uniform") != 0)
      || (strcmp (scoring, "logits") != 0 && strcmp (scoring, "softmax") != 0)
      || (strcmp (pool, "max") != 0 && strcmp (pool, "avg") != 0))
    return VARLB_EINVAL;
  return evict_compress (blob, K, V, T, d, dv, budget_bits, seed, kn, pyramid,
                         &varlb_compressor_scalekv, choose);
}

CC_COMPRESSOR (scalekv, "ScaleKV: per-scale budgets (proportional or uniform), top-k by pooled observed logits in each scale",
               NULL, compress, evict_answer);
