/* secret_pattern.c -- sparsity with a secret pattern (proofs/variants.md sec. 3):
 * s Alice tokens carry bits at positions only Alice knows.  A compressor
 * that keeps each such token's index with its d bits decodes every bit with
 * 32 + s (ceil(log2 n) + d) bits, close to the pigeonhole bound
 * log2 (binom(n, s) (2^d - 1)^s) that every such compressor meets on some
 * instance; the public-window compressor's s d bits, which do not say
 * where, lose bits.  Exit 0 when all three show.  Build: see README.md. */
#include <stdio.h>
#include <stdlib.h>
#include "varlb.h"

int
main (int argc, char **argv)
{
  size_t s = argc > 1 ? strtoul (argv[1], NULL, 10) : 16;
  varlb_params_t p;
  varlb_instance_t in;
  varlb_decode_report_t full, blind;
  varlb_blob_t b, w;
  varlb_params_init (&p); /* 256px, d = 64 */
  if (varlb_instance_init (&in, &p) != VARLB_OK || s < 1 || s > in.alice_tokens)
    return 2;
  size_t *pos = malloc (s * sizeof *pos), *win = malloc (s * sizeof *win);
  varlb_sparse_secret_positions (pos, &in, s);
  varlb_sparse_window (win, &in, s);
  varlb_instance_clear (&in);
  if (varlb_sparse_instance_init (&in, &p, pos, s) != VARLB_OK)
    return 1;
  varlb_blob_init (&b);
  varlb_blob_init (&w);
  if (varlb_sparse_secret_keep (&b, &in) != VARLB_OK
      || varlb_sparse_secret_decode (&full, &in, b.data, b.len) != VARLB_OK
      || varlb_sparse_keep (&w, &in, win, s) != VARLB_OK
      || varlb_sparse_decode (&blind, &in, win, s, w.data, w.len) != VARLB_OK)
    return 1;
  double H = varlb_sparse_secret_lower_bound (in.alice_tokens, s, in.d);
  printf ("secret pattern of s = %zu of n = %zu Alice tokens (first at %zu, last at %zu), d = %zu\n",
          s, in.alice_tokens, pos[0], pos[s - 1], in.d);
  printf ("log2 (binom(n, s) (2^d - 1)^s) = %.1f bits: every compressor decoding every bit\n"
          "  of every such instance needs that many on some instance\n", H);
  printf ("keeping indices and bits: %zu bits, decoded %zu / %zu\n", 8 * b.len, full.correct,
          full.bits);
  printf ("keeping the public window's s d = %zu bits instead: decoded %zu / %zu\n", 8 * w.len,
          blind.correct, blind.bits);
  int ok = full.correct == full.bits && 8.0 * (double) b.len >= H && blind.correct < blind.bits;
  varlb_blob_clear (&b);
  varlb_blob_clear (&w);
  free (pos);
  free (win);
  varlb_instance_clear (&in);
  varlb_params_clear (&p);
  return ok ? 0 : 1;
}
