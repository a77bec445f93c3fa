/* window_kept.c -- sparsity, the possible side (proofs/variants.md sec. 3): only the
 * last s Alice tokens (a public window) carry bits; a compressor that keeps
 * exactly their s x d value bits decodes every bit with s d << n^2 d bits.
 * Exit 0 when every bit decodes.  Build: see README.md. */
#include <stdio.h>
#include <stdlib.h>
#include "varlb.h"

int
main (int argc, char **argv)
{
  size_t s = argc > 1 ? strtoul (argv[1], NULL, 10) : 16;
  varlb_params_t p;
  varlb_instance_t in;
  varlb_decode_report_t r;
  varlb_blob_t b;
  varlb_params_init (&p); /* 256px, d = 64 */
  if (varlb_instance_init (&in, &p) != VARLB_OK || s < 1 || s > in.alice_tokens)
    return 2;
  size_t *pos = malloc (s * sizeof *pos);
  varlb_sparse_window (pos, &in, s);
  varlb_instance_clear (&in);
  if (varlb_sparse_instance_init (&in, &p, pos, s) != VARLB_OK)
    return 1;
  varlb_blob_init (&b);
  if (varlb_sparse_keep (&b, &in, pos, s) != VARLB_OK
      || varlb_sparse_decode (&r, &in, pos, s, b.data, b.len) != VARLB_OK)
    return 1;
  unsigned nK = p.pyramid.pn[p.pyramid.scales - 1];
  printf ("public window of s = %zu tokens (Alice tokens %zu..%zu), d = %zu\n", s,
          pos[0], pos[s - 1], in.d);
  printf ("kept %zu bits (s d) vs n^2 d = %u and N = %zu hidden positions x d\n",
          8 * b.len, nK * nK * (unsigned) in.d, in.N);
  printf ("decoded %zu / %zu bits correctly\n", r.correct, r.bits);
  int ok = r.correct == r.bits;
  varlb_blob_clear (&b);
  free (pos);
  varlb_instance_clear (&in);
  varlb_params_clear (&p);
  return ok ? 0 : 1;
}
