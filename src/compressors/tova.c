/* tova.c -- TOVA (arXiv 2401.06104): keep the tokens with the largest
 * attention from the last observed query (public seed, never Bob's). */
#include <config.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = { EVICT_COMMON_KNOBS };

static int
score (EVICT_SCORE_PARAMS)
{
  return cc_observed_scores (s, K, T, d, (size_t) cc_knob_double (self, kn, "queries"),
                             cc_knob_double (self, kn, "temperature"), seed, CC_OBS_LAST);
}

EVICT_SCORER_PRESS (tova, "TOVA: keep the tokens the last observed query attends to most", score);
