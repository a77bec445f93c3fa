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
#include "common.h"

static const varlb_knob_t knobs[] = {
  { "bits", VARLB_KNOB_INT, "0", 0, 16, "bits per code (0: the most the budget allows)" },
  { "group", VARLB_KNOB_INT, "32", 1, 4096, "group size G (tokens for keys, channels for values)" },
  { "residual", VARLB_KNOB_INT, "0", 0, 1e9,
    "newest tokens kept at fp16 (KIVI's residual window; KIVI uses 32-128)" },
};

/* Bits of a KIVI blob: N quantized tokens at B bits with group G, then R
   residual tokens at fp16. */
static double
kivi_size (size_t n, size_t R, size_t d, size_t dv, unsigned b, size_t G)
{
  double kgroups = ceil ((double) n / (double) G) * (double) d;
  double vgroups = (double) n * ceil ((double) dv / (double) G);
  double codes = (double) n * (double) (d + dv) * b;
  return 128.0 + 32.0 * (kgroups + vgroups) + 8.0 * ceil (codes / 8.0)
         + 16.0 * (double) R * (double) (d + dv);
}

extern const varlb_compressor_t varlb_compressor_kivi;

static int
kivi_compress (varlb_blob_t *blob, const double *K, const double *V, size_t T,
               size_t d, size_t dv, double budget_bits, uint64_t seed,
               const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  const varlb_compressor_t *self = &varlb_compressor_kivi;
  unsigned b = (unsigned) cc_knob_double (self, kn, "bits");
  size_t G = (size_t) cc_knob_double (self, kn, "group");
  size_t R = (size_t) cc_knob_double (self, kn, "residual");
  if (b > 16 || G < 1)
    return VARLB_EINVAL;
  R = R < T ? R : T;
  size_t n = T - R;
  if (b == 0)
    {
      b = 16;
      while (b > 1 && kivi_size (n, R, d, dv, b, G) > budget_bits)
        b--;
    }
  /* What does not fit: fewer quantized tokens (a prefix), then a shorter
     window (still the newest tokens). */
  while (n > 0 && kivi_size (n, R, d, dv, b, G) > budget_bits)
    n--;
  while (R > 0 && kivi_size (n, R, d, dv, b, G) > budget_bits)
    R--;
  size_t kg = (n + G - 1) / G * d, vpt = (dv + G - 1) / G, vg = n * vpt;
  double *zs = malloc ((kg + vg + 1) * 2 * sizeof *zs);
  if (zs == NULL)
    return VARLB_ENOMEM;
  for (size_t g = 0; g * G < n; g++)
    for (size_t j = 0; j < d; j++)
      cc_quant_grid (zs + 2 * (g * d + j), K + g * G * d + j,
                    n - g * G < G ? n - g * G : G, d, b);
  for (size_t t = 0; t < n; t++)
    for (size_t g = 0; g < vpt; g++)
      cc_quant_grid (zs + 2 * (kg + t * vpt + g), V + t * dv + g * G,
                    dv - g * G < G ? dv - g * G : G, 1, b);
  int st = cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, (uint32_t) R)
           | cc_put_u32 (blob, b) | cc_put_u32 (blob, (uint32_t) G);
  for (size_t i = 0; i < 2 * (kg + vg); i++)
    st |= cc_put_f16 (blob, zs[i]);
  cc_bitwriter_t w;
  cc_bits_init (&w, blob);
  for (size_t t = 0; t < n; t++)
    {
      for (size_t j = 0; j < d; j++)
        cc_bits_put (&w, cc_quant_code (K[t * d + j], zs + 2 * ((t / G) * d + j), b), b);
      for (size_t j = 0; j < dv; j++)
        cc_bits_put (&w, cc_quant_code (V[t * dv + j], zs + 2 * (kg + t * vpt + j / G), b), b);
    }
  st |= cc_bits_flush (&w);
  for (size_t t = T - R; t < T; t++)
    {
      for (size_t j = 0; j < d; j++)
        st |= cc_put_f16 (blob, K[t * d + j]);
      for (size_t j = 0; j < dv; j++)
        st |= cc_put_f16 (blob, V[t * dv + j]);
    }
  free (zs);
  return st ? VARLB_ENOMEM : VARLB_OK;
}

static int
kivi_answer (double *O, const unsigned char *blob, size_t len, uint64_t seed,
             const double *Q, size_t m, size_t d, size_t dv,
             const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r), R = cc_get_u32 (&r);
  unsigned b = cc_get_u32 (&r);
  size_t G = cc_get_u32 (&r);
  /* The header must describe exactly LEN bytes: nothing is allocated or
     read for a blob that lies about its size. */
  if (r.bad || b < 1 || b > 16 || G < 1 || kivi_size (n, R, d, dv, b, G) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  size_t kg = (n + G - 1) / G * d, vg = n * ((dv + G - 1) / G);
  double *zs = malloc ((kg + vg + 1) * 2 * sizeof *zs);
  double *Kc = malloc ((n + R + 1) * d * sizeof *Kc);
  double *Vc = malloc ((n + R + 1) * dv * sizeof *Vc);
  int st = (zs && Kc && Vc) ? VARLB_OK : VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < 2 * (kg + vg); i++)
    zs[i] = cc_get_f16 (&r);
  size_t pos = 0;
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    {
      for (size_t j = 0; j < d; j++)
        {
          const double *z = zs + 2 * ((t / G) * d + j);
          Kc[t * d + j] = z[0] + z[1] * cc_get_bits (&r, &pos, b);
        }
      for (size_t j = 0; j < dv; j++)
        {
          const double *z = zs + 2 * (kg + t * ((dv + G - 1) / G) + j / G);
          Vc[t * dv + j] = z[0] + z[1] * cc_get_bits (&r, &pos, b);
        }
    }
  cc_reader_skip (&r, (pos + 7) / 8);
  for (size_t t = n; st == VARLB_OK && t < n + R; t++)
    {
      for (size_t j = 0; j < d; j++)
        Kc[t * d + j] = cc_get_f16 (&r);
      for (size_t j = 0; j < dv; j++)
        Vc[t * dv + j] = cc_get_f16 (&r);
    }
  if (st == VARLB_OK && (r.bad || r.left != 0))
    st = VARLB_EFORMAT;
  if (st == VARLB_OK)
    st = cc_answer_cache (O, Q, m, Kc, Vc, n + R, d, dv);
  free (zs);
  free (Kc);
  free (Vc);
  return st;
}

const varlb_compressor_t varlb_compressor_kivi = {
  VARLB_COMPRESSOR_ABI, "kivi",
  "KIVI: keys quantized per channel, values per token, B bits, fp16 scales charged",
  knobs, sizeof knobs / sizeof *knobs, NULL, kivi_compress, kivi_answer, NULL
};
