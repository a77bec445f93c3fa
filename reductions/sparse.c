/* sparse.c -- sparsity priors (proofs/variants.md sec. 3).  Possible side: when only
 * s token positions carry bits and the positions are public (a window), a
 * compressor that keeps those s x d bits decodes exactly with s d << n^2 d
 * bits; when the positions are Alice's secret, a compressor that also keeps
 * each token's index needs s (log2 n + d) bits, against the pigeonhole
 * bound log2 (binom(n, s) (2^d - 1)^s).  Impossible side (Corollary 16): the dense hard
 * instance already has sparse attention (>= 1 - 1/(M+1) near-zero weights)
 * at undisclosed places, and keeping s tokens fails there. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "varlb.h"

/* 1 when each of the S POSITIONS is one of Alice's tokens. */
static int
positions_ok (const size_t *positions, size_t s, const varlb_instance_t *in)
{
  for (size_t k = 0; k < s; k++)
    if (positions[k] >= in->alice_tokens)
      return 0;
  return 1;
}

int
varlb_sparse_window (size_t *positions, const varlb_instance_t *in, size_t s)
{
  if (s > in->alice_tokens)
    return VARLB_EINVAL;
  for (size_t k = 0; k < s; k++)
    positions[k] = in->alice_tokens - s + k;
  return VARLB_OK;
}

int
varlb_sparse_instance_init (varlb_instance_t *in, const varlb_params_t *p,
                            const size_t *positions, size_t s)
{
  if (p->values != VARLB_VALUES_01)
    return VARLB_EINVAL; /* "no bit here" is the value 0 */
  int st = varlb_instance_init (in, p);
  if (st != VARLB_OK)
    return st;
  unsigned char *keep = calloc (in->alice_tokens, 1);
  if (keep == NULL || !positions_ok (positions, s, in))
    {
      st = keep == NULL ? VARLB_ENOMEM : VARLB_EINVAL;
      free (keep);
      varlb_instance_clear (in);
      return st;
    }
  for (size_t k = 0; k < s; k++)
    keep[positions[k]] = 1;
  for (size_t t = 0; t < in->alice_tokens; t++)
    if (!keep[t])
      for (size_t j = 0; j < in->d; j++)
        {
          varlb_bits_set (&in->x, t, j, 0);
          in->V[t * in->d + j] = 0.0;
        }
  free (keep);
  return VARLB_OK;
}

int
varlb_sparse_keep (varlb_blob_t *blob, const varlb_instance_t *in,
                   const size_t *positions, size_t s)
{
  if (!positions_ok (positions, s, in))
    return VARLB_EINVAL;
  size_t nbits = s * in->d, nbytes = (nbits + 7) / 8;
  unsigned char *buf = calloc (nbytes ? nbytes : 1, 1);
  if (buf == NULL)
    return VARLB_ENOMEM;
  for (size_t k = 0; k < s; k++)
    for (size_t j = 0; j < in->d; j++)
      if (in->V[positions[k] * in->d + j] > 0.5)
        buf[(k * in->d + j) / 8] |= (unsigned char) (1u << ((k * in->d + j) % 8));
  int st = varlb_blob_append (blob, buf, nbytes);
  free (buf);
  return st;
}

int
varlb_sparse_decode (varlb_decode_report_t *r, const varlb_instance_t *in,
                     const size_t *positions, size_t s,
                     const unsigned char *blob, size_t len)
{
  if (len < (s * in->d + 7) / 8)
    return VARLB_EFORMAT;
  if (!positions_ok (positions, s, in))
    return VARLB_EINVAL;
  varlb_instance_t view = *in; /* shares K and the true bits; V replaced */
  double *V = calloc (in->T * in->d, sizeof *V);
  if (V == NULL)
    return VARLB_ENOMEM;
  for (size_t k = 0; k < s; k++)
    for (size_t j = 0; j < in->d; j++)
      V[positions[k] * in->d + j] = (blob[(k * in->d + j) / 8] >> ((k * in->d + j) % 8)) & 1u;
  view.V = V;
  int st = varlb_instance_decode_all (r, &view, NULL);
  free (V);
  return st;
}

int
varlb_sparse_attention_fraction (double *frac, const varlb_instance_t *in, double tol)
{
  const size_t n = in->alice_tokens, d = in->d, T = in->T;
  double *s = malloc (T * sizeof *s);
  if (s == NULL)
    return VARLB_ENOMEM;
  size_t small = 0, total = 0;
  for (size_t i = 0; i < n; i++)
    {
      double mx = -INFINITY, sum = 0.0;
      for (size_t t = 0; t < T; t++)
        {
          double g = 0.0;
          for (size_t j = 0; j < d; j++)
            g += in->K[i * d + j] * in->K[t * d + j];
          s[t] = in->C * g;
          mx = fmax (mx, s[t]);
        }
      for (size_t t = 0; t < T; t++)
        sum += exp (s[t] - mx);
      for (size_t t = 0; t < T; t++)
        small += exp (s[t] - mx) / sum < tol;
      total += T;
    }
  free (s);
  *frac = total ? (double) small / (double) total : 0.0;
  return VARLB_OK;
}

/* ------------------------------------------------ a secret sparse pattern */

int
varlb_sparse_secret_positions (size_t *positions, const varlb_instance_t *in, size_t s)
{
  size_t n = in->alice_tokens;
  if (s > n)
    return VARLB_EINVAL;
  gsl_rng *r = varlb_rng_secret (in->par.judge_key, in->par.seed, VARLB_STREAM_PATTERN);
  if (r == NULL)
    return VARLB_ENOMEM;
  /* Selection sampling (Knuth's Algorithm S): each s-subset equally
     likely, produced in increasing order. */
  for (size_t t = 0, k = 0; t < n && k < s; t++)
    if ((double) (n - t) * gsl_rng_uniform (r) < (double) (s - k))
      positions[k++] = t;
  gsl_rng_free (r);
  return VARLB_OK;
}

/* Bits needed for an Alice token's index. */
static unsigned
index_bits (size_t n)
{
  unsigned b = 0;
  while (b < 64 && ((size_t) 1 << b) < n)
    b++;
  return b;
}

static void
put_bits (unsigned char *buf, size_t *at, uint64_t v, unsigned nbits)
{
  for (unsigned k = 0; k < nbits; k++, (*at)++)
    if ((v >> k) & 1u)
      buf[*at / 8] |= (unsigned char) (1u << (*at % 8));
}

static uint64_t
get_bits (const unsigned char *buf, size_t *at, unsigned nbits)
{
  uint64_t v = 0;
  for (unsigned k = 0; k < nbits; k++, (*at)++)
    v |= (uint64_t) ((buf[*at / 8] >> (*at % 8)) & 1u) << k;
  return v;
}

int
varlb_sparse_secret_keep (varlb_blob_t *blob, const varlb_instance_t *in)
{
  size_t n = in->alice_tokens, d = in->d, s = 0;
  unsigned ib = index_bits (n);
  for (size_t t = 0; t < n; t++)
    for (size_t j = 0; j < d; j++)
      if (in->V[t * d + j] != 0.0)
        {
          s++;
          break;
        }
  if (s > UINT32_MAX)
    return VARLB_EINVAL;
  size_t nbits = 32 + s * (ib + d), at = 0;
  unsigned char *buf = calloc ((nbits + 7) / 8, 1);
  if (buf == NULL)
    return VARLB_ENOMEM;
  put_bits (buf, &at, s, 32);
  for (size_t t = 0; t < n; t++)
    {
      const double *v = in->V + t * d;
      size_t j = 0;
      while (j < d && v[j] == 0.0)
        j++;
      if (j == d)
        continue;
      put_bits (buf, &at, t, ib);
      for (j = 0; j < d; j++)
        put_bits (buf, &at, v[j] > 0.5, 1);
    }
  int st = varlb_blob_append (blob, buf, (nbits + 7) / 8);
  free (buf);
  return st;
}

int
varlb_sparse_secret_decode (varlb_decode_report_t *r, const varlb_instance_t *in,
                            const unsigned char *blob, size_t len)
{
  size_t n = in->alice_tokens, d = in->d, at = 0;
  unsigned ib = index_bits (n);
  if (len < 4)
    return VARLB_EFORMAT;
  size_t s = (size_t) get_bits (blob, &at, 32);
  if (s > n || len != (32 + s * (ib + d) + 7) / 8)
    return VARLB_EFORMAT;
  double *V = calloc (in->T * d, sizeof *V);
  if (V == NULL)
    return VARLB_ENOMEM;
  for (size_t k = 0, prev = 0; k < s; k++)
    {
      size_t t = (size_t) get_bits (blob, &at, ib);
      if (t >= n || (k > 0 && t <= prev))
        {
          free (V);
          return VARLB_EFORMAT;
        }
      prev = t;
      for (size_t j = 0; j < d; j++)
        V[t * d + j] = (double) get_bits (blob, &at, 1);
    }
  varlb_instance_t view = *in; /* shares K and the true bits; V replaced */
  view.V = V;
  int st = varlb_instance_decode_all (r, &view, NULL);
  free (V);
  return st;
}

double
varlb_sparse_secret_lower_bound (size_t n, size_t s, size_t d)
{
  if (s > n)
    return NAN;
  /* log2 (2^d - 1) = d + log2 (1 - 2^-d) */
  return (lgamma (n + 1.0) - lgamma (s + 1.0) - lgamma (n - s + 1.0)) / log (2.0)
         + (double) s * ((double) d + log1p (-ldexp (1.0, -(int) (d < 1074 ? d : 1074))) / log (2.0));
}
