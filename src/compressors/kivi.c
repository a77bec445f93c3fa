/* kivi.c -- KIVI-style uniform quantization (arXiv 2402.02750): keys per
 * channel (groups of G tokens share a scale and zero point per channel),
 * values per token (groups of G channels); B bits per code, scales and zero
 * points stored at fp16 and charged; the newest R tokens (the residual
 * window) stay at fp16.  With bits = 0 the largest B in 1..16 that fits the
 * budget is used; if the blob still does not fit (even 1 bit, or a fixed
 * B), only a prefix of the older tokens is quantized, then the window
 * shrinks. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include "quant.h"

static const varlb_knob_t knobs[] = {
  { "bits", VARLB_KNOB_INT, "0", 0, 16, "bits per code (0: the most the budget allows)" },
  { "group", VARLB_KNOB_INT, "32", 1, 4096, "group size G (tokens for keys, channels for values)" },
  { "residual", VARLB_KNOB_INT, "0", 0, 1e9,
    "newest tokens kept at fp16 (KIVI's residual window; KIVI uses 32-128)" },
};

extern const varlb_compressor_t varlb_compressor_kivi;

static int
kivi_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_kivi;
  unsigned b = (unsigned) cc_knob_double (self, kn, "bits");
  size_t G = (size_t) cc_knob_double (self, kn, "group");
  size_t R = (size_t) cc_knob_double (self, kn, "residual");
  if (b > 16 || G < 1)
    return VARLB_EINVAL;
  size_t n;
  qz_kivi_shape (&n, &R, &b, T, d, dv, G, budget_bits, 16);
  return qz_kivi_write (blob, K, V, T, d, dv, n, R, b, G);
}

/* Bob's half: rebuild the cache from the one KIVI block the blob holds
   (its header must account for every byte), then exact attention over it. */
static int
kivi_answer (CC_ANSWER_PARAMS)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  double *Kc, *Vc;
  size_t rows;
  int st = qz_kivi_read (&Kc, &Vc, &rows, &r, d, dv);
  if (st == VARLB_OK && r.left != 0)
    st = VARLB_EFORMAT;
  if (st == VARLB_OK)
    st = cc_answer_cache (O, Q, m, Kc, Vc, rows, d, dv);
  free (Kc);
  free (Vc);
  return st;
}

CC_COMPRESSOR (kivi, "KIVI: keys quantized per channel, values per token, B bits, fp16 scales charged",
               NULL, kivi_compress, kivi_answer);
