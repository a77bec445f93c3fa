/* test_index_var.c -- the Index -> VAR reduction: the full cache decodes
 * every bit for the default instance and every VAR preset at d = 64, under
 * all JL families; decoding fails measurably far below the log condition;
 * instances are pure functions of the seed; bad parameters are refused. */
#include "testutil.h"
#include <math.h>
#include <string.h>

static double
decode_accuracy (int preset, const char *schedule, size_t d, varlb_jl_family jl,
                 varlb_jl_norm norm, varlb_values values, uint64_t seed,
                 varlb_decode_report_t *out)
{
  varlb_params_t p;
  varlb_instance_t in;
  varlb_decode_report_t r;
  varlb_params_init (&p);
  if (preset || schedule)
    {
      varlb_pyramid_clear (&p.pyramid);
      if (preset)
        ck_assert_int_eq (varlb_pyramid_init_preset (&p.pyramid, preset), VARLB_OK);
      else
        ck_assert_int_eq (varlb_pyramid_init_parse (&p.pyramid, schedule), VARLB_OK);
    }
  p.d = d;
  p.jl = jl;
  p.norm = norm;
  p.values = values;
  p.seed = seed;
  ck_assert_int_eq (varlb_instance_init (&in, &p), VARLB_OK);
  ck_assert_int_eq (varlb_instance_decode_all (&r, &in, NULL), VARLB_OK);
  ck_assert_uint_eq (r.bits, in.N);
  if (out)
    *out = r;
  varlb_instance_clear (&in);
  varlb_params_clear (&p);
  return (double) r.correct / (double) r.bits;
}

START_TEST (full_cache_decodes_every_bit_default)
{
  varlb_decode_report_t r;
  double acc = decode_accuracy (0, NULL, 64, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, VARLB_VALUES_01, 1, &r);
  ck_assert_double_eq (acc, 1.0);
  ck_assert_uint_eq (r.bits, 424 * 64);
  ck_assert_uint_eq (r.outside_bounds, 0);
  ck_assert_double_gt (r.min_target_weight, 0.99);
}
END_TEST

START_TEST (full_cache_decodes_every_bit_each_preset)
{
  const int px[] = { 256, 512, 1024 };
  varlb_decode_report_t r;
  ck_assert_double_eq (decode_accuracy (px[_i], NULL, 64, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT,
                                        VARLB_VALUES_01, 7, &r), 1.0);
  ck_assert_double_eq (decode_accuracy (px[_i], NULL, 64, VARLB_JL_RADEMACHER, VARLB_JL_SCALED,
                                        VARLB_VALUES_PM1, 8, &r), 1.0);
}
END_TEST

START_TEST (full_cache_decodes_every_bit_over_seeds_and_families)
{
  for (uint64_t seed = 1; seed <= 5; seed++)
    for (int f = 0; f < 3; f++)
      ck_assert_msg (decode_accuracy (0, NULL, 64, f, VARLB_JL_UNIT, VARLB_VALUES_01, seed, NULL) == 1.0,
                     "seed %llu family %d", (unsigned long long) seed, f);
}
END_TEST

START_TEST (decoding_fails_far_below_log_condition)
{
  /* ln N_A = ln 424 ~ 6: at d = 2 the keys cannot be near-orthogonal and
     accuracy falls towards chance; the transition is monotone in d on
     average over seeds. */
  double acc[4] = { 0 };
  const size_t dims[4] = { 2, 4, 16, 64 };
  for (int k = 0; k < 4; k++)
    for (uint64_t seed = 1; seed <= 3; seed++)
      acc[k] += decode_accuracy (0, NULL, dims[k], VARLB_JL_GAUSSIAN, VARLB_JL_UNIT,
                                 VARLB_VALUES_01, seed, NULL) / 3.0;
  ck_assert_msg (acc[0] < 0.75, "d=2 accuracy %g", acc[0]);
  ck_assert_msg (acc[1] < 0.9, "d=4 accuracy %g", acc[1]);
  ck_assert_double_eq (acc[3], 1.0);
  ck_assert (acc[0] <= acc[1] && acc[1] <= acc[2] && acc[2] <= acc[3]);
}
END_TEST

START_TEST (instance_is_a_pure_function_of_the_seed)
{
  varlb_params_t p;
  varlb_instance_t a, b;
  varlb_params_init (&p);
  p.seed = 99;
  ck_assert_int_eq (varlb_instance_init (&a, &p), VARLB_OK);
  ck_assert_int_eq (varlb_instance_init (&b, &p), VARLB_OK);
  ck_assert (memcmp (a.K, b.K, a.T * a.d * sizeof (double)) == 0);
  ck_assert (memcmp (a.V, b.V, a.T * a.d * sizeof (double)) == 0);
  /* The last scale's keys and values are zero; Alice's keys are unit. */
  for (size_t t = a.alice_tokens; t < a.T; t++)
    for (size_t j = 0; j < a.d; j++)
      ck_assert (a.K[t * a.d + j] == 0.0 && a.V[t * a.d + j] == 0.0);
  double n2 = 0;
  for (size_t j = 0; j < a.d; j++)
    n2 += a.K[j] * a.K[j];
  ck_assert_double_eq_tol (n2, 1.0, 1e-12);
  /* Default C = 2 ln M / (1 - 2 eps) gives delta = 1/(M+1). */
  ck_assert_double_eq_tol (a.C, 2.5 * log (679.0), 1e-12);
  ck_assert_double_eq_tol (a.delta, 1.0 / 680.0, 1e-12);
  ck_assert_double_eq_tol (a.Delta, 679.0 / 680.0, 1e-12);
  varlb_criteria_t c;
  ck_assert_int_eq (varlb_instance_criteria (&c, &a), VARLB_OK);
  ck_assert_int_eq (c.formal_holds, 0); /* d = 64 is far below 12 ln N/(eps^2-eps^3) */
  ck_assert_double_gt (c.formal_d_needed, 8000);
  ck_assert_double_lt (c.formal_d_needed, 8100);
  ck_assert_int_eq (c.delta_below_Delta, 1);
  varlb_instance_clear (&a);
  varlb_instance_clear (&b);
  varlb_params_clear (&p);
}
END_TEST

START_TEST (criteria_from_the_decode_gram_match_a_separate_gram)
{
  /* The coherence and gap the decode gathers from its own score tiles
     equal varlb_jl_coherence's (a separate Gram product) within the stated
     rounding allowance, and the decisions (eps, gap) agree; over families,
     scaled and unit keys, {0,1} and +-1 values, with and without Bob's zero
     keys visible (schedule 1,2,3,4,6 has them), and the decode itself is
     unchanged. */
  const varlb_jl_family fam[] = { VARLB_JL_GAUSSIAN, VARLB_JL_RADEMACHER, VARLB_JL_ACHLIOPTAS };
  for (int k = 0; k < 6; k++)
    {
      varlb_params_t p;
      varlb_instance_t in;
      varlb_params_init (&p);
      if (k >= 3)
        {
          varlb_pyramid_clear (&p.pyramid);
          ck_assert_int_eq (varlb_pyramid_init_parse (&p.pyramid, "1,2,3,4,6"), VARLB_OK);
          p.d = 5;
          p.norm = VARLB_JL_SCALED;
          p.values = VARLB_VALUES_PM1;
        }
      p.jl = fam[k % 3];
      p.seed = 3 + k;
      ck_assert_int_eq (varlb_instance_init (&in, &p), VARLB_OK);
      varlb_criteria_t a, b;
      varlb_decode_report_t ra, rb;
      ck_assert_int_eq (varlb_instance_decode_criteria (&ra, &a, &in, NULL), VARLB_OK);
      ck_assert_int_eq (varlb_instance_decode_all (&rb, &in, NULL), VARLB_OK);
      ck_assert_int_eq (varlb_instance_criteria (&b, &in), VARLB_OK);
      ck_assert_uint_eq (ra.correct, rb.correct);
      double tol = 2.0 * fmax (a.coh.gram_error, b.coh.gram_error);
      ck_assert_msg (fabs (a.coh.max_offdiag - b.coh.max_offdiag) <= tol,
                     "k=%d: %.17g vs %.17g", k, a.coh.max_offdiag, b.coh.max_offdiag);
      ck_assert (fabs (a.coh.max_norm_dev - b.coh.max_norm_dev) <= tol);
      ck_assert (fabs (a.coh.min_gap - b.coh.min_gap) <= 2.0 * tol);
      ck_assert (fabs (a.coh.eps_emp - b.coh.eps_emp) <= tol);
      ck_assert_uint_eq (a.coh.arg_gap, b.coh.arg_gap);
      ck_assert (a.coh.arg_s == b.coh.arg_s || a.coh.arg_s == b.coh.arg_t);
      ck_assert_int_eq (a.gap_holds, b.gap_holds);
      ck_assert_int_eq (a.eps_holds, b.eps_holds);
      ck_assert (a.coh.gram_error > 0.0);
      varlb_instance_clear (&in);
      varlb_params_clear (&p);
    }
  /* One Alice key: no other key, so its gap is to Bob's zero keys, |k|^2 - 0. */
  varlb_instance_t in;
  varlb_criteria_t a;
  varlb_decode_report_t ra;
  test_instance_keyed (&in, "1,2", 64, 1, NULL); /* d = 64, seed 1: the defaults */
  ck_assert_int_eq (varlb_instance_decode_criteria (&ra, &a, &in, NULL), VARLB_OK);
  ck_assert_double_eq_tol (a.coh.min_gap, 1.0, 1e-12);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (bad_parameters_are_refused)
{
  varlb_params_t p;
  varlb_instance_t in;
  char why[256];
  varlb_params_init (&p);
  p.d = 0;
  ck_assert_int_eq (varlb_params_check (&p, why, sizeof why), VARLB_EINVAL);
  ck_assert_int_eq (varlb_instance_init (&in, &p), VARLB_EINVAL);
  p.d = VARLB_D_MAX + 1;
  ck_assert_int_eq (varlb_params_check (&p, why, sizeof why), VARLB_EINVAL);
  p.d = 64;
  p.C = 150; /* above VAR's temperature cap with unit keys */
  ck_assert_int_eq (varlb_params_check (&p, why, sizeof why), VARLB_EINVAL);
  p.norm = VARLB_JL_SCALED;
  ck_assert_int_eq (varlb_params_check (&p, why, sizeof why), VARLB_OK);
  p.eps = 0.5;
  ck_assert_int_eq (varlb_params_check (&p, why, sizeof why), VARLB_EINVAL);
  p.eps = 0.1;
  varlb_pyramid_clear (&p.pyramid);
  unsigned one[1] = { 4 };
  varlb_pyramid_init_list (&p.pyramid, one, 1);
  ck_assert_int_eq (varlb_params_check (&p, why, sizeof why), VARLB_EINVAL);
  varlb_params_clear (&p);
}
END_TEST

TEST_MAIN ("index_var", s)
{
  TCase *tc = test_case (s, "core", 600);
  ADD_TEST (tc, full_cache_decodes_every_bit_default);
  ADD_TEST (tc, criteria_from_the_decode_gram_match_a_separate_gram);
  tcase_add_loop_test (tc, full_cache_decodes_every_bit_each_preset, 0, 3);
  ADD_TEST (tc, full_cache_decodes_every_bit_over_seeds_and_families);
  ADD_TEST (tc, decoding_fails_far_below_log_condition);
  ADD_TEST (tc, instance_is_a_pure_function_of_the_seed);
  ADD_TEST (tc, bad_parameters_are_refused);
}
