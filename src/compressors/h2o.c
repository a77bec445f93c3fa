/* h2o.c -- H2O heavy hitters (arXiv 2306.14048): keep a recent window plus
 * the tokens with the largest attention accumulated over observed queries
 * (drawn from the public seed, never Bob's). */
#include <config.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  { "recent", VARLB_KNOB_DOUBLE, "0.5", 0, 1, "fraction of the kept tokens taken as the recent window" },
};

static size_t
choose (EVICT_CHOOSE_PARAMS)
{
  size_t recent = (size_t) (cc_knob_double (self, kn, "recent") * (double) k);
  size_t heavy = k - recent, rest = T - recent;
  double *scores = malloc ((T ? T : 1) * sizeof *scores);
  if (scores == NULL
      || cc_observed_scores (scores, K, rest, d,
                             (size_t) cc_knob_double (self, kn, "queries"),
                             cc_knob_double (self, kn, "temperature"), seed,
                             CC_OBS_SUM) != VARLB_OK)
    {
      free (scores);
      return 0;
    }
  cc_top_k (keep, heavy, scores, rest);
  for (size_t t = rest; t < T; t++)
    keep[heavy++] = t;
  free (scores);
  return k;
}

EVICT_COMPRESSOR (h2o, "H2O: recent window plus heavy hitters by attention accumulated over observed queries",
                  evict_compress, choose);
