/* test_pyramid.c -- VAR scale schedules: token counts of the presets, index
 * round trips, block-causal visibility, rejection of bad schedules. */
#include "testutil.h"

START_TEST (presets_have_var_token_counts)
{
  const int px[] = { 256, 512, 1024 };
  const size_t T[] = { 680, 2240, 9451 };
  const size_t alice[] = { 424, 1216, 5355 };
  for (int i = 0; i < 3; i++)
    {
      varlb_pyramid_t p;
      ck_assert_int_eq (varlb_pyramid_init_preset (&p, px[i]), VARLB_OK);
      ck_assert_uint_eq (varlb_pyramid_token_count (&p), T[i]);
      ck_assert_uint_eq (varlb_pyramid_prefix (&p, p.scales - 1), alice[i]);
      varlb_pyramid_clear (&p);
    }
}
END_TEST

START_TEST (token_index_round_trips)
{
  varlb_pyramid_t p;
  ck_assert_int_eq (varlb_pyramid_init_preset (&p, 512), VARLB_OK);
  size_t T = varlb_pyramid_token_count (&p);
  for (size_t t = 0; t < T; t++)
    {
      size_t k;
      unsigned r, c;
      ck_assert_int_eq (varlb_pyramid_token_position (&p, t, &k, &r, &c), VARLB_OK);
      ck_assert_uint_eq (varlb_pyramid_token_index (&p, k, r, c), t);
    }
  size_t k;
  unsigned r, c;
  ck_assert_int_eq (varlb_pyramid_token_position (&p, T, &k, &r, &c), VARLB_EINVAL);
  ck_assert_uint_eq (varlb_pyramid_token_index (&p, 0, 1, 0), (size_t) -1);
  varlb_pyramid_clear (&p);
}
END_TEST

START_TEST (visibility_is_block_causal)
{
  varlb_pyramid_t p;
  ck_assert_int_eq (varlb_pyramid_init_parse (&p, "1, 2,3"), VARLB_OK);
  /* tokens: 0 | 1..4 | 5..13 */
  ck_assert_int_eq (varlb_pyramid_visible (&p, 0, 0), 1);
  ck_assert_int_eq (varlb_pyramid_visible (&p, 0, 1), 0);
  ck_assert_int_eq (varlb_pyramid_visible (&p, 1, 4), 1);  /* same scale, later token */
  ck_assert_int_eq (varlb_pyramid_visible (&p, 4, 0), 1);
  ck_assert_int_eq (varlb_pyramid_visible (&p, 4, 5), 0);
  ck_assert_int_eq (varlb_pyramid_visible (&p, 13, 5), 1);
  ck_assert_int_eq (varlb_pyramid_visible (&p, 5, 13), 1);
  varlb_pyramid_clear (&p);
}
END_TEST

START_TEST (bad_schedules_are_rejected)
{
  varlb_pyramid_t p;
  const char *bad[] = { "", "1,1,2", "3,2", "1,,2", "1,2,", "a", "0,1", "1,5000", "-1,2", "1;2" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    ck_assert_msg (varlb_pyramid_init_parse (&p, bad[i]) == VARLB_EINVAL, "accepted '%s'", bad[i]);
  ck_assert_int_eq (varlb_pyramid_init_list (&p, NULL, 0), VARLB_EINVAL);
  ck_assert_int_eq (varlb_pyramid_init_preset (&p, 300), VARLB_EINVAL);
  char buf[64];
  ck_assert_int_eq (varlb_pyramid_init_parse (&p, "1,2,4,8"), VARLB_OK);
  varlb_pyramid_format (&p, buf, sizeof buf);
  ck_assert_str_eq (buf, "1,2,4,8");
  varlb_pyramid_clear (&p);
}
END_TEST

START_TEST (geometric_pyramid_halves_down_to_one)
{
  varlb_pyramid_t p;
  char buf[128];
  ck_assert_int_eq (varlb_pyramid_init_geometric (&p, 16), VARLB_OK);
  varlb_pyramid_format (&p, buf, sizeof buf);
  ck_assert_str_eq (buf, "1,2,4,8,16");
  ck_assert_uint_eq (varlb_pyramid_token_count (&p), 1 + 4 + 16 + 64 + 256);
  varlb_pyramid_clear (&p);
  ck_assert_int_eq (varlb_pyramid_init_geometric (&p, 12), VARLB_OK);
  varlb_pyramid_format (&p, buf, sizeof buf);
  ck_assert_str_eq (buf, "1,2,3,6,12");
  varlb_pyramid_clear (&p);
  for (unsigned n = 1; n <= 300; n++)
    {
      ck_assert_int_eq (varlb_pyramid_init_geometric (&p, n), VARLB_OK);
      ck_assert_uint_eq (p.pn[p.scales - 1], n);
      ck_assert_uint_eq (p.pn[0], 1);
      /* Alice's tokens are Theta(n^2): at most n^2 (a geometric series). */
      ck_assert_uint_le (varlb_pyramid_prefix (&p, p.scales - 1), (size_t) n * n);
      varlb_pyramid_clear (&p);
    }
  ck_assert_int_eq (varlb_pyramid_init_geometric (&p, 0), VARLB_EINVAL);
}
END_TEST

TEST_MAIN ("pyramid", s)
{
  TCase *tc = test_case (s, "core", 60);
  ADD_TEST (tc, presets_have_var_token_counts);
  ADD_TEST (tc, token_index_round_trips);
  ADD_TEST (tc, visibility_is_block_causal);
  ADD_TEST (tc, bad_schedules_are_rejected);
  ADD_TEST (tc, geometric_pyramid_halves_down_to_one);
}
