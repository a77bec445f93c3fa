/* adakv.c -- AdaKV (arXiv 2407.11550) on a whole model: each layer's budget
 * (an even share) goes to the top press scores across all its heads, so a
 * head whose attention concentrates keeps fewer tokens; each head first
 * keeps alpha of an even share (kvpress AdaKVPress's alpha_safeguard). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include "alloc.h"

static const varlb_knob_t knobs[] = {
  ALLOC_COMMON_KNOBS,
  { "alpha", VARLB_KNOB_DOUBLE, "0.2", 0, 1, "safeguard: each head keeps at least this fraction of an even share" },
};

typedef struct entry { double s; size_t h, t; } entry_t;

static int
cmp_entry (const void *a, const void *b)
{
  const entry_t *x = a, *y = b;
  if (x->s != y->s)
    return x->s > y->s ? -1 : 1;
  return x->h != y->h ? (x->h < y->h ? -1 : 1) : (x->t < y->t ? -1 : x->t > y->t);
}

static int
plan (size_t *count, size_t *keep, size_t total, const alloc_ctx_t *c)
{
  size_t H = c->H, T = c->T;
  size_t *layer = malloc (c->L * sizeof *layer);
  entry_t *e = malloc (H * T * sizeof *e);
  double *s = malloc (T * sizeof *s);
  size_t *top = malloc (T * sizeof *top);
  int st = layer && e && s && top ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    alloc_split (layer, c->L, total, NULL, H * T);
  for (size_t l = 0; st == VARLB_OK && l < c->L; l++)
    {
      size_t share = layer[l] / H;
      size_t safe = (size_t) floor ((double) share * cc_knob_double (c->self, c->kn, "alpha"));
      for (size_t h = 0; st == VARLB_OK && h < H; h++)
        {
          size_t i = l * H + h;
          st = alloc_press_scores (s, c, i, share);
          /* The safeguard: each head's own top SAFE tokens come first. */
          cc_top_k (top, safe, s, T);
          for (size_t t = 0; t < T; t++)
            e[h * T + t] = (entry_t) { s[t], h, t };
          for (size_t k = 0; k < safe && k < T; k++)
            e[h * T + top[k]].s = INFINITY;
        }
      if (st != VARLB_OK)
        break;
      qsort (e, H * T, sizeof *e, cmp_entry);
      for (size_t h = 0; h < H; h++)
        count[l * H + h] = 0;
      for (size_t k = 0; k < layer[l]; k++)
        {
          size_t i = l * H + e[k].h;
          keep[i * T + count[i]++] = e[k].t;
        }
      for (size_t h = 0; h < H; h++)
        evict_sort (keep + (l * H + h) * T, count[l * H + h]);
    }
  free (layer), free (e), free (s), free (top);
  return st;
}

ALLOC_COMPRESSOR (adakv, "AdaKV: each layer's budget to the top press scores across its heads, with a per-head safeguard", plan);
