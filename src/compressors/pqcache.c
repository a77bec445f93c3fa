/* pqcache.c -- PQCache (Zhang et al., arXiv 2407.12820; reference
 * HugoZHL/PQCache vq_method/retrieval_based/pq_search.py, run_llama.sh).
 * PQCache keeps a product-quantization index of the keys on the GPU and
 * offloads the whole KV cache to the CPU; at each decoding step it scores
 * the tokens by PQ (LUT[m][c] = <q_m, centroid_{m,c}>, summed over the M
 * sub-vectors), and attends exactly over the sink tokens, a recent window and
 * the top-k tokens by PQ score, whose rows it fetches.  It saves GPU memory,
 * not total memory: in the one-way game every row Bob may fetch must travel
 * in the blob.  What is stored and charged, in order of priority:
 * 1. the rows (K and V, fp16) of the first `sink` tokens and of the recent
 *    window (int((T - sink) compress recent_ratio) newest tokens);
 * 2. the index of the middle tokens (all the others): per sub-vector a
 *    k-means codebook of min(2^b, n) centroids fitted on this cache
 *    (k-means++ from the public seed; fp16, charged) and each token's codes;
 * 3. the offloaded rows of middle tokens (fp16, with their index), as many
 *    as the budget leaves, chosen by the softmax mass that observed queries
 *    (public seed, never Bob's) put on them through the PQ scores: the rows
 *    PQCache's retrieval would fetch most.
 * Bob takes the top-k = int((T - sink) compress (1 - recent_ratio)) middle
 * tokens by PQ score for each query and attends over the sink and recent rows
 * and those of his top-k that were offloaded.  The index drops to fewer bits
 * per code (fewer centroids) while it does not fit what the sink and recent
 * rows leave. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quant.h"

static const varlb_knob_t knobs[] = {
  { "compress", VARLB_KNOB_DOUBLE, "0.1", 0, 1,
    "fraction of the non-sink tokens attended per query (PQCache COMPRESS=0.1)" },
  { "recent_ratio", VARLB_KNOB_DOUBLE, "0.5", 0, 1,
    "part of those that is the recent window (RECENT_RATIO=0.5); the rest is the top-k" },
  { "sink", VARLB_KNOB_INT, "32", 0, 1e9, "sink tokens always kept (SINK_SIZE=32)" },
  { "subvec", VARLB_KNOB_INT, "2", 1, 64, "sub-vectors M per key (SUBVEC=2)" },
  { "subbits", VARLB_KNOB_INT, "6", 1, 16,
    "bits b per code (SUBBITS=6), lowered while the index does not fit" },
  { "iters", VARLB_KNOB_INT, "25", 0, 1000, "Lloyd iterations of k-means" },
  { "queries", VARLB_KNOB_INT, "32", 1, 4096,
    "observed queries (public seed, never Bob's) choosing the offloaded rows" },
  { "temperature", VARLB_KNOB_DOUBLE, "16", 0, 100, "scale of the observed unit queries" },
};

#define PC_HEADER_BITS 224.0 /* sink, recent, middle, M, centroids, offloaded, top-k */

/* Column range of sub-vector J of M over D columns. */
static void
pc_sub (size_t *lo, size_t *hi, size_t j, size_t M, size_t d)
{
  *lo = j * d / M;
  *hi = (j + 1) * d / M;
}

/* Bits of a blob: NS sink + NR recent + NOFF offloaded rows, an index of NM
   middle tokens with C centroids per sub-vector (C = 0: no index). */
static double
pc_size (size_t ns, size_t nr, size_t nm, size_t M, size_t c, size_t noff, size_t d, size_t dv)
{
  double rows = 16.0 * (double) (ns + nr + noff) * (double) (d + dv);
  double books = c ? 16.0 * (double) c * (double) d : 0.0;
  double bits = (c ? (double) nm * (double) M * qz_index_bits (c) : 0.0)
                + (double) noff * qz_index_bits (nm);
  return PC_HEADER_BITS + rows + books + 8.0 * ceil (bits / 8.0);
}

extern const varlb_compressor_t varlb_compressor_pqcache;

/* PQ scores S (nm) of query X from the codebooks CB and CODES. */
static void
pc_scores (double *S, const double *x, const double *cb, const uint32_t *codes, size_t nm,
           size_t M, size_t c, size_t d, double *lut)
{
  for (size_t j = 0; j < M; j++)
    {
      size_t lo, hi;
      pc_sub (&lo, &hi, j, M, d);
      for (size_t k = 0; k < c; k++)
        {
          double s = 0.0;
          for (size_t i = lo; i < hi; i++)
            s += x[i] * cb[c * lo + k * (hi - lo) + (i - lo)];
          lut[j * c + k] = s;
        }
    }
  for (size_t t = 0; t < nm; t++)
    {
      double s = 0.0;
      for (size_t j = 0; j < M; j++)
        s += lut[j * c + codes[t * M + j]];
      S[t] = s;
    }
}

static void
put_row (int *st, varlb_blob_t *blob, const double *K, const double *V, size_t t, size_t d,
         size_t dv)
{
  for (size_t j = 0; j < d; j++)
    *st |= cc_put_f16 (blob, K[t * d + j]);
  for (size_t j = 0; j < dv; j++)
    *st |= cc_put_f16 (blob, V[t * dv + j]);
}

static int
pc_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_pqcache;
  double comp = cc_knob_double (self, kn, "compress"), rr = cc_knob_double (self, kn, "recent_ratio");
  size_t sink = (size_t) cc_knob_double (self, kn, "sink"), M = (size_t) cc_knob_double (self, kn, "subvec");
  unsigned b = (unsigned) cc_knob_double (self, kn, "subbits");
  unsigned iters = (unsigned) cc_knob_double (self, kn, "iters");
  if (!(comp >= 0 && comp <= 1) || !(rr >= 0 && rr <= 1) || M < 1 || M > d || b < 1 || b > 16
      || dv == 0)
    return VARLB_EINVAL;
  sink = sink < T ? sink : T;
  size_t rest = T - sink;
  size_t nr = (size_t) ((double) rest * comp * rr);
  size_t topk = (size_t) ((double) rest * comp * (1.0 - rr));
  nr = nr < rest ? nr : rest;
  size_t nm = rest - nr, ns = sink;
  /* 1. sink rows, then recent rows, as many as fit */
  while (ns > 0 && pc_size (ns, 0, 0, M, 0, 0, d, dv) > budget_bits)
    ns--;
  size_t nr_kept = nr;
  while (nr_kept > 0 && pc_size (ns, nr_kept, 0, M, 0, 0, d, dv) > budget_bits)
    nr_kept--;
  /* 2. the index: 2^b centroids (at most one per middle token) */
  double left = budget_bits - pc_size (ns, nr_kept, 0, M, 0, 0, d, dv);
  size_t c = 0;
  if (nm > 0 && ns == sink && nr_kept == nr)
    {
      for (unsigned bb = b; bb >= 1; bb--)
        {
          size_t cc = (size_t) 1 << bb;
          cc = cc < nm ? cc : nm;
          double cost = pc_size (ns, nr, nm, M, cc, 0, d, dv) - pc_size (ns, nr, 0, M, 0, 0, d, dv);
          if (cost <= left)
            {
              c = cc;
              break;
            }
        }
    }
  /* 3. offloaded rows */
  size_t noff = 0;
  if (c > 0)
    while (noff < nm && pc_size (ns, nr, nm, M, c, noff + 1, d, dv) <= budget_bits)
      noff++;
  if (c == 0)
    nm = 0, topk = 0;
  topk = topk < nm ? topk : nm;
  double *cb = malloc ((c * d + 1) * sizeof *cb), *sub = malloc ((c * d + 1) * sizeof *sub);
  uint32_t *codes = malloc ((nm * M + 1) * sizeof *codes), *code = malloc ((nm + 1) * sizeof *code);
  double *Kp = malloc ((nm * d + 1) * sizeof *Kp), *mass = malloc ((nm + 1) * sizeof *mass);
  size_t *off = malloc ((nm + 1) * sizeof *off);
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  int st = (cb && sub && codes && code && Kp && mass && off && r) ? VARLB_OK : VARLB_ENOMEM;
  const double *Km = K + sink * d, *Vm = V + sink * dv;
  for (size_t j = 0; st == VARLB_OK && j < M && c > 0; j++)
    {
      size_t lo, hi;
      pc_sub (&lo, &hi, j, M, d);
      st = qz_kmeans (sub, code, Km + lo, nm, d, hi - lo, c, iters, r);
      for (size_t i = 0; i < c * (hi - lo); i++)
        cb[c * lo + i] = qz_half (sub[i]);
      for (size_t t = 0; t < nm; t++)
        {
          codes[t * M + j] = code[t];
          memcpy (Kp + t * d + lo, cb + c * lo + code[t] * (hi - lo), (hi - lo) * sizeof *Kp);
        }
    }
  if (st == VARLB_OK && noff > 0)
    {
      if (noff < nm)
        st = cc_observed_scores (mass, Kp, nm, d, (size_t) cc_knob_double (self, kn, "queries"),
                                 cc_knob_double (self, kn, "temperature"), seed, CC_OBS_SUM);
      if (st == VARLB_OK)
        cc_top_k (off, noff, mass, nm);
    }
  if (st == VARLB_OK)
    {
      st = cc_put_u32 (blob, (uint32_t) ns) | cc_put_u32 (blob, (uint32_t) nr_kept)
           | cc_put_u32 (blob, (uint32_t) nm) | cc_put_u32 (blob, (uint32_t) M)
           | cc_put_u32 (blob, (uint32_t) c) | cc_put_u32 (blob, (uint32_t) noff)
           | cc_put_u32 (blob, (uint32_t) topk);
      for (size_t t = 0; t < ns; t++)
        put_row (&st, blob, K, V, t, d, dv);
      for (size_t t = T - nr_kept; t < T; t++)
        put_row (&st, blob, K, V, t, d, dv);
      for (size_t i = 0; i < noff; i++)
        put_row (&st, blob, Km, Vm, off[i], d, dv);
      st |= cc_put_reals (blob, cb, c * d, 16);
      cc_bitwriter_t w;
      cc_bits_init (&w, blob);
      for (size_t i = 0; c > 0 && i < nm * M; i++)
        cc_bits_put (&w, codes[i], qz_index_bits (c));
      for (size_t i = 0; i < noff; i++)
        cc_bits_put (&w, (uint32_t) off[i], qz_index_bits (nm));
      st |= cc_bits_flush (&w);
      st = st ? VARLB_ENOMEM : VARLB_OK;
    }
  if (r)
    gsl_rng_free (r);
  free (cb), free (sub), free (codes), free (code), free (Kp), free (mass), free (off);
  return st;
}

static int
pc_answer (CC_ANSWER_PARAMS)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t ns = cc_get_u32 (&r), nr = cc_get_u32 (&r), nm = cc_get_u32 (&r), M = cc_get_u32 (&r);
  size_t c = cc_get_u32 (&r), noff = cc_get_u32 (&r), topk = cc_get_u32 (&r);
  if (r.bad || M < 1 || M > d || dv == 0 || (c == 0 && (nm > 0 || noff > 0)) || c > nm
      || noff > nm || topk > nm
      || pc_size (ns, nr, nm, M, c, noff, d, dv) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  size_t nrow = ns + nr + noff;
  double *Kr = malloc ((nrow * d + 1) * sizeof *Kr), *Vr = malloc ((nrow * dv + 1) * sizeof *Vr);
  double *cb = malloc ((c * d + 1) * sizeof *cb), *S = malloc ((nm + 1) * sizeof *S);
  double *lut = malloc ((M * c + 1) * sizeof *lut);
  uint32_t *codes = malloc ((nm * M + 1) * sizeof *codes);
  size_t *row_of = malloc ((nm + 1) * sizeof *row_of), *top = malloc ((topk + 1) * sizeof *top);
  size_t *sel = malloc ((nrow + 1) * sizeof *sel);
  double *Ks = malloc ((nrow * d + 1) * sizeof *Ks), *Vs = malloc ((nrow * dv + 1) * sizeof *Vs);
  int st = Kr && Vr && cb && S && lut && codes && row_of && top && sel && Ks && Vs;
  st = st ? VARLB_OK : VARLB_ENOMEM;
  for (size_t t = 0; st == VARLB_OK && t < nrow; t++)
    {
      for (size_t j = 0; j < d; j++)
        Kr[t * d + j] = cc_get_f16 (&r);
      for (size_t j = 0; j < dv; j++)
        Vr[t * dv + j] = cc_get_f16 (&r);
    }
  if (st == VARLB_OK)
    cc_get_reals (cb, c * d, &r, 16);
  size_t pos = 0;
  for (size_t i = 0; st == VARLB_OK && i < nm * M; i++)
    if ((codes[i] = cc_get_bits (&r, &pos, qz_index_bits (c))) >= c)
      st = VARLB_EFORMAT;
  for (size_t t = 0; st == VARLB_OK && t < nm; t++)
    row_of[t] = SIZE_MAX;
  for (size_t i = 0; st == VARLB_OK && i < noff; i++)
    {
      size_t t = cc_get_bits (&r, &pos, qz_index_bits (nm));
      if (t >= nm || row_of[t] != SIZE_MAX)
        st = VARLB_EFORMAT;
      else
        row_of[t] = ns + nr + i;
    }
  if (st == VARLB_OK && (cc_bits_end (&r, pos) != VARLB_OK || !cc_all_finite (Kr, nrow * d)
                         || !cc_all_finite (Vr, nrow * dv) || !cc_all_finite (cb, c * d)))
    st = VARLB_EFORMAT;
  /* Per query: sink and recent rows, plus the offloaded rows among its
     top-k by PQ score. */
  for (size_t q = 0; st == VARLB_OK && q < m; q++)
    {
      size_t k = 0;
      for (size_t t = 0; t < ns + nr; t++)
        sel[k++] = t;
      if (topk > 0)
        {
          pc_scores (S, Q + q * d, cb, codes, nm, M, c, d, lut);
          cc_top_k (top, topk, S, nm);
          for (size_t i = 0; i < topk; i++)
            if (row_of[top[i]] != SIZE_MAX)
              sel[k++] = row_of[top[i]];
        }
      for (size_t i = 0; i < k; i++)
        {
          memcpy (Ks + i * d, Kr + sel[i] * d, d * sizeof *Ks);
          memcpy (Vs + i * dv, Vr + sel[i] * dv, dv * sizeof *Vs);
        }
      st = cc_answer_cache (O + q * dv, Q + q * d, 1, Ks, Vs, k, d, dv);
    }
  free (Kr), free (Vr), free (cb), free (S), free (lut), free (codes), free (row_of), free (top);
  free (sel), free (Ks), free (Vs);
  return st;
}

CC_COMPRESSOR (pqcache, "PQCache (arXiv 2407.12820): PQ index of the keys for top-k retrieval; sink, recent and offloaded rows fp16, all charged",
               NULL, pc_compress, pc_answer);
