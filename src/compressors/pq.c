/* pq.c -- product quantization (PQCache, arXiv 2407.12820, in its "PQ-only"
 * form from compressors.md 1.15): keys and values are each split into M
 * sub-vectors, every subspace gets a k-means codebook of c <= 2^b centroids
 * (Lloyd iterations seeded from the public seed), and each token keeps one
 * b-bit code per subspace.  By default the codebooks are fitted on the
 * instance, so they are charged in the blob; with codebooks=public they are
 * fitted before any instance is drawn, on calibration data from a fixed
 * public seed, so both halves rebuild them and they are free (and recorded
 * as free calibration in every result row). */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "common.h"

static const varlb_knob_t knobs[] = {
  { "subvectors", VARLB_KNOB_INT, "2", 1, 65536, "sub-vectors M per key and per value (PQCache SUBVEC=2)" },
  { "bits", VARLB_KNOB_INT, "0", 0, 16,
    "bits per code b (PQCache uses 6; 0: the most the budget allows); lowered until the blob fits" },
  { "iters", VARLB_KNOB_INT, "25", 0, 1000, "Lloyd iterations (stops early once stable)" },
  { "precision", VARLB_KNOB_INT, "16", 16, 64, "bits per codebook entry: 16, 32 or 64" },
  { "codebooks", VARLB_KNOB_STRING, "instance", 0, 0,
    "instance (k-means on this cache, charged) or public (fitted before the instance on calibration data, free)" },
};

/* Calibration data of codebooks=public: T unit Gaussian keys (varlb's
   default JL family) and fair {0,1} values, drawn from this fixed seed,
   never from the instance's. */
#define PQ_CALIBRATION_SEED UINT64_C (0x70715f63616c6962) /* "pq_calib" */
static const char pq_calibration_note[] =
  "pq codebooks=public: k-means on calibration data drawn from seed 0x70715f63616c6962 "
  "(unit Gaussian keys, fair {0,1} values) before the instance; not charged";

#define PQ_HEADER_BITS 160.0 /* n, M, centroids, bits per code, precision */

static unsigned
bits_for (size_t c)
{
  unsigned b = 0;
  while (b < 32 && ((size_t) 1 << b) < c)
    b++;
  return b ? b : 1;
}

/* Bits of a blob with N tokens, M sub-vectors, C centroids per subspace;
   public codebooks are not in the blob. */
static double
pq_size (size_t n, size_t d, size_t dv, size_t M, size_t c, unsigned prec, int public)
{
  double codes = 2.0 * (double) n * (double) M * bits_for (c);
  double books = public ? 0.0 : (double) c * (double) (d + dv) * prec;
  return PQ_HEADER_BITS + books + 8.0 * ceil (codes / 8.0);
}

/* The codebooks knob: 0 instance, 1 public, -1 unknown. */
static int
pq_public (const varlb_compressor_t *self, const varlb_knobs_t *kn)
{
  const char *v = cc_knob (self, kn, "codebooks");
  return strcmp (v, "public") == 0 ? 1 : strcmp (v, "instance") == 0 ? 0 : -1;
}

/* Column range of subspace J of M over D columns. */
static void
sub_range (size_t *lo, size_t *hi, size_t j, size_t M, size_t d)
{
  *lo = j * d / M;
  *hi = (j + 1) * d / M;
}

static double
dist2 (const double *a, const double *b, size_t w)
{
  double s = 0.0;
  for (size_t i = 0; i < w; i++)
    s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

static double
round_prec (double x, unsigned prec)
{
  return prec == 16 ? cc_half_to_double (cc_half_from_double (x))
         : prec == 32 ? (double) (float) x : x;
}

/* k-means of the N points X (row stride LD, width W) into C centroids
   (C x W, rounded to PREC bits as the blob stores them) and CODE (N).
   Initial centroids: C distinct points drawn with gsl_ran_choose from R (the
   public seed).  Floating point. */
static int
kmeans (double *cent, uint32_t *code, const double *X, size_t n, size_t ld,
        size_t w, size_t c, unsigned iters, unsigned prec, gsl_rng *r)
{
  size_t *pick = malloc ((n ? n : 1) * sizeof *pick), *idx = malloc ((n ? n : 1) * sizeof *idx);
  double *sum = malloc ((c * w + 1) * sizeof *sum);
  size_t *cnt = malloc ((c ? c : 1) * sizeof *cnt);
  if (pick == NULL || idx == NULL || sum == NULL || cnt == NULL)
    {
      free (pick), free (idx), free (sum), free (cnt);
      return VARLB_ENOMEM;
    }
  if (c >= n)
    {
      /* Every point is its own centroid: k-means has nothing to do. */
      for (size_t i = 0; i < n; i++)
        {
          for (size_t j = 0; j < w; j++)
            cent[i * w + j] = round_prec (X[i * ld + j], prec);
          code[i] = (uint32_t) i;
        }
      free (pick), free (idx), free (sum), free (cnt);
      return VARLB_OK;
    }
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  if (c < n)
    gsl_ran_choose (r, pick, c, idx, n, sizeof *idx);
  else
    memcpy (pick, idx, n * sizeof *idx);
  for (size_t k = 0; k < c; k++)
    memcpy (cent + k * w, X + pick[k] * ld, w * sizeof *cent);
  for (size_t i = 0; i < n; i++)
    code[i] = UINT32_MAX;
  for (unsigned it = 0;; it++)
    {
      int changed = 0;
      for (size_t i = 0; i < n; i++)
        {
          double best = DBL_MAX;
          uint32_t arg = 0;
          for (size_t k = 0; k < c; k++)
            {
              double e = dist2 (X + i * ld, cent + k * w, w);
              if (e < best)
                best = e, arg = (uint32_t) k;
            }
          changed |= arg != code[i];
          code[i] = arg;
        }
      if (!changed || it >= iters)
        break;
      memset (sum, 0, c * w * sizeof *sum);
      memset (cnt, 0, c * sizeof *cnt);
      for (size_t i = 0; i < n; i++)
        {
          cnt[code[i]]++;
          for (size_t j = 0; j < w; j++)
            sum[code[i] * w + j] += X[i * ld + j];
        }
      for (size_t k = 0; k < c; k++)
        for (size_t j = 0; cnt[k] && j < w; j++) /* an empty cluster keeps its centroid */
          cent[k * w + j] = sum[k * w + j] / (double) cnt[k];
      /* Assign against what the blob will hold. */
      for (size_t i = 0; i < c * w; i++)
        cent[i] = round_prec (cent[i], prec);
    }
  for (size_t i = 0; i < c * w; i++)
    cent[i] = round_prec (cent[i], prec);
  free (pick), free (idx), free (sum), free (cnt);
  return VARLB_OK;
}

/* Index of the centroid of CENT (C x W) nearest to X. */
static uint32_t
nearest (const double *cent, size_t c, const double *x, size_t w)
{
  double best = DBL_MAX;
  uint32_t arg = 0;
  for (size_t k = 0; k < c; k++)
    {
      double e = dist2 (x, cent + k * w, w);
      if (e < best)
        best = e, arg = (uint32_t) k;
    }
  return arg;
}

/* codebooks=public: fit CBK (C x D, subspace j at C * lo_j) and CBV
   (C x DV) on T calibration tokens drawn from PQ_CALIBRATION_SEED.  Both
   halves call this with the same arguments and get the same codebooks. */
static int
pq_public_codebooks (double *cbk, double *cbv, size_t T, size_t d, size_t dv,
                     size_t M, size_t c, unsigned iters, unsigned prec)
{
  gsl_rng *r = varlb_rng_new (PQ_CALIBRATION_SEED, VARLB_STREAM_COMPRESSOR);
  double *Kc = malloc ((T * d + 1) * sizeof *Kc), *Vc = malloc ((T * dv + 1) * sizeof *Vc);
  uint32_t *code = malloc ((T + 1) * sizeof *code);
  int st = (r && Kc && Vc && code) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = cc_calibration_data (Kc, Vc, T, d, dv, r);
  for (int half = 0; half < 2 && st == VARLB_OK; half++)
    {
      size_t dim = half ? dv : d;
      for (size_t j = 0; st == VARLB_OK && j < M; j++)
        {
          size_t lo, hi;
          sub_range (&lo, &hi, j, M, dim);
          st = kmeans ((half ? cbv : cbk) + c * lo, code, (half ? Vc : Kc) + lo, T, dim,
                       hi - lo, c, iters, prec, r);
        }
    }
  if (r)
    gsl_rng_free (r);
  free (Kc), free (Vc), free (code);
  return st;
}

/* codebooks=public: the codes of the N x DIM matrix A against CB. */
static void
pq_codes_public (uint32_t *codes, const double *cb, const double *A, size_t n,
                 size_t dim, size_t M, size_t c)
{
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < M; j++)
      {
        size_t lo, hi;
        sub_range (&lo, &hi, j, M, dim);
        codes[i * M + j] = nearest (cb + c * lo, c, A + i * dim + lo, hi - lo);
      }
}

/* Quantize the N x D matrix A: per subspace, its codebook into the blob and
   its codes into CODES (n x M). */
static int
pq_matrix (varlb_blob_t *blob, uint32_t *codes, const double *A, size_t n,
           size_t dim, size_t M, size_t c, unsigned iters, unsigned prec, gsl_rng *r)
{
  double *cent = malloc ((c * dim + 1) * sizeof *cent);
  uint32_t *code = malloc ((n + 1) * sizeof *code);
  int st = (cent && code) ? VARLB_OK : VARLB_ENOMEM;
  for (size_t j = 0; st == VARLB_OK && j < M; j++)
    {
      size_t lo, hi;
      sub_range (&lo, &hi, j, M, dim);
      st = kmeans (cent, code, A + lo, n, dim, hi - lo, c, iters, prec, r);
      for (size_t i = 0; st == VARLB_OK && i < c * (hi - lo); i++)
        st = cc_put_real (blob, cent[i], prec);
      for (size_t i = 0; i < n; i++)
        codes[i * M + j] = code[i];
    }
  free (cent);
  free (code);
  return st;
}

extern const varlb_compressor_t varlb_compressor_pq;

static int
pq_compress (varlb_blob_t *blob, const double *K, const double *V, size_t T,
             size_t d, size_t dv, double budget_bits, uint64_t seed,
             const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  const varlb_compressor_t *self = &varlb_compressor_pq;
  size_t M = (size_t) cc_knob_double (self, kn, "subvectors");
  unsigned b = (unsigned) cc_knob_double (self, kn, "bits");
  unsigned iters = (unsigned) cc_knob_double (self, kn, "iters");
  unsigned prec = (unsigned) cc_knob_double (self, kn, "precision");
  int public = pq_public (self, kn);
  if (M < 1 || M > d || M > dv || b > 16 || (prec != 16 && prec != 32 && prec != 64)
      || public < 0 || T != pyramid->offset[pyramid->scales - 1])
    return VARLB_EINVAL;
  /* Centroids: 2^b (b = 0: 2^16), never more than there are tokens; fewer
     while the blob does not fit, then fewer tokens (a prefix). */
  size_t n = T, c = (size_t) 1 << (b ? b : 16);
  if (c > n)
    c = n ? n : 1;
  while (c > 1 && pq_size (n, d, dv, M, c, prec, public) > budget_bits)
    c = (size_t) 1 << (bits_for (c) - 1);
  while (n > 0 && pq_size (n, d, dv, M, c, prec, public) > budget_bits)
    n--;
  if (n == 0)
    c = 0;
  uint32_t *codes = malloc ((2 * n * M + 1) * sizeof *codes);
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  int st = (codes && r) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, (uint32_t) M)
         | cc_put_u32 (blob, (uint32_t) c) | cc_put_u32 (blob, bits_for (c))
         | cc_put_u32 (blob, prec);
  if (st != VARLB_OK)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && n > 0 && public)
    {
      double *cbk = malloc ((c * d + 1) * sizeof *cbk), *cbv = malloc ((c * dv + 1) * sizeof *cbv);
      st = (cbk && cbv) ? pq_public_codebooks (cbk, cbv, T, d, dv, M, c, iters, prec) : VARLB_ENOMEM;
      if (st == VARLB_OK)
        {
          pq_codes_public (codes, cbk, K, n, d, M, c);
          pq_codes_public (codes + n * M, cbv, V, n, dv, M, c);
        }
      free (cbk), free (cbv);
    }
  if (st == VARLB_OK && n > 0 && !public)
    st = pq_matrix (blob, codes, K, n, d, M, c, iters, prec, r);
  if (st == VARLB_OK && n > 0 && !public)
    st = pq_matrix (blob, codes + n * M, V, n, dv, M, c, iters, prec, r);
  if (st == VARLB_OK)
    {
      cc_bitwriter_t w;
      cc_bits_init (&w, blob);
      for (size_t i = 0; i < 2 * n * M; i++)
        cc_bits_put (&w, codes[i], bits_for (c));
      st = cc_bits_flush (&w);
    }
  free (codes);
  if (r)
    gsl_rng_free (r);
  return st;
}

/* Rebuild the N x DIM matrix from its codebooks (already read into CB) and
   the codes. */
static int
pq_rebuild (double *A, const double *cb, size_t n, size_t dim, size_t M,
            size_t c, cc_reader_t *r, size_t *pos, unsigned bits)
{
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < M; j++)
      {
        size_t lo, hi;
        sub_range (&lo, &hi, j, M, dim);
        uint32_t k = cc_get_bits (r, pos, bits);
        if (r->bad || k >= c)
          return VARLB_EFORMAT;
        /* Subspace j's codebook starts after those of subspaces < j. */
        memcpy (A + i * dim + lo, cb + c * lo + k * (hi - lo), (hi - lo) * sizeof *A);
      }
  return VARLB_OK;
}

static int
pq_answer (double *O, const unsigned char *blob, size_t len, uint64_t seed,
           const double *Q, size_t m, size_t d, size_t dv,
           const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  const varlb_compressor_t *self = &varlb_compressor_pq;
  int public = pq_public (self, kn);
  unsigned iters = (unsigned) cc_knob_double (self, kn, "iters");
  size_t T = pyramid->offset[pyramid->scales - 1]; /* Alice's tokens */
  if (public < 0)
    return VARLB_EINVAL;
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r), M = cc_get_u32 (&r), c = cc_get_u32 (&r);
  unsigned bits = cc_get_u32 (&r), prec = cc_get_u32 (&r);
  if (r.bad || (prec != 16 && prec != 32 && prec != 64) || M < 1 || M > d || M > dv
      || (n > 0 && (c < 1 || c > n || bits != bits_for (c))) || n > T
      || (n == 0 && c != 0)
      || pq_size (n, d, dv, M, n ? c : 0, prec, public) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  double *cbk = malloc ((c * d + 1) * sizeof *cbk), *cbv = malloc ((c * dv + 1) * sizeof *cbv);
  double *Kc = malloc ((n * d + 1) * sizeof *Kc), *Vc = malloc ((n * dv + 1) * sizeof *Vc);
  int st = (cbk && cbv && Kc && Vc) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK && public && n > 0)
    st = pq_public_codebooks (cbk, cbv, T, d, dv, M, c, iters, prec);
  for (size_t i = 0; st == VARLB_OK && !public && i < c * d; i++)
    cbk[i] = cc_get_real (&r, prec);
  for (size_t i = 0; st == VARLB_OK && !public && i < c * dv; i++)
    cbv[i] = cc_get_real (&r, prec);
  size_t pos = 0;
  if (st == VARLB_OK)
    st = pq_rebuild (Kc, cbk, n, d, M, c, &r, &pos, bits);
  if (st == VARLB_OK)
    st = pq_rebuild (Vc, cbv, n, dv, M, c, &r, &pos, bits);
  if (st == VARLB_OK && (r.bad || (pos + 7) / 8 != r.left))
    st = VARLB_EFORMAT;
  if (st == VARLB_OK)
    st = cc_answer_cache (O, Q, m, Kc, Vc, n, d, dv);
  free (cbk);
  free (cbv);
  free (Kc);
  free (Vc);
  return st;
}

static const char *
pq_calibration (const varlb_knobs_t *kn)
{
  return pq_public (&varlb_compressor_pq, kn) == 1 ? pq_calibration_note : NULL;
}

const varlb_compressor_t varlb_compressor_pq = {
  VARLB_COMPRESSOR_ABI, "pq",
  "product quantization: M sub-vectors of K and V, k-means codebooks (charged, or public and free) and b-bit codes",
  knobs, sizeof knobs / sizeof *knobs, NULL, pq_compress, pq_answer, pq_calibration
};
