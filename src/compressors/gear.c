/* gear.c -- GEAR (Kang et al., arXiv 2403.05527; reference
 * opengear-project/GEAR, GenerationBench/.../Simulated/compress_function.py,
 * method "GEAR" = gearslkivi_*Q_new): quantization plus error recovery.
 * 1. Sparse: in each key channel (over the tokens) and each value token
 *    (over the channels) the round(s n / 2) largest and as many smallest
 *    entries are outliers, kept at fp16 with their index, and replaced by
 *    the vector's mean before quantizing.
 * 2. Quantize: KIVI-style (keys per channel in groups of G tokens, values
 *    per token in groups of G channels) at b bits, through the shared KIVI
 *    block.
 * 3. Low rank: the error E = X - (dequantized X with its outliers restored)
 *    is approximated at rank r by GEAR's power iteration (LOOP rounds from a
 *    uniform random start drawn from the public seed, orthonormalised in the
 *    last round), E ~ A B^T, both factors at fp16.
 * Bob rebuilds X = dequant + outliers + A B^T and attends over it.  With
 * bits=0 the largest b in 1..8 that fits is used; then the ranks drop
 * (values first), then only a prefix of the tokens is kept. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "quant.h"

static const varlb_knob_t knobs[] = {
  { "bits", VARLB_KNOB_INT, "0", 0, 8, "bits per code (GEAR: 2 or 4; 0: the most the budget allows)" },
  { "group", VARLB_KNOB_INT, "64", 1, 4096, "KIVI group size G (GEAR: 64)" },
  { "rank", VARLB_KNOB_INT, "4", 0, 65536, "rank of the key error (GEAR's prefill rank: 4)" },
  { "rankv", VARLB_KNOB_INT, "4", 0, 65536, "rank of the value error (prefill rankv: 4)" },
  { "left", VARLB_KNOB_DOUBLE, "0.02", 0, 1, "fraction s of entries kept as fp16 outliers (GEAR: 0.02)" },
  { "loop", VARLB_KNOB_INT, "3", 1, 100, "power-iteration rounds (GEAR: 3)" },
};

#define GEAR_HEADER_BITS 224.0 /* n, b, G, rank, rankv, outliers per side (keys, values) */

/* Outliers per side of a vector of LEN entries. */
static size_t
gear_per_side (double s, size_t len)
{
  size_t o = (size_t) nearbyint (s * (double) len / 2.0);
  return 2 * o <= len ? o : len / 2;
}

static double
gear_size (size_t n, size_t d, size_t dv, unsigned b, size_t G, size_t rk, size_t rv, size_t ok,
           size_t ov)
{
  double halves = 2.0 * (double) ok * (double) d + 2.0 * (double) ov * (double) n
                  + (double) rk * (double) (n + d) + (double) rv * (double) (n + dv);
  double idx = 2.0 * (double) ok * (double) d * qz_index_bits (n)
               + 2.0 * (double) ov * (double) n * qz_index_bits (dv);
  return GEAR_HEADER_BITS + qz_kivi_size (n, 0, d, dv, b, G) + 16.0 * halves
         + 8.0 * ceil (idx / 8.0);
}

/* Outliers of the LEN entries X[i * stride]: the O largest and O smallest
   (ties to the lower index) get MARK = 1, in index order into IDX; then
   they are replaced in Y (same layout) by the vector's mean. */
static void
gear_sparse (size_t *idx, double *Y, const double *X, size_t len, size_t stride, size_t o,
             cc_scored_t *tmp, unsigned char *mark)
{
  double mean = 0.0;
  for (size_t i = 0; i < len; i++)
    mean += X[i * stride];
  mean /= len ? (double) len : 1.0;
  cc_mark_extremes (mark, tmp, X, len, stride, o);
  for (size_t i = 0, k = 0; i < len; i++)
    if (mark[i])
      {
        idx[k++] = i;
        Y[i * stride] = mean;
      }
}

/* GEAR's fake_poweriteration_group: rank-R factors A (n x r), B (c x r) of
   E (n x c) with E ~ A B^T, LOOP rounds from B uniform in [0, 1) drawn from
   RNG; A and B are orthonormalised in the last round only.  Factors are
   rounded to fp16 as the blob stores them.  Floating point. */
static void
gear_power (double *A, double *B, const double *E, size_t n, size_t c, size_t r, unsigned loop,
            gsl_rng *rng)
{
  if (n == 0 || c == 0 || r == 0)
    return;
  for (size_t i = 0; i < c * r; i++)
    B[i] = gsl_rng_uniform (rng);
  for (unsigned it = 0; it < loop; it++)
    {
      if (it + 1 == loop)
        qz_orthonormalize (B, c, r);
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) n, (int) r, (int) c, 1.0, E,
                   (int) c, B, (int) r, 0.0, A, (int) r);
      if (it + 1 == loop)
        qz_orthonormalize (A, n, r);
      cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) c, (int) r, (int) n, 1.0, E,
                   (int) c, A, (int) r, 0.0, B, (int) r);
    }
  for (size_t i = 0; i < n * r; i++)
    A[i] = qz_half (A[i]);
  for (size_t i = 0; i < c * r; i++)
    B[i] = qz_half (B[i]);
}

/* X (n x c) += A B^T. */
static void
gear_add_lowrank (double *X, const double *A, const double *B, size_t n, size_t c, size_t r)
{
  if (n && c && r)
    cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, (int) c, (int) r, 1.0, A,
                 (int) r, B, (int) r, 1.0, X, (int) c);
}

extern const varlb_compressor_t varlb_compressor_gear;

static int
gear_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_gear;
  unsigned b = (unsigned) cc_knob_double (self, kn, "bits");
  size_t G = (size_t) cc_knob_double (self, kn, "group");
  size_t rk = (size_t) cc_knob_double (self, kn, "rank");
  size_t rv = (size_t) cc_knob_double (self, kn, "rankv");
  double s = cc_knob_double (self, kn, "left");
  unsigned loop = (unsigned) cc_knob_double (self, kn, "loop");
  if (b > 8 || G < 1 || !(s >= 0 && s <= 1) || loop < 1 || d == 0 || dv == 0)
    return VARLB_EINVAL;
  size_t n = T, ov = gear_per_side (s, dv);
  rk = rk < d ? rk : d;
  rv = rv < dv ? rv : dv;
#define GEAR_SIZE(nn) \
  gear_size (nn, d, dv, b, G, rk < nn ? rk : nn, rv < nn ? rv : nn, gear_per_side (s, nn), ov)
  if (b == 0)
    {
      b = 8;
      while (b > 1 && GEAR_SIZE (n) > budget_bits)
        b--;
    }
  while ((rk > 0 || rv > 0) && GEAR_SIZE (n) > budget_bits)
    {
      if (rv >= rk && rv > 0)
        rv--;
      else
        rk--;
    }
  while (n > 0 && GEAR_SIZE (n) > budget_bits)
    n--;
#undef GEAR_SIZE
  rk = rk < n ? rk : n;
  rv = rv < n ? rv : n;
  size_t ok = gear_per_side (s, n), dm = d > dv ? d : dv;
  double *Kq = malloc ((n * d + 1) * sizeof *Kq), *Vq = malloc ((n * dv + 1) * sizeof *Vq);
  size_t *kidx = malloc ((2 * ok * d + 1) * sizeof *kidx);
  size_t *vidx = malloc ((2 * ov * n + 1) * sizeof *vidx);
  cc_scored_t *tmp = malloc ((n + dm + 1) * sizeof *tmp);
  unsigned char *mark = malloc (n + dm + 1);
  double *A = malloc (((n + d) * rk + (n + dv) * rv + 1) * sizeof *A);
  gsl_rng *rng = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  int st = (Kq && Vq && kidx && vidx && tmp && mark && A && rng) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    {
      memcpy (Kq, K, n * d * sizeof *Kq);
      memcpy (Vq, V, n * dv * sizeof *Vq);
      for (size_t j = 0; j < d; j++)
        gear_sparse (kidx + 2 * ok * j, Kq + j, K + j, n, d, ok, tmp, mark);
      for (size_t t = 0; t < n; t++)
        gear_sparse (vidx + 2 * ov * t, Vq + t * dv, V + t * dv, dv, 1, ov, tmp, mark);
      st = cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, b) | cc_put_u32 (blob, (uint32_t) G)
           | cc_put_u32 (blob, (uint32_t) rk) | cc_put_u32 (blob, (uint32_t) rv)
           | cc_put_u32 (blob, (uint32_t) ok) | cc_put_u32 (blob, (uint32_t) ov);
      st = st ? VARLB_ENOMEM : VARLB_OK;
    }
  size_t kivi_at = blob->len;
  if (st == VARLB_OK)
    st = qz_kivi_write (blob, Kq, Vq, n, d, dv, n, 0, b, G);
  /* The error is taken against what Bob rebuilds: read the block back. */
  double *Kh = NULL, *Vh = NULL;
  if (st == VARLB_OK)
    {
      cc_reader_t r;
      size_t rows;
      cc_reader_init (&r, blob->data + kivi_at, blob->len - kivi_at);
      st = qz_kivi_read (&Kh, &Vh, &rows, &r, d, dv);
    }
  if (st == VARLB_OK)
    {
      for (size_t j = 0; j < d; j++)
        for (size_t k = 0; k < 2 * ok; k++)
          {
            size_t t = kidx[2 * ok * j + k];
            st |= cc_put_f16 (blob, K[t * d + j]);
            Kh[t * d + j] = qz_half (K[t * d + j]);
          }
      for (size_t t = 0; t < n; t++)
        for (size_t k = 0; k < 2 * ov; k++)
          {
            size_t j = vidx[2 * ov * t + k];
            st |= cc_put_f16 (blob, V[t * dv + j]);
            Vh[t * dv + j] = qz_half (V[t * dv + j]);
          }
      for (size_t i = 0; i < n * d; i++)
        Kh[i] = K[i] - Kh[i];
      for (size_t i = 0; i < n * dv; i++)
        Vh[i] = V[i] - Vh[i];
      double *Ak = A, *Bk = Ak + n * rk, *Av = Bk + d * rk, *Bv = Av + n * rv;
      gear_power (Ak, Bk, Kh, n, d, rk, loop, rng);
      gear_power (Av, Bv, Vh, n, dv, rv, loop, rng);
      st |= cc_put_reals (blob, A, (n + d) * rk + (n + dv) * rv, 16);
      cc_bitwriter_t w;
      cc_bits_init (&w, blob);
      for (size_t i = 0; i < 2 * ok * d; i++)
        cc_bits_put (&w, (uint32_t) kidx[i], qz_index_bits (n));
      for (size_t i = 0; i < 2 * ov * n; i++)
        cc_bits_put (&w, (uint32_t) vidx[i], qz_index_bits (dv));
      st |= cc_bits_flush (&w);
      st = st ? VARLB_ENOMEM : VARLB_OK;
    }
  if (rng)
    gsl_rng_free (rng);
  free (Kq), free (Vq), free (kidx), free (vidx), free (tmp), free (mark), free (A);
  free (Kh), free (Vh);
  return st;
}

/* Rebuild side: set the 2 O outliers of each of COUNT vectors (stride
   between entries STRIDE, between vectors STEP, LEN entries each) from
   VALS and the indices at *POS; VARLB_EFORMAT on an index out of range or
   repeated. */
static int
gear_put_outliers (double *X, size_t count, size_t len, size_t stride, size_t step, size_t o,
                   const double *vals, cc_reader_t *r, size_t *pos, unsigned char *seen)
{
  for (size_t v = 0; v < count; v++)
    {
      memset (seen, 0, len);
      for (size_t k = 0; k < 2 * o; k++)
        {
          size_t i = cc_get_bits (r, pos, qz_index_bits (len));
          if (r->bad || i >= len || seen[i])
            return VARLB_EFORMAT;
          seen[i] = 1;
          X[v * step + i * stride] = vals[v * 2 * o + k];
        }
    }
  return VARLB_OK;
}

static int
gear_answer (CC_ANSWER_PARAMS)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r);
  unsigned b = cc_get_u32 (&r);
  size_t G = cc_get_u32 (&r), rk = cc_get_u32 (&r), rv = cc_get_u32 (&r);
  size_t ok = cc_get_u32 (&r), ov = cc_get_u32 (&r);
  if (r.bad || b < 1 || b > 8 || G < 1 || d == 0 || dv == 0 || rk > d || rv > dv || rk > n
      || rv > n || 2 * ok > n || 2 * ov > dv
      || gear_size (n, d, dv, b, G, rk, rv, ok, ov) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  /* The KIVI block must be the one the header describes. */
  cc_reader_t peek = r;
  if (cc_get_u32 (&peek) != n || cc_get_u32 (&peek) != 0 || cc_get_u32 (&peek) != b
      || cc_get_u32 (&peek) != G || peek.bad)
    return VARLB_EFORMAT;
  double *Kc = NULL, *Vc = NULL;
  size_t rows;
  int st = qz_kivi_read (&Kc, &Vc, &rows, &r, d, dv);
  size_t nf = (n + d) * rk + (n + dv) * rv;
  double *kv = malloc ((2 * ok * d + 1) * sizeof *kv), *vv = malloc ((2 * ov * n + 1) * sizeof *vv);
  double *A = malloc ((nf + 1) * sizeof *A);
  unsigned char *seen = malloc (n + dv + 1);
  if (st == VARLB_OK && (kv == NULL || vv == NULL || A == NULL || seen == NULL))
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    {
      cc_get_reals (kv, 2 * ok * d, &r, 16);
      cc_get_reals (vv, 2 * ov * n, &r, 16);
      cc_get_reals (A, nf, &r, 16);
    }
  size_t pos = 0;
  if (st == VARLB_OK)
    st = gear_put_outliers (Kc, d, n, d, 1, ok, kv, &r, &pos, seen);
  if (st == VARLB_OK)
    st = gear_put_outliers (Vc, n, dv, 1, dv, ov, vv, &r, &pos, seen);
  if (st == VARLB_OK)
    st = cc_bits_end (&r, pos);
  if (st == VARLB_OK)
    {
      double *Ak = A, *Bk = Ak + n * rk, *Av = Bk + d * rk, *Bv = Av + n * rv;
      gear_add_lowrank (Kc, Ak, Bk, n, d, rk);
      gear_add_lowrank (Vc, Av, Bv, n, dv, rv);
      st = cc_answer_finite (O, Q, m, Kc, Vc, n, d, dv);
    }
  free (Kc), free (Vc), free (kv), free (vv), free (A), free (seen);
  return st;
}

CC_COMPRESSOR (gear, "GEAR (arXiv 2403.05527): KIVI-style quantization + low-rank error (power iteration) + fp16 sparse outliers",
               NULL, gear_compress, gear_answer);
