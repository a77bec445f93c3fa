/* keydiff.c -- KeyDiff (arXiv 2504.15364, kvpress KeyDiffPress): evict the
 * tokens whose keys are most similar (cosine) to the anchor, the mean of the
 * normalised keys; keep the most distinctive keys.  Query-free. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include "evict.h"

static const varlb_knob_t knobs[] = { EVICT_BITS_KNOB };

static int
score (EVICT_SCORE_PARAMS)
{
  double *anchor = calloc (d ? d : 1, sizeof *anchor);
  if (anchor == NULL)
    return VARLB_ENOMEM;
  for (size_t t = 0; t < T; t++)
    {
      double n = cblas_dnrm2 ((int) d, K + t * d, 1);
      for (size_t j = 0; n > 0 && j < d; j++)
        anchor[j] += K[t * d + j] / n / (double) T;
    }
  double na = cblas_dnrm2 ((int) d, anchor, 1);
  for (size_t t = 0; t < T; t++)
    {
      double n = cblas_dnrm2 ((int) d, K + t * d, 1);
      double dot = cblas_ddot ((int) d, K + t * d, 1, anchor, 1);
      /* a zero key or anchor has cosine 0 (torch clamps the norms) */
      s[t] = n > 0 && na > 0 ? -dot / (n * na) : 0.0;
    }
  free (anchor);
  return VARLB_OK;
}

EVICT_SCORER_PRESS (keydiff, "KeyDiff (arXiv 2504.15364): keep the keys least similar to the mean key direction", score);
