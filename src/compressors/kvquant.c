/* kvquant.c -- KVQuant (Hooper et al., arXiv 2401.18079; reference
 * SqueezeAILab/KVQuant quant/kvquant/simquant_module_quantizer.py): the
 * non-uniform "nuq-b" datatype with dense-and-sparse outliers.  Keys are
 * quantized per channel against ranges calibrated offline, values per token
 * against ranges computed online; both map the normalised entry (x - zero) /
 * range in [-1, 1] to the nearest of 2^b levels fitted by 1-D k-means on
 * calibration data.  Entries outside the range (keys: beyond the calibrated
 * per-channel percentiles t = 1 - (1 - threshold)/2 and 1 - t; values: the
 * ceil((1 - threshold)/2 dv) largest and as many smallest of each token, as
 * the reference's >= quantile test keeps them) are kept exactly at fp16 with
 * their index (a sparse matrix).  The first tokens stay fp16 (attention-sink
 * aware, --first_few_fp16); Q-Norm (--norm) rescales the levels to the
 * calibration data's mean and deviation.  KVQuant quantizes keys pre-RoPE:
 * VAR has no RoPE, so that step is moot here.
 *
 * What is free and what is charged: the levels and the key ranges are fitted
 * before the instance, on calibration data drawn from a fixed public seed
 * (unit Gaussian keys, fair {0,1} values; no Fisher weights, which need the
 * model's loss), so both halves rebuild them (declared free calibration).
 * The per-token value zero points and ranges, every outlier with its index,
 * and the codes are in the blob.  With bits=0 the largest b in 1..8 that
 * fits is used, then only a prefix of the tokens is kept.
 *
 * Blob: header (n, first, b, value outliers per side, key outliers: u32);
 * fp16: the first rows (K then V), value zero/range per token, value
 * outliers, key outliers; then one bit stream: value outlier channels, key
 * outlier (token, channel) pairs, the codes (keys then values per token). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quant.h"

static const varlb_knob_t knobs[] = {
  { "bits", VARLB_KNOB_INT, "0", 0, 8,
    "bits per code, the nuq-b datatype (KVQuant: 2-4; 0: the most the budget allows)" },
  { "threshold", VARLB_KNOB_DOUBLE, "0.99", 0.5, 1,
    "sparsity threshold: 1 - threshold of the entries are fp16 outliers (1: none)" },
  { "first", VARLB_KNOB_INT, "1", 0, 1e9, "first tokens kept at fp16 (--first_few_fp16)" },
  { "norm", VARLB_KNOB_INT, "0", 0, 1, "Q-Norm: match the levels' mean and deviation (KVQuant uses it at 2 bits)" },
};

static const char kvq_calibration_note[] =
  "kvquant: nuq levels (1-D k-means) and per-channel key ranges fitted on calibration data "
  "from seed 0x6b7671756e742e31 (unit Gaussian keys, fair {0,1} values) before the instance; "
  "not charged";

#define KVQ_CAL_SEED UINT64_C (0x6b7671756e742e31) /* "kvqunt.1" */
#define KVQ_CAL_TOKENS 1024
#define KVQ_HEADER_BITS 160.0

extern const varlb_compressor_t varlb_compressor_kvquant;

/* Entries per side taken as outliers from a vector of LEN under THR. */
static size_t
kvq_per_side (double thr, size_t len)
{
  if (thr >= 1.0)
    return 0;
  size_t o = (size_t) ceil ((1.0 - thr) / 2.0 * (double) len - 1e-9);
  return 2 * o <= len ? o : len / 2;
}

/* Mark in MARK (len) the O largest and O smallest of X[i * stride] (ties
   to the lower index), and return zero point and range of the others in
   ZR (rounded to fp16 when ROUND). */
static void
kvq_dynamic (unsigned char *mark, double zr[2], const double *x, size_t len, size_t stride,
             size_t o, cc_scored_t *tmp, int round)
{
  cc_mark_extremes (mark, tmp, x, len, stride, o);
  double hi = len > 2 * o ? tmp[o].s : 0.0, lo = len > 2 * o ? tmp[len - 1 - o].s : 0.0;
  zr[0] = (hi + lo) / 2.0;
  zr[1] = (hi - lo) / 2.0;
  if (round)
    zr[0] = qz_half (zr[0]), zr[1] = qz_half (zr[1]);
}

static double
normalised (double x, const double zr[2])
{
  return zr[1] > 0 ? (x - zr[0]) / zr[1] : 0.0;
}

/* A key entry outside its calibrated range is a sparse outlier (with
   threshold 1 there are none: KVQuant without --include_sparse clamps). */
static int
kvq_key_outlier (double x, const double zr[2], double thr)
{
  return thr < 1.0 && fabs (normalised (x, zr)) > 1.0;
}

/* Linear-interpolation percentile P (in [0,1]) of the sorted S (n), as
   numpy.percentile. */
static double
percentile (const double *s, size_t n, double p)
{
  double h = p * (double) (n - 1);
  size_t i = (size_t) floor (h);
  return i + 1 < n ? s[i] + (h - (double) i) * (s[i + 1] - s[i]) : s[n - 1];
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

#define KVQ_BINS 8192

/* Lloyd-Max levels (2^B, KVQuant's 1-D k-means) of the normalised points
   accumulated in the bins CNT / SUM over [-1, 1]: each non-empty bin is one
   point at its mean, weighted by its count (no sort of the raw points).
   With QNORM, Q-Norm: the levels are shifted and scaled so the quantized
   points keep the mean and deviation of the points. */
static int
kvq_levels (double *lev, unsigned b, const double *cnt, const double *sum, int qnorm)
{
  double x[KVQ_BINS], w[KVQ_BINS];
  size_t np = 0;
  for (size_t i = 0; i < KVQ_BINS; i++)
    if (cnt[i] > 0)
      x[np] = sum[i] / cnt[i], w[np++] = cnt[i];
  unsigned L = 1u << b;
  int st = qz_lloyd (lev, L, x, w, np, 50); /* the reference: KMeans, max_iter 50 */
  if (st != VARLB_OK || !qnorm || np == 0)
    return st;
  double W = 0, m1 = 0, s1 = 0, m2 = 0, s2 = 0;
  for (size_t i = 0; i < np; i++)
    {
      double q = lev[qz_nearest (lev, L, x[i])];
      W += w[i], m1 += w[i] * x[i], m2 += w[i] * q;
    }
  m1 /= W, m2 /= W;
  for (size_t i = 0; i < np; i++)
    {
      double q = lev[qz_nearest (lev, L, x[i])];
      s1 += w[i] * (x[i] - m1) * (x[i] - m1), s2 += w[i] * (q - m2) * (q - m2);
    }
  double sc = s2 > 0 ? sqrt (s1 / s2) : 1.0;
  for (unsigned k = 0; k < L; k++)
    lev[k] = (lev[k] - m2) * sc + m1;
  return VARLB_OK;
}

static void
kvq_bin (double *cnt, double *sum, double u)
{
  size_t i = (size_t) fmin (fmax ((u + 1.0) / 2.0 * KVQ_BINS, 0.0), KVQ_BINS - 1.0);
  cnt[i] += 1.0;
  sum[i] += u;
}

/* The free calibration: per-channel key zero points and ranges (KZR, 2 d)
   and, unless B = 0, the key levels (LK) and the value levels (LV), 2^B
   each, fitted on data from KVQ_CAL_SEED normalised exactly as the instance
   will be. */
static int
kvq_calibrate (double *kzr, double *lk, double *lv, size_t d, size_t dv, unsigned b, double thr,
               int qnorm)
{
  size_t n = KVQ_CAL_TOKENS;
  gsl_rng *r = varlb_rng_new (KVQ_CAL_SEED, VARLB_STREAM_COMPRESSOR);
  double *Kc = malloc (n * d * sizeof *Kc), *Vc = malloc (n * dv * sizeof *Vc);
  double *col = malloc (n * sizeof *col), *bins = calloc (4 * KVQ_BINS, sizeof *bins);
  cc_scored_t *tmp = malloc ((dv + 1) * sizeof *tmp);
  unsigned char *mark = malloc (dv + 1);
  int st = (r && Kc && Vc && col && bins && tmp && mark) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = varlb_jl_keys (Kc, n, d, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, r);
  for (size_t i = 0; st == VARLB_OK && i < n * dv; i++)
    Vc[i] = (double) gsl_rng_uniform_int (r, 2);
  double t = 1.0 - (1.0 - thr) / 2.0;
  for (size_t j = 0; st == VARLB_OK && j < d; j++)
    {
      for (size_t i = 0; i < n; i++)
        col[i] = Kc[i * d + j];
      qsort (col, n, sizeof *col, cmp_double);
      double hi = percentile (col, n, t), lo = percentile (col, n, 1.0 - t);
      kzr[2 * j] = (hi + lo) / 2.0;
      kzr[2 * j + 1] = (hi - lo) / 2.0;
      for (size_t i = 0; b > 0 && i < n; i++)
        if (!kvq_key_outlier (Kc[i * d + j], kzr + 2 * j, thr))
          kvq_bin (bins, bins + KVQ_BINS, normalised (Kc[i * d + j], kzr + 2 * j));
    }
  for (size_t i = 0; st == VARLB_OK && b > 0 && i < n; i++)
    {
      double zr[2];
      kvq_dynamic (mark, zr, Vc + i * dv, dv, 1, kvq_per_side (thr, dv), tmp, 0);
      for (size_t j = 0; j < dv; j++)
        if (!mark[j])
          kvq_bin (bins + 2 * KVQ_BINS, bins + 3 * KVQ_BINS, normalised (Vc[i * dv + j], zr));
    }
  if (st == VARLB_OK && b > 0)
    st = kvq_levels (lk, b, bins, bins + KVQ_BINS, qnorm);
  if (st == VARLB_OK && b > 0)
    st = kvq_levels (lv, b, bins + 2 * KVQ_BINS, bins + 3 * KVQ_BINS, qnorm);
  if (r)
    gsl_rng_free (r);
  free (Kc), free (Vc), free (col), free (bins), free (tmp), free (mark);
  return st;
}

/* Bits of a blob: N tokens of which F fp16, B-bit codes, OV value outliers
   per side per token, NKO key outliers. */
static double
kvq_size (size_t n, size_t f, size_t d, size_t dv, unsigned b, size_t ov, size_t nko)
{
  size_t q = n - f; /* quantized tokens */
  double halves = (double) f * (double) (d + dv) + 2.0 * (double) q
                  + 2.0 * (double) ov * (double) q + (double) nko;
  double bits = 2.0 * (double) ov * (double) q * qz_index_bits (dv)
                + (double) nko * (qz_index_bits (q) + qz_index_bits (d))
                + (double) q * (double) (d + dv) * b;
  return KVQ_HEADER_BITS + 16.0 * halves + 8.0 * ceil (bits / 8.0);
}

static int
kvq_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_kvquant;
  unsigned b = (unsigned) cc_knob_double (self, kn, "bits");
  double thr = cc_knob_double (self, kn, "threshold");
  size_t first = (size_t) cc_knob_double (self, kn, "first");
  int qnorm = (int) cc_knob_double (self, kn, "norm");
  if (b > 8 || !(thr >= 0.5 && thr <= 1) || d == 0 || dv == 0)
    return VARLB_EINVAL;
  first = first < T ? first : T;
  size_t ov = kvq_per_side (thr, dv);
  /* Key outliers against the calibrated ranges do not depend on b: count
     them per row once, so each candidate shape is priced in O(1). */
  double *kzr = malloc ((2 * d + 1) * sizeof *kzr), *lk = malloc (256 * sizeof *lk);
  double *lv = malloc (256 * sizeof *lv);
  size_t *cum = malloc ((T + 1) * sizeof *cum);
  int st = (kzr && lk && lv && cum) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = kvq_calibrate (kzr, NULL, NULL, d, dv, 0, thr, 0); /* the ranges only */
  if (st == VARLB_OK)
    {
      cum[0] = 0;
      for (size_t t = 0; t < T; t++)
        {
          size_t c = 0;
          for (size_t j = 0; t >= first && j < d; j++)
            c += kvq_key_outlier (K[t * d + j], kzr + 2 * j, thr);
          cum[t + 1] = cum[t] + c;
        }
    }
  size_t n = T;
  if (st == VARLB_OK && b == 0)
    {
      b = 8;
      while (b > 1 && kvq_size (n, first, d, dv, b, ov, cum[n]) > budget_bits)
        b--;
    }
  while (st == VARLB_OK && n > 0
         && kvq_size (n, first < n ? first : n, d, dv, b, ov, cum[n]) > budget_bits)
    n--;
  size_t f = first < n ? first : n, q = n - f, nko = st == VARLB_OK ? cum[n] : 0;
  if (st == VARLB_OK)
    st = kvq_calibrate (kzr, lk, lv, d, dv, b, thr, qnorm);
  double *vzr = malloc ((2 * q + 1) * sizeof *vzr);
  unsigned char *vmark = malloc ((q * dv + 1));
  cc_scored_t *tmp = malloc ((dv + 1) * sizeof *tmp);
  if (st == VARLB_OK && (vzr == NULL || vmark == NULL || tmp == NULL))
    st = VARLB_ENOMEM;
  const double *Kq = K + f * d, *Vq = V + f * dv;
  for (size_t t = 0; st == VARLB_OK && t < q; t++)
    kvq_dynamic (vmark + t * dv, vzr + 2 * t, Vq + t * dv, dv, 1, ov, tmp, 1);
  if (st == VARLB_OK)
    {
      unsigned L = 1u << b;
      st = cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, (uint32_t) f) | cc_put_u32 (blob, b)
           | cc_put_u32 (blob, (uint32_t) ov) | cc_put_u32 (blob, (uint32_t) nko);
      for (size_t t = 0; t < f; t++)
        {
          for (size_t j = 0; j < d; j++)
            st |= cc_put_f16 (blob, K[t * d + j]);
          for (size_t j = 0; j < dv; j++)
            st |= cc_put_f16 (blob, V[t * dv + j]);
        }
      st |= cc_put_reals (blob, vzr, 2 * q, 16);
      for (size_t i = 0; i < q * dv; i++)
        if (vmark[i])
          st |= cc_put_f16 (blob, Vq[i]);
      for (size_t j = 0; j < d; j++) /* key outliers by channel, then token */
        for (size_t t = 0; t < q; t++)
          if (kvq_key_outlier (Kq[t * d + j], kzr + 2 * j, thr))
            st |= cc_put_f16 (blob, Kq[t * d + j]);
      cc_bitwriter_t w;
      cc_bits_init (&w, blob);
      for (size_t i = 0; i < q * dv; i++)
        if (vmark[i])
          cc_bits_put (&w, (uint32_t) (i % dv), qz_index_bits (dv));
      for (size_t j = 0; j < d; j++)
        for (size_t t = 0; t < q; t++)
          if (kvq_key_outlier (Kq[t * d + j], kzr + 2 * j, thr))
            {
              cc_bits_put (&w, (uint32_t) t, qz_index_bits (q));
              cc_bits_put (&w, (uint32_t) j, qz_index_bits (d));
            }
      for (size_t t = 0; t < q; t++)
        {
          for (size_t j = 0; j < d; j++)
            cc_bits_put (&w, qz_nearest (lk, L, normalised (Kq[t * d + j], kzr + 2 * j)), b);
          for (size_t j = 0; j < dv; j++)
            cc_bits_put (&w, qz_nearest (lv, L, normalised (Vq[t * dv + j], vzr + 2 * t)), b);
        }
      st |= cc_bits_flush (&w);
      st = st ? VARLB_ENOMEM : VARLB_OK;
    }
  free (kzr), free (lk), free (lv), free (cum), free (vzr), free (vmark), free (tmp);
  return st;
}

static int
kvq_answer (CC_ANSWER_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_kvquant;
  double thr = cc_knob_double (self, kn, "threshold");
  int qnorm = (int) cc_knob_double (self, kn, "norm");
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r), f = cc_get_u32 (&r);
  unsigned b = cc_get_u32 (&r);
  size_t ov = cc_get_u32 (&r), nko = cc_get_u32 (&r);
  if (r.bad || f > n || b < 1 || b > 8 || d == 0 || dv == 0 || 2 * ov > dv
      || (double) nko > (double) (n - f) * (double) d
      || kvq_size (n, f, d, dv, b, ov, nko) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  size_t q = n - f;
  unsigned L = 1u << b;
  double *kzr = malloc ((2 * d + 1) * sizeof *kzr), *lk = malloc (L * sizeof *lk);
  double *lv = malloc (L * sizeof *lv), *vzr = malloc ((2 * q + 1) * sizeof *vzr);
  double *Kc = malloc ((n * d + 1) * sizeof *Kc), *Vc = malloc ((n * dv + 1) * sizeof *Vc);
  double *vout = malloc ((2 * ov * q + 1) * sizeof *vout);
  double *kout = malloc ((nko + 1) * sizeof *kout);
  unsigned char *known = calloc (n * (d + dv) + 1, 1); /* entries an outlier sets */
  int st = (kzr && lk && lv && vzr && Kc && Vc && vout && kout && known) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = kvq_calibrate (kzr, lk, lv, d, dv, b, thr, qnorm);
  for (size_t t = 0; st == VARLB_OK && t < f; t++)
    {
      for (size_t j = 0; j < d; j++)
        Kc[t * d + j] = cc_get_f16 (&r);
      for (size_t j = 0; j < dv; j++)
        Vc[t * dv + j] = cc_get_f16 (&r);
    }
  if (st == VARLB_OK)
    {
      cc_get_reals (vzr, 2 * q, &r, 16);
      cc_get_reals (vout, 2 * ov * q, &r, 16);
      cc_get_reals (kout, nko, &r, 16);
    }
  size_t pos = 0;
  double *Kq = Kc + f * d, *Vq = Vc + f * dv;
  unsigned char *kknown = known, *vknown = known + q * d;
  for (size_t t = 0; st == VARLB_OK && t < q; t++)
    for (size_t k = 0; k < 2 * ov; k++)
      {
        size_t j = cc_get_bits (&r, &pos, qz_index_bits (dv));
        if (j >= dv || vknown[t * dv + j])
          st = VARLB_EFORMAT;
        else
          vknown[t * dv + j] = 1, Vq[t * dv + j] = vout[t * 2 * ov + k];
      }
  for (size_t i = 0; st == VARLB_OK && i < nko; i++)
    {
      size_t t = cc_get_bits (&r, &pos, qz_index_bits (q));
      size_t j = cc_get_bits (&r, &pos, qz_index_bits (d));
      if (t >= q || j >= d || kknown[t * d + j])
        st = VARLB_EFORMAT;
      else
        kknown[t * d + j] = 1, Kq[t * d + j] = kout[i];
    }
  for (size_t t = 0; st == VARLB_OK && t < q; t++)
    {
      for (size_t j = 0; j < d; j++)
        {
          double u = lk[cc_get_bits (&r, &pos, b)];
          if (!kknown[t * d + j])
            Kq[t * d + j] = kzr[2 * j] + kzr[2 * j + 1] * u;
        }
      for (size_t j = 0; j < dv; j++)
        {
          double u = lv[cc_get_bits (&r, &pos, b)];
          if (!vknown[t * dv + j])
            Vq[t * dv + j] = vzr[2 * t] + vzr[2 * t + 1] * u;
        }
    }
  if (st == VARLB_OK)
    st = cc_bits_end (&r, pos);
  if (st == VARLB_OK)
    st = cc_answer_finite (O, Q, m, Kc, Vc, n, d, dv);
  free (kzr), free (lk), free (lv), free (vzr), free (Kc), free (Vc), free (vout), free (kout);
  free (known);
  return st;
}

CC_COMPRESSOR (kvquant, "KVQuant (arXiv 2401.18079): nuq-b levels (offline k-means), keys per channel, values per token, fp16 sparse outliers, first token fp16",
               kvq_calibration_note, kvq_compress, kvq_answer);
