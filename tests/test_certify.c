/* test_certify.c -- certified decoding (proofs/certify.c): every bit of the
 * default demo instance is certified; an exact tie at the threshold is never
 * certified; a near tie one ulp either side (inside double rounding error) is
 * decided the right way by raising the MPFR precision: certified on the
 * right side, proved wrong on the wrong side. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <mpfr.h>

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
  varlb_instance_t in;
  varlb_certify_report_t r;
  varlb_decode_report_t dr;
  varlb_bits_t dec;
  test_instance_keyed (&in, "1,2,3,4,6", 3, 1, NULL);
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

/* The tie instance with ULPS (tie_instance) certified at ROW: the status
   expected; where it is VARLB_OK, whether bit 0 is listed (not certified)
   and the least undecided bits, refined rows, wrong bits and MPFR
   precision the report may show. */
static const struct tie_case {
  const char *what;
  int ulps;
  size_t row;
  int status, listed;
  size_t undecided, refined, wrong, prec;
} TIES[] = {
  /* An exact tie is refused, at every precision up to 2048 bits. */
  { "exact tie", 0, 0, VARLB_OK, 1, 1, 0, 0, 2048 },
  /* |k_1| one ulp below |k_0| per coordinate: token 0 (value 1) outweighs
     token 1 by a relative ~1e-16, so o exceeds 1/2 by ~1e-17: certified
     by raising the precision past 53 bits. */
  { "near tie, right side", 1, 0, VARLB_OK, 0, 0, 1, 0, 54 },
  /* One ulp above: proved wrong. */
  { "near tie, wrong side", -1, 0, VARLB_OK, 1, 0, 0, 1, 0 },
  /* Row 5 is past the 5 Alice tokens (rows 0-4): refused. */
  { "row outside Alice", 0, 5, VARLB_EINVAL, 0, 0, 0, 0, 0 },
};

START_TEST (ties_are_refused_certified_or_proved_wrong_by_their_side)
{
  const struct tie_case *c = &TIES[_i];
  varlb_instance_t in;
  varlb_certify_report_t r;
  size_t row = c->row;
  tie_instance (&in, c->ulps);
  varlb_certify_report_init (&r);
  ck_assert_int_eq (varlb_certify_instance (&r, &in, &row, 1), c->status);
  if (c->status == VARLB_OK)
    {
      ck_assert_msg (bit_listed (&r, 0) == c->listed, "%s: bit 0 %s", c->what,
                     c->listed ? "certified" : "not certified");
      ck_assert_uint_ge (r.undecided, c->undecided);
      ck_assert_uint_ge (r.rows_refined, c->refined);
      ck_assert_uint_ge (r.wrong, c->wrong);
      ck_assert_uint_ge (r.max_prec, c->prec);
    }
  varlb_certify_report_clear (&r);
  varlb_instance_clear (&in);
}
END_TEST

/* A bare instance of ALICE tokens and no zero keys, d = 4, all keys and
   values zero (the tests below fill them), bits matching the values. */
static void
bare_instance (varlb_instance_t *in, size_t alice)
{
  varlb_params_t p;
  varlb_params_init (&p);
  p.d = 4;
  ck_assert_int_eq (varlb_instance_init_layout (in, &p, alice, 0), VARLB_OK);
  varlb_params_clear (&p);
  memset (in->K, 0, in->T * in->d * sizeof *in->K);
  memset (in->V, 0, in->T * in->d * sizeof *in->V);
  for (size_t t = 0; t < alice; t++)
    for (size_t j = 0; j < in->d; j++)
      varlb_bits_set (&in->x, t, j, 0);
}

static void
set_value (varlb_instance_t *in, size_t t, size_t j, int bit)
{
  in->V[t * in->d + j] = bit;
  varlb_bits_set (&in->x, t, j, bit);
}

/* Certify the N rows ROWS (NULL, 0: every Alice row) into R with the
   floating-point filter and into M without it; the two paths must agree
   on every count. */
static void
certify_paths (varlb_certify_report_t *r, varlb_certify_report_t *m, const varlb_instance_t *in,
               const size_t *rows, size_t n)
{
  varlb_certify_report_init (r);
  varlb_certify_report_init (m);
  m->flags = VARLB_CERTIFY_NO_FILTER;
  ck_assert_int_eq (varlb_certify_instance (r, in, rows, n), VARLB_OK);
  ck_assert_int_eq (varlb_certify_instance (m, in, rows, n), VARLB_OK);
  ck_assert_uint_eq (r->certified, m->certified);
  ck_assert_uint_eq (r->wrong, m->wrong);
  ck_assert_uint_eq (r->undecided, m->undecided);
}

/* Certify ROW with and without the filter (certify_paths); returns the
   default path's report. */
static void
certify_both (varlb_certify_report_t *r, const varlb_instance_t *in, size_t row)
{
  varlb_certify_report_t m;
  certify_paths (r, &m, in, &row, 1);
  varlb_certify_report_clear (&m);
}

START_TEST (huge_keys_overflowing_doubles_are_never_certified)
{
  /* The case through the public API: three equal keys with every
     entry 1e200 (or 1e100); row 0's bits are 0, the other two rows' 1, so
     row 0's exact output is 2/3 in every coordinate (the zero keys' weight
     is e^{-C 4e400}): all 4 bits decode to 1, wrongly.  In double the
     inner products overflow (1e200) or not (1e100); either way no bit may
     be certified, and the shifted MPFR pass proves all 4 wrong. */
  const double mag[] = { 1e200, 1e100 };
  for (int k = 0; k < 2; k++)
    {
      varlb_instance_t in;
      varlb_params_t p;
      varlb_params_init (&p);
      varlb_pyramid_clear (&p.pyramid);
      ck_assert_int_eq (varlb_pyramid_init_parse (&p.pyramid, "1,2,3"), VARLB_OK);
      p.d = 4;
      ck_assert_int_eq (varlb_instance_init (&in, &p), VARLB_OK);
      varlb_params_clear (&p);
      memset (in.K, 0, in.T * in.d * sizeof *in.K);
      for (size_t t = 0; t < 3; t++)
        for (size_t j = 0; j < in.d; j++)
          {
            in.K[t * in.d + j] = mag[k];
            set_value (&in, t, j, t > 0);
          }
      varlb_certify_report_t r;
      certify_both (&r, &in, 0);
      ck_assert_uint_eq (r.certified, 0);
      ck_assert_uint_eq (r.wrong, 4);
      varlb_certify_report_clear (&r);
      varlb_instance_clear (&in);
    }
}
END_TEST

START_TEST (weight_below_mpfr_range_still_counts)
{
  /* Two keys: k_0 = (a,0,0,0) with C a^2 = 5e8, k_1 = -1.6 k_0, so row 0
     gives token 1 the weight e^{-1.3e9} / (1 + ...), below MPFR's smallest
     number (e^{-7.4e8}): rounded up it is still positive, rounded down it
     vanishes.  Coordinate 0: v_0 = 0, v_1 = 1, threshold 0, so the exact
     output is positive and the 0-bit decodes as 1 -- wrong.  A bound that
     rounds that weight down to 0 would certify it. */
  varlb_instance_t in;
  bare_instance (&in, 2);
  in.C = 1.0;
  in.threshold = 0.0;
  double a = sqrt (5e8);
  in.K[0] = a;
  in.K[in.d] = -1.6 * a;
  set_value (&in, 0, 0, 0);
  set_value (&in, 1, 0, 1);
  varlb_certify_report_t r;
  certify_both (&r, &in, 0);
  ck_assert_msg (bit_listed (&r, 0), "a wrong bit certified");
  varlb_certify_report_clear (&r);
  varlb_instance_clear (&in);
}
END_TEST

/* Exact <a, b> of two stored doubles (MPFR, exact products and sums at
   400 bits). */
static void
exact_dot (mpfr_t out, const double *a, const double *b, size_t d)
{
  mpfr_t p;
  mpfr_init2 (p, 400);
  mpfr_set_zero (out, 1);
  for (size_t j = 0; j < d; j++)
    {
      mpfr_set_d (p, a[j], MPFR_RNDN);
      mpfr_mul_d (p, p, b[j], MPFR_RNDN);
      mpfr_add (out, out, p, MPFR_RNDN);
    }
  mpfr_clear (p);
}

START_TEST (rounding_sensitive_dot_products_never_certified_wrong)
{
  /* Row 0's key k_0 = (1/2 + delta_j), token 1's k_1 = k_0 + L (xi_j s_j),
     L = 2^20, signs s = (+,-,+,-), xi_3 chosen so that <k_0, k_1 - k_0>
     cancels: <k_0, k_1> is |k_0|^2 + O(L 2^-53) exactly, but in double the
     products and partial sums reach 2^19 and lose up to about 2^-34 each,
     which C turns into a score error of order C 2^-34.  Coordinate 0:
     v_0 = 1, v_1 = 0, so the exact output is w = 1 / (1 + e^{C(<k_0,k_1> -
     |k_0|^2)}); the threshold is set 1e-9 (relative) above it, so the 1-bit
     decodes to 0 -- wrong.  At C = 1e6 (MPFR's 53-bit pass decides) and
     C = 1e11 (only the floating-point filter and the shifted pass can), for
     40 draws, the bit is never certified and the interval pass proves it
     wrong: "certified" rests on the dot products' error allowance, not on
     rounded doubles. */
  const double Cs[] = { 1e6, 1e11 }, L = 0x1p20;
  mpfr_t g, h, x;
  mpfr_inits2 (400, g, h, x, (mpfr_ptr) 0);
  gsl_rng *rng = varlb_rng_new (31, VARLB_STREAM_USER);
  for (int c = 0; c < 2; c++)
    for (int it = 0; it < 40; it++)
      {
        varlb_instance_t in;
        bare_instance (&in, 2);
        in.C = Cs[c];
        double *k0 = in.K, *k1 = in.K + 4, xi[4];
        for (size_t j = 0; j < 4; j++)
          {
            k0[j] = 0.5 + 0.01 * gsl_rng_uniform (rng);
            xi[j] = 1.0 + gsl_rng_uniform (rng);
          }
        xi[3] = (k0[0] * xi[0] - k0[1] * xi[1] + k0[2] * xi[2]) / k0[3];
        for (size_t j = 0; j < 4; j++)
          k1[j] = k0[j] + (j % 2 ? -1.0 : 1.0) * L * xi[j];
        set_value (&in, 0, 0, 1);
        exact_dot (g, k0, k1, 4);
        exact_dot (h, k0, k0, 4);
        mpfr_sub (x, g, h, MPFR_RNDN);              /* <k_0,k_1> - |k_0|^2 */
        mpfr_mul_d (x, x, in.C, MPFR_RNDN);
        mpfr_exp (x, x, MPFR_RNDN);
        mpfr_add_ui (x, x, 1, MPFR_RNDN);
        mpfr_ui_div (x, 1, x, MPFR_RNDN);            /* w, to 400 bits */
        in.threshold = mpfr_get_d (x, MPFR_RNDU) * (1.0 + 1e-9);
        ck_assert (mpfr_cmp_d (x, in.threshold) < 0);
        varlb_certify_report_t r;
        certify_both (&r, &in, 0);
        ck_assert_msg (bit_listed (&r, 0), "C = %g, draw %d: a wrong bit certified", in.C, it);
        ck_assert_uint_ge (r.wrong, 1);
        varlb_certify_report_clear (&r);
        varlb_instance_clear (&in);
      }
  gsl_rng_free (rng);
  mpfr_clears (g, h, x, (mpfr_ptr) 0);
}
END_TEST

START_TEST (exact_tie_with_generic_keys_is_refused_at_every_precision)
{
  /* Rows 0 and 1 share a key; the 12 other tokens come in 6 twin pairs
     with generic keys (inexact scores) and values 1 and 0 in coordinate 0,
     so both rows' outputs are exactly 1/2 = the threshold (every pair
     contributes e^s (1 - 1/2) + e^s (0 - 1/2) = 0).  Row 0's 1-bit and row
     1's 0-bit can only be refused: an interval proves no equality, so a
     decision either way means an enclosure rounded the wrong way. */
  varlb_instance_t in;
  tie_instance (&in, 0);
  size_t d = in.d;
  gsl_rng *r = varlb_rng_new (8, VARLB_STREAM_USER);
  for (size_t t = 2; t + 1 < in.T; t += 2)
    for (size_t j = 0; j < d; j++)
      in.K[t * d + j] = in.K[(t + 1) * d + j] = 0.8 * (gsl_rng_uniform (r) - 0.5);
  gsl_rng_free (r);
  for (size_t t = 0; t < in.T; t++)
    {
      if (t >= 2)
        in.V[t * d] = t % 2 == 0;
      for (size_t j = 1; j < d; j++) /* the other coordinates: outputs exactly 0 */
        in.V[t * d + j] = 0.0;
      for (size_t j = 0; t < in.alice_tokens && j < d; j++)
        varlb_bits_set (&in.x, t, j, in.V[t * d + j] != 0.0);
    }
  for (size_t row = 0; row < 2; row++)
    {
      varlb_certify_report_t rep;
      certify_both (&rep, &in, row);
      ck_assert_msg (bit_listed (&rep, row * d), "row %zu: the tie was certified", row);
      ck_assert_msg (rep.undecided == 1 && rep.wrong == 0 && rep.certified == d - 1,
                     "row %zu: %zu undecided, %zu wrong", row, rep.undecided, rep.wrong);
      varlb_certify_report_clear (&rep);
    }
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (filter_and_mpfr_only_paths_agree_on_the_256px_preset)
{
  /* Same certified / wrong / undecided counts with and without the
     floating-point filter (certify_paths), and the filter settles nearly
     every row; at d = 3 (after the default d = 64) wrong and undecided bits
     too, still the same counts. */
  varlb_params_t p;
  varlb_params_init (&p);
  for (int k = 0; k < 2; k++)
    {
      varlb_instance_t in;
      varlb_certify_report_t r, m;
      if (k == 1)
        p.d = 3;
      ck_assert_int_eq (varlb_instance_init (&in, &p), VARLB_OK);
      certify_paths (&r, &m, &in, NULL, 0);
      if (k == 0)
        {
          ck_assert_uint_eq (r.rows_filtered, in.alice_tokens);
          ck_assert_uint_eq (m.rows_filtered, 0);
        }
      else
        ck_assert_uint_gt (r.wrong + r.undecided, 0);
      varlb_certify_report_clear (&r);
      varlb_certify_report_clear (&m);
      varlb_instance_clear (&in);
    }
  varlb_params_clear (&p);
}
END_TEST

START_TEST (near_ties_agree_with_and_without_the_filter)
{
  for (int u = -1; u <= 1; u++)
    {
      varlb_instance_t in;
      varlb_certify_report_t r;
      tie_instance (&in, u);
      certify_both (&r, &in, 0);
      varlb_certify_report_clear (&r);
      varlb_instance_clear (&in);
    }
}
END_TEST

TEST_MAIN ("certify", s)
{
  TCase *tc = test_case (s, "certify", 600);
  ADD_TEST (tc, default_demo_instance_every_bit_certified);
  ADD_TEST (tc, low_dimension_instance_lists_exactly_the_wrong_bits);
  ADD_TABLE_TEST (tc, ties_are_refused_certified_or_proved_wrong_by_their_side, TIES);
  ADD_TEST (tc, exact_tie_with_generic_keys_is_refused_at_every_precision);
  ADD_TEST (tc, huge_keys_overflowing_doubles_are_never_certified);
  ADD_TEST (tc, weight_below_mpfr_range_still_counts);
  ADD_TEST (tc, rounding_sensitive_dot_products_never_certified_wrong);
  ADD_TEST (tc, filter_and_mpfr_only_paths_agree_on_the_256px_preset);
  ADD_TEST (tc, near_ties_agree_with_and_without_the_filter);
}
