/* decode.c -- the README's library example, whole: draw the default hard
 * instance (VAR's 256px schedule, d = 64) and decode every hidden bit from
 * the full cache.  Against an installed varlb:
 *   cc decode.c $(pkg-config --cflags --libs varlb) -o decode && ./decode
 * (tests/cli_install.sh builds and runs it against a staged `make install`). */
#include <stdio.h>
#include <varlb.h>

int
main (void)
{
  varlb_params_t p;
  varlb_instance_t in;
  varlb_decode_report_t r;
  varlb_params_init (&p);                           /* 256px schedule, d = 64 */
  int st = varlb_instance_init (&in, &p);           /* keys, values, Alice's bits */
  if (st == VARLB_OK)
    st = varlb_instance_decode_all (&r, &in, NULL); /* every bit, full cache */
  if (st == VARLB_OK)
    printf ("%zu of %zu hidden bits decoded (N = %zu, d = %zu)\n", r.correct, r.bits,
            in.N, in.d);
  else
    fprintf (stderr, "decode: %s\n", varlb_strerror (st));
  int ok = st == VARLB_OK && r.correct == r.bits;
  varlb_instance_clear (&in);
  varlb_params_clear (&p);
  return ok ? 0 : 1;
}
