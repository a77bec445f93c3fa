/* index_seq.c -- the sequence (language-model) case, Haris-Onak Theorem 6
 * (paper.md sec. 2.4): n Alice tokens with JL keys and bit values, then Bob's
 * one token whose query is C k_i and whose key and value are zero.  An
 * Omega(nd) bound for d >= C_u log n; below that (d = o(log n)) the keys
 * cannot be nearly orthogonal and decoding must fail (tests/test_variants.c). */
#include <config.h>
#include "varlb.h"

int
varlb_seq_instance_init (varlb_instance_t *in, const varlb_params_t *p, size_t n)
{
  /* Bob's single token is the one zero-key token each query sees; one Bob
     query per run, so Multi-Index rounds are single rows (bob_rows = 1). */
  return varlb_instance_init_layout (in, p, n, 1);
}
