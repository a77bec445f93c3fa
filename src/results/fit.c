/* fit.c -- small readings of results shared by the CLI's summary and
 * scaling and the library's report and plots: the least-squares scaling
 * fit (GSL, floating point) and a verdict in a word. */
#include <config.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multifit.h>
#include "results.h"

/* The fit of results.h; also drawn by varlb plot (plot_scaling.c) and varlb
   report (report_scaling.c). */
int
varlb__scaling_fit (varlb__scaling_fit_t *f, const double *ln, const double *ld, const double *lb,
                    size_t m, int has_n, int has_d)
{
  memset (f, 0, sizeof *f);
  f->has_n = has_n, f->has_d = has_d;
  f->cols = 1 + (size_t) has_n + (size_t) has_d;
  f->points = m;
  if (m <= f->cols)
    return -1;
  gsl_matrix *X = gsl_matrix_alloc (m, f->cols), *cov = gsl_matrix_alloc (f->cols, f->cols);
  gsl_vector *y = gsl_vector_alloc (m), *c = gsl_vector_alloc (f->cols);
  gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc (m, f->cols);
  double chisq, mean = 0, tss = 0;
  for (size_t i = 0; i < m; i++)
    {
      size_t j = 0;
      gsl_matrix_set (X, i, j++, 1.0);
      if (has_n)
        gsl_matrix_set (X, i, j++, ln[i]);
      if (has_d)
        gsl_matrix_set (X, i, j++, ld[i]);
      gsl_vector_set (y, i, lb[i]);
      mean += lb[i] / m;
    }
  int st = gsl_multifit_linear (X, y, c, cov, &chisq, w);
  for (size_t i = 0; i < m; i++)
    tss += (lb[i] - mean) * (lb[i] - mean);
  double dof = (double) (m - f->cols), s2 = chisq / dof;
  double tq = gsl_cdf_tdist_Pinv (0.975, dof);
  for (size_t j = 0; j < f->cols; j++)
    {
      f->c[j] = gsl_vector_get (c, j);
      f->ci[j] = tq * sqrt (s2 * gsl_matrix_get (cov, j, j));
    }
  f->r2 = tss > 0 ? 1 - chisq / tss : NAN;
  gsl_multifit_linear_free (w);
  gsl_matrix_free (X), gsl_matrix_free (cov);
  gsl_vector_free (y), gsl_vector_free (c);
  return st == 0 ? 0 : -1;
}

/* summary's narrow table and the report's board say verdicts in a word. */
const char *
varlb__verdict_short (const char *v)
{
  static const struct { const char *full, *brief; } names[] = {
    { VARLB_VERDICT_FAILS, "fails" }, { VARLB_VERDICT_SUCCEEDS, "succeeds" },
    { VARLB_VERDICT_LOSSY, "lossy" }, { VARLB_VERDICT_IMPOSSIBLE, "IMPOSSIBLE" },
    { VARLB_VERDICT_ABOVE, "above" }, { VARLB_VERDICT_ERROR, "failed" } };
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp (v, names[i].full) == 0)
      return names[i].brief;
  return v;
}
