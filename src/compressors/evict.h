/* evict.h -- the token-eviction family (StreamingLLM, H2O, TOVA, SnapKV,
 * ScaleKV): each chooses which tokens to keep, then stores them at fp16 (or
 * the precision knob) through the common eviction blob. */
#ifndef VARLB_EVICT_H
#define VARLB_EVICT_H
#include <gsl/gsl_rng.h>
#include "common.h"

/* The eviction blob: kept token count, then each kept token's key and value
   at PREC bits per number.  Positions are not needed: VAR has no RoPE. */
int cc_evict_write (varlb_blob_t *b, const double *K, const double *V,
                    size_t d, size_t dv, const size_t *keep, size_t k,
                    unsigned prec);
int cc_evict_answer (double *O, const unsigned char *blob, size_t len,
                     const double *Q, size_t m, size_t d, size_t dv);
/* Tokens that fit BUDGET_BITS at PREC bits per number (header included). */
size_t cc_evict_capacity (double budget_bits, size_t d, size_t dv, unsigned prec);

/* The parameters of the three strategies a method supplies (choose, score,
   select: below), spelled once so that each typedef and every definition
   (`static size_t choose (EVICT_CHOOSE_PARAMS)`) agree by construction.
   SELF is the method's compressor (its knob defaults), KN the knobs given. */
#define EVICT_CHOOSE_PARAMS                                                    \
  size_t *keep, size_t k, const double *K, size_t T, size_t d, uint64_t seed,  \
    const varlb_compressor_t *self, const varlb_knobs_t *kn,                   \
    const varlb_pyramid_t *pyramid
#define EVICT_SCORE_PARAMS                                                     \
  double *s, size_t k, const double *K, const double *V, size_t T, size_t d,   \
    size_t dv, uint64_t seed, const varlb_compressor_t *self,                  \
    const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid
#define EVICT_SELECT_PARAMS                                                    \
  size_t *keep, size_t *kept, double *Vw, size_t k, const double *K,           \
    const double *V, size_t T, size_t d, size_t dv, uint64_t seed,             \
    const varlb_compressor_t *self, const varlb_knobs_t *kn,                   \
    const varlb_pyramid_t *pyramid

/* Choose up to K of T tokens into KEEP (sorted); returns how many. */
typedef size_t (*evict_choose_fn) (EVICT_CHOOSE_PARAMS);

int evict_compress (CC_COMPRESS_PARAMS, const varlb_compressor_t *self,
                    evict_choose_fn choose);
/* The same for a policy whose kept set does not grow with the budget
   (AMS-KV, FastVAR): CHOOSE runs even when every token would fit, and may
   keep fewer than K. */
int evict_compress_policy (CC_COMPRESS_PARAMS, const varlb_compressor_t *self,
                           evict_choose_fn choose);
/* Scales of PYRAMID whose tokens all lie among the T cached ones (Alice's
   scales: every scale but the last in the instance). */
size_t evict_cached_scales (const varlb_pyramid_t *py, size_t T);
/* Sort the N token indices KEEP increasingly (what choose returns). */
void evict_sort (size_t *keep, size_t n);
int evict_answer (CC_ANSWER_PARAMS);

/* kvpress's ScorerPress: S (T), the scores, for every token, the K highest kept.
   K is what the budget keeps (StreamingLLM and Compactor depend on it). */
typedef int (*evict_score_fn) (EVICT_SCORE_PARAMS);

/* A scorer press as the press knob of a wrapper (ChunkKV, CriticalKV, DMS,
   Merging, CAM, ThinK) names it: its compressor (name, knob defaults) and
   its score.  Each is exported as evict_scorer_NAME (scorers.def). */
typedef struct evict_scorer {
  const varlb_compressor_t *c;
  evict_score_fn score;
} evict_scorer_t;

const evict_scorer_t *evict_scorer_find (const char *name);
/* The scores of the press named by SELF's knob "press" (the wrapper's
   knobs reach it: names it shares, such as queries, pass through);
   VARLB_EINVAL for an unknown press. */
int evict_press_scores (EVICT_SCORE_PARAMS);
/* VARLB_OK when SELF's press knob names a scorer press. */
int evict_press_check (const varlb_compressor_t *self, const varlb_knobs_t *knobs);

/* A scorer press's compress: the budget's K tokens by top-k of SCORE (the
   score runs even when every token fits, so bad knobs are always refused). */
int evict_score_compress (CC_COMPRESS_PARAMS, const varlb_compressor_t *self,
                          evict_score_fn score);

/* The general selection: up to K tokens into KEEP (sorted), their count in
   *KEPT; the selection may rewrite the kept rows of VW, a T x dv copy of V
   (Merging and CAM fold evicted values into them).  Called even when the
   budget holds every token (DMS evicts by threshold whatever the budget). */
typedef int (*evict_select_fn) (EVICT_SELECT_PARAMS);

int evict_select_compress (CC_COMPRESS_PARAMS, const varlb_compressor_t *self,
                           evict_select_fn select);

/* Eviction with pruned key channels (ThinK): the kept tokens' keys keep only
   the channels set in MASK (d entries), values whole.  Blob: kept count,
   precision, kept channel count, the d-bit channel mask, then each token's
   kept key channels and value at PREC bits. */
int evict_channels_write (varlb_blob_t *b, const double *K, const double *V,
                          size_t d, size_t dv, const size_t *keep, size_t k,
                          const unsigned char *mask, unsigned prec);
/* Tokens that fit BUDGET_BITS with DK of d key channels kept. */
size_t evict_channels_capacity (double budget_bits, size_t d, size_t dk,
                                size_t dv, unsigned prec);
/* Bob's half: pruned channels read back as 0. */
int evict_channels_answer (CC_ANSWER_PARAMS);

/* Leverage scores of the centred rows of X (n x d) through a right Gaussian
   sketch of SKETCH columns drawn from R (LeverageScore, Compactor):
   diag(Y (Y^T Y + 0.01 I)^-1 Y^T), Y = (X - mean) Phi.  Floating point. */
int evict_leverage_scores (double *scores, const double *X, size_t n, size_t d,
                           size_t sketch, gsl_rng *r);

/* Knobs every eviction method has (precision, observed queries,
   temperature), to splice into their tables. */
#define EVICT_BITS_KNOB                                                        \
  { "bits", VARLB_KNOB_INT, "16", 16, 64, "bits per stored number: 16, 32 or 64" }
#define EVICT_TEMPERATURE_KNOB                                                 \
  { "temperature", VARLB_KNOB_DOUBLE, "16", 0, 100,                             \
    "scale of the observed unit queries (VAR caps it at 100)" }
#define EVICT_OBSERVED_KNOBS                                                   \
  { "queries", VARLB_KNOB_INT, "32", 1, 4096,                                   \
    "observed queries (public seed, never Bob's) scoring the tokens" },        \
  EVICT_TEMPERATURE_KNOB
#define EVICT_COMMON_KNOBS EVICT_BITS_KNOB, EVICT_OBSERVED_KNOBS
/* The scorer press a wrapper applies. */
/* The compress half and the compressor struct of an eviction method NAME
   (knob table `knobs`): DRIVER (evict_score_compress or
   evict_select_compress) with FN, Bob answering over the eviction blob. */
#define EVICT_COMPRESSOR(NAME, DESCRIPTION, DRIVER, FN)                         \
  extern const varlb_compressor_t varlb_compressor_##NAME;                     \
  static int NAME##_compress (CC_COMPRESS_PARAMS)                             \
  {                                                                            \
    return DRIVER (blob, K, V, T, d, dv, budget_bits, seed, kn, pyramid,       \
                   &varlb_compressor_##NAME, FN);                              \
  }                                                                            \
  const varlb_compressor_t varlb_compressor_##NAME = {                         \
    VARLB_COMPRESSOR_ABI, #NAME, DESCRIPTION, knobs,                           \
    sizeof knobs / sizeof *knobs, NULL, NAME##_compress, evict_answer, NULL    \
  }
/* A scorer press: the same, registered as evict_scorer_NAME for wrappers. */
#define EVICT_SCORER_PRESS(NAME, DESCRIPTION, SCORE)                           \
  extern const varlb_compressor_t varlb_compressor_##NAME;                     \
  const evict_scorer_t evict_scorer_##NAME = { &varlb_compressor_##NAME, SCORE }; \
  EVICT_COMPRESSOR (NAME, DESCRIPTION, evict_score_compress, SCORE)
#define EVICT_PRESS_KNOB(def)                                                  \
  { "press", VARLB_KNOB_STRING, def, 0, 0,                                      \
    "scorer press choosing the tokens (varlb list: random, knorm, snapkv, ...)" }
#endif
