/* finch.c -- FINCH (TACL 2024, arXiv 2408.00167, kvpress FinchPress):
 * SnapKV's observation window, where the window is the prompt that follows
 * the context: here the last window_size cached tokens, whose queries are
 * observed ones (public seed, never Bob's) attending under VAR's
 * block-causal mask.  Each window row's attention on the context is
 * multiplied by the number of keys that row sees (normalize_scores: rows
 * with more keys are not diluted), averaged over the rows; the window is
 * always kept, and with chunk_length the context is compressed chunk by
 * chunk at the same ratio.  No RoPE, so no key re-rotation. */
#include <config.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  EVICT_TEMPERATURE_KNOB,
  { "window_size", VARLB_KNOB_INT, "32", 1, 1e9, "newest tokens forming the prompt window (always kept)" },
  { "chunk_length", VARLB_KNOB_INT, "0", 0, 1e9, "compress the context per chunk of this length (0: at once)" },
  { "normalize_scores", VARLB_KNOB_INT, "1", 0, 1, "1: weigh each window row by the keys it sees" },
};

/* Mean over the W window rows (positions T-W..T-1) of their block-causal
   attention on the context keys 0..T-W-1, row r weighted by its key count
   when NORMALIZE. */
static int
window_scores (double *s, const double *K, size_t T, size_t d, size_t w,
               double temp, int normalize, uint64_t seed, const varlb_pyramid_t *py)
{
  double *Q = malloc (w * d * sizeof *Q), *row = malloc (T * sizeof *row);
  int st = Q && row ? cc_observed_queries (Q, w, d, temp, seed) : VARLB_ENOMEM;
  for (size_t t = 0; t < T; t++)
    s[t] = 0.0;
  for (size_t i = 0; st == VARLB_OK && i < w; i++)
    {
      size_t end = cc_visible_end (py, T - w + i);
      end = end < T ? end : T;
      cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) end, (int) d, 1.0, K, (int) d,
                   Q + i * d, 1, 0.0, row, 1);
      cc_softmax (row, end);
      for (size_t t = 0; t < T - w; t++)
        s[t] += row[t] * (normalize ? (double) end : 1.0) / (double) w;
    }
  free (Q), free (row);
  return st;
}

static int
select_finch (EVICT_SELECT_PARAMS)
{
  size_t w = (size_t) cc_knob_double (self, kn, "window_size");
  size_t chunk = (size_t) cc_knob_double (self, kn, "chunk_length");
  w = w < T ? w : T;
  double *s = malloc ((T ? T : 1) * sizeof *s);
  size_t *tmp = malloc ((T ? T : 1) * sizeof *tmp);
  int st = s && tmp ? window_scores (s, K, T, d, w, cc_knob_double (self, kn, "temperature"),
                                     cc_knob_double (self, kn, "normalize_scores") != 0, seed,
                                     pyramid)
                    : VARLB_ENOMEM;
  *kept = 0;
  if (st != VARLB_OK)
    goto done;
  if (k <= w)
    {
      /* the budget holds no more than the window: its newest tokens */
      for (size_t t = T - k; t < T; t++)
        keep[(*kept)++] = t;
      goto done;
    }
  size_t ctx = T - w, room = k - w;
  if (chunk == 0 || chunk >= ctx)
    chunk = ctx ? ctx : 1;
  /* each chunk keeps its share of the room, rounded down; the slots that
     rounding leaves go one per chunk, in order */
  size_t chunks = (ctx + chunk - 1) / chunk, left = room;
  size_t *quota = malloc ((chunks ? chunks : 1) * sizeof *quota);
  if (quota == NULL)
    {
      st = VARLB_ENOMEM;
      goto done;
    }
  for (size_t c = 0; c < chunks; c++)
    {
      size_t len = (c + 1) * chunk < ctx ? chunk : ctx - c * chunk;
      quota[c] = (size_t) ((double) len * (double) room / (double) ctx);
      left -= quota[c];
    }
  for (size_t c = 0; left > 0; c = (c + 1) % chunks)
    {
      size_t len = (c + 1) * chunk < ctx ? chunk : ctx - c * chunk;
      if (quota[c] < len)
        quota[c]++, left--;
    }
  for (size_t c = 0; c < chunks; c++)
    {
      size_t a = c * chunk, len = a + chunk < ctx ? chunk : ctx - a;
      cc_top_k (tmp, quota[c], s + a, len);
      for (size_t i = 0; i < quota[c]; i++)
        keep[(*kept)++] = a + tmp[i];
    }
  free (quota);
  for (size_t t = ctx; t < T; t++)
    keep[(*kept)++] = t;
done:
  free (s), free (tmp);
  return st;
}

EVICT_COMPRESSOR (finch,
                  "FINCH (arXiv 2408.00167): SnapKV-style window attention on the newest tokens, normalised per row, chunked; window kept",
                  evict_select_compress, select_finch);
