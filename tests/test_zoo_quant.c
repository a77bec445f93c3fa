/* test_zoo_quant.c -- properties of the quantizers and sketches of the zoo
 * (TurboQuant, QJL, PolarQuant, KVQuant, GEAR) that the generic zoo tests
 * (test_compressors.c) cannot see: their codebooks against the known
 * Lloyd-Max optima, their rotations, what they keep, and how their error
 * falls with their knobs.  The zoo's token selectors are in
 * test_zoo_select.c, the knob variants of both in test_compressors.c. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "compressors/quant.h"

static const uint64_t SEED = 20261123;

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
  test_run (&b, p->O, name, knobs, p->K, p->V, p->T, p->T, p->T, 1e9, p->Q, p->T, &p->py, SEED);
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
      test_run (&b, O, name, knobs, K, V, 2, d, d, 1e9, Q, 2, &py, seed);
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
  test_run (&b, NULL, "turboquant", "bits=2,outliers=0.25", in.K, in.V, n, d, d, 64.0 * in.N, NULL, 0,
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
  double worst = test_attention_error (&in, "polarquant", "bits=12/10/10/10", 64.0 * in.N, m, 5);
  ck_assert_msg (worst < 0.01, "largest output error %g", worst);
  /* and the paper's 4/2/2/2 is coarser, yet rebuilds the values' scale */
  double err = test_attention_error (&in, "polarquant", "bits=4/2/2/2", 64.0 * in.N, m, 5);
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
  test_run (&b, NULL, "kvquant", knobs, in.K, V, n, d, dv, 64.0 * in.N, NULL, 0, &in.par.pyramid, in.public_seed);
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
  test_run (&b, NULL, "kvquant", "bits=4", in.K, in.V, n, d, d, 64.0 * in.N, NULL, 0, &in.par.pyramid, in.public_seed);
  double frac = (double) test_le32 (b.data + 16) / (double) ((n - 1) * d);
  ck_assert_msg (frac > 0.006 && frac < 0.014, "key outliers: %.4f of the entries", frac);
  varlb_blob_clear (&b);
  test_run (&b, NULL, "kvquant", "bits=4,threshold=1", in.K, in.V, n, d, d, 64.0 * in.N, NULL, 0,
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

TEST_MAIN ("zoo_quant", s)
{
  TCase *tc = test_case (s, "quant", 120);
  ADD_TESTS (tc, rotation_from_the_public_seed_is_orthogonal_and_reproducible,
             sphere_codebook_matches_the_exact_lloyd_max_levels,
             polar_angle_codebooks_match_their_laws,
             quantizers_on_public_codebooks_declare_free_calibration,
             turboquant_distortion_matches_the_papers_table, turboquant_qjl_scores_are_unbiased,
             qjl_scores_are_unbiased, turboquant_outlier_split_marks_the_highest_energy_channels,
             polarquant_at_fine_angles_reproduces_attention,
             polarquant_one_level_error_is_the_uniform_angle_error,
             kvquant_value_outliers_are_exactly_the_top_fraction,
             kvquant_key_outliers_are_about_the_calibrated_fraction,
             gear_reconstruction_error_shrinks_with_the_rank);
}
