/* chunkkv.c -- ChunkKV (arXiv 2502.00299, kvpress ChunkKVPress): keep whole
 * chunks of chunk_length consecutive tokens, those whose mean score under a
 * scorer press is highest, so kept tokens come with their neighbourhood.
 * The budget takes whole chunks, best first, while they fit; the first
 * chunk that does not fit takes the room left with its top tokens (kvpress
 * keeps at least one whole chunk even past its ratio; a budget cannot be
 * exceeded). */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  EVICT_PRESS_KNOB ("snapkv"),
  { "chunk_length", VARLB_KNOB_INT, "20", 1, 1e9, "tokens per chunk" },
};

static int
select_chunks (EVICT_SELECT_PARAMS)
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
      /* whole chunks, best first, while they fit; the first that does
         not fit takes the room left, its top tokens */
      unsigned char *take = cc_rank_desc (order, cs, chunks) == VARLB_OK ? calloc (T, 1) : NULL;
      size_t *top = malloc (L * sizeof *top), room = k;
      for (size_t i = 0; take && top && i < chunks; i++)
        {
          size_t a = order[i] * L, len = (a + L < T ? a + L : T) - a;
          if (len <= room)
            memset (take + a, 1, len), room -= len;
          else if (room > 0)
            {
              cc_top_k (top, room, s + a, len);
              for (size_t j = 0; j < room; j++)
                take[a + top[j]] = 1;
              room = 0;
            }
        }
      for (size_t t = 0; take && top && t < T; t++)
        if (take[t])
          keep[(*kept)++] = t;
      if (take == NULL || top == NULL)
        st = VARLB_ENOMEM;
      free (take), free (top);
    }
  free (s), free (cs), free (order);
  return st;
}

EVICT_COMPRESSOR (chunkkv,
                  "ChunkKV (arXiv 2502.00299): keep whole chunks of consecutive tokens, best mean press score first",
                  evict_select_compress, select_chunks);
