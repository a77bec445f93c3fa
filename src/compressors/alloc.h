/* alloc.h -- the whole-model budget allocators (PyramidKV, AdaKV, HACK,
 * DuoAttention, SimLayerKV): one global budget of kept tokens split over
 * every (layer, head), each head's tokens chosen by a press or by position,
 * stored through one whole-model eviction blob.  Not installed. */
#ifndef VARLB_ALLOC_H
#define VARLB_ALLOC_H
#include "evict.h"

/* The whole-model halves' parameters, as varlb_model_compressor_t's
   compress and answer take them (plug-in interface version 2, varlb.h),
   spelled once like CC_COMPRESS_PARAMS: K (L, H, T, d) and V (L, H, T, dv);
   Q (L, H, m, d) and O (L, H, m, dv); py the VAR schedule. */
#define ALLOC_COMPRESS_PARAMS                                                  \
  varlb_blob_t *blob, const double *K, const double *V, size_t L, size_t H,    \
    size_t T, size_t d, size_t dv, double budget_bits, uint64_t seed,          \
    const varlb_knobs_t *kn, const varlb_pyramid_t *py
#define ALLOC_ANSWER_PARAMS                                                    \
  double *O, const unsigned char *blob, size_t len, uint64_t seed,             \
    const double *Q, size_t L, size_t H, size_t m, size_t d, size_t dv,        \
    const varlb_knobs_t *kn, const varlb_pyramid_t *py

/* A whole-model cache and the compressor's knobs, as compress sees them. */
typedef struct alloc_ctx {
  const double *K, *V;     /* (L, H, T, d), (L, H, T, dv) */
  size_t L, H, T, d, dv, n;/* n = L H heads */
  uint64_t seed;           /* the model's public seed */
  const varlb_knobs_t *kn;
  const varlb_pyramid_t *py;
  const varlb_compressor_t *self;
  unsigned prec;           /* bits per stored number (knob bits) */
} alloc_ctx_t;

/* Head I's keys and values and its own public seed. */
const double *alloc_head_K (const alloc_ctx_t *c, size_t i);
const double *alloc_head_V (const alloc_ctx_t *c, size_t i);
uint64_t alloc_head_seed (const alloc_ctx_t *c, size_t i);

/* The whole-model eviction blob: the precision (32 bits), every head's kept
   count (L H x 32 bits: the table, charged), then each head's kept tokens
   (key, value at PREC bits) in (layer, head) order. */
double alloc_header_bits (size_t n);
/* Kept tokens a budget of BUDGET_BITS holds over N heads (0 when not even
   the header fits). */
size_t alloc_capacity (double budget_bits, size_t n, size_t d, size_t dv, unsigned prec);

/* Split TOTAL over N units in proportion to WEIGHT (>= 0; all zero: evenly),
   each at most CAP: COUNT sums to exactly min (TOTAL, N CAP) (floors, then
   the largest remainders, then what capped units could not take to the
   others in order). */
void alloc_split (size_t *count, size_t n, size_t total, const double *weight, size_t cap);

/* Head I's scores by the press knob (default snapkv; its knobs pass
   through), K the tokens it keeps. */
int alloc_press_scores (double *s, const alloc_ctx_t *c, size_t i, size_t k);
/* Head I's softmax attention of its observed queries (knobs queries,
   temperature; public seed, never Bob's), summed over the queries, per
   token (T).  Floating point. */
int alloc_observed (double *s, const alloc_ctx_t *c, size_t i);
/* Fraction of S (T entries, >= 0) on the first SINK and the last RECENT
   tokens. */
double alloc_mass_ends (const double *s, size_t T, size_t sink, size_t recent);

/* KEEP (sorted): head I's top K tokens by its press scores. */
int alloc_keep_top (size_t *keep, size_t k, const alloc_ctx_t *c, size_t i);
/* KEEP (sorted): the first min (SINK, K) tokens and the last rest of K. */
void alloc_keep_ends (size_t *keep, size_t k, size_t sink, size_t T);

/* A plan: every head's kept count (COUNT, n; summing to TOTAL or n T) and
   its kept tokens (KEEP + i T, sorted). */
typedef int (*alloc_plan_fn) (size_t *count, size_t *keep, size_t total, const alloc_ctx_t *c);

/* The plain plan: TOTAL split evenly, each head's press top tokens. */
int alloc_plan_even (size_t *count, size_t *keep, size_t total, const alloc_ctx_t *c);

/* The precision knob, checked (16, 32 or 64), and the press knob, when the
   compressor has one, naming a scorer press; VARLB_EINVAL otherwise. */
int alloc_check_knobs (unsigned *prec, const varlb_compressor_t *self, const varlb_knobs_t *kn);

/* Compress: the capacity at the knob's precision, the plan, the blob. */
int alloc_evict_compress (ALLOC_COMPRESS_PARAMS,
                          const varlb_compressor_t *self, alloc_plan_fn plan);
/* Bob: each head's queries over its kept tokens; VARLB_EFORMAT for a blob
   whose precision, table or length is not one compress writes. */
int alloc_evict_answer (ALLOC_ANSWER_PARAMS);

/* Knobs every allocator has: precision, the press choosing tokens and its
   observed-query knobs (SnapKV's pooling included). */
#define ALLOC_COMMON_KNOBS                                                     \
  EVICT_COMMON_KNOBS, EVICT_PRESS_KNOB ("snapkv"),                            \
  { "kernel", VARLB_KNOB_INT, "5", 1, 1001, "pooling kernel of the press (tokens)" }, \
  { "pooling", VARLB_KNOB_STRING, "avg", 0, 0, "pooling of the press: avg or max" }

/* The compressor struct of allocator NAME (knob table `knobs`), planning
   with PLAN. */
#define ALLOC_COMPRESSOR(NAME, DESCRIPTION, PLAN)                              \
  extern const varlb_model_compressor_t varlb_model_compressor_##NAME;         \
  static int NAME##_compress (ALLOC_COMPRESS_PARAMS)                          \
  {                                                                            \
    return alloc_evict_compress (blob, K, V, L, H, T, d, dv, budget_bits, seed, \
                                 kn, py, &varlb_model_compressor_##NAME.base,   \
                                 PLAN);                                         \
  }                                                                            \
  const varlb_model_compressor_t varlb_model_compressor_##NAME = {             \
    { VARLB_COMPRESSOR_ABI_MODEL, #NAME, DESCRIPTION, knobs,                    \
      sizeof knobs / sizeof *knobs, NULL, NULL, NULL, NULL },                   \
    NAME##_compress, alloc_evict_answer                                         \
  }

#endif
