/* pq.c -- product quantization (PQCache, arXiv 2407.12820, in its "PQ-only"
 * form of PQCache, arXiv 2407.12820): keys and values are each split into
 * sub-vectors, every subspace gets a k-means codebook of c centroids
 * (k-means++ seeding and Lloyd iterations from the public seed), and each
 * token keeps one ceil(log2 c)-bit code per subspace.  By default the
 * codebooks are fitted on the instance, so they are charged in the blob;
 * with codebooks=public they are fitted before any instance is drawn, on
 * calibration data from a fixed public seed, so both halves rebuild them
 * and they are free (and recorded as free calibration in every result row).
 *
 * The sub-vector count and code bits are chosen for the budget, separately
 * for keys and values (as a vector-quantization library is tuned): the
 * distortion of each candidate is measured by k-means on a sample of rows
 * (up to 2^PQ_PROBE_BITS centroids, extrapolated at the high-rate slope
 * beyond), and the plan codes as many tokens as the budget allows, with
 * the least relative squared error of K plus that of V.  When even two
 * centroids do not fit every token, fewer tokens are coded (a prefix)
 * rather than fewer centroids: one centroid carries nothing. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "quant.h"

static const varlb_knob_t knobs[] = {
  { "subvectors", VARLB_KNOB_INT, "0", 0, 65536,
    "sub-vectors M per key and per value (0: chosen for the budget, for K and V apart; PQCache uses 2)" },
  { "bits", VARLB_KNOB_INT, "0", 0, 16,
    "bits per code b (0: chosen for the budget; PQCache uses 6); tokens are dropped until the blob fits" },
  { "iters", VARLB_KNOB_INT, "25", 0, 1000, "Lloyd iterations (stops early once stable)" },
  { "precision", VARLB_KNOB_INT, "16", 16, 64, "bits per codebook entry: 16, 32 or 64" },
  { "codebooks", VARLB_KNOB_STRING, "instance", 0, 0,
    "instance (k-means on this cache, charged) or public (fitted before the instance on calibration data, free)" },
};

/* Calibration data of codebooks=public: unit Gaussian keys (varlb's default
   JL family) and fair {0,1} values, drawn from this fixed seed, never from
   the instance's.  Up to 64 centroids, k-means on max(T, 16 c) of them;
   beyond (the bits knob asks for more), the first c calibration tokens
   are the codebook themselves, a random codebook as in rate-distortion's
   random coding (Lloyd on 16 c tokens would cost seconds in each half). */
#define PQ_CALIBRATION_SEED UINT64_C (0x70715f63616c6962) /* "pq_calib" */
static const char pq_calibration_note[] =
  "pq codebooks=public: k-means on max(T, 16c) calibration tokens (c <= 64; beyond, c of them "
  "as the codebook) drawn from seed 0x70715f63616c6962 (unit Gaussian keys, fair {0,1} values) "
  "before the instance; not charged";
#define PQ_PUBLIC_FIT_C 64

/* The most public centroids: 2^16, and no codebook (nor calibration) over
   2^24 numbers, which bounds what a forged header can make answer build. */
static size_t
pq_public_max_c (size_t d, size_t dv)
{
  size_t w = d > dv ? d : dv, c = ((size_t) 1 << 24) / (w ? w : 1);
  return c < 65536 ? c : 65536;
}
#define PQ_CAL_PER_CENTROID 16

#define PQ_HEADER_BITS 192.0 /* n, Mk, ck, Mv, cv, precision */
#define PQ_SAMPLE 128        /* rows the plan measures distortion on */
#define PQ_PROBE_BITS 5      /* measured up to 2^5 centroids */
#define PQ_PROBE_ITERS 3     /* Lloyd iterations of a measurement */

/* Code bits for C centroids: one centroid needs none. */
static unsigned
bits_for (size_t c)
{
  unsigned b = 0;
  while (b < 32 && ((size_t) 1 << b) < c)
    b++;
  return b;
}

/* One matrix's quantizer: M sub-vectors, C centroids per subspace. */
typedef struct pq_part {
  size_t M, c;
} pq_part_t;

/* Bits of a blob with N tokens; public codebooks are not in the blob. */
static double
pq_size (size_t n, size_t d, size_t dv, pq_part_t k, pq_part_t v, unsigned prec, int public)
{
  double codes = (double) n * ((double) k.M * bits_for (k.c) + (double) v.M * bits_for (v.c));
  double books = public ? 0.0 : ((double) k.c * (double) d + (double) v.c * (double) dv) * prec;
  return PQ_HEADER_BITS + books + 8.0 * ceil (codes / 8.0);
}

/* Column range of subspace J of M over D columns. */
static void
sub_range (size_t *lo, size_t *hi, size_t j, size_t M, size_t d)
{
  *lo = j * d / M;
  *hi = (j + 1) * d / M;
}

/* k-means of the N points X (row stride LD, width W) into C centroids
   (C x W, rounded to PREC bits as the blob stores them) and CODE (N).
   k-means++ seeding from R (the public seed): a repeated point is never
   drawn twice, so C at least the distinct points gives them all exactly.
   C >= N: every point is its own centroid (the rest repeat the last).
   Floating point. */
static int
kmeans (double *cent, uint32_t *code, const double *X, size_t n, size_t ld,
        size_t w, size_t c, unsigned iters, unsigned prec, gsl_rng *r)
{
  if (c >= n)
    {
      for (size_t k = 0; k < c; k++)
        for (size_t j = 0; j < w; j++)
          cent[k * w + j] = n ? qz_round (X[(k < n ? k : n - 1) * ld + j], prec) : 0.0;
      for (size_t i = 0; i < n; i++)
        code[i] = (uint32_t) i;
      return VARLB_OK;
    }
  double *d2 = malloc (n * sizeof *d2), *sum = malloc (c * w * sizeof *sum);
  size_t *cnt = malloc (c * sizeof *cnt);
  if (d2 == NULL || sum == NULL || cnt == NULL)
    {
      free (d2), free (sum), free (cnt);
      return VARLB_ENOMEM;
    }
  qz_kmeanspp (cent, d2, X, n, ld, w, c, QZ_PICK_WALK, r);
  for (size_t i = 0; i < c * w; i++)
    cent[i] = qz_round (cent[i], prec);
  qz_kmeans_iterate (cent, code, X, n, ld, w, c, iters, prec, sum, cnt);
  free (d2), free (sum), free (cnt);
  return VARLB_OK;
}

/* ROWS calibration tokens for the keys (DIM-wide unit Gaussian) or the
   values (fair {0,1}), the same rows for every caller asking as many. */
static int
pq_calibration_data (double *X, size_t rows, size_t dim, int values)
{
  gsl_rng *r = varlb_rng_new (values ? varlb_seed_mix (PQ_CALIBRATION_SEED, 1) : PQ_CALIBRATION_SEED,
                              VARLB_STREAM_COMPRESSOR);
  if (r == NULL)
    return VARLB_ENOMEM;
  int st = VARLB_OK;
  if (values)
    for (size_t i = 0; i < rows * dim; i++)
      X[i] = (double) gsl_rng_uniform_int (r, 2);
  else
    st = varlb_jl_keys (X, rows, dim, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, r);
  gsl_rng_free (r);
  return st;
}

static size_t
pq_calibration_rows (size_t T, size_t c)
{
  if (c > PQ_PUBLIC_FIT_C)
    return c; /* the random codebook: every row its own centroid */
  return T > PQ_CAL_PER_CENTROID * c ? T : PQ_CAL_PER_CENTROID * c;
}

/* The codebooks of the N x DIM matrix A (or, PUBLIC, of its calibration
   data: max(T, 16c) tokens) for PART: CB holds subspace j's c x w_j
   codebook at c * lo_j; CODES (n x M) the codes of A's first N rows. */
static int
pq_fit (double *cb, uint32_t *codes, const double *A, size_t n, size_t dim, pq_part_t part,
        size_t T, int public, int values, unsigned iters, unsigned prec, gsl_rng *r)
{
  size_t rows = public ? pq_calibration_rows (T, part.c) : n;
  double *X = public ? malloc (rows * dim * sizeof *X) : NULL;
  uint32_t *code = malloc ((rows ? rows : 1) * sizeof *code);
  gsl_rng *cr = public ? varlb_rng_new (PQ_CALIBRATION_SEED, VARLB_STREAM_COMPRESSOR) : NULL;
  int st = code && (!public || (X && cr)) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK && public)
    st = pq_calibration_data (X, rows, dim, values);
  for (size_t j = 0; st == VARLB_OK && j < part.M; j++)
    {
      size_t lo, hi;
      sub_range (&lo, &hi, j, part.M, dim);
      st = kmeans (cb + part.c * lo, code, (public ? X : A) + lo, rows, dim, hi - lo, part.c, iters,
                   prec, public ? cr : r);
      for (size_t i = 0; st == VARLB_OK && codes && i < n; i++)
        codes[i * part.M + j] = public ? qz_nearest_centroid (cb + part.c * lo, part.c,
                                                              A + i * dim + lo, hi - lo, NULL)
                                       : code[i];
    }
  free (X), free (code);
  if (cr)
    gsl_rng_free (cr);
  return st;
}

/* ------------------------------------------------------------- the plan */

/* Squared error per row of M x 2^b quantizers, b = 1..BMAX, of the EVAL
   rows (n x dim, stride dim) with codebooks fitted on TRAIN (ntr rows):
   ERR[b]; once a probe is exact, the larger ones are too. */
static int
probe (double *err, const double *train, size_t ntr, const double *eval, size_t n, size_t dim,
       size_t M, unsigned bmax, unsigned prec, gsl_rng *r)
{
  double *cent = malloc (((size_t) 1 << bmax) * dim * sizeof *cent);
  uint32_t *code = malloc (ntr * sizeof *code);
  int st = cent && code ? VARLB_OK : VARLB_ENOMEM;
  for (unsigned b = 1; st == VARLB_OK && b <= bmax; b++)
    {
      size_t c = (size_t) 1 << b;
      err[b] = 0.0;
      if (b > 1 && err[b - 1] == 0.0)
        continue;
      for (size_t j = 0; st == VARLB_OK && j < M; j++)
        {
          size_t lo, hi;
          sub_range (&lo, &hi, j, M, dim);
          st = kmeans (cent, code, train + lo, ntr, dim, hi - lo, c, PQ_PROBE_ITERS, prec, r);
          for (size_t i = 0; st == VARLB_OK && i < n; i++)
            {
              double e;
              qz_nearest_centroid (cent, c < ntr ? c : ntr, eval + i * dim + lo, hi - lo, &e);
              err[b] += e / (double) n;
            }
        }
    }
  free (cent), free (code);
  return st;
}

/* A candidate for one matrix: its quantizer and relative error. */
typedef struct pq_cand {
  pq_part_t part;
  double rel;
} pq_cand_t;

/* Candidates for the N x DIM matrix A: sub-vector counts (the knob, or
   widths 1, 2, 4, 8, 16) times code bits (the knob, or 1..16), c capped at
   CMAX; their relative errors from probes on a sample.  A quantizer is
   probed only when, with its codebook, it codes half the tokens within
   BUDGET (the cheapest, b = 1, always).  *NC candidates. */
static int
candidates (pq_cand_t *out, size_t *nc, const double *A, size_t n, size_t dim, size_t Mknob,
            unsigned bknob, size_t cmax, int public, int values, unsigned prec, double budget,
            gsl_rng *r)
{
  size_t ns = n < PQ_SAMPLE ? n : PQ_SAMPLE;
  double *sample = malloc ((ns ? ns : 1) * dim * sizeof *sample);
  double *train = public ? malloc (PQ_SAMPLE * dim * sizeof *train) : NULL;
  int st = sample && (!public || train) ? VARLB_OK : VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < ns; i++)
    memcpy (sample + i * dim, A + (i * n / ns) * dim, dim * sizeof *sample);
  if (st == VARLB_OK && public)
    st = pq_calibration_data (train, PQ_SAMPLE, dim, values);
  double var = 0.0;
  for (size_t j = 0; st == VARLB_OK && j < dim; j++)
    {
      double m = 0.0, ss = 0.0;
      for (size_t i = 0; i < ns; i++)
        m += sample[i * dim + j] / (double) ns;
      for (size_t i = 0; i < ns; i++)
        ss += (sample[i * dim + j] - m) * (sample[i * dim + j] - m);
      var += ss / (double) (ns ? ns : 1);
    }
  *nc = 0;
  size_t lastM = 0;
  for (size_t w = 1; st == VARLB_OK && w <= 16; w *= 2)
    {
      size_t M = Mknob ? Mknob : (dim + w - 1) / w;
      if (M == lastM)
        continue;
      lastM = M;
      unsigned bcap = bits_for (cmax), bmax = bcap < PQ_PROBE_BITS ? bcap : PQ_PROBE_BITS;
      while (bmax > 1
             && PQ_HEADER_BITS + (public ? 0.0 : (double) ((size_t) 1 << bmax) * dim * prec)
                    + (double) (n / 2) * (double) (M * bmax + 1) > budget)
        bmax--;
      double err[PQ_PROBE_BITS + 1];
      if (bmax >= 1)
        st = probe (err, public ? train : sample, public ? PQ_SAMPLE : ns, sample, ns, dim, M,
                    bmax, prec, r);
      size_t prev = 0;
      for (unsigned b = bknob ? bknob : 1; st == VARLB_OK && b <= (bknob ? bknob : 16); b++)
        {
          size_t c = (size_t) 1 << b;
          c = c < cmax ? c : cmax;
          if (c == prev)
            break; /* the cap was already a candidate */
          prev = c;
          /* past the probes: the high-rate slope, 2^(-2/w) per bit */
          double e = bmax == 0 ? var
                     : b <= bmax ? err[b]
                                 : err[bmax] * pow (2.0, -2.0 * (double) (b - bmax)
                                                             / ((double) dim / (double) M));
          out[(*nc)++] = (pq_cand_t) { { M, c }, var > 0 ? fmin (e / var, 1.0) : 0.0 };
        }
      if (Mknob)
        break;
    }
  free (sample), free (train);
  return st;
}

/* Tokens that fit BUDGET with quantizers K, V (at most T). */
static size_t
tokens_fitting (double budget, size_t T, size_t d, size_t dv, pq_part_t k, pq_part_t v,
                unsigned prec, int public)
{
  double per = (double) k.M * bits_for (k.c) + (double) v.M * bits_for (v.c);
  double room = budget - pq_size (0, d, dv, k, v, prec, public);
  if (room < 0)
    return 0;
  size_t n = per > 0 ? (size_t) floor (room / per) : T;
  n = n < T ? n : T;
  while (n > 0 && pq_size (n, d, dv, k, v, prec, public) > budget)
    n--; /* byte rounding */
  return n;
}

/* Choose N tokens and the quantizers of K and V for the budget: the most
   tokens, then the least relative error eK + eV, then the fewest bits. */
static int
pq_plan (size_t *n, pq_part_t *pk, pq_part_t *pv, const double *K, const double *V, size_t T,
         size_t d, size_t dv, double budget, size_t Mknob, unsigned bknob, int public,
         unsigned prec, gsl_rng *r)
{
  pq_cand_t *ck = malloc (5 * 16 * sizeof *ck), *cv = malloc (5 * 16 * sizeof *cv);
  size_t nk = 0, nv = 0;
  size_t cmax = public ? (Mknob || bknob ? pq_public_max_c (d, dv) : PQ_PUBLIC_FIT_C) : T;
  int st = ck && cv ? candidates (ck, &nk, K, T, d, Mknob, bknob, cmax, public, 0, prec, budget, r)
                    : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = candidates (cv, &nv, V, T, dv, Mknob, bknob, cmax, public, 1, prec, budget, r);
  double best = INFINITY, best_size = INFINITY;
  size_t best_m = 0;
  *n = 0;
  for (size_t a = 0; st == VARLB_OK && a < nk; a++)
    for (size_t b = 0; b < nv; b++)
      {
        size_t m = tokens_fitting (budget, T, d, dv, ck[a].part, cv[b].part, prec, public);
        /* a quantizer fitted on m tokens has at most m centroids */
        pq_part_t k = ck[a].part, v = cv[b].part;
        double ek = ck[a].rel, ev = cv[b].rel;
        if (!public && k.c >= m)
          k.c = m, ek = 0.0; /* every token its own centroid */
        if (!public && v.c >= m)
          v.c = m, ev = 0.0;
        double e = ek + ev, size = pq_size (m, d, dv, k, v, prec, public);
        if (m > best_m || (m == best_m && m > 0 && (e < best || (e == best && size < best_size))))
          best_m = m, best = e, best_size = size, *n = m, *pk = k, *pv = v;
      }
  free (ck), free (cv);
  return st;
}

extern const varlb_compressor_t varlb_compressor_pq;

static int
pq_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_pq;
  size_t M = (size_t) cc_knob_double (self, kn, "subvectors");
  unsigned b = (unsigned) cc_knob_double (self, kn, "bits");
  unsigned iters = (unsigned) cc_knob_double (self, kn, "iters");
  unsigned prec = (unsigned) cc_knob_double (self, kn, "precision");
  int public = cc_knob_public (self, kn, "codebooks");
  if (M > d || M > dv || b > 16 || !cc_prec_ok (prec) || public < 0
      || T != pyramid->offset[pyramid->scales - 1])
    return VARLB_EINVAL;
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  size_t n = 0;
  pq_part_t pk = { 1, 0 }, pv = { 1, 0 };
  int st = r ? pq_plan (&n, &pk, &pv, K, V, T, d, dv, budget_bits, M, b, public, prec, r)
             : VARLB_ENOMEM;
  if (n == 0)
    pk = (pq_part_t) { 1, 0 }, pv = (pq_part_t) { 1, 0 };
  uint32_t *codes = malloc ((n * (pk.M + pv.M) + 1) * sizeof *codes);
  double *cbk = malloc ((pk.c * d + 1) * sizeof *cbk), *cbv = malloc ((pv.c * dv + 1) * sizeof *cbv);
  if (st == VARLB_OK && (codes == NULL || cbk == NULL || cbv == NULL))
    st = VARLB_ENOMEM;
  if (st == VARLB_OK
      && (cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, (uint32_t) pk.M)
          | cc_put_u32 (blob, (uint32_t) pk.c) | cc_put_u32 (blob, (uint32_t) pv.M)
          | cc_put_u32 (blob, (uint32_t) pv.c) | cc_put_u32 (blob, prec)) != VARLB_OK)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && n > 0)
    st = pq_fit (cbk, codes, K, n, d, pk, T, public, 0, iters, prec, r);
  if (st == VARLB_OK && n > 0)
    st = pq_fit (cbv, codes + n * pk.M, V, n, dv, pv, T, public, 1, iters, prec, r);
  if (st == VARLB_OK && !public)
    st = cc_put_reals (blob, cbk, pk.c * d, prec);
  if (st == VARLB_OK && !public)
    st = cc_put_reals (blob, cbv, pv.c * dv, prec);
  if (st == VARLB_OK)
    {
      cc_bitwriter_t w;
      cc_bits_init (&w, blob);
      for (size_t i = 0; i < n * pk.M; i++)
        cc_bits_put (&w, codes[i], bits_for (pk.c));
      for (size_t i = 0; i < n * pv.M; i++)
        cc_bits_put (&w, codes[n * pk.M + i], bits_for (pv.c));
      st = cc_bits_flush (&w);
    }
  free (codes), free (cbk), free (cbv);
  if (r)
    gsl_rng_free (r);
  return st;
}

/* Rebuild the N x DIM matrix from its codebooks CB and the codes. */
static int
pq_rebuild (double *A, const double *cb, size_t n, size_t dim, pq_part_t part, cc_reader_t *r,
            size_t *pos)
{
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < part.M; j++)
      {
        size_t lo, hi;
        sub_range (&lo, &hi, j, part.M, dim);
        uint32_t k = part.c > 1 ? cc_get_bits (r, pos, bits_for (part.c)) : 0;
        if (r->bad || k >= part.c)
          return VARLB_EFORMAT;
        /* subspace j's codebook starts after those of subspaces < j */
        memcpy (A + i * dim + lo, cb + part.c * lo + k * (hi - lo), (hi - lo) * sizeof *A);
      }
  return VARLB_OK;
}

static int
pq_answer (CC_ANSWER_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_pq;
  int public = cc_knob_public (self, kn, "codebooks");
  unsigned iters = (unsigned) cc_knob_double (self, kn, "iters");
  size_t T = pyramid->offset[pyramid->scales - 1]; /* Alice's tokens */
  if (public < 0)
    return VARLB_EINVAL;
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r);
  pq_part_t pk, pv;
  pk.M = cc_get_u32 (&r), pk.c = cc_get_u32 (&r), pv.M = cc_get_u32 (&r), pv.c = cc_get_u32 (&r);
  unsigned prec = cc_get_u32 (&r);
  size_t cmax = public ? pq_public_max_c (d, dv) : n;
  if (r.bad || !cc_prec_ok (prec) || n > T || pk.M < 1 || pk.M > d
      || pv.M < 1 || pv.M > dv
      || (n > 0 && (pk.c < 1 || pk.c > cmax || pv.c < 1 || pv.c > cmax))
      || (n == 0 && (pk.c != 0 || pv.c != 0))
      || pq_size (n, d, dv, pk, pv, prec, public) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  double *cbk = malloc ((pk.c * d + 1) * sizeof *cbk), *cbv = malloc ((pv.c * dv + 1) * sizeof *cbv);
  double *Kc = malloc ((n * d + 1) * sizeof *Kc), *Vc = malloc ((n * dv + 1) * sizeof *Vc);
  int st = (cbk && cbv && Kc && Vc) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK && public && n > 0)
    st = pq_fit (cbk, NULL, NULL, 0, d, pk, T, 1, 0, iters, prec, NULL);
  if (st == VARLB_OK && public && n > 0)
    st = pq_fit (cbv, NULL, NULL, 0, dv, pv, T, 1, 1, iters, prec, NULL);
  if (st == VARLB_OK && !public)
    {
      cc_get_reals (cbk, pk.c * d, &r, prec);
      cc_get_reals (cbv, pv.c * dv, &r, prec);
    }
  size_t pos = 0;
  if (st == VARLB_OK)
    st = pq_rebuild (Kc, cbk, n, d, pk, &r, &pos);
  if (st == VARLB_OK)
    st = pq_rebuild (Vc, cbv, n, dv, pv, &r, &pos);
  if (st == VARLB_OK)
    st = cc_bits_end (&r, pos);
  if (st == VARLB_OK)
    st = cc_answer_cache (O, Q, m, Kc, Vc, n, d, dv);
  free (cbk), free (cbv), free (Kc), free (Vc);
  return st;
}

CC_COMPRESSOR_PUBLIC (pq, "product quantization (PQCache, arXiv 2407.12820): sub-vectors and code bits of K and V chosen for the budget, k-means codebooks (charged, or public and free)",
                      knobs, "codebooks", pq_calibration_note, pq_compress, pq_answer);
