/* sparse.c -- sparsity priors (paper.md sec. 2.7).  Possible side: when only
 * s token positions carry bits and the positions are public (a window), a
 * compressor that keeps those s x d bits decodes exactly with s d << n^2 d
 * bits.  Impossible side (Corollary 16): the dense hard instance already has
 * sparse attention (>= 1 - 1/(M+1) near-zero weights) at undisclosed places,
 * and keeping s tokens fails there. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "varlb.h"

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
  if (keep == NULL)
    {
      varlb_instance_clear (in);
      return VARLB_ENOMEM;
    }
  for (size_t k = 0; k < s; k++)
    {
      if (positions[k] >= in->alice_tokens)
        {
          free (keep);
          varlb_instance_clear (in);
          return VARLB_EINVAL;
        }
      keep[positions[k]] = 1;
    }
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
  size_t nbits = s * in->d, nbytes = (nbits + 7) / 8;
  unsigned char *buf = calloc (nbytes ? nbytes : 1, 1);
  if (buf == NULL)
    return VARLB_ENOMEM;
  for (size_t k = 0; k < s; k++)
    {
      if (positions[k] >= in->alice_tokens)
        {
          free (buf);
          return VARLB_EINVAL;
        }
      for (size_t j = 0; j < in->d; j++)
        if (in->V[positions[k] * in->d + j] > 0.5)
          buf[(k * in->d + j) / 8] |= (unsigned char) (1u << ((k * in->d + j) % 8));
    }
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
  varlb_instance_t view = *in; /* shares K and the true bits; V replaced */
  double *V = calloc (in->T * in->d, sizeof *V);
  if (V == NULL)
    return VARLB_ENOMEM;
  for (size_t k = 0; k < s; k++)
    {
      if (positions[k] >= in->alice_tokens)
        {
          free (V);
          return VARLB_EINVAL;
        }
      for (size_t j = 0; j < in->d; j++)
        V[positions[k] * in->d + j] = (blob[(k * in->d + j) / 8] >> ((k * in->d + j) % 8)) & 1u;
    }
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
