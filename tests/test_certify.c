/* test_certify.c -- certified decoding (proofs/certify.c): every bit of the
 * default demo instance is certified; an exact tie at the threshold is never
 * certified; a near tie one ulp either side (inside double rounding error) is
 * decided the right way by raising the MPFR precision: certified on the
 * right side, proved wrong on the wrong side. */
#include "testutil.h"
#include <math.h>
#include <string.h>

START_TEST (default_demo_instance_every_bit_certified)
{
  varlb_params_t p;
  varlb_instance_t in;
  varlb_certify_report_t r;
  varlb_params_init (&p);
  ck_assert_int_eq (varlb_instance_init (&in, &p), VARLB_OK);
  varlb_certify_report_init (&r);
  ck_assert_int_eq (varlb_certify_instance (&r, &in, NULL, 0), VARLB_OK);
  ck_assert_uint_eq (r.bits, in.N);
  ck_assert_uint_eq (r.certified, in.N);
  ck_assert_uint_eq (r.n_bad, 0);
  varlb_certify_report_clear (&r);
  varlb_instance_clear (&in);
  varlb_params_clear (&p);
}
END_TEST

START_TEST (low_dimension_instance_lists_exactly_the_wrong_bits)
{
  /* d = 3: the float decode makes errors; certification must refuse at
     least those bits, and certify nothing the float decode got wrong. */
  varlb_params_t p;
  varlb_instance_t in;
  varlb_certify_report_t r;
  varlb_decode_report_t dr;
  varlb_bits_t dec;
  varlb_params_init (&p);
  varlb_pyramid_clear (&p.pyramid);
  ck_assert_int_eq (varlb_pyramid_init_parse (&p.pyramid, "1,2,3,4,6"), VARLB_OK);
  p.d = 3;
  ck_assert_int_eq (varlb_instance_init (&in, &p), VARLB_OK);
  varlb_bits_init (&dec, in.alice_tokens, in.d);
  ck_assert_int_eq (varlb_instance_decode_all (&dr, &in, &dec), VARLB_OK);
  ck_assert (dr.correct < dr.bits);
  varlb_certify_report_init (&r);
  ck_assert_int_eq (varlb_certify_instance (&r, &in, NULL, 0), VARLB_OK);
  ck_assert_uint_eq (r.certified + r.wrong + r.undecided, in.N);
  ck_assert_uint_eq (r.wrong, dr.bits - dr.correct);
  for (size_t k = 0; k < r.n_bad; k++)
    {
      size_t t = r.bad[k] / in.d, j = r.bad[k] % in.d;
      ck_assert (varlb_bits_get (&dec, t, j) != varlb_bits_get (&in.x, t, j));
    }
  varlb_bits_clear (&dec);
  varlb_certify_report_clear (&r);
  varlb_instance_clear (&in);
  varlb_params_clear (&p);
}
END_TEST

/* Schedule 1,2,3 (T = 14, 5 Alice tokens), d = 4.  Row 0: k_1 = SCALE-ulp
   copy of k_0, keys 2..4 zero; coordinate 0 has v_0 = 1, v_1 = 0 and six of
   the twelve other tokens at 1, so with k_1 = k_0 the output is exactly
   (e^C + 6)/(2 e^C + 12) = 1/2 = the threshold. */
static void
tie_instance (varlb_instance_t *in, int ulps)
{
  varlb_params_t p;
  varlb_params_init (&p);
  varlb_pyramid_clear (&p.pyramid);
  ck_assert_int_eq (varlb_pyramid_init_parse (&p.pyramid, "1,2,3"), VARLB_OK);
  p.d = 4;
  ck_assert_int_eq (varlb_instance_init (in, &p), VARLB_OK);
  varlb_params_clear (&p);
  size_t d = in->d;
  ck_assert_uint_eq (in->T, 14);
  for (size_t j = 0; j < d; j++)
    {
      double k = in->K[j];
      for (int u = 0; u < abs (ulps); u++)
        k = nextafter (k, ulps > 0 ? 0.0 : 2.0 * k); /* shrink or grow |k| */
      in->K[1 * d + j] = k;
      for (size_t t = 2; t < in->T; t++)
        in->K[t * d + j] = 0.0;
    }
  in->threshold = 0.5;
  in->V[0 * d + 0] = 1.0;
  varlb_bits_set (&in->x, 0, 0, 1);
  in->V[1 * d + 0] = 0.0;
  varlb_bits_set (&in->x, 1, 0, 0);
  for (size_t t = 2; t < in->T; t++)
    {
      int one = t < 8;
      in->V[t * d + 0] = one;
      if (t < in->alice_tokens)
        varlb_bits_set (&in->x, t, 0, one);
    }
}

static int
bit_listed (const varlb_certify_report_t *r, size_t code)
{
  for (size_t k = 0; k < r->n_bad; k++)
    if (r->bad[k] == code)
      return 1;
  return 0;
}

START_TEST (exact_tie_is_refused)
{
  varlb_instance_t in;
  varlb_certify_report_t r;
  size_t row = 0;
  tie_instance (&in, 0);
  varlb_certify_report_init (&r);
  ck_assert_int_eq (varlb_certify_instance (&r, &in, &row, 1), VARLB_OK);
  ck_assert (bit_listed (&r, 0));
  ck_assert_uint_ge (r.undecided, 1);
  ck_assert_uint_ge (r.max_prec, 2048);
  varlb_certify_report_clear (&r);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (near_tie_on_the_right_side_is_certified_by_raising_precision)
{
  /* |k_1| one ulp below |k_0| per coordinate: token 0 (value 1) outweighs
     token 1 by a relative ~1e-16, so o exceeds 1/2 by ~1e-17. */
  varlb_instance_t in;
  varlb_certify_report_t r;
  size_t row = 0;
  tie_instance (&in, 1);
  varlb_certify_report_init (&r);
  ck_assert_int_eq (varlb_certify_instance (&r, &in, &row, 1), VARLB_OK);
  ck_assert (!bit_listed (&r, 0));
  ck_assert_uint_ge (r.rows_refined, 1);
  ck_assert_uint_gt (r.max_prec, 53);
  varlb_certify_report_clear (&r);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (near_tie_on_the_wrong_side_is_proved_wrong)
{
  varlb_instance_t in;
  varlb_certify_report_t r;
  size_t row = 0;
  tie_instance (&in, -1);
  varlb_certify_report_init (&r);
  ck_assert_int_eq (varlb_certify_instance (&r, &in, &row, 1), VARLB_OK);
  ck_assert (bit_listed (&r, 0));
  ck_assert_uint_ge (r.wrong, 1);
  varlb_certify_report_clear (&r);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (rows_outside_alice_are_refused)
{
  varlb_instance_t in;
  varlb_certify_report_t r;
  size_t row = 5;
  tie_instance (&in, 0);
  varlb_certify_report_init (&r);
  ck_assert_int_eq (varlb_certify_instance (&r, &in, &row, 1), VARLB_EINVAL);
  varlb_certify_report_clear (&r);
  varlb_instance_clear (&in);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("certify");
  TCase *tc = tcase_create ("certify");
  tcase_set_timeout (tc, 600);
  ADD_TEST (tc, default_demo_instance_every_bit_certified);
  ADD_TEST (tc, low_dimension_instance_lists_exactly_the_wrong_bits);
  ADD_TEST (tc, exact_tie_is_refused);
  ADD_TEST (tc, near_tie_on_the_right_side_is_certified_by_raising_precision);
  ADD_TEST (tc, near_tie_on_the_wrong_side_is_proved_wrong);
  ADD_TEST (tc, rows_outside_alice_are_refused);
  suite_add_tcase (s, tc);
  return run_suite (s);
}
