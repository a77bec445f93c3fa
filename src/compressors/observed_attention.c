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
  { "queries", VARLB_KNOB_INT, "0", 0, 65536,
    "observed queries spread over the token positions (0: one per token, as a prefill)" },
  EVICT_TEMPERATURE_KNOB,
};

static int
score (EVICT_SCORE_PARAMS)
{
  size_t n = (size_t) cc_knob_double (self, kn, "queries");
  if (n == 0)
    n = T;
  /* rows in blocks of up to ROWS queries that see the same keys */
  enum { ROWS = 64 };
  double *Q = malloc (n * d * sizeof *Q), *A = malloc (ROWS * T * sizeof *A);
  size_t *seen = calloc (T, sizeof *seen);
  int st = (Q && A && seen)
               ? cc_observed_queries (Q, n, d, cc_knob_double (self, kn, "temperature"), seed)
               : VARLB_ENOMEM;
  for (size_t t = 0; t < T; t++)
    s[t] = 0.0;
  for (size_t i = 0; st == VARLB_OK && i < n;)
    {
      /* positions before T see at most T keys: Alice's scales end at T */
      size_t end = cc_visible_end (pyramid, i * T / n), rows = 1;
      while (i + rows < n && rows < ROWS && cc_visible_end (pyramid, (i + rows) * T / n) == end)
        rows++;
      end = end < T ? end : T;
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) end, (int) d,
                   1.0, Q + i * d, (int) d, K, (int) d, 0.0, A, (int) end);
      for (size_t r = 0; r < rows; r++)
        {
          cc_softmax (A + r * end, end);
          for (size_t t = 0; t < end; t++)
            s[t] += A[r * end + t];
        }
      for (size_t t = 0; t < end; t++)
        seen[t] += rows;
      i += rows;
    }
  for (size_t t = 0; st == VARLB_OK && t < T; t++)
    s[t] = seen[t] ? s[t] / (double) seen[t] : 0.0;
  free (Q), free (A), free (seen);
  return st;
}

EVICT_SCORER_PRESS (observed_attention,
                    "Observed Attention (kvpress, after H2O arXiv 2306.14048): block-causal attention of observed prefill queries, averaged per key",
                    score);
