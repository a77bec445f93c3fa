/* streamingllm.c -- StreamingLLM (arXiv 2309.17453): keep the first tokens
 * (attention sinks; in VAR the 1x1 class token and the first scales) and the
 * newest tokens (the window: the latest scales); evict the middle. */
#include <config.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  { "sinks", VARLB_KNOB_INT, "4", 0, 1e9, "tokens kept from the start (sinks)" },
};

/* kvpress's scoring: 1 everywhere but the n_pruned tokens after the sinks,
   so the top k are the sinks and the newest k - sinks (the first k when the
   sinks alone fill the budget). */
static int
score (EVICT_SCORE_PARAMS)
{
  size_t sinks = (size_t) cc_knob_double (self, kn, "sinks"), pruned = T - k;
  for (size_t t = 0; t < T; t++)
    s[t] = t >= sinks && t - sinks < pruned ? 0.0 : 1.0;
  return VARLB_OK;
}

EVICT_SCORER_PRESS (streamingllm,
                    "StreamingLLM: attention sinks (first tokens/scales) plus a window of the newest scales",
                    score);
