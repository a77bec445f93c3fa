/* frontier.c -- the achieved side of the Fano frontier, shared by varlb
 * plot and varlb report: ratedist's accuracy against bits charged / N
 * (proofs/achievability.md), measured in the data or, when the data hold
 * none below N, the reference measured on the default instance. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"

/* ratedist (bench/ratedist.sh) measured on the default instance (256px,
   d = 64, seed 1, default knobs): bits charged / N and accuracy.  Drawn when
   the data hold no ratedist row below N. */
static const double ratedist_reference[][2] = {
  { 0.009729, 0.552587 }, { 0.019752, 0.578383 }, { 0.049823, 0.626585 },
  { 0.099941, 0.679282 }, { 0.149764, 0.719634 }, { 0.199882, 0.752948 },
  { 0.250000, 0.780771 }, { 0.299823, 0.806051 }, { 0.399764, 0.849462 },
  { 0.500000, 0.885540 }, { 0.599941, 0.916863 }, { 0.699882, 0.943580 },
  { 0.750000, 0.955299 }, { 0.799823, 0.966244 }, { 0.899764, 0.985149 },
  { 0.949882, 0.992667 }, { 0.979953, 0.997162 }, { 0.989976, 0.998563 },
};

int
varlb__is_ratedist (const char *spec)
{
  return strncmp (spec, "ratedist", 8) == 0 && (spec[8] == '\0' || spec[8] == ':');
}

static int
cmp_x (const void *a, const void *b)
{
  const double *p = a, *q = b;
  return p[0] < q[0] ? -1 : p[0] > q[0];
}

size_t
varlb__frontier_gaps (double (**pts)[2], const double *x, const double *y, size_t n,
                      int *from_data)
{
  size_t k = 0, nref = sizeof ratedist_reference / sizeof *ratedist_reference;
  double (*p)[2] = malloc ((n + nref + 2) * sizeof *p);
  *pts = p;
  if (p == NULL)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (x[i] > 0 && x[i] < 1 && isfinite (y[i]))
      p[k][0] = x[i], p[k][1] = varlb_fano_ceiling (x[i] * 1e6, 1e6) - y[i], k++;
  *from_data = k > 0;
  if (k == 0)
    for (; k < nref; k++)
      {
        p[k][0] = ratedist_reference[k][0];
        p[k][1] = varlb_fano_ceiling (p[k][0] * 1e6, 1e6) - ratedist_reference[k][1];
      }
  p[k][0] = 0, p[k][1] = 0, k++;
  p[k][0] = 1, p[k][1] = 0, k++;
  qsort (p, k, sizeof *p, cmp_x);
  return k;
}

/* The ceiling less the gap linearly interpolated between the points, so the
   curve keeps the ceiling's shape between sparse budgets. */
double
varlb__frontier_at (double x, double (*p)[2], size_t n)
{
  double ceil = varlb_fano_ceiling (x * 1e6, 1e6);
  if (x >= 1 || n < 2)
    return ceil;
  size_t i = 1;
  while (i < n - 1 && p[i][0] < x)
    i++;
  double w = p[i][0] > p[i - 1][0] ? (x - p[i - 1][0]) / (p[i][0] - p[i - 1][0]) : 1;
  return ceil - (p[i - 1][1] + w * (p[i][1] - p[i - 1][1]));
}
