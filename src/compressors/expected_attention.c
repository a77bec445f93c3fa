/* expected_attention.c -- Expected Attention (arXiv 2510.00636, kvpress
 * ExpectedAttentionPress): model the future queries as a Gaussian with the
 * mean mu and covariance S of the observed queries (public seed, never
 * Bob's), score each key by its expected attention
 * softmax_t(<k_t, mu> + k_t^T S k_t / 2) -- exact for Gaussian queries, as
 * E exp<q,k> = exp(<mu,k> + k^T S k / 2) -- rescaled by (score + epsilon)
 * ||v_t||, first n_sink tokens always kept.  VAR has no RoPE and no 1/sqrt(d)
 * (the queries carry the temperature), so kvpress's averaged rotation and
 * its 1/sqrt(d), 1/d factors drop out. */
#include <config.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  { "n_sink", VARLB_KNOB_INT, "4", 0, 1e9, "first tokens always kept (attention sinks)" },
  { "use_covariance", VARLB_KNOB_INT, "1", 0, 1, "1: add the query covariance term k^T S k / 2" },
  { "use_vnorm", VARLB_KNOB_INT, "1", 0, 1, "1: rescale by the value norm, (score + epsilon) ||v||" },
  { "epsilon", VARLB_KNOB_DOUBLE, "0", 0, 1e9, "added to the scores before the value-norm rescaling" },
};

static int
score (EVICT_SCORE_PARAMS)
{
  size_t n = (size_t) cc_knob_double (self, kn, "queries");
  size_t sinks = (size_t) cc_knob_double (self, kn, "n_sink");
  int cov = cc_knob_double (self, kn, "use_covariance") != 0;
  int vnorm = cc_knob_double (self, kn, "use_vnorm") != 0;
  double eps = cc_knob_double (self, kn, "epsilon");
  if (sinks > T)
    sinks = T;
  double *Q = malloc (n * d * sizeof *Q), *mu = calloc (d, sizeof *mu);
  double *S = calloc (d * d, sizeof *S), *Sk = malloc (d * sizeof *Sk);
  int st = (Q && mu && S && Sk) ? cc_observed_queries (Q, n, d,
                                                      cc_knob_double (self, kn, "temperature"),
                                                      seed)
                                : VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    cblas_daxpy ((int) d, 1.0 / (double) n, Q + i * d, 1, mu, 1);
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      cblas_daxpy ((int) d, -1.0, mu, 1, Q + i * d, 1); /* centre */
      cblas_dsyr (CblasRowMajor, CblasUpper, (int) d, 1.0 / (double) n, Q + i * d, 1, S,
                  (int) d);
    }
  size_t m = T - sinks;
  for (size_t t = sinks; st == VARLB_OK && t < T; t++)
    {
      const double *kt = K + t * d;
      s[t] = cblas_ddot ((int) d, kt, 1, mu, 1);
      if (cov)
        {
          cblas_dsymv (CblasRowMajor, CblasUpper, (int) d, 1.0, S, (int) d, kt, 1, 0.0, Sk, 1);
          s[t] += 0.5 * cblas_ddot ((int) d, kt, 1, Sk, 1);
        }
    }
  if (st == VARLB_OK)
    cc_softmax (s + sinks, m);
  double top = 0.0;
  for (size_t t = sinks; st == VARLB_OK && t < T; t++)
    {
      if (vnorm)
        s[t] = (s[t] + eps) * cblas_dnrm2 ((int) dv, V + t * dv, 1);
      top = t == sinks || s[t] > top ? s[t] : top;
    }
  for (size_t t = 0; t < sinks; t++)
    s[t] = top + 1.0; /* kvpress pads the sinks with max + 1 */
  free (Q), free (mu), free (S), free (Sk);
  return st;
}

EVICT_SCORER_PRESS (expected_attention,
                    "Expected Attention (arXiv 2510.00636): expected attention of Gaussian future queries fitted to observed ones, times ||v||",
                    score);
