/* kvzip.c -- KVzip (arXiv 2505.23416, kvpress KVzipPress): score each token
 * by how much the model needs it to reconstruct the context.  KVzip feeds
 * "repeat the previous context" and records, for every cached token, the
 * largest attention any reconstruction query pays it.  Here the query that
 * reproduces token t is the cache's own probe, temperature x k_t (computed
 * from the cache, not from Bob); context chunks of chunk_size tokens are
 * reconstructed in turn, each query attending to the sinks, the chunk's
 * original keys and the repeated keys already produced (chunk tokens before
 * t).  The first n_sink tokens score 1.  kvzip_plus_normalization weights
 * each column by ||v_t|| (KVzip+ uses ||W_o v_t||; one head has no W_o). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  { "temperature", VARLB_KNOB_DOUBLE, "16", 0, 100,
    "scale of the reconstruction probes temperature x k_t (VAR caps it at 100)" },
  { "n_sink", VARLB_KNOB_INT, "4", 0, 1e9, "first tokens always kept (attention sinks)" },
  { "chunk_size", VARLB_KNOB_INT, "2048", 1, 1e9, "context tokens reconstructed per pass" },
  { "kvzip_plus_normalization", VARLB_KNOB_INT, "0", 0, 1, "1: KVzip+, weight by ||v_t||" },
};

static int
score (EVICT_SCORE_PARAMS)
{
  double temp = cc_knob_double (self, kn, "temperature");
  size_t sinks = (size_t) cc_knob_double (self, kn, "n_sink");
  size_t chunk = (size_t) cc_knob_double (self, kn, "chunk_size");
  int plus = cc_knob_double (self, kn, "kvzip_plus_normalization") != 0;
  if (chunk > T)
    chunk = T ? T : 1;
  /* logits of up to ROWS probes at a time: sinks, then the chunk */
  enum { ROWS = 128 };
  size_t cols = (sinks < T ? sinks : T) + chunk;
  double *L = malloc (ROWS * cols * sizeof *L), *vn = malloc ((T ? T : 1) * sizeof *vn);
  if (L == NULL || vn == NULL)
    {
      free (L), free (vn);
      return VARLB_ENOMEM;
    }
  for (size_t t = 0; t < T; t++)
    {
      s[t] = 0.0;
      vn[t] = plus ? cblas_dnrm2 ((int) dv, V + t * dv, 1) : 1.0;
    }
  for (size_t a = 0; a < T; a += chunk)
    {
      size_t m = a + chunk < T ? chunk : T - a, ns = sinks < a ? sinks : a;
      for (size_t b = 0; b < m; b += ROWS)
        {
          size_t rows = b + ROWS < m ? ROWS : m - b;
          const double *P = K + (a + b) * d; /* the probes' keys */
          if (ns)
            cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) ns, (int) d,
                         temp, P, (int) d, K, (int) d, 0.0, L, (int) cols);
          cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) m, (int) d,
                       temp, P, (int) d, K + a * d, (int) d, 0.0, L + ns, (int) cols);
          for (size_t r = 0; r < rows; r++)
            {
              size_t i = b + r; /* the probe reproducing chunk token i */
              double *l = L + r * cols, mx = l[0], z = 0.0;
              for (size_t j = 1; j < ns + m; j++)
                mx = l[j] > mx ? l[j] : mx;
              for (size_t j = 0; j < ns + m; j++)
                z += exp (l[j] - mx);
              /* the repeated keys of chunk tokens before i copy their logits */
              for (size_t j = 0; j < i; j++)
                z += exp (l[ns + j] - mx);
              for (size_t j = 0; j < m; j++)
                {
                  double w = exp (l[ns + j] - mx) / z * vn[a + j];
                  s[a + j] = w > s[a + j] ? w : s[a + j];
                }
            }
        }
    }
  for (size_t t = 0; t < sinks && t < T; t++)
    s[t] = 1.0;
  free (L), free (vn);
  return VARLB_OK;
}

EVICT_SCORER_PRESS (kvzip,
                    "KVzip (arXiv 2505.23416): keep the tokens the context reconstruction attends to most (max attention of self-probes)",
                    score);
