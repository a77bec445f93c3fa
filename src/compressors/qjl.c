/* qjl.c -- QJL (arXiv 2406.03482): a 1-bit Johnson-Lindenstrauss sketch of
 * the keys, sign(S k) with a Gaussian S (m x d) drawn from the PUBLIC seed
 * (free), plus each key's norm at fp16; values quantized KIVI-style per
 * token.  Bob estimates scores with the unbiased QJL estimator
 * sqrt(pi/2)/m * |k| * <S q, sign(S k)>: the same JL-plus-sign primitive the
 * reduction embeds Index with, so it is the "matched adversary". */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cblas.h>
#include "common.h"

static const varlb_knob_t knobs[] = {
  { "sketch", VARLB_KNOB_INT, "0", 0, 65536,
    "sketch rows m = key bits per token (0: from the budget, at most 16 d)" },
  { "vbits", VARLB_KNOB_INT, "2", 1, 16, "bits per value code (QJL: 2)" },
  { "group", VARLB_KNOB_INT, "32", 1, 4096, "value channels per fp16 scale/zero-point group" },
};

#define QJL_HEADER_BITS 128.0 /* n, m, vbits, group: u32 each */

/* Bits per stored token: m sign bits, the fp16 norm, the value codes and
   the value groups' fp16 zero points and scales. */
static double
qjl_token_bits (size_t m, size_t dv, unsigned vb, size_t G)
{
  return (double) m + 16.0 + (double) dv * vb + 32.0 * (double) ((dv + G - 1) / G);
}

/* Bits of a blob with N tokens (sign bits and value codes byte-padded). */
static double
qjl_size (size_t n, size_t m, size_t dv, unsigned vb, size_t G)
{
  double signs = 8.0 * ceil ((double) n * (double) m / 8.0);
  double codes = 8.0 * ceil ((double) n * (double) dv * vb / 8.0);
  return QJL_HEADER_BITS + signs + codes
         + (double) n * (16.0 + 32.0 * (double) ((dv + G - 1) / G));
}

/* The public sketch S (m x d), the same in both halves: Gaussian N(0,1)
   entries from stream VARLB_STREAM_COMPRESSOR of SEED. */
static double *
qjl_sketch (size_t m, size_t d, uint64_t seed)
{
  double *S = malloc ((m * d + 1) * sizeof *S);
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  if (S == NULL || r == NULL)
    {
      free (S);
      if (r)
        gsl_rng_free (r);
      return NULL;
    }
  for (size_t i = 0; i < m * d; i++)
    S[i] = gsl_ran_gaussian_ziggurat (r, 1.0);
  gsl_rng_free (r);
  return S;
}

extern const varlb_compressor_t varlb_compressor_qjl;

/* Choose the token count N and sketch rows M for the budget: every token
   with the most rows that fit (at most 16 d: 16 bits per channel, where
   the sketch already decodes every bit of the default instance), or, when not even d rows per
   token fit, d rows on the longest prefix of tokens that fits. */
static void
qjl_shape (size_t *n, size_t *m, size_t T, size_t d, size_t dv, unsigned vb,
           size_t G, size_t m_knob, double budget)
{
  *n = T;
  if (m_knob > 0)
    *m = m_knob;
  else
    {
      double room = T ? (budget - QJL_HEADER_BITS - 16.0) / (double) T : 0;
      double per = room - qjl_token_bits (0, dv, vb, G);
      double cap = 16.0 * (double) d;
      *m = per >= (double) d ? (size_t) fmin (floor (per), cap) : d;
    }
  while (*m > 8 && *n == T && qjl_size (*n, *m, dv, vb, G) > budget && m_knob == 0)
    (*m)--; /* byte padding at the edge */
  while (*n > 0 && qjl_size (*n, *m, dv, vb, G) > budget)
    (*n)--;
}

static int
qjl_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_qjl;
  unsigned vb = (unsigned) cc_knob_double (self, kn, "vbits");
  size_t G = (size_t) cc_knob_double (self, kn, "group");
  size_t m_knob = (size_t) cc_knob_double (self, kn, "sketch");
  if (vb < 1 || vb > 16 || G < 1 || d == 0)
    return VARLB_EINVAL;
  size_t n, m;
  qjl_shape (&n, &m, T, d, dv, vb, G, m_knob, budget_bits);
  size_t vpt = (dv + G - 1) / G;
  double *S = qjl_sketch (m, d, seed);
  double *SK = malloc ((n * m + 1) * sizeof *SK);
  double *zs = malloc ((n * vpt + 1) * 2 * sizeof *zs);
  int st = (S && SK && zs) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK && n > 0)
    cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, (int) m, (int) d,
                 1.0, K, (int) d, S, (int) d, 0.0, SK, (int) m);
  if (st == VARLB_OK)
    st = cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, (uint32_t) m)
         | cc_put_u32 (blob, vb) | cc_put_u32 (blob, (uint32_t) G);
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    st = cc_put_f16 (blob, cblas_dnrm2 ((int) d, K + t * d, 1));
  for (size_t t = 0; t < n; t++)
    for (size_t g = 0; st == VARLB_OK && g < vpt; g++)
      {
        double *z = zs + 2 * (t * vpt + g);
        cc_quant_grid (z, V + t * dv + g * G, dv - g * G < G ? dv - g * G : G, 1, vb);
        st = cc_put_f16 (blob, z[0]) | cc_put_f16 (blob, z[1]);
      }
  cc_bitwriter_t w;
  cc_bits_init (&w, blob);
  for (size_t i = 0; st == VARLB_OK && i < n * m; i++)
    cc_bits_put (&w, SK[i] >= 0.0, 1);
  if (st == VARLB_OK)
    st = cc_bits_flush (&w);
  cc_bits_init (&w, blob);
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    for (size_t j = 0; j < dv; j++)
      cc_bits_put (&w, cc_quant_code (V[t * dv + j], zs + 2 * (t * vpt + j / G), vb), vb);
  if (st == VARLB_OK)
    st = cc_bits_flush (&w);
  free (S);
  free (SK);
  free (zs);
  return st ? (st < 0 ? st : VARLB_ENOMEM) : VARLB_OK;
}

/* Bob's half.  The estimated score of key t for query q is <S q, k'_t> with
   k'_t = sqrt(pi/2)/m |k_t| sign(S k_t), so exact attention of the sketched
   queries over the rebuilt k'_t is softmax over the QJL estimates.
   Floating point. */
static int
qjl_answer (double *O, const unsigned char *blob, size_t len, uint64_t seed,
            const double *Q, size_t mq, size_t d, size_t dv,
            const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r), m = cc_get_u32 (&r);
  unsigned vb = cc_get_u32 (&r);
  size_t G = cc_get_u32 (&r);
  if (r.bad || vb < 1 || vb > 16 || G < 1 || m < 1 || m > 65536 || d == 0
      || qjl_size (n, m, dv, vb, G) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  size_t vpt = (dv + G - 1) / G;
  double *S = qjl_sketch (m, d, seed);
  double *Kc = malloc ((n ? n : 1) * m * sizeof *Kc);
  double *Vc = malloc ((n ? n : 1) * dv * sizeof *Vc);
  double *norm = malloc ((n ? n : 1) * sizeof *norm);
  double *zs = malloc ((n * vpt + 1) * 2 * sizeof *zs);
  double *SQ = malloc ((mq ? mq : 1) * m * sizeof *SQ);
  int st = (S && Kc && Vc && norm && zs && SQ) ? VARLB_OK : VARLB_ENOMEM;
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    norm[t] = cc_get_f16 (&r);
  if (st == VARLB_OK)
    cc_get_reals (zs, 2 * n * vpt, &r, 16);
  size_t pos = 0;
  const double c = sqrt (M_PI / 2.0) / (double) m;
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    for (size_t i = 0; i < m; i++)
      Kc[t * m + i] = cc_get_bits (&r, &pos, 1) ? c * norm[t] : -c * norm[t];
  /* The value codes start at the next byte. */
  if (st == VARLB_OK)
    cc_reader_skip (&r, (pos + 7) / 8);
  pos = 0;
  for (size_t t = 0; st == VARLB_OK && !r.bad && t < n; t++)
    for (size_t j = 0; j < dv; j++)
      {
        const double *z = zs + 2 * (t * vpt + j / G);
        Vc[t * dv + j] = z[0] + z[1] * cc_get_bits (&r, &pos, vb);
      }
  if (st == VARLB_OK)
    st = cc_bits_end (&r, pos);
  if (st == VARLB_OK && mq > 0)
    {
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) mq, (int) m, (int) d,
                   1.0, Q, (int) d, S, (int) d, 0.0, SQ, (int) m);
      st = cc_answer_cache (O, SQ, mq, Kc, Vc, n, m, dv);
    }
  free (S);
  free (Kc);
  free (Vc);
  free (norm);
  free (zs);
  free (SQ);
  return st;
}

CC_COMPRESSOR (qjl, "QJL: 1-bit JL sketch of keys (public Gaussian S) with fp16 norms, values quantized per token",
               NULL, qjl_compress, qjl_answer);
