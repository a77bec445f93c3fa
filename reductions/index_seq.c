/* index_seq.c -- the sequence (language-model) case, Haris-Onak Theorem 6
 * (Haris-Onak Theorem 6; proofs/variants.md sec. 2): n Alice tokens with JL keys and bit values, then Bob's
 * one token whose query is C k_i and whose key and value are zero.  An
 * Omega(nd) bound for d >= C_u log n; below that (d = o(log n)) the keys
 * cannot be nearly orthogonal and decoding must fail (tests/test_variants.c);
 * only e^{Theta(d)} keys fit, and Corollary 9's Omega(d e^d) instance uses
 * that many, padded to the stream's length. */
#include <config.h>
#include <math.h>
#include <string.h>
#include "varlb.h"

int
varlb_seq_instance_init (varlb_instance_t *in, const varlb_params_t *p, size_t n)
{
  /* Bob's single token is the one zero-key token each query sees; one Bob
     query per run, so Multi-Index rounds are single rows (bob_rows = 1). */
  return varlb_instance_init_layout (in, p, n, 1);
}

/* Haris-Onak Corollary 9 (d = o(log n)), as proofs/variants.md sec. 2 reconstructs
   it [I]: Theorem 6's reduction with only KEYS JL keys -- about as many as
   dimension d keeps nearly orthogonal, e^{Theta(d)} -- and the rest of the
   STREAM padded with zero keys and values, then Bob's token.  Index has
   KEYS d bits; every query still sees all STREAM + 1 tokens (M = STREAM). */
int
varlb_lowdim_instance_init (varlb_instance_t *in, const varlb_params_t *p, size_t stream,
                            size_t keys)
{
  if (keys < 1 || keys > stream)
    {
      memset (in, 0, sizeof *in);
      return VARLB_EINVAL;
    }
  /* The padding and Bob's token are the zero-key tokens; Bob's queries
     are independent rows, so decoding may fill all of them at once. */
  return varlb_instance_init_layout (in, p, keys, stream - keys + 1);
}

/* The j-th point of the capacity grid, floor(2^{j/4}) (duplicates at small
   j are skipped by the caller). */
static size_t
grid_point (unsigned j)
{
  return (size_t) floor (pow (2.0, j / 4.0));
}

int
varlb_lowdim_capacity (size_t *keys, const varlb_params_t *p, size_t stream)
{
  *keys = 0;
  size_t last = 0;
  for (unsigned j = 0;; j++)
    {
      size_t k = grid_point (j);
      if (k <= last)
        continue;
      if (k > stream)
        break;
      varlb_instance_t in;
      varlb_decode_report_t r;
      int st = varlb_lowdim_instance_init (&in, p, stream, k);
      if (st == VARLB_OK)
        st = varlb_instance_decode_all (&r, &in, NULL);
      varlb_instance_clear (&in);
      if (st != VARLB_OK)
        return st;
      if (r.correct != r.bits)
        break;
      *keys = last = k;
    }
  return VARLB_OK;
}
