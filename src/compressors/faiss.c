/* faiss.c -- faiss's product quantizer (Jegou, Douze and Schmid, "Product
 * quantization for nearest neighbor search", IEEE TPAMI 2011) and scalar
 * quantizer (Debian's libfaiss, through faiss_shim.cc) on K and V, with
 * their codebooks / ranges either trained on the instance and charged at
 * fp32 in the blob, or trained before the instance on public calibration
 * data from a fixed seed, so both halves rebuild them for free (recorded as
 * calibration in every row).  Codes are faiss's own packing.  The budget
 * picks the richest setting whose blob holds every token; below the
 * cheapest, only the first tokens are kept. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "faiss_shim.h"

/* Calibration data of the public codebooks and ranges (cc_calibration_data
   from this seed, never the instance's). */
#define FAISS_CALIBRATION_SEED UINT64_C (0x6661697373636174) /* "faisscat" */
static const char pq_public_note[] =
  "faiss_pq codebooks=public: k-means on calibration data drawn from seed 0x6661697373636174 "
  "(unit Gaussian keys, fair {0,1} values) before the instance; not charged";
static const char sq_public_note[] =
  "faiss_sq ranges=public: trained on calibration data drawn from seed 0x6661697373636174 "
  "(unit Gaussian keys, fair {0,1} values) before the instance; not charged";

#define FAISS_PQ_MAX_NBITS 8 /* faiss's default; 2^8 centroids train in seconds */

/* Calibration K and V (T x d, T x dv) as floats. */
static int
calibration_floats (float **Kf, float **Vf, size_t T, size_t d, size_t dv)
{
  double *K = malloc ((T * d + 1) * sizeof *K), *V = malloc ((T * dv + 1) * sizeof *V);
  gsl_rng *r = varlb_rng_new (FAISS_CALIBRATION_SEED, VARLB_STREAM_COMPRESSOR);
  int st = K && V && r ? cc_calibration_data (K, V, T, d, dv, r) : VARLB_ENOMEM;
  *Kf = st == VARLB_OK ? cc_floats_new (K, T * d) : NULL;
  *Vf = st == VARLB_OK ? cc_floats_new (V, T * dv) : NULL;
  if (st == VARLB_OK && (*Kf == NULL || *Vf == NULL))
    st = VARLB_ENOMEM;
  if (r)
    gsl_rng_free (r);
  free (K);
  free (V);
  return st;
}

static int
put_floats (varlb_blob_t *b, const float *x, size_t n)
{
  int st = VARLB_OK;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    st = cc_put_f32 (b, x[i]);
  return st;
}

/* The N fp32 numbers put_floats wrote, into X. */
static void
get_floats (float *x, size_t n, cc_reader_t *r)
{
  for (size_t i = 0; i < n; i++)
    x[i] = (float) cc_get_f32 (r);
}

/* A blob's tables and codes: faiss_pq's M sub-quantizers of NBITS, or
   (QTYPE given) faiss_sq's ScalarQuantizer type; NK and NV floats in K's
   and V's tables (codebooks or ranges), CK bytes in one code of K. */
typedef struct faiss_how {
  size_t M, nbits;
  const char *qtype;
  size_t nk, nv, ck;
} faiss_how_t;

/* Bob's end for both quantizers: the tables TK and TV read from R unless
   PUBLIC (then trained already), K's N codes after them, then V's, decoded
   as HOW says, faiss's floats as doubles, refused unless finite, then
   exact attention. */
static int
answer_codes (double *O, const double *Q, size_t m, float *tk, float *tv, cc_reader_t *r,
              int public, size_t n, size_t d, size_t dv, const faiss_how_t *how)
{
  if (n > 0 && !public)
    {
      get_floats (tk, how->nk, r);
      get_floats (tv, how->nv, r);
    }
  float *Kf = malloc ((n * d + 1) * sizeof *Kf), *Vf = malloc ((n * dv + 1) * sizeof *Vf);
  double *Kc = malloc ((n * d + 1) * sizeof *Kc), *Vc = malloc ((n * dv + 1) * sizeof *Vc);
  int st = Kf && Vf && Kc && Vc ? VARLB_OK : VARLB_ENOMEM;
  for (int v = 0; v < 2 && st == VARLB_OK && n > 0; v++)
    {
      float *x = v ? Vf : Kf;
      const float *table = v ? tv : tk;
      size_t dim = v ? dv : d;
      const unsigned char *p = r->p + (v ? n * how->ck : 0);
      st = how->qtype ? varlb_faiss_sq_decode (x, table, how->qtype, dim, p, n)
                      : varlb_faiss_pq_decode (x, table, dim, how->M, how->nbits, p, n);
    }
  if (st == VARLB_OK)
    st = cc_decoded_finite (Kc, Kf, n * d) ? VARLB_EFORMAT : cc_decoded_finite (Vc, Vf, n * dv);
  if (st == VARLB_OK)
    st = cc_answer_cache (O, Q, m, Kc, Vc, n, d, dv);
  free (Kf), free (Vf), free (Kc), free (Vc);
  return st;
}

/* ------------------------------------------------------------ faiss_pq */

static const varlb_knob_t pq_knobs[] = {
  { "M", VARLB_KNOB_INT, "0", 0, 65536,
    "sub-quantizers (ProductQuantizer M), lowered to a divisor of d and dv; "
    "0: the most the budget allows" },
  { "nbits", VARLB_KNOB_INT, "0", 0, FAISS_PQ_MAX_NBITS,
    "bits per sub-quantizer index (nbits; 2^nbits <= tokens trained on); 0: the most the budget allows" },
  { "niter", VARLB_KNOB_INT, "25", 1, 1000, "k-means iterations (ClusteringParameters.niter)" },
  { "codebooks", VARLB_KNOB_STRING, "instance", 0, 0,
    "instance (trained on this cache, charged at fp32) or public (trained before the instance on "
    "calibration data, free)" },
};

#define PQ_HEADER_BYTES 12 /* tokens kept, M, nbits */

const char varlb__settings_faiss_pq[] =
  "blob: 12-byte header (uint32 little-endian: tokens kept n, M, nbits); with "
  "codebooks=instance the fp32 centroids of K (2^nbits x d) then V's (2^nbits x dv); then "
  "K's n codes, then V's (faiss's packing, (M nbits + 7) / 8 bytes per token each)\n"
  "training: faiss::ProductQuantizer (d, M, nbits) on K and (dv, M, nbits) on V, "
  "cp.niter = niter, cp.seed = the public seed & 0x7fffffff (V: xor 1), "
  "cp.min_points_per_centroid = 1, cp.max_points_per_centroid = 2^30, train on the fp32 "
  "cache's every token (codebooks=public: on max(T, 2^nbits) calibration tokens from seed "
  "0x6661697373636174, cp.seed its low 31 bits); compute_codes, decode\n"
  "choice: among M dividing gcd(d, dv) (the M knob: the largest such divisor not above it) "
  "and nbits from 1 to 8 (2^nbits <= T; the nbits knob fixes it), the most code bits per "
  "token M nbits whose blob holds every token, the smaller blob on a tie; when none does, "
  "M = 1 and nbits = 1 (or the knobs') on the longest prefix of tokens that fits";

/* The largest divisor of G not above M (M = 0: G itself). */
static size_t
divisor_at_most (size_t g, size_t M)
{
  size_t best = 1;
  for (size_t k = 1; k <= g; k++)
    if (g % k == 0 && (M == 0 || k <= M))
      best = k;
  return best;
}

static size_t
gcd (size_t a, size_t b)
{
  while (b)
    {
      size_t t = a % b;
      a = b;
      b = t;
    }
  return a;
}

/* Blob bytes for N tokens; the codebooks (2^nbits x (d + dv) floats) are
   there when charged and N > 0. */
static double
pq_bytes (size_t n, size_t d, size_t dv, size_t M, size_t nbits, int public)
{
  double books = public || n == 0 ? 0.0 : 4.0 * (double) ((size_t) 1 << nbits) * (double) (d + dv);
  return PQ_HEADER_BYTES + books
         + (double) n * (double) (varlb_faiss_pq_code_size (d, M, nbits)
                                  + varlb_faiss_pq_code_size (dv, M, nbits));
}

extern const varlb_compressor_t varlb_compressor_faiss_pq;

static int
faiss_pq_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_faiss_pq;
  int public = cc_knob_public (self, kn, "codebooks");
  size_t knob_M = (size_t) cc_knob_double (self, kn, "M");
  size_t knob_b = (size_t) cc_knob_double (self, kn, "nbits");
  unsigned niter = (unsigned) cc_knob_double (self, kn, "niter");
  if (public < 0 || T != pyramid->offset[pyramid->scales - 1] || T == 0)
    return VARLB_EINVAL;
  size_t g = gcd (d, dv), Mmax = divisor_at_most (g, knob_M);
  /* Training points: the instance's T tokens, or as many calibration ones
     (at least 2^nbits). */
  size_t bmax = knob_b ? knob_b : FAISS_PQ_MAX_NBITS;
  while (!public && bmax > 1 && ((size_t) 1 << bmax) > T)
    bmax--;
  if (!public && ((size_t) 1 << bmax) > T)
    return VARLB_EINVAL; /* one token cannot train two centroids */
  size_t blo = knob_b ? bmax : 1;
  /* The richest (M, nbits), by code bits per token, then the smaller
     blob, whose blob holds every token; else the cheapest, on a prefix. */
  size_t M = 1, nbits = blo, n = T;
  double best = -1.0;
  for (size_t m = 1; m <= Mmax; m++)
    for (size_t b = blo; g % m == 0 && (knob_M == 0 || m == Mmax) && b <= bmax; b++)
      {
        double bytes = pq_bytes (T, d, dv, m, b, public);
        double score = (double) (m * b) - bytes * 1e-12;
        if (8.0 * bytes <= budget_bits && score > best)
          best = score, M = m, nbits = b;
      }
  if (best < 0.0)
    {
      M = knob_M ? Mmax : 1;
      while (n > 0 && 8.0 * pq_bytes (n, d, dv, M, nbits, public) > budget_bits)
        n--;
    }
  size_t ksub = (size_t) 1 << nbits, T_train = public && ksub > T ? ksub : T;
  size_t csk = varlb_faiss_pq_code_size (d, M, nbits), csv = varlb_faiss_pq_code_size (dv, M, nbits);
  float *Kf = NULL, *Vf = NULL;
  int st = public ? calibration_floats (&Kf, &Vf, T_train, d, dv) : VARLB_OK;
  if (!public)
    {
      Kf = cc_floats_new (K, T * d);
      Vf = cc_floats_new (V, T * dv);
    }
  float *cbk = malloc (ksub * d * sizeof *cbk), *cbv = malloc (ksub * dv * sizeof *cbv);
  float *Kn = cc_floats_new (K, n * d), *Vn = cc_floats_new (V, n * dv);
  uint8_t *codes = malloc (n * (csk + csv) + 1);
  if (st == VARLB_OK && !(Kf && Vf && cbk && cbv && Kn && Vn && codes))
    st = VARLB_ENOMEM;
  /* k-means seeds: the public seed (instance) or a fixed one (public). */
  int kseed = (int) (public ? FAISS_CALIBRATION_SEED : seed) & 0x7fffffff;
  if (st == VARLB_OK && n > 0)
    st = varlb_faiss_pq_train (cbk, d, M, nbits, niter, kseed, Kf, T_train);
  if (st == VARLB_OK && n > 0)
    st = varlb_faiss_pq_train (cbv, dv, M, nbits, niter, kseed ^ 1, Vf, T_train);
  if (st == VARLB_OK && n > 0)
    st = varlb_faiss_pq_encode (codes, cbk, d, M, nbits, Kn, n);
  if (st == VARLB_OK && n > 0)
    st = varlb_faiss_pq_encode (codes + n * csk, cbv, dv, M, nbits, Vn, n);
  if (st == VARLB_OK
      && (cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, (uint32_t) M)
          | cc_put_u32 (blob, (uint32_t) nbits)))
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && n > 0 && !public)
    st = put_floats (blob, cbk, ksub * d) | put_floats (blob, cbv, ksub * dv);
  if (st == VARLB_OK)
    st = varlb_blob_append (blob, codes, n * (csk + csv));
  free (Kf), free (Vf), free (cbk), free (cbv), free (Kn), free (Vn), free (codes);
  return st;
}

static int
faiss_pq_answer (CC_ANSWER_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_faiss_pq;
  int public = cc_knob_public (self, kn, "codebooks");
  unsigned niter = (unsigned) cc_knob_double (self, kn, "niter");
  size_t T = pyramid->offset[pyramid->scales - 1]; /* Alice's tokens */
  if (public < 0)
    return VARLB_EINVAL;
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r), M = cc_get_u32 (&r), nbits = cc_get_u32 (&r);
  /* Fields within what the instance allows before any size is used. */
  if (r.bad || n > T || M < 1 || d % M || dv % M || nbits < 1 || nbits > FAISS_PQ_MAX_NBITS
      || (!public && n > 0 && ((size_t) 1 << nbits) > T)
      || pq_bytes (n, d, dv, M, nbits, public) != (double) len)
    return VARLB_EFORMAT;
  size_t ksub = (size_t) 1 << nbits, T_train = public && ksub > T ? ksub : T;
  size_t csk = varlb_faiss_pq_code_size (d, M, nbits);
  float *cbk = malloc (ksub * d * sizeof *cbk), *cbv = malloc (ksub * dv * sizeof *cbv);
  int st = cbk && cbv ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK && n > 0 && public)
    {
      float *Kt, *Vt;
      int kseed = (int) (FAISS_CALIBRATION_SEED & 0x7fffffff);
      st = calibration_floats (&Kt, &Vt, T_train, d, dv);
      if (st == VARLB_OK)
        st = varlb_faiss_pq_train (cbk, d, M, nbits, niter, kseed, Kt, T_train);
      if (st == VARLB_OK)
        st = varlb_faiss_pq_train (cbv, dv, M, nbits, niter, kseed ^ 1, Vt, T_train);
      free (Kt), free (Vt);
    }
  const faiss_how_t how = { M, nbits, NULL, ksub * d, ksub * dv, csk };
  if (st == VARLB_OK)
    st = answer_codes (O, Q, m, cbk, cbv, &r, public, n, d, dv, &how);
  free (cbk), free (cbv);
  return st;
}

CC_COMPRESSOR_PUBLIC (faiss_pq, "faiss ProductQuantizer (libfaiss): M sub-quantizers of nbits on K and V, codebooks charged or public",
                      pq_knobs, "codebooks", pq_public_note, faiss_pq_compress, faiss_pq_answer);

/* ------------------------------------------------------------ faiss_sq */

static const varlb_knob_t sq_knobs[] = {
  { "qtype", VARLB_KNOB_STRING, "auto", 0, 0,
    "ScalarQuantizer type: fp16, 8bit, 6bit, 4bit, 8bit_uniform, 4bit_uniform, "
    "or auto (the first of these whose blob fits)" },
  { "rangestat", VARLB_KNOB_STRING, "minmax", 0, 0,
    "range statistic of training (RangeStat): minmax, meanstd, quantiles or optim" },
  { "rangestat_arg", VARLB_KNOB_DOUBLE, "0", 0, 100, "its argument (rangestat_arg)" },
  { "ranges", VARLB_KNOB_STRING, "instance", 0, 0,
    "instance (trained on this cache, charged at fp32) or public (trained before the instance on "
    "calibration data, free)" },
};

/* Richest first; a blob records its type as an index here. */
static const char *const sq_types[] = {
  "fp16", "8bit", "6bit", "4bit", "8bit_uniform", "4bit_uniform",
};
#define SQ_TYPES (sizeof sq_types / sizeof *sq_types)
#define SQ_HEADER_BYTES 8 /* tokens kept, type */

const char varlb__settings_faiss_sq[] =
  "blob: 8-byte header (uint32 little-endian: tokens kept n, the type's index in fp16, 8bit, "
  "6bit, 4bit, 8bit_uniform, 4bit_uniform); with ranges=instance the fp32 trained ranges of "
  "K then V (ScalarQuantizer::trained: vmin, vdiff per column, one pair for the uniform "
  "types, none for fp16); then K's n codes, then V's (ScalarQuantizer::code_size bytes per "
  "token each)\n"
  "training: faiss::ScalarQuantizer (d, type) on K and (dv, type) on V, rangestat and "
  "rangestat_arg as the knobs say, train on the fp32 cache's every token (ranges=public: on "
  "T calibration tokens from seed 0x6661697373636174); compute_codes, decode\n"
  "choice: qtype, or with auto the first type in the order above whose blob holds every "
  "token; when none does, 4bit_uniform (or the qtype given) on the longest prefix of tokens "
  "that fits";

extern const varlb_compressor_t varlb_compressor_faiss_sq;

/* Blob bytes of N tokens with type Q; VARLB_EINVAL via *OK = 0. */
static double
sq_bytes (size_t n, size_t d, size_t dv, size_t q, int public, int *ok)
{
  size_t tk, ck, tv, cv;
  *ok = varlb_faiss_sq_sizes (&tk, &ck, sq_types[q], d) == VARLB_OK
        && varlb_faiss_sq_sizes (&tv, &cv, sq_types[q], dv) == VARLB_OK;
  double ranges = public || n == 0 ? 0.0 : 4.0 * (double) (tk + tv);
  return SQ_HEADER_BYTES + ranges + (double) n * (double) (ck + cv);
}

/* Train the ranges of type Q for both matrices (on the instance's or the
   calibration tokens). */
static int
sq_ranges (float *tk, float *tv, size_t q, const varlb_knobs_t *kn, int public,
           const double *K, const double *V, size_t T, size_t d, size_t dv)
{
  const varlb_compressor_t *self = &varlb_compressor_faiss_sq;
  const char *rs = cc_knob (self, kn, "rangestat");
  double arg = cc_knob_double (self, kn, "rangestat_arg");
  float *Kf = NULL, *Vf = NULL;
  int st = VARLB_OK;
  if (public)
    st = calibration_floats (&Kf, &Vf, T, d, dv);
  else if ((Kf = cc_floats_new (K, T * d)) == NULL || (Vf = cc_floats_new (V, T * dv)) == NULL)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = varlb_faiss_sq_train (tk, sq_types[q], rs, arg, d, Kf, T);
  if (st == VARLB_OK)
    st = varlb_faiss_sq_train (tv, sq_types[q], rs, arg, dv, Vf, T);
  free (Kf);
  free (Vf);
  return st;
}

static int
faiss_sq_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_faiss_sq;
  int public = cc_knob_public (self, kn, "ranges"), ok;
  const char *want = cc_knob (self, kn, "qtype");
  size_t q = 0, lo = 0, hi = SQ_TYPES - 1, n = T;
  if (strcmp (want, "auto") != 0)
    {
      while (lo < SQ_TYPES && strcmp (sq_types[lo], want) != 0)
        lo++;
      hi = lo;
    }
  if (public < 0 || lo >= SQ_TYPES || T == 0)
    return VARLB_EINVAL;
  for (q = lo; q < hi && 8.0 * sq_bytes (T, d, dv, q, public, &ok) > budget_bits; q++)
    ;
  while (n > 0 && 8.0 * sq_bytes (n, d, dv, q, public, &ok) > budget_bits)
    n--;
  size_t nk, ck, nv, cv;
  if (varlb_faiss_sq_sizes (&nk, &ck, sq_types[q], d) != VARLB_OK
      || varlb_faiss_sq_sizes (&nv, &cv, sq_types[q], dv) != VARLB_OK)
    return VARLB_EINVAL;
  float *tk = malloc ((nk + 1) * sizeof *tk), *tv = malloc ((nv + 1) * sizeof *tv);
  float *Kn = cc_floats_new (K, n * d), *Vn = cc_floats_new (V, n * dv);
  uint8_t *codes = malloc (n * (ck + cv) + 1);
  int st = tk && tv && Kn && Vn && codes ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK && n > 0)
    st = sq_ranges (tk, tv, q, kn, public, K, V, T, d, dv);
  if (st == VARLB_OK && n > 0)
    st = varlb_faiss_sq_encode (codes, tk, sq_types[q], d, Kn, n);
  if (st == VARLB_OK && n > 0)
    st = varlb_faiss_sq_encode (codes + n * ck, tv, sq_types[q], dv, Vn, n);
  if (st == VARLB_OK && (cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, (uint32_t) q)))
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && n > 0 && !public)
    st = put_floats (blob, tk, nk) | put_floats (blob, tv, nv);
  if (st == VARLB_OK)
    st = varlb_blob_append (blob, codes, n * (ck + cv));
  free (tk), free (tv), free (Kn), free (Vn), free (codes);
  return st;
}

static int
faiss_sq_answer (CC_ANSWER_PARAMS)
{
  int public = cc_knob_public (&varlb_compressor_faiss_sq, kn, "ranges"), ok = 0;
  size_t T = pyramid->offset[pyramid->scales - 1]; /* Alice's tokens */
  if (public < 0)
    return VARLB_EINVAL;
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r), q = cc_get_u32 (&r);
  if (r.bad || n > T || q >= SQ_TYPES || sq_bytes (n, d, dv, q, public, &ok) != (double) len || !ok)
    return VARLB_EFORMAT;
  size_t nk, ck, nv, cv;
  varlb_faiss_sq_sizes (&nk, &ck, sq_types[q], d);
  varlb_faiss_sq_sizes (&nv, &cv, sq_types[q], dv);
  float *tk = malloc ((nk + 1) * sizeof *tk), *tv = malloc ((nv + 1) * sizeof *tv);
  int st = tk && tv ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK && n > 0 && public)
    st = sq_ranges (tk, tv, q, kn, 1, NULL, NULL, T, d, dv);
  const faiss_how_t how = { 0, 0, sq_types[q], nk, nv, ck };
  if (st == VARLB_OK)
    st = answer_codes (O, Q, m, tk, tv, &r, public, n, d, dv, &how);
  free (tk), free (tv);
  return st;
}

CC_COMPRESSOR_PUBLIC (faiss_sq, "faiss ScalarQuantizer (libfaiss): fp16 to 4-bit codes per value on K and V, ranges charged or public",
                      sq_knobs, "ranges", sq_public_note, faiss_sq_compress, faiss_sq_answer);
