/* identity.c -- the control: the whole cache stored exactly at fp64, fp32
 * or fp16 (the keys then carry half-precision rounding, the {0,1} values
 * stay exact).  Ignores the budget, so its blob is the raw cache size. */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "evict.h" /* the eviction blob, every token kept */

static const varlb_knob_t knobs[] = {
  { "precision", VARLB_KNOB_STRING, "fp16", 0, 0, "storage: fp64, fp32 or fp16" },
};

static unsigned
precision_bits (const varlb_knobs_t *k)
{
  const char *p = varlb_knobs_get (k, "precision");
  if (p == NULL || strcmp (p, "fp16") == 0)
    return 16;
  return strcmp (p, "fp32") == 0 ? 32 : strcmp (p, "fp64") == 0 ? 64 : 0;
}

static int
identity_compress (CC_COMPRESS_PARAMS)
{
  unsigned prec = precision_bits (kn);
  if (prec == 0)
    return VARLB_EINVAL;
  size_t *all = malloc ((T ? T : 1) * sizeof *all);
  if (all == NULL)
    return VARLB_ENOMEM;
  for (size_t t = 0; t < T; t++)
    all[t] = t;
  int st = cc_evict_write (blob, K, V, d, dv, all, T, prec);
  free (all);
  return st;
}

static int
identity_answer (CC_ANSWER_PARAMS)
{
  return cc_evict_answer (O, blob, len, Q, m, d, dv);
}

CC_COMPRESSOR (identity, "the control: the whole cache stored exactly (fp64, fp32 or fp16), budget ignored",
               NULL, identity_compress, identity_answer);
