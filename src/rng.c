/* rng.c -- named random streams from one 64-bit seed.
 * xoshiro256** (Blackman-Vigna) wrapped as a gsl_rng_type, seeded through
 * splitmix64 so the whole 64-bit seed and the stream id both matter. */
#include <config.h>
#include <stdlib.h>
#include "varlb.h"

typedef struct { uint64_t s[4]; } xoshiro_state;

static inline uint64_t
rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static uint64_t
splitmix64 (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t
varlb_seed_mix (uint64_t seed, uint64_t stream)
{
  uint64_t x = seed;
  uint64_t a = splitmix64 (&x);
  x = a ^ (stream * 0xd1b54a32d192ed03ULL);
  return splitmix64 (&x);
}

static uint64_t
xoshiro_next (xoshiro_state *st)
{
  uint64_t *s = st->s;
  uint64_t result = rotl (s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

static void
xoshiro_seed64 (xoshiro_state *st, uint64_t seed)
{
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    st->s[i] = splitmix64 (&x);
}

static void
xoshiro_set (void *vstate, unsigned long int s)
{
  xoshiro_seed64 (vstate, (uint64_t) s);
}

/* GSL's integer interface is 32 bits wide ([min, max] = [0, 2^32-1]) so that
   gsl_rng_uniform_int and friends behave; doubles use 53 fresh bits. */
static unsigned long int
xoshiro_get (void *vstate)
{
  return (unsigned long int) (xoshiro_next (vstate) >> 32);
}

static double
xoshiro_get_double (void *vstate)
{
  return (double) (xoshiro_next (vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
  "varlb-xoshiro256**", 0xffffffffUL, 0, sizeof (xoshiro_state),
  &xoshiro_set, &xoshiro_get, &xoshiro_get_double
};

const gsl_rng_type *varlb_rng_xoshiro256 = &xoshiro_type;

gsl_rng *
varlb_rng_new (uint64_t seed, unsigned stream)
{
  gsl_rng *r = gsl_rng_alloc (varlb_rng_xoshiro256);
  if (r == NULL)
    return NULL;
  xoshiro_seed64 (r->state, varlb_seed_mix (seed, stream));
  return r;
}
