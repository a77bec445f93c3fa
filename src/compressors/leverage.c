/* leverage.c -- LeverageScore (arXiv 2507.08143, kvpress
 * LeverageScorePress): keep the outliers of the key space, by the
 * statistical leverage of each centred key, approximated through a right
 * Gaussian sketch of sketch_dimension columns (public coins) and a Cholesky
 * solve, then z-normalised.  Query-free. */
#include <config.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  { "sketch_dimension", VARLB_KNOB_INT, "48", 1, 4096, "columns of the Gaussian sketch (public coins)" },
};

static int
score (EVICT_SCORE_PARAMS)
{
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  if (r == NULL)
    return VARLB_ENOMEM;
  int st = evict_leverage_scores (s, K, T, d, (size_t) cc_knob_double (self, kn, "sketch_dimension"), r);
  gsl_rng_free (r);
  if (st == VARLB_OK)
    cc_zscore (s, T);
  return st;
}

EVICT_SCORER_PRESS (leverage,
                    "LeverageScore (arXiv 2507.08143): keep the keys of largest approximate statistical leverage (sketched)",
                    score);
