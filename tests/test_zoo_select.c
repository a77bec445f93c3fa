/* test_zoo_select.c -- properties of the zoo's compressors that choose
 * what Bob attends to (SubGen's clusters and samples, PQCache's top-k
 * retrieval, and the VAR-specific AMS-KV, FastVAR and LiteVAR, which keep
 * whole scales or tokens of them) that the generic zoo tests
 * (test_compressors.c) cannot see: which tokens they keep and how close
 * their answers come to exact attention.  The quantizers are in
 * test_zoo_quant.c, the knob variants of both in test_compressors.c. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "compressors/quant.h"

static const uint64_t SEED = 20261123;

/* IN's keys and values rounded to fp16, as stored, in *KH and *VH
   (allocated here). */
static void
half_cache (double **Kh, double **Vh, const varlb_instance_t *in)
{
  size_t nd = in->alice_tokens * in->d;
  *Kh = malloc (nd * sizeof **Kh), *Vh = malloc (nd * sizeof **Vh);
  ck_assert (*Kh && *Vh);
  for (size_t i = 0; i < nd; i++)
    (*Kh)[i] = cc_half_to_double (cc_half_from_double (in->K[i])),
    (*Vh)[i] = cc_half_to_double (cc_half_from_double (in->V[i]));
}

/* Per-token accuracy of a compressor on the instance: ACC[t] is the
   fraction of token t's d bits decoded right. */
static void
token_accuracy (double *acc, varlb_blob_t *b, const char *name, const char *knobs,
                const varlb_instance_t *in, double budget)
{
  size_t n = in->alice_tokens, d = in->d, *idx;
  double *Q, *O;
  test_queries (&idx, &Q, &O, in, n, 1);
  test_run (b, O, name, knobs, in->K, in->V, n, d, d, budget, Q, n, &in->par.pyramid, in->public_seed);
  for (size_t t = 0; t < n; t++)
    {
      size_t ok = 0;
      for (size_t j = 0; j < d; j++)
        ok += varlb_instance_decode_value (in, O[t * d + j]) == varlb_bits_get (&in->x, t, j);
      acc[t] = (double) ok / (double) d;
    }
  free (idx), free (Q), free (O);
}

/* ----------------------------------------------------------------- SubGen */

START_TEST (subgen_clusters_identical_keys_together)
{
  varlb_instance_t in;
  test_instance (&in, SEED);
  size_t n = in.alice_tokens, d = in.d;
  double *K = malloc (n * d * sizeof *K);
  ck_assert (K != NULL);
  for (size_t t = 0; t < n; t++) /* four distinct keys, repeated */
    memcpy (K + t * d, in.K + (t % 4) * d, d * sizeof *K);
  varlb_blob_t b;
  test_run (&b, NULL, "subgen", "delta=1e-6", K, in.V, n, d, d, 64.0 * in.N, NULL, 0, &in.par.pyramid, in.public_seed);
  ck_assert_uint_eq (test_le32 (b.data), 4);
  size_t off = 24, sum = 0;
  for (int c = 0; c < 4; c++)
    {
      size_t cnt = test_le32 (b.data + off);
      sum += cnt;
      off += 4 + 2 * d * (cnt < 2 ? cnt : 2); /* t = 2 samples */
    }
  ck_assert_uint_eq (sum, n);
  varlb_blob_clear (&b);
  /* JL keys are pairwise far apart: at the lossless budget every key is
     its own cluster. */
  test_run (&b, NULL, "subgen", "", in.K, in.V, n, d, d, 64.0 * 2 * in.N + 65536, NULL, 0,
       &in.par.pyramid, in.public_seed);
  ck_assert_uint_eq (test_le32 (b.data), n);
  varlb_blob_clear (&b);
  free (K);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (subgen_estimate_is_close_to_attention_when_every_row_is_sampled)
{
  /* At the lossless budget every key is its own cluster (the normaliser is
     exact) and 2^20 l2 draws reach every row: the reweighted numerator is
     within a few percent of softmax(QK^T) V (relative noise about
     sqrt(T / 2^20 x |V|_F^2 / |v_j|^2), 2% here). */
  varlb_instance_t in;
  test_instance (&in, SEED);
  double worst = test_attention_error (&in, "subgen", "", 64.0 * 2 * in.N + 65536, 48, 8);
  ck_assert_msg (worst < 0.1, "largest output error %g", worst);
  varlb_instance_clear (&in);
}
END_TEST

/* ---------------------------------------------------------------- PQCache */

START_TEST (pqcache_attending_every_offloaded_row_is_exact_attention)
{
  /* compress=1: the recent window and the top-k cover every token, so Bob
     attends over all rows, as stored (fp16). */
  varlb_instance_t in;
  test_instance (&in, SEED);
  size_t n = in.alice_tokens, d = in.d, m = 32, *idx;
  double *Q, *O, *Kh, *Vh, *ref = malloc (m * d * sizeof *ref);
  ck_assert (ref != NULL);
  test_queries (&idx, &Q, &O, &in, m, 13);
  half_cache (&Kh, &Vh, &in);
  ck_assert_int_eq (varlb_attention (ref, Q, m, Kh, Vh, n, d, d, NULL, NULL, NULL), VARLB_OK);
  varlb_blob_t b;
  test_run (&b, O, "pqcache", "compress=1", in.K, in.V, n, d, d, 64.0 * in.N, Q, m, &in.par.pyramid, in.public_seed);
  ck_assert_uint_eq (test_le32 (b.data + 20), n - 32 - (n - 32) / 2); /* every middle row offloaded */
  for (size_t i = 0; i < m * d; i++)
    ck_assert_msg (fabs (O[i] - ref[i]) < 1e-9, "output %zu: %.12g vs %.12g", i, O[i], ref[i]);
  varlb_blob_clear (&b);
  free (idx), free (Q), free (O), free (ref), free (Kh), free (Vh);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (pqcache_bob_attends_to_sink_recent_and_his_top_k)
{
  /* subbits=16: one centroid per middle token, so the PQ scores are the
     exact scores on the stored (fp16) keys; every middle row is offloaded.
     Bob's output must then be attention over the 32 sinks, the recent
     window int(392 x 0.1 x 0.5) = 19 and his own top 19 middle tokens. */
  varlb_instance_t in;
  test_instance (&in, SEED);
  size_t n = in.alice_tokens, d = in.d, m = 24, sink = 32, nr = 19, topk = 19;
  size_t *idx, *rows = malloc (n * sizeof *rows);
  double *Q, *O, *Kh, *Vh;
  double *Ks = malloc (n * d * sizeof *Ks), *Vs = malloc (n * d * sizeof *Vs);
  double *S = malloc (n * sizeof *S), ref[64];
  ck_assert (rows && Ks && Vs && S);
  test_queries (&idx, &Q, &O, &in, m, 17);
  half_cache (&Kh, &Vh, &in);
  varlb_blob_t b;
  test_run (&b, O, "pqcache", "subbits=16", in.K, in.V, n, d, d, 64.0 * in.N, Q, m, &in.par.pyramid,
       in.public_seed);
  size_t nm = n - sink - nr;
  ck_assert_uint_eq (test_le32 (b.data + 16), nm); /* centroids */
  ck_assert_uint_eq (test_le32 (b.data + 20), nm); /* offloaded rows */
  for (size_t q = 0; q < m; q++)
    {
      size_t k = 0;
      for (size_t t = 0; t < sink; t++)
        rows[k++] = t;
      for (size_t t = n - nr; t < n; t++)
        rows[k++] = t;
      for (size_t t = 0; t < nm; t++)
        S[t] = cblas_ddot ((int) d, Q + q * d, 1, Kh + (sink + t) * d, 1);
      for (size_t r = 0; r < topk; r++)
        {
          size_t best = 0;
          for (size_t t = 1; t < nm; t++)
            best = S[t] > S[best] ? t : best;
          rows[k++] = sink + best;
          S[best] = -INFINITY;
        }
      for (size_t i = 0; i < k; i++)
        memcpy (Ks + i * d, Kh + rows[i] * d, d * sizeof *Ks),
          memcpy (Vs + i * d, Vh + rows[i] * d, d * sizeof *Vs);
      ck_assert_int_eq (varlb_attention (ref, Q + q * d, 1, Ks, Vs, k, d, d, NULL, NULL, NULL),
                        VARLB_OK);
      for (size_t j = 0; j < d; j++)
        ck_assert_msg (fabs (O[q * d + j] - ref[j]) < 1e-9, "query %zu, output %zu: %.12g vs %.12g",
                       q, j, O[q * d + j], ref[j]);
    }
  varlb_blob_clear (&b);
  free (idx), free (rows), free (Q), free (O), free (Kh), free (Vh), free (Ks), free (Vs), free (S);
  varlb_instance_clear (&in);
}
END_TEST

/* -------------------------------------------------------- VAR-specific */

/* A VAR-specific compressor's kept tokens on the default instance: the
   per-token accuracies ACC of the blob B (made by run), and the tokens it
   should keep (KEPT, all 0 at first). */
typedef struct
{
  varlb_instance_t in;
  double *acc;
  unsigned char *kept;
  varlb_blob_t b;
} kept_run_t;

static void
kept_run_init (kept_run_t *r)
{
  test_instance (&r->in, SEED);
  r->acc = malloc (r->in.alice_tokens * sizeof *r->acc);
  r->kept = calloc (r->in.alice_tokens, 1);
  ck_assert (r->acc && r->kept);
}

/* The tokens in KEPT decode every bit (ACC[t] = 1); the others decode
   about chance (their outputs ignore their bits; 0.6 is far above
   chance).  Then R is cleared. */
static void
kept_run_check (kept_run_t *r, const char *what)
{
  size_t n = r->in.alice_tokens;
  double lost = 0.0;
  size_t nl = 0;
  for (size_t t = 0; t < n; t++)
    if (r->kept[t])
      ck_assert_msg (r->acc[t] == 1.0, "%s: kept token %zu decodes %.3f", what, t, r->acc[t]);
    else
      lost += r->acc[t], nl++;
  ck_assert_msg (nl == 0 || lost / (double) nl < 0.6, "%s: evicted tokens decode %.3f", what,
                 lost / (double) nl);
  free (r->acc), free (r->kept);
  varlb_blob_clear (&r->b);
  varlb_instance_clear (&r->in);
}

START_TEST (amskv_cache_efficient_head_keeps_exactly_condensed_and_local_scales)
{
  kept_run_t r;
  kept_run_init (&r);
  const varlb_pyramid_t *py = &r.in.par.pyramid;
  size_t n = r.in.alice_tokens, d = r.in.d;
  double *K = malloc (n * d * sizeof *K);
  ck_assert (K != NULL);
  for (size_t t = 0; t < n; t++) /* one key everywhere: inter-scale cosine 1 */
    memcpy (K + t * d, r.in.K, d * sizeof *K);
  test_run (&r.b, NULL, "amskv", "condensed=2,local=1", K, r.in.V, n, d, d, 64.0 * r.in.N, NULL, 0, py, r.in.public_seed);
  ck_assert_uint_eq (test_le32 (r.b.data), 1 + 4 + 13 * 13);
  varlb_blob_clear (&r.b);
  test_run (&r.b, NULL, "amskv", "condensed=2,local=2", K, r.in.V, n, d, d, 64.0 * r.in.N, NULL, 0, py, r.in.public_seed);
  ck_assert_uint_eq (test_le32 (r.b.data), 1 + 4 + 10 * 10 + 13 * 13);
  varlb_blob_clear (&r.b);
  /* The instance's JL keys are dissimilar across scales: cache-demanding,
     the budget decides: room for 200 tokens keeps the condensed scales,
     the newest scale and the newest 26 of the one before... */
  token_accuracy (r.acc, &r.b, "amskv", "", &r.in, 64.0 + 200.0 * 32.0 * (double) d);
  ck_assert_uint_eq (test_le32 (r.b.data), 200);
  for (size_t t = 0; t < 5; t++)
    r.kept[t] = 1;
  for (size_t t = py->offset[7]; t < py->offset[7] + 26; t++)
    r.kept[t] = 1;
  for (size_t t = py->offset[8]; t < py->offset[9]; t++)
    r.kept[t] = 1;
  kept_run_check (&r, "amskv");
  free (K);
}
END_TEST

START_TEST (fastvar_fixed_ratios_keep_the_tokens_farthest_from_the_scale_mean)
{
  kept_run_t r;
  kept_run_init (&r);
  const varlb_pyramid_t *py = &r.in.par.pyramid;
  size_t n = r.in.alice_tokens, d = r.in.d, a = py->offset[8], len = py->offset[9] - a;
  double dev[169], mean[64] = { 0 };
  ck_assert_uint_eq (len, 169);
  for (size_t t = a; t < a + len; t++)
    for (size_t j = 0; j < d; j++)
      mean[j] += r.in.K[t * d + j] / (double) len;
  for (size_t i = 0; i < len; i++)
    {
      dev[i] = 0.0;
      for (size_t j = 0; j < d; j++)
        dev[i] += (r.in.K[(a + i) * d + j] - mean[j]) * (r.in.K[(a + i) * d + j] - mean[j]);
    }
  /* HART's ratios: Alice's last scale (13 x 13) is the smaller of the two
     pruned; 0.5 of it goes, int(169 / 2) = 84 tokens. */
  token_accuracy (r.acc, &r.b, "fastvar", "ratios=0.5/0.75", &r.in, 64.0 * r.in.N);
  ck_assert_uint_eq (test_le32 (r.b.data), n - 84);
  memset (r.kept, 1, n);
  for (size_t i = 0; i < len; i++)
    {
      size_t above = 0;
      for (size_t k = 0; k < len; k++)
        above += dev[k] > dev[i];
      r.kept[a + i] = above < len - 84;
    }
  kept_run_check (&r, "fastvar");
}
END_TEST

START_TEST (litevar_keeps_the_early_scales_and_the_window)
{
  kept_run_t r;
  kept_run_init (&r);
  const varlb_pyramid_t *py = &r.in.par.pyramid;
  token_accuracy (r.acc, &r.b, "litevar", "window=2,early=1", &r.in, 64.0 * r.in.N);
  ck_assert_uint_eq (test_le32 (r.b.data), 1 + 10 * 10 + 13 * 13); /* the KIVI block's rows */
  r.kept[0] = 1;
  for (size_t t = py->offset[7]; t < py->offset[9]; t++)
    r.kept[t] = 1;
  kept_run_check (&r, "litevar");
}
END_TEST

TEST_MAIN ("zoo_select", s)
{
  TCase *tc = test_case (s, "select", 120);
  ADD_TESTS (tc, subgen_clusters_identical_keys_together,
             subgen_estimate_is_close_to_attention_when_every_row_is_sampled,
             pqcache_attending_every_offloaded_row_is_exact_attention,
             pqcache_bob_attends_to_sink_recent_and_his_top_k,
             amskv_cache_efficient_head_keeps_exactly_condensed_and_local_scales,
             fastvar_fixed_ratios_keep_the_tokens_farthest_from_the_scale_mean,
             litevar_keeps_the_early_scales_and_the_window);
}
