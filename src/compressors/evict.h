/* evict.h -- the token-eviction family (StreamingLLM, H2O, TOVA, SnapKV,
 * ScaleKV): each chooses which tokens to keep, then stores them at fp16 (or
 * the precision knob) through the common eviction blob. */
#ifndef VARLB_EVICT_H
#define VARLB_EVICT_H
#include "common.h"

/* Choose up to K of T tokens into KEEP (sorted); returns how many. */
typedef size_t (*evict_choose_fn) (size_t *keep, size_t k, const double *K,
                                   size_t T, size_t d, uint64_t seed,
                                   const varlb_compressor_t *self,
                                   const varlb_knobs_t *knobs,
                                   const varlb_pyramid_t *pyramid);

int evict_compress (varlb_blob_t *blob, const double *K, const double *V,
                    size_t T, size_t d, size_t dv, double budget_bits,
                    uint64_t seed, const varlb_knobs_t *knobs,
                    const varlb_pyramid_t *pyramid,
                    const varlb_compressor_t *self, evict_choose_fn choose);
/* The same for a policy whose kept set does not grow with the budget
   (AMS-KV, FastVAR): CHOOSE runs even when every token would fit, and may
   keep fewer than K. */
int evict_compress_policy (varlb_blob_t *blob, const double *K, const double *V,
                           size_t T, size_t d, size_t dv, double budget_bits,
                           uint64_t seed, const varlb_knobs_t *knobs,
                           const varlb_pyramid_t *pyramid,
                           const varlb_compressor_t *self, evict_choose_fn choose);
/* Scales of PYRAMID whose tokens all lie among the T cached ones (Alice's
   scales: every scale but the last in the instance). */
size_t evict_cached_scales (const varlb_pyramid_t *py, size_t T);
/* Sort the N token indices KEEP increasingly (what choose returns). */
void evict_sort (size_t *keep, size_t n);
int evict_answer (double *O, const unsigned char *blob, size_t len,
                  uint64_t seed, const double *Q, size_t m, size_t d,
                  size_t dv, const varlb_knobs_t *k, const varlb_pyramid_t *pyramid);

/* Knobs every eviction method has (precision, observed queries,
   temperature), to splice into their tables. */
#define EVICT_COMMON_KNOBS                                                     \
  { "bits", VARLB_KNOB_INT, "16", 16, 64, "bits per stored number: 16, 32 or 64" }, \
  { "queries", VARLB_KNOB_INT, "32", 1, 4096,                                   \
    "observed queries (public seed, never Bob's) scoring the tokens" },        \
  { "temperature", VARLB_KNOB_DOUBLE, "16", 0, 100,                             \
    "scale of the observed unit queries (VAR caps it at 100)" }
#endif
