/* test_attention.c -- blocked, stabilised softmax attention agrees with a
 * naive long-double evaluation for every block size, survives scores far
 * beyond exp's range, and reports target weights and log-normalisers. */
#include "testutil.h"
#include <math.h>

static void
naive (double *O, double *tw, double *lse, const double *Q, size_t m, const double *K,
       const double *V, size_t T, size_t d, size_t dv, const size_t *target)
{
  for (size_t r = 0; r < m; r++)
    {
      long double mx = -INFINITY, z = 0;
      long double *s = malloc (T * sizeof *s);
      for (size_t t = 0; t < T; t++)
        {
          s[t] = 0;
          for (size_t j = 0; j < d; j++)
            s[t] += (long double) Q[r * d + j] * K[t * d + j];
          if (s[t] > mx)
            mx = s[t];
        }
      for (size_t t = 0; t < T; t++)
        z += expl (s[t] - mx);
      for (size_t j = 0; j < dv; j++)
        {
          long double acc = 0;
          for (size_t t = 0; t < T; t++)
            acc += expl (s[t] - mx) / z * V[t * dv + j];
          O[r * dv + j] = (double) acc;
        }
      tw[r] = (double) (expl (s[target[r]] - mx) / z);
      lse[r] = (double) (mx + logl (z));
      free (s);
    }
}

START_TEST (blocked_attention_matches_naive)
{
  const size_t m = 37, T = 91, d = 7, dv = 5;
  double Q[37 * 7], K[91 * 7], V[91 * 5], O[37 * 5], O2[37 * 5];
  double tw[37], tw2[37], lse[37], lse2[37];
  size_t target[37];
  gsl_rng *r = varlb_rng_new (9, VARLB_STREAM_USER);
  for (size_t i = 0; i < m * d; i++)
    Q[i] = 6 * (gsl_rng_uniform (r) - 0.5);
  for (size_t i = 0; i < T * d; i++)
    K[i] = gsl_rng_uniform (r) - 0.5;
  for (size_t i = 0; i < T * dv; i++)
    V[i] = gsl_rng_uniform (r);
  for (size_t i = 0; i < m; i++)
    target[i] = (i * 7) % T;
  naive (O2, tw2, lse2, Q, m, K, V, T, d, dv, target);
  const size_t blocks[] = { 1, 5, 36, 37, 1000 };
  for (int b = 0; b < 5; b++)
    {
      varlb_attention_set_block (blocks[b]);
      ck_assert_int_eq (varlb_attention (O, Q, m, K, V, T, d, dv, target, tw, lse), VARLB_OK);
      for (size_t i = 0; i < m * dv; i++)
        ck_assert_double_eq_tol (O[i], O2[i], 1e-12);
      for (size_t i = 0; i < m; i++)
        {
          ck_assert_double_eq_tol (tw[i], tw2[i], 1e-12);
          ck_assert_double_eq_tol (lse[i], lse2[i], 1e-10);
        }
    }
  varlb_attention_set_block (0);
  gsl_rng_free (r);
}
END_TEST

START_TEST (huge_scores_stay_finite)
{
  /* Scores of +-1e4 overflow a naive exp; the running max keeps them exact. */
  double Q[2] = { 1e4, -1e4 }, K[3] = { 1.0, 0.5, -1.0 }, V[3] = { 1.0, 2.0, 3.0 }, O[2];
  ck_assert_int_eq (varlb_attention (O, Q, 2, K, V, 3, 1, 1, NULL, NULL, NULL), VARLB_OK);
  ck_assert_double_eq_tol (O[0], 1.0, 1e-15);
  ck_assert_double_eq_tol (O[1], 3.0, 1e-15);
}
END_TEST

START_TEST (nan_input_is_an_error)
{
  double Q[1] = { NAN }, K[2] = { 1.0, 2.0 }, V[2] = { 1.0, 2.0 }, O[1];
  ck_assert_int_eq (varlb_attention (O, Q, 1, K, V, 2, 1, 1, NULL, NULL, NULL), VARLB_ENUMERIC);
  ck_assert_int_eq (varlb_attention (O, Q, 1, K, V, 0, 1, 1, NULL, NULL, NULL), VARLB_EINVAL);
}
END_TEST

START_TEST (symmetric_self_attention_matches_blocked)
{
  /* For queries C k_s over the same keys plus zero tokens, the tiled
     symmetric evaluation equals the per-row-max blocked one, for key sets
     spanning several tiles and for unit and scaled keys. */
  const size_t n = 300, d = 16, z = 50;
  double *K = malloc (n * d * sizeof *K), *V = malloc (n * d * sizeof *V);
  double *Q = malloc (n * d * sizeof *Q), *O1 = malloc (n * d * sizeof *O1);
  double *O2 = malloc (n * d * sizeof *O2), tw1[300], tw2[300];
  size_t target[300];
  for (int norm = 0; norm < 2; norm++)
    {
      gsl_rng *r = varlb_rng_new (21, VARLB_STREAM_JL);
      varlb_jl_keys (K, n, d, VARLB_JL_GAUSSIAN, norm, r);
      for (size_t i = 0; i < n * d; i++)
        V[i] = gsl_rng_uniform (r) < 0.5;
      gsl_rng_free (r);
      const double C = 9.0;
      for (size_t s = 0; s < n; s++)
        {
          target[s] = s;
          for (size_t j = 0; j < d; j++)
            Q[s * d + j] = C * K[s * d + j];
        }
      ck_assert_int_eq (varlb_attention_self (O1, K, V, n, z, d, d, C, tw1), VARLB_OK);
      ck_assert_int_eq (varlb_attention_zero (O2, Q, n, K, V, n, z, d, d, target, tw2, NULL), VARLB_OK);
      for (size_t i = 0; i < n * d; i++)
        ck_assert_double_eq_tol (O1[i], O2[i], 1e-12);
      for (size_t s = 0; s < n; s++)
        ck_assert_double_eq_tol (tw1[s], tw2[s], 1e-12);
    }
  /* A zero key would make its row's shift meaningless: refused. */
  for (size_t j = 0; j < d; j++)
    K[j] = 0.0;
  ck_assert_int_eq (varlb_attention_self (O1, K, V, n, z, d, d, 9.0, NULL), VARLB_ENUMERIC);
  free (K); free (V); free (Q); free (O1); free (O2);
}
END_TEST

START_TEST (zero_tokens_equal_stored_zero_rows)
{
  /* Appending z zero keys/values explicitly or passing zero_tokens = z
     gives the same outputs. */
  const size_t m = 9, T = 20, z = 7, d = 3;
  double Q[9 * 3], K[27 * 3] = { 0 }, V[27 * 3] = { 0 }, O1[9 * 3], O2[9 * 3];
  gsl_rng *r = varlb_rng_new (4, VARLB_STREAM_USER);
  for (size_t i = 0; i < m * d; i++)
    Q[i] = 4 * gsl_rng_uniform (r) - 2;
  for (size_t i = 0; i < T * d; i++)
    {
      K[i] = gsl_rng_uniform (r) - 0.5;
      V[i] = gsl_rng_uniform (r);
    }
  gsl_rng_free (r);
  ck_assert_int_eq (varlb_attention (O1, Q, m, K, V, T + z, d, d, NULL, NULL, NULL), VARLB_OK);
  ck_assert_int_eq (varlb_attention_zero (O2, Q, m, K, V, T, z, d, d, NULL, NULL, NULL), VARLB_OK);
  for (size_t i = 0; i < m * d; i++)
    ck_assert_double_eq_tol (O1[i], O2[i], 1e-14);
}
END_TEST

START_TEST (softmax_exp_is_accurate)
{
  /* Through attention over two keys with scores 0 and x, the weight on the
     second is e^x/(1+e^x): compare against libm over [-700, 0]. */
  for (double x = -700.0; x <= 0.0; x += 0.37)
    {
      double Q[1] = { x }, K[2] = { 0.0, 1.0 }, V[2] = { 0.0, 1.0 }, O[1];
      ck_assert_int_eq (varlb_attention (O, Q, 1, K, V, 2, 1, 1, NULL, NULL, NULL), VARLB_OK);
      double want = exp (x) / (1.0 + exp (x));
      ck_assert_msg (fabs (O[0] - want) <= 4e-16 * want, "x = %g: %a vs %a", x, O[0], want);
    }
}
END_TEST

START_TEST (softmax_is_shift_invariant_beyond_exp_range)
{
  /* softmax(s + c) = softmax(s): with d = 2, keys (1, x_t) and the query
     (c, 1) give scores c + x_t.  At c = 750 and 1e5 every e^{score}
     overflows a double, so only the max shift keeps the outputs equal to
     those at c = 0; with and without zero tokens (whose score 0 is then far
     below the others). */
  const size_t T = 40;
  double K[80], V[40], O0[1], O1[1];
  gsl_rng *r = varlb_rng_new (17, VARLB_STREAM_USER);
  for (size_t t = 0; t < T; t++)
    {
      K[2 * t] = 1.0;
      K[2 * t + 1] = 4.0 * gsl_rng_uniform (r) - 2.0;
      V[t] = gsl_rng_uniform (r);
    }
  gsl_rng_free (r);
  const double cs[] = { 750.0, 1e5 };
  for (size_t z = 0; z <= 3; z += 3)
    for (int k = 0; k < 2; k++)
      {
        double q0[2] = { 0.0, 1.0 }, q1[2] = { cs[k], 1.0 };
        ck_assert_int_eq (varlb_attention_zero (O0, q0, 1, K, V, T, 0, 2, 1, NULL, NULL, NULL),
                          VARLB_OK);
        ck_assert_int_eq (varlb_attention_zero (O1, q1, 1, K, V, T, z, 2, 1, NULL, NULL, NULL),
                          VARLB_OK);
        ck_assert_msg (fabs (O1[0] - O0[0]) <= 1e-9 * fabs (O0[0]), "c = %g, z = %zu: %.17g vs %.17g",
                       cs[k], z, O1[0], O0[0]);
      }
}
END_TEST

START_TEST (self_attention_gram_stats_equal_a_direct_scan)
{
  /* The per-row score statistics gathered from the symmetric tiles (rows
     and, off the diagonal, columns) equal a direct scan of C<k_s,k_t>, over
     three tiles of keys. */
  const size_t n = 300, d = 8;
  const double C = 3.0;
  double *K = malloc (n * d * sizeof *K), *V = malloc (n * d * sizeof *V);
  double *O = malloc (n * d * sizeof *O), *buf = malloc (3 * n * sizeof *buf);
  size_t *arg = malloc (n * sizeof *arg);
  varlb_gram_stats_t g = { buf, buf + n, buf + 2 * n, arg };
  gsl_rng *r = varlb_rng_new (5, VARLB_STREAM_JL);
  varlb_jl_keys (K, n, d, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, r);
  for (size_t i = 0; i < n * d; i++)
    V[i] = gsl_rng_uniform (r) < 0.5;
  gsl_rng_free (r);
  ck_assert_int_eq (varlb_attention_self_stats (O, K, V, n, 10, d, d, C, NULL, &g), VARLB_OK);
  for (size_t s = 0; s < n; s++)
    {
      double mx = -INFINITY, ab = 0.0, self = 0.0;
      for (size_t t = 0; t < n; t++)
        {
          double x = 0.0;
          for (size_t j = 0; j < d; j++)
            x += K[s * d + j] * K[t * d + j];
          x *= C;
          if (t == s)
            self = x;
          else
            {
              mx = fmax (mx, x);
              ab = fmax (ab, fabs (x));
            }
        }
      ck_assert_msg (fabs (g.row_max[s] - mx) <= 1e-13, "row %zu: max %.17g vs %.17g", s,
                     g.row_max[s], mx);
      ck_assert (fabs (g.row_absmax[s] - ab) <= 1e-13);
      ck_assert (fabs (g.self[s] - self) <= 1e-13);
      ck_assert (g.row_absarg[s] != s && g.row_absarg[s] < n);
      double x = 0.0;
      for (size_t j = 0; j < d; j++)
        x += K[s * d + j] * K[g.row_absarg[s] * d + j];
      ck_assert (fabs (fabs (C * x) - ab) <= 1e-13);
    }
  free (K); free (V); free (O); free (buf); free (arg);
}
END_TEST

TEST_MAIN ("attention", s)
{
  TCase *tc = test_case (s, "core", 120);
  ADD_TEST (tc, blocked_attention_matches_naive);
  ADD_TEST (tc, huge_scores_stay_finite);
  ADD_TEST (tc, nan_input_is_an_error);
  ADD_TEST (tc, symmetric_self_attention_matches_blocked);
  ADD_TEST (tc, zero_tokens_equal_stored_zero_rows);
  ADD_TEST (tc, softmax_exp_is_accurate);
  ADD_TEST (tc, softmax_is_shift_invariant_beyond_exp_range);
  ADD_TEST (tc, self_attention_gram_stats_equal_a_direct_scan);
}
