/* bits.c -- Alice's hidden bits as a GMP bitset, and Bob's index
 * distributions (Index: one uniform index; Multi-Index: a uniform subset). */
#include <config.h>
#include <stdlib.h>
#include "varlb.h"

int
varlb_bits_init (varlb_bits_t *b, size_t rows, size_t cols)
{
  b->rows = rows;
  b->cols = cols;
  mpz_init2 (b->x, (mp_bitcnt_t) (rows * cols + 1));
  return VARLB_OK;
}

void
varlb_bits_clear (varlb_bits_t *b)
{
  mpz_clear (b->x);
  b->rows = b->cols = 0;
}

/* Words from our own stream, imported limb-order independent, so the bits
   depend only on the seed and not on GMP's internal generators. */
int
varlb_bits_random (varlb_bits_t *b, uint64_t seed)
{
  size_t nbits = b->rows * b->cols;
  size_t words = (nbits + 63) / 64;
  if (words == 0)
    {
      mpz_set_ui (b->x, 0);
      return VARLB_OK;
    }
  uint64_t *w = malloc (words * sizeof *w);
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_BITS);
  if (w == NULL || r == NULL)
    {
      free (w);
      if (r)
        gsl_rng_free (r);
      return VARLB_ENOMEM;
    }
  for (size_t i = 0; i < words; i++)
    w[i] = ((uint64_t) gsl_rng_get (r) << 32) | (uint64_t) gsl_rng_get (r);
  if (nbits % 64)
    w[words - 1] &= (UINT64_C (1) << (nbits % 64)) - 1;
  mpz_import (b->x, words, -1, sizeof (uint64_t), 0, 0, w);
  free (w);
  gsl_rng_free (r);
  return VARLB_OK;
}

int
varlb_bits_get (const varlb_bits_t *b, size_t row, size_t col)
{
  return mpz_tstbit (b->x, (mp_bitcnt_t) (row * b->cols + col));
}

void
varlb_bits_set (varlb_bits_t *b, size_t row, size_t col, int bit)
{
  if (bit)
    mpz_setbit (b->x, (mp_bitcnt_t) (row * b->cols + col));
  else
    mpz_clrbit (b->x, (mp_bitcnt_t) (row * b->cols + col));
}

size_t
varlb_bits_popcount (const varlb_bits_t *b)
{
  return (size_t) mpz_popcount (b->x);
}

size_t
varlb_index_draw (gsl_rng *r, size_t n)
{
  /* gsl_rng_uniform_int is limited to the generator's 32-bit range. */
  if (n <= 0xffffffffUL)
    return (size_t) gsl_rng_uniform_int (r, (unsigned long) n);
  for (;;)
    {
      uint64_t v = ((uint64_t) gsl_rng_get (r) << 32) | gsl_rng_get (r);
      uint64_t lim = UINT64_MAX - UINT64_MAX % n;
      if (v < lim)
        return (size_t) (v % n);
    }
}

/* Partial Fisher-Yates over an implicit identity permutation: O(m) memory
   for small m via a sorted swap list would be leaner, but n is at most a few
   hundred thousand tokens here. */
int
varlb_multi_index_draw (size_t *idx, size_t m, size_t n, gsl_rng *r)
{
  if (m > n)
    return VARLB_EINVAL;
  size_t *perm = malloc ((n ? n : 1) * sizeof *perm);
  if (perm == NULL)
    return VARLB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    perm[i] = i;
  for (size_t i = 0; i < m; i++)
    {
      size_t j = i + varlb_index_draw (r, n - i);
      size_t t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
      idx[i] = perm[i];
    }
  free (perm);
  return VARLB_OK;
}
