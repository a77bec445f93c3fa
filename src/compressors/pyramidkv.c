/* pyramidkv.c -- PyramidKV (arXiv 2406.02069) on a whole model: per-layer
 * budgets falling linearly with depth (kvpress's get_layer_budget, after
 * KVCache-Factory: beta sets the ratio of the deepest to the shallowest),
 * the same for every head of a layer, each head's tokens by SnapKV. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include "alloc.h"

static const varlb_knob_t knobs[] = {
  ALLOC_COMMON_KNOBS,
  { "window", VARLB_KNOB_INT, "64", 0, 1000000, "observation window (kvpress window_size)" },
  { "beta", VARLB_KNOB_DOUBLE, "20", 1, 1000, "steepness: the shallowest layer keeps about beta x the deepest" },
};

/* kvpress PyramidKVPress.get_layer_budget with q_len = T and the average
   kept count AVG (= T (1 - compression_ratio)); the uniform AVG when the
   pyramid does not fit (kvpress falls back to SnapKV then). */
static double
layer_budget (size_t layer, size_t L, double T, double avg, double w, double beta)
{
  double min_n = avg / beta, max_n = 2.0 * avg - min_n;
  if (max_n >= T - w)
    {
      max_n = T - w;
      min_n = 2.0 * avg - max_n;
    }
  if (L < 2 || !(T >= max_n && max_n >= min_n && min_n >= w))
    return avg;
  return max_n - (double) layer * (max_n - min_n) / (double) (L - 1);
}

static int
plan (size_t *count, size_t *keep, size_t total, const alloc_ctx_t *c)
{
  double *w = malloc (c->n * sizeof *w);
  if (w == NULL)
    return VARLB_ENOMEM;
  double avg = (double) total / (double) c->n;
  for (size_t i = 0; i < c->n; i++)
    w[i] = layer_budget (i / c->H, c->L, (double) c->T, avg,
                         cc_knob_double (c->self, c->kn, "window"),
                         cc_knob_double (c->self, c->kn, "beta"));
  alloc_split (count, c->n, total, w, c->T);
  free (w);
  int st = VARLB_OK;
  for (size_t i = 0; st == VARLB_OK && i < c->n; i++)
    st = alloc_keep_top (keep + i * c->T, count[i], c, i);
  return st;
}

ALLOC_COMPRESSOR (pyramidkv, "PyramidKV: per-layer budgets falling linearly with depth (beta), SnapKV in each head", plan);
