/* streamingllm.c -- StreamingLLM (arXiv 2309.17453): keep the first tokens
 * (attention sinks; in VAR the 1x1 class token and the first scales) and the
 * newest tokens (the window: the latest scales); evict the middle. */
#include <config.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  { "sinks", VARLB_KNOB_INT, "4", 0, 1e9, "tokens kept from the start (sinks)" },
};

static size_t
choose (size_t *keep, size_t k, const double *K, size_t T, size_t d,
        uint64_t seed, const varlb_compressor_t *self, const varlb_knobs_t *kn,
        const varlb_pyramid_t *pyramid)
{
  size_t sinks = (size_t) cc_knob_double (self, kn, "sinks");
  if (sinks > k)
    sinks = k;
  size_t n = 0;
  for (size_t t = 0; t < sinks; t++)
    keep[n++] = t;
  for (size_t t = T - (k - sinks); t < T; t++)
    keep[n++] = t;
  return n;
}

extern const varlb_compressor_t varlb_compressor_streamingllm;

static int
compress (varlb_blob_t *blob, const double *K, const double *V, size_t T,
          size_t d, size_t dv, double budget_bits, uint64_t seed,
          const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  return evict_compress (blob, K, V, T, d, dv, budget_bits, seed, kn, pyramid,
                         &varlb_compressor_streamingllm, choose);
}

const varlb_compressor_t varlb_compressor_streamingllm = {
  VARLB_COMPRESSOR_ABI, "streamingllm",
  "StreamingLLM: attention sinks (first tokens/scales) plus a window of the newest scales",
  knobs, sizeof knobs / sizeof *knobs, NULL, compress, evict_answer, NULL
};
