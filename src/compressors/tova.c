/* tova.c -- TOVA (arXiv 2401.06104): keep the tokens with the largest
 * attention from the last observed query (public seed, never Bob's). */
#include <config.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = { EVICT_COMMON_KNOBS };

static size_t
choose (size_t *keep, size_t k, const double *K, size_t T, size_t d,
        uint64_t seed, const varlb_compressor_t *self, const varlb_knobs_t *kn,
        const varlb_pyramid_t *pyramid)
{
  double *scores = malloc (T * sizeof *scores);
  if (scores == NULL
      || cc_observed_scores (scores, K, T, d,
                             (size_t) cc_knob_double (self, kn, "queries"),
                             cc_knob_double (self, kn, "temperature"), seed,
                             CC_OBS_LAST) != VARLB_OK)
    {
      free (scores);
      return 0;
    }
  cc_top_k (keep, k, scores, T);
  free (scores);
  return k;
}

extern const varlb_compressor_t varlb_compressor_tova;

static int
compress (varlb_blob_t *blob, const double *K, const double *V, size_t T,
          size_t d, size_t dv, double budget_bits, uint64_t seed,
          const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  return evict_compress (blob, K, V, T, d, dv, budget_bits, seed, kn, pyramid,
                         &varlb_compressor_tova, choose);
}

const varlb_compressor_t varlb_compressor_tova = {
  VARLB_COMPRESSOR_ABI, "tova",
  "TOVA: keep the tokens the last observed query attends to most",
  knobs, sizeof knobs / sizeof *knobs, NULL, compress, evict_answer, NULL
};
