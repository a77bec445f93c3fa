/* hack.c -- HACK-like head-aware budgets for VAR (arXiv 2504.09261; its code
 * could not be read, so this follows the paper's description, our design as
 * HACK, arXiv 2504.09261, suggests): heads whose observed attention
 * concentrates on few key columns are "contextual" and keep RATIO x the
 * budget of the "structural" ones; contextual heads keep their press's top
 * tokens, structural heads the newest ones (the scales next to the query's,
 * where a multi-diagonal pattern reads). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include "alloc.h"

static const varlb_knob_t knobs[] = {
  ALLOC_COMMON_KNOBS,
  { "contextual", VARLB_KNOB_DOUBLE, "0.5", 0, 1, "fraction of heads classed contextual (the most concentrated)" },
  { "ratio", VARLB_KNOB_DOUBLE, "2", 0.01, 100, "budget of a contextual head over a structural one" },
  { "top", VARLB_KNOB_DOUBLE, "0.1", 0.001, 1, "concentration: attention mass on this fraction of the keys" },
};

static int
plan (size_t *count, size_t *keep, size_t total, const alloc_ctx_t *c)
{
  size_t T = c->T, n = c->n;
  double *s = malloc (T * sizeof *s), *w = malloc (n * sizeof *w);
  size_t *order = malloc (T * sizeof *order);
  cc_scored_t *cs = malloc (n * sizeof *cs);
  unsigned char *contextual = calloc (n, 1);
  int st = s && w && order && cs && contextual ? VARLB_OK : VARLB_ENOMEM;
  size_t topk = (size_t) ceil (cc_knob_double (c->self, c->kn, "top") * (double) T);
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      st = alloc_observed (s, c, i);
      double all = 0.0, top = 0.0;
      if (st == VARLB_OK)
        st = cc_rank_desc (order, s, T);
      for (size_t t = 0; st == VARLB_OK && t < T; t++)
        {
          all += s[order[t]];
          top += t < topk ? s[order[t]] : 0.0;
        }
      cs[i] = (cc_scored_t) { all > 0 ? top / all : 0.0, i };
    }
  size_t ctx = (size_t) floor (cc_knob_double (c->self, c->kn, "contextual") * (double) n + 0.5);
  if (st == VARLB_OK)
    {
      qsort (cs, n, sizeof *cs, cc_by_score_desc);
      for (size_t k = 0; k < n; k++)
        {
          contextual[cs[k].i] = k < ctx;
          w[cs[k].i] = k < ctx ? cc_knob_double (c->self, c->kn, "ratio") : 1.0;
        }
      alloc_split (count, n, total, w, T);
    }
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    if (contextual[i])
      st = alloc_keep_top (keep + i * T, count[i], c, i);
    else
      alloc_keep_ends (keep + i * T, count[i], 0, T);
  free (s), free (w), free (order), free (cs), free (contextual);
  return st;
}

ALLOC_COMPRESSOR (hack, "HACK-like: contextual heads (concentrated attention) get ratio x the budget and keep top press tokens, structural heads the newest", plan);
