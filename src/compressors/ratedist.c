/* ratedist.c -- the achievability compressor (proofs/achievability.md):
 * Alice's value bits are a binary symmetric source, the keys public coins,
 * so she codes her bits at rate R = (budget - header)/N with a polar code
 * for lossy source coding (Korada-Urbanke, IEEE Trans. IT 56(4), 2010) and
 * SC list encoding (polar.c), reaching distortion near D(R) = H2^-1(1 - R):
 * accuracy near the Fano ceiling.  Bob regenerates the JL keys from the
 * public seed, finds each query's target token (argmax <q, k_t>: the
 * attention's winner) and answers with that token's reconstructed bits.
 *
 * Why polar codes: provably optimal for this source, any rate by choosing
 * the frozen set (a trellis quantizer needs a code per rate, LDGM codes
 * need decimation heuristics), O(L n log n) encoding, and a measured gap
 * to the ceiling below 0.005 at N = 27136 (bench/ratedist.sh).
 *
 * Layout.  The T x dv value bits, row-major, are split into b equal blocks
 * of at most 2^block bits; each block is a code of length 2^m >= its bits
 * whose surplus positions are don't-care (shortening: their LLR is 0 and
 * the design treats them as useless channels).  The budget's K information
 * bits are shared evenly; the frozen bits are zero.  The blob is a
 * bit-packed header, then the K information bits:
 *   values (2 bits: 0 {0,1}, 1 {-1,+1}, 2 other: lo and hi as fp64 follow),
 *   JL family (2 bits) and norm (1 bit) of the keys, found by regenerating
 *   them (answer rebuilds the keys from these and the public seed),
 *   T flag (1 bit: 0 = the pyramid's Alice tokens, 1 = T as 32 bits follows),
 *   K (bitlength(N) bits; K = N: the bits stored raw, lossless).
 * Values other than two levels are cut at the midpoint of their range (a
 * 1-bit quantizer, then coded).  Keys that are not the instance's public
 * keys cannot be rebuilt by Bob: compress refuses them (VARLB_EINVAL). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "common.h"
#include "polar.h"

static const varlb_knob_t knobs[] = {
  { "list", VARLB_KNOB_INT, "16", 1, 256, "list size L of the SC list encoder (1: successive cancellation)" },
  { "block", VARLB_KNOB_INT, "16", 4, 20,
    "log2 of the longest polar block; longer sources are split into equal blocks" },
  { "design", VARLB_KNOB_DOUBLE, "1", 0.25, 4,
    "design distortion of the test channel BSC(D), as a multiple of the D = H2^-1(1 - R) of the rate" },
  { "puncture", VARLB_KNOB_STRING, "reversed", 0, 0,
    "don't-care positions of a shortened block: reversed (the first, bit-reversed) or tail (the last)" },
};

/* List paths x block length past which compress refuses (memory ~12 bytes
   each: about 0.8 GB). */
#define RD_MAX_WORK ((size_t) 1 << 26)

enum { RD_VALUES_01 = 0, RD_VALUES_PM1 = 1, RD_VALUES_OTHER = 2 };

typedef struct rd_header {
  unsigned values, family, norm, explicit_t;
  double lo, hi;
  size_t T, N, k;
  size_t bits;     /* header length in bits */
} rd_header_t;

extern const varlb_compressor_t varlb_compressor_ratedist;

static size_t
bit_length (size_t v)
{
  size_t w = 0;
  while (w < 64 && (v >> w) != 0)
    w++;
  return w;
}

static size_t
alice_tokens (const varlb_pyramid_t *p)
{
  return p && p->scales ? varlb_pyramid_prefix (p, p->scales - 1) : 0;
}

/* The code parameters the knobs set; -1 when one is out of range. */
typedef struct rd_design {
  size_t list;
  unsigned block;
  double scale;
  enum cc_polar_puncture puncture;
} rd_design_t;

static int
rd_design (rd_design_t *g, const varlb_knobs_t *kn)
{
  const varlb_compressor_t *self = &varlb_compressor_ratedist;
  double list = cc_knob_double (self, kn, "list"), block = cc_knob_double (self, kn, "block");
  const char *punct = cc_knob (self, kn, "puncture");
  g->scale = cc_knob_double (self, kn, "design");
  if (!(list >= 1 && list <= 256 && block >= 4 && block <= 20 && g->scale >= 0.25
        && g->scale <= 4))
    return -1;
  g->list = (size_t) list;
  g->block = (unsigned) block;
  if (strcmp (punct, "reversed") == 0)
    g->puncture = CC_POLAR_PUNCTURE_REVERSED;
  else if (strcmp (punct, "tail") == 0)
    g->puncture = CC_POLAR_PUNCTURE_TAIL;
  else
    return -1;
  return 0;
}

/* Block J of B over N source bits and K information bits: its first source
   bit, its bits, its information bits and its log2 length. */
static void
rd_block (size_t *first, size_t *used, size_t *k, unsigned *m, size_t j, size_t b,
          size_t N, size_t K)
{
  *used = N / b + (j < N % b);
  *first = j * (N / b) + (j < N % b ? j : N % b);
  *k = K / b + (j < K % b);
  for (*m = 1; ((size_t) 1 << *m) < *used; (*m)++)
    ;
}

static size_t
rd_blocks (size_t N, unsigned block)
{
  size_t cap = (size_t) 1 << block;
  return N == 0 ? 0 : (N + cap - 1) / cap;
}

/* The block's code, designed for BSC(D) with D the distortion the Fano
   relation gives its rate (1 - p* of varlb_fano_ceiling), times the design
   knob; *D receives it (the encoder's test channel too). */
static int
rd_code (cc_polar_code_t *c, double *D, unsigned m, size_t used, size_t k,
         const rd_design_t *g)
{
  double d = g->scale * (1.0 - varlb_fano_ceiling ((double) k, (double) used));
  *D = fmin (fmax (d, 1e-12), 0.499);
  return cc_polar_code_init (c, m, used, k, *D, g->puncture);
}

/* The JL family and norm whose keys from the public seed are K (entries
   equal up to 1e-12 relative), or -1: Bob can rebuild only these. */
static int
rd_find_keys (unsigned *family, unsigned *norm, const double *K, size_t T, size_t d,
              uint64_t seed)
{
  double *P = malloc ((T ? T : 1) * d * sizeof *P);
  if (P == NULL)
    return VARLB_ENOMEM;
  int found = -1;
  for (unsigned f = 0; f < 3 && found < 0; f++)
    for (unsigned nm = 0; nm < 2 && found < 0; nm++)
      {
        if (varlb_public_keys (P, T, d, f, nm, seed) != VARLB_OK)
          continue;
        size_t i = 0;
        while (i < T * d && fabs (P[i] - K[i]) <= 1e-12 * (1.0 + fabs (K[i])))
          i++;
        if (i == T * d)
          *family = f, *norm = nm, found = 0;
      }
  free (P);
  return found;
}

static size_t
rd_header_bits (const rd_header_t *h)
{
  return 6 + (h->explicit_t ? 32 : 0) + (h->values == RD_VALUES_OTHER ? 128 : 0)
         + bit_length (h->N);
}

static void
put_f64 (cc_bitwriter_t *w, double v)
{
  uint64_t u;
  memcpy (&u, &v, sizeof u);
  cc_bits_put (w, (uint32_t) u, 32);
  cc_bits_put (w, (uint32_t) (u >> 32), 32);
}

static double
get_f64 (cc_reader_t *r, size_t *pos)
{
  uint64_t lo = cc_get_bits (r, pos, 32), hi = cc_get_bits (r, pos, 32);
  uint64_t u = lo | hi << 32;
  double v;
  memcpy (&v, &u, sizeof v);
  return v;
}

/* Alice's bits Y (N = T dv) from V and the two levels they are cut
   between; 0, or -1 for a non-finite value. */
static int
rd_values (unsigned char *y, rd_header_t *h, const double *V, size_t N)
{
  int is01 = 1, ispm1 = 1;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < N; i++)
    {
      if (!isfinite (V[i]))
        return -1;
      is01 &= V[i] == 0.0 || V[i] == 1.0;
      ispm1 &= V[i] == -1.0 || V[i] == 1.0;
      lo = fmin (lo, V[i]);
      hi = fmax (hi, V[i]);
    }
  h->values = is01 ? RD_VALUES_01 : ispm1 ? RD_VALUES_PM1 : RD_VALUES_OTHER;
  h->lo = is01 ? 0.0 : ispm1 ? -1.0 : lo;
  h->hi = is01 || ispm1 ? 1.0 : hi;
  double mid = 0.5 * (h->lo + h->hi);
  for (size_t i = 0; i < N; i++)
    y[i] = V[i] > mid;
  return 0;
}

/* Block by block over N source bits and K information bits: ENCODE sets
   INFO from the source bits BITS (Alice), else BITS is rebuilt from INFO
   (Bob). */
static int
rd_run_blocks (unsigned char *info, unsigned char *bits, size_t N, size_t K,
               const rd_design_t *g, int encode)
{
  size_t b = rd_blocks (N, g->block), done = 0;
  int st = VARLB_OK;
  for (size_t j = 0; st == VARLB_OK && j < b; j++)
    {
      size_t first, used, k;
      unsigned m;
      rd_block (&first, &used, &k, &m, j, b, N, K);
      cc_polar_code_t c;
      double D;
      if ((st = rd_code (&c, &D, m, used, k, g)) != VARLB_OK)
        break;
      if (!encode)
        st = cc_polar_reconstruct (bits + first, &c, info + done);
      else if (k > 0)
        st = cc_polar_encode (info + done, NULL, &c, bits + first, D, g->list);
      done += k;
      cc_polar_code_clear (&c);
    }
  return st;
}

static int
ratedist_compress (CC_COMPRESS_PARAMS)
{
  rd_design_t g;
  rd_header_t h = { 0 };
  if (rd_design (&g, kn) != 0 || d == 0 || dv == 0 || !(budget_bits >= 0)
      || T > UINT32_MAX || T > SIZE_MAX / dv)
    return VARLB_EINVAL;
  if (g.list * ((size_t) 1 << g.block) > RD_MAX_WORK)
    return VARLB_EINVAL;
  h.T = T, h.N = T * dv;
  h.explicit_t = T != alice_tokens (pyramid);
  int st = rd_find_keys (&h.family, &h.norm, K, T, d, seed);
  if (st != VARLB_OK)
    return st == VARLB_ENOMEM ? st : VARLB_EINVAL; /* keys Bob cannot rebuild */
  unsigned char *y = malloc (h.N ? h.N : 1), *info = malloc (h.N ? h.N : 1);
  if (!y || !info)
    {
      free (y), free (info);
      return VARLB_ENOMEM;
    }
  if (rd_values (y, &h, V, h.N) != 0)
    {
      free (y), free (info);
      return VARLB_EINVAL;
    }
  /* Whole bytes within the budget; the header first, every other bit for
     the code (K = N: the bits themselves). */
  h.bits = rd_header_bits (&h);
  double room = 8.0 * floor (budget_bits / 8.0) - (double) h.bits;
  if (room < 0)
    {
      free (y), free (info);
      return VARLB_EINVAL; /* the budget does not hold the header */
    }
  h.k = room >= (double) h.N ? h.N : (size_t) room;
  if (h.k == h.N)
    memcpy (info, y, h.N);
  else
    st = rd_run_blocks (info, y, h.N, h.k, &g, 1);
  if (st == VARLB_OK)
    {
      cc_bitwriter_t w;
      cc_bits_init (&w, blob);
      cc_bits_put (&w, h.values, 2);
      cc_bits_put (&w, h.family, 2);
      cc_bits_put (&w, h.norm, 1);
      cc_bits_put (&w, h.explicit_t, 1);
      if (h.explicit_t)
        cc_bits_put (&w, (uint32_t) T, 32);
      if (h.values == RD_VALUES_OTHER)
        put_f64 (&w, h.lo), put_f64 (&w, h.hi);
      for (size_t i = 0, wk = bit_length (h.N); i < wk; i += 32)
        cc_bits_put (&w, (uint32_t) (h.k >> i), wk - i < 32 ? (unsigned) (wk - i) : 32);
      for (size_t i = 0; i < h.k; i++)
        cc_bits_put (&w, info[i], 1);
      st = cc_bits_flush (&w);
    }
  free (y), free (info);
  return st;
}

/* Parse and check the header against LEN and the public inputs. */
static int
rd_read_header (rd_header_t *h, cc_reader_t *r, size_t *pos, size_t len, size_t dv,
                const varlb_pyramid_t *pyramid)
{
  h->values = cc_get_bits (r, pos, 2);
  h->family = cc_get_bits (r, pos, 2);
  h->norm = cc_get_bits (r, pos, 1);
  h->explicit_t = cc_get_bits (r, pos, 1);
  h->T = h->explicit_t ? cc_get_bits (r, pos, 32) : alice_tokens (pyramid);
  h->lo = 0.0, h->hi = 1.0;
  if (h->values == RD_VALUES_PM1)
    h->lo = -1.0;
  else if (h->values == RD_VALUES_OTHER)
    h->lo = get_f64 (r, pos), h->hi = get_f64 (r, pos);
  /* Bob's allocations are bounded by the public schedule: T tokens at
     most, T dv bits. */
  size_t cap = pyramid ? varlb_pyramid_token_count (pyramid) : 0;
  if (r->bad || h->values > RD_VALUES_OTHER || h->family > VARLB_JL_ACHLIOPTAS
      || !isfinite (h->lo) || !isfinite (h->hi) || h->T > cap || (h->T && dv > SIZE_MAX / h->T))
    return VARLB_EFORMAT;
  h->N = h->T * dv;
  size_t wk = bit_length (h->N);
  h->k = 0;
  for (size_t i = 0; i < wk; i += 32)
    h->k |= (size_t) cc_get_bits (r, pos, wk - i < 32 ? (unsigned) (wk - i) : 32) << i;
  h->bits = rd_header_bits (h);
  /* A coded blob fills its bytes exactly (K = 8 len - header); a raw one
     holds the N bits in as few bytes as they need. */
  if (r->bad || h->k > h->N
      || (h->k < h->N ? 8 * len != h->bits + h->k : len != (h->bits + h->N + 7) / 8))
    return VARLB_EFORMAT;
  return VARLB_OK;
}

/* Each query's target: the token of largest <q, k_t> (ties to the lower
   index), by blocks of rows through CBLAS.  Floating point. */
static int
rd_targets (size_t *tgt, const double *Q, size_t m, const double *keys, size_t T, size_t d)
{
  const size_t rows = 64;
  double *S = malloc (rows * T * sizeof *S);
  if (S == NULL)
    return VARLB_ENOMEM;
  for (size_t r0 = 0; r0 < m; r0 += rows)
    {
      size_t nr = m - r0 < rows ? m - r0 : rows;
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nr, (int) T, (int) d, 1.0,
                   Q + r0 * d, (int) d, keys, (int) d, 0.0, S, (int) T);
      for (size_t i = 0; i < nr; i++)
        {
          size_t best = 0;
          for (size_t t = 1; t < T; t++)
            best = S[i * T + t] > S[i * T + best] ? t : best;
          tgt[r0 + i] = best;
        }
    }
  free (S);
  return VARLB_OK;
}

static int
ratedist_answer (CC_ANSWER_PARAMS)
{
  rd_design_t g;
  rd_header_t h;
  if (rd_design (&g, kn) != 0 || d == 0 || dv == 0)
    return VARLB_EINVAL;
  cc_reader_t r;
  size_t pos = 0;
  cc_reader_init (&r, blob, len);
  int st = rd_read_header (&h, &r, &pos, len, dv, pyramid);
  if (st != VARLB_OK)
    return st;
  unsigned char *info = malloc (h.k ? h.k : 1), *xhat = malloc (h.N ? h.N : 1);
  double *keys = malloc ((h.T ? h.T : 1) * d * sizeof *keys);
  size_t *tgt = malloc ((m ? m : 1) * sizeof *tgt);
  if (!info || !xhat || !keys || !tgt)
    st = VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < h.k; i++)
    info[i] = (unsigned char) cc_get_bits (&r, &pos, 1);
  if (st == VARLB_OK && h.k == h.N)
    memcpy (xhat, info, h.N); /* stored raw */
  else if (st == VARLB_OK)
    st = rd_run_blocks (info, xhat, h.N, h.k, &g, 0);
  if (st == VARLB_OK && h.T == 0)
    memset (O, 0, m * dv * sizeof *O); /* no token to attend to */
  else if (st == VARLB_OK
           && (st = varlb_public_keys (keys, h.T, d, h.family, h.norm, seed)) == VARLB_OK
           && (st = rd_targets (tgt, Q, m, keys, h.T, d)) == VARLB_OK)
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < dv; j++)
        O[i * dv + j] = xhat[tgt[i] * dv + j] ? h.hi : h.lo;
  free (info), free (xhat), free (keys), free (tgt);
  return st;
}

const varlb_compressor_t varlb_compressor_ratedist = {
  VARLB_COMPRESSOR_ABI, "ratedist",
  "achievability: polar lossy source code (SC list encoding) of the value bits at rate (budget - header)/N; "
  "Bob rebuilds the public keys and answers each query's target with its reconstructed bits",
  knobs, sizeof knobs / sizeof *knobs, NULL, ratedist_compress, ratedist_answer, NULL
};
