/* snapkv.c -- SnapKV (arXiv 2404.14469): an observation window of queries
 * (public seed, never Bob's) votes with its summed attention, smoothed by
 * 1-D pooling over token order (kernel, avg or max), then top-k. */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  { "kernel", VARLB_KNOB_INT, "5", 1, 1001, "pooling kernel (tokens)" },
  { "pooling", VARLB_KNOB_STRING, "avg", 0, 0, "avg or max" },
};

static int
score (EVICT_SCORE_PARAMS)
{
  size_t kernel = (size_t) cc_knob_double (self, kn, "kernel");
  const char *pool = cc_knob (self, kn, "pooling");
  if (strcmp (pool, "avg") != 0 && strcmp (pool, "max") != 0)
    return VARLB_EINVAL;
  double *raw = malloc (T * sizeof *raw);
  int st = raw ? cc_observed_scores (raw, K, T, d, (size_t) cc_knob_double (self, kn, "queries"),
                                     cc_knob_double (self, kn, "temperature"), seed, CC_OBS_SUM)
               : VARLB_ENOMEM;
  if (st == VARLB_OK)
    cc_pool1d (s, raw, T, kernel, strcmp (pool, "max") == 0);
  free (raw);
  return st;
}

EVICT_SCORER_PRESS (snapkv, "SnapKV: observation-window voting with pooled attention, then top-k", score);
