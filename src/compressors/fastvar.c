/* fastvar.c -- FastVAR cached token pruning (Guo et al., arXiv 2503.23367;
 * reference csguoh/FastVAR, HART/hart/modules/networks/fastvar_utils.py),
 * VAR specific.  At the largest scales of the schedule (HART: the last two,
 * pruning 50% and 75% of their tokens) FastVAR forwards only the pivotal
 * tokens, those farthest from the scale's mean, |x_j - mean(x)|^2; pruned
 * tokens get no K/V rows (their outputs are filled from the previous scale's
 * cache, which touches hidden states, not the KV cache).  The cache holds no
 * hidden states, so the score is taken on the keys, a linear image of them.
 * Of the pruned scales only those Alice caches count (the instance's last
 * scale is Bob's).  With ratios=auto (the default) the pruning goes as far
 * as the budget requires and no further: tokens are pruned by the same
 * score, largest scale first, lowest deviation first; with given ratios
 * (FastVAR's fixed ones) the kept set does not grow with the budget, and a
 * budget too small for it prunes on in the same order. */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "quant.h"
#include "evict.h"

static const varlb_knob_t knobs[] = {
  { "bits", VARLB_KNOB_INT, "16", 16, 64, "bits per stored number: 16, 32 or 64" },
  { "scales", VARLB_KNOB_INT, "2", 0, 64, "largest scales of the schedule that are pruned (FastVAR: 2)" },
  { "ratios", VARLB_KNOB_STRING, "auto", 0, 0,
    "auto (prune as the budget requires) or the pruning ratio of each pruned scale, smallest first, '/'-separated (HART: 0.5/0.75)" },
};

#define FV_MAX_SCALES 64

typedef struct fv_tok {
  size_t t, scale;
  double dev;
} fv_tok_t;

/* Pruning order once FastVAR's own rule is applied: largest scale first,
   lowest deviation first, then by index. */
static int
fv_drop_order (const void *a, const void *b)
{
  const fv_tok_t *x = a, *y = b;
  if (x->scale != y->scale)
    return x->scale > y->scale ? -1 : 1;
  if (x->dev != y->dev)
    return x->dev < y->dev ? -1 : 1;
  return x->t < y->t ? -1 : x->t > y->t;
}

/* The ratios knob: how many ratios (0 for auto), or -1 when malformed. */
static int
fv_ratios (double *ratio, const varlb_compressor_t *self, const varlb_knobs_t *kn)
{
  const char *v = cc_knob (self, kn, "ratios");
  if (strcmp (v, "auto") == 0)
    return 0;
  int n = qz_parse_list (ratio, FV_MAX_SCALES, v, 0, 1);
  return n > 0 ? n : -1;
}

static size_t
choose (EVICT_CHOOSE_PARAMS)
{
  double ratio[FV_MAX_SCALES];
  int nr = fv_ratios (ratio, self, kn);
  size_t np = (size_t) cc_knob_double (self, kn, "scales");
  size_t S = evict_cached_scales (pyramid, T), K_all = pyramid->scales, n = 0;
  fv_tok_t *tok = malloc ((T + 1) * sizeof *tok);
  double *mean = malloc ((d + 1) * sizeof *mean);
  if (tok == NULL || mean == NULL || nr < 0)
    {
      free (tok), free (mean);
      return 0;
    }
  np = np < K_all ? np : K_all;
  for (size_t s = 0; s < S; s++)
    {
      size_t a = pyramid->offset[s], b = pyramid->offset[s + 1], len = b - a;
      memset (mean, 0, d * sizeof *mean);
      for (size_t t = a; t < b; t++)
        for (size_t j = 0; j < d; j++)
          mean[j] += K[t * d + j] / (double) len;
      fv_tok_t *sc = tok + n;
      for (size_t t = a; t < b; t++)
        {
          double dev = 0.0;
          for (size_t j = 0; j < d; j++)
            dev += (K[t * d + j] - mean[j]) * (K[t * d + j] - mean[j]);
          sc[t - a] = (fv_tok_t) { t, s, dev };
        }
      /* Pruned scale i of the np largest (i = 0 the smallest of them):
         keep the len - int(len ratio) farthest from the mean. */
      size_t remain = len;
      if (s + np >= K_all)
        {
          size_t i = s - (K_all - np); /* a scale past the list takes its last ratio */
          double rt = nr == 0 ? 0.0 : ratio[(int) i < nr ? i : (size_t) nr - 1];
          remain = len - (size_t) ((double) len * rt);
        }
      qsort (sc, len, sizeof *sc, fv_drop_order); /* lowest deviation first */
      memmove (sc, sc + (len - remain), remain * sizeof *sc);
      n += remain;
    }
  /* Over the budget: prune on, largest scale first. */
  if (n > k)
    {
      qsort (tok, n, sizeof *tok, fv_drop_order);
      memmove (tok, tok + (n - k), k * sizeof *tok);
      n = k;
    }
  for (size_t i = 0; i < n; i++)
    keep[i] = tok[i].t;
  evict_sort (keep, n);
  free (tok), free (mean);
  return n;
}

extern const varlb_compressor_t varlb_compressor_fastvar;

static int
compress (CC_COMPRESS_PARAMS)
{
  double ratio[FV_MAX_SCALES];
  int nr = fv_ratios (ratio, &varlb_compressor_fastvar, kn);
  if (nr < 0)
    return VARLB_EINVAL;
  return (nr ? evict_compress_policy : evict_compress) (blob, K, V, T, d, dv, budget_bits,
                                                        seed, kn, pyramid,
                                                        &varlb_compressor_fastvar, choose);
}

CC_COMPRESSOR (fastvar, "FastVAR (arXiv 2503.23367, VAR): cached token pruning, the largest scales keep their tokens farthest from the scale mean",
               NULL, compress, evict_answer);
