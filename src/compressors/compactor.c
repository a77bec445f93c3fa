/* compactor.c -- Compactor (arXiv 2507.08143, kvpress CompactorPress):
 * blend the z-scored leverage of the keys (outliers of the key space) with
 * z-scored non-causal chunked attention: the sequence is cut into chunks of
 * chunk_size tokens, a query per token (observed, public seed, never Bob's)
 * attends to its own chunk only, each key collects the column sum, times
 * ||v||, smoothed by average pooling over 3 tokens.  score = blending x
 * leverage + attention; blending defaults to the compression ratio
 * (1 - k/T); the sink_size_start first and sink_size_end last tokens get
 * the top score (kvpress pads them with the maximum, so they tie with it).
 * The ragged last chunk attends over its real tokens only (kvpress pads it
 * and lets the padding take attention). */
#include <config.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  EVICT_TEMPERATURE_KNOB,
  { "sink_size_start", VARLB_KNOB_INT, "8", 0, 1e9, "first tokens always kept" },
  { "sink_size_end", VARLB_KNOB_INT, "4", 0, 1e9, "last tokens always kept" },
  { "chunk_size", VARLB_KNOB_INT, "256", 1, 1e9, "chunk of the non-causal attention" },
  { "sketch_dimension", VARLB_KNOB_INT, "48", 1, 4096, "columns of the leverage sketch (public coins)" },
  { "blending", VARLB_KNOB_DOUBLE, "-1", -1, 1e9,
    "weight of the leverage scores (-1: the compression ratio 1 - k/T, kvpress's default)" },
};

/* Column sums of the chunked non-causal attention of Q over K (n rows). */
static int
chunked_attention (double *A, const double *Q, const double *K, size_t n, size_t d,
                   size_t chunk)
{
  double *row = malloc ((chunk < n ? chunk : n) * sizeof *row);
  if (row == NULL)
    return VARLB_ENOMEM;
  for (size_t t = 0; t < n; t++)
    A[t] = 0.0;
  for (size_t a = 0; a < n; a += chunk)
    {
      size_t m = a + chunk < n ? chunk : n - a;
      for (size_t i = a; i < a + m; i++)
        {
          cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) m, (int) d, 1.0, K + a * d, (int) d,
                       Q + i * d, 1, 0.0, row, 1);
          cc_softmax (row, m);
          for (size_t t = 0; t < m; t++)
            A[a + t] += row[t];
        }
    }
  free (row);
  return VARLB_OK;
}

static int
score (EVICT_SCORE_PARAMS)
{
  size_t left = (size_t) cc_knob_double (self, kn, "sink_size_start");
  size_t right = (size_t) cc_knob_double (self, kn, "sink_size_end");
  size_t chunk = (size_t) cc_knob_double (self, kn, "chunk_size");
  double blend = cc_knob_double (self, kn, "blending");
  if (blend < 0)
    blend = T ? 1.0 - (double) k / (double) T : 0.0;
  left = left < T ? left : T;
  right = right < T - left ? right : T - left;
  size_t n = T - left - right;
  for (size_t t = 0; t < T; t++)
    s[t] = 0.0;
  if (n == 0)
    return VARLB_OK; /* every token is a sink */
  const double *Km = K + left * d, *Vm = V + left * dv;
  double *lev = malloc (n * sizeof *lev), *att = malloc (n * sizeof *att);
  double *Q = malloc (n * d * sizeof *Q);
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  int st = (lev && att && Q && r) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = evict_leverage_scores (lev, Km, n, d, (size_t) cc_knob_double (self, kn, "sketch_dimension"), r);
  if (st == VARLB_OK)
    st = cc_observed_queries (Q, n, d, cc_knob_double (self, kn, "temperature"), seed);
  if (st == VARLB_OK)
    st = chunked_attention (att, Q, Km, n, d, chunk);
  if (st == VARLB_OK)
    {
      cc_zscore (lev, n);
      for (size_t t = 0; t < n; t++)
        att[t] *= cblas_dnrm2 ((int) dv, Vm + t * dv, 1);
      cc_pool1d (Q, att, n, 3, 0); /* Q is free now: the pooled scores */
      cc_zscore (Q, n);
      double top = 0.0;
      for (size_t t = 0; t < n; t++)
        {
          s[left + t] = blend * lev[t] + Q[t];
          top = t == 0 || s[left + t] > top ? s[left + t] : top;
        }
      for (size_t t = 0; t < left; t++)
        s[t] = top;
      for (size_t t = T - right; t < T; t++)
        s[t] = top;
    }
  free (lev), free (att), free (Q);
  if (r)
    gsl_rng_free (r);
  return st;
}

EVICT_SCORER_PRESS (compactor,
                    "Compactor (arXiv 2507.08143): key leverage blended with chunked non-causal attention of observed queries times ||v||",
                    score);
