/* observed_attention.c -- Observed Attention (kvpress
 * ObservedAttentionPress, after H2O, arXiv 2306.14048): the attention each
 * key receives from every query of the prefill, summed, divided by the
 * number of queries that can see it.  Here the prefill queries are observed
 * queries (public seed, never Bob's), one per token position by default,
 * each attending under VAR's block-causal mask: a query at scale s sees the
 * keys of scales <= s, so early scales are averaged over many more rows. */
#include <config.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  { "queries", VARLB_KNOB_INT, "0", 0, 1e6,
    "observed queries spread over the token positions (0: one per token, as a prefill)" },
  { "temperature", VARLB_KNOB_DOUBLE, "16", 0, 100,
    "scale of the observed unit queries (VAR caps it at 100)" },
};

static int
score (double *s, size_t k, const double *K, const double *V, size_t T,
       size_t d, size_t dv, uint64_t seed, const varlb_compressor_t *self,
       const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  size_t n = (size_t) cc_knob_double (self, kn, "queries");
  if (n == 0)
    n = T;
  double *Q = malloc (n * d * sizeof *Q), *row = malloc (T * sizeof *row);
  size_t *seen = calloc (T, sizeof *seen);
  int st = (Q && row && seen)
               ? cc_observed_queries (Q, n, d, cc_knob_double (self, kn, "temperature"), seed)
               : VARLB_ENOMEM;
  for (size_t t = 0; t < T; t++)
    s[t] = 0.0;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      size_t pos = i * T / n, end = cc_visible_end (pyramid, pos);
      if (end > T)
        end = T;
      cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) end, (int) d, 1.0, K, (int) d,
                   Q + i * d, 1, 0.0, row, 1);
      cc_softmax (row, end);
      for (size_t t = 0; t < end; t++)
        {
          s[t] += row[t];
          seen[t]++;
        }
    }
  for (size_t t = 0; st == VARLB_OK && t < T; t++)
    s[t] = seen[t] ? s[t] / (double) seen[t] : 0.0;
  free (Q), free (row), free (seen);
  return st;
}

EVICT_SCORER_PRESS (observed_attention,
                    "Observed Attention (kvpress, after H2O arXiv 2306.14048): block-causal attention of observed prefill queries, averaged per key",
                    score);
