/* test_pq.c -- product quantisation's codebooks (src/compressors/pq.c and
 * faiss's twin): public codebooks free of the budget, recorded as
 * calibration and rebuilt identically by answer; fewer tokens coded rather
 * than one centroid; subvectors chosen for the budget; an unknown codebooks
 * value refused. */
#include "testzoo.h"

START_TEST (pq_public_codebooks_are_free_and_recorded_as_calibration)
{
  /* Same knobs but codebooks=public: the blob loses exactly the codebooks
     (c x (d + dv) entries at 16 bits) and holds the 192-bit header (n, Mk,
     ck, Mv, cv, precision) and the codes only; the knob setting, and only
     it, names a free calibration. */
  varlb_instance_t in;
  test_instance (&in, SEED);
  const varlb_compressor_t *c = test_compressor ("pq");
  ck_assert (c->calibration != NULL);
  const char *ki = "bits=6,subvectors=8", *kp = "bits=6,subvectors=8,codebooks=public";
  varlb_knobs_t k;
  test_knobs (&k, c, ki, 0);
  ck_assert_ptr_null (c->calibration (&k));
  varlb_knobs_clear (&k);
  test_knobs (&k, c, kp, 0);
  const char *note = c->calibration (&k);
  ck_assert (note != NULL && strstr (note, "codebooks=public") != NULL);
  varlb_knobs_clear (&k);
  varlb_blob_t a, b;
  compress_named (&a, "pq", ki, &in, 32.0 * (double) in.N);
  compress_named (&b, "pq", kp, &in, 32.0 * (double) in.N);
  ck_assert_uint_ge (b.len, 24);
  size_t n = test_le32 (b.data), Mk = test_le32 (b.data + 4), ck = test_le32 (b.data + 8);
  size_t Mv = test_le32 (b.data + 12), cv = test_le32 (b.data + 16);
  ck_assert_uint_eq (n, in.alice_tokens);
  ck_assert_uint_eq (Mk, 8);
  ck_assert_uint_eq (Mv, 8);
  ck_assert_uint_eq (ck, 64);
  ck_assert_uint_eq (cv, 64);
  ck_assert_uint_eq (8 * b.len, 192 + 8 * ((n * (Mk + Mv) * 6 + 7) / 8));
  ck_assert_uint_eq (8 * (a.len - b.len), 64 * (in.d + in.d) * 16);
  varlb_blob_clear (&a);
  varlb_blob_clear (&b);
  varlb_instance_clear (&in);
}
END_TEST


START_TEST (pq_public_codebooks_are_rebuilt_identically_by_answer)
{
  /* Past 64 centroids the public codebook is the first c calibration
     tokens themselves.  Compress the first T of them (regenerated here
     from the seed the calibration note names) with whole-vector codes of 9
     bits (c = 512 > T) at fp64: every token is a centroid, so if answer
     rebuilds the codebooks compress used, its output is exact attention
     over that cache. */
  varlb_instance_t in;
  test_instance (&in, SEED);
  const varlb_compressor_t *c = test_compressor ("pq");
  size_t T = in.alice_tokens, d = in.d;
  double *K = malloc (T * d * sizeof *K), *V = malloc (T * d * sizeof *V);
  gsl_rng *rk = varlb_rng_new (UINT64_C (0x70715f63616c6962), VARLB_STREAM_COMPRESSOR);
  gsl_rng *rv = varlb_rng_new (varlb_seed_mix (UINT64_C (0x70715f63616c6962), 1),
                               VARLB_STREAM_COMPRESSOR);
  ck_assert (K && V && rk && rv);
  ck_assert_int_eq (varlb_jl_keys (K, T, d, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, rk), VARLB_OK);
  for (size_t i = 0; i < T * d; i++)
    V[i] = (double) gsl_rng_uniform_int (rv, 2);
  gsl_rng_free (rk);
  gsl_rng_free (rv);
  varlb_knobs_t k;
  test_knobs (&k, c, "subvectors=1,bits=9,precision=64,codebooks=public", 0);
  varlb_blob_t b;
  varlb_blob_init (&b);
  ck_assert_int_eq (c->compress (&b, K, V, T, d, d, 64.0 * (double) in.N, in.public_seed, &k,
                                 &in.par.pyramid), VARLB_OK);
  ck_assert_uint_eq (test_le32 (b.data), T);
  ck_assert_uint_eq (test_le32 (b.data + 8), 512);
  size_t m = 16;
  double *Q = malloc (m * d * sizeof *Q), *O = malloc (m * d * sizeof *O);
  double *ref = malloc (m * d * sizeof *ref);
  ck_assert (Q && O && ref);
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < d; j++)
      Q[i * d + j] = 16.0 * K[(i * 7) * d + j];
  ck_assert_int_eq (c->answer (O, b.data, b.len, in.public_seed, Q, m, d, d, &k, &in.par.pyramid),
                    VARLB_OK);
  ck_assert_int_eq (varlb_attention (ref, Q, m, K, V, T, d, d, NULL, NULL, NULL), VARLB_OK);
  for (size_t i = 0; i < m * d; i++)
    ck_assert_msg (fabs (O[i] - ref[i]) < 1e-12, "output %zu: %.17g, exact %.17g", i, O[i],
                   ref[i]);
  free (Q), free (O), free (ref), free (K), free (V);
  varlb_blob_clear (&b);
  varlb_knobs_clear (&k);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (pq_codes_fewer_tokens_rather_than_one_centroid)
{
  /* One centroid carries nothing: at every budget each coded subspace has
     two centroids or more (unless a single token is coded), and when two
     do not fit every token, a prefix of the tokens is coded instead. */
  varlb_instance_t in;
  test_instance (&in, SEED);
  const char *knobs[] = { "", "subvectors=8", "subvectors=2,bits=0", "codebooks=public" };
  const double frac[] = { 1.0 / 64, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1.0 };
  size_t fewer = 0;
  for (size_t k = 0; k < sizeof knobs / sizeof *knobs; k++)
    for (size_t f = 0; f < sizeof frac / sizeof *frac; f++)
      {
        varlb_blob_t b;
        compress_named (&b, "pq", knobs[k], &in, floor (frac[f] * (double) in.N));
        ck_assert_uint_ge (b.len, 24);
        size_t n = test_le32 (b.data), ck = test_le32 (b.data + 8), cv = test_le32 (b.data + 16);
        ck_assert_msg (n < 2 || (ck >= 2 && cv >= 2), "pq:%s at N x %g: %zu tokens, %zu and %zu centroids",
                       knobs[k], frac[f], n, ck, cv);
        fewer += n > 0 && n < in.alice_tokens;
        varlb_blob_clear (&b);
      }
  ck_assert_uint_gt (fewer, 0);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (pq_chooses_subvectors_for_the_budget)
{
  /* With the sub-vector count and bits chosen for the budget (for K and V
     apart), 1.66 N decodes nearly every bit (faiss PQ: 99% there; a fixed
     two sub-vectors gave 55%), and N/4 stays under the Fano ceiling. */
  zoo_run_t z;
  zoo_run_init (&z, test_compressor ("pq"), "", 1);
  size_t len;
  double acc = accuracy (&z, floor (1.66 * (double) z.in.N), &len, NULL);
  ck_assert_msg (acc >= 0.95, "pq at 1.66 N: accuracy %.4f", acc);
  zoo_run_clear (&z);
}
END_TEST

START_TEST (pq_public_codebooks_keep_improving_past_n)
{
  /* Public codebooks fitted on more calibration tokens than the cache has:
     past N they keep improving (they plateaued at 73% when the calibration
     was capped at T), and answer rebuilds exactly the codebooks compress
     used, or nothing would decode. */
  zoo_run_t z;
  zoo_run_init (&z, test_compressor ("pq"), "codebooks=public", 1);
  size_t len;
  double at_n = accuracy (&z, (double) z.in.N, &len, NULL);
  double at_4n = accuracy (&z, 4.0 * (double) z.in.N, &len, NULL);
  ck_assert_msg (at_4n >= 0.95 && at_4n > at_n, "pq:codebooks=public: %.4f at N, %.4f at 4N", at_n,
                 at_4n);
  zoo_run_clear (&z);
}
END_TEST

/* A blob of the eviction machinery whose first kept key is NaN: answer
   refuses it (VARLB_EFORMAT) instead of answering with it. */
START_TEST (pq_unknown_codebooks_value_is_refused)
{
  zoo_run_t z;
  zoo_run_init (&z, test_compressor ("pq"), "codebooks=secret", 0);
  ck_assert_int_eq (zoo_try_compress (&z.b, &z, (double) z.in.N), VARLB_EINVAL);
  ck_assert_ptr_null (z.c->calibration (&z.k));
  zoo_run_clear (&z);
}
END_TEST

TEST_MAIN ("pq", s)
{
  TCase *tp = test_case (s, "pq", 600);
  tcase_add_test (tp, pq_public_codebooks_are_free_and_recorded_as_calibration);
  tcase_add_test (tp, pq_unknown_codebooks_value_is_refused);
  tcase_add_test (tp, pq_public_codebooks_are_rebuilt_identically_by_answer);
  tcase_add_test (tp, pq_codes_fewer_tokens_rather_than_one_centroid);
  tcase_add_test (tp, pq_chooses_subvectors_for_the_budget);
  tcase_add_test (tp, pq_public_codebooks_keep_improving_past_n);
}
