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

static size_t
choose (size_t *keep, size_t k, const double *K, size_t T, size_t d,
        uint64_t seed, const varlb_compressor_t *self, const varlb_knobs_t *kn,
        const varlb_pyramid_t *pyramid)
{
  size_t kernel = (size_t) cc_knob_double (self, kn, "kernel");
  int use_max = strcmp (cc_knob (self, kn, "pooling"), "max") == 0;
  double *s = malloc (T * sizeof *s), *p = malloc (T * sizeof *p);
  if (s == NULL || p == NULL
      || cc_observed_scores (s, K, T, d, (size_t) cc_knob_double (self, kn, "queries"),
                             cc_knob_double (self, kn, "temperature"), seed,
                             CC_OBS_SUM) != VARLB_OK)
    {
      free (s);
      free (p);
      return 0;
    }
  cc_pool1d (p, s, T, kernel, use_max);
  cc_top_k (keep, k, p, T);
  free (s);
  free (p);
  return k;
}

extern const varlb_compressor_t varlb_compressor_snapkv;

static int
compress (varlb_blob_t *blob, const double *K, const double *V, size_t T,
          size_t d, size_t dv, double budget_bits, uint64_t seed,
          const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  const char *pool = cc_knob (&varlb_compressor_snapkv, kn, "pooling");
  if (strcmp (pool, "avg") != 0 && strcmp (pool, "max") != 0)
    return VARLB_EINVAL;
  return evict_compress (blob, K, V, T, d, dv, budget_bits, seed, kn, pyramid,
                         &varlb_compressor_snapkv, choose);
}

const varlb_compressor_t varlb_compressor_snapkv = {
  VARLB_COMPRESSOR_ABI, "snapkv",
  "SnapKV: observation-window voting with pooled attention, then top-k",
  knobs, sizeof knobs / sizeof *knobs, NULL, compress, evict_answer, NULL
};
