/* dms.c -- DMS, Dynamic Memory Sparsification (arXiv 2506.05345), in
 * kvpress's DMSPress form (dense prefill, no trained evictor): evict every
 * token whose scorer-press score falls below a threshold, except the newest
 * sliding_window_size tokens.  How many survive depends on the cache, not
 * on the budget: the blob is as small as the survivors allow, and when they
 * exceed the budget the window (newest first) and then the best scores fill
 * it.  The default scorer is KVzip, which KVzap (DMS's usual partner in
 * kvpress) approximates; KVzip scores are attention weights in [0, 1]. */
#include <config.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  EVICT_PRESS_KNOB ("kvzip"),
  { "threshold", VARLB_KNOB_DOUBLE, "0.5", -1e300, 1e300, "tokens scoring below it are evicted" },
  { "sliding_window_size", VARLB_KNOB_INT, "128", 0, 1e9, "newest tokens never evicted" },
};

static int
select_threshold (EVICT_SELECT_PARAMS)
{
  double thr = cc_knob_double (self, kn, "threshold");
  size_t w = (size_t) cc_knob_double (self, kn, "sliding_window_size");
  double *s = malloc ((T ? T : 1) * sizeof *s);
  size_t *order = malloc ((T ? T : 1) * sizeof *order);
  int st = s && order ? evict_press_scores (s, k, K, V, T, d, dv, seed, self, kn, pyramid)
                      : VARLB_ENOMEM;
  unsigned char *take = calloc (T ? T : 1, 1);
  if (st == VARLB_OK && take == NULL)
    st = VARLB_ENOMEM;
  if (w > T)
    w = T;
  size_t n = 0;
  /* the window first, newest first, then the survivors, best first */
  for (size_t t = T; st == VARLB_OK && t-- > T - w && n < k;)
    take[t] = 1, n++;
  if (st == VARLB_OK)
    st = cc_rank_desc (order, s, T);
  for (size_t i = 0; st == VARLB_OK && i < T && n < k; i++)
    if (!take[order[i]] && s[order[i]] >= thr)
      take[order[i]] = 1, n++;
  *kept = 0;
  for (size_t t = 0; st == VARLB_OK && t < T; t++)
    if (take[t])
      keep[(*kept)++] = t;
  free (take);
  free (s), free (order);
  return st;
}

EVICT_COMPRESSOR (dms,
                  "DMS (arXiv 2506.05345): threshold eviction, tokens scoring under the threshold dropped, a window of the newest kept",
                  evict_select_compress, select_threshold);
