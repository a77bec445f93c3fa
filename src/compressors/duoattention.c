/* duoattention.c -- DuoAttention (arXiv 2410.10819) on a whole model:
 * retrieval heads keep the full cache, streaming heads only the sink and a
 * recent window.  Heads are classed as kvpress's on-the-fly scoring does:
 * the area under each head's cumulated observed attention (public seed,
 * never Bob's); the lowest are streaming, as many as the budget needs. */
#include <config.h>
#include <stdlib.h>
#include "alloc.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  { "sink", VARLB_KNOB_INT, "128", 0, 1000000, "sink tokens of a streaming head (kvpress on the fly: 128)" },
  { "recent", VARLB_KNOB_INT, "256", 0, 1000000, "recent window of a streaming head (kvpress on the fly: 256)" },
};

static int
plan (size_t *count, size_t *keep, size_t total, const alloc_ctx_t *c)
{
  size_t T = c->T, n = c->n;
  size_t sink = (size_t) cc_knob_double (c->self, c->kn, "sink");
  size_t ends = sink + (size_t) cc_knob_double (c->self, c->kn, "recent");
  ends = ends < T ? ends : T;
  double *s = malloc (T * sizeof *s);
  cc_scored_t *a = malloc (n * sizeof *a);
  size_t *stream = malloc (n * sizeof *stream), *part = malloc (n * sizeof *part);
  int st = s && a && stream && part ? VARLB_OK : VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      /* Mean over t of the cumulated attention up to t: sum_u a_u (T - u) / T. */
      double all = 0.0, area = 0.0;
      st = alloc_observed (s, c, i);
      for (size_t t = 0; st == VARLB_OK && t < T; t++)
        {
          all += s[t];
          area += s[t] * (double) (T - t) / (double) T;
        }
      a[i] = (cc_scored_t) { all > 0 ? area / all : 0.0, i };
    }
  if (st == VARLB_OK)
    {
      qsort (a, n, sizeof *a, cc_by_score_asc);
      /* The fewest streaming heads whose caches, beside full retrieval
         heads, fit; all streaming when none does. */
      size_t ns = 0;
      while (ns < n && (n - ns) * T + ns * ends > total)
        ns++;
      for (size_t i = 0; i < n; i++)
        count[i] = T;
      size_t rest = total > (n - ns) * T ? total - (n - ns) * T : 0;
      /* What the retrieval heads leave goes to the streaming ones' windows. */
      alloc_split (part, ns, rest, NULL, T);
      for (size_t k = 0; k < ns; k++)
        stream[a[k].i] = 1, count[a[k].i] = part[k];
      for (size_t k = ns; k < n; k++)
        stream[a[k].i] = 0;
      for (size_t i = 0; i < n; i++)
        alloc_keep_ends (keep + i * T, count[i], stream[i] ? sink : T, T);
    }
  free (s), free (a), free (stream), free (part);
  return st;
}

ALLOC_COMPRESSOR (duoattention, "DuoAttention: retrieval heads keep everything, streaming heads (lowest cumulated attention area) sink + recent", plan);
