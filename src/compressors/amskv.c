/* amskv.c -- AMS-KV (Xu, Wang, Wang, Li; arXiv 2511.16047, AAAI'26), VAR
 * specific, paper-only (no code found): keep the KV of the "condensed"
 * scales (the coarsest few) and of the "local" scales (the most recent
 * ones), evict the intermediate ones.  Heads (layers, in the paper) whose KV
 * is weakly similar across scales are "cache-demanding" and keep more.  Here
 * the similarity is the mean cosine between each key of a finer scale (past
 * the condensed ones) and the key of its parent token, the one at the same
 * relative position in the scale before.  A cache-efficient head (similarity
 * at least the threshold) keeps exactly the condensed scales and `local`
 * local scales, whatever the budget; a cache-demanding head keeps the
 * condensed scales and then as many scales, newest first, as the budget
 * holds.  A budget too small keeps the condensed scales first. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  { "bits", VARLB_KNOB_INT, "16", 16, 64, "bits per stored number: 16, 32 or 64" },
  { "condensed", VARLB_KNOB_INT, "2", 0, 64, "coarsest scales kept (the paper: e.g. the first two)" },
  { "local", VARLB_KNOB_INT, "1", 0, 64, "most recent scales kept by a cache-efficient head" },
  { "similarity", VARLB_KNOB_DOUBLE, "0.5", -1, 1,
    "inter-scale key cosine below which the head is cache-demanding" },
};

/* Mean cosine between the keys of scales FROM..S-1 and their parents in
   the scale before (nearest position: floor(r pn_{s-1} / pn_s)). */
static double
amskv_similarity (const double *K, size_t d, const varlb_pyramid_t *py, size_t from, size_t S)
{
  double sum = 0.0;
  size_t n = 0;
  for (size_t s = from < 1 ? 1 : from; s < S; s++)
    for (unsigned r = 0; r < py->pn[s]; r++)
      for (unsigned c = 0; c < py->pn[s]; c++)
        {
          size_t t = varlb_pyramid_token_index (py, s, r, c);
          size_t p = varlb_pyramid_token_index (py, s - 1, r * py->pn[s - 1] / py->pn[s],
                                                c * py->pn[s - 1] / py->pn[s]);
          double dot = 0.0, a = 0.0, b = 0.0;
          for (size_t j = 0; j < d; j++)
            {
              dot += K[t * d + j] * K[p * d + j];
              a += K[t * d + j] * K[t * d + j];
              b += K[p * d + j] * K[p * d + j];
            }
          sum += a > 0 && b > 0 ? dot / sqrt (a * b) : 0.0;
          n++;
        }
  return n ? sum / (double) n : 1.0;
}

static size_t
choose (EVICT_CHOOSE_PARAMS)
{
  size_t S = evict_cached_scales (pyramid, T);
  size_t nc = (size_t) cc_knob_double (self, kn, "condensed");
  double thr = cc_knob_double (self, kn, "similarity");
  nc = nc < S ? nc : S;
  int demanding = amskv_similarity (K, d, pyramid, nc, S) < thr;
  size_t nl = demanding ? S : (size_t) cc_knob_double (self, kn, "local");
  nl = nl < S ? nl : S;
  size_t n = 0;
  /* condensed scales first, then local scales newest first; whole scales
     while they fit, then the start of the next one */
  for (size_t s = 0; s < nc; s++)
    for (size_t t = pyramid->offset[s]; t < pyramid->offset[s + 1] && n < k; t++)
      keep[n++] = t;
  for (size_t s = S; s-- > S - nl;)
    if (s >= nc)
      for (size_t t = pyramid->offset[s]; t < pyramid->offset[s + 1] && n < k; t++)
        keep[n++] = t;
  evict_sort (keep, n);
  return n;
}

extern const varlb_compressor_t varlb_compressor_amskv;

static int
compress (CC_COMPRESS_PARAMS)
{
  return evict_compress_policy (blob, K, V, T, d, dv, budget_bits, seed, kn, pyramid,
                                &varlb_compressor_amskv, choose);
}

CC_COMPRESSOR (amskv, "AMS-KV (arXiv 2511.16047, VAR): condensed (coarsest) + local (newest) scales; cache-demanding heads keep as many local scales as the budget holds",
               NULL, compress, evict_answer);
