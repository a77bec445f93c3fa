/* knorm.c -- Knorm (arXiv 2406.11430, kvpress KnormPress): keep the tokens
 * whose keys have the smallest L2 norm, the paper's observation that
 * low-norm keys draw high attention.  Needs no query at all. */
#include <config.h>
#include <gsl/gsl_cblas.h>
#include "evict.h"

static const varlb_knob_t knobs[] = { EVICT_BITS_KNOB };

static int
score (EVICT_SCORE_PARAMS)
{
  for (size_t t = 0; t < T; t++)
    s[t] = -cblas_dnrm2 ((int) d, K + t * d, 1);
  return VARLB_OK;
}

EVICT_SCORER_PRESS (knorm, "Knorm (arXiv 2406.11430): keep the keys of smallest L2 norm", score);
