/* test_alloc.c -- every whole-model allocator (src/compressors/alloc.c
 * and the allocators beside it): lossless at a budget that holds the
 * cache, within the budget and spending it down to one stored unit at
 * N_total/4, where it fails as the bound predicts, never crashing on a
 * corrupted blob, refusing bad knobs; and what each allocator does of its
 * own (pyramidkv, adakv, hack, simlayerkv, duoattention, headshare,
 * minicache, the split). */
#define _GNU_SOURCE 1 /* memmem */
#include "testmodel.h"

static const char *const ALLOCATORS[] = { "pyramidkv", "adakv", "hack", "duoattention",
                                          "simlayerkv", "minicache", "headshare" };
#define N_ALLOCATORS (sizeof ALLOCATORS / sizeof *ALLOCATORS)

START_TEST (every_allocator_is_registered_once)
{
  ck_assert_uint_eq (varlb_model_compressor_count (), N_ALLOCATORS);
  for (size_t i = 0; i < N_ALLOCATORS; i++)
    {
      ck_assert_ptr_eq (varlb_model_compressor_at (i), allocator (ALLOCATORS[i]));
      ck_assert_ptr_null (varlb_compressor_find (ALLOCATORS[i])); /* not a single-head one */
    }
  ck_assert_ptr_null (varlb_model_compressor_at (N_ALLOCATORS));
}
END_TEST

/* Each allocator on a 2 x 2 model (layers 2 so MiniCache has a pair). */
START_TEST (allocator_decodes_every_bit_at_a_lossless_budget)
{
  cache_t c;
  cache_init (&c, 2, 2, 11, NULL);
  /* Every token at fp16 and every table: 2048 bits a token is enough. */
  double budget = 4.0 * (double) c.T * 2048 + 4096;
  size_t correct = run (&c, allocator (ALLOCATORS[_i]), budget);
  ck_assert_msg (correct == varlb_model_hidden_bits (&c.m), "%s: %zu of %zu bits",
                 ALLOCATORS[_i], correct, varlb_model_hidden_bits (&c.m));
  ck_assert (8.0 * (double) c.b.len <= budget);
  cache_clear (&c);
}
END_TEST

START_TEST (allocator_spends_the_budget_and_fails_as_predicted_at_a_quarter)
{
  cache_t c;
  cache_init (&c, 2, 2, 12, NULL);
  double N = (double) varlb_model_hidden_bits (&c.m), budget = floor (N / 4);
  size_t correct = run (&c, allocator (ALLOCATORS[_i]), budget);
  double charged = 8.0 * (double) c.b.len;
  /* Within the budget, and short of it by less than one fp16 token (the
     unit every allocator stores at N_total/4) and the byte rounding. */
  ck_assert_msg (charged <= budget && budget - charged < 2048 + 8,
                 "%s: %.0f bits charged of %.0f", ALLOCATORS[_i], charged, budget);
  double acc = (double) correct / N, ceiling = varlb_fano_ceiling (charged, N);
  ck_assert_msg (acc <= ceiling, "%s: accuracy %.4f above the ceiling %.4f", ALLOCATORS[_i],
                 acc, ceiling);
  ck_assert_str_eq (varlb_verdict (correct, (size_t) N, charged, N), VARLB_VERDICT_FAILS);
  cache_clear (&c);
}
END_TEST

START_TEST (allocator_never_crashes_on_a_corrupted_blob)
{
  cache_t c;
  cache_init (&c, 2, 2, 13, NULL);
  const varlb_model_compressor_t *mc = allocator (ALLOCATORS[_i]);
  ck_assert_int_eq (compress (&c, mc, 40000), VARLB_OK);
  const varlb_blob_t *b = &c.b;
  size_t m8 = 8; /* a few queries per head are enough to exercise the parser */
  double *Q = malloc (4 * m8 * c.d * sizeof *Q), *O = malloc (4 * m8 * c.d * sizeof *O);
  for (size_t i = 0; i < 4; i++)
    memcpy (Q + i * m8 * c.d, c.Q + i * c.T * c.d, m8 * c.d * sizeof *Q);
  gsl_rng *r = gsl_rng_alloc (gsl_rng_mt19937);
  gsl_rng_set (r, 99);
  unsigned char *bad = malloc (b->len + 64);
  size_t refused = 0;
  for (int trial = 0; trial < 300; trial++)
    {
      size_t len = b->len;
      memcpy (bad, b->data, b->len);
      if (trial % 3 == 0)
        len = gsl_rng_uniform_int (r, b->len + 1);           /* truncated */
      else if (trial % 3 == 1)
        for (int f = 0; f < 4; f++)                           /* bytes rewritten */
          bad[gsl_rng_uniform_int (r, b->len < 64 ? b->len : 64)] = (unsigned char) gsl_rng_get (r);
      else
        len += gsl_rng_uniform_int (r, 64) + 1;               /* trailing bytes */
      int st = answer (O, &c, mc, bad, len, Q, m8);
      /* A blob shorter or longer than compress wrote never passes (the
         empty blob is the one that answers 0 everywhere). */
      if (trial % 3 != 1 && len != b->len && len != 0)
        ck_assert_msg (st == VARLB_EFORMAT, "%s: a blob of %zu bytes of %zu was accepted",
                       ALLOCATORS[_i], len, b->len);
      if (st != VARLB_OK)
        {
          ck_assert_int_eq (st, VARLB_EFORMAT);
          refused++;
        }
      else
        for (size_t i = 0; i < 4 * m8 * c.d; i++)
          ck_assert (isfinite (O[i]));
    }
  ck_assert_uint_gt (refused, 100); /* truncations and trailing bytes at least */
  gsl_rng_free (r);
  free (bad), free (Q), free (O);
  cache_clear (&c);
}
END_TEST

START_TEST (allocator_refuses_bad_knobs)
{
  cache_t c;
  cache_init (&c, 1, 2, 14, "bits=24");
  ck_assert_int_eq (compress (&c, allocator (ALLOCATORS[_i]), 1e5), VARLB_EINVAL);
  cache_clear (&c);
}
END_TEST

/* ----------------------------------------- allocators' own properties */

/* The kept counts of an eviction-blob allocator run on C's cache with
   KNOBS at TOTAL tokens (fp16; COUNT receives the table, one count a
   head, asserted to add up to TOTAL). */
static void
counts_of (size_t *count, const char *name, const char *knobs, const cache_t *c, size_t total)
{
  size_t L = c->m.layers, H = c->m.heads;
  varlb_knobs_t k;
  ck_assert_int_eq (varlb_knobs_parse (&k, knobs), VARLB_OK);
  varlb_blob_t b;
  varlb_blob_init (&b);
  ck_assert_int_eq (allocator (name)->compress (&b, c->K, c->V, L, H, c->T, c->d, c->d,
                                                32.0 * (1 + L * H) + (double) total * 2048,
                                                c->P, &k, &c->py), VARLB_OK);
  size_t sum = 0;
  for (size_t i = 0; i < L * H; i++)
    {
      const unsigned char *p = b.data + 4 + 4 * i;
      count[i] = test_le32 (p);
      sum += count[i];
    }
  ck_assert_uint_eq (sum, total);
  varlb_blob_clear (&b);
  varlb_knobs_clear (&k);
}

START_TEST (pyramidkv_gives_shallow_layers_more)
{
  cache_t c;
  cache_init (&c, 4, 1, 15, NULL);
  /* 60 tokens a head on average: the pyramid (window 0, beta 20) goes from
     about 114 down to about 6. */
  size_t cnt[4];
  counts_of (cnt, "pyramidkv", "window=0", &c, 240);
  ck_assert (cnt[0] > cnt[1] && cnt[1] > cnt[2] && cnt[2] > cnt[3]);
  ck_assert_uint_ge (cnt[0], 110);
  ck_assert_uint_le (cnt[3], 8);
  cache_clear (&c);
}
END_TEST

START_TEST (adakv_safeguard_keeps_a_share_per_head)
{
  cache_t c;
  cache_init (&c, 1, 4, 21, NULL);
  size_t n[4];
  /* alpha = 1: every head its even share (100 of 400). */
  counts_of (n, "adakv", "alpha=1", &c, 400);
  for (size_t i = 0; i < 4; i++)
    ck_assert_uint_eq (n[i], 100);
  /* alpha = 0: the top scores across heads decide, unevenly. */
  counts_of (n, "adakv", "alpha=0", &c, 400);
  ck_assert (!(n[0] == n[1] && n[1] == n[2] && n[2] == n[3]));
  counts_of (n, "adakv", "alpha=0.5", &c, 400);
  for (size_t i = 0; i < 4; i++)
    ck_assert_uint_ge (n[i], 50);
  cache_clear (&c);
}
END_TEST

START_TEST (hack_gives_contextual_heads_ratio_times_more)
{
  cache_t c;
  cache_init (&c, 1, 4, 22, "ratio=3,contextual=0.5,bits=64");
  size_t n[4], big = 0, small = 0;
  counts_of (n, "hack", "ratio=3,contextual=0.5", &c, 400);
  for (size_t i = 0; i < 4; i++)
    big += n[i] == 150, small += n[i] == 50;
  ck_assert (big == 2 && small == 2);
  counts_of (n, "hack", "ratio=3,contextual=0", &c, 400);
  for (size_t i = 0; i < 4; i++)
    ck_assert_uint_eq (n[i], 100);
  /* At fp64 (the cache's knobs): a structural head keeps its newest
     tokens, a contextual one its press's top (not the newest). */
  ck_assert_int_eq (compress (&c, allocator ("hack"), 160 + 400.0 * 128 * 64), VARLB_OK);
  const unsigned char *row = c.b.data + 20;
  for (size_t i = 0; i < 4; i++)
    {
      const unsigned char *p = c.b.data + 4 + 4 * i;
      size_t cnt = test_le32 (p), newest = 1;
      for (size_t r = 0; r < cnt; r++, row += 128 * 8)
        newest &= memcmp (row, c.K + (i * c.T + c.T - cnt + r) * 64, 64 * 8) == 0;
      ck_assert_msg (newest == (cnt == 50), "head %zu keeps %zu tokens, newest: %zu", i, cnt,
                     newest);
    }
  cache_clear (&c);
}
END_TEST

START_TEST (simlayerkv_lazy_layers_by_threshold_then_by_budget)
{
  cache_t c;
  cache_init (&c, 2, 1, 23, NULL);
  size_t n[2];
  /* Threshold 1: no layer is lazy by attention; the budget makes the
     laziest one lazy, the other stays whole. */
  counts_of (n, "simlayerkv", "threshold=1,initial=4,recent=20", &c, c.T + 40);
  ck_assert ((n[0] == c.T && n[1] == 40) || (n[1] == c.T && n[0] == 40));
  /* Threshold 0: every layer is lazy, and they share the budget. */
  counts_of (n, "simlayerkv", "threshold=0,initial=4,recent=20", &c, c.T + 40);
  ck_assert (n[0] == (c.T + 40) / 2 && n[1] == (c.T + 40) / 2);
  cache_clear (&c);
}
END_TEST

START_TEST (duoattention_keeps_whole_retrieval_heads_and_windows)
{
  cache_t c;
  cache_init (&c, 2, 2, 16, NULL);
  /* Room for one whole head and three of 32 + 10 tokens. */
  size_t n[4], whole = 0, window = 0;
  counts_of (n, "duoattention", "sink=4,recent=28", &c, c.T + 3 * 42);
  for (size_t i = 0; i < 4; i++)
    {
      whole += n[i] == c.T;
      window += n[i] == 42;
    }
  ck_assert_uint_eq (whole, 1);
  ck_assert_uint_eq (window, 3);
  cache_clear (&c);
}
END_TEST

START_TEST (duoattention_keeps_the_retrieval_head_whole)
{
  /* Which head stays whole, not only how many: in a 1 x 4 model, head R's
     keys are large on its first 8 tokens and zero elsewhere (the observed
     attention sits at the start: area near 1, a retrieval head), the
     other heads' on their last 8 (area near 0, streaming).  With room for
     one whole head and three windows, head R is the whole one, wherever
     it sits. */
  static const size_t retrieval[] = { 0, 2, 3 };
  for (size_t x = 0; x < sizeof retrieval / sizeof *retrieval; x++)
    {
      size_t R = retrieval[x], n[4];
      cache_t c;
      cache_init (&c, 1, 4, 24, NULL);
      for (size_t h = 0; h < 4; h++)
        for (size_t t = 0; t < c.T; t++)
          {
            int big = h == R ? t < 8 : t + 8 >= c.T;
            for (size_t j = 0; j < c.d; j++)
              c.K[(h * c.T + t) * c.d + j] *= big ? 30.0 : 0.0;
          }
      counts_of (n, "duoattention", "sink=4,recent=28", &c, c.T + 3 * 42);
      for (size_t h = 0; h < 4; h++)
        ck_assert_msg (n[h] == (h == R ? c.T : 42), "retrieval head %zu: head %zu keeps %zu of %zu",
                       R, h, n[h], c.T);
      cache_clear (&c);
    }
}
END_TEST

START_TEST (headshare_answers_each_head_over_its_groups_mean)
{
  /* Two heads with the same cache: their mean is that cache, so sharing it
     (MQA, group 2) loses nothing at a budget holding one cache. */
  cache_t c;
  cache_init (&c, 1, 2, 17, NULL);
  size_t per = c.T * c.d;
  memcpy (c.K + per, c.K, per * sizeof *c.K);
  memcpy (c.V + per, c.V, per * sizeof *c.V);
  memcpy (c.Q + per, c.Q, per * sizeof *c.Q);
  varlb_instance_clear (&c.in[1]);
  ck_assert_int_eq (varlb_model_head_init (&c.in[1], &c.m, 0, 0), VARLB_OK);
  size_t correct = run (&c, allocator ("headshare"), 32 + 64 + (double) c.T * 2048);
  ck_assert_uint_eq (c.b.data[0], 2); /* the group: both heads */
  ck_assert_uint_eq (correct, 2 * c.T * c.d);
  /* Two different heads (fp64, every token kept): the stored rows are
     their means. */
  cache_t c2;
  cache_init (&c2, 1, 2, 18, "bits=64,group=2");
  ck_assert_int_eq (compress (&c2, allocator ("headshare"), 96 + (double) c2.T * 128 * 64),
                    VARLB_OK);
  const varlb_blob_t *b = &c2.b;
  ck_assert_uint_eq (b->len, 12 + c2.T * 128 * 8);
  for (size_t t = 0; t < c2.T; t += 37)
    for (size_t j = 0; j < c2.d; j++)
      {
        double kv[2];
        memcpy (&kv[0], b->data + 12 + (t * 128 + j) * 8, 8);
        memcpy (&kv[1], b->data + 12 + (t * 128 + 64 + j) * 8, 8);
        ck_assert (kv[0] == c2.K[t * 64 + j] / 2 + c2.K[(c2.T + t) * 64 + j] / 2);
        ck_assert (kv[1] == c2.V[t * 64 + j] / 2 + c2.V[(c2.T + t) * 64 + j] / 2);
      }
  cache_clear (&c2);
  cache_clear (&c);
}
END_TEST

START_TEST (minicache_merges_only_what_the_budget_needs)
{
  cache_t c;
  cache_init (&c, 2, 1, 18, NULL);
  /* Two whole caches do not fit; one merged pair does (with retention). */
  size_t correct = run (&c, allocator ("minicache"), 1.5 * (double) c.T * 2048);
  ck_assert_uint_eq (c.b.data[4], 1); /* one pair merged */
  /* What the budget leaves after the merged pair retains tokens unmerged
     (the blob: precision, pairs, then the unit's kept and retained
     counts), and every bit of a retained token decodes in both layers:
     at least their d bits each above the merged tokens' chance. */
  size_t retained = test_le32 (c.b.data + 12);
  ck_assert_uint_gt (retained, 0);
  ck_assert_uint_le (retained, c.T);
  ck_assert_uint_gt (correct, c.T * c.d + retained * c.d);
  /* Independent layers merge badly: merged tokens do not all decode. */
  ck_assert_uint_lt (correct, 2 * c.T * c.d);
  cache_clear (&c);
}
END_TEST

START_TEST (split_follows_weights_caps_and_largest_remainders)
{
  size_t c[4];
  double w[4] = { 1, 2, 3, 4 };
  /* Shares 0.7, 1.4, 2.1, 2.8: floors 0, 1, 2, 2, the two largest
     remainders (0.8, 0.7) one more each. */
  alloc_split (c, 4, 7, w, 100);
  ck_assert (c[0] == 1 && c[1] == 1 && c[2] == 2 && c[3] == 3);
  /* A unit whose share passes the cap keeps the cap; the rest is shared. */
  double v[3] = { 10, 1, 1 };
  alloc_split (c, 3, 10, v, 4);
  ck_assert (c[0] == 4 && c[1] == 3 && c[2] == 3);
  /* No weights: even, the first ones one more; more than fits: all capped. */
  alloc_split (c, 3, 8, NULL, 100);
  ck_assert (c[0] == 3 && c[1] == 3 && c[2] == 2);
  alloc_split (c, 3, 1000, NULL, 5);
  ck_assert (c[0] == 5 && c[1] == 5 && c[2] == 5);
}
END_TEST

START_TEST (minicache_stores_the_slerp_midpoint_and_both_norms)
{
  /* 2 layers x 1 head at exactly one merged pair's cost: every token
     merged, none retained.  Scaled keys, so the two layers' key norms
     differ too. */
  cache_t c;
  cache_model (&c, 2, 1, 20, NULL);
  c.m.par.norm = VARLB_JL_SCALED;
  cache_heads (&c);
  size_t T = c.T, d = c.d;
  double budget = 64 + 64 + (double) T * (2 * d + 4) * 16;
  const varlb_model_compressor_t *mc = allocator ("minicache");
  ck_assert_int_eq (compress (&c, mc, budget), VARLB_OK);
  const varlb_blob_t *b = &c.b;
  ck_assert_uint_eq (b->len, 16 + T * (2 * d + 4) * 2);
  ck_assert_uint_eq (b->data[4], 1);                       /* one pair */
  ck_assert_uint_eq (b->data[12], 0);                      /* nothing retained */
  double *Kb = malloc (T * d * sizeof *Kb), *Vb = malloc (T * d * sizeof *Vb);
  const unsigned char *p = b->data + 16;
  for (size_t t = 0; t < T; t++)
    {
      const double *ka = c.K + t * d, *kb = c.K + (T + t) * d;
      const double *va = c.V + t * d, *vb = c.V + (T + t) * d;
      double e[64], na = 0, nb = 0, wa = 0, wb = 0, se = 0;
      for (size_t j = 0; j < d; j++)
        na += ka[j] * ka[j], nb += kb[j] * kb[j], wa += va[j] * va[j], wb += vb[j] * vb[j];
      na = sqrt (na), nb = sqrt (nb), wa = sqrt (wa), wb = sqrt (wb);
      for (size_t j = 0; j < d; j++)
        e[j] = ka[j] / na + kb[j] / nb, se += e[j] * e[j];
      uint16_t u[2 * 64 + 4];
      for (size_t j = 0; j < 2 * d + 4; j++)
        u[j] = (uint16_t) (p[2 * j] | p[2 * j + 1] << 8);
      p += 2 * (2 * d + 4);
      for (size_t j = 0; j < d; j++)
        ck_assert (fabs (cc_half_to_double (u[j]) - e[j] / sqrt (se)) < 1e-3);
      ck_assert (fabs (cc_half_to_double (u[d]) - na) < 1e-3 * na);
      ck_assert (fabs (cc_half_to_double (u[d + 1]) - nb) < 1e-3 * nb);
      ck_assert (fabs (cc_half_to_double (u[2 * d + 2]) - wa) < 1e-3 * wa + 1e-3);
      ck_assert (fabs (cc_half_to_double (u[2 * d + 3]) - wb) < 1e-3 * wb + 1e-3);
      /* Layer b (the pair's second) is rebuilt with its own norms. */
      for (size_t j = 0; j < d; j++)
        {
          Kb[t * d + j] = cc_half_to_double (u[j]) * cc_half_to_double (u[d + 1]);
          Vb[t * d + j] = cc_half_to_double (u[d + 2 + j]) * cc_half_to_double (u[2 * d + 3]);
        }
    }
  double *O = malloc (2 * T * d * sizeof *O), *ref = malloc (T * d * sizeof *ref);
  ck_assert_int_eq (answer (O, &c, mc, b->data, b->len, c.Q, T), VARLB_OK);
  ck_assert_int_eq (varlb_attention (ref, c.Q + T * d, T, Kb, Vb, T, d, d, NULL, NULL, NULL),
                    VARLB_OK);
  for (size_t i = 0; i < T * d; i++)
    ck_assert (fabs (O[T * d + i] - ref[i]) < 1e-9);
  free (Kb), free (Vb), free (O), free (ref);
  cache_clear (&c);
}
END_TEST

TEST_MAIN ("alloc", s)
{
  TCase *ta = test_case (s, "allocators", 120);
  ADD_TEST (ta, every_allocator_is_registered_once);
  tcase_add_loop_test (ta, allocator_decodes_every_bit_at_a_lossless_budget, 0, N_ALLOCATORS);
  tcase_add_loop_test (ta, allocator_spends_the_budget_and_fails_as_predicted_at_a_quarter, 0,
                       N_ALLOCATORS);
  tcase_add_loop_test (ta, allocator_never_crashes_on_a_corrupted_blob, 0, N_ALLOCATORS);
  tcase_add_loop_test (ta, allocator_refuses_bad_knobs, 0, N_ALLOCATORS);
  ADD_TEST (ta, pyramidkv_gives_shallow_layers_more);
  ADD_TEST (ta, duoattention_keeps_whole_retrieval_heads_and_windows);
  ADD_TEST (ta, duoattention_keeps_the_retrieval_head_whole);
  ADD_TEST (ta, headshare_answers_each_head_over_its_groups_mean);
  ADD_TEST (ta, minicache_merges_only_what_the_budget_needs);
  ADD_TEST (ta, minicache_stores_the_slerp_midpoint_and_both_norms);
  ADD_TEST (ta, adakv_safeguard_keeps_a_share_per_head);
  ADD_TEST (ta, hack_gives_contextual_heads_ratio_times_more);
  ADD_TEST (ta, simlayerkv_lazy_layers_by_threshold_then_by_budget);
  ADD_TEST (ta, split_follows_weights_caps_and_largest_remainders);
}
