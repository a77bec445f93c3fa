/* litevar.c -- LiteVAR (Xie et al., arXiv 2411.17178), VAR specific,
 * paper-only (no code found): Multi-Diagonal Windowed Attention plus
 * low-bit quantization.  MDWA lets a query see only windows of earlier
 * scales around its aligned position; every earlier token lies in some
 * window of the final scale, and Bob's half is not told where his queries
 * sit, so the window is taken at the granularity of scales: the `early`
 * coarsest scales (attended densely) and the most recent scales (the
 * diagonal band) are kept, the others evicted.  What is kept is quantized
 * KIVI-style (keys per channel, values per token, fp16 scales charged)
 * through the shared KIVI block at `bits` (LiteVAR's 8-bit activations by
 * default).  With window=0 the band is as wide as the budget allows at that
 * precision (early scales first, then scales newest first); with a given
 * window and bits=0 the precision is the most the budget allows, at most
 * 8.  Either way a budget too small keeps a prefix of that order. */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "quant.h"
#include "evict.h"

static const varlb_knob_t knobs[] = {
  { "window", VARLB_KNOB_INT, "0", 0, 64,
    "most recent scales kept (the diagonal band; 0: as many as the budget allows)" },
  { "early", VARLB_KNOB_INT, "1", 0, 64, "coarsest scales kept (attended densely)" },
  { "bits", VARLB_KNOB_INT, "8", 0, 8, "bits per code (LiteVAR: 8; 0: the most the budget allows)" },
  { "group", VARLB_KNOB_INT, "32", 1, 4096, "KIVI group size (tokens for keys, channels for values)" },
};

extern const varlb_compressor_t varlb_compressor_litevar;
extern const varlb_compressor_t varlb_compressor_kivi;

static int
litevar_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_litevar;
  size_t w = (size_t) cc_knob_double (self, kn, "window");
  size_t e = (size_t) cc_knob_double (self, kn, "early");
  unsigned b = (unsigned) cc_knob_double (self, kn, "bits");
  size_t G = (size_t) cc_knob_double (self, kn, "group");
  if (b > 8 || G < 1)
    return VARLB_EINVAL;
  size_t S = evict_cached_scales (pyramid, T);
  e = e < S ? e : S;
  w = w && w < S ? w : S;
  /* Rows in priority order: the early scales, then the window newest
     first; the KIVI block quantizes a prefix when the budget is short. */
  size_t *rows = malloc ((T + 1) * sizeof *rows), n = 0;
  if (rows == NULL)
    return VARLB_ENOMEM;
  for (size_t s = 0; s < e; s++)
    for (size_t t = pyramid->offset[s]; t < pyramid->offset[s + 1]; t++)
      rows[n++] = t;
  for (size_t s = S; s-- > S - w;)
    for (size_t t = pyramid->offset[s]; s >= e && t < pyramid->offset[s + 1]; t++)
      rows[n++] = t;
  double *Ks = malloc ((n * d + 1) * sizeof *Ks), *Vs = malloc ((n * dv + 1) * sizeof *Vs);
  int st = Ks && Vs ? VARLB_OK : VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      memcpy (Ks + i * d, K + rows[i] * d, d * sizeof *Ks);
      memcpy (Vs + i * dv, V + rows[i] * dv, dv * sizeof *Vs);
    }
  if (st == VARLB_OK)
    {
      size_t q, R = 0;
      qz_kivi_shape (&q, &R, &b, n, d, dv, G, budget_bits, 8);
      st = qz_kivi_write (blob, Ks, Vs, n, d, dv, q, R, b, G);
    }
  free (rows), free (Ks), free (Vs);
  return st;
}

/* The blob is one KIVI block: Bob's half is KIVI's. */
static int
litevar_answer (CC_ANSWER_PARAMS)
{
  return varlb_compressor_kivi.answer (O, blob, len, seed, Q, m, d, dv, kn, pyramid);
}

CC_COMPRESSOR (litevar, "LiteVAR (arXiv 2411.17178, VAR): a window of scales (early + most recent) quantized KIVI-style at low bits",
               NULL, litevar_compress, litevar_answer);
