/* evict.c -- the shared driver of the token-eviction compressors: capacity
 * from the budget, the method's choice of tokens, the eviction blob. */
#include <config.h>
#include <stdlib.h>
#include "evict.h"

static int
evict_run (varlb_blob_t *blob, const double *K, const double *V, size_t T, size_t d,
           size_t dv, double budget_bits, uint64_t seed, const varlb_knobs_t *knobs,
           const varlb_pyramid_t *pyramid, const varlb_compressor_t *self,
           evict_choose_fn choose, int always)
{
  unsigned prec = (unsigned) cc_knob_double (self, knobs, "bits");
  if (prec != 16 && prec != 32 && prec != 64)
    return VARLB_EINVAL;
  size_t k = cc_evict_capacity (budget_bits, d, dv, prec);
  if (k > T)
    k = T;
  size_t *keep = malloc ((k ? k : 1) * sizeof *keep);
  if (keep == NULL)
    return VARLB_ENOMEM;
  if (k == T && !always)
    for (size_t t = 0; t < T; t++)
      keep[t] = t;
  else if (k > 0)
    k = choose (keep, k, K, T, d, seed, self, knobs, pyramid);
  int st = cc_evict_write (blob, K, V, d, dv, keep, k, prec);
  free (keep);
  return st;
}

int
evict_compress (varlb_blob_t *blob, const double *K, const double *V,
                size_t T, size_t d, size_t dv, double budget_bits,
                uint64_t seed, const varlb_knobs_t *knobs,
                const varlb_pyramid_t *pyramid, const varlb_compressor_t *self,
                evict_choose_fn choose)
{
  return evict_run (blob, K, V, T, d, dv, budget_bits, seed, knobs, pyramid, self, choose, 0);
}

int
evict_compress_policy (varlb_blob_t *blob, const double *K, const double *V, size_t T,
                       size_t d, size_t dv, double budget_bits, uint64_t seed,
                       const varlb_knobs_t *knobs, const varlb_pyramid_t *pyramid,
                       const varlb_compressor_t *self, evict_choose_fn choose)
{
  return evict_run (blob, K, V, T, d, dv, budget_bits, seed, knobs, pyramid, self, choose, 1);
}

static int
cmp_token (const void *a, const void *b)
{
  size_t x = *(const size_t *) a, y = *(const size_t *) b;
  return x < y ? -1 : x > y;
}

void
evict_sort (size_t *keep, size_t n)
{
  qsort (keep, n, sizeof *keep, cmp_token);
}

size_t
evict_cached_scales (const varlb_pyramid_t *py, size_t T)
{
  size_t S = 0;
  while (S < py->scales && py->offset[S + 1] <= T)
    S++;
  return S;
}

int
evict_answer (double *O, const unsigned char *blob, size_t len, uint64_t seed,
              const double *Q, size_t m, size_t d, size_t dv,
              const varlb_knobs_t *k, const varlb_pyramid_t *pyramid)
{
  return cc_evict_answer (O, blob, len, Q, m, d, dv);
}
