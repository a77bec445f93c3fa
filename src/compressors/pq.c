/* pq.c -- product quantization (PQCache, arXiv 2407.12820, in its "PQ-only"
 * form from compressors.md 1.15): keys and values are each split into M
 * sub-vectors, every subspace gets a k-means codebook of c <= 2^b centroids
 * (Lloyd iterations seeded from the public seed), and each token keeps one
 * b-bit code per subspace.  The codebooks are fitted on the instance, so
 * they are charged in the blob. */
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
};

#define PQ_HEADER_BITS 160.0 /* n, M, centroids, bits per code, precision */

static unsigned
bits_for (size_t c)
{
  unsigned b = 0;
  while (b < 32 && ((size_t) 1 << b) < c)
    b++;
  return b ? b : 1;
}

/* Bits of a blob with N tokens, M sub-vectors, C centroids per subspace. */
static double
pq_size (size_t n, size_t d, size_t dv, size_t M, size_t c, unsigned prec)
{
  double codes = 2.0 * (double) n * (double) M * bits_for (c);
  return PQ_HEADER_BITS + (double) c * (double) (d + dv) * prec + 8.0 * ceil (codes / 8.0);
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
  if (M < 1 || M > d || M > dv || b > 16 || (prec != 16 && prec != 32 && prec != 64))
    return VARLB_EINVAL;
  /* Centroids: 2^b (b = 0: 2^16), never more than there are tokens; fewer
     while the blob does not fit, then fewer tokens (a prefix). */
  size_t n = T, c = (size_t) 1 << (b ? b : 16);
  if (c > n)
    c = n ? n : 1;
  while (c > 1 && pq_size (n, d, dv, M, c, prec) > budget_bits)
    c = (size_t) 1 << (bits_for (c) - 1);
  while (n > 0 && pq_size (n, d, dv, M, c, prec) > budget_bits)
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
  if (st == VARLB_OK && n > 0)
    st = pq_matrix (blob, codes, K, n, d, M, c, iters, prec, r);
  if (st == VARLB_OK && n > 0)
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
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r), M = cc_get_u32 (&r), c = cc_get_u32 (&r);
  unsigned bits = cc_get_u32 (&r), prec = cc_get_u32 (&r);
  if (r.bad || (prec != 16 && prec != 32 && prec != 64) || M < 1 || M > d || M > dv
      || (n > 0 && (c < 1 || c > n || bits != bits_for (c)))
      || (n == 0 && c != 0)
      || pq_size (n, d, dv, M, n ? c : 0, prec) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  double *cbk = malloc ((c * d + 1) * sizeof *cbk), *cbv = malloc ((c * dv + 1) * sizeof *cbv);
  double *Kc = malloc ((n * d + 1) * sizeof *Kc), *Vc = malloc ((n * dv + 1) * sizeof *Vc);
  int st = (cbk && cbv && Kc && Vc) ? VARLB_OK : VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < c * d; i++)
    cbk[i] = cc_get_real (&r, prec);
  for (size_t i = 0; st == VARLB_OK && i < c * dv; i++)
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

const varlb_compressor_t varlb_compressor_pq = {
  VARLB_COMPRESSOR_ABI, "pq",
  "product quantization: M sub-vectors of K and V, k-means codebooks (charged) and b-bit codes",
  knobs, sizeof knobs / sizeof *knobs, NULL, pq_compress, pq_answer
};
