/* test_zoo_quant.c -- properties of the quantizers, sketches and VAR-specific
 * compressors of the zoo (TurboQuant, QJL, PolarQuant, KVQuant, GEAR, SubGen,
 * PQCache, AMS-KV, FastVAR, LiteVAR) that the generic zoo tests
 * (test_compressors.c) cannot see: their codebooks against the known
 * Lloyd-Max optima, their rotations, what they keep, and how their error
 * falls with their knobs. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cblas.h>
#include "compressors/quant.h"

static const uint64_t SEED = 20261123;

/* Compress K, V (T x d, T x dv) with NAME:KNOBS at BUDGET and public seed
   SEED into B, then answer the M queries Q into O (m x dv). */
static void
run (varlb_blob_t *b, double *O, const char *name, const char *knobs, const double *K,
     const double *V, size_t T, size_t d, size_t dv, double budget, const double *Q, size_t m,
     const varlb_pyramid_t *py, uint64_t seed)
{
  const varlb_compressor_t *c = test_compressor (name);
  varlb_knobs_t k;
  test_knobs (&k, c, knobs, 1);
  varlb_blob_init (b);
  int st = c->compress (b, K, V, T, d, dv, budget, seed, &k, py);
  ck_assert_msg (st == VARLB_OK, "%s:%s compress returned %d", name, knobs, st);
  ck_assert_double_le (8.0 * (double) b->len, budget);
  if (m > 0)
    {
      st = c->answer (O, b->data, b->len, seed, Q, m, d, dv, &k, py);
      ck_assert_msg (st == VARLB_OK, "%s:%s answer returned %d", name, knobs, st);
    }
  varlb_knobs_clear (&k);
}

/* The queries of M Alice tokens 0, STRIDE, 2 STRIDE, ... of IN: their
   indices in *IDX, the queries in *Q and room for M answers in *O (all
   allocated here). */
static void
queries_every (size_t **idx, double **Q, double **O, const varlb_instance_t *in, size_t m,
               size_t stride)
{
  *idx = malloc (m * sizeof **idx);
  *Q = malloc (m * in->d * sizeof **Q);
  *O = malloc (m * in->d * sizeof **O);
  ck_assert (*idx && *Q && *O);
  for (size_t i = 0; i < m; i++)
    (*idx)[i] = i * stride;
  ck_assert_int_eq (varlb_instance_queries (*Q, in, *idx, m), VARLB_OK);
}

/* The largest |A[i] - B[i]| over N entries. */
static double
largest_error (const double *A, const double *B, size_t n)
{
  double worst = 0.0;
  for (size_t i = 0; i < n; i++)
    worst = fmax (worst, fabs (A[i] - B[i]));
  return worst;
}

/* The largest error of NAME:KNOBS's answers at BUDGET against exact
   attention over IN's cache, on the queries of M tokens STRIDE apart. */
static double
attention_error (const varlb_instance_t *in, const char *name, const char *knobs, double budget,
                 size_t m, size_t stride)
{
  size_t n = in->alice_tokens, d = in->d, *idx;
  double *Q, *O, *ref = malloc (m * d * sizeof *ref);
  ck_assert (ref != NULL);
  queries_every (&idx, &Q, &O, in, m, stride);
  ck_assert_int_eq (varlb_attention (ref, Q, m, in->K, in->V, n, d, d, NULL, NULL, NULL), VARLB_OK);
  varlb_blob_t b;
  run (&b, O, name, knobs, in->K, in->V, n, d, d, budget, Q, m, &in->par.pyramid, in->public_seed);
  double worst = largest_error (O, ref, m * d);
  varlb_blob_clear (&b);
  free (idx), free (Q), free (O), free (ref);
  return worst;
}

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
  queries_every (&idx, &Q, &O, in, n, 1);
  run (b, O, name, knobs, in->K, in->V, n, d, d, budget, Q, n, &in->par.pyramid, in->public_seed);
  for (size_t t = 0; t < n; t++)
    {
      size_t ok = 0;
      for (size_t j = 0; j < d; j++)
        ok += varlb_instance_decode_value (in, O[t * d + j]) == varlb_bits_get (&in->x, t, j);
      acc[t] = (double) ok / (double) d;
    }
  free (idx), free (Q), free (O);
}

/* -------------------------------------------------------------- codebooks */

START_TEST (rotation_from_the_public_seed_is_orthogonal_and_reproducible)
{
  size_t d = 64;
  double *R1 = malloc (d * d * sizeof *R1), *R2 = malloc (d * d * sizeof *R2);
  double *R3 = malloc (d * d * sizeof *R3);
  gsl_rng *r1 = varlb_rng_new (SEED, VARLB_STREAM_COMPRESSOR);
  gsl_rng *r2 = varlb_rng_new (SEED, VARLB_STREAM_COMPRESSOR);
  gsl_rng *r3 = varlb_rng_new (SEED + 1, VARLB_STREAM_COMPRESSOR);
  ck_assert (R1 && R2 && R3 && r1 && r2 && r3);
  ck_assert_int_eq (qz_rotation (R1, d, r1), VARLB_OK);
  ck_assert_int_eq (qz_rotation (R2, d, r2), VARLB_OK);
  ck_assert_int_eq (qz_rotation (R3, d, r3), VARLB_OK);
  double worst = 0.0;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++)
      {
        double s = 0.0;
        for (size_t k = 0; k < d; k++)
          s += R1[i * d + k] * R1[j * d + k];
        worst = fmax (worst, fabs (s - (i == j)));
      }
  ck_assert_msg (worst < 1e-12, "R R^T deviates from I by %g", worst);
  ck_assert (memcmp (R1, R2, d * d * sizeof *R1) == 0);
  ck_assert (memcmp (R1, R3, d * d * sizeof *R1) != 0);
  gsl_rng_free (r1), gsl_rng_free (r2), gsl_rng_free (r3);
  free (R1), free (R2), free (R3);
}
END_TEST

START_TEST (sphere_codebook_matches_the_exact_lloyd_max_levels)
{
  double lev[4];
  /* m = 3: a coordinate of a uniform point on S^2 is uniform on [-1, 1],
     whose Lloyd-Max levels are the cell midpoints. */
  ck_assert_int_eq (qz_sphere_levels (lev, 3, 1), VARLB_OK);
  ck_assert_double_eq_tol (lev[0], -0.5, 2e-4);
  ck_assert_double_eq_tol (lev[1], 0.5, 2e-4);
  ck_assert_int_eq (qz_sphere_levels (lev, 3, 2), VARLB_OK);
  const double u2[4] = { -0.75, -0.25, 0.25, 0.75 };
  for (int i = 0; i < 4; i++)
    ck_assert_double_eq_tol (lev[i], u2[i], 2e-4);
  /* One bit, any m: the levels are +-E|x_1| = Gamma(m/2) / (sqrt(pi)
     Gamma((m+1)/2)). */
  ck_assert_int_eq (qz_sphere_levels (lev, 64, 1), VARLB_OK);
  double mabs = exp (lgamma (32.0) - lgamma (32.5)) / sqrt (M_PI);
  ck_assert_double_eq_tol (lev[1], mabs, 1e-4 * mabs);
  ck_assert_double_eq_tol (lev[0], -mabs, 1e-4 * mabs);
  /* Large m: sqrt(m) x the levels tend to the Gaussian Lloyd-Max levels
     (TurboQuant's table: +-0.4528, +-1.5104 at 2 bits). */
  ck_assert_int_eq (qz_sphere_levels (lev, 4096, 2), VARLB_OK);
  const double g2[4] = { -1.5104, -0.4528, 0.4528, 1.5104 };
  for (int i = 0; i < 4; i++)
    ck_assert_msg (fabs (lev[i] * 64.0 - g2[i]) < 1e-3 * fabs (g2[i]), "level %d: %.5f vs %.4f", i,
                   lev[i] * 64.0, g2[i]);
}
END_TEST

START_TEST (polar_angle_codebooks_match_their_laws)
{
  double lev[4];
  /* Level 2 (density sin 2psi on [0, pi/2]), 1 bit: the half-interval
     means are exactly 1/2 and pi/2 - 1/2. */
  ck_assert_int_eq (qz_angle_levels (lev, 2, 1), VARLB_OK);
  ck_assert_double_eq_tol (lev[0], 0.5, 1e-4);
  ck_assert_double_eq_tol (lev[1], M_PI / 2 - 0.5, 1e-4);
  /* Level 1 is uniform on [0, 2 pi): midpoints. */
  ck_assert_int_eq (qz_angle_levels (lev, 1, 2), VARLB_OK);
  for (int i = 0; i < 4; i++)
    ck_assert_double_eq_tol (lev[i], (2 * i + 1) * M_PI / 4, 1e-12);
  /* Level 4: symmetric about pi/4 and concentrated near it. */
  ck_assert_int_eq (qz_angle_levels (lev, 4, 2), VARLB_OK);
  ck_assert_double_eq_tol (lev[0] + lev[3], M_PI / 2, 1e-6);
  ck_assert_double_eq_tol (lev[1] + lev[2], M_PI / 2, 1e-6);
  ck_assert (lev[0] > 0.35 && lev[3] < M_PI / 2 - 0.35);
}
END_TEST

START_TEST (quantizers_on_public_codebooks_declare_free_calibration)
{
  const char *free_cal[] = { "turboquant", "polarquant", "kvquant" };
  const char *none[] = { "gear", "subgen", "pqcache", "amskv", "fastvar", "litevar" };
  for (size_t i = 0; i < 3; i++)
    ck_assert_msg (test_compressor (free_cal[i])->free_calibration != NULL, "%s", free_cal[i]);
  for (size_t i = 0; i < 6; i++)
    ck_assert_msg (test_compressor (none[i])->free_calibration == NULL, "%s", none[i]);
}
END_TEST

/* -------------------------------------------------------------- TurboQuant */

/* T one-hot keys of T columns scaled by 60 in the queries: each query
   attends to its own token alone, so O reads back the rebuilt value row.
   The values are Gaussian (a stream of SEED), T x T as well; the pyramid
   is the 256px preset. */
typedef struct
{
  size_t T;
  double *K, *Q, *V, *O;
  varlb_pyramid_t py;
} probe_t;

static void
probe_init (probe_t *p, size_t T)
{
  p->T = T;
  p->K = calloc (T * T, sizeof *p->K), p->Q = calloc (T * T, sizeof *p->Q);
  p->V = malloc (T * T * sizeof *p->V), p->O = malloc (T * T * sizeof *p->O);
  gsl_rng *r = varlb_rng_new (SEED, VARLB_STREAM_USER);
  ck_assert (p->K && p->Q && p->V && p->O && r);
  for (size_t t = 0; t < T; t++)
    p->K[t * T + t] = 1.0, p->Q[t * T + t] = 60.0;
  for (size_t i = 0; i < T * T; i++)
    p->V[i] = gsl_ran_gaussian (r, 1.0);
  gsl_rng_free (r);
  ck_assert_int_eq (varlb_pyramid_init_preset (&p->py, 256), VARLB_OK);
}

static void
probe_clear (probe_t *p)
{
  varlb_pyramid_clear (&p->py);
  free (p->K), free (p->Q), free (p->V), free (p->O);
}

/* NAME:KNOBS on P at an unbinding budget: the answer in P's O. */
static void
probe_run (probe_t *p, const char *name, const char *knobs)
{
  varlb_blob_t b;
  run (&b, p->O, name, knobs, p->K, p->V, p->T, p->T, p->T, 1e9, p->Q, p->T, &p->py, SEED);
  varlb_blob_clear (&b);
}

/* The mean over P's tokens of |o_t - v_t|^2 / |v_t|^2. */
static double
probe_relative_mse (const probe_t *p)
{
  size_t T = p->T;
  double mse = 0.0;
  for (size_t t = 0; t < T; t++)
    {
      double e = 0.0, n = 0.0;
      for (size_t j = 0; j < T; j++)
        e += (p->O[t * T + j] - p->V[t * T + j]) * (p->O[t * T + j] - p->V[t * T + j]),
          n += p->V[t * T + j] * p->V[t * T + j];
      mse += e / n / (double) T;
    }
  return mse;
}

START_TEST (turboquant_distortion_matches_the_papers_table)
{
  /* TurboQuant_mse's relative MSE per vector: 0.363, 0.117, 0.0345,
     0.0095 at b = 1..4 (the Gaussian Lloyd-Max distortions, d large). */
  probe_t p;
  probe_init (&p, 256);
  const double D[4] = { 0.3634, 0.1175, 0.03454, 0.009497 };
  for (unsigned b = 1; b <= 4; b++)
    {
      char knobs[64];
      snprintf (knobs, sizeof knobs, "bits=%u", b);
      probe_run (&p, "turboquant", knobs);
      double mse = probe_relative_mse (&p);
      ck_assert_msg (fabs (mse - D[b - 1]) < 0.1 * D[b - 1], "b = %u: MSE %.5f, paper %.5f", b,
                     mse, D[b - 1]);
    }
  probe_clear (&p);
}
END_TEST

/* The mean over 400 public seeds (400 draws of a sketch S) of the score
   <q, k^_0> that NAME:KNOBS lets Bob compute, read back from his output:
   two tokens, k_0 a unit key and k_1 = 0 (rebuilt as 0), v_0 = e_0 and
   v_1 = 0 (rebuilt as 0); Bob's output is sigma(<q, k^_0>) v^_0 at query
   q = 2 k_0 and v^_0 / 2 at q = 0, so the score is the logit of their
   ratio.  An unbiased estimator gives <q, k_0> = 2 up to the mean's spread
   (a draw's is about 0.19 at d = 64, the mean's 0.01). */
static double
mean_sketched_score (const char *name, const char *knobs)
{
  enum { d = 64, SEEDS = 400 };
  double K[2 * d] = { 0 }, V[2 * d] = { 0 }, Q[2 * d] = { 0 }, O[2 * d];
  gsl_rng *r = varlb_rng_new (SEED, VARLB_STREAM_USER);
  ck_assert (r != NULL);
  ck_assert_int_eq (varlb_jl_keys (K, 1, d, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, r), VARLB_OK);
  gsl_rng_free (r);
  V[0] = 1.0;
  for (size_t j = 0; j < d; j++)
    Q[d + j] = 2.0 * K[j]; /* query 1: q = 2 k_0; query 0 stays 0 */
  varlb_pyramid_t py;
  ck_assert_int_eq (varlb_pyramid_init_preset (&py, 256), VARLB_OK);
  double sum = 0.0;
  for (uint64_t seed = 1; seed <= SEEDS; seed++)
    {
      varlb_blob_t b;
      run (&b, O, name, knobs, K, V, 2, d, d, 1e9, Q, 2, &py, seed);
      double half = 0.0, dot = 0.0;
      for (size_t j = 0; j < d; j++)
        half += O[j] * O[j], dot += O[d + j] * O[j];
      ck_assert_msg (half > 0.0, "%s seed %llu: v_0 rebuilt as 0", name, (unsigned long long) seed);
      double sig = dot / (2.0 * half);
      ck_assert_msg (sig > 0.0 && sig < 1.0, "%s seed %llu: weight %g", name,
                     (unsigned long long) seed, sig);
      sum += log (sig / (1.0 - sig));
      varlb_blob_clear (&b);
    }
  varlb_pyramid_clear (&py);
  return sum / SEEDS;
}

START_TEST (turboquant_qjl_scores_are_unbiased)
{
  /* TurboQuant_prod's QJL stage is unbiased for inner products (the
     paper's Theorem 2): at bits=1 the keys' mse stage has no bits, so a key
     is rebuilt as sqrt(pi/2)/d |k| S^T sign(S k) alone, and over the draws
     of S E <q, k^> = <q, k>: the mean score within 5% of 2.  The correction
     inverted, sqrt(2/pi) for sqrt(pi/2), gives 2 x 2/pi = 1.27. */
  double mean = mean_sketched_score ("turboquant", "bits=1,residual=qjl");
  ck_assert_msg (fabs (mean - 2.0) < 0.1, "mean TurboQuant_prod score %.4f, <q, k> = 2", mean);
}
END_TEST

START_TEST (qjl_scores_are_unbiased)
{
  /* QJL's estimator sqrt(pi/2)/m |k| <S q, sign(S k)> is unbiased (the
     paper's Lemma 3.2), m = d = 64 sketch rows here: the mean score within
     5% of 2; sqrt(2/pi) for sqrt(pi/2) gives 1.27. */
  double mean = mean_sketched_score ("qjl", "sketch=64,vbits=4");
  ck_assert_msg (fabs (mean - 2.0) < 0.1, "mean QJL score %.4f, <q, k> = 2", mean);
}
END_TEST

START_TEST (turboquant_outlier_split_marks_the_highest_energy_channels)
{
  varlb_instance_t in;
  test_instance (&in, SEED);
  size_t n = in.alice_tokens, d = in.d;
  varlb_blob_t b;
  run (&b, NULL, "turboquant", "bits=2,outliers=0.25", in.K, in.V, n, d, d, 64.0 * in.N, NULL, 0,
       &in.par.pyramid, in.public_seed);
  ck_assert_uint_eq (test_le32 (b.data), n);
  ck_assert_uint_eq (test_le32 (b.data + 4), 2);
  ck_assert_uint_eq (test_le32 (b.data + 8), 16);  /* key channels at b + 1 */
  ck_assert_uint_eq (test_le32 (b.data + 12), 16); /* value channels */
  /* The key mask: bit j of the stream after the 20-byte header. */
  double e[64] = { 0 };
  for (size_t t = 0; t < n; t++)
    for (size_t j = 0; j < d; j++)
      e[j] += in.K[t * d + j] * in.K[t * d + j];
  for (size_t j = 0; j < d; j++)
    {
      size_t above = 0;
      for (size_t i = 0; i < d; i++)
        above += e[i] > e[j];
      int marked = (b.data[20 + j / 8] >> (j % 8)) & 1;
      ck_assert_msg (marked == (above < 16), "channel %zu: energy rank %zu, marked %d", j, above,
                     marked);
    }
  varlb_blob_clear (&b);
  varlb_instance_clear (&in);
}
END_TEST

/* -------------------------------------------------------------- PolarQuant */

START_TEST (polarquant_at_fine_angles_reproduces_attention)
{
  varlb_instance_t in;
  test_instance (&in, SEED);
  size_t m = 64;
  double worst = attention_error (&in, "polarquant", "bits=12/10/10/10", 64.0 * in.N, m, 5);
  ck_assert_msg (worst < 0.01, "largest output error %g", worst);
  /* and the paper's 4/2/2/2 is coarser, yet rebuilds the values' scale */
  double err = attention_error (&in, "polarquant", "bits=4/2/2/2", 64.0 * in.N, m, 5);
  ck_assert_msg (err > worst && err < 1.0, "4/2/2/2: largest output error %g", err);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (polarquant_one_level_error_is_the_uniform_angle_error)
{
  /* L = 1: each pair is kept as an fp16 radius and a b-bit angle, uniform
     after preconditioning, so the angle error is uniform in +-pi/2^b and a
     pair's relative squared error 4 sin^2(err/2) averages 2 (1 - sin a / a)
     with a = pi / 2^b (0.01282 at b = 4). */
  probe_t p;
  probe_init (&p, 256);
  probe_run (&p, "polarquant", "levels=1,bits=4");
  double mse = probe_relative_mse (&p), a = M_PI / 16.0, want = 2.0 * (1.0 - sin (a) / a);
  ck_assert_msg (fabs (mse - want) < 0.05 * want, "MSE %.5f, uniform angle error gives %.5f", mse,
                 want);
  probe_clear (&p);
}
END_TEST

/* ---------------------------------------------------------------- KVQuant */

/* Check that the value outliers of a KVQuant blob (THRESHOLD) are exactly
   the ceil((1 - threshold)/2 dv) largest and smallest entries of each
   token, stored at fp16. */
static void
check_kvquant_value_outliers (const char *knobs, size_t per_side)
{
  varlb_instance_t in;
  test_instance (&in, SEED);
  size_t n = in.alice_tokens, d = in.d, dv = d;
  double *V = malloc (n * dv * sizeof *V);
  gsl_rng *r = varlb_rng_new (SEED, VARLB_STREAM_USER);
  ck_assert (V && r);
  for (size_t i = 0; i < n * dv; i++)
    V[i] = gsl_ran_gaussian (r, 1.0); /* distinct: no ties */
  varlb_blob_t b;
  run (&b, NULL, "kvquant", knobs, in.K, V, n, d, dv, 64.0 * in.N, NULL, 0, &in.par.pyramid, in.public_seed);
  size_t kept = test_le32 (b.data), f = test_le32 (b.data + 4);
  size_t ov = test_le32 (b.data + 12), nko = test_le32 (b.data + 16);
  ck_assert_uint_eq (kept, n);
  ck_assert_uint_eq (f, 1);
  ck_assert_uint_eq (ov, per_side);
  size_t q = n - f;
  const unsigned char *p = b.data + 20 + f * (d + dv) * 2 + 2 * q * 2;
  const unsigned char *vals = p, *bits = p + 2 * ov * q * 2 + nko * 2;
  size_t pos = 0;
  for (size_t t = 0; t < q; t++)
    {
      const double *row = V + (t + f) * dv;
      for (size_t k = 0; k < 2 * ov; k++)
        {
          size_t j = 0;
          for (unsigned i = 0; i < 6; i++, pos++) /* dv = 64: 6-bit indices */
            j |= (size_t) ((bits[pos / 8] >> (pos % 8)) & 1) << i;
          size_t above = 0, below = 0;
          for (size_t i = 0; i < dv; i++)
            above += row[i] > row[j], below += row[i] < row[j];
          ck_assert_msg (above < ov || below < ov, "token %zu: channel %zu is no outlier", t, j);
          const unsigned char *at = vals + 2 * (t * 2 * ov + k);
          uint16_t h = (uint16_t) (at[0] | at[1] << 8);
          ck_assert_double_eq (cc_half_to_double (h), qz_half (row[j]));
        }
    }
  gsl_rng_free (r);
  free (V);
  varlb_blob_clear (&b);
  varlb_instance_clear (&in);
}

START_TEST (kvquant_value_outliers_are_exactly_the_top_fraction)
{
  check_kvquant_value_outliers ("bits=4", 1);              /* 0.5% of 64, rounded up */
  check_kvquant_value_outliers ("bits=4,threshold=0.9", 4); /* ceil(3.2) */
  check_kvquant_value_outliers ("bits=4,threshold=1", 0);
}
END_TEST

START_TEST (kvquant_key_outliers_are_about_the_calibrated_fraction)
{
  /* Keys against ranges calibrated at the 0.5% and 99.5% percentiles of
     the same law: about 1% of the entries fall outside (27k entries: the
     band is 8 standard deviations wide); threshold 1 keeps none. */
  varlb_instance_t in;
  test_instance (&in, SEED);
  size_t n = in.alice_tokens, d = in.d;
  varlb_blob_t b;
  run (&b, NULL, "kvquant", "bits=4", in.K, in.V, n, d, d, 64.0 * in.N, NULL, 0, &in.par.pyramid, in.public_seed);
  double frac = (double) test_le32 (b.data + 16) / (double) ((n - 1) * d);
  ck_assert_msg (frac > 0.006 && frac < 0.014, "key outliers: %.4f of the entries", frac);
  varlb_blob_clear (&b);
  run (&b, NULL, "kvquant", "bits=4,threshold=1", in.K, in.V, n, d, d, 64.0 * in.N, NULL, 0,
       &in.par.pyramid, in.public_seed);
  ck_assert_uint_eq (test_le32 (b.data + 16), 0);
  varlb_blob_clear (&b);
  varlb_instance_clear (&in);
}
END_TEST

/* ------------------------------------------------------------------- GEAR */

START_TEST (gear_reconstruction_error_shrinks_with_the_rank)
{
  probe_t p;
  probe_init (&p, 64); /* 0/1 keys: exact at any bit width */
  size_t T = p.T;
  const unsigned ranks[] = { 0, 4, 16, 64 };
  double prev = INFINITY, first = 0.0;
  for (size_t i = 0; i < 4; i++)
    {
      char knobs[96];
      snprintf (knobs, sizeof knobs, "bits=2,rank=0,rankv=%u,left=0", ranks[i]);
      probe_run (&p, "gear", knobs);
      double err = 0.0;
      for (size_t j = 0; j < T * T; j++)
        err += (p.O[j] - p.V[j]) * (p.O[j] - p.V[j]);
      ck_assert_msg (err < prev, "rank %u: error %g, not below %g", ranks[i], err, prev);
      if (i == 0)
        first = err;
      prev = err;
    }
  /* full rank: the quantization error is recovered up to fp16 */
  ck_assert_msg (prev < 1e-4 * first, "full rank leaves %g of %g", prev, first);
  probe_clear (&p);
}
END_TEST

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
  run (&b, NULL, "subgen", "delta=1e-6", K, in.V, n, d, d, 64.0 * in.N, NULL, 0, &in.par.pyramid, in.public_seed);
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
  run (&b, NULL, "subgen", "", in.K, in.V, n, d, d, 64.0 * 2 * in.N + 65536, NULL, 0,
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
  double worst = attention_error (&in, "subgen", "", 64.0 * 2 * in.N + 65536, 48, 8);
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
  queries_every (&idx, &Q, &O, &in, m, 13);
  half_cache (&Kh, &Vh, &in);
  ck_assert_int_eq (varlb_attention (ref, Q, m, Kh, Vh, n, d, d, NULL, NULL, NULL), VARLB_OK);
  varlb_blob_t b;
  run (&b, O, "pqcache", "compress=1", in.K, in.V, n, d, d, 64.0 * in.N, Q, m, &in.par.pyramid, in.public_seed);
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
  queries_every (&idx, &Q, &O, &in, m, 17);
  half_cache (&Kh, &Vh, &in);
  varlb_blob_t b;
  run (&b, O, "pqcache", "subbits=16", in.K, in.V, n, d, d, 64.0 * in.N, Q, m, &in.par.pyramid,
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
  run (&r.b, NULL, "amskv", "condensed=2,local=1", K, r.in.V, n, d, d, 64.0 * r.in.N, NULL, 0, py, r.in.public_seed);
  ck_assert_uint_eq (test_le32 (r.b.data), 1 + 4 + 13 * 13);
  varlb_blob_clear (&r.b);
  run (&r.b, NULL, "amskv", "condensed=2,local=2", K, r.in.V, n, d, d, 64.0 * r.in.N, NULL, 0, py, r.in.public_seed);
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

/* ------------------------------------------------------- knob variants */

static const char *const variants[][2] = {
  { "turboquant", "residual=qjl" }, { "turboquant", "bits=3,outliers=0.25" },
  { "polarquant", "bits=4/2/2/2" }, { "polarquant", "levels=6" },
  { "kvquant", "bits=2,norm=1" }, { "kvquant", "threshold=1,first=0" },
  { "gear", "bits=4,rank=2,rankv=2" }, { "gear", "left=0,rank=0,rankv=0" },
  { "subgen", "share=0.2,t=1" }, { "subgen", "delta=0.5,samples=1000" },
  { "pqcache", "subbits=4,subvec=4" }, { "pqcache", "compress=0.5,sink=4" },
  { "amskv", "condensed=0,local=3,similarity=-1" }, { "fastvar", "ratios=0.4/0.5" },
  { "litevar", "window=2,bits=0" }, { "litevar", "early=0,bits=4,group=8" },
};

START_TEST (knob_variants_fit_the_budget_and_stay_under_fano_ceiling)
{
  varlb_instance_t in;
  test_instance (&in, SEED);
  size_t n = in.alice_tokens, d = in.d, *idx;
  double *Q, *O;
  queries_every (&idx, &Q, &O, &in, n, 1);
  const double frac[] = { 0.25, 1.0 };
  for (size_t f = 0; f < 2; f++)
    {
      varlb_blob_t b;
      double budget = frac[f] * (double) in.N;
      run (&b, O, variants[_i][0], variants[_i][1], in.K, in.V, n, d, d, budget, Q, n,
           &in.par.pyramid, in.public_seed);
      varlb_decode_report_t r;
      varlb_decode_report_init (&r);
      ck_assert_int_eq (varlb_instance_score (&r, &in, idx, n, O, NULL, NULL), VARLB_OK);
      double acc = (double) r.correct / (double) r.bits;
      double ceil = varlb_fano_ceiling (8.0 * (double) b.len, (double) in.N);
      ck_assert_msg (acc <= ceil, "%s:%s at %g: accuracy %.5f above the ceiling %.5f",
                     variants[_i][0], variants[_i][1], budget, acc, ceil);
      varlb_blob_clear (&b);
    }
  free (idx), free (Q), free (O);
  varlb_instance_clear (&in);
}
END_TEST

TEST_MAIN ("zoo_quant", s)
{
  TCase *tc = test_case (s, "quant", 120);
  tcase_add_test (tc, rotation_from_the_public_seed_is_orthogonal_and_reproducible);
  tcase_add_test (tc, sphere_codebook_matches_the_exact_lloyd_max_levels);
  tcase_add_test (tc, polar_angle_codebooks_match_their_laws);
  tcase_add_test (tc, quantizers_on_public_codebooks_declare_free_calibration);
  tcase_add_test (tc, turboquant_distortion_matches_the_papers_table);
  tcase_add_test (tc, turboquant_qjl_scores_are_unbiased);
  tcase_add_test (tc, qjl_scores_are_unbiased);
  tcase_add_test (tc, turboquant_outlier_split_marks_the_highest_energy_channels);
  tcase_add_test (tc, polarquant_at_fine_angles_reproduces_attention);
  tcase_add_test (tc, polarquant_one_level_error_is_the_uniform_angle_error);
  tcase_add_test (tc, kvquant_value_outliers_are_exactly_the_top_fraction);
  tcase_add_test (tc, kvquant_key_outliers_are_about_the_calibrated_fraction);
  tcase_add_test (tc, gear_reconstruction_error_shrinks_with_the_rank);
  tcase_add_test (tc, subgen_clusters_identical_keys_together);
  tcase_add_test (tc, subgen_estimate_is_close_to_attention_when_every_row_is_sampled);
  tcase_add_test (tc, pqcache_attending_every_offloaded_row_is_exact_attention);
  tcase_add_test (tc, pqcache_bob_attends_to_sink_recent_and_his_top_k);
  tcase_add_test (tc, amskv_cache_efficient_head_keeps_exactly_condensed_and_local_scales);
  tcase_add_test (tc, fastvar_fixed_ratios_keep_the_tokens_farthest_from_the_scale_mean);
  tcase_add_test (tc, litevar_keeps_the_early_scales_and_the_window);
  ADD_TABLE_TEST (tc, knob_variants_fit_the_budget_and_stay_under_fano_ceiling, variants);
}
