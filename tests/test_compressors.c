/* test_compressors.c -- the built-in compressor zoo (src/compressors/zoo.def)
 * on the default 256px hard instance, in process: every compressor decodes
 * every bit when the budget holds the whole cache, fits its blob into N/4
 * bits and then stays under the Fano ceiling, rejects truncated or padded
 * blobs, and is deterministic given the public seed.  Iterates over zoo.def
 * so new compressors are covered without editing this file. */
#include "testzoo.h"
#include <gsl/gsl_rng.h>

START_TEST (zoo_lists_every_compressor_with_described_knobs)
{
  ck_assert_uint_ge (ZOO_N, 9);
  for (size_t i = 0; i < ZOO_N; i++)
    {
      const varlb_compressor_t *c = zoo_at (i);
      ck_assert_int_eq (c->abi, VARLB_COMPRESSOR_ABI);
      ck_assert (c->description && c->description[0]);
      for (size_t j = 0; j < c->n_knobs; j++)
        {
          const varlb_knob_t *kb = &c->knobs[j];
          ck_assert (kb->name && kb->def && kb->help && kb->help[0]);
          if (kb->type != VARLB_KNOB_STRING)
            {
              double v = strtod (kb->def, NULL);
              ck_assert_msg (v >= kb->min && v <= kb->max, "%s: knob %s default %s out of range",
                             c->name, kb->name, kb->def);
            }
        }
    }
}
END_TEST

START_TEST (budget_above_lossless_size_decodes_every_bit)
{
  zoo_run_t z;
  zoo_run_init (&z, zoo_at ((size_t) _i), "", 1);
  size_t len;
  double budget = lossless_budget (&z.in);
  double acc = accuracy (&z, budget, &len, NULL);
  ck_assert_msg (acc == 1.0, "%s at %g bits (blob %zu bits): accuracy %.6f", z.c->name,
                 budget, 8 * len, acc);
  ck_assert_double_le (8.0 * (double) len, budget);
  zoo_run_clear (&z);
}
END_TEST

/* Z's blob at BUDGET fits it, and the accuracy stays under the Fano
   ceiling at the blob's bits (WHAT names the knobs in a failure). */
static void
check_fits_under_fano_ceiling (zoo_run_t *z, double budget, const char *what)
{
  size_t len;
  double acc = accuracy (z, budget, &len, NULL);
  ck_assert_msg (8.0 * (double) len <= budget, "%s:%s: blob of %zu bits over a budget of %g",
                 z->c->name, what, 8 * len, budget);
  double ceil = varlb_fano_ceiling (8.0 * (double) len, (double) z->in.N);
  ck_assert_msg (acc <= ceil, "%s:%s: accuracy %.6f above the Fano ceiling %.6f for %zu bits",
                 z->c->name, what, acc, ceil, 8 * len);
}

START_TEST (quarter_budget_fits_and_stays_under_fano_ceiling)
{
  zoo_run_t z;
  zoo_run_init (&z, zoo_at ((size_t) _i), "", 1);
  check_fits_under_fano_ceiling (&z, (double) z.in.N / 4.0, "");
  zoo_run_clear (&z);
}
END_TEST

START_TEST (blob_fits_every_budget_from_n_over_16_to_n)
{
  zoo_run_t z;
  zoo_run_init (&z, zoo_at ((size_t) _i), "", 0);
  const double frac[] = { 1.0 / 16, 1.0 / 8, 1.0 / 2, 1.0 };
  for (size_t f = 0; f < sizeof frac / sizeof *frac; f++)
    {
      double budget = floor (frac[f] * (double) z.in.N);
      zoo_compress (&z.b, &z, budget);
      ck_assert_msg (8.0 * (double) z.b.len <= budget, "%s: %zu bits over a budget of %g",
                     z.c->name, 8 * z.b.len, budget);
    }
  zoo_run_clear (&z);
}
END_TEST


START_TEST (blob_reader_never_reads_past_the_end)
{
  /* Every field read needs all its bytes: with fewer left the reader
     returns 0, reads nothing and stays bad, for every field width and
     every shortfall (1 .. width bytes), at the blob's end. */
  unsigned char blob[16];
  for (int i = 0; i < 16; i++)
    blob[i] = (unsigned char) (0xA0 + i);
  const unsigned widths[] = { 2, 4, 8 };
  for (int w = 0; w < 3; w++)
    for (unsigned left = 0; left < widths[w]; left++)
      {
        cc_reader_t r;
        cc_reader_init (&r, blob + 16 - left, left);
        double v = widths[w] == 2 ? cc_get_f16 (&r) : widths[w] == 4 ? (double) cc_get_u32 (&r)
                                                                     : cc_get_f64 (&r);
        ck_assert_msg (r.bad && v == 0.0, "width %u with %u bytes left: read", widths[w], left);
        ck_assert_uint_eq (r.left, left);
        ck_assert (r.p == blob + 16 - left);
      }
  /* Exactly enough is fine, and then nothing is left. */
  cc_reader_t r;
  cc_reader_init (&r, blob + 12, 4);
  ck_assert_uint_eq (cc_get_u32 (&r), 0xAFAEADACu);
  ck_assert (!r.bad && r.left == 0);
  cc_get_u32 (&r);
  ck_assert (r.bad);
  cc_reader_init (&r, blob, 3);
  cc_reader_skip (&r, 4);
  ck_assert (r.bad);
  size_t pos = 0;
  cc_reader_init (&r, blob, 1);
  cc_get_bits (&r, &pos, 9);
  ck_assert (r.bad);
}
END_TEST

START_TEST (truncated_or_padded_blob_is_rejected)
{
  zoo_run_t z;
  zoo_run_init (&z, zoo_at ((size_t) _i), "", 0);
  zoo_compress (&z.b, &z, (double) z.in.N / 2.0);
  size_t m = 8, len = z.b.len; /* a few rows are enough to reach the decoder */
  /* Exact sizes, so memcheck (tests/valgrind_blobs.sh) sees any overrun. */
  double *O = malloc (m * z.in.d * sizeof *O);
  unsigned char *buf = malloc (len + 2);
  ck_assert (O && buf);
  const size_t cuts[] = { 0, 1, 3, 4, 7, 12, len / 2, len - 1 };
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
    {
      size_t n = cuts[i];
      if (n >= len)
        continue;
      /* An exact-size copy: reading past it would be a heap overrun. */
      unsigned char *cut = malloc (n ? n : 1);
      memcpy (cut, z.b.data, n);
      int st = zoo_answer (O, &z, cut, n, m);
      ck_assert_msg (st < 0, "%s: answer accepted a blob cut to %zu of %zu bytes", z.c->name, n,
                     len);
      free (cut);
    }
  memcpy (buf, z.b.data, len);
  buf[len] = 0;
  int st = zoo_answer (O, &z, buf, len + 1, m);
  ck_assert_msg (st < 0, "%s: answer accepted a blob with a trailing byte", z.c->name);
  free (buf), free (O);
  zoo_run_clear (&z);
}
END_TEST

START_TEST (corrupted_blob_never_crashes_answer)
{
  /* Random byte changes, mostly in the header where sizes live: answer may
     accept or reject, but must return (no crash, no huge allocation, no
     read past the exact-size buffer) with a defined status. */
  zoo_run_t z;
  zoo_run_init (&z, zoo_at ((size_t) _i), "", 0);
  zoo_compress (&z.b, &z, (double) z.in.N / 4.0);
  size_t m = 4, len = z.b.len;
  double *O = malloc (m * z.in.d * sizeof *O); /* exact sizes, as above */
  unsigned char *buf = malloc (len ? len : 1);
  gsl_rng *r = varlb_rng_new (SEED, VARLB_STREAM_USER);
  ck_assert (O && buf && r);
  /* 300 corruptions natively; tests/valgrind_blobs.sh asks for fewer
     (VARLB_CORRUPT_TRIALS), as ratedist's and polarquant's answers rebuild
     their codes per call and take a minute each under memcheck. */
  const char *env = getenv ("VARLB_CORRUPT_TRIALS");
  int trials = env && atoi (env) > 0 ? atoi (env) : 300;
  for (int trial = 0; trial < trials; trial++)
    {
      memcpy (buf, z.b.data, len);
      for (int flips = 0; flips < 3; flips++)
        {
          size_t at = gsl_rng_uniform_int (r, 2) ? gsl_rng_uniform_int (r, len < 24 ? len : 24)
                                                 : gsl_rng_uniform_int (r, len);
          buf[at] = (unsigned char) gsl_rng_uniform_int (r, 256);
        }
      int st = zoo_answer (O, &z, buf, len, m);
      ck_assert_msg (st == VARLB_OK || st == VARLB_EFORMAT || st == VARLB_ENOMEM
                     || st == VARLB_EINVAL || st == VARLB_ENUMERIC,
                     "%s: answer returned %d on a corrupted blob", z.c->name, st);
    }
  gsl_rng_free (r);
  free (buf), free (O);
  zoo_run_clear (&z);
}
END_TEST

START_TEST (compress_and_answer_are_deterministic_given_the_seed)
{
  zoo_run_t z;
  zoo_run_init (&z, zoo_at ((size_t) _i), "", 0);
  varlb_blob_t b;
  varlb_blob_init (&b);
  double budget = (double) z.in.N / 2.0;
  zoo_compress (&z.b, &z, budget);
  zoo_compress (&b, &z, budget);
  ck_assert_uint_eq (z.b.len, b.len);
  ck_assert_msg (memcmp (z.b.data, b.data, b.len) == 0, "%s: two blobs differ", z.c->name);
  size_t m = 64;
  double *O2 = malloc (m * z.in.d * sizeof *O2);
  ck_assert (O2 != NULL);
  ck_assert_int_eq (zoo_answer (z.O, &z, z.b.data, z.b.len, m), VARLB_OK);
  ck_assert_int_eq (zoo_answer (O2, &z, z.b.data, z.b.len, m), VARLB_OK);
  ck_assert_msg (memcmp (z.O, O2, m * z.in.d * sizeof *O2) == 0, "%s: two answers differ",
                 z.c->name);
  free (O2);
  varlb_blob_clear (&b);
  zoo_run_clear (&z);
}
END_TEST


/* Non-default knob settings (each compressor's knobs at other values):
   a given knob never excuses a blob over the budget, and the Fano ceiling
   binds whatever the knobs.  From turboquant on: the quantizers of
   test_zoo_quant.c and the selectors of test_zoo_select.c. */
static const char *const variants[][2] = {
  { "kivi", "bits=2" }, { "kivi", "bits=2,residual=32" }, { "kivi", "group=8" },
  { "streamingllm", "sinks=0" }, { "streamingllm", "sinks=100000,bits=32" },
  { "h2o", "recent=0" }, { "h2o", "recent=1" }, { "tova", "queries=1,temperature=100" },
  { "snapkv", "pooling=max,kernel=9" }, { "scalekv", "split=uniform" },
  { "scalekv", "scoring=softmax,pooling=avg,kernel=1" },
  { "lowrank", "rank=8" }, { "lowrank", "bits=32" },
  { "qjl", "sketch=64" }, { "qjl", "vbits=1,group=64" },
  { "pq", "bits=6" }, { "pq", "subvectors=8,iters=5" }, { "pq", "precision=32" },
  { "pq", "codebooks=public" },
  { "ratedist", "list=1" }, { "ratedist", "block=10,puncture=tail,design=0.8" },
  { "random", "seed=7,bits=32" }, { "expected_attention", "use_covariance=0,use_vnorm=0" },
  { "expected_attention", "epsilon=0.01,n_sink=0" }, { "observed_attention", "queries=50" },
  { "qfilter", "queries=8,temperature=100" }, { "lagkv", "lag_size=16" },
  { "lagkv", "lag_size=16,cross_scoring=1,n_sink=0" }, { "leverage", "sketch_dimension=8" },
  { "cur", "leverage_type=key,use_random_leverage=1" },
  { "cur", "leverage_type=kv_avg,use_local_approximation=0" },
  { "compactor", "chunk_size=32,blending=0.5,sink_size_end=0" },
  { "think", "key_channel_compression_ratio=0.9,press=knorm" },
  { "kvzip", "chunk_size=100,kvzip_plus_normalization=1" },
  { "finch", "chunk_length=50,window_size=8,normalize_scores=0" },
  { "chunkkv", "press=keydiff,chunk_length=7" },
  { "criticalkv", "press=expected_attention,first_stage_ratio=0" },
  { "dms", "press=knorm,threshold=-0.99,sliding_window_size=0" },
  { "merging", "press=snapkv,merge_fraction=0.5" }, { "cam", "press=knorm,merge_budget=2" },
  { "turboquant", "residual=qjl" }, { "polarquant", "levels=6" }, { "kvquant", "bits=2,norm=1" },
  { "polarquant", "bits=4/2/2/2" }, { "subgen", "share=0.2,t=1" }, { "fastvar", "ratios=0.4/0.5" },
  { "turboquant", "bits=3,outliers=0.25" }, { "amskv", "condensed=0,local=3,similarity=-1" },
  { "kvquant", "threshold=1,first=0" }, { "gear", "bits=4,rank=2,rankv=2" },
  { "gear", "left=0,rank=0,rankv=0" }, { "subgen", "delta=0.5,samples=1000" },
  { "pqcache", "subbits=4,subvec=4" }, { "pqcache", "compress=0.5,sink=4" },
  { "litevar", "window=2,bits=0" }, { "litevar", "early=0,bits=4,group=8" },
};

START_TEST (knob_variants_fit_the_budget_and_stay_under_fano_ceiling)
{
  zoo_run_t z;
  zoo_run_init (&z, test_compressor (variants[_i][0]), variants[_i][1], 1);
  const double frac[] = { 0.25, 1.0 };
  for (size_t f = 0; f < 2; f++)
    check_fits_under_fano_ceiling (&z, frac[f] * (double) z.in.N, variants[_i][1]);
  zoo_run_clear (&z);
}
END_TEST


/* Fraction of token T's d bits decoded correctly. */
static double
token_accuracy (const varlb_instance_t *in, const varlb_bits_t *dec, size_t t)
{
  size_t ok = 0;
  for (size_t j = 0; j < in->d; j++)
    ok += varlb_bits_get (dec, t, j) == varlb_bits_get (&in->x, t, j);
  return (double) ok / (double) in->d;
}

START_TEST (streamingllm_keeps_exactly_the_sinks_and_the_newest_tokens)
{
  zoo_run_t z;
  zoo_run_init (&z, test_compressor ("streamingllm"), "sinks=4", 1);
  const varlb_instance_t *in = &z.in;
  varlb_bits_t dec;
  ck_assert_int_eq (varlb_bits_init (&dec, in->alice_tokens, in->d), VARLB_OK);
  size_t len, sinks = 4, n = in->alice_tokens;
  accuracy (&z, (double) in->N, &len, &dec);
  /* fp16 tokens of 2d numbers after a 64-bit header. */
  size_t kept = (8 * len - 64) / (32 * in->d), window = kept - sinks;
  ck_assert_uint_gt (kept, sinks);
  ck_assert_uint_lt (kept, n / 4);
  size_t mid_ok = 0;
  for (size_t t = 0; t < n; t++)
    {
      double a = token_accuracy (in, &dec, t);
      if (t < sinks || t >= n - window)
        ck_assert_msg (a == 1.0, "kept token %zu decodes %.3f of its bits", t, a);
      else
        mid_ok += (size_t) nearbyint (a * (double) in->d);
    }
  /* The evicted middle: its outputs do not depend on its bits, so chance
     (0.5 +- 0.003 here); 0.55 is 16 standard deviations away. */
  double mid = (double) mid_ok / (double) ((n - kept) * in->d);
  ck_assert_msg (mid < 0.55, "evicted tokens decode %.4f of their bits", mid);
  varlb_bits_clear (&dec);
  zoo_run_clear (&z);
}
END_TEST

START_TEST (narrower_values_decode_at_lossless_budget)
{
  /* dv != d: keep only the first d/2 value columns.  The compressor must
     handle the two widths separately; every bit of those columns still
     decodes from its answer at a budget that holds the whole cache. */
  zoo_run_t z;
  zoo_run_init (&z, zoo_at ((size_t) _i), "", 0);
  const varlb_instance_t *in = &z.in;
  size_t n = in->alice_tokens, d = in->d, dv = d / 2;
  double *V2 = malloc (n * dv * sizeof *V2), *O = malloc (n * dv * sizeof *O);
  ck_assert (V2 && O);
  for (size_t t = 0; t < n; t++)
    memcpy (V2 + t * dv, in->V + t * d, dv * sizeof *V2);
  double budget = lossless_budget (in);
  ck_assert_int_eq (z.c->compress (&z.b, in->K, V2, n, d, dv, budget, in->public_seed, &z.k,
                                   &in->par.pyramid), VARLB_OK);
  ck_assert_double_le (8.0 * (double) z.b.len, budget);
  ck_assert_int_eq (z.c->answer (O, z.b.data, z.b.len, in->public_seed, z.Q, n, d, dv, &z.k,
                                 &in->par.pyramid), VARLB_OK);
  size_t wrong = 0;
  for (size_t t = 0; t < n; t++)
    for (size_t j = 0; j < dv; j++)
      wrong += varlb_instance_decode_value (in, O[t * dv + j]) != varlb_bits_get (&in->x, t, j);
  ck_assert_msg (wrong == 0, "%s: %zu of %zu bits wrong with dv = %zu", z.c->name, wrong,
                 n * dv, dv);
  free (V2), free (O);
  zoo_run_clear (&z);
}
END_TEST


START_TEST (h2o_all_recent_equals_streamingllm_without_sinks)
{
  /* Two methods that must keep the same tokens, the newest k, through
     different code paths: H2O with every kept slot recent, StreamingLLM
     with no sinks.  Their blobs must be byte-identical. */
  varlb_instance_t in;
  test_instance (&in, SEED);
  varlb_blob_t a, b;
  compress_named (&a, "h2o", "recent=1", &in, (double) in.N);
  compress_named (&b, "streamingllm", "sinks=0", &in, (double) in.N);
  ck_assert_uint_gt (a.len, 64);
  ck_assert_uint_eq (a.len, b.len);
  ck_assert (memcmp (a.data, b.data, a.len) == 0);
  varlb_blob_clear (&a);
  varlb_blob_clear (&b);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (eviction_answer_refuses_a_non_finite_row)
{
  zoo_run_t z;
  zoo_run_init (&z, test_compressor ("streamingllm"), "bits=64", 0);
  zoo_compress (&z.b, &z, lossless_budget (&z.in));
  size_t m = z.in.alice_tokens;
  ck_assert_int_eq (zoo_answer (z.O, &z, z.b.data, z.b.len, m), VARLB_OK);
  double nan = NAN;
  ck_assert_uint_gt (z.b.len, 16);
  memcpy (z.b.data + 8, &nan, 8); /* after the count and the precision */
  ck_assert_int_eq (zoo_answer (z.O, &z, z.b.data, z.b.len, m), VARLB_EFORMAT);
  zoo_run_clear (&z);
}
END_TEST

TEST_MAIN ("compressors", s)
{
  TCase *tc = test_case (s, "zoo", 600);
  tcase_add_test (tc, zoo_lists_every_compressor_with_described_knobs);
  tcase_add_loop_test (tc, budget_above_lossless_size_decodes_every_bit, 0, (int) ZOO_N);
  tcase_add_loop_test (tc, quarter_budget_fits_and_stays_under_fano_ceiling, 0, (int) ZOO_N);
  tcase_add_loop_test (tc, blob_fits_every_budget_from_n_over_16_to_n, 0, (int) ZOO_N);
  tcase_add_loop_test (tc, compress_and_answer_are_deterministic_given_the_seed, 0,
                       (int) ZOO_N);
  ADD_TABLE_TEST (tc, knob_variants_fit_the_budget_and_stay_under_fano_ceiling, variants);
  tcase_add_test (tc, streamingllm_keeps_exactly_the_sinks_and_the_newest_tokens);
  tcase_add_test (tc, h2o_all_recent_equals_streamingllm_without_sinks);
  tcase_add_test (tc, eviction_answer_refuses_a_non_finite_row);
  tcase_add_loop_test (tc, narrower_values_decode_at_lossless_budget, 0, (int) ZOO_N);
  /* The blob tests apart, so tests/valgrind_blobs.sh can run them alone
     under memcheck (CK_RUN_CASE=blobs): every read must stay in the blob. */
  TCase *tb = test_case (s, "blobs", 600);
  tcase_add_test (tb, blob_reader_never_reads_past_the_end);
  tcase_add_loop_test (tb, truncated_or_padded_blob_is_rejected, 0, (int) ZOO_N);
  tcase_add_loop_test (tb, corrupted_blob_never_crashes_answer, 0, (int) ZOO_N);
}
