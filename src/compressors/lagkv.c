/* lagkv.c -- LagKV (arXiv 2504.04704, kvpress LagKVPress): after n_sink
 * sinks the cache is cut into partitions of lag_size tokens; each partition
 * is scored against the next one (the "lag" reference): per channel, the
 * token is min-max normalised by the reference's range, its score is the
 * standard deviation of that over the channels, softmaxed within the
 * partition, for keys and values alike, averaged.  Sinks, the last whole
 * partition and the remainder are always kept.  Query-free. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  { "n_sink", VARLB_KNOB_INT, "4", 0, 1e9, "first tokens always kept (attention sinks)" },
  { "lag_size", VARLB_KNOB_INT, "128", 1, 1e9, "partition length; each is scored against the next" },
  { "cross_scoring", VARLB_KNOB_INT, "0", 0, 1,
    "0: rank within each partition (scores in [0,1)); 1: compare raw scores across partitions" },
};

/* Scores of partition X (L rows of width W, stride W) against REF (the next
   partition): softmax over the L tokens of the std over channels of
   (x - min_ref) / (max_ref - min_ref).  A constant reference channel
   normalises to 0 (torch would give NaN). */
static int
lag_scores (double *out, const double *x, const double *ref, size_t L, size_t w)
{
  double *lo = malloc ((w ? w : 1) * sizeof *lo), *hi = malloc ((w ? w : 1) * sizeof *hi);
  double *z = malloc ((w ? w : 1) * sizeof *z);
  if (lo == NULL || hi == NULL || z == NULL)
    {
      free (lo), free (hi), free (z);
      return VARLB_ENOMEM;
    }
  for (size_t j = 0; j < w; j++)
    {
      lo[j] = INFINITY, hi[j] = -INFINITY;
      for (size_t r = 0; r < L; r++)
        {
          lo[j] = fmin (lo[j], ref[r * w + j]);
          hi[j] = fmax (hi[j], ref[r * w + j]);
        }
    }
  for (size_t i = 0; i < L; i++)
    {
      double mean = 0.0, ss = 0.0;
      for (size_t j = 0; j < w; j++)
        {
          z[j] = hi[j] > lo[j] ? (x[i * w + j] - lo[j]) / (hi[j] - lo[j]) : 0.0;
          mean += z[j] / (double) w;
        }
      for (size_t j = 0; j < w; j++)
        ss += (z[j] - mean) * (z[j] - mean);
      out[i] = w > 1 ? sqrt (ss / (double) (w - 1)) : 0.0;
    }
  cc_softmax (out, L);
  free (lo), free (hi), free (z);
  return VARLB_OK;
}

static int
score (EVICT_SCORE_PARAMS)
{
  size_t sinks = (size_t) cc_knob_double (self, kn, "n_sink");
  size_t L = (size_t) cc_knob_double (self, kn, "lag_size");
  int cross = cc_knob_double (self, kn, "cross_scoring") != 0;
  if (sinks > T)
    sinks = T;
  for (size_t t = 0; t < T; t++)
    s[t] = 1.0;
  if (T < sinks + 2 * L)
    {
      /* too short to compress: sinks, then the newest first */
      for (size_t t = sinks; t < T; t++)
        s[t] = (double) (t - sinks) / (double) (T - sinks);
      return VARLB_OK;
    }
  size_t parts = (T - sinks) / L;
  double *ks = malloc (L * sizeof *ks), *vs = malloc (L * sizeof *vs);
  if (ks == NULL || vs == NULL)
    {
      free (ks), free (vs);
      return VARLB_ENOMEM;
    }
  /* partitions 0 .. parts-2 are scored; the last one and the tail keep 1 */
  int st = VARLB_OK;
  for (size_t p = 0; st == VARLB_OK && p + 1 < parts; p++)
    {
      size_t a = sinks + p * L;
      st = lag_scores (ks, K + a * d, K + (a + L) * d, L, d);
      if (st == VARLB_OK)
        st = lag_scores (vs, V + a * dv, V + (a + L) * dv, L, dv);
      for (size_t i = 0; i < L; i++)
        s[a + i] = (ks[i] + vs[i]) / 2.0;
      if (!cross)
        {
          /* rank / L in [0, 1) (kvpress: argsort of argsort), ties by position */
          for (size_t i = 0; i < L; i++)
            {
              size_t rank = 0;
              for (size_t j = 0; j < L; j++)
                rank += s[a + j] < s[a + i] || (s[a + j] == s[a + i] && j < i);
              ks[i] = (double) rank / (double) L;
            }
          for (size_t i = 0; i < L; i++)
            s[a + i] = ks[i];
        }
    }
  free (ks), free (vs);
  return st;
}

EVICT_SCORER_PRESS (lagkv,
                    "LagKV (arXiv 2504.04704): score each partition by its min-max spread against the next (lag) partition; sinks and tail kept",
                    score);
