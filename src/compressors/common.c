/* common.c -- shared pieces of the built-in compressors: blob fields, half
 * precision, knob lookup, observed-query scoring for eviction methods, and
 * the eviction blob.  See common.h. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cblas.h>
#include "common.h"

void
cc_reader_init (cc_reader_t *r, const unsigned char *blob, size_t len)
{
  r->p = blob;
  r->left = len;
  r->bad = 0;
}

static uint64_t
get_le (cc_reader_t *r, unsigned bytes)
{
  if (r->bad || r->left < bytes)
    {
      r->bad = 1;
      return 0;
    }
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; i++)
    v |= (uint64_t) r->p[i] << (8 * i);
  r->p += bytes;
  r->left -= bytes;
  return v;
}

void
cc_reader_skip (cc_reader_t *r, size_t bytes)
{
  if (r->bad || r->left < bytes)
    {
      r->bad = 1;
      return;
    }
  r->p += bytes;
  r->left -= bytes;
}

uint32_t
cc_get_u32 (cc_reader_t *r)
{
  return (uint32_t) get_le (r, 4);
}

double
cc_get_f64 (cc_reader_t *r)
{
  uint64_t u = get_le (r, 8);
  double d;
  memcpy (&d, &u, sizeof d);
  return d;
}

double
cc_get_f32 (cc_reader_t *r)
{
  uint32_t u = (uint32_t) get_le (r, 4);
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

double
cc_get_f16 (cc_reader_t *r)
{
  return cc_half_to_double ((uint16_t) get_le (r, 2));
}

uint32_t
cc_get_bits (cc_reader_t *r, size_t *pos, unsigned nbits)
{
  uint32_t v = 0;
  for (unsigned i = 0; i < nbits; i++, (*pos)++)
    {
      size_t byte = *pos / 8;
      if (byte >= r->left)
        {
          r->bad = 1;
          return 0;
        }
      v |= (uint32_t) ((r->p[byte] >> (*pos % 8)) & 1u) << i;
    }
  return v;
}

int
cc_bits_end (const cc_reader_t *r, size_t pos)
{
  return r->bad || (pos + 7) / 8 != r->left ? VARLB_EFORMAT : VARLB_OK;
}

static int
put_le (varlb_blob_t *b, uint64_t v, unsigned bytes)
{
  unsigned char buf[8];
  for (unsigned i = 0; i < bytes; i++)
    buf[i] = (unsigned char) (v >> (8 * i));
  return varlb_blob_append (b, buf, bytes);
}

int
cc_put_u32 (varlb_blob_t *b, uint32_t v)
{
  return put_le (b, v, 4);
}

int
cc_put_f64 (varlb_blob_t *b, double v)
{
  uint64_t u;
  memcpy (&u, &v, sizeof u);
  return put_le (b, u, 8);
}

int
cc_put_f32 (varlb_blob_t *b, double v)
{
  float f = (float) v;
  uint32_t u;
  memcpy (&u, &f, sizeof u);
  return put_le (b, u, 4);
}

int
cc_put_f16 (varlb_blob_t *b, double v)
{
  return put_le (b, cc_half_from_double (v), 2);
}

void
cc_bits_init (cc_bitwriter_t *w, varlb_blob_t *b)
{
  w->b = b;
  w->acc = 0;
  w->nacc = 0;
  w->err = 0;
}

void
cc_bits_put (cc_bitwriter_t *w, uint32_t v, unsigned nbits)
{
  w->acc |= (uint64_t) (v & (nbits == 32 ? 0xffffffffu : ((1u << nbits) - 1))) << w->nacc;
  w->nacc += nbits;
  while (w->nacc >= 8)
    {
      unsigned char c = (unsigned char) w->acc;
      if (varlb_blob_append (w->b, &c, 1) != VARLB_OK)
        w->err = 1;
      w->acc >>= 8;
      w->nacc -= 8;
    }
}

int
cc_bits_flush (cc_bitwriter_t *w)
{
  if (w->nacc)
    {
      unsigned char c = (unsigned char) w->acc;
      if (varlb_blob_append (w->b, &c, 1) != VARLB_OK)
        w->err = 1;
      w->acc = 0;
      w->nacc = 0;
    }
  return w->err ? VARLB_ENOMEM : VARLB_OK;
}

uint16_t
cc_half_from_double (double x)
{
  /* Through float, then float -> half with round to nearest even. */
  float f = (float) x;
  uint32_t u;
  memcpy (&u, &f, sizeof u);
  uint32_t sign = (u >> 16) & 0x8000u;
  int32_t exp = (int32_t) ((u >> 23) & 0xff) - 127 + 15;
  uint32_t mant = u & 0x7fffffu;
  if (((u >> 23) & 0xff) == 0xff)
    return (uint16_t) (sign | 0x7c00u | (mant ? 0x200u : 0));
  if (exp >= 31)
    return (uint16_t) (sign | 0x7c00u);
  if (exp <= 0)
    {
      if (exp < -10)
        return (uint16_t) sign;
      mant |= 0x800000u;
      unsigned shift = (unsigned) (14 - exp);
      uint32_t h = mant >> shift;
      uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
      if (rem > half || (rem == half && (h & 1u)))
        h++;
      return (uint16_t) (sign | h);
    }
  uint32_t h = ((uint32_t) exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
    h++; /* may carry into the exponent: still correct rounding */
  return (uint16_t) (sign | h);
}

double
cc_half_to_double (uint16_t h)
{
  int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v;
  if (exp == 0)
    v = ldexp (mant, -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = ldexp (mant | 0x400, exp - 25);
  return sign ? -v : v;
}

int
cc_prec_ok (unsigned prec)
{
  return prec == 16 || prec == 32 || prec == 64;
}

int
cc_put_real (varlb_blob_t *b, double v, unsigned prec)
{
  return prec == 16 ? cc_put_f16 (b, v) : prec == 32 ? cc_put_f32 (b, v) : cc_put_f64 (b, v);
}

double
cc_get_real (cc_reader_t *r, unsigned prec)
{
  return prec == 16 ? cc_get_f16 (r) : prec == 32 ? cc_get_f32 (r) : cc_get_f64 (r);
}

void
cc_get_reals (double *x, size_t n, cc_reader_t *r, unsigned prec)
{
  for (size_t i = 0; i < n; i++)
    x[i] = cc_get_real (r, prec);
}

int
cc_put_reals (varlb_blob_t *b, const double *x, size_t n, unsigned prec)
{
  int st = VARLB_OK;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    st = cc_put_real (b, x[i], prec);
  return st;
}

void
cc_quant_grid (double zs[2], const double *x, size_t n, size_t stride, unsigned b)
{
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++)
    {
      lo = fmin (lo, x[i * stride]);
      hi = fmax (hi, x[i * stride]);
    }
  zs[0] = cc_half_to_double (cc_half_from_double (lo));
  zs[1] = cc_half_to_double (cc_half_from_double ((hi - zs[0]) / (double) ((1u << b) - 1)));
  if (!(zs[1] > 0.0))
    zs[1] = 0.0; /* a constant group: every code is 0 */
}

uint32_t
cc_quant_code (double x, const double zs[2], unsigned b)
{
  double q = zs[1] > 0 ? nearbyint ((x - zs[0]) / zs[1]) : 0;
  return (uint32_t) fmin (fmax (q, 0), (double) ((1u << b) - 1));
}

const char *
cc_knob (const varlb_compressor_t *c, const varlb_knobs_t *k, const char *name)
{
  const char *v = varlb_knobs_get (k, name);
  if (v)
    return v;
  for (size_t i = 0; i < c->n_knobs; i++)
    if (strcmp (c->knobs[i].name, name) == 0)
      return c->knobs[i].def;
  return NULL;
}

double
cc_knob_double (const varlb_compressor_t *c, const varlb_knobs_t *k, const char *name)
{
  const char *v = cc_knob (c, k, name);
  return v ? strtod (v, NULL) : NAN;
}

int
cc_knob_public (const varlb_compressor_t *c, const varlb_knobs_t *k, const char *name)
{
  const char *v = cc_knob (c, k, name);
  return strcmp (v, "public") == 0 ? 1 : strcmp (v, "instance") == 0 ? 0 : -1;
}

int
cc_knob_prec (unsigned *prec, const varlb_compressor_t *c, const varlb_knobs_t *k,
              const char *name)
{
  *prec = (unsigned) cc_knob_double (c, k, name);
  return cc_prec_ok (*prec) ? VARLB_OK : VARLB_EINVAL;
}

int
cc_calibration_data (double *K, double *V, size_t T, size_t d, size_t dv, gsl_rng *r)
{
  int st = varlb_jl_keys (K, T, d, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, r);
  for (size_t i = 0; st == VARLB_OK && i < T * dv; i++)
    V[i] = (double) gsl_rng_uniform_int (r, 2);
  return st;
}

int
cc_all_finite (const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite (x[i]))
      return 0;
  return 1;
}

int
cc_decoded_finite (double *A, const float *f, size_t count)
{
  for (size_t i = 0; f && i < count; i++)
    A[i] = f[i];
  return cc_all_finite (A, count) ? VARLB_OK : VARLB_EFORMAT;
}

float *
cc_floats_new (const double *A, size_t count)
{
  float *f = malloc ((count + 1) * sizeof *f);
  for (size_t i = 0; f && i < count; i++)
    f[i] = (float) A[i];
  return f;
}

int
cc_answer_cache (double *O, const double *Q, size_t m, const double *Kc,
                 const double *Vc, size_t n, size_t d, size_t dv)
{
  if (n == 0)
    {
      memset (O, 0, m * dv * sizeof *O);
      return VARLB_OK;
    }
  return varlb_attention (O, Q, m, Kc, Vc, n, d, dv, NULL, NULL, NULL);
}

int
cc_answer_finite (double *O, const double *Q, size_t m, const double *Kc,
                  const double *Vc, size_t n, size_t d, size_t dv)
{
  if (!cc_all_finite (Kc, n * d) || !cc_all_finite (Vc, n * dv))
    return VARLB_EFORMAT;
  return cc_answer_cache (O, Q, m, Kc, Vc, n, d, dv);
}

int
cc_answer_streams (double *O, const double *Q, size_t m, size_t n, size_t d, size_t dv,
                   const unsigned char *p, size_t bk, size_t bv, cc_stream_get_fn get,
                   const void *how)
{
  double *Kc = malloc ((n * d + 1) * sizeof *Kc), *Vc = malloc ((n * dv + 1) * sizeof *Vc);
  int st = Kc && Vc ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = get (Kc, p, bk, n, d, how);
  if (st == VARLB_OK)
    st = get (Vc, p + bk, bv, n, dv, how);
  if (st == VARLB_OK)
    st = cc_answer_cache (O, Q, m, Kc, Vc, n, d, dv);
  free (Kc);
  free (Vc);
  return st;
}

int
cc_observed_queries (double *Q, size_t n, size_t d, double temperature,
                     uint64_t seed)
{
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_OBSERVED);
  if (r == NULL)
    return VARLB_ENOMEM;
  int st = varlb_jl_keys (Q, n, d, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, r);
  gsl_rng_free (r);
  for (size_t i = 0; st == VARLB_OK && i < n * d; i++)
    Q[i] *= temperature;
  return st;
}

size_t
cc_visible_end (const varlb_pyramid_t *py, size_t t)
{
  for (size_t s = 0; s < py->scales; s++)
    if (t < py->offset[s + 1])
      return py->offset[s + 1];
  return t;
}

void
cc_softmax (double *x, size_t n)
{
  if (n == 0)
    return;
  double mx = x[0], z = 0.0;
  for (size_t i = 1; i < n; i++)
    mx = x[i] > mx ? x[i] : mx;
  for (size_t i = 0; i < n; i++)
    z += x[i] = exp (x[i] - mx);
  for (size_t i = 0; i < n; i++)
    x[i] /= z;
}

void
cc_zscore (double *x, size_t n)
{
  if (n == 0)
    return;
  double mean = 0.0, ss = 0.0;
  for (size_t i = 0; i < n; i++)
    mean += x[i];
  mean /= (double) n;
  for (size_t i = 0; i < n; i++)
    ss += (x[i] - mean) * (x[i] - mean);
  double sd = n > 1 ? sqrt (ss / (double) (n - 1)) : 0.0;
  if (!(sd > 1e-6))
    sd = 1e-6;
  for (size_t i = 0; i < n; i++)
    x[i] = (x[i] - mean) / sd;
}

int
cc_observed_scores (double *scores, const double *K, size_t T, size_t d,
                    size_t queries, double temperature, uint64_t seed,
                    int mode)
{
  if (T == 0)
    return VARLB_OK;
  if (queries == 0)
    queries = 1;
  double *Q = malloc (queries * d * sizeof *Q);
  double *S = malloc (T * sizeof *S);
  int st = (Q && S) ? cc_observed_queries (Q, queries, d, 1.0, seed) : VARLB_ENOMEM;
  for (size_t i = 0; i < T; i++)
    scores[i] = 0.0;
  for (size_t q = 0; st == VARLB_OK && q < queries; q++)
    {
      if (mode == CC_OBS_LAST && q + 1 < queries)
        continue; /* only the last observed query counts */
      cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) T, (int) d, temperature,
                   K, (int) d, Q + q * d, 1, 0.0, S, 1);
      if (mode == CC_OBS_LOGITS)
        {
          for (size_t t = 0; t < T; t++)
            scores[t] += S[t];
          continue;
        }
      cc_softmax (S, T);
      for (size_t t = 0; t < T; t++)
        scores[t] += S[t];
    }
  free (Q);
  free (S);
  return st;
}

void
cc_pool1d (double *out, const double *in, size_t T, size_t kernel, int use_max)
{
  size_t half = kernel / 2;
  for (size_t t = 0; t < T; t++)
    {
      size_t a = t >= half ? t - half : 0, b = t + half < T ? t + half : T - 1;
      double acc = use_max ? in[a] : 0.0;
      for (size_t u = a; u <= b; u++)
        acc = use_max ? (in[u] > acc ? in[u] : acc) : acc + in[u];
      out[t] = use_max ? acc : acc / (double) kernel;
    }
}

int
cc_by_score_desc (const void *a, const void *b)
{
  const cc_scored_t *x = a, *y = b;
  if (x->s != y->s)
    return x->s > y->s ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

int
cc_by_score_asc (const void *a, const void *b)
{
  const cc_scored_t *x = a, *y = b;
  if (x->s != y->s)
    return x->s < y->s ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

static int
cmp_index (const void *a, const void *b)
{
  size_t i = *(const size_t *) a, j = *(const size_t *) b;
  return i < j ? -1 : i > j;
}

void
cc_mark_extremes (unsigned char *mark, cc_scored_t *tmp, const double *x, size_t len,
                  size_t stride, size_t o)
{
  for (size_t i = 0; i < len; i++)
    {
      tmp[i] = (cc_scored_t) { x[i * stride], i };
      mark[i] = 0;
    }
  qsort (tmp, len, sizeof *tmp, cc_by_score_desc);
  for (size_t k = 0; k < o; k++)
    mark[tmp[k].i] = mark[tmp[len - 1 - k].i] = 1;
}

int
cc_rank_desc (size_t *order, const double *scores, size_t T)
{
  cc_scored_t *o = malloc ((T ? T : 1) * sizeof *o);
  if (o == NULL)
    return VARLB_ENOMEM;
  for (size_t i = 0; i < T; i++)
    o[i] = (cc_scored_t) { scores[i], i };
  qsort (o, T, sizeof *o, cc_by_score_desc);
  for (size_t i = 0; i < T; i++)
    order[i] = o[i].i;
  free (o);
  return VARLB_OK;
}

void
cc_top_k (size_t *keep, size_t k, const double *scores, size_t T)
{
  if (k > T)
    k = T;
  size_t *order = malloc ((T ? T : 1) * sizeof *order);
  if (order == NULL || cc_rank_desc (order, scores, T) != VARLB_OK)
    {
      for (size_t i = 0; i < k; i++)
        keep[i] = i; /* degrade to a prefix rather than fail */
      free (order);
      return;
    }
  memcpy (keep, order, k * sizeof *keep);
  qsort (keep, k, sizeof *keep, cmp_index);
  free (order);
}
