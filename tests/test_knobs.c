/* test_knobs.c -- a compressor's knobs (src/blob.c): "k=v,k=v" text parsed
 * into pairs and malformed text refused; the pairs checked against a
 * compressor's knob table (unknown names, bad types, out of range). */
#include "testutil.h"
#include <math.h>
#include <string.h>

START_TEST (knobs_parse_pairs_and_refuse_malformed_text)
{
  varlb_knobs_t k;
  varlb_knobs_init (&k);
  ck_assert_int_eq (varlb_knobs_parse (&k, "a=1,b=x,a=2"), VARLB_OK);
  ck_assert_uint_eq (k.n, 3);
  ck_assert_str_eq (varlb_knobs_get (&k, "a"), "2"); /* the last one wins */
  ck_assert_str_eq (varlb_knobs_get (&k, "b"), "x");
  ck_assert_ptr_null (varlb_knobs_get (&k, "c"));
  varlb_knobs_clear (&k);
  const char *bad[] = { "a", "=1", "a=1,,b=2", "a=1,b" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      varlb_knobs_init (&k);
      ck_assert_msg (varlb_knobs_parse (&k, bad[i]) == VARLB_EINVAL, "accepted '%s'", bad[i]);
      varlb_knobs_clear (&k);
    }
  varlb_knobs_init (&k);
  ck_assert_int_eq (varlb_knobs_parse (&k, ""), VARLB_OK);
  ck_assert_uint_eq (k.n, 0);
  varlb_knobs_clear (&k);
}
END_TEST

START_TEST (knobs_check_refuses_unknown_names_bad_types_and_out_of_range)
{
  static const varlb_knob_t table[] = {
    { "bits", VARLB_KNOB_INT, "4", 1, 16, "" },
    { "frac", VARLB_KNOB_DOUBLE, "0.5", 0, 1, "" },
    { "mode", VARLB_KNOB_STRING, "a", 0, 0, "" },
  };
  varlb_compressor_t c = { VARLB_COMPRESSOR_ABI, "fake", "", table, 3, NULL, NULL, NULL, NULL };
  const char *good[] = { "", "bits=1", "bits=16,frac=0,mode=b", "frac=1", "frac=0.25" };
  const char *bad[] = { "colour=red", "bits=1.5", "bits=0", "bits=17", "bits=x",
                        "frac=1.01", "frac=-0.1", "frac=nan", "frac=inf", "mode=" };
  char why[256];
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    {
      varlb_knobs_t k;
      varlb_knobs_init (&k);
      ck_assert_int_eq (varlb_knobs_parse (&k, good[i]), VARLB_OK);
      ck_assert_msg (varlb_knobs_check (&c, &k, why, sizeof why) == VARLB_OK, "refused '%s'", good[i]);
      varlb_knobs_clear (&k);
    }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      varlb_knobs_t k;
      varlb_knobs_init (&k);
      why[0] = '\0';
      int st = varlb_knobs_parse (&k, bad[i]);
      if (st == VARLB_OK)
        st = varlb_knobs_check (&c, &k, why, sizeof why);
      ck_assert_msg (st == VARLB_EINVAL, "accepted '%s'", bad[i]);
      ck_assert_ptr_null (strchr (why, '\n')); /* one line */
      varlb_knobs_clear (&k);
    }
}
END_TEST

TEST_MAIN ("knobs", s)
{
  TCase *tc = test_case (s, "knobs", 60);
  ADD_TESTS (tc, knobs_parse_pairs_and_refuse_malformed_text,
             knobs_check_refuses_unknown_names_bad_types_and_out_of_range);
}
