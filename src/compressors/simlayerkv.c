/* simlayerkv.c -- SimLayerKV (arXiv 2410.13846) on a whole model: a layer
 * whose last observed queries (public seed, never Bob's) put more than
 * THRESHOLD of their attention, averaged over its heads, on the initial and
 * recent tokens is lazy and keeps only those (kvpress SimLayerKVPress);
 * the others keep everything.  When that does not fit the budget the
 * laziest remaining layers turn lazy too, and lazy windows share what is
 * left (so a large budget makes every layer whole again). */
#include <config.h>
#include <stdlib.h>
#include "alloc.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  { "queries", VARLB_KNOB_INT, "1", 1, 4096, "last observed queries measuring laziness (kvpress n_last)" },
  EVICT_TEMPERATURE_KNOB,
  { "threshold", VARLB_KNOB_DOUBLE, "0.9", 0, 1, "lazy when this much attention is on initial + recent (Llama3: 0.9)" },
  { "initial", VARLB_KNOB_INT, "4", 0, 1000000, "initial tokens a lazy layer keeps" },
  { "recent", VARLB_KNOB_INT, "1024", 0, 1000000, "recent tokens a lazy layer keeps" },
};

static int
plan (size_t *count, size_t *keep, size_t total, const alloc_ctx_t *c)
{
  size_t T = c->T, H = c->H, L = c->L;
  size_t init = (size_t) cc_knob_double (c->self, c->kn, "initial");
  size_t recent = (size_t) cc_knob_double (c->self, c->kn, "recent");
  size_t ends = init + recent < T ? init + recent : T;
  double thr = cc_knob_double (c->self, c->kn, "threshold");
  double *s = malloc (T * sizeof *s);
  cc_scored_t *z = malloc (L * sizeof *z);
  unsigned char *lazy = calloc (L, 1);
  size_t *part = malloc (c->n * sizeof *part);
  int st = s && z && lazy && part ? VARLB_OK : VARLB_ENOMEM;
  for (size_t l = 0; st == VARLB_OK && l < L; l++)
    {
      double m = 0.0;
      for (size_t h = 0; st == VARLB_OK && h < H; h++)
        if ((st = alloc_observed (s, c, l * H + h)) == VARLB_OK)
          m += alloc_mass_ends (s, T, init, recent) / (double) H;
      z[l] = (cc_scored_t) { m, l };
    }
  if (st == VARLB_OK)
    {
      qsort (z, L, sizeof *z, cc_by_score_desc);
      size_t nl = 0;
      while (nl < L && z[nl].s > thr)
        lazy[z[nl++].i] = 1;
      while (nl < L && (L - nl) * H * T + nl * H * ends > total)
        lazy[z[nl++].i] = 1;
      size_t rest = total > (L - nl) * H * T ? total - (L - nl) * H * T : 0;
      alloc_split (part, nl * H, rest, NULL, T);
      for (size_t l = 0, k = 0; l < L; l++)
        for (size_t h = 0; h < H; h++)
          {
            size_t i = l * H + h;
            count[i] = lazy[l] ? part[k++] : T;
            alloc_keep_ends (keep + i * T, count[i], lazy[l] ? init : T, T);
          }
    }
  free (s), free (z), free (lazy), free (part);
  return st;
}

ALLOC_COMPRESSOR (simlayerkv, "SimLayerKV: lazy layers (attention on initial + recent) keep only those, the others everything", plan);
