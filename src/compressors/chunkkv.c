/* chunkkv.c -- ChunkKV (arXiv 2502.00299, kvpress ChunkKVPress): keep whole
 * chunks of chunk_length consecutive tokens, those whose mean score under a
 * scorer press is highest, so kept tokens come with their neighbourhood.
 * The budget takes whole chunks, best first, while they fit (the ragged
 * last chunk is smaller); when not even one fits, the best chunk's top
 * tokens fill it (kvpress always keeps at least one chunk). */
#include <config.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  EVICT_PRESS_KNOB ("snapkv"),
  { "chunk_length", VARLB_KNOB_INT, "20", 1, 1e9, "tokens per chunk" },
};

static int
select_chunks (size_t *keep, size_t *kept, double *Vw, size_t k, const double *K,
               const double *V, size_t T, size_t d, size_t dv, uint64_t seed,
               const varlb_compressor_t *self, const varlb_knobs_t *kn,
               const varlb_pyramid_t *pyramid)
{
  size_t L = (size_t) cc_knob_double (self, kn, "chunk_length");
  size_t chunks = (T + L - 1) / L;
  double *s = malloc ((T ? T : 1) * sizeof *s), *cs = malloc ((chunks ? chunks : 1) * sizeof *cs);
  size_t *order = malloc ((chunks ? chunks : 1) * sizeof *order);
  int st = s && cs && order ? evict_press_scores (s, k, K, V, T, d, dv, seed, self, kn, pyramid)
                            : VARLB_ENOMEM;
  *kept = 0;
  if (st == VARLB_OK && k > 0)
    {
      for (size_t c = 0; c < chunks; c++)
        {
          size_t a = c * L, b = a + L < T ? a + L : T;
          cs[c] = 0.0;
          for (size_t t = a; t < b; t++)
            cs[c] += s[t] / (double) (b - a);
        }
      unsigned char *take = cc_rank_desc (order, cs, chunks) == VARLB_OK ? calloc (chunks, 1)
                                                                       : NULL;
      size_t room = k;
      for (size_t i = 0; take && i < chunks; i++)
        {
          size_t a = order[i] * L, len = (a + L < T ? a + L : T) - a;
          if (len <= room)
            take[order[i]] = 1, room -= len;
        }
      for (size_t c = 0; take && c < chunks; c++)
        for (size_t t = c * L; take[c] && t < c * L + L && t < T; t++)
          keep[(*kept)++] = t;
      if (take && *kept == 0)
        {
          /* no whole chunk fits: the best chunk's own top k */
          size_t a = order[0] * L, len = (a + L < T ? a + L : T) - a;
          cc_top_k (keep, k, s + a, len);
          *kept = k < len ? k : len;
          for (size_t i = 0; i < *kept; i++)
            keep[i] += a;
        }
      if (take == NULL)
        st = VARLB_ENOMEM;
      free (take);
    }
  free (s), free (cs), free (order);
  return st;
}

EVICT_COMPRESSOR (chunkkv,
                  "ChunkKV (arXiv 2502.00299): keep whole chunks of consecutive tokens, best mean press score first",
                  evict_select_compress, select_chunks);
