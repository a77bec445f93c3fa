/* random.c -- Random, kvpress's RandomPress baseline (no paper): every token
 * scored by a uniform coin of the public seed, the top k kept -- a uniform
 * sample of k tokens, the yardstick the scorer presses must beat. */
#include <config.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  { "seed", VARLB_KNOB_INT, "0", 0, 4294967295.0,
    "kvpress's seed, mixed into the public seed (the coins stay public)" },
};

static int
score (EVICT_SCORE_PARAMS)
{
  uint64_t knob = strtoull (cc_knob (self, kn, "seed"), NULL, 10);
  gsl_rng *r = varlb_rng_new (varlb_seed_mix (seed, knob), VARLB_STREAM_COMPRESSOR);
  if (r == NULL)
    return VARLB_ENOMEM;
  for (size_t t = 0; t < T; t++)
    s[t] = gsl_rng_uniform (r);
  gsl_rng_free (r);
  return VARLB_OK;
}

EVICT_SCORER_PRESS (random, "Random (kvpress RandomPress baseline, no paper): a uniform sample of the tokens from public coins", score);
