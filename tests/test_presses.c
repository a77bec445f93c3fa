/* test_presses.c -- properties of the kvpress presses (src/compressors/,
 * scorers.def) that the zoo's generic tests cannot see: which tokens,
 * channels and values each keeps.  Kept tokens are read back from blobs
 * stored at fp64 and matched to the cache's rows exactly. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <gsl/gsl_rng.h>

/* scorers.def names each scorer press a wrapper's press knob accepts. */
#define EVICT_SCORER(name) #name,
static const char *const scorer_names[] = {
#include "compressors/scorers.def"
};
#undef EVICT_SCORER
#define SCORERS_N (sizeof scorer_names / sizeof *scorer_names)

static const uint64_t SEED = 20261123;

/* The default instance drawn from SEED, afresh for each test. */
TEST_FIXTURE_INSTANCE (in, SEED)

/* K, V compressed with the built-in NAME under KNOB_TEXT (checked against
   its table) at BUDGET: test_compress's status, the blob in B. */
static int
compress_kv (varlb_blob_t *b, const char *name, const char *knob_text, const double *K,
             const double *V, const varlb_instance_t *in, double budget)
{
  return test_compress (b, test_compressor (name), in, K, V, budget, knob_text, 1);
}

static double
le64f (const unsigned char *p)
{
  uint64_t u = 0;
  for (int i = 0; i < 8; i++)
    u |= (uint64_t) p[i] << (8 * i);
  double x;
  memcpy (&x, &u, sizeof x);
  return x;
}

/* The token of K (T x d) whose key equals KEY exactly; T when none. */
static size_t
row_of (const double *K, size_t T, size_t d, const double *key)
{
  for (size_t t = 0; t < T; t++)
    if (memcmp (K + t * d, key, d * sizeof *key) == 0)
      return t;
  return T;
}

/* Decode an fp64 eviction blob (count, precision, then key and value per
   token): KEPT[t] = 1 for each token whose key it holds, VALS (optional,
   T x d) = the value stored with it; returns the count. */
static size_t
kept_tokens (unsigned char *kept, double *vals, const varlb_blob_t *b, const double *K,
             size_t T, size_t d)
{
  ck_assert_uint_ge (b->len, 8);
  size_t k = test_le32 (b->data);
  ck_assert_uint_eq (test_le32 (b->data + 4), 64);
  ck_assert_uint_eq (b->len, 8 + k * 2 * d * 8);
  memset (kept, 0, T);
  double *key = malloc (d * sizeof *key);
  for (size_t i = 0; i < k; i++)
    {
      const unsigned char *row = b->data + 8 + i * 2 * d * 8;
      for (size_t j = 0; j < d; j++)
        key[j] = le64f (row + 8 * j);
      size_t t = row_of (K, T, d, key);
      ck_assert_msg (t < T, "kept key %zu is no token's key", i);
      ck_assert_msg (!kept[t], "token %zu kept twice", t);
      kept[t] = 1;
      for (size_t j = 0; vals && j < d; j++)
        vals[t * d + j] = le64f (row + 8 * (d + j));
    }
  free (key);
  return k;
}

/* Budget of K fp64 tokens of 2d numbers (64-bit header). */
static double
budget_for (size_t k, size_t d)
{
  return 64.0 + (double) k * 2.0 * (double) d * 64.0;
}

/* The tokens NAME:KNOB_TEXT keeps of the keys K (and IN's values) at
   BUDGET, at fp64 (knobs "bits=64,..."), in KEPT (see kept_tokens); the
   blob's length to *LEN where LEN is not NULL; returns their count. */
static size_t
kept_by (unsigned char *kept, const char *name, const char *knob_text, const double *K,
         const varlb_instance_t *in, double budget, size_t *len)
{
  varlb_blob_t b;
  ck_assert_msg (compress_kv (&b, name, knob_text, K, in->V, in, budget) == VARLB_OK, "%s:%s",
                 name, knob_text);
  size_t n = kept_tokens (kept, NULL, &b, K, in->alice_tokens, in->d);
  if (len)
    *len = b.len;
  varlb_blob_clear (&b);
  return n;
}

/* IN's keys scaled entry by entry: row t by ROW(t) (a distinct norm per
   token), column j by COL(j); a NULL factor is 1. */
static double *
scaled_keys (const varlb_instance_t *in, double (*row) (size_t), double (*col) (size_t))
{
  size_t T = in->alice_tokens, d = in->d;
  double *K = malloc (T * d * sizeof *K);
  ck_assert (K != NULL);
  for (size_t t = 0; t < T; t++)
    for (size_t j = 0; j < d; j++)
      K[t * d + j] = in->K[t * d + j] * (row ? row (t) : 1.0) * (col ? col (j) : 1.0);
  return K;
}

static double
distinct_factor (size_t t)
{
  return 0.5 + (double) ((t * 97) % 424) / 424.0; /* a permutation of norms */
}

START_TEST (knorm_keeps_exactly_the_lowest_norm_keys)
{
  size_t T = in.alice_tokens, d = in.d, k = 40;
  double *K = scaled_keys (&in, distinct_factor, NULL);
  unsigned char *kept = malloc (T);
  ck_assert_uint_eq (kept_by (kept, "knorm", "bits=64", K, &in, budget_for (k, d), NULL), k);
  /* the k smallest norms: factor below the k-th smallest */
  for (size_t t = 0; t < T; t++)
    {
      int low = distinct_factor (t) < 0.5 + (double) k / 424.0;
      ck_assert_msg (kept[t] == low, "token %zu (factor %g) kept %d", t, distinct_factor (t),
                     kept[t]);
    }
  free (kept);
  free (K);
}
END_TEST

START_TEST (random_is_seed_deterministic_and_uniform)
{
  size_t T = in.alice_tokens, d = in.d, k = 32, trials = 300;
  double budget = budget_for (k, d);
  varlb_blob_t a, b;
  ck_assert_int_eq (compress_kv (&a, "random", "bits=64", in.K, in.V, &in, budget), VARLB_OK);
  ck_assert_int_eq (compress_kv (&b, "random", "bits=64", in.K, in.V, &in, budget), VARLB_OK);
  ck_assert (a.len == b.len && memcmp (a.data, b.data, a.len) == 0);
  varlb_blob_clear (&b);
  ck_assert_int_eq (compress_kv (&b, "random", "bits=64,seed=7", in.K, in.V, &in, budget),
                    VARLB_OK);
  ck_assert_msg (memcmp (a.data, b.data, a.len) != 0, "the seed knob changes nothing");
  varlb_blob_clear (&a);
  varlb_blob_clear (&b);
  /* Over many public seeds every token is kept k/T of the time: Pearson's
     chi-square over the T counts has T - 1 = 423 degrees of freedom (mean
     423, sd 29); [250, 600] is six standard deviations either way. */
  unsigned char *kept = malloc (T);
  double *count = calloc (T, sizeof *count);
  uint64_t own = in.public_seed;
  for (size_t s = 0; s < trials; s++)
    {
      in.public_seed = varlb_seed_mix (own, s);
      kept_by (kept, "random", "bits=64", in.K, &in, budget, NULL);
      for (size_t t = 0; t < T; t++)
        count[t] += kept[t];
    }
  in.public_seed = own;
  double expect = (double) (trials * k) / (double) T, chi2 = 0.0;
  for (size_t t = 0; t < T; t++)
    chi2 += (count[t] - expect) * (count[t] - expect) / expect;
  ck_assert_msg (chi2 > 250 && chi2 < 600, "chi-square %.1f over %zu tokens", chi2, T);
  free (kept);
  free (count);
}
END_TEST

/* Channels 3, 7, 11, ... (16 of 64) carry a thousandth of the energy. */
static double
weak_every_fourth (size_t j)
{
  return j % 4 == 3 ? 1e-3 : 1.0;
}

/* ThinK's blob: count, precision, kept channels, the channel mask. */
START_TEST (think_prunes_exactly_the_weakest_channels)
{
  size_t T = in.alice_tokens, d = in.d;
  double *K = scaled_keys (&in, NULL, weak_every_fourth);
  varlb_blob_t b;
  ck_assert_int_eq (compress_kv (&b, "think", "bits=64,key_channel_compression_ratio=0.25", K,
                                 in.V, &in, (double) in.N),
                    VARLB_OK);
  size_t k = test_le32 (b.data), dk = test_le32 (b.data + 8);
  ck_assert_uint_eq (test_le32 (b.data + 4), 64);
  ck_assert_uint_eq (dk, 48);
  ck_assert_uint_gt (k, 0);
  const unsigned char *mask = b.data + 12, *rows = mask + (d + 7) / 8;
  for (size_t j = 0; j < d; j++)
    ck_assert_msg (((mask[j / 8] >> (j % 8)) & 1) == (j % 4 != 3), "channel %zu mask bit", j);
  /* the kept channels of each kept key are the cache's, exactly */
  ck_assert_uint_eq (b.len, 12 + (d + 7) / 8 + k * (dk + d) * 8);
  for (size_t i = 0; i < k; i++)
    {
      const unsigned char *row = rows + i * (dk + d) * 8;
      size_t found = T;
      for (size_t t = 0; t < T && found == T; t++)
        {
          size_t c = 0, j = 0;
          for (; j < d; j++)
            if (j % 4 != 3 && le64f (row + 8 * c++) != K[t * d + j])
              break;
          if (j == d)
            found = t;
        }
      ck_assert_msg (found < T, "kept key %zu matches no token on the kept channels", i);
      for (size_t j = 0; j < d; j++)
        ck_assert (le64f (row + 8 * (dk + j)) == in.V[found * d + j]);
    }
  varlb_blob_clear (&b);
  /* a budget that holds the whole cache prunes nothing */
  ck_assert_int_eq (compress_kv (&b, "think", "key_channel_compression_ratio=0.25", K, in.V,
                                 &in, 64.0 * (double) in.N),
                    VARLB_OK);
  ck_assert_uint_eq (test_le32 (b.data), T);
  ck_assert_uint_eq (test_le32 (b.data + 8), d);
  varlb_blob_clear (&b);
  free (K);
}
END_TEST

/* NAME:KNOB_TEXT at BUDGET on IN keeps exactly the tokens knorm keeps:
   their flags in KEPT, the values NAME stores for them in VALS (T x d),
   knorm's own blob in PLAIN (initialised here). */
static void
keeps_knorms_tokens (unsigned char *kept, double *vals, varlb_blob_t *plain, const char *name,
                     const char *knob_text, const varlb_instance_t *in, double budget)
{
  size_t T = in->alice_tokens, d = in->d;
  unsigned char *kept_plain = malloc (T);
  ck_assert (kept_plain != NULL);
  varlb_blob_t b;
  ck_assert_int_eq (compress_kv (&b, name, knob_text, in->K, in->V, in, budget), VARLB_OK);
  ck_assert_int_eq (compress_kv (plain, "knorm", "bits=64", in->K, in->V, in, budget), VARLB_OK);
  kept_tokens (kept, vals, &b, in->K, T, d);
  kept_tokens (kept_plain, NULL, plain, in->K, T, d);
  ck_assert (memcmp (kept, kept_plain, T) == 0);
  free (kept_plain);
  varlb_blob_clear (&b);
}

/* NAME:KNOB_TEXT at BUDGET on IN writes exactly the blob WANT. */
static void
check_same_blob (const varlb_blob_t *want, const char *name, const char *knob_text,
                 const varlb_instance_t *in, double budget)
{
  varlb_blob_t b;
  ck_assert_int_eq (compress_kv (&b, name, knob_text, in->K, in->V, in, budget), VARLB_OK);
  ck_assert_msg (b.len == want->len && memcmp (b.data, want->data, b.len) == 0, "%s:%s",
                 name, knob_text);
  varlb_blob_clear (&b);
}

/* Kept values of merging over a cache whose values are all VAL (row
   vector) must be VAL: a weighted mean of equal vectors. */
START_TEST (merging_keeps_weighted_means_of_values)
{
  size_t T = in.alice_tokens, d = in.d, k = 24;
  double budget = budget_for (k, d);
  double *V = malloc (T * d * sizeof *V), *vals = malloc (T * d * sizeof *vals);
  unsigned char *kept = malloc (T);
  for (size_t t = 0; t < T; t++)
    for (size_t j = 0; j < d; j++)
      V[t * d + j] = 0.25 + 0.01 * (double) j;
  varlb_blob_t b, plain;
  ck_assert_int_eq (compress_kv (&b, "merging", "bits=64", in.K, V, &in, budget), VARLB_OK);
  ck_assert_uint_eq (kept_tokens (kept, vals, &b, in.K, T, d), k);
  for (size_t t = 0; t < T; t++)
    for (size_t j = 0; kept[t] && j < d; j++)
      ck_assert_msg (fabs (vals[t * d + j] - V[t * d + j]) < 1e-12, "token %zu value %zu: %.17g",
                     t, j, vals[t * d + j]);
  varlb_blob_clear (&b);
  /* {0,1} values: merged values stay in [0, 1] (convex weights), some
     change, and keys are the press's (knorm's) own */
  keeps_knorms_tokens (kept, vals, &plain, "merging", "bits=64", &in, budget);
  size_t changed = 0;
  for (size_t t = 0; t < T; t++)
    for (size_t j = 0; kept[t] && j < d; j++)
      {
        ck_assert (vals[t * d + j] >= 0.0 && vals[t * d + j] <= 1.0);
        changed += vals[t * d + j] != in.V[t * d + j];
      }
  ck_assert_uint_gt (changed, 0);
  /* no evicted key is as similar as 1: nothing merges, knorm's blob */
  check_same_blob (&plain, "merging", "bits=64,similarity_threshold=1", &in, budget);
  varlb_blob_clear (&plain);
  free (V), free (vals), free (kept);
}
END_TEST

START_TEST (cam_keeps_the_press_tokens_and_only_adds_to_values)
{
  size_t T = in.alice_tokens, d = in.d, k = 24;
  double budget = budget_for (k, d);
  double *vals = malloc (T * d * sizeof *vals);
  unsigned char *kept = malloc (T);
  varlb_blob_t plain;
  keeps_knorms_tokens (kept, vals, &plain, "cam", "bits=64,press=knorm", &in, budget);
  double added = 0.0;
  for (size_t t = 0; t < T; t++)
    for (size_t j = 0; kept[t] && j < d; j++)
      {
        ck_assert (vals[t * d + j] >= in.V[t * d + j]);
        added += vals[t * d + j] - in.V[t * d + j];
      }
  ck_assert (added > 0.0);
  /* no merge candidates: the press's blob */
  check_same_blob (&plain, "cam", "bits=64,press=knorm,compression_interval=0", &in, budget);
  varlb_blob_clear (&plain);
  free (vals), free (kept);
}
END_TEST

START_TEST (chunkkv_keeps_whole_chunks)
{
  size_t T = in.alice_tokens, d = in.d, L = 8; /* T = 53 chunks of 8 */
  unsigned char *kept = malloc (T);
  varlb_blob_t plain;
  /* 37 slots: four whole chunks of 8, best first, and the top 5 tokens
     of the next */
  ck_assert_uint_eq (kept_by (kept, "chunkkv", "bits=64,chunk_length=8", in.K, &in,
                              budget_for (37, d), NULL), 37);
  size_t partial = 0;
  for (size_t c = 0; c * L < T; c++)
    {
      size_t n = 0;
      for (size_t t = c * L; t < c * L + L && t < T; t++)
        n += kept[t];
      ck_assert_msg (n == 0 || n == L || n == 5, "chunk %zu keeps %zu tokens", c, n);
      partial += n == 5;
    }
  ck_assert_uint_eq (partial, 1);
  /* press knorm over keys of distinct norms: the kept whole chunks are the
     four of least mean norm, then 5 tokens of the fifth */
  double *K = scaled_keys (&in, distinct_factor, NULL), mean[53];
  kept_by (kept, "chunkkv", "bits=64,chunk_length=8,press=knorm", K, &in, budget_for (37, d), NULL);
  size_t better[53] = { 0 };
  for (size_t c = 0; c < 53; c++)
    {
      mean[c] = 0.0;
      for (size_t t = c * L; t < c * L + L; t++)
        mean[c] += distinct_factor (t) / (double) L;
    }
  for (size_t c = 0; c < 53; c++)
    for (size_t e = 0; e < 53; e++)
      better[c] += mean[e] < mean[c];
  for (size_t c = 0; c < 53; c++)
    {
      size_t n = 0, want = better[c] < 4 ? L : better[c] == 4 ? 5 : 0;
      for (size_t t = c * L; t < c * L + L; t++)
        n += kept[t];
      ck_assert_msg (n == want, "chunk %zu (rank %zu) keeps %zu, not %zu", c, better[c], n, want);
      /* the partial chunk keeps its least norms */
      for (size_t t = c * L; t < c * L + L; t++)
        for (size_t u = c * L; kept[t] && u < c * L + L; u++)
          ck_assert (kept[u] || distinct_factor (t) < distinct_factor (u));
    }
  free (K);
  /* chunks of one token: the press's own top-k */
  ck_assert_int_eq (compress_kv (&plain, "snapkv", "bits=64", in.K, in.V, &in, budget_for (37, d)),
                    VARLB_OK);
  check_same_blob (&plain, "chunkkv", "bits=64,chunk_length=1", &in, budget_for (37, d));
  varlb_blob_clear (&plain);
  free (kept);
}
END_TEST

START_TEST (criticalkv_with_one_stage_equals_its_press)
{
  double budget = budget_for (30, in.d);
  varlb_blob_t a, b;
  ck_assert_int_eq (compress_kv (&a, "criticalkv", "bits=64,first_stage_ratio=1", in.K, in.V, &in,
                                 budget),
                    VARLB_OK);
  ck_assert_int_eq (compress_kv (&b, "snapkv", "bits=64", in.K, in.V, &in, budget), VARLB_OK);
  ck_assert (a.len == b.len && memcmp (a.data, b.data, a.len) == 0);
  varlb_blob_clear (&a);
  /* stage two reweighs by ||v||_1: a different selection */
  ck_assert_int_eq (compress_kv (&a, "criticalkv", "bits=64,first_stage_ratio=0", in.K, in.V, &in,
                                 budget),
                    VARLB_OK);
  ck_assert (a.len == b.len && memcmp (a.data, b.data, a.len) != 0);
  varlb_blob_clear (&a);
  varlb_blob_clear (&b);
}
END_TEST

static double
two_norms (size_t t)
{
  return t % 3 == 0 ? 0.5 : 2.0;
}

START_TEST (dms_keeps_exactly_the_tokens_above_threshold_and_the_window)
{
  /* knorm scores -|k|: threshold -1 keeps the keys of norm 0.5 (every third
     token) and evicts those of norm 2, except the newest 10 */
  size_t T = in.alice_tokens, d = in.d, w = 10;
  double *K = scaled_keys (&in, two_norms, NULL);
  unsigned char *kept = malloc (T);
  const char *knobs = "bits=64,press=knorm,threshold=-1,sliding_window_size=10";
  double budget = budget_for (T, d);
  size_t len, n = kept_by (kept, "dms", knobs, K, &in, budget, &len);
  for (size_t t = 0; t < T; t++)
    ck_assert_msg (kept[t] == (t % 3 == 0 || t >= T - w), "token %zu kept %d", t, kept[t]);
  ck_assert_double_lt (8.0 * (double) len, budget / 2);
  /* a budget of 20: the window, then the best scores (all tie at -0.5:
     the lowest indices) */
  ck_assert_uint_eq (kept_by (kept, "dms", knobs, K, &in, budget_for (20, d), NULL), 20);
  for (size_t t = T - w; t < T; t++)
    ck_assert (kept[t]);
  ck_assert_uint_gt (n, 20);
  free (K), free (kept);
}
END_TEST

START_TEST (finch_always_keeps_its_window)
{
  size_t T = in.alice_tokens, d = in.d;
  unsigned char *kept = malloc (T);
  ck_assert_uint_eq (kept_by (kept, "finch", "bits=64,window_size=12,chunk_length=100", in.K, &in,
                              budget_for (30, d), NULL), 30);
  for (size_t t = T - 12; t < T; t++)
    ck_assert_msg (kept[t], "window token %zu evicted", t);
  /* 18 context slots over chunks of 100, 100, 100, 100, 12 tokens: 4, 4,
     4, 4, 0 by share, and the two that rounding left to the first chunks */
  size_t per[5] = { 0, 0, 0, 0, 0 };
  for (size_t t = 0; t < T - 12; t++)
    per[t / 100] += kept[t];
  const size_t want[5] = { 5, 5, 4, 4, 0 };
  for (size_t c = 0; c < 5; c++)
    ck_assert_msg (per[c] == want[c], "chunk %zu keeps %zu, not %zu", c, per[c], want[c]);
  free (kept);
}
END_TEST

/* Every scorer press works inside every wrapper: the blob fits, and naming
   a wrapper or an unknown press is refused. */
START_TEST (wrappers_take_every_scorer_press)
{
  const char *wrappers[] = { "chunkkv", "criticalkv", "dms", "merging", "cam", "think" };
  char knobs[128];
  double budget = (double) in.N / 2.0;
  for (size_t w = 0; w < sizeof wrappers / sizeof *wrappers; w++)
    {
      varlb_blob_t b;
      snprintf (knobs, sizeof knobs, "press=%s", scorer_names[_i]);
      ck_assert_msg (compress_kv (&b, wrappers[w], knobs, in.K, in.V, &in, budget) == VARLB_OK,
                     "%s:%s", wrappers[w], knobs);
      ck_assert_double_le (8.0 * (double) b.len, budget);
      varlb_blob_clear (&b);
      ck_assert_int_eq (compress_kv (&b, wrappers[w], "press=nosuch", in.K, in.V, &in, budget),
                        VARLB_EINVAL);
      varlb_blob_clear (&b);
      ck_assert_int_eq (compress_kv (&b, wrappers[w], "press=merging", in.K, in.V, &in, budget),
                        VARLB_EINVAL);
      varlb_blob_clear (&b);
    }
}
END_TEST

START_TEST (unknown_text_knob_values_are_refused)
{
  varlb_blob_t b;
  ck_assert_int_eq (compress_kv (&b, "cur", "leverage_type=query", in.K, in.V, &in, 1e9),
                    VARLB_EINVAL);
  varlb_blob_clear (&b);
  ck_assert_int_eq (compress_kv (&b, "snapkv", "pooling=median", in.K, in.V, &in, 1e9),
                    VARLB_EINVAL);
  varlb_blob_clear (&b);
}
END_TEST

TEST_MAIN ("presses", s)
{
  TCase *tc = test_case_drawn (s, "presses", 300);
  tcase_add_test (tc, knorm_keeps_exactly_the_lowest_norm_keys);
  tcase_add_test (tc, random_is_seed_deterministic_and_uniform);
  tcase_add_test (tc, think_prunes_exactly_the_weakest_channels);
  tcase_add_test (tc, merging_keeps_weighted_means_of_values);
  tcase_add_test (tc, cam_keeps_the_press_tokens_and_only_adds_to_values);
  tcase_add_test (tc, chunkkv_keeps_whole_chunks);
  tcase_add_test (tc, criticalkv_with_one_stage_equals_its_press);
  tcase_add_test (tc, dms_keeps_exactly_the_tokens_above_threshold_and_the_window);
  tcase_add_test (tc, finch_always_keeps_its_window);
  tcase_add_loop_test (tc, wrappers_take_every_scorer_press, 0, (int) SCORERS_N);
  tcase_add_test (tc, unknown_text_knob_values_are_refused);
}
