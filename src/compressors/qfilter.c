/* qfilter.c -- Q-Filters (arXiv 2503.02812, kvpress QFilterPress): the
 * queries of a head share one favoured direction u (the principal right
 * singular vector of the query matrix, oriented so the mean query projects
 * positively), and E_q <q, k> ~ kappa <k, u>; keep the keys with the
 * largest projection on u.  The filter is fitted on observed queries
 * (public seed, never Bob's) where the paper fits it on calibration text;
 * kvpress stores the opposite orientation and scores -<filter, k>, the same
 * ranking. */
#include <config.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  { "queries", VARLB_KNOB_INT, "256", 1, 65536,
    "observed queries (public seed, never Bob's) the filter is fitted on" },
  EVICT_TEMPERATURE_KNOB,
};

static int
score (EVICT_SCORE_PARAMS)
{
  size_t n = (size_t) cc_knob_double (self, kn, "queries");
  double *Q = malloc (n * d * sizeof *Q), *mean = calloc (d, sizeof *mean);
  gsl_matrix *G = gsl_matrix_calloc (d, d), *U = gsl_matrix_alloc (d, d);
  gsl_vector *ev = gsl_vector_alloc (d);
  gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc (d);
  int st = (Q && mean && G && U && ev && w)
               ? cc_observed_queries (Q, n, d, cc_knob_double (self, kn, "temperature"), seed)
               : VARLB_ENOMEM;
  if (st == VARLB_OK)
    {
      /* Q^T Q: its top eigenvector is Q's first right singular vector */
      cblas_dsyrk (CblasRowMajor, CblasLower, CblasTrans, (int) d, (int) n, 1.0, Q, (int) d,
                   0.0, G->data, (int) G->tda);
      for (size_t i = 0; i < d; i++)
        for (size_t j = i + 1; j < d; j++)
          gsl_matrix_set (G, i, j, gsl_matrix_get (G, j, i));
      if (gsl_eigen_symmv (G, ev, U, w) != 0
          || gsl_eigen_symmv_sort (ev, U, GSL_EIGEN_SORT_VAL_DESC) != 0)
        st = VARLB_ENUMERIC;
    }
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    cblas_daxpy ((int) d, 1.0, Q + i * d, 1, mean, 1);
  if (st == VARLB_OK)
    {
      gsl_vector_view u = gsl_matrix_column (U, 0);
      double side = cblas_ddot ((int) d, mean, 1, u.vector.data, (int) u.vector.stride);
      for (size_t t = 0; t < T; t++)
        s[t] = (side < 0 ? -1.0 : 1.0)
               * cblas_ddot ((int) d, K + t * d, 1, u.vector.data, (int) u.vector.stride);
    }
  free (Q), free (mean);
  if (G)
    gsl_matrix_free (G);
  if (U)
    gsl_matrix_free (U);
  if (ev)
    gsl_vector_free (ev);
  if (w)
    gsl_eigen_symmv_free (w);
  return st;
}

EVICT_SCORER_PRESS (qfilter,
                    "Q-Filters (arXiv 2503.02812): keep the keys projecting most on the principal direction of observed queries",
                    score);
