/* test_model.c -- whole models (src/model.c, model_channel.c): per-head
 * seeds, head-by-head decoding, the bound (4 heads are 4 x one head; a row
 * against an independent count), N-D .npy, and v1 compressors per head
 * with the even split and its charged table.  The whole-model allocators
 * are test_alloc.c's. */
#define _GNU_SOURCE 1 /* memmem */
#include "testmodel.h"
#include <gsl/gsl_rng.h>

/* ------------------------------------------------------------- seeds */

START_TEST (heads_hold_independent_bits_and_public_keys_from_the_model_seed)
{
  varlb_model_t m;
  model (&m, 2, 2, 5);
  varlb_instance_t in[4];
  uint64_t P = varlb_seed_public (5);
  double *K = malloc (424 * 64 * sizeof *K);
  for (size_t i = 0; i < 4; i++)
    {
      ck_assert_int_eq (varlb_model_head_init (&in[i], &m, i / 2, i % 2), VARLB_OK);
      /* The half's rule: a head's keys from the model's public seed alone. */
      ck_assert_uint_eq (in[i].public_seed, varlb_seed_head_public (P, i / 2, i % 2));
      ck_assert_int_eq (varlb_public_keys (K, in[i].alice_tokens, 64, VARLB_JL_GAUSSIAN,
                                           VARLB_JL_UNIT, in[i].public_seed), VARLB_OK);
      ck_assert (memcmp (K, in[i].K, 424 * 64 * sizeof *K) == 0);
      /* Neither the run seed nor the public seed themselves. */
      ck_assert_uint_ne (in[i].public_seed, P);
      ck_assert_uint_ne (in[i].par.seed, 5);
      ck_assert_uint_eq (in[i].par.seed, varlb_seed_head (5, i / 2, i % 2));
      for (size_t j = 0; j < i; j++)
        {
          double a = test_agreement (&in[i], &in[j]);
          ck_assert_msg (a > 0.48 && a < 0.52, "heads %zu and %zu agree on %.3f of their bits",
                         j, i, a);
          ck_assert_uint_ne (in[i].public_seed, in[j].public_seed);
        }
    }
  /* The bits are secret: another judge key changes every head's bits, not
     its public keys. */
  varlb_model_t m2;
  varlb_params_t p;
  varlb_params_init (&p);
  p.seed = 5;
  memcpy (p.judge_key, KEY, sizeof KEY);
  p.judge_key[31] ^= 1;
  ck_assert_int_eq (varlb_model_init (&m2, &p, 2, 2), VARLB_OK);
  for (size_t i = 0; i < 4; i++)
    {
      varlb_instance_t o;
      ck_assert_int_eq (varlb_model_head_init (&o, &m2, i / 2, i % 2), VARLB_OK);
      ck_assert (memcmp (o.K, in[i].K, 424 * 64 * sizeof *K) == 0);
      double a = test_agreement (&o, &in[i]);
      ck_assert_msg (a > 0.48 && a < 0.52, "head %zu: %.3f of the bits survive a new key", i, a);
      varlb_instance_clear (&o);
    }
  for (size_t i = 0; i < 4; i++)
    varlb_instance_clear (&in[i]);
  free (K);
  varlb_params_clear (&p);
  varlb_model_clear (&m2);
  varlb_model_clear (&m);
}
END_TEST

START_TEST (head_seeds_depend_on_every_coordinate)
{
  /* (seed, layer, head) all enter the hash: no two of these collide. */
  uint64_t s[3][3][3];
  for (int a = 0; a < 3; a++)
    for (int l = 0; l < 3; l++)
      for (int h = 0; h < 3; h++)
        {
          s[a][l][h] = varlb_seed_head ((uint64_t) a << 32, (size_t) l, (size_t) h);
          for (int k = 0; k < a * 9 + l * 3 + h; k++)
            ck_assert_uint_ne (s[a][l][h], (&s[0][0][0])[k]);
        }
}
END_TEST

/* ------------------------------------------------------------ decoding */

START_TEST (two_by_two_model_decodes_every_bit_on_any_thread_count)
{
  varlb_model_t m;
  model (&m, 2, 2, 3);
  size_t N = varlb_model_hidden_bits (&m), hc[4];
  for (unsigned threads = 1; threads <= 2; threads++)
    {
      varlb_model_decode_report_t r;
      ck_assert_int_eq (varlb_model_decode_all (&r, &m, hc, threads), VARLB_OK);
      ck_assert_uint_eq (r.heads, 4);
      ck_assert_uint_eq (r.bits, N);
      ck_assert_uint_eq (r.correct, N);
      ck_assert_uint_eq (r.heads_perfect, 4);
      ck_assert_uint_eq (r.first_wrong_layer, (size_t) -1);
      for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq (hc[i], N / 4);
    }
  varlb_model_clear (&m);
}
END_TEST

START_TEST (model_decode_finds_the_head_that_fails)
{
  /* d = 4 at 256px cannot decode every bit: some head fails, and the
     report's counts are the heads' own. */
  varlb_params_t p;
  varlb_params_init (&p);
  p.d = 4;
  memcpy (p.judge_key, KEY, sizeof KEY);
  varlb_model_t m;
  ck_assert_int_eq (varlb_model_init (&m, &p, 1, 3), VARLB_OK);
  varlb_model_decode_report_t r;
  size_t hc[3], sum = 0;
  ck_assert_int_eq (varlb_model_decode_all (&r, &m, hc, 2), VARLB_OK);
  for (size_t i = 0; i < 3; i++)
    sum += hc[i];
  ck_assert_uint_eq (sum, r.correct);
  ck_assert_uint_lt (r.correct, r.bits);
  ck_assert_uint_eq (r.first_wrong_layer, 0);
  ck_assert_uint_eq (r.worst_correct, hc[r.worst_head]);
  for (size_t i = 0; i < 3; i++)
    ck_assert_uint_ge (hc[i], r.worst_correct);
  varlb_params_clear (&p);
  varlb_model_clear (&m);
}
END_TEST

/* --------------------------------------------------------------- bound */

START_TEST (bound_of_two_by_two_is_four_times_one_head)
{
  varlb_model_t one, four;
  model (&one, 1, 1, 1);
  model (&four, 2, 2, 1);
  varlb_instance_t in;
  ck_assert_int_eq (varlb_model_head_init (&in, &one, 0, 0), VARLB_OK);
  varlb_model_bound_t b1, b4;
  ck_assert_int_eq (varlb_model_bound (&b1, &one, 1.0), VARLB_OK);
  ck_assert_int_eq (varlb_model_bound (&b4, &four, 1.0), VARLB_OK);
  ck_assert_uint_eq (b1.N_total, in.N);
  ck_assert_uint_eq (b4.N_total, 4 * b1.N_total);
  ck_assert (b4.bits == 4 * b1.bits);
  ck_assert (b4.cache_fp16_bytes == 4 * b1.cache_fp16_bytes);
  /* Below accuracy 1 each is rounded down to whole bits once. */
  ck_assert_int_eq (varlb_model_bound (&b1, &one, 0.9), VARLB_OK);
  ck_assert_int_eq (varlb_model_bound (&b4, &four, 0.9), VARLB_OK);
  ck_assert (b4.bits >= 4 * b1.bits && b4.bits <= 4 * b1.bits + 4);
  ck_assert (b1.bits == floor (varlb_fano_bits_needed (0.9, (double) in.N)));
  varlb_instance_clear (&in);
  varlb_model_clear (&one);
  varlb_model_clear (&four);
}
END_TEST

START_TEST (bound_of_var_d30_at_1024px_matches_an_independent_count)
{
  /* VAR's 1024px patch_nums (FoundationVision/VAR, arXiv 2404.02905), counted here. */
  static const unsigned pn[] = { 1, 2, 3, 4, 5, 7, 9, 12, 16, 21, 27, 36, 48, 64 };
  double T = 0, alice = 0;
  for (size_t k = 0; k < 14; k++)
    {
      T += (double) pn[k] * pn[k];
      alice += k < 13 ? (double) pn[k] * pn[k] : 0;
    }
  ck_assert (T == 9451 && alice == 5355);
  varlb_params_t p;
  varlb_params_init (&p);
  varlb_pyramid_clear (&p.pyramid);
  ck_assert_int_eq (varlb_pyramid_init_preset (&p.pyramid, 1024), VARLB_OK);
  varlb_model_t m;
  ck_assert_int_eq (varlb_model_init_named (&m, &p, "var-d30"), VARLB_OK);
  varlb_model_bound_t b;
  ck_assert_int_eq (varlb_model_bound (&b, &m, 1.0), VARLB_OK);
  ck_assert (b.N_total == 30 * 30 * alice * 64);                 /* 308,448,000 */
  ck_assert (b.bytes == 30 * 30 * alice * 64 / 8);               /* 38.6 MB */
  ck_assert (b.cache_fp16_bytes == 2.0 * 2 * 30 * 30 * 64 * T);  /* 2.18 GB */
  ck_assert (b.ratio >= 8 * b.cache_fp16_bytes / b.bits);
  ck_assert (fabs (b.ratio - 56.47) < 0.01);
  /* The named model fixes d = 64 and refuses another. */
  varlb_model_clear (&m);
  p.d = 32;
  ck_assert_int_eq (varlb_model_init_named (&m, &p, "var-d30"), VARLB_EINVAL);
  p.d = 64;
  ck_assert_int_eq (varlb_model_init_named (&m, &p, "var-d31"), VARLB_EINVAL);
  /* The released models (FoundationVision/VAR README): d16-d30 at 256px,
     d36 at 512px with shared AdaLN; depth = layers = heads. */
  static const struct { const char *name; size_t depth; int px, saln; } zoo[] = {
    { "var-d16", 16, 256, 0 }, { "var-d20", 20, 256, 0 }, { "var-d24", 24, 256, 0 },
    { "var-d30", 30, 256, 0 }, { "var-d36", 36, 512, 1 }
  };
  for (size_t i = 0; i < 5; i++)
    {
      size_t depth = 0;
      int px = 0, saln = -1;
      ck_assert_str_eq (varlb_model_name_at (i), zoo[i].name);
      ck_assert_int_eq (varlb_model_named_info (&depth, &px, &saln, zoo[i].name), VARLB_OK);
      ck_assert (depth == zoo[i].depth && px == zoo[i].px && saln == zoo[i].saln);
      ck_assert_int_eq (varlb_model_init_named (&m, &p, zoo[i].name), VARLB_OK);
      ck_assert (m.layers == zoo[i].depth && m.heads == zoo[i].depth);
      varlb_model_clear (&m);
    }
  ck_assert (varlb_model_name_at (5) == NULL);
  ck_assert_int_eq (varlb_model_named_info (NULL, NULL, NULL, "var-d31"), VARLB_EINVAL);
  ck_assert_int_eq (varlb_model_init (&m, &p, 0, 4), VARLB_EINVAL);
  ck_assert_int_eq (varlb_model_init (&m, &p, 2, 2), VARLB_OK);
  ck_assert_int_eq (varlb_model_bound (&b, &m, 0.49), VARLB_EINVAL);
  ck_assert_int_eq (varlb_model_bound (&b, &m, 1.01), VARLB_EINVAL);
  varlb_model_clear (&m);
  varlb_params_clear (&p);
}
END_TEST

/* ------------------------------------------------------------ N-D .npy */

START_TEST (npy_nd_round_trips_and_the_2d_api_refuses_more)
{
  size_t dims[4] = { 2, 3, 5, 7 }, got[VARLB_NPY_MAX_DIMS];
  double a[210], *b = NULL;
  for (size_t i = 0; i < 210; i++)
    a[i] = (double) i * 0.25 - 3.0;
  unsigned char *buf;
  size_t len, rows, cols;
  int nd;
  ck_assert_int_eq (varlb_npy_encode_nd (&buf, &len, a, dims, 4), VARLB_OK);
  ck_assert_uint_eq (len % 8, 0);
  ck_assert (memmem (buf, len, "'shape': (2, 3, 5, 7)", 21) != NULL);
  ck_assert_int_eq (varlb_npy_parse_nd (buf, len, &b, got, &nd), VARLB_OK);
  ck_assert_int_eq (nd, 4);
  ck_assert (memcmp (got, dims, sizeof dims) == 0 && memcmp (a, b, sizeof a) == 0);
  free (b);
  ck_assert_int_eq (varlb_npy_parse (buf, len, &b, &rows, &cols), VARLB_EFORMAT);
  ck_assert_ptr_null (b);
  /* A byte short, a byte long: refused. */
  ck_assert_int_eq (varlb_npy_parse_nd (buf, len - 1, &b, got, &nd), VARLB_EFORMAT);
  free (buf);
  /* The 2-D writer's bytes are the N-D writer's at two dimensions. */
  unsigned char *b2, *bn;
  size_t l2, ln, d2[2] = { 3, 70 };
  ck_assert_int_eq (varlb_npy_encode (&b2, &l2, a, 3, 70), VARLB_OK);
  ck_assert_int_eq (varlb_npy_encode_nd (&bn, &ln, a, d2, 2), VARLB_OK);
  ck_assert (l2 == ln && memcmp (b2, bn, l2) == 0);
  ck_assert_int_eq (varlb_npy_parse (b2, l2, &b, &rows, &cols), VARLB_OK);
  ck_assert (rows == 3 && cols == 70);
  free (b), free (b2), free (bn);
  /* Nine dimensions are refused. */
  size_t nine[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  ck_assert_int_eq (varlb_npy_encode_nd (&buf, &len, a, nine, 9), VARLB_EINVAL);
  static const char h[] = "\x93NUMPY\x01\x00\x76\x00{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }";
  unsigned char img[10 + 0x76 + 8];
  memset (img, ' ', sizeof img);
  memcpy (img, h, sizeof h - 1);
  img[10 + 0x75] = '\n';
  ck_assert_int_eq (varlb_npy_parse_nd (img, sizeof img, &b, got, &nd), VARLB_EFORMAT);
}
END_TEST

/* ------------------------------------------ version 1, head by head */

START_TEST (split_budget_is_even_in_whole_bits_after_the_table)
{
  double sum = 0;
  for (size_t i = 0; i < 7; i++)
    {
      double b = varlb_model_split_budget (1000, 7, i);
      ck_assert (b == floor (b));
      /* 1000 - 7 x 32 = 776 = 7 x 110 + 6: the first six get 111. */
      ck_assert (b == (i < 6 ? 111 : 110));
      sum += b;
    }
  ck_assert (sum == 1000 - 7 * VARLB_MODEL_SPLIT_TABLE_BITS);
  ck_assert (varlb_model_split_budget (100, 7, 0) == 0);
}
END_TEST

START_TEST (v1_builtin_runs_per_head_with_a_charged_table)
{
  cache_t c;
  cache_init (&c, 2, 2, 19, NULL);
  const varlb_compressor_t *v1 = varlb_compressor_find ("identity");
  varlb_blob_t *b = &c.b;
  ck_assert_int_eq (varlb_model_split_compress (b, v1, c.K, c.V, 2, 2, c.T, c.d, c.d, 1e9, c.P,
                                                &c.k, &c.py), VARLB_OK);
  /* The table: four lengths adding up to the rest of the blob. */
  size_t sum = 0;
  for (size_t i = 0; i < 4; i++)
    sum += test_le32 (b->data + 4 * i);
  ck_assert_uint_eq (sum + 16, b->len);
  double *O = malloc (4 * c.T * c.d * sizeof *O);
  ck_assert_int_eq (varlb_model_split_answer (O, v1, b->data, b->len, c.P, c.Q, 2, 2, c.T, c.d,
                                              c.d, &c.k, &c.py), VARLB_OK);
  ck_assert_uint_eq (score (&c, O), varlb_model_hidden_bits (&c.m));
  /* A table that does not add up is refused. */
  b->data[0] ^= 1;
  ck_assert_int_eq (varlb_model_split_answer (O, v1, b->data, b->len, c.P, c.Q, 2, 2, c.T, c.d,
                                              c.d, &c.k, &c.py), VARLB_EFORMAT);
  ck_assert_int_eq (varlb_model_split_answer (O, v1, b->data, 15, c.P, c.Q, 2, 2, c.T, c.d, c.d,
                                              &c.k, &c.py), VARLB_EFORMAT);
  free (O);
  cache_clear (&c);
}
END_TEST

TEST_MAIN ("model", s)
{
  TCase *tc = test_case (s, "core", 60);
  ADD_TEST (tc, heads_hold_independent_bits_and_public_keys_from_the_model_seed);
  ADD_TEST (tc, head_seeds_depend_on_every_coordinate);
  ADD_TEST (tc, two_by_two_model_decodes_every_bit_on_any_thread_count);
  ADD_TEST (tc, model_decode_finds_the_head_that_fails);
  ADD_TEST (tc, bound_of_two_by_two_is_four_times_one_head);
  ADD_TEST (tc, bound_of_var_d30_at_1024px_matches_an_independent_count);
  ADD_TEST (tc, npy_nd_round_trips_and_the_2d_api_refuses_more);
  ADD_TEST (tc, split_budget_is_even_in_whole_bits_after_the_table);
  ADD_TEST (tc, v1_builtin_runs_per_head_with_a_charged_table);
}
