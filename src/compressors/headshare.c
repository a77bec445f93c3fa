/* headshare.c -- GQA/MQA head sharing on a whole model (GQA, arXiv
 * 2305.13245; MQA, arXiv 1911.02150): the heads of a layer are grouped G at
 * a time and each group keeps one cache, the mean of its heads' keys and
 * values (how GQA turns a multi-head checkpoint into a grouped one,
 * mean-pooling the heads); G = H is MQA.  group=0 takes the smallest G
 * whose shared caches fit the budget whole; where even MQA's does not,
 * each shared cache keeps its press's top tokens.  Bob answers every head
 * of a group over the group's cache.  Blob: G (32 bits), then the
 * whole-model eviction blob of the L x H/G shared caches. */
#include <config.h>
#include <stdlib.h>
#include "alloc.h"

static const varlb_knob_t knobs[] = {
  ALLOC_COMMON_KNOBS,
  { "group", VARLB_KNOB_INT, "0", 0, 4096, "heads sharing one cache, a divisor of H (0: the smallest that fits; H: MQA)" },
};

extern const varlb_model_compressor_t varlb_model_compressor_headshare;

static int
compress (ALLOC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_model_compressor_headshare.base;
  unsigned prec;
  size_t g = (size_t) cc_knob_double (self, kn, "group");
  if (alloc_check_knobs (&prec, self, kn) != VARLB_OK || (g && H % g))
    return VARLB_EINVAL;
  for (size_t k = 1; g == 0 && k <= H; k++)
    if (H % k == 0 && (k == H || alloc_capacity (budget_bits - 32, L * (H / k), d, dv, prec)
                                 >= L * (H / k) * T))
      g = k;
  if (budget_bits < 32 + alloc_header_bits (L * (H / g)))
    return VARLB_OK; /* not even the tables: an empty blob, answered 0 */
  size_t Hs = H / g;
  double *Ks = calloc (L * Hs * T * d + 1, sizeof *Ks), *Vs = calloc (L * Hs * T * dv + 1, sizeof *Vs);
  int st = Ks && Vs ? VARLB_OK : VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < L * H; i++)
    {
      size_t u = i / g; /* heads of a group are adjacent: (l, h) -> (l, h / g) */
      for (size_t k = 0; k < T * d; k++)
        Ks[u * T * d + k] += K[i * T * d + k] / (double) g;
      for (size_t k = 0; k < T * dv; k++)
        Vs[u * T * dv + k] += V[i * T * dv + k] / (double) g;
    }
  if (st == VARLB_OK)
    st = cc_put_u32 (blob, (uint32_t) g);
  if (st == VARLB_OK)
    st = alloc_evict_compress (blob, Ks, Vs, L, Hs, T, d, dv, budget_bits - 32, seed, kn, py,
                               self, alloc_plan_even);
  free (Ks);
  free (Vs);
  return st;
}

static int
answer (ALLOC_ANSWER_PARAMS)
{
  if (len == 0)
    return alloc_evict_answer (O, blob, 0, seed, Q, L, H, m, d, dv, kn, py);
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t g = cc_get_u32 (&r);
  if (r.bad || g == 0 || g > H || H % g)
    return VARLB_EFORMAT;
  /* The g heads of a group are adjacent in Q and O: (L, H/g, g m, d). */
  return alloc_evict_answer (O, blob + 4, len - 4, seed, Q, L, H / g, g * m, d, dv, kn, py);
}

const varlb_model_compressor_t varlb_model_compressor_headshare = {
  { VARLB_COMPRESSOR_ABI_MODEL, "headshare",
    "GQA/MQA head sharing: groups of heads keep one mean-pooled cache (group=0: the smallest that fits)",
    knobs, sizeof knobs / sizeof *knobs, NULL, NULL, NULL, NULL },
  compress, answer
};
